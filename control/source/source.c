/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Credential sources: configuration, HA1 derivation, row checks and SQL shared by back ends. */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ush_digest.h"
#include "ushd_source.h"
#include "ushd_source_priv.h"

int
ushd_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *const hash_name[USH_HASH_COUNT] = {"MD5", "SHA-256", "SHA-512-256"};

const char *
ushd_hash_name(enum ush_hash hash)
{
	return hash < USH_HASH_COUNT ? hash_name[hash] : "?";
}

/* ---- configuration ---- */

#define DERIVE_ALL ((uint8_t)((1u << USH_HASH_COUNT) - 1))

/* Where each field's column name lives in the configuration, and its default. */
static const struct {
	size_t off;
	const char *def;
} col_field[USHD_F_COUNT] = {
	[USHD_F_USER] = {offsetof(struct ushd_source_conf, col_user), "username"},
	[USHD_F_DOMAIN] = {offsetof(struct ushd_source_conf, col_domain), "domain"},
	[USHD_F_PASSWORD] = {offsetof(struct ushd_source_conf, col_password), "password"},
	[USHD_F_HA1 + USH_HASH_MD5] = {offsetof(struct ushd_source_conf, col_ha1), "ha1"},
	[USHD_F_HA1 + USH_HASH_SHA256] = {offsetof(struct ushd_source_conf, col_ha1_sha256),
					  "ha1_sha256"},
	[USHD_F_HA1 + USH_HASH_SHA512_256] = {offsetof(struct ushd_source_conf, col_ha1_sha512t256),
					      "ha1_sha512t256"},
	[USHD_F_HA1B] = {offsetof(struct ushd_source_conf, col_ha1b), "ha1b"},
};

void
ushd_source_conf_defaults(struct ushd_source_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = USHD_SRC_HTDIGEST;
	strcpy(c->table, "subscriber");
	for (int f = 0; f < USHD_F_COUNT; f++)
		strcpy((char *)c + col_field[f].off, col_field[f].def);
	c->derive_mask = DERIVE_ALL;
	c->store_password = false;
	c->set_keys = 0;
}

const char *
ushd_col(const struct ushd_source_conf *c, enum ushd_field f)
{
	if ((int)f < 0 || f >= USHD_F_COUNT)
		return "";
	return (const char *)c + col_field[f].off;
}

/*
 * Table and column names are pasted into SQL, so they are restricted to plain identifiers
 * (and quoted as well): nothing from usherd.ini can change the shape of a statement.
 */
static bool
sql_ident_ok(const char *s)
{
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (const char *p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

enum conf_type { CT_KIND, CT_STR, CT_IDENT, CT_IDENT_OPT, CT_REALM, CT_DERIVE, CT_BOOL };

static const struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;
	size_t size;
} conf_keys[] = {
#define OFF(n)	offsetof(struct ushd_source_conf, n)
#define SIZE(n) sizeof(((struct ushd_source_conf *)0)->n)
	{"kind", CT_KIND, OFF(kind), SIZE(kind)},
	{"path", CT_STR, OFF(path), SIZE(path)},
	{"conninfo", CT_STR, OFF(conninfo), SIZE(conninfo)},
	{"table", CT_IDENT, OFF(table), SIZE(table)},
	{"col_user", CT_IDENT, OFF(col_user), SIZE(col_user)},
	{"col_domain", CT_IDENT_OPT, OFF(col_domain), SIZE(col_domain)},
	{"col_password", CT_IDENT_OPT, OFF(col_password), SIZE(col_password)},
	{"col_ha1", CT_IDENT_OPT, OFF(col_ha1), SIZE(col_ha1)},
	{"col_ha1_sha256", CT_IDENT_OPT, OFF(col_ha1_sha256), SIZE(col_ha1_sha256)},
	{"col_ha1_sha512t256", CT_IDENT_OPT, OFF(col_ha1_sha512t256), SIZE(col_ha1_sha512t256)},
	{"col_ha1b", CT_IDENT_OPT, OFF(col_ha1b), SIZE(col_ha1b)},
	{"realm", CT_REALM, OFF(realm), SIZE(realm)},
	{"derive", CT_DERIVE, OFF(derive_mask), SIZE(derive_mask)},
	{"store_password", CT_BOOL, OFF(store_password), SIZE(store_password)},
#undef OFF
#undef SIZE
};

#define CONF_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(CONF_KEYS <= 32, "ushd_source_conf.set_keys has a bit per key");

static const char *const kind_name[] = {"htdigest", "sqlite", "pgsql"};

static int
conf_derive(const char *v, uint8_t *mask, char *err, size_t errlen)
{
	uint8_t m = 0;

	/* "none" (or an empty value) derives nothing: only HA1 columns count. */
	if (strcasecmp(v, "none") == 0 || v[0] == '\0') {
		*mask = 0;
		return 0;
	}
	for (const char *end;; v = end + 1) {
		size_t len;
		unsigned int h;

		end = strchr(v, ',');
		len = end ? (size_t)(end - v) : strlen(v);
		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		for (h = 0; h < USH_HASH_COUNT; h++)
			if (strlen(hash_name[h]) == len && strncasecmp(v, hash_name[h], len) == 0)
				break;
		if (h == USH_HASH_COUNT)
			return ushd_err(err, errlen, -EINVAL,
					"derive: unknown hash '%.*s' (md5, sha-256, sha-512-256 "
					"or none)",
					(int)(len > 32 ? 32 : len), v);
		m |= (uint8_t)(1u << h);
		if (end == NULL)
			break;
	}
	*mask = m;
	return 0;
}

static int
conf_set_value(struct ushd_source_conf *c, const struct conf_key *k, const char *key,
	       const char *value, char *err, size_t errlen)
{
	char *field = (char *)c + k->off;
	size_t len;

	len = strlen(value);
	switch (k->type) {
	case CT_KIND:
		for (size_t i = 0; i < sizeof(kind_name) / sizeof(kind_name[0]); i++) {
			if (strcasecmp(value, kind_name[i]) == 0) {
				c->kind = (uint8_t)i;
				return 0;
			}
		}
		return ushd_err(err, errlen, -EINVAL,
				"kind: '%.32s' is not htdigest, sqlite or pgsql", value);
	case CT_DERIVE:
		return conf_derive(value, &c->derive_mask, err, errlen);
	case CT_BOOL:
		if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
		    strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0)
			c->store_password = true;
		else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
			 strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
			c->store_password = false;
		else
			return ushd_err(err, errlen, -EINVAL, "%s: '%.32s' is not yes or no", key,
					value);
		return 0;
	case CT_IDENT:
	case CT_IDENT_OPT:
		if (len == 0 && k->type == CT_IDENT)
			return ushd_err(err, errlen, -EINVAL, "%s: must not be empty", key);
		if (len > 0 && !sql_ident_ok(value))
			return ushd_err(
				err, errlen, -EINVAL,
				"%s: '%.64s' is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]*)",
				key, value);
		break;
	case CT_STR:
	case CT_REALM:
		for (const char *p = value; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return ushd_err(err, errlen, -EINVAL,
						"%s: control character in value", key);
		break;
	}
	if (len >= k->size)
		return ushd_err(err, errlen, -EINVAL, "%s: too long (%zu bytes, at most %zu)", key,
				len, k->size - 1);
	memcpy(field, value, len + 1);
	return 0;
}

int
ushd_source_conf_set(struct ushd_source_conf *c, const char *key, const char *value, char *err,
		     size_t errlen)
{
	size_t i;
	int rc;

	if (c == NULL || key == NULL || value == NULL)
		return ushd_err(err, errlen, -EINVAL, "invalid argument");
	for (i = 0; i < CONF_KEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0)
			break;
	if (i == CONF_KEYS)
		return ushd_err(err, errlen, -ENOENT,
				"%.64s: unknown key in [source] (see docs/sources.md)", key);
	rc = conf_set_value(c, &conf_keys[i], key, value, err, errlen);
	/* Said in usherd.ini, even with the default value: no longer auto-detected. */
	if (rc == 0)
		c->set_keys |= 1u << i;
	return rc;
}

/* ---- optional columns: auto-detection ---- */

/* The fields whose column may be missing from the table when left at the default. */
static const enum ushd_field col_optional[] = {
	USHD_F_HA1 + USH_HASH_SHA256,
	USHD_F_HA1 + USH_HASH_SHA512_256,
	USHD_F_HA1B,
};

unsigned int
ushd_cols_auto(const struct ushd_source_conf *c)
{
	unsigned int m = 0;

	for (size_t i = 0; i < sizeof(col_optional) / sizeof(col_optional[0]); i++) {
		enum ushd_field f = col_optional[i];

		if (strcmp(ushd_col(c, f), col_field[f].def) != 0)
			continue;
		for (size_t k = 0; k < CONF_KEYS; k++)
			if (conf_keys[k].off == col_field[f].off && !(c->set_keys & (1u << k)))
				m |= 1u << f;
	}
	return m;
}

void
ushd_cols_seen(const struct ushd_source_conf *c, const char *name, bool nocase,
	       unsigned int *missing)
{
	if (name == NULL)
		return;
	for (int f = 0; f < USHD_F_COUNT; f++) {
		const char *col = ushd_col(c, f);

		if ((*missing & (1u << f)) &&
		    (nocase ? strcasecmp(name, col) : strcmp(name, col)) == 0)
			*missing &= ~(1u << f);
	}
}

void
ushd_cols_drop(struct ushd_source_conf *c, unsigned int missing)
{
	for (int f = 0; f < USHD_F_COUNT; f++)
		if (missing & (1u << f))
			((char *)c + col_field[f].off)[0] = '\0';
}

int
ushd_source_conf_check(const struct ushd_source_conf *c, char *err, size_t errlen)
{
	if (c == NULL)
		return ushd_err(err, errlen, -EINVAL, "source: no configuration");
	switch (c->kind) {
	case USHD_SRC_HTDIGEST:
	case USHD_SRC_SQLITE:
		if (c->path[0] == '\0' || memchr(c->path, '\0', sizeof(c->path)) == NULL)
			return ushd_err(err, errlen, -EINVAL, "source: path is not set");
		if (c->kind == USHD_SRC_HTDIGEST)
			return 0;
		break;
	case USHD_SRC_PGSQL:
		if (memchr(c->conninfo, '\0', sizeof(c->conninfo)) == NULL)
			return ushd_err(err, errlen, -EINVAL, "source: conninfo too long");
		/* "" is legal: libpq then reads PGHOST, PGDATABASE, ... */
		break;
	default:
		return ushd_err(err, errlen, -EINVAL, "source: unknown kind %u", c->kind);
	}
	for (size_t i = 0; i < CONF_KEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		const char *v = (const char *)c + k->off;

		if (k->type != CT_IDENT && k->type != CT_IDENT_OPT)
			continue;
		if (memchr(v, '\0', k->size) == NULL)
			return ushd_err(err, errlen, -EINVAL, "source: %s is not terminated",
					k->name);
		if (v[0] == '\0' && k->type == CT_IDENT)
			return ushd_err(err, errlen, -EINVAL, "source: %s must not be empty",
					k->name);
		if (v[0] != '\0' && !sql_ident_ok(v))
			return ushd_err(err, errlen, -EINVAL,
					"source: %s '%.64s' is not an SQL identifier "
					"([A-Za-z_][A-Za-z0-9_]*)",
					k->name, v);
	}
	if (memchr(c->realm, '\0', sizeof(c->realm)) == NULL)
		return ushd_err(err, errlen, -EINVAL, "source: realm too long");
	if (!ushd_realm_fixed(c) && c->col_domain[0] == '\0')
		return ushd_err(err, errlen, -EINVAL,
				"source: no realm: set realm, or col_domain to the realm column");
	return 0;
}

/* ---- HA1 ---- */

int
ushd_ha1(enum ush_hash hash, const char *user, const char *realm, const char *password,
	 uint8_t *out)
{
	/* the digest engine's own derivation: usherd and usher-explain cannot disagree */
	return ush_digest_ha1(hash, user, strlen(user), realm, strlen(realm), password,
			      strlen(password), out);
}

/* ---- sets ---- */

int
ushd_credset_push(struct ushd_credset *set, const struct ushd_cred *c)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		struct ushd_cred *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return -ENOMEM;
		/* Not realloc: the old block holds HA1s and must be wiped before it is freed. */
		v = malloc(cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		if (set->n > 0)
			memcpy(v, set->v, set->n * sizeof(*v));
		if (set->v != NULL)
			explicit_bzero(set->v, set->n * sizeof(*v));
		free(set->v);
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = *c;
	return 0;
}

void
ushd_credset_free(struct ushd_credset *set)
{
	if (set == NULL)
		return;
	if (set->v != NULL)
		explicit_bzero(set->v, set->n * sizeof(*set->v));
	free(set->v);
	set->v = NULL;
	set->n = 0;
	set->cap = 0;
}

/* ---- duplicate index ---- */

static uint32_t
index_hash(const char *user, const char *realm)
{
	/* FNV-1a; the 0 byte between the names keeps ("ab","c") apart from ("a","bc"). */
	uint32_t h = 2166136261u;

	for (const char *p = user; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (const char *p = realm; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

long
ushd_index_find(const struct ushd_index *x, const struct ushd_credset *set, const char *user,
		const char *realm)
{
	uint32_t h = index_hash(user, realm);

	if (x->slot == NULL)
		return -1;
	for (size_t i = h & x->mask;; i = (i + 1) & x->mask) {
		uint64_t s = x->slot[i];
		const struct ushd_cred *c;

		if (s == 0)
			return -1;
		if ((uint32_t)(s >> 32) != h)
			continue;
		c = &set->v[(uint32_t)s - 1];
		if (strcmp(c->user, user) == 0 && strcmp(c->realm, realm) == 0)
			return (long)((uint32_t)s - 1);
	}
}

static void
index_put(uint64_t *slot, size_t mask, uint64_t s)
{
	size_t i = (size_t)(s >> 32) & mask;

	while (slot[i] != 0)
		i = (i + 1) & mask;
	slot[i] = s;
}

int
ushd_index_add(struct ushd_index *x, const struct ushd_credset *set, size_t pos)
{
	const struct ushd_cred *c = &set->v[pos];

	if (pos >= UINT32_MAX)
		return -ENOMEM;
	/* Load factor at most 1/2 keeps probes short and guarantees an empty slot. */
	if (2 * (x->used + 1) > x->mask + 1 || x->slot == NULL) {
		size_t n = x->slot ? 2 * (x->mask + 1) : 1024;
		uint64_t *slot = calloc(n, sizeof(*slot));

		if (slot == NULL)
			return -ENOMEM;
		for (size_t i = 0; x->slot != NULL && i <= x->mask; i++)
			if (x->slot[i] != 0)
				index_put(slot, n - 1, x->slot[i]);
		free(x->slot);
		x->slot = slot;
		x->mask = n - 1;
	}
	index_put(x->slot, x->mask, (uint64_t)index_hash(c->user, c->realm) << 32 | (pos + 1));
	x->used++;
	return 0;
}

void
ushd_index_free(struct ushd_index *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

/* ---- rows ---- */

static bool
present(const char *v)
{
	return v != NULL && v[0] != '\0';
}

int
ushd_cred_from_row(const struct ushd_source_conf *c, const struct ushd_row *r, unsigned long n,
		   struct ushd_cred *out, char *err, size_t errlen)
{
	const char *user = r->f[USHD_F_USER] ? r->f[USHD_F_USER] : "";
	const char *realm = ushd_realm_fixed(c)	  ? c->realm
			    : r->f[USHD_F_DOMAIN] ? r->f[USHD_F_DOMAIN]
						  : "";
	const char *password = r->f[USHD_F_PASSWORD];
	size_t ulen = strlen(user), rlen = strlen(realm);
	bool any = present(password);
	int rc;

	memset(out, 0, sizeof(*out));
	if (ulen == 0)
		return ushd_err(err, errlen, -EINVAL, "row %lu: empty %s", n, c->col_user);
	if (rlen == 0)
		return ushd_err(err, errlen, -EINVAL, "row %lu (%.*s): empty %s (the realm)", n,
				USHD_USER_MAX, user, c->col_domain);
	if (ulen > USHD_USER_MAX || rlen > USHD_REALM_MAX)
		return ushd_err(err, errlen, -EINVAL,
				"row %lu (%.64s...): username or realm longer than %d bytes", n,
				user, USHD_USER_MAX);
	memcpy(out->user, user, ulen + 1);
	memcpy(out->realm, realm, rlen + 1);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		const char *hex = r->f[USHD_F_HA1 + h];
		size_t len;

		if (!present(hex))
			continue;
		any = true;
		len = strlen(hex);
		/* PostgreSQL pads CHAR(n) columns with blanks; hex never contains one. */
		while (len > 0 && hex[len - 1] == ' ')
			len--;
		if (len != 2 * ush_hash_len(h) ||
		    ush_digest_hex_decode(hex, len, out->ha1[h], ush_hash_len(h)) < 0) {
			explicit_bzero(out, sizeof(*out));
			return ushd_err(err, errlen, -EINVAL,
					"row %lu (%s@%s): %s is not a %s HA1 (%zu hex digits)", n,
					user, realm, ushd_col(c, USHD_F_HA1 + h), hash_name[h],
					2 * ush_hash_len(h));
		}
		out->have |= (uint8_t)(1u << h);
	}
	if (!any) {
		memset(out, 0, sizeof(*out));
		return ushd_err(err, errlen, -EINVAL, "row %lu (%s@%s): neither password nor HA1",
				n, user, realm);
	}
	for (unsigned int h = 0; present(password) && h < USH_HASH_COUNT; h++) {
		if ((out->have & (1u << h)) || !(c->derive_mask & (1u << h)))
			continue;
		rc = ushd_ha1(h, out->user, out->realm, password, out->ha1[h]);
		if (rc < 0) {
			explicit_bzero(out, sizeof(*out));
			return ushd_err(err, errlen, rc, "row %lu (%s@%s): OpenSSL cannot hash %s",
					n, user, realm, hash_name[h]);
		}
		out->have |= (uint8_t)(1u << h);
	}
	if (out->have == 0) {
		memset(out, 0, sizeof(*out));
		return ushd_err(err, errlen, -EINVAL,
				"row %lu (%s@%s): only a password, and derive is none", n, user,
				realm);
	}
	return 0;
}
/*
 * One row of a database load, as SQLite and PostgreSQL read it: into *cred (the caller's, so
 * that it wipes it), refused when its key came before, then pushed and indexed.
 */
int
ushd_load_row(const struct ushd_source_conf *c, const char *where, const struct ushd_row *r,
	      unsigned long n, struct ushd_index *idx, struct ushd_credset *set,
	      struct ushd_cred *cred, char *err, size_t errlen)
{
	char msg[512];
	int rc;

	rc = ushd_cred_from_row(c, r, n, cred, msg, sizeof(msg));
	if (rc < 0)
		return ushd_err(err, errlen, rc, "%s: table %s %s", where, c->table, msg);
	if (ushd_index_find(idx, set, cred->user, cred->realm) >= 0)
		return ushd_err(err, errlen, -EINVAL,
				"%s: table %s row %lu: duplicate user '%s' in realm '%s'", where,
				c->table, n, cred->user, cred->realm);
	rc = ushd_credset_push(set, cred);
	if (rc == 0)
		rc = ushd_index_add(idx, set, set->n - 1);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "%s: out of memory", where);
	return 0;
}

int
ushd_check_names(const char *user, const char *realm, bool file, char *err, size_t errlen)
{
	const char *name[2] = {user, realm};
	const char *what[2] = {"username", "realm"};
	const size_t max[2] = {USHD_USER_MAX, USHD_REALM_MAX};

	for (int i = 0; i < 2; i++) {
		size_t len = name[i] ? strlen(name[i]) : 0;

		if (len == 0)
			return ushd_err(err, errlen, -EINVAL, "empty %s", what[i]);
		if (len > max[i])
			return ushd_err(err, errlen, -EINVAL,
					"%s too long (%zu bytes, at most %zu)", what[i], len,
					max[i]);
		for (const char *p = name[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f || (file && *p == ':'))
				return ushd_err(err, errlen, -EINVAL, "%s '%.*s' contains a %s",
						what[i], (int)len, name[i],
						*p == ':' ? "':' (the file's separator)"
							  : "control character");
	}
	/* A line starting with '#' is a comment: such a user would vanish on the next load. */
	if (file && user[0] == '#')
		return ushd_err(err, errlen, -EINVAL, "username '%s' starts with '#'", user);
	return 0;
}

/* ---- SQL ---- */

static void
sq_add(struct ushd_sql *q, const char *s)
{
	size_t len = strlen(s);

	if (q->len + len >= sizeof(q->text)) {
		q->overflow = true;
		return;
	}
	memcpy(q->text + q->len, s, len + 1);
	q->len += len;
}

/* Quoted as well as checked: a name that is an SQL keyword (user, domain) still works. */
static void
sq_ident(struct ushd_sql *q, const char *name)
{
	sq_add(q, "\"");
	sq_add(q, name);
	sq_add(q, "\"");
}

static void
sq_param(struct ushd_sql *q, const char *value)
{
	char ph[16];

	if (q->n >= (int)(sizeof(q->val) / sizeof(q->val[0]))) {
		q->overflow = true;
		return;
	}
	q->val[q->n++] = value;
	snprintf(ph, sizeof(ph), "%c%d", q->ph, q->n);
	sq_add(q, ph);
}

static void
sq_init(struct ushd_sql *q, char ph)
{
	memset(q, 0, sizeof(*q));
	q->ph = ph;
}

int
ushd_sql_select(const struct ushd_source_conf *c, char ph, struct ushd_sql *q,
		int map[USHD_F_COUNT])
{
	int col = 0;

	sq_init(q, ph);
	sq_add(q, "SELECT ");
	for (int f = 0; f < USHD_F_COUNT; f++) {
		const char *name = ushd_col(c, f);

		map[f] = -1;
		/*
		 * With a fixed realm the domain column plays no part. ha1b is never read: Usher
		 * checks the username as the client sends it against H(username:realm:password),
		 * so Kamailio's hash of "user@domain" would only ever match a different username.
		 */
		if (name[0] == '\0' || (f == USHD_F_DOMAIN && ushd_realm_fixed(c)) ||
		    f == USHD_F_HA1B)
			continue;
		if (col > 0)
			sq_add(q, ", ");
		sq_ident(q, name);
		map[f] = col++;
	}
	sq_add(q, " FROM ");
	sq_ident(q, c->table);
	return q->overflow ? -E2BIG : 0;
}

/* WHERE of one subscriber: username, and the domain unless the realm is fixed. */
static void
sq_where_key(struct ushd_sql *q, const struct ushd_source_conf *c, const struct ushd_put *p)
{
	sq_add(q, " WHERE ");
	sq_ident(q, c->col_user);
	sq_add(q, " = ");
	sq_param(q, p->user);
	if (!ushd_realm_fixed(c)) {
		sq_add(q, " AND ");
		sq_ident(q, c->col_domain);
		sq_add(q, " = ");
		sq_param(q, p->realm);
	}
}

/* The value put writes into the column of field f (f >= USHD_F_PASSWORD). */
static const char *
put_value(const struct ushd_put *p, int f)
{
	if (f == USHD_F_PASSWORD)
		return p->password;
	if (f == USHD_F_HA1B)
		return p->ha1b;
	return p->hex[f - USHD_F_HA1];
}

int
ushd_sql_columns(const struct ushd_source_conf *c, char ph, struct ushd_sql *q)
{
	sq_init(q, ph);
	if (ph == '?') {
		/* pragma_table_info: the table's columns, or no row without the table */
		sq_add(q, "SELECT name FROM pragma_table_info(");
		sq_param(q, c->table);
		sq_add(q, ")");
	} else {
		/*
		 * The catalogue, not "SELECT *": it lists every column of the relation that
		 * search_path finds even when usherd may SELECT only some of them.
		 */
		sq_add(q, "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = "
			  "pg_catalog.to_regclass(pg_catalog.quote_ident(");
		sq_param(q, c->table);
		sq_add(q, ")) AND attnum > 0 AND NOT attisdropped");
	}
	return q->overflow ? -E2BIG : 0;
}

int
ushd_sql_write(const struct ushd_source_conf *c, char ph, enum ushd_sql_op op,
	       const struct ushd_put *p, struct ushd_sql *q)
{
	int n = 0;

	sq_init(q, ph);
	switch (op) {
	case USHD_SQL_EXISTS:
		sq_add(q, "SELECT COUNT(*) FROM ");
		sq_ident(q, c->table);
		sq_where_key(q, c, p);
		break;
	case USHD_SQL_DELETE:
		sq_add(q, "DELETE FROM ");
		sq_ident(q, c->table);
		sq_where_key(q, c, p);
		break;
	case USHD_SQL_INSERT:
		sq_add(q, "INSERT INTO ");
		sq_ident(q, c->table);
		sq_add(q, " (");
		for (int f = 0; f < USHD_F_COUNT; f++) {
			if (ushd_col(c, f)[0] == '\0')
				continue;
			if (n++ > 0)
				sq_add(q, ", ");
			sq_ident(q, ushd_col(c, f));
		}
		sq_add(q, ") VALUES (");
		n = 0;
		for (int f = 0; f < USHD_F_COUNT; f++) {
			if (ushd_col(c, f)[0] == '\0')
				continue;
			if (n++ > 0)
				sq_add(q, ", ");
			/* The domain column gets the realm, also a fixed one. */
			sq_param(q, f == USHD_F_USER	 ? p->user
				    : f == USHD_F_DOMAIN ? p->realm
							 : put_value(p, f));
		}
		sq_add(q, ")");
		break;
	case USHD_SQL_UPDATE:
		sq_add(q, "UPDATE ");
		sq_ident(q, c->table);
		sq_add(q, " SET ");
		for (int f = USHD_F_PASSWORD; f < USHD_F_COUNT; f++) {
			if (ushd_col(c, f)[0] == '\0')
				continue;
			if (n++ > 0)
				sq_add(q, ", ");
			sq_ident(q, ushd_col(c, f));
			sq_add(q, " = ");
			sq_param(q, put_value(p, f));
		}
		if (n == 0)
			return -EINVAL;
		sq_where_key(q, c, p);
		break;
	}
	return q->overflow ? -E2BIG : 0;
}

int
ushd_put_check(const struct ushd_source_conf *c, const char *user, const char *realm,
	       const char *password, char *err, size_t errlen)
{
	bool file = c->kind == USHD_SRC_HTDIGEST;
	int rc;

	rc = ushd_check_names(user, realm, file, err, errlen);
	if (rc < 0)
		return rc;
	if (ushd_realm_fixed(c) && strcmp(realm, c->realm) != 0)
		return ushd_err(err, errlen, -EINVAL,
				"realm '%s' is not the source's fixed realm '%s'", realm, c->realm);
	if (password == NULL || password[0] == '\0')
		return ushd_err(err, errlen, -EINVAL, "empty password");
	if (!file && c->store_password && c->col_password[0] == '\0')
		return ushd_err(err, errlen, -EINVAL, "store_password needs col_password");
	return 0;
}

/*
 * Kamailio's ha1b, as kamctl computes it: MD5(user "@" domain ":" realm ":" password), the
 * domain being what the domain column holds (put writes the realm there). Without a domain
 * column there is no domain: '' then, so that an old ha1b stops matching the old password.
 */
static int
put_ha1b(const struct ushd_source_conf *c, const char *password, struct ushd_put *p)
{
	char at[USHD_USER_MAX + 1 + USHD_REALM_MAX + 1];
	uint8_t md5[16];
	int rc;

	p->ha1b[0] = '\0';
	if (c->col_ha1b[0] == '\0' || c->col_domain[0] == '\0')
		return 0;
	snprintf(at, sizeof(at), "%s@%s", p->user, p->realm);
	rc = ushd_ha1(USH_HASH_MD5, at, p->realm, password, md5);
	if (rc == 0) {
		ush_digest_hex_encode(md5, sizeof(md5), p->ha1b);
		p->ha1b[2 * sizeof(md5)] = '\0';
	}
	explicit_bzero(md5, sizeof(md5));
	return rc;
}

int
ushd_put_prepare(const struct ushd_source_conf *c, const char *user, const char *realm,
		 const char *password, struct ushd_put *p, char *err, size_t errlen)
{
	bool file = c->kind == USHD_SRC_HTDIGEST;
	bool keep_pw = !file && c->store_password && c->col_password[0] != '\0';
	int rc;

	memset(p, 0, sizeof(*p));
	if (password == NULL) {
		/* del: the key is all a DELETE needs */
		rc = ushd_check_names(user, realm, file, err, errlen);
		p->user = user;
		p->realm = realm;
		p->password = "";
		return rc;
	}
	rc = ushd_put_check(c, user, realm, password, err, errlen);
	if (rc < 0)
		return rc;
	p->user = user;
	p->realm = realm;
	p->password = keep_pw ? password : "";
	strcpy(p->cred.user, user);
	strcpy(p->cred.realm, realm);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		bool col = ushd_col(c, USHD_F_HA1 + h)[0] != '\0';

		if (!(c->derive_mask & (1u << h)))
			continue;
		/* Only what a reload finds again, so that *out never disagrees with the source. */
		if (!file && !col && !keep_pw)
			continue;
		rc = ushd_ha1(h, user, realm, password, p->cred.ha1[h]);
		if (rc < 0) {
			ushd_put_wipe(p);
			return ushd_err(err, errlen, rc, "OpenSSL cannot hash %s", hash_name[h]);
		}
		p->cred.have |= (uint8_t)(1u << h);
		if (file || col) {
			ush_digest_hex_encode(p->cred.ha1[h], ush_hash_len(h), p->hex[h]);
			p->hex[h][2 * ush_hash_len(h)] = '\0';
		}
	}
	/* ha1b is no storage for Usher (never read): it does not make "nothing" something. */
	if (p->cred.have == 0) {
		ushd_put_wipe(p);
		return ushd_err(err, errlen, -EINVAL,
				"nothing to store: no HA1 column for the derived hashes and "
				"store_password is off");
	}
	if (!file && put_ha1b(c, password, p) < 0) {
		ushd_put_wipe(p);
		return ushd_err(err, errlen, -EIO, "OpenSSL cannot hash MD5 (ha1b)");
	}
	return 0;
}

void
ushd_put_wipe(struct ushd_put *p)
{
	explicit_bzero(p->hex, sizeof(p->hex));
	explicit_bzero(p->ha1b, sizeof(p->ha1b));
	explicit_bzero(&p->cred, sizeof(p->cred));
}

/* ---- entry points ---- */

int
ushd_source_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		 size_t errlen)
{
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (set == NULL)
		return ushd_err(err, errlen, -EINVAL, "source: no set");
	ushd_credset_free(set);
	rc = ushd_source_conf_check(c, err, errlen);
	if (rc < 0)
		return rc;
	switch (c->kind) {
	case USHD_SRC_HTDIGEST:
		rc = ushd_htdigest_load(c, set, err, errlen);
		break;
	case USHD_SRC_SQLITE:
		rc = ushd_sqlite_load(c, set, err, errlen);
		break;
	default:
		rc = ushd_pgsql_load(c, set, err, errlen);
		break;
	}
	if (rc == 0 && set->n > INT_MAX)
		rc = ushd_err(err, errlen, -EOVERFLOW, "source: more than %d subscribers", INT_MAX);
	if (rc < 0) {
		ushd_credset_free(set);
		return rc;
	}
	return (int)set->n;
}

static int
source_write(const struct ushd_source_conf *c, const char *user, const char *realm,
	     const char *password, bool del, bool replace, struct ushd_cred *out, char *err,
	     size_t errlen)
{
	struct ushd_put p;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof(p));
	rc = ushd_source_conf_check(c, err, errlen);
	if (rc < 0)
		return rc;
	/* Refused before the source is touched; a database prepares once it knows its columns. */
	if (del)
		rc = ushd_check_names(user, realm, c->kind == USHD_SRC_HTDIGEST, err, errlen);
	else if (c->kind == USHD_SRC_HTDIGEST)
		rc = ushd_put_prepare(c, user, realm, password, &p, err, errlen);
	else
		rc = ushd_put_check(c, user, realm, password, err, errlen);
	if (rc < 0)
		return rc;
	switch (c->kind) {
	case USHD_SRC_HTDIGEST:
		rc = del ? ushd_htdigest_del(c, user, realm, err, errlen)
			 : ushd_htdigest_put(c, &p, replace, err, errlen);
		break;
	case USHD_SRC_SQLITE:
		rc = ushd_sql_put(&ushd_sqlite_ops, c, user, realm, del ? NULL : password, del,
				  replace, &p, err, errlen);
		break;
	default:
		rc = ushd_sql_put(&ushd_pgsql_ops, c, user, realm, del ? NULL : password, del,
				  replace, &p, err, errlen);
		break;
	}
	if (rc == 0 && out != NULL && !del)
		*out = p.cred;
	ushd_put_wipe(&p);
	return rc;
}

int
ushd_source_put(const struct ushd_source_conf *c, const char *user, const char *realm,
		const char *password, bool replace, struct ushd_cred *out, char *err, size_t errlen)
{
	return source_write(c, user, realm, password, false, replace, out, err, errlen);
}

int
ushd_source_del(const struct ushd_source_conf *c, const char *user, const char *realm, char *err,
		size_t errlen)
{
	return source_write(c, user, realm, NULL, true, false, NULL, err, errlen);
}

/* ---- Database writes: the sequence SQLite and PostgreSQL share, through ushd_sql_ops ---- */

static const char *
sql_where(const struct ushd_sql_ops *ops, const struct ushd_source_conf *c)
{
	return ops->name != NULL ? ops->name : c->path;
}

/* The transaction of ushd_sql_put() on an open database. */
static int
sql_put_tx(const struct ushd_sql_ops *ops, void *db, const struct ushd_source_conf *c,
	   const char *user, const char *realm, const char *password, bool del, bool replace,
	   struct ushd_put *p, char *err, size_t errlen)
{
	enum ushd_sql_op op = del ? USHD_SQL_DELETE : replace ? USHD_SQL_UPDATE : USHD_SQL_INSERT;
	const char *where = sql_where(ops, c);
	struct ushd_source_conf eff;
	struct ushd_sql q;
	long long count = 0;
	int rc;

	rc = ops->begin(db, c, err, errlen);
	if (rc < 0)
		return rc;
	/* Inside the transaction: the columns cannot change before the write. */
	if (del) {
		eff = *c;
		rc = ushd_put_prepare(&eff, user, realm, NULL, p, err, errlen);
	} else {
		rc = ops->columns(db, c, &eff, err, errlen);
		if (rc == 0)
			rc = ushd_put_prepare(&eff, user, realm, password, p, err, errlen);
	}
	if (rc < 0)
		goto out_rollback;
	if (op == USHD_SQL_INSERT) {
		/*
		 * Kamailio's table has a UNIQUE (username, domain), which settles a race with
		 * another writer; the check is here for tables without it and for a clear -EEXIST.
		 */
		rc = ushd_sql_write(&eff, ops->ph, USHD_SQL_EXISTS, p, &q);
		if (rc == 0)
			rc = ops->run(db, c, &q, true, &count, err, errlen);
		if (rc < 0)
			goto out_rollback;
		if (count > 0) {
			rc = ushd_err(err, errlen, -EEXIST,
				      "%s: user '%s' in realm '%s' exists in table %s", where,
				      p->user, p->realm, c->table);
			goto out_rollback;
		}
	}
	rc = ushd_sql_write(&eff, ops->ph, op, p, &q);
	if (rc < 0) {
		ushd_err(err, errlen, rc, "%s: cannot build the %s statement", where,
			 del	   ? "DELETE"
			 : replace ? "UPDATE"
				   : "INSERT");
		goto out_rollback;
	}
	rc = ops->run(db, c, &q, false, &count, err, errlen);
	if (rc < 0)
		goto out_rollback;
	if (count == 0) {
		rc = ushd_err(err, errlen, -ENOENT, "%s: no user '%s' in realm '%s' in table %s",
			      where, p->user, p->realm, c->table);
		goto out_rollback;
	}
	return ops->commit(db, c, err, errlen);
out_rollback:
	ops->rollback(db);
	return rc;
}

int
ushd_sql_put(const struct ushd_sql_ops *ops, const struct ushd_source_conf *c, const char *user,
	     const char *realm, const char *password, bool del, bool replace, struct ushd_put *p,
	     char *err, size_t errlen)
{
	void *db = NULL;
	int rc;

	rc = ops->open(c, &db, err, errlen);
	if (rc < 0)
		return rc;
	rc = sql_put_tx(ops, db, c, user, realm, password, del, replace, p, err, errlen);
	ops->close(db);
	return rc;
}

/* One subscriber of an import: does it exist, may it be written, INSERT or UPDATE. */
static int
sql_put_one(const struct ushd_sql_ops *ops, void *db, const struct ushd_source_conf *c,
	    const struct ushd_source_conf *eff, const struct ushd_put *p, enum ushd_ha1_mode mode,
	    struct ushd_import_count *n, char *err, size_t errlen)
{
	const char *where = sql_where(ops, c);
	struct ushd_sql q;
	long long count = 0;
	bool exists;
	int rc;

	rc = ushd_sql_write(eff, ops->ph, USHD_SQL_EXISTS, p, &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "%s: cannot build the SELECT statement", where);
	rc = ops->run(db, c, &q, true, &count, err, errlen);
	if (rc < 0)
		return rc;
	exists = count > 0;
	rc = ushd_ha1_decide(mode, exists, &p->cred, where, n, err, errlen);
	if (rc < 0)
		return rc;
	rc = ushd_sql_write(eff, ops->ph, exists ? USHD_SQL_UPDATE : USHD_SQL_INSERT, p, &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "%s: cannot build the %s statement", where,
				exists ? "UPDATE" : "INSERT");
	return ops->run(db, c, &q, false, &count, err, errlen);
}

/* The transaction of ushd_sql_put_ha1() on an open database. */
static int
sql_put_ha1_tx(const struct ushd_sql_ops *ops, void *db, const struct ushd_source_conf *c,
	       const struct ushd_credset *set, enum ushd_ha1_mode mode, struct ushd_import_count *n,
	       char *err, size_t errlen)
{
	struct ushd_source_conf eff;
	struct ushd_put p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = ops->begin(db, c, err, errlen);
	if (rc < 0)
		return rc;
	rc = ops->columns(db, c, &eff, err, errlen);
	for (size_t i = 0; rc == 0 && i < set->n; i++) {
		rc = ushd_put_from_cred(&eff, &set->v[i], sql_where(ops, c), &p, err, errlen);
		if (rc == 0)
			rc = sql_put_one(ops, db, c, &eff, &p, mode, n, err, errlen);
		ushd_put_wipe(&p);
	}
	if (rc == 0)
		return ops->commit(db, c, err, errlen);
	ops->rollback(db);
	return rc;
}

int
ushd_sql_put_ha1(const struct ushd_sql_ops *ops, const struct ushd_source_conf *c,
		 const struct ushd_credset *set, enum ushd_ha1_mode mode,
		 struct ushd_import_count *n, char *err, size_t errlen)
{
	void *db = NULL;
	int rc;

	rc = ops->open(c, &db, err, errlen);
	if (rc < 0)
		return rc;
	rc = sql_put_ha1_tx(ops, db, c, set, mode, n, err, errlen);
	ops->close(db);
	return rc;
}

/* ---- HA1 writes: put_ha1, import ---- */

#define HAVE_ALL ((uint8_t)((1u << USH_HASH_COUNT) - 1))

int
ushd_put_from_cred(const struct ushd_source_conf *c, const struct ushd_cred *cred,
		   const char *where, struct ushd_put *p, char *err, size_t errlen)
{
	bool file = c->kind == USHD_SRC_HTDIGEST;

	memset(p, 0, sizeof(*p));
	p->user = cred->user;
	p->realm = cred->realm;
	/* No password is known: the column is emptied (docs/sources.md, "Imports"). */
	p->password = "";
	p->cred = *cred;
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		if (!(cred->have & (1u << h)))
			continue;
		if (!file && ushd_col(c, USHD_F_HA1 + h)[0] == '\0') {
			ushd_put_wipe(p);
			return ushd_err(err, errlen, -EINVAL,
					"%s: user '%s' in realm '%s' has a %s HA1 but table %s has "
					"no column for it (col_%s)",
					where, cred->user, cred->realm, hash_name[h], c->table,
					h == USH_HASH_MD5      ? "ha1"
					: h == USH_HASH_SHA256 ? "ha1_sha256"
							       : "ha1_sha512t256");
		}
		ush_digest_hex_encode(cred->ha1[h], ush_hash_len(h), p->hex[h]);
		p->hex[h][2 * ush_hash_len(h)] = '\0';
	}
	return 0;
}

int
ushd_ha1_decide(enum ushd_ha1_mode mode, bool exists, const struct ushd_cred *cred,
		const char *where, struct ushd_import_count *n, char *err, size_t errlen)
{
	if (exists && mode == USHD_HA1_ADD)
		return ushd_err(err, errlen, -EEXIST, "%s: user '%s' in realm '%s' exists", where,
				cred->user, cred->realm);
	if (!exists && mode == USHD_HA1_REPLACE)
		return ushd_err(err, errlen, -ENOENT, "%s: no user '%s' in realm '%s'", where,
				cred->user, cred->realm);
	if (exists)
		n->replaced++;
	else
		n->added++;
	return 0;
}

/* Everything that needs no look at the source: names, realm, HA1s present, no duplicate. */
static int
ha1_check(const struct ushd_source_conf *c, const struct ushd_credset *set, char *err,
	  size_t errlen)
{
	struct ushd_index idx = {0};
	char msg[384];
	int rc = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct ushd_cred *cr = &set->v[i];

		if (memchr(cr->user, '\0', sizeof(cr->user)) == NULL ||
		    memchr(cr->realm, '\0', sizeof(cr->realm)) == NULL) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "source: subscriber %zu: names not terminated", i + 1);
			break;
		}
		rc = ushd_check_names(cr->user, cr->realm, c->kind == USHD_SRC_HTDIGEST, msg,
				      sizeof(msg));
		if (rc < 0) {
			ushd_err(err, errlen, rc, "source: %s", msg);
			break;
		}
		if (ushd_realm_fixed(c) && strcmp(cr->realm, c->realm) != 0) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "source: user '%s': realm '%s' is not the source's fixed "
				      "realm '%s'",
				      cr->user, cr->realm, c->realm);
			break;
		}
		if (cr->have == 0 || (cr->have & ~HAVE_ALL) != 0) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "source: user '%s' in realm '%s': no HA1", cr->user,
				      cr->realm);
			break;
		}
		/* the index holds set->v[0..i) */
		if (ushd_index_find(&idx, set, cr->user, cr->realm) >= 0) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "source: user '%s' in realm '%s' twice in one import",
				      cr->user, cr->realm);
			break;
		}
		rc = ushd_index_add(&idx, set, i);
		if (rc < 0) {
			ushd_err(err, errlen, rc, "source: out of memory");
			break;
		}
	}
	ushd_index_free(&idx);
	return rc;
}

static int
source_put_ha1(const struct ushd_source_conf *c, const struct ushd_credset *set,
	       enum ushd_ha1_mode mode, struct ushd_import_count *n, char *err, size_t errlen)
{
	struct ushd_import_count cnt = {0, 0};
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (set == NULL || (set->n > 0 && set->v == NULL))
		return ushd_err(err, errlen, -EINVAL, "source: no set");
	rc = ushd_source_conf_check(c, err, errlen);
	if (rc == 0)
		rc = ha1_check(c, set, err, errlen);
	if (rc < 0 || set->n == 0)
		goto out;
	switch (c->kind) {
	case USHD_SRC_HTDIGEST:
		rc = ushd_htdigest_put_ha1(c, set, mode, &cnt, err, errlen);
		break;
	case USHD_SRC_SQLITE:
		rc = ushd_sql_put_ha1(&ushd_sqlite_ops, c, set, mode, &cnt, err, errlen);
		break;
	default:
		rc = ushd_sql_put_ha1(&ushd_pgsql_ops, c, set, mode, &cnt, err, errlen);
		break;
	}
out:
	if (rc == 0 && n != NULL)
		*n = cnt;
	return rc;
}

int
ushd_source_put_ha1(const struct ushd_source_conf *c, const struct ushd_cred *cred, bool replace,
		    char *err, size_t errlen)
{
	struct ushd_credset one = {.v = (struct ushd_cred *)(uintptr_t)cred, .n = 1, .cap = 1};

	if (cred == NULL)
		return ushd_err(err, errlen, -EINVAL, "source: no subscriber");
	return source_put_ha1(c, &one, replace ? USHD_HA1_REPLACE : USHD_HA1_ADD, NULL, err,
			      errlen);
}

int
ushd_source_import(const struct ushd_source_conf *c, const struct ushd_credset *set, bool replace,
		   struct ushd_import_count *n, char *err, size_t errlen)
{
	return source_put_ha1(c, set, replace ? USHD_HA1_UPSERT : USHD_HA1_ADD, n, err, errlen);
}

int
ushd_source_parse(const char *name, const char *text, size_t len, struct ushd_credset *set,
		  char *err, size_t errlen)
{
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (set == NULL || (text == NULL && len > 0))
		return ushd_err(err, errlen, -EINVAL, "source: invalid argument");
	ushd_credset_free(set);
	rc = ushd_htdigest_parse(name ? name : "-", text ? text : "", len, set, err, errlen);
	if (rc == 0 && set->n > INT_MAX)
		rc = ushd_err(err, errlen, -EOVERFLOW, "%s: more than %d subscribers", name,
			      INT_MAX);
	if (rc < 0) {
		ushd_credset_free(set);
		return rc;
	}
	return (int)set->n;
}

int
ushd_credset_merge(struct ushd_credset *set, const struct ushd_credset *add)
{
	struct ushd_index idx = {0};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < set->n; i++)
		rc = ushd_index_add(&idx, set, i);
	for (size_t i = 0; rc == 0 && i < add->n; i++) {
		long at = ushd_index_find(&idx, set, add->v[i].user, add->v[i].realm);

		if (at >= 0) {
			set->v[at] = add->v[i];
			continue;
		}
		rc = ushd_credset_push(set, &add->v[i]);
		if (rc == 0)
			rc = ushd_index_add(&idx, set, set->n - 1);
	}
	ushd_index_free(&idx);
	return rc;
}
