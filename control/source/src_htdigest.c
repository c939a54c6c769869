/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* htdigest source: Apache htdigest and Usher credential files, read and rewritten atomically. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ush_digest.h"
#include "ushd_source.h"
#include "ushd_source_priv.h"

/* Files larger than this are refused rather than read whole: 256 MiB is ~2M subscribers. */
#define HTD_FILE_MAX (256u << 20)

/*
 * One entry as the dataplane's loader (dataplane/auth/credtab.c) reads it: 3 fields for an
 * htdigest MD5 line, 4 with an algorithm. The same rules and messages, so that a file usherd
 * accepts is one usher accepts.
 */
struct htd_line {
	const char *user;
	size_t ulen;
	const char *realm;
	size_t rlen;
	enum ush_hash hash;
	uint8_t ha1[USH_DIGEST_MAX_LEN];
};

static bool
htd_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* @return 1 for an entry, 0 for a comment or blank line, -EINVAL with err (no prefix). */
static int
htd_parse(const char *s, size_t len, struct htd_line *l, char *err, size_t errlen)
{
	const char *field[4];
	size_t flen[4];
	unsigned int nf = 0;
	unsigned int h;
	const char *hex;
	size_t hlen;

	if (len == 0 || s[0] == '#' || htd_blank(s, len))
		return 0;
	for (size_t start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (nf < 4) {
			field[nf] = s + start;
			flen[nf] = i - start;
		}
		nf++;
		start = i + 1;
	}
	if (nf != 3 && nf != 4)
		return ushd_err(
			err, errlen, -EINVAL,
			"expected user:realm:HA1 or user:realm:ALGORITHM:HA1, got %u fields", nf);
	if (flen[0] == 0)
		return ushd_err(err, errlen, -EINVAL, "empty username");
	if (flen[0] > USHD_USER_MAX)
		return ushd_err(err, errlen, -EINVAL, "username too long (%zu bytes, at most %d)",
				flen[0], USHD_USER_MAX);
	if (flen[1] == 0)
		return ushd_err(err, errlen, -EINVAL, "empty realm");
	if (flen[1] > USHD_REALM_MAX)
		return ushd_err(err, errlen, -EINVAL, "realm too long (%zu bytes, at most %d)",
				flen[1], USHD_REALM_MAX);
	h = USH_HASH_MD5;
	if (nf == 4) {
		for (h = 0; h < USH_HASH_COUNT; h++)
			if (strlen(ushd_hash_name(h)) == flen[2] &&
			    strncasecmp(field[2], ushd_hash_name(h), flen[2]) == 0)
				break;
		if (h == USH_HASH_COUNT)
			return ushd_err(err, errlen, -EINVAL,
					"unknown algorithm '%.*s' (MD5, SHA-256 or SHA-512-256)",
					(int)(flen[2] > 32 ? 32 : flen[2]), field[2]);
	}
	hex = field[nf - 1];
	hlen = flen[nf - 1];
	if (hlen != 2 * ush_hash_len(h))
		return ushd_err(err, errlen, -EINVAL, "%s HA1 must be %zu hex digits, not %zu",
				ushd_hash_name(h), 2 * ush_hash_len(h), hlen);
	if (ush_digest_hex_decode(hex, hlen, l->ha1, ush_hash_len(h)) < 0)
		return ushd_err(err, errlen, -EINVAL, "HA1 is not hexadecimal");
	l->user = field[0];
	l->ulen = flen[0];
	l->realm = field[1];
	l->rlen = flen[1];
	l->hash = h;
	return 1;
}

/* Next line of buf from *pos: [*s, *s + *len) without terminator, *raw with it. */
static bool
htd_next(const char *buf, size_t size, size_t *pos, const char **s, size_t *len, size_t *raw)
{
	const char *nl;
	size_t n;

	if (*pos >= size)
		return false;
	*s = buf + *pos;
	nl = memchr(*s, '\n', size - *pos);
	*raw = nl ? (size_t)(nl - *s) + 1 : size - *pos;
	n = nl ? (size_t)(nl - *s) : *raw;
	if (n > 0 && (*s)[n - 1] == '\r')
		n--;
	*len = n;
	*pos += *raw;
	return true;
}

/* Whole file into a NUL-terminated buffer. -ENOENT is left for the caller to word. */
static int
htd_read(const char *path, char **out, size_t *size, struct stat *st, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return ushd_err(err, errlen, rc, "%s: %s", path, strerror(-rc));
	}
	if (fstat(fd, st) < 0) {
		rc = -errno;
		ushd_err(err, errlen, rc, "%s: %s", path, strerror(-rc));
		goto out_close;
	}
	if (!S_ISREG(st->st_mode)) {
		rc = S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
		ushd_err(err, errlen, rc, "%s: not a regular file", path);
		goto out_close;
	}
	if ((uint64_t)st->st_size > HTD_FILE_MAX) {
		rc = ushd_err(err, errlen, -EFBIG, "%s: larger than %u MiB", path,
			      HTD_FILE_MAX >> 20);
		goto out_close;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (buf == NULL) {
		rc = ushd_err(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto out_close;
	}
	/* Read to EOF, not to st_size: the file may be growing under an editor. */
	for (;;) {
		ssize_t got = read(fd, buf + len, (size_t)st->st_size - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			ushd_err(err, errlen, rc, "%s: %s", path, strerror(-rc));
			goto out_free;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len == (size_t)st->st_size)
			break;
	}
	buf[len] = '\0';
	*out = buf;
	*size = len;
	close(fd);
	return 0;

out_free:
	explicit_bzero(buf, len);
	free(buf);
out_close:
	close(fd);
	return rc;
}

static void
htd_free(char *buf, size_t size)
{
	if (buf != NULL)
		explicit_bzero(buf, size);
	free(buf);
}

/* Parse a whole file image into set, merging the lines of one (user, realm). */
static int
htd_load_buf(const char *path, const char *buf, size_t size, struct ushd_credset *set, char *err,
	     size_t errlen)
{
	struct ushd_index idx = {0};
	struct ushd_cred cred;
	struct htd_line l;
	char msg[256];
	unsigned long lineno = 0;
	size_t pos = 0, len, raw;
	const char *s;
	long at;
	int rc = 0;

	while (htd_next(buf, size, &pos, &s, &len, &raw)) {
		lineno++;
		rc = htd_parse(s, len, &l, msg, sizeof(msg));
		if (rc < 0) {
			ushd_err(err, errlen, rc, "%s:%lu: %s", path, lineno, msg);
			goto out;
		}
		if (rc == 0)
			continue;
		memset(&cred, 0, sizeof(cred));
		memcpy(cred.user, l.user, l.ulen);
		memcpy(cred.realm, l.realm, l.rlen);
		at = ushd_index_find(&idx, set, cred.user, cred.realm);
		if (at < 0) {
			rc = ushd_credset_push(set, &cred);
			if (rc == 0)
				rc = ushd_index_add(&idx, set, set->n - 1);
			if (rc < 0) {
				ushd_err(err, errlen, rc, "%s:%lu: out of memory", path, lineno);
				goto out;
			}
			at = (long)set->n - 1;
		} else if (set->v[at].have & (1u << l.hash)) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "%s:%lu: duplicate %s entry for user '%s' in realm '%s'",
				      path, lineno, ushd_hash_name(l.hash), cred.user, cred.realm);
			goto out;
		}
		memcpy(set->v[at].ha1[l.hash], l.ha1, ush_hash_len(l.hash));
		set->v[at].have |= (uint8_t)(1u << l.hash);
	}
	rc = 0;
out:
	explicit_bzero(&l, sizeof(l));
	ushd_index_free(&idx);
	return rc;
}

int
ushd_htdigest_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		   size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t size = 0;
	int rc;

	rc = htd_read(c->path, &buf, &size, &st, err, errlen);
	if (rc < 0)
		return rc;
	rc = htd_load_buf(c->path, buf, size, set, err, errlen);
	htd_free(buf, size);
	return rc;
}

/* ---- rewriting ---- */

struct htd_out {
	char *p;
	size_t len;
	size_t cap;
	bool nomem;
};

static void
out_add(struct htd_out *o, const char *s, size_t len)
{
	if (o->nomem)
		return;
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *p;

		while (cap < o->len + len)
			cap *= 2;
		/* Not realloc: the old buffer holds HA1 hex and is wiped first. */
		p = malloc(cap);
		if (p == NULL) {
			o->nomem = true;
			return;
		}
		if (o->len > 0)
			memcpy(p, o->p, o->len);
		htd_free(o->p, o->len);
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
}

/* The lines of one subscriber: htdigest's 3-field form for MD5, which Apache also reads. */
static void
out_cred(struct htd_out *o, const struct ushd_cred *cr)
{
	char hex[USHD_HEX_MAX];

	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		if (!(cr->have & (1u << h)))
			continue;
		ush_digest_hex_encode(cr->ha1[h], ush_hash_len(h), hex);
		out_add(o, cr->user, strlen(cr->user));
		out_add(o, ":", 1);
		out_add(o, cr->realm, strlen(cr->realm));
		out_add(o, ":", 1);
		if (h != USH_HASH_MD5) {
			out_add(o, ushd_hash_name(h), strlen(ushd_hash_name(h)));
			out_add(o, ":", 1);
		}
		out_add(o, hex, 2 * ush_hash_len(h));
		out_add(o, "\n", 1);
	}
	explicit_bzero(hex, sizeof(hex));
}

/*
 * Replace target by data: a temporary file in the same directory (rename is atomic only
 * within one file system), same mode and owner, fsync'ed before the rename and the directory
 * after it, so that a crash leaves either the old file or the new one, never a mix.
 */
static int
htd_write_atomic(const char *shown, const char *target, const char *data, size_t len,
		 const struct stat *st, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16];
	char dir[PATH_MAX];
	size_t done = 0;
	int fd, dfd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target) >= sizeof(tmp) ||
	    strlen(target) >= sizeof(dir))
		return ushd_err(err, errlen, -ENAMETOOLONG, "%s: path too long", shown);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		return ushd_err(err, errlen, rc, "%s: cannot create a temporary file: %s", shown,
				strerror(-rc));
	}
	if (st != NULL) {
		/* Keeping the owner needs privileges usherd may not have; the mode it can keep. */
		if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM) {
			rc = -errno;
			ushd_err(err, errlen, rc, "%s: chown: %s", tmp, strerror(-rc));
			goto out_unlink;
		}
		if (fchmod(fd, st->st_mode & 07777) < 0) {
			rc = -errno;
			ushd_err(err, errlen, rc, "%s: chmod: %s", tmp, strerror(-rc));
			goto out_unlink;
		}
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			ushd_err(err, errlen, rc, "%s: write: %s", tmp, strerror(-rc));
			goto out_unlink;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		ushd_err(err, errlen, rc, "%s: fsync: %s", tmp, strerror(-rc));
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		ushd_err(err, errlen, rc, "%s: close: %s", tmp, strerror(-rc));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, target) < 0) {
		rc = -errno;
		ushd_err(err, errlen, rc, "%s: rename to %s: %s", tmp, target, strerror(-rc));
		goto out_unlink;
	}
	strcpy(dir, target);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* The rename is done; a failed directory fsync only weakens durability. */
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* The rewritten file o in place of target, or the out-of-memory that stopped building it. */
static int
htd_commit(const struct ushd_source_conf *c, const struct htd_out *o, const char *target,
	   const struct stat *st, char *err, size_t errlen)
{
	if (o->nomem)
		return ushd_err(err, errlen, -ENOMEM, "%s: out of memory", c->path);
	return htd_write_atomic(c->path, target, o->p ? o->p : "", o->len, st, err, errlen);
}

/*
 * The file a rewrite reads and replaces: its contents in *buf, and in target the path the
 * new file is renamed to (through a symlink, the link's target, not the link). When the file
 * does not exist and create is set, *fresh is set and target is the configured path: like
 * `htdigest -c`, the first write creates the file (mode 0600 from mkstemp).
 */
static int
htd_target(const struct ushd_source_conf *c, bool create, char **buf, size_t *size,
	   struct stat *st, char target[PATH_MAX], bool *fresh, char *err, size_t errlen)
{
	int rc = htd_read(c->path, buf, size, st, err, errlen);

	if (rc == -ENOENT && create) {
		*fresh = true;
		snprintf(target, PATH_MAX, "%s", c->path);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (realpath(c->path, target) == NULL) {
		rc = -errno;
		return ushd_err(err, errlen, rc, "%s: %s", c->path, strerror(-rc));
	}
	return 0;
}

/* put (p != NULL) or del of (user, realm): the file with that subscriber's lines replaced. */
static int
htd_rewrite(const struct ushd_source_conf *c, const char *user, const char *realm,
	    struct ushd_put *p, bool replace, char *err, size_t errlen)
{
	struct ushd_credset set = {0};
	struct htd_out o = {0};
	struct htd_line l;
	struct stat st;
	char target[PATH_MAX];
	char *buf = NULL;
	size_t size = 0, pos = 0, len, raw;
	const char *s;
	bool exists = false, fresh = false, written = false;
	int rc;

	rc = htd_target(c, p != NULL && !replace, &buf, &size, &st, target, &fresh, err, errlen);
	if (rc < 0)
		goto out;
	/* Never rewrite a file that usher would refuse: the error is the load's. */
	rc = htd_load_buf(c->path, buf ? buf : "", size, &set, err, errlen);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < set.n; i++)
		if (strcmp(set.v[i].user, user) == 0 && strcmp(set.v[i].realm, realm) == 0)
			exists = true;
	if (p != NULL && !replace && exists) {
		rc = ushd_err(err, errlen, -EEXIST, "%s: user '%s' in realm '%s' exists", c->path,
			      user, realm);
		goto out;
	}
	if ((p == NULL || replace) && !exists) {
		rc = ushd_err(err, errlen, -ENOENT, "%s: no user '%s' in realm '%s'", c->path, user,
			      realm);
		goto out;
	}
	while (htd_next(buf ? buf : "", size, &pos, &s, &len, &raw)) {
		if (htd_parse(s, len, &l, NULL, 0) == 1 && l.ulen == strlen(user) &&
		    l.rlen == strlen(realm) && memcmp(l.user, user, l.ulen) == 0 &&
		    memcmp(l.realm, realm, l.rlen) == 0) {
			/* A changed password takes the place of the old lines. */
			if (p != NULL && !written)
				out_cred(&o, &p->cred);
			written = true;
			continue;
		}
		out_add(&o, s, raw);
		if (pos == size && raw > 0 && s[raw - 1] != '\n')
			out_add(&o, "\n", 1); /* last line had no terminator */
	}
	if (p != NULL && !written)
		out_cred(&o, &p->cred);
	explicit_bzero(&l, sizeof(l));
	rc = htd_commit(c, &o, target, fresh ? NULL : &st, err, errlen);
out:
	htd_free(o.p, o.len);
	ushd_credset_free(&set);
	htd_free(buf, size);
	return rc;
}

int
ushd_htdigest_put(const struct ushd_source_conf *c, struct ushd_put *p, bool replace, char *err,
		  size_t errlen)
{
	return htd_rewrite(c, p->user, p->realm, p, replace, err, errlen);
}

int
ushd_htdigest_del(const struct ushd_source_conf *c, const char *user, const char *realm, char *err,
		  size_t errlen)
{
	return htd_rewrite(c, user, realm, NULL, false, err, errlen);
}

int
ushd_htdigest_parse(const char *name, const char *buf, size_t size, struct ushd_credset *set,
		    char *err, size_t errlen)
{
	const char *nul = memchr(buf, '\0', size);

	if (nul != NULL) {
		unsigned long line = 1;

		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		return ushd_err(err, errlen, -EINVAL, "%s:%lu: NUL byte: not a text line", name,
				line);
	}
	return htd_load_buf(name, buf, size, set, err, errlen);
}

/* NUL-terminated copies of a parsed line's names (the parser checked their lengths). */
static void
htd_names(const struct htd_line *l, char *user, char *realm)
{
	memcpy(user, l->user, l->ulen);
	user[l->ulen] = '\0';
	memcpy(realm, l->realm, l->rlen);
	realm[l->rlen] = '\0';
}

/*
 * Every subscriber of set written over the file in one atomic rewrite: each one's old lines
 * give way to its new ones at the place of the first of them; new subscribers are appended in
 * set order. Every other line is kept byte for byte.
 */
int
ushd_htdigest_put_ha1(const struct ushd_source_conf *c, const struct ushd_credset *set,
		      enum ushd_ha1_mode mode, struct ushd_import_count *n, char *err,
		      size_t errlen)
{
	struct ushd_credset old = {0};
	struct ushd_index in_old = {0}, in_set = {0};
	struct htd_out o = {0};
	struct htd_line l;
	struct stat st;
	char target[PATH_MAX];
	char user[USHD_USER_MAX + 1], realm[USHD_REALM_MAX + 1];
	char *buf = NULL;
	bool *done = NULL;
	size_t size = 0, pos = 0, len, raw;
	const char *s;
	bool fresh = false;
	int rc;

	memset(&l, 0, sizeof(l));
	rc = htd_target(c, mode != USHD_HA1_REPLACE, &buf, &size, &st, target, &fresh, err,
			errlen);
	if (rc < 0)
		goto out;
	/* never rewrite a file that usher would refuse: the error is the load's */
	rc = htd_load_buf(c->path, buf ? buf : "", size, &old, err, errlen);
	for (size_t i = 0; rc == 0 && i < old.n; i++)
		rc = ushd_index_add(&in_old, &old, i);
	for (size_t i = 0; rc == 0 && i < set->n; i++)
		rc = ushd_index_add(&in_set, set, i);
	done = calloc(set->n, sizeof(*done));
	if (rc == -ENOMEM || done == NULL) {
		rc = ushd_err(err, errlen, -ENOMEM, "%s: out of memory", c->path);
		goto out;
	}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < set->n; i++) {
		bool exists = ushd_index_find(&in_old, &old, set->v[i].user, set->v[i].realm) >= 0;

		rc = ushd_ha1_decide(mode, exists, &set->v[i], c->path, n, err, errlen);
		if (rc < 0)
			goto out;
	}
	while (htd_next(buf ? buf : "", size, &pos, &s, &len, &raw)) {
		long at = -1;

		if (htd_parse(s, len, &l, NULL, 0) == 1) {
			htd_names(&l, user, realm);
			at = ushd_index_find(&in_set, set, user, realm);
		}
		if (at >= 0) {
			if (!done[at])
				out_cred(&o, &set->v[at]);
			done[at] = true;
			continue;
		}
		out_add(&o, s, raw);
		if (pos == size && raw > 0 && s[raw - 1] != '\n')
			out_add(&o, "\n", 1); /* last line had no terminator */
	}
	for (size_t i = 0; i < set->n; i++)
		if (!done[i])
			out_cred(&o, &set->v[i]);
	rc = htd_commit(c, &o, target, fresh ? NULL : &st, err, errlen);
out:
	explicit_bzero(&l, sizeof(l));
	free(done);
	ushd_index_free(&in_set);
	ushd_index_free(&in_old);
	htd_free(o.p, o.len);
	ushd_credset_free(&old);
	htd_free(buf, size);
	return rc;
}
