/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Credential table: HA1 per (username, realm, hash function), and its file loaders. EAL-free.
 *
 * The table is built whole by a loader thread, then published: once published it is never
 * modified, so workers read it without locks. A reload builds a new table and swaps the
 * pointer; the old one is freed after an RCU grace period (the dataplane uses rte_rcu_qsbr).
 * It holds HA1 values only, never passwords, and wipes them when freed.
 *
 * Files (docs/configuration.md):
 * - Apache htdigest, as written by `htdigest`: `user:realm:md5-ha1-hex` (MD5 HA1).
 * - Usher format: `user:realm:ALGORITHM:ha1-hex`, ALGORITHM one of MD5, SHA-256,
 *   SHA-512-256 (case-insensitive), one line per user and hash function.
 * Both: one entry per line, `#` starts a comment line, blank lines ignored; the format is
 * chosen per line by its number of fields. Errors read `file:line: message`.
 */

#ifndef USH_CREDTAB_H
#define USH_CREDTAB_H

#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"

#define USH_CRED_USER_MAX 128  /**< longest username, bytes */
#define USH_CRED_REALM_MAX 128 /**< longest realm, bytes */

struct ush_credtab;

/**
 * Create an empty table sized for up to capacity users (one entry per user and realm, with a
 * slot for each hash function). Allocates.
 * @return the table, or NULL with errno ENOMEM, or EINVAL for a capacity of 0 or above 2^24.
 */
struct ush_credtab *
ush_credtab_create(uint32_t capacity);

/** Wipe the HA1 values and free. NULL is a no-op. */
void
ush_credtab_free(struct ush_credtab *t);

/**
 * Set the HA1 of (user, realm) for one hash function; adds the user if new.
 * @param ha1  ush_hash_len(hash) bytes
 * @return 0, -ENOSPC when the table is full (entries, or name bytes after deletions: a
 *         ush_credtab_clone() compacts them), -EINVAL for an empty or too long name or a bad
 *         hash.
 * Threads: the builder only, before the table is published.
 */
int
ush_credtab_set(struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
		size_t realm_len, enum ush_hash hash, const uint8_t *ha1);

/**
 * HA1 of (user, realm) for a hash function, or NULL when unknown (also when the user exists
 * but has no HA1 for that hash). Username and realm compare byte-exact.
 * Threads: any, lock-free, on a published table.
 */
const uint8_t *
ush_credtab_lookup(const struct ush_credtab *t, const char *user, size_t user_len,
		   const char *realm, size_t realm_len, enum ush_hash hash);

/**
 * Remove (user, realm) with all its HA1s (wiped).
 * @return 0, -ENOENT when absent, -EINVAL for an empty or too long name.
 * Threads: the builder only, before the table is published.
 */
int
ush_credtab_del(struct ush_credtab *t, const char *user, size_t user_len, const char *realm,
		size_t realm_len);

/**
 * A copy of t in a new table of the given capacity (at least t's count): how a live change
 * ("delta") is made without touching the published table, and how a table that turned out too
 * small grows. Deleted entries leave no trace in the copy. Allocates.
 * Threads: any, t may be published (it is only read).
 * @return the copy, or NULL with errno ENOMEM, or EINVAL (capacity below the count or above
 *         2^24).
 */
struct ush_credtab *
ush_credtab_clone(const struct ush_credtab *t, uint32_t capacity);

/** Called by ush_credtab_foreach() for each HA1; a non-zero return stops the walk. */
typedef int (*ush_credtab_fn)(void *arg, const char *user, size_t user_len, const char *realm,
			      size_t realm_len, enum ush_hash hash, const uint8_t *ha1);

/**
 * Call fn for every HA1 of the table, entry by entry (the order of insertion, except that a
 * deletion moves the last entry into the hole).
 * @return 0 after the whole table, or the first non-zero value fn returned.
 * Threads: any, lock-free, on a published table.
 */
int
ush_credtab_foreach(const struct ush_credtab *t, ush_credtab_fn fn, void *arg);

/** Capacity the table was created with (entries it can hold). */
uint32_t
ush_credtab_capacity(const struct ush_credtab *t);

/** Number of (user, realm) entries. */
uint32_t
ush_credtab_count(const struct ush_credtab *t);

/**
 * Load a credentials file (htdigest or Usher format, mixed per line) into t.
 * On any error nothing is reported as loaded: the caller discards t and keeps its old table.
 * @param err  receives "file:line: message" on error (NUL-terminated, truncated to errlen)
 * @return number of credential lines (HA1 values) read, or a negative errno (-ENOENT,
 *         -EACCES, -EINVAL for a malformed line or a duplicate (user, realm, algorithm),
 *         -ENOSPC when the table is full, the read error (-EISDIR, -EIO, ...)).
 */
int
ush_credtab_load(struct ush_credtab *t, const char *path, char *err, size_t errlen);

#endif /* USH_CREDTAB_H */
