/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The strict ini scan shared by usher's and usherd's readers: see ush_ini_scan.h. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ush_ini_scan.h"

#define INI_COMMENT '#'

static int ini_fail(char *err, size_t errlen, const char *path, unsigned int line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
ini_fail(char *err, size_t errlen, const char *path, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", path, line, msg);
	return -EINVAL;
}

char *
ush_ini_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

unsigned int
ush_ini_line_of(const struct ush_ini_line *lines, unsigned int n_lines, const char *section,
		const char *key)
{
	for (unsigned int i = 0; i < n_lines; i++)
		if (strcmp(lines[i].section, section) == 0 && strcmp(lines[i].key, key) == 0)
			return lines[i].line;
	return 0;
}

int
ush_ini_scan(const char *path, unsigned int flags, struct ush_ini_line *lines,
	     unsigned int max_lines, unsigned int *n_lines, char *err, size_t errlen)
{
	char buf[1024], section[CFG_NAME_LEN] = "";
	unsigned int lineno = 0, n = 0, first;
	int rc = 0;
	FILE *f;

	*n_lines = 0;
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *s, *c, *key = NULL;

		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			rc = ini_fail(err, errlen, path, lineno, "line longer than %zu characters",
				      sizeof(buf) - 2);
			break;
		}
		c = strchr(buf, INI_COMMENT);
		if (c != NULL &&
		    (!(flags & USH_INI_ESCAPED_COMMENT) || c == buf || c[-1] != '\\'))
			*c = '\0';
		s = ush_ini_trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (end == NULL || end[1] != '\0') {
				rc = ini_fail(err, errlen, path, lineno,
					      "section header must be '[name]'");
				break;
			}
			*end = '\0';
			s = ush_ini_trim(s + 1);
			if (*s == '\0' || strlen(s) >= CFG_NAME_LEN) {
				rc = ini_fail(err, errlen, path, lineno, "bad section name");
				break;
			}
			first = ush_ini_line_of(lines, n, s, "");
			if (first != 0) {
				rc = ini_fail(err, errlen, path, lineno,
					      "section [%s] repeated (first at line %u)", s, first);
				break;
			}
			snprintf(section, sizeof(section), "%s", s);
		} else {
			char *eq = strchr(s, '='), *val;

			if (eq == NULL) {
				rc = ini_fail(err, errlen, path, lineno,
					      "expected 'key = value' or '[section]'");
				break;
			}
			if (section[0] == '\0') {
				rc = ini_fail(err, errlen, path, lineno,
					      "key outside of any [section]");
				break;
			}
			*eq = '\0';
			key = ush_ini_trim(s);
			val = ush_ini_trim(eq + 1);
			if (*key == '\0' || strlen(key) >= CFG_NAME_LEN) {
				rc = ini_fail(err, errlen, path, lineno, "bad key name");
				break;
			}
			if (strlen(val) >= CFG_VALUE_LEN) {
				rc = ini_fail(err, errlen, path, lineno,
					      "value longer than %d characters", CFG_VALUE_LEN - 1);
				break;
			}
			first = ush_ini_line_of(lines, n, section, key);
			if (first != 0) {
				rc = ini_fail(err, errlen, path, lineno,
					      "%s repeated (first at line %u)", key, first);
				break;
			}
		}
		if (n == max_lines) {
			rc = ini_fail(err, errlen, path, lineno, "more than %u entries", max_lines);
			break;
		}
		snprintf(lines[n].section, CFG_NAME_LEN, "%s", section);
		snprintf(lines[n].key, CFG_NAME_LEN, "%s", key != NULL ? key : "");
		lines[n].line = lineno;
		n++;
	}
	*n_lines = n;
	fclose(f);
	return rc;
}

int
ush_ini_uint(const char *v, unsigned long min, unsigned long max, unsigned long *out, char *msg,
	     size_t len)
{
	unsigned long x;
	char *end;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || x < min || x > max) {
		snprintf(msg, len, "'%s' is not a number from %lu to %lu", v, min, max);
		return -EINVAL;
	}
	*out = x;
	return 0;
}
