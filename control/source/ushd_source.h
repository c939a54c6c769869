/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * usherd's credential sources: where subscribers already live. No EAL; OpenSSL for HA1
 * derivation, SQLite and libpq for the databases.
 *
 * - htdigest: an Apache htdigest file (`user:realm:md5-ha1`) or Usher's format
 *   (`user:realm:ALGORITHM:ha1-hex`), as usher reads it (dataplane/auth/ush_credtab.h).
 * - sqlite, pgsql: the `subscriber` table of Kamailio and OpenSIPS deployments:
 *   username, domain, password, ha1, ha1b (Kamailio: MD5 of "user@domain:realm:password",
 *   which Usher writes on put but never reads), and OpenSIPS 3.x's ha1_sha256,
 *   ha1_sha512t256. Every column name is configurable; a column configured as "" is not read.
 *   The optional ones (ha1_sha256, ha1_sha512t256, ha1b) left at their default name are
 *   looked up in the table at every call and silently skipped when it has no such column;
 *   one set explicitly must exist. Where a row has a plaintext
 *   password and no HA1 for a hash, the HA1 is derived: H(username ":" realm ":" password).
 *   The realm is the domain column (Kamailio's and OpenSIPS' default) unless a fixed realm
 *   is configured; then the domain column is not part of a subscriber's key (Kamailio's
 *   use_domain = 0) and put writes the fixed realm into it. An HA1 column is MD5, SHA-256 or
 *   SHA-512/256 hex by its name alone (Kamailio's ha1 is MD5) and wins over the password.
 *
 * All calls: any thread, but one writer per source at a time (usherd's control thread);
 * each call opens and closes its own file or connection.
 *
 * A load is all or nothing: any error (file missing, malformed line, database down, a row
 * with neither password nor HA1, a bad hex HA1) fails the whole load with a message, and
 * the caller keeps the set it had.
 */

#ifndef USHD_SOURCE_H
#define USHD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"

#define USHD_USER_MAX 128
#define USHD_REALM_MAX 128

/** One subscriber: HA1 per hash function, never a password. */
struct ushd_cred {
	char user[USHD_USER_MAX + 1];
	char realm[USHD_REALM_MAX + 1];
	uint8_t have; /**< bit (1 << enum ush_hash) set for every ha1[] filled */
	uint8_t ha1[USH_HASH_COUNT][32];
};

/** A loaded set, in source order. */
struct ushd_credset {
	struct ushd_cred *v;
	size_t n;
	size_t cap;
};

enum ushd_source_kind {
	USHD_SRC_HTDIGEST = 0,
	USHD_SRC_SQLITE,
	USHD_SRC_PGSQL,
};

/** [source] of usherd.ini (docs/sources.md: one key per field, same names). */
struct ushd_source_conf {
	uint8_t kind;         /**< enum ushd_source_kind */
	char path[1024];      /**< htdigest file, or SQLite database file */
	char conninfo[1024];  /**< pgsql: libpq connection string ("host=/run/postgresql dbname=kamailio") */
	char table[64];       /**< "subscriber" */
	char col_user[64];    /**< "username" */
	char col_domain[64];  /**< "domain" */
	char col_password[64];/**< "password" */
	char col_ha1[64];     /**< "ha1" (MD5) */
	char col_ha1_sha256[64];      /**< "ha1_sha256" ("" when the table has none) */
	char col_ha1_sha512t256[64];  /**< "ha1_sha512t256" ("" when the table has none) */
	char col_ha1b[64];    /**< "ha1b": MD5("user@domain:realm:password"), written, never read */
	char realm[USHD_REALM_MAX + 1]; /**< "" = the domain column is the realm */
	uint8_t derive_mask;  /**< hashes derived from a plaintext password; default all three */
	bool store_password;  /**< users add/passwd also write the password column (default false) */
	/**
	 * Keys given to ushd_source_conf_set(), one bit each (numbering private to source.c).
	 * An optional column (col_ha1_sha256, col_ha1_sha512t256, col_ha1b) whose key is not
	 * in it and whose name is still the default is auto-detected: used only when the
	 * table has it. Set explicitly (even to the default name), a missing column is an
	 * error. ushd_source_conf_defaults() clears it.
	 */
	uint32_t set_keys;
};

/** Fill the defaults (kind htdigest, Kamailio/OpenSIPS column names, derive all). */
void
ushd_source_conf_defaults(struct ushd_source_conf *c);

/**
 * Set one [source] key of usherd.ini from its text value (docs/sources.md lists the keys:
 * kind, path, conninfo, table, col_user, col_domain, col_password, col_ha1, col_ha1_sha256,
 * col_ha1_sha512t256, col_ha1b, realm, derive, store_password). Column and table names must
 * be SQL identifiers ([A-Za-z_][A-Za-z0-9_]*); the optional columns also take "" (not read).
 * A key set here is recorded in c->set_keys (see there: it ends auto-detection).
 * @param err  "key: message" on failure; the ini reader prefixes its "file:line: "
 * @return 0, -ENOENT for an unknown key, -EINVAL for a bad value (c unchanged).
 * Threads: any (touches only c).
 */
int
ushd_source_conf_set(struct ushd_source_conf *c, const char *key, const char *value, char *err,
		     size_t errlen);

/**
 * Check a whole configuration (what load, put and del check first): names are SQL
 * identifiers, the path or conninfo is set, there is a realm (fixed or the domain column).
 * @return 0 or -EINVAL with err filled ("source: message").
 */
int
ushd_source_conf_check(const struct ushd_source_conf *c, char *err, size_t errlen);

/**
 * HA1 = H(user ":" realm ":" password) for one hash function, as RFC 7616 §3.4.2 defines it.
 * @param out  ush_hash_len(hash) bytes
 * @return 0, -EINVAL for a bad hash, -EIO when OpenSSL refuses (an MD5-less FIPS provider).
 */
int
ushd_ha1(enum ush_hash hash, const char *user, const char *realm, const char *password,
	 uint8_t *out);

/**
 * Load everything from the source into set (emptied first).
 * @param err  the reason on failure: "file:line: message", or the database's error text
 * @return number of subscribers ((user, realm) pairs, not file lines), or a negative errno
 *         (set left empty, err filled): -ENOENT, -EACCES, -EINVAL (malformed line or row,
 *         duplicate), -EBUSY, -ECONNREFUSED, -EIO (the database's error).
 */
int
ushd_source_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		 size_t errlen);

/**
 * Add a subscriber, or change one's password (replace = true: must exist; false: must not).
 * Writes to the source (the file is rewritten atomically through a temporary file and
 * rename; the databases get one INSERT or UPDATE), filling the HA1 columns and, with
 * store_password, the password column (emptied otherwise: an old plaintext must not outlive
 * a passwd). A database with an ha1b column gets Kamailio's
 * MD5("user@domain:realm:password"), domain being what the domain column holds (the realm),
 * or '' without a domain column: an old one must not keep matching the old password. The
 * HA1s are those of derive_mask; a database keeps only those with an HA1 column, or all of
 * them with store_password. *out receives exactly what a reload of the
 * source would yield, which is what the dataplane needs. A file source writes MD5 as an
 * htdigest line and the others as Usher lines, in place of the subscriber's old lines.
 * @return 0, -EEXIST (add of an existing user), -ENOENT (passwd of an unknown one), -EINVAL
 *         (empty or too long name, a ':' in a file source, a realm other than the fixed one,
 *         nothing that would be stored), or the source's error (err filled): -EBUSY (SQLite
 *         locked), -ECONNREFUSED (PostgreSQL unreachable), -EIO (a statement failed).
 */
int
ushd_source_put(const struct ushd_source_conf *c, const char *user, const char *realm,
		const char *password, bool replace, struct ushd_cred *out, char *err,
		size_t errlen);

/**
 * Parse htdigest / Usher credential text (the format of a file source, docs/sources.md) with
 * exactly the rules and messages of a file load: what usherd accepts from `usherctl users
 * import` is what usher would accept in its credentials file.
 * @param name  shown as the file in messages: "name:line: message"
 * @param text  len bytes, not necessarily NUL-terminated; a NUL byte is an error
 * @return number of subscribers (lines of one (user, realm) merged), or -EINVAL / -ENOMEM
 *         with err filled and set left empty. set is emptied first.
 * Threads: any.
 */
int
ushd_source_parse(const char *name, const char *text, size_t len, struct ushd_credset *set,
		  char *err, size_t errlen);

/**
 * Write one subscriber's HA1s as they are (no password known): cred->have says which.
 * replace = true: the subscriber must exist (-ENOENT otherwise) and its HA1s are replaced by
 * these; false: it must not exist (-EEXIST). Like ushd_source_put(), the write is atomic.
 * - file: the subscriber's lines are replaced (in place, or appended), one line per hash.
 * - database: every HA1 column gets its hex, or '' for a hash the subscriber has not (an old
 *   HA1 must not outlive the change). A hash without a column in the table (after
 *   auto-detection) is refused (-EINVAL): it would be lost on the next load. The password
 *   column is set to '' whatever store_password says: a plaintext no longer matching the
 *   HA1s would keep the old password working (Usher derives the hashes without an HA1
 *   column from it, Kamailio may check it). ha1b is set to '' (it cannot be computed
 *   without the password, and an old one must not keep matching the old password).
 * A reload of the source then yields exactly *cred.
 * @return 0, -EEXIST, -ENOENT, -EINVAL (bad names, a realm other than the fixed one, no
 *         HA1, a hash without a column), or the source's error (err filled).
 */
int
ushd_source_put_ha1(const struct ushd_source_conf *c, const struct ushd_cred *cred, bool replace,
		    char *err, size_t errlen);

/** What ushd_source_import() did. */
struct ushd_import_count {
	size_t added;
	size_t replaced;
};

/**
 * Write a whole set of subscribers' HA1s (ushd_source_put_ha1() for each), all or nothing:
 * a file is rewritten once, a database gets one transaction. replace = false: no subscriber
 * of set may exist yet (the first that does fails the import with -EEXIST, err naming it);
 * true: those that exist are overwritten, the others added. set must not hold one (user,
 * realm) twice. Every subscriber is checked before the source is touched.
 * @param n  filled on success
 * @return 0, -EEXIST, -EINVAL, or the source's error; nothing is written on failure.
 */
int
ushd_source_import(const struct ushd_source_conf *c, const struct ushd_credset *set, bool replace,
		   struct ushd_import_count *n, char *err, size_t errlen);

/** Delete a subscriber from the source. @return 0, -ENOENT, or the source's error. */
int
ushd_source_del(const struct ushd_source_conf *c, const char *user, const char *realm,
		char *err, size_t errlen);

/** Append one subscriber to a set (grows it). @return 0 or -ENOMEM. */
int
ushd_credset_push(struct ushd_credset *set, const struct ushd_cred *c);

/**
 * Put every subscriber of add into set: one that set has (same user and realm) is
 * overwritten, the others are appended in add's order. @return 0 or -ENOMEM (set then holds
 * part of add).
 */
int
ushd_credset_merge(struct ushd_credset *set, const struct ushd_credset *add);

/** Wipe the HA1s and free. */
void
ushd_credset_free(struct ushd_credset *set);

#endif /* USHD_SOURCE_H */
