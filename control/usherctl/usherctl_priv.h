/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usherctl's private interfaces: aligned text tables and human formatting of replies. */

#ifndef USHERCTL_PRIV_H
#define USHERCTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/** Exit codes (docs/operations.md). */
enum {
	USHCTL_EXIT_OK = 0,
	USHCTL_EXIT_REFUSED = 1, /**< usherd or a node refused the request */
	USHCTL_EXIT_USAGE = 2,
	USHCTL_EXIT_USHERD = 3,  /**< usherd unreachable, or no reply in time */
	USHCTL_EXIT_NODE = 4,    /**< a dataplane node is down or failed */
};

/** A text table: columns padded to their widest cell, two spaces apart. */
struct ushctl_table {
	unsigned int ncols;
	size_t nrows;
	size_t cap;
	char **cells; /* nrows * ncols strings */
};

void
ushctl_table_init(struct ushctl_table *t, unsigned int ncols);

/** Append a row of ncols cells (NULL prints as "-"). */
void
ushctl_table_row(struct ushctl_table *t, const char *const *cells);

/** Print and free. */
void
ushctl_table_print(struct ushctl_table *t, FILE *f);

/** Free without printing. */
void
ushctl_table_free(struct ushctl_table *t);

/** Format a JSON scalar as text (strings bare, null as "-"). The result is malloc'd. */
char *
ushctl_scalar(const json_t *v);

/** "1d2h", "3m12s", "45s". */
void
ushctl_duration(char *out, size_t len, long long seconds);

#endif /* USHERCTL_PRIV_H */
