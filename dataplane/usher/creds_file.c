/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The credentials file and the nonce secret file, read without EAL (usher, usher-explain). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usher_priv.h"

/* Capacity of a table for a file: one entry per line at most. */
static int
count_lines(const char *path, uint32_t *n, char *err, size_t errlen)
{
	char buf[4096];
	uint32_t lines = 0;
	size_t got;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < got; i++)
			lines += buf[i] == '\n';
	fclose(f);
	*n = lines + 1; /* a last line without '\n' */
	return 0;
}

int
ush_dp_creds_load(const char *path, struct ush_credtab **out, char *err, size_t errlen)
{
	struct ush_credtab *t;
	uint32_t cap = 1;
	int rc;

	if (path[0] != '\0') {
		rc = count_lines(path, &cap, err, errlen);
		if (rc < 0)
			return rc;
	}
	t = ush_credtab_create(cap);
	if (t == NULL) {
		rc = errno != 0 ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: cannot create a table for %u entries: %s", path, cap,
			 strerror(-rc));
		return rc;
	}
	if (path[0] != '\0') {
		rc = ush_credtab_load(t, path, err, errlen);
		if (rc < 0) {
			ush_credtab_free(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

int
ush_dp_secret_load(const char *path, uint8_t *buf, size_t cap, size_t *len, bool *loose, char *err,
		   size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t n = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	*loose = fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
	while (n < cap && (got = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)got;
	if (n == cap) {
		snprintf(err, errlen, "%s: longer than %zu bytes", path, cap - 1);
		rc = -EINVAL;
		goto out_close;
	}
	/* a secret written by `openssl rand -hex 32 > file` ends with a newline: not secret */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < USH_NONCE_SECRET_MIN) {
		snprintf(err, errlen, "%s: secret shorter than %d bytes", path,
			 USH_NONCE_SECRET_MIN);
		rc = -EINVAL;
		goto out_close;
	}
	*len = n;
out_close:
	close(fd);
	return rc;
}
