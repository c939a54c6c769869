/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Credential table: immutable open-addressing hash of (user, realm) → HA1s, and its loader. */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ush_credtab.h"
#include "ush_digest.h"

/*
 * Offsets into the key arena are 32 bits and the arena is sized for the longest names, so
 * capacity * (USER_MAX + REALM_MAX) must stay below 4 GiB.
 */
#define CRED_CAPACITY_MAX (1u << 24)
#define CRED_KEY_MAX	  (USH_CRED_USER_MAX + USH_CRED_REALM_MAX)

/* HA1 bytes of every hash function, back to back in each entry. */
#define CRED_HA1_BYTES (16 + 32 + 32)
static const uint8_t ha1_off[USH_HASH_COUNT] = {0, 16, 48};

struct cred_entry {
	uint32_t user_off;
	uint32_t realm_off;
	uint8_t user_len;
	uint8_t realm_len;
	uint8_t present; /* bit h: HA1 for enum ush_hash h is set */
	uint8_t ha1[CRED_HA1_BYTES];
};

static_assert(USH_CRED_USER_MAX <= UINT8_MAX && USH_CRED_REALM_MAX <= UINT8_MAX,
	      "name lengths fit in a byte");
static_assert(USH_HASH_COUNT <= 8, "present is a byte-wide mask");

/*
 * A bucket carries the upper hash bits beside the entry number so that a probe rejects almost
 * every foreign key without touching its entry: lookups mostly cost one bucket cache line and
 * one entry cache line.
 */
struct cred_bucket {
	uint32_t tag;	/* hash >> 32 */
	uint32_t entry; /* entry index + 1; 0: empty bucket */
};

struct ush_credtab {
	struct cred_bucket *bucket;
	struct cred_entry *entry;
	char *arena;
	uint32_t bucket_mask;
	uint32_t capacity;
	uint32_t count;
	uint32_t arena_used;
	uint32_t last_realm_off; /* consecutive entries usually share a realm: store it once */
	uint8_t last_realm_len;
};

/* Up to 8 bytes as one little-endian word (the tail of a name). */
static inline uint64_t
cred_word_tail(const char *p, size_t n)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(uint8_t)p[i] << (8 * i);
	return w;
}

/* One name into the hash, a word at a time, then its length (which separates user from realm). */
static inline uint64_t
cred_mix_name(uint64_t h, const char *p, size_t len)
{
	const uint64_t mul = 0x9e3779b97f4a7c15ull;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * mul;
		h ^= h >> 29;
	}
	h = (h ^ cred_word_tail(p + i, len - i)) * mul;
	h ^= h >> 29;
	h = (h ^ (len | 0x100)) * mul;
	return h ^ (h >> 32);
}

/*
 * User, its length, realm, its length, a word at a time (a byte-wise FNV-1a was a chain of
 * 20-odd dependent multiplies per lookup), then the murmur3 finaliser so that the low bits
 * used for the bucket index depend on every input bit. Not keyed: the table holds only the
 * sources' names, so a lookup with any username from the wire cannot lengthen a probe
 * beyond what the stored keys built.
 */
static inline uint64_t
cred_hash(const char *user, size_t user_len, const char *realm, size_t realm_len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = cred_mix_name(h, user, user_len);
	h = cred_mix_name(h, realm, realm_len);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline bool
cred_key_eq(const struct ush_credtab *t, const struct cred_entry *e, const char *user,
	    size_t user_len, const char *realm, size_t realm_len)
{
	return e->user_len == user_len && e->realm_len == realm_len &&
	       memcmp(t->arena + e->user_off, user, user_len) == 0 &&
	       memcmp(t->arena + e->realm_off, realm, realm_len) == 0;
}

/* Bucket holding (user, realm), or the empty bucket where it would go. */
static inline struct cred_bucket *
cred_probe(const struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
	   size_t realm_len)
{
	uint64_t h = cred_hash(user, user_len, realm, realm_len);
	uint32_t tag = (uint32_t)(h >> 32);

	/* Load factor <= 0.5 guarantees an empty bucket, so the probe terminates. */
	for (uint32_t i = (uint32_t)h & t->bucket_mask;; i = (i + 1) & t->bucket_mask) {
		struct cred_bucket *b = &t->bucket[i];

		if (b->entry == 0)
			return b;
		if (b->tag == tag &&
		    cred_key_eq(t, &t->entry[b->entry - 1], user, user_len, realm, realm_len))
			return b;
	}
}

struct ush_credtab *
ush_credtab_create(uint32_t capacity)
{
	struct ush_credtab *t;
	uint64_t nbuckets = 16;

	if (capacity == 0 || capacity > CRED_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (nbuckets < 2ull * capacity)
		nbuckets <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out_nomem;
	t->bucket = calloc(nbuckets, sizeof(*t->bucket));
	if (t->bucket == NULL)
		goto out_free_table;
	/*
	 * Entries and arena are sized for the worst case but not zeroed: the OS commits only the
	 * pages the loader writes, so typical names cost their length, not CRED_KEY_MAX.
	 */
	t->entry = malloc((size_t)capacity * sizeof(*t->entry));
	if (t->entry == NULL)
		goto out_free_buckets;
	t->arena = malloc((size_t)capacity * CRED_KEY_MAX);
	if (t->arena == NULL)
		goto out_free_entries;
	t->bucket_mask = (uint32_t)(nbuckets - 1);
	t->capacity = capacity;
	return t;

out_free_entries:
	free(t->entry);
out_free_buckets:
	free(t->bucket);
out_free_table:
	free(t);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

void
ush_credtab_free(struct ush_credtab *t)
{
	if (t == NULL)
		return;
	explicit_bzero(t->entry, (size_t)t->count * sizeof(*t->entry));
	free(t->entry);
	free(t->arena);
	free(t->bucket);
	free(t);
}

static inline bool
cred_names_ok(const char *user, size_t user_len, const char *realm, size_t realm_len)
{
	return user != NULL && realm != NULL && user_len > 0 && user_len <= USH_CRED_USER_MAX &&
	       realm_len > 0 && realm_len <= USH_CRED_REALM_MAX;
}

/* Entry of (user, realm), added (without HA1) if new. NULL with *rc = -ENOSPC when full. */
static struct cred_entry *
cred_upsert(struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
	    size_t realm_len, int *rc)
{
	struct cred_bucket *b = cred_probe(t, user, user_len, realm, realm_len);
	struct cred_entry *e;

	if (b->entry != 0)
		return &t->entry[b->entry - 1];
	/* deletions leave their names in the arena: it may fill before the entries do */
	if (t->count == t->capacity ||
	    (uint64_t)t->arena_used + user_len + realm_len > (uint64_t)t->capacity * CRED_KEY_MAX) {
		*rc = -ENOSPC;
		return NULL;
	}
	e = &t->entry[t->count];
	e->user_off = t->arena_used;
	e->user_len = (uint8_t)user_len;
	memcpy(t->arena + t->arena_used, user, user_len);
	t->arena_used += (uint32_t)user_len;
	if (t->count == 0 || t->last_realm_len != realm_len ||
	    memcmp(t->arena + t->last_realm_off, realm, realm_len) != 0) {
		t->last_realm_off = t->arena_used;
		t->last_realm_len = (uint8_t)realm_len;
		memcpy(t->arena + t->arena_used, realm, realm_len);
		t->arena_used += (uint32_t)realm_len;
	}
	e->realm_off = t->last_realm_off;
	e->realm_len = (uint8_t)realm_len;
	e->present = 0;
	b->tag = (uint32_t)(cred_hash(user, user_len, realm, realm_len) >> 32);
	b->entry = ++t->count;
	return e;
}

int
ush_credtab_set(struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
		size_t realm_len, enum ush_hash hash, const uint8_t *ha1)
{
	struct cred_entry *e;
	int rc = 0;

	if (t == NULL || ha1 == NULL || hash >= USH_HASH_COUNT ||
	    !cred_names_ok(user, user_len, realm, realm_len))
		return -EINVAL;
	e = cred_upsert(t, user, user_len, realm, realm_len, &rc);
	if (e == NULL)
		return rc;
	memcpy(e->ha1 + ha1_off[hash], ha1, ush_hash_len(hash));
	e->present |= (uint8_t)(1u << hash);
	return 0;
}

const uint8_t *
ush_credtab_lookup(const struct ush_credtab *t, const char *user, size_t user_len,
		   const char *realm, size_t realm_len, enum ush_hash hash)
{
	const struct cred_bucket *b;
	const struct cred_entry *e;

	if (t == NULL || hash >= USH_HASH_COUNT || !cred_names_ok(user, user_len, realm, realm_len))
		return NULL;
	b = cred_probe(t, user, user_len, realm, realm_len);
	if (b->entry == 0)
		return NULL;
	e = &t->entry[b->entry - 1];
	if ((e->present & (1u << hash)) == 0)
		return NULL;
	return e->ha1 + ha1_off[hash];
}

/* Bucket of entry index e (0-based), which must be in the table. */
static struct cred_bucket *
cred_bucket_of(const struct ush_credtab *t, uint32_t e)
{
	const struct cred_entry *x = &t->entry[e];

	return cred_probe(t, t->arena + x->user_off, x->user_len, t->arena + x->realm_off,
			  x->realm_len);
}

int
ush_credtab_del(struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
		size_t realm_len)
{
	struct cred_bucket *b;
	uint32_t hole, i, j, last;

	if (t == NULL || !cred_names_ok(user, user_len, realm, realm_len))
		return -EINVAL;
	b = cred_probe(t, user, user_len, realm, realm_len);
	if (b->entry == 0)
		return -ENOENT;
	hole = b->entry - 1;
	/*
	 * Backward-shift deletion keeps linear probing tombstone-free: each bucket after the
	 * emptied one moves back into it unless its home lies cyclically within (i, j], where
	 * a probe would no longer reach it.
	 */
	i = (uint32_t)(b - t->bucket);
	t->bucket[i].entry = 0;
	for (j = (i + 1) & t->bucket_mask; t->bucket[j].entry != 0; j = (j + 1) & t->bucket_mask) {
		const struct cred_entry *x = &t->entry[t->bucket[j].entry - 1];
		uint32_t home = (uint32_t)cred_hash(t->arena + x->user_off, x->user_len,
						    t->arena + x->realm_off, x->realm_len) &
				t->bucket_mask;

		if (((j - home) & t->bucket_mask) < ((j - i) & t->bucket_mask))
			continue;
		t->bucket[i] = t->bucket[j];
		t->bucket[j].entry = 0;
		i = j;
	}
	/* entries stay dense: the last one moves into the hole */
	last = t->count - 1;
	if (hole != last) {
		cred_bucket_of(t, last)->entry = hole + 1;
		t->entry[hole] = t->entry[last];
	}
	explicit_bzero(&t->entry[last], sizeof(t->entry[last]));
	t->count--;
	return 0;
}

struct ush_credtab *
ush_credtab_clone(const struct ush_credtab *t, uint32_t capacity)
{
	struct ush_credtab *c;

	if (t == NULL || capacity < t->count) {
		errno = EINVAL;
		return NULL;
	}
	c = ush_credtab_create(capacity);
	if (c == NULL)
		return NULL;
	for (uint32_t e = 0; e < t->count; e++) {
		const struct cred_entry *x = &t->entry[e];
		struct cred_entry *y;
		int rc = 0;

		y = cred_upsert(c, t->arena + x->user_off, x->user_len, t->arena + x->realm_off,
				x->realm_len, &rc);
		if (y == NULL) {
			/* cannot happen: capacity >= count and names fit by construction */
			ush_credtab_free(c);
			errno = -rc;
			return NULL;
		}
		y->present = x->present;
		memcpy(y->ha1, x->ha1, sizeof(y->ha1));
	}
	return c;
}

int
ush_credtab_foreach(const struct ush_credtab *t, ush_credtab_fn fn, void *arg)
{
	if (t == NULL)
		return 0;
	for (uint32_t e = 0; e < t->count; e++) {
		const struct cred_entry *x = &t->entry[e];

		for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
			int rc;

			if ((x->present & (1u << h)) == 0)
				continue;
			rc = fn(arg, t->arena + x->user_off, x->user_len, t->arena + x->realm_off,
				x->realm_len, (enum ush_hash)h, x->ha1 + ha1_off[h]);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

uint32_t
ush_credtab_capacity(const struct ush_credtab *t)
{
	return t == NULL ? 0 : t->capacity;
}

uint32_t
ush_credtab_count(const struct ush_credtab *t)
{
	return t == NULL ? 0 : t->count;
}

/* ---- loader ---- */

struct cred_file {
	const char *path;
	unsigned long line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
cred_error(const struct cred_file *f, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (f->err == NULL || f->errlen == 0)
		return rc;
	n = snprintf(f->err, f->errlen, "%s:%lu: ", f->path, f->line);
	if (n >= 0 && (size_t)n < f->errlen) {
		va_start(ap, fmt);
		vsnprintf(f->err + n, f->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const struct {
	const char *name;
	enum ush_hash hash;
} cred_algos[] = {
	{"MD5", USH_HASH_MD5},
	{"SHA-256", USH_HASH_SHA256},
	{"SHA-512-256", USH_HASH_SHA512_256},
};

static const char *const hash_name[USH_HASH_COUNT] = {"MD5", "SHA-256", "SHA-512-256"};

static int
cred_algo(const char *s, size_t len, enum ush_hash *hash)
{
	for (size_t i = 0; i < sizeof(cred_algos) / sizeof(cred_algos[0]); i++) {
		if (strlen(cred_algos[i].name) == len &&
		    strncasecmp(s, cred_algos[i].name, len) == 0) {
			*hash = cred_algos[i].hash;
			return 0;
		}
	}
	return -1;
}

static bool
cred_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* One line without its terminator: 1 for an entry loaded, 0 for a comment or blank line. */
static int
cred_line(struct ush_credtab *t, const struct cred_file *f, const char *s, size_t len)
{
	const char *field[5];
	size_t flen[5];
	unsigned int nf = 0;
	uint8_t ha1[USH_DIGEST_MAX_LEN];
	enum ush_hash hash = USH_HASH_MD5;
	struct cred_entry *e;
	int rc = 0;

	if (len == 0 || s[0] == '#' || cred_blank(s, len))
		return 0;
	for (size_t start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (nf < 5) {
			field[nf] = s + start;
			flen[nf] = i - start;
		}
		nf++;
		start = i + 1;
	}
	if (nf != 3 && nf != 4)
		return cred_error(
			f, -EINVAL,
			"expected user:realm:HA1 or user:realm:ALGORITHM:HA1, got %u fields", nf);
	if (flen[0] == 0)
		return cred_error(f, -EINVAL, "empty username");
	if (flen[0] > USH_CRED_USER_MAX)
		return cred_error(f, -EINVAL, "username too long (%zu bytes, at most %d)", flen[0],
				  USH_CRED_USER_MAX);
	if (flen[1] == 0)
		return cred_error(f, -EINVAL, "empty realm");
	if (flen[1] > USH_CRED_REALM_MAX)
		return cred_error(f, -EINVAL, "realm too long (%zu bytes, at most %d)", flen[1],
				  USH_CRED_REALM_MAX);
	if (nf == 4 && cred_algo(field[2], flen[2], &hash) < 0)
		return cred_error(f, -EINVAL,
				  "unknown algorithm '%.*s' (MD5, SHA-256 or SHA-512-256)",
				  (int)(flen[2] > 32 ? 32 : flen[2]), field[2]);
	if (flen[nf - 1] != 2 * ush_hash_len(hash))
		return cred_error(f, -EINVAL, "%s HA1 must be %zu hex digits, not %zu",
				  hash_name[hash], 2 * ush_hash_len(hash), flen[nf - 1]);
	if (ush_digest_hex_decode(field[nf - 1], flen[nf - 1], ha1, ush_hash_len(hash)) < 0)
		return cred_error(f, -EINVAL, "HA1 is not hexadecimal");
	e = cred_upsert(t, field[0], flen[0], field[1], flen[1], &rc);
	if (e == NULL) {
		rc = cred_error(f, rc, "credential table full (capacity %u users)", t->capacity);
		goto out_wipe;
	}
	if (e->present & (1u << hash)) {
		rc = cred_error(f, -EINVAL, "duplicate %s entry for user '%.*s' in realm '%.*s'",
				hash_name[hash], (int)flen[0], field[0], (int)flen[1], field[1]);
		goto out_wipe;
	}
	memcpy(e->ha1 + ha1_off[hash], ha1, ush_hash_len(hash));
	e->present |= (uint8_t)(1u << hash);
	rc = 1;
out_wipe:
	explicit_bzero(ha1, sizeof(ha1));
	return rc;
}

int
ush_credtab_load(struct ush_credtab *t, const char *path, char *err, size_t errlen)
{
	struct cred_file f = {.path = path, .line = 0, .err = err, .errlen = errlen};
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *fp;
	int loaded = 0;
	int rc = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (t == NULL || path == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: invalid argument", path ? path : "(null)");
		return -EINVAL;
	}
	fp = fopen(path, "re");
	if (fp == NULL) {
		rc = -errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	errno = 0;
	while ((got = getline(&buf, &cap, fp)) >= 0) {
		size_t len = (size_t)got;

		f.line++;
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		rc = cred_line(t, &f, buf, len);
		if (rc < 0)
			goto out_close;
		loaded += rc;
	}
	if (ferror(fp)) {
		rc = errno != 0 ? -errno : -EIO;
		f.line++;
		cred_error(&f, rc, "%s", strerror(-rc));
		goto out_close;
	}
	rc = loaded;
out_close:
	/* The line buffer held HA1 hex. */
	if (buf != NULL)
		explicit_bzero(buf, cap);
	free(buf);
	fclose(fp);
	return rc;
}
