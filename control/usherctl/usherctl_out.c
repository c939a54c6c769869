/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usherctl's text output: aligned tables and scalar formatting. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usherctl_priv.h"

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "usherctl: out of memory\n");
		exit(USHCTL_EXIT_REFUSED);
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "usherctl: out of memory\n");
		exit(USHCTL_EXIT_REFUSED);
	}
	return d;
}

void
ushctl_table_init(struct ushctl_table *t, unsigned int ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void
ushctl_table_row(struct ushctl_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
	}
	for (unsigned int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] ? cells[c] : "-");
	t->nrows++;
}

void
ushctl_table_print(struct ushctl_table *t, FILE *f)
{
	size_t w[32] = {0};

	for (size_t r = 0; r < t->nrows; r++)
		for (unsigned int c = 0; c < t->ncols && c < 32; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (unsigned int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)w[c < 32 ? c : 31], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void
ushctl_table_free(struct ushctl_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

char *
ushctl_scalar(const json_t *v)
{
	char buf[64];

	if (v == NULL || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return xstrdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
		return xstrdup(buf);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "yes" : "no");
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		return s ? s : xstrdup("?");
	}
}

void
ushctl_duration(char *out, size_t len, long long s)
{
	if (s < 0)
		snprintf(out, len, "-");
	else if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}
