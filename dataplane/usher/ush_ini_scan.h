/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

#ifndef USH_INI_SCAN_H
#define USH_INI_SCAN_H

/*
 * The strict scan of an ini file shared by usher.ini and usherd.ini: rte_cfgfile reads the
 * values, but skips lines it does not understand and knows no line numbers. EAL-free (only
 * rte_cfgfile.h's CFG_NAME_LEN and CFG_VALUE_LEN).
 */

#include <stddef.h>

#include <rte_cfgfile.h>

/* A '#' right after a '\' does not start a comment (usher.ini). */
#define USH_INI_ESCAPED_COMMENT 0x1u

/* One [section] line (key "") or key = value line as the scan saw it. */
struct ush_ini_line {
	char section[CFG_NAME_LEN];
	char key[CFG_NAME_LEN];
	unsigned int line;
};

/*
 * Scans path: every line that is not blank or a '#' comment must be a [section] or a
 * key = value inside one, sections and keys appear once, names and values fit rte_cfgfile's
 * buffers. Fills lines[0..*n_lines) (at most max_lines). Returns 0, or a negative errno with
 * "path:line: message" (or "path: cannot open: ...") in err.
 */
int ush_ini_scan(const char *path, unsigned int flags, struct ush_ini_line *lines,
		 unsigned int max_lines, unsigned int *n_lines, char *err, size_t errlen);

/* Skips leading blanks and cuts trailing blanks and line ends, in place. */
char *ush_ini_trim(char *s);

/*
 * A decimal number from min to max (digits only: no sign, blank or base prefix). Returns 0,
 * or -EINVAL with "'v' is not a number from min to max" in msg.
 */
int ush_ini_uint(const char *v, unsigned long min, unsigned long max, unsigned long *out,
		 char *msg, size_t len);

/* The line of section's key (key "" for the [section] line itself), or 0. */
unsigned int ush_ini_line_of(const struct ush_ini_line *lines, unsigned int n_lines,
			     const char *section, const char *key);

#endif /* USH_INI_SCAN_H */
