/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Brute-force bans and per-source rate limits: fixed-size, lock-free tables shared by all
 * workers. EAL-free.
 *
 * Both are tables of 2^order buckets of 8 slots (one cache line); a source (and, for the
 * per-user table, source + username) hashes to one bucket and is identified there by a
 * 32-bit fingerprint. Memory is fixed at creation: a flood of spoofed sources cannot grow
 * it, it can only evict entries, and eviction picks the stalest slot and never an active
 * ban while the bucket has anything else. When a table is full of attackers the defence
 * degrades towards "no ban", never towards banning a legitimate caller.
 *
 *   slot (64 bits, updated by compare-and-swap):
 *   63               32 31      24 23     16 15              0
 *  +-------------------+----------+---------+-----------------+
 *  | fingerprint (!=0) | count    | flags   | stamp (s, mod   |
 *  |                   |          |         | 2^16)           |
 *  +-------------------+----------+---------+-----------------+
 *   ban table:  count = failures in the window starting at stamp; flag BANNED: banned
 *               since stamp
 *   rate table: count = tokens left (fixed burst), stamp = last refill second
 *
 * Times are seconds (the pipeline's clock); windows, ban times and refill periods must be
 * below 2^15 seconds. Workers' clocks may disagree slightly: a stamp up to 16 s ahead of a
 * caller's now counts as now. A slot untouched for 2^16 s would look fresh again, so
 * ush_guard_table_sweep() must visit the table at intervals below 2^15 - 16 s.
 *
 * Threads: any number of workers at once; no locks, no allocation after creation.
 */

#ifndef USH_GUARD_H
#define USH_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A source address: the bytes the pipeline hashes (IPv4 in 4, IPv6 in 16). */
struct ush_guard_src {
	uint8_t af;       /**< AF_INET or AF_INET6 */
	uint8_t addr[16]; /**< network byte order */
};

/** Brute-force policy. */
struct ush_guard_ban_conf {
	uint16_t threshold; /**< failures within window that ban (1..255; more counts as
			     *   255); 0 disables */
	uint16_t window;    /**< seconds */
	uint16_t ban_time;  /**< seconds a ban lasts */
};

/** Per-source token bucket. */
struct ush_guard_rate_conf {
	uint16_t rate;  /**< requests per second refilled; 0 disables */
	uint8_t burst;  /**< bucket size (1..255; 0 counts as 1) */
};

struct ush_guard_table;

/** Bytes a table of 2^order buckets needs (order 4..24); 0 for a bad order. */
size_t
ush_guard_table_size(unsigned int order);

/**
 * Initialise a table in caller-provided memory (of ush_guard_table_size() bytes, aligned to
 * 64 bytes, need not be zeroed). Control thread, before any worker uses the table.
 * @param seed  random secret for the key hash (getrandom at start), so that an attacker
 *              cannot aim sources at one bucket
 * @return the table or NULL for a bad order or pointer.
 */
struct ush_guard_table *
ush_guard_table_init(void *mem, unsigned int order, uint64_t seed);

/**
 * Key of a source, or of a source and a username (user may be NULL for the source alone).
 * Mixes with the table's seed so keys are not predictable from outside (SipHash-1-3). The
 * bucket is the key's low order bits, the fingerprint its high 32 bits (0 becomes 1). AF_INET
 * hashes addr[0..3], any other af all 16 bytes. Any thread.
 */
uint64_t
ush_guard_key(const struct ush_guard_table *t, const struct ush_guard_src *src,
	      const char *user, size_t user_len);

/** Is this key banned at time now? Read-only, any thread. */
bool
ush_guard_banned(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c,
		 uint64_t key, uint32_t now);

/**
 * Count one failed authentication for key at time now.
 * @return true when this failure starts a ban.
 */
bool
ush_guard_fail(struct ush_guard_table *t, const struct ush_guard_ban_conf *c, uint64_t key,
	       uint32_t now);

/** Lift a ban and forget the failures of a key (usherctl bans clear). */
void
ush_guard_forgive(struct ush_guard_table *t, uint64_t key);

/**
 * Seconds left of the ban of key at time now (0: not banned). Read-only, any thread.
 * A rare insert race can leave a key in two slots: the longest ban counts.
 */
uint32_t
ush_guard_ban_left(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c,
		   uint64_t key, uint32_t now);

/**
 * Lift every ban of the table (failure counts of keys not banned are kept), concurrently with
 * workers. A worker counting a failure for a key at that moment may keep its slot (its CAS
 * wins): the ban then stays, which the caller reports as not cleared; it never bans anyone new.
 * O(table), not for the packet path.
 * @param ban_time  the longest ban time of the policies sharing the table: flags older than
 *                  that (expired bans not yet swept) are cleared but not counted
 * @return active bans lifted.
 */
uint64_t
ush_guard_table_clear_bans(struct ush_guard_table *t, uint32_t now, uint16_t ban_time);

/**
 * Take one token for key at time now.
 * @return true when the request is within the rate, false when it is over.
 */
bool
ush_guard_take(struct ush_guard_table *t, const struct ush_guard_rate_conf *c, uint64_t key,
	       uint32_t now);

/**
 * Occupancy for telemetry: slots in use and active bans. O(table), not for the packet path.
 * @param c  the ban policy, or NULL for a rate table (banned is then 0)
 */
void
ush_guard_table_stats(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c,
		      uint32_t now, uint64_t *used, uint64_t *banned);

/**
 * Clear every slot whose stamp is at least max_age seconds old: it no longer matters (an
 * expired ban, a count whose window ended, a refilled token bucket) and would look fresh again
 * once its 16-bit stamp wraps. Call it from a timer at intervals below 2^15 - 16 s (hourly is
 * plenty), concurrently with workers (a slot a worker updates meanwhile is kept).
 * O(table), not for the packet path.
 * @param max_age  max(window, ban_time) for a ban table; ceil(burst / rate) for a rate table
 * @return slots cleared.
 */
uint64_t
ush_guard_table_sweep(struct ush_guard_table *t, uint32_t now, uint16_t max_age);

#endif /* USH_GUARD_H */
