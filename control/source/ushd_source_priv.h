/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Credential sources: what source.c shares with the htdigest, SQLite and PostgreSQL back ends. */

#ifndef USHD_SOURCE_PRIV_H
#define USHD_SOURCE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ushd_source.h"

/* Longest HA1 in hex plus its terminator. */
#define USHD_HEX_MAX (2 * USH_DIGEST_MAX_LEN + 1)

/* Columns of the subscriber table that Usher reads or writes, in SELECT order. */
enum ushd_field {
	USHD_F_USER = 0,
	USHD_F_DOMAIN,
	USHD_F_PASSWORD,
	USHD_F_HA1, /* + enum ush_hash */
	USHD_F_HA1B = USHD_F_HA1 + USH_HASH_COUNT, /* Kamailio's ha1b: written, never read */
	USHD_F_COUNT
};

__attribute__((format(printf, 4, 5))) int
ushd_err(char *err, size_t errlen, int rc, const char *fmt, ...);

const char *
ushd_hash_name(enum ush_hash hash);

/* Configured column of a field ("" when not read), and whether the domain is the realm. */
const char *
ushd_col(const struct ushd_source_conf *c, enum ushd_field f);

/*
 * Auto-detection of the optional columns (ushd_source_conf.set_keys): a bit per field.
 * ushd_cols_auto() gives those to look up; a back end clears from that mask every name the
 * table has (ushd_cols_seen), and ushd_cols_drop() blanks the rest in its own copy of the
 * configuration, which it then uses for every statement.
 */
unsigned int
ushd_cols_auto(const struct ushd_source_conf *c);

void
ushd_cols_seen(const struct ushd_source_conf *c, const char *name, bool nocase,
	       unsigned int *missing);

void
ushd_cols_drop(struct ushd_source_conf *c, unsigned int missing);

static inline bool
ushd_realm_fixed(const struct ushd_source_conf *c)
{
	return c->realm[0] != '\0';
}

/*
 * Finds duplicates while a set loads: open addressing over set indices, so that 200k
 * subscribers cost one probe each instead of a scan.
 */
struct ushd_index {
	uint64_t *slot; /* hash << 32 | (set index + 1); 0: empty */
	size_t mask;
	size_t used;
};

/* Index in set of (user, realm), or -1. */
long
ushd_index_find(const struct ushd_index *x, const struct ushd_credset *set, const char *user,
		const char *realm);

/* Record set->v[pos] (already pushed). @return 0 or -ENOMEM. */
int
ushd_index_add(struct ushd_index *x, const struct ushd_credset *set, size_t pos);

void
ushd_index_free(struct ushd_index *x);

/* One database row as text; NULL for SQL NULL or a column not configured. */
struct ushd_row {
	const char *f[USHD_F_COUNT];
};

/*
 * Turn a row into a credential: empty values are absent, an HA1 column wins over the password,
 * missing HA1s are derived for the hashes of derive_mask. err gets "row N (user@domain): ...",
 * which the caller prefixes with the source.
 */
int
ushd_cred_from_row(const struct ushd_source_conf *c, const struct ushd_row *r, unsigned long n,
		   struct ushd_cred *out, char *err, size_t errlen);

/*
 * One row of a database load: ushd_cred_from_row() into *cred, refused (-EINVAL) when
 * (user, realm) came before, then pushed to set and recorded in idx. where and the table
 * prefix the messages.
 */
int
ushd_load_row(const struct ushd_source_conf *c, const char *where, const struct ushd_row *r,
	      unsigned long n, struct ushd_index *idx, struct ushd_credset *set,
	      struct ushd_cred *cred, char *err, size_t errlen);

/*
 * Names of a new or changed subscriber: non-empty, short enough, and for files free of
 * the separators and line breaks that would corrupt the file.
 */
int
ushd_check_names(const char *user, const char *realm, bool file, char *err, size_t errlen);

/* Parameterised SQL under construction: identifiers quoted, values only as placeholders. */
struct ushd_sql {
	char text[2048];
	size_t len;
	const char *val[USHD_F_COUNT + 1];
	int n;
	char ph; /* '?' (SQLite: ?1, ?2) or '$' (PostgreSQL: $1, $2) */
	bool overflow;
};

/* What put writes: key values, then the password and HA1 column values. */
struct ushd_put {
	const char *user;
	const char *realm;
	const char *password; /* value of the password column ("" unless store_password) */
	char hex[USH_HASH_COUNT][USHD_HEX_MAX]; /* "" where not derived: clears the column */
	char ha1b[2 * 16 + 1]; /* Kamailio's ha1b, hex; "" without a domain column */
	struct ushd_cred cred;
};

/* SELECT of every configured column; map[f] is the result column of field f, or -1. */
int
ushd_sql_select(const struct ushd_source_conf *c, char ph, struct ushd_sql *q,
		int map[USHD_F_COUNT]);

enum ushd_sql_op {
	USHD_SQL_EXISTS, /* SELECT COUNT(*) of the key */
	USHD_SQL_INSERT,
	USHD_SQL_UPDATE,
	USHD_SQL_DELETE,
};

int
ushd_sql_write(const struct ushd_source_conf *c, char ph, enum ushd_sql_op op,
	       const struct ushd_put *p, struct ushd_sql *q);

/*
 * The columns the table has, one name per row: SQLite's pragma_table_info(?1), or
 * PostgreSQL's catalogue for the table search_path finds ($1). No row when there is no such
 * table: the real statement then fails with the database's own message.
 */
int
ushd_sql_columns(const struct ushd_source_conf *c, char ph, struct ushd_sql *q);

/*
 * What put refuses before touching the source: bad names, a realm other than the fixed one,
 * an empty password, store_password without a password column.
 */
int
ushd_put_check(const struct ushd_source_conf *c, const char *user, const char *realm,
	       const char *password, char *err, size_t errlen);

/*
 * Derive the HA1s that put stores (derive_mask; for databases only those that a reload would
 * find again: an HA1 column, or the stored password), their hex, and Kamailio's ha1b.
 * A database back end calls it with the configuration its auto-detection left.
 * password NULL (del): only the key (user, realm) is filled.
 */
int
ushd_put_prepare(const struct ushd_source_conf *c, const char *user, const char *realm,
		 const char *password, struct ushd_put *p, char *err, size_t errlen);

void
ushd_put_wipe(struct ushd_put *p);

/* How a write of HA1s (put_ha1, import) treats a subscriber that exists already. */
enum ushd_ha1_mode {
	USHD_HA1_ADD,	  /* must not exist: -EEXIST */
	USHD_HA1_REPLACE, /* must exist: -ENOENT */
	USHD_HA1_UPSERT,  /* overwritten when it exists, added otherwise */
};

/*
 * *p for writing cred as it is (no password): hex of the hashes it has, '' for the others,
 * password and ha1b ''. A database back end passes the configuration its auto-detection left
 * and gets -EINVAL for a hash without a column. where prefixes the message.
 */
int
ushd_put_from_cred(const struct ushd_source_conf *c, const struct ushd_cred *cred,
		   const char *where, struct ushd_put *p, char *err, size_t errlen);

/*
 * Whether cred may be written in mode given that it exists or not: 0, -EEXIST or -ENOENT
 * with err "<where>: user 'u' in realm 'r' exists" / "no user ...". Counts into *n.
 */
int
ushd_ha1_decide(enum ushd_ha1_mode mode, bool exists, const struct ushd_cred *cred,
		const char *where, struct ushd_import_count *n, char *err, size_t errlen);

/* Back ends, called after ushd_source_conf_check(). */
int
ushd_htdigest_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		   size_t errlen);
int
ushd_htdigest_put(const struct ushd_source_conf *c, struct ushd_put *p, bool replace, char *err,
		  size_t errlen);
int
ushd_htdigest_del(const struct ushd_source_conf *c, const char *user, const char *realm,
		  char *err, size_t errlen);

int
ushd_htdigest_put_ha1(const struct ushd_source_conf *c, const struct ushd_credset *set,
		      enum ushd_ha1_mode mode, struct ushd_import_count *n, char *err,
		      size_t errlen);
/* Parse credential text as a file load does; name is shown as the file. */
int
ushd_htdigest_parse(const char *name, const char *buf, size_t size, struct ushd_credset *set,
		    char *err, size_t errlen);

int
ushd_sqlite_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		 size_t errlen);
int
ushd_pgsql_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		size_t errlen);

/*
 * What a database back end does for the shared write driver in source.c (ushd_sql_put(),
 * ushd_sql_put_ha1()); db is what open gave, c the source for messages. Every call that
 * fails fills err and returns a negative errno.
 */
struct ushd_sql_ops {
	const char *name; /* prefix of the driver's messages; NULL: the database file's path */
	char ph;	  /* placeholder style for ushd_sql_write() */
	int (*open)(const struct ushd_source_conf *c, void **db, char *err, size_t errlen);
	void (*close)(void *db);
	/* Start the transaction in which the existence checks stay true until the writes. */
	int (*begin)(void *db, const struct ushd_source_conf *c, char *err, size_t errlen);
	/* *eff: c less the auto-detected columns the table lacks (ushd_cols_drop()). */
	int (*columns)(void *db, const struct ushd_source_conf *c, struct ushd_source_conf *eff,
		       char *err, size_t errlen);
	/*
	 * Run q with its values as parameters. *count: the first column of the one row of a
	 * query that returns one (USHD_SQL_EXISTS), the rows changed otherwise.
	 */
	int (*run)(void *db, const struct ushd_source_conf *c, const struct ushd_sql *q,
		   bool returns_row, long long *count, char *err, size_t errlen);
	/* On failure the transaction is over: rollback is not called after it. */
	int (*commit)(void *db, const struct ushd_source_conf *c, char *err, size_t errlen);
	/* Best effort, no message: the failure that led here is already reported. */
	void (*rollback)(void *db);
};

extern const struct ushd_sql_ops ushd_sqlite_ops;
extern const struct ushd_sql_ops ushd_pgsql_ops;

/*
 * put or del of one subscriber in one transaction: detect the columns (not for del), fill
 * *p with ushd_put_prepare() (password NULL for del) so that p->cred is what a reload would
 * find, refuse an INSERT of an existing key (-EEXIST) and an UPDATE or DELETE that changes
 * nothing (-ENOENT).
 */
int
ushd_sql_put(const struct ushd_sql_ops *ops, const struct ushd_source_conf *c, const char *user,
	     const char *realm, const char *password, bool del, bool replace, struct ushd_put *p,
	     char *err, size_t errlen);

/* HA1 writes of a whole set in one transaction (ushd_source_import()): a failure undoes all. */
int
ushd_sql_put_ha1(const struct ushd_sql_ops *ops, const struct ushd_source_conf *c,
		 const struct ushd_credset *set, enum ushd_ha1_mode mode,
		 struct ushd_import_count *n, char *err, size_t errlen);

#endif /* USHD_SOURCE_PRIV_H */
