/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Ban and rate-limit tables: 8-way buckets of 64-bit slots updated by CAS, keyed by SipHash. */

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include "siphash_priv.h"
#include "ush_guard.h"

#define GUARD_ORDER_MIN 4
#define GUARD_ORDER_MAX 24
#define GUARD_WAYS	8
#define GUARD_BANNED	0x01u
#define GUARD_COUNT_MAX 255u

/*
 * Workers read the clock independently, so a slot may carry a stamp slightly ahead of a
 * reader's now. Such small negative ages count as 0, which keeps a ban that another worker has
 * just started in force. Every other age up to 2^16 - GUARD_SKEW is a real age; since windows
 * and ban times are below 2^15, ages from 2^15 up are simply "older than anything".
 */
#define GUARD_SKEW 16u

struct guard_bucket {
	alignas(64) _Atomic uint64_t slot[GUARD_WAYS];
};

struct ush_guard_table {
	uint64_t k0;
	uint64_t k1;
	uint64_t bucket_mask;
	uint32_t order;
	alignas(64) struct guard_bucket bucket[];
};

static_assert(sizeof(struct guard_bucket) == 64, "a bucket is one cache line");
static_assert(sizeof(struct ush_guard_table) == 64, "header is one cache line");
static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "slots must be lock-free");

/*
 * Memory ordering: relaxed throughout. Each 64-bit slot is the whole state of its key; no other
 * memory is published or read through it, so there is nothing to order against. The CAS alone
 * makes every read-modify-write apply to the latest value in the slot's modification order,
 * which is what makes "exactly one failure starts the ban" and "each token is taken once" hold
 * across workers.
 */

static inline uint64_t
slot_make(uint32_t fp, unsigned int count, unsigned int flags, uint32_t now)
{
	return (uint64_t)fp << 32 | (uint64_t)(count & 0xff) << 24 |
	       (uint64_t)(flags & 0xff) << 16 | (uint16_t)now;
}

static inline uint32_t
slot_fp(uint64_t s)
{
	return (uint32_t)(s >> 32);
}

static inline unsigned int
slot_count(uint64_t s)
{
	return (unsigned int)(s >> 24) & 0xff;
}

static inline unsigned int
slot_flags(uint64_t s)
{
	return (unsigned int)(s >> 16) & 0xff;
}

static inline uint32_t
slot_age(uint64_t s, uint32_t now)
{
	uint16_t d = (uint16_t)(now - (uint16_t)s);

	return d > UINT16_MAX - GUARD_SKEW ? 0 : d;
}

static inline bool
slot_ban_active(uint64_t s, uint32_t now, uint16_t ban_time)
{
	return (slot_flags(s) & GUARD_BANNED) != 0 && slot_age(s, now) < ban_time;
}

static inline uint32_t
key_fp(uint64_t key)
{
	uint32_t fp = (uint32_t)(key >> 32);

	/* 0 marks an empty slot; folding it onto 1 costs one fingerprint in 2^32. */
	return fp != 0 ? fp : 1;
}

static inline struct guard_bucket *
key_bucket(const struct ush_guard_table *t, uint64_t key)
{
	/* Workers write through this pointer; the const on t is the caller's read-only intent. */
	return (struct guard_bucket *)(uintptr_t)&t->bucket[key & t->bucket_mask];
}

/* Reads the bucket into snap; returns the first slot holding fp, or -1. */
static inline int
bucket_read(struct guard_bucket *b, uint32_t fp, uint64_t snap[GUARD_WAYS])
{
	int found = -1;

	for (int i = 0; i < GUARD_WAYS; i++) {
		snap[i] = atomic_load_explicit(&b->slot[i], memory_order_relaxed);
		if (found < 0 && slot_fp(snap[i]) == fp)
			found = i;
	}
	return found;
}

/*
 * Where a new key goes: the first empty slot, else the stalest slot that is not an active ban,
 * else the oldest ban. Spoofed sources therefore only ever displace each other and idle
 * entries, and a bucket full of bans still lets a new attacker in at the cost of the ban
 * nearest to its end. Ties go to the lowest index so that threads inserting the same key from
 * the same snapshot pick the same slot and all but one CAS fail.
 */
static inline int
bucket_victim(const uint64_t snap[GUARD_WAYS], uint32_t now, uint16_t ban_time)
{
	int stale = -1, oldest = 0;
	uint32_t stale_age = 0, oldest_age = 0;

	for (int i = 0; i < GUARD_WAYS; i++) {
		uint32_t age;

		if (snap[i] == 0)
			return i;
		age = slot_age(snap[i], now);
		if (!slot_ban_active(snap[i], now, ban_time) && (stale < 0 || age > stale_age)) {
			stale = i;
			stale_age = age;
		}
		if (age > oldest_age) {
			oldest = i;
			oldest_age = age;
		}
	}
	return stale >= 0 ? stale : oldest;
}

size_t
ush_guard_table_size(unsigned int order)
{
	if (order < GUARD_ORDER_MIN || order > GUARD_ORDER_MAX)
		return 0;
	return sizeof(struct ush_guard_table) + ((size_t)1 << order) * sizeof(struct guard_bucket);
}

struct ush_guard_table *
ush_guard_table_init(void *mem, unsigned int order, uint64_t seed)
{
	struct ush_guard_table *t = mem;
	size_t buckets;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || ush_guard_table_size(order) == 0)
		return NULL;
	buckets = (size_t)1 << order;
	t->k0 = siphash_seed_mix(seed);
	t->k1 = siphash_seed_mix(t->k0 ^ seed);
	t->bucket_mask = buckets - 1;
	t->order = order;
	for (size_t i = 0; i < buckets; i++)
		for (int j = 0; j < GUARD_WAYS; j++)
			atomic_init(&t->bucket[i].slot[j], 0);
	return t;
}

uint64_t
ush_guard_key(const struct ush_guard_table *t, const struct ush_guard_src *src, const char *user,
	      size_t user_len)
{
	/*
	 * af, then an address whose length af fixes, then a user flag: the encoding is
	 * prefix-free, so no (source, user) pair can be spelled as another.
	 */
	uint8_t head[1 + 16 + 1];
	size_t alen = src->af == AF_INET ? 4 : 16;
	struct siphash13 s;

	head[0] = src->af;
	memcpy(&head[1], src->addr, alen);
	head[1 + alen] = user != NULL;
	siphash_init(&s, t->k0, t->k1);
	siphash_absorb(&s, head, alen + 2);
	if (user != NULL)
		siphash_absorb(&s, (const uint8_t *)user, user_len);
	return siphash_final(&s);
}

bool
ush_guard_banned(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c, uint64_t key,
		 uint32_t now)
{
	const struct guard_bucket *b;
	uint32_t fp;

	if (c->threshold == 0)
		return false;
	b = key_bucket(t, key);
	fp = key_fp(key);
	/* Any matching slot: a rare insert race can leave a key in two slots (see fail). */
	for (int i = 0; i < GUARD_WAYS; i++) {
		uint64_t s = atomic_load_explicit(&b->slot[i], memory_order_relaxed);

		if (slot_fp(s) == fp && slot_ban_active(s, now, c->ban_time))
			return true;
	}
	return false;
}

uint32_t
ush_guard_ban_left(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c,
		   uint64_t key, uint32_t now)
{
	const struct guard_bucket *b;
	uint32_t fp, left = 0;

	if (c->threshold == 0)
		return 0;
	b = key_bucket(t, key);
	fp = key_fp(key);
	for (int i = 0; i < GUARD_WAYS; i++) {
		uint64_t s = atomic_load_explicit(&b->slot[i], memory_order_relaxed);

		uint32_t l;

		if (slot_fp(s) != fp || !slot_ban_active(s, now, c->ban_time))
			continue;
		l = c->ban_time - slot_age(s, now);
		left = l > left ? l : left;
	}
	return left;
}

/* The slot after one more failure of a key whose slot is old; 0 when nothing changes. */
static inline uint64_t
fail_next(uint64_t old, const struct ush_guard_ban_conf *c, unsigned int threshold, uint32_t now)
{
	uint32_t fp = slot_fp(old);
	unsigned int count;

	if (slot_flags(old) & GUARD_BANNED) {
		/* A banned source keeps failing: leave the line alone, the ban is not extended. */
		if (slot_age(old, now) < c->ban_time)
			return 0;
		count = 1;
	} else if (slot_age(old, now) >= c->window) {
		count = 1;
	} else {
		count = slot_count(old) + 1;
		if (count < threshold)
			return slot_make(fp, count, 0, (uint16_t)old);
	}
	if (count >= threshold)
		return slot_make(fp, count, GUARD_BANNED, now);
	return slot_make(fp, count, 0, now);
}

bool
ush_guard_fail(struct ush_guard_table *t, const struct ush_guard_ban_conf *c, uint64_t key,
	       uint32_t now)
{
	struct guard_bucket *b;
	uint64_t snap[GUARD_WAYS];
	unsigned int threshold;
	uint32_t fp;

	if (c->threshold == 0)
		return false;
	threshold = c->threshold < GUARD_COUNT_MAX ? c->threshold : GUARD_COUNT_MAX;
	b = key_bucket(t, key);
	fp = key_fp(key);
	for (;;) {
		int i = bucket_read(b, fp, snap);
		uint64_t old, upd;

		if (i >= 0) {
			old = snap[i];
			do {
				upd = fail_next(old, c, threshold, now);
				if (upd == 0)
					return false;
			} while (!atomic_compare_exchange_weak_explicit(&b->slot[i], &old, upd,
									memory_order_relaxed,
									memory_order_relaxed) &&
				 slot_fp(old) == fp);
			/* fail_next() never rewrites an active ban: banned here is a start. */
			if (slot_fp(old) == fp)
				return (slot_flags(upd) & GUARD_BANNED) != 0;
			continue; /* evicted under us: look again */
		}
		/*
		 * Not present. If the slot changed since the snapshot the CAS fails and we look
		 * again, so two threads inserting the same key normally meet in one slot. They can
		 * end up in two only if the bucket changed between their snapshots; the key's
		 * failures are then split, which delays a ban and never causes one.
		 */
		i = bucket_victim(snap, now, c->ban_time);
		upd = slot_make(fp, 1, threshold <= 1 ? GUARD_BANNED : 0, now);
		if (atomic_compare_exchange_strong_explicit(
			    &b->slot[i], &snap[i], upd, memory_order_relaxed, memory_order_relaxed))
			return threshold <= 1;
	}
}

void
ush_guard_forgive(struct ush_guard_table *t, uint64_t key)
{
	struct guard_bucket *b = key_bucket(t, key);
	uint32_t fp = key_fp(key);

	for (int i = 0; i < GUARD_WAYS; i++) {
		uint64_t old = atomic_load_explicit(&b->slot[i], memory_order_relaxed);

		while (slot_fp(old) == fp &&
		       !atomic_compare_exchange_weak_explicit(
			       &b->slot[i], &old, 0, memory_order_relaxed, memory_order_relaxed))
			;
	}
}

bool
ush_guard_take(struct ush_guard_table *t, const struct ush_guard_rate_conf *c, uint64_t key,
	       uint32_t now)
{
	struct guard_bucket *b;
	uint64_t snap[GUARD_WAYS];
	unsigned int burst;
	uint32_t fp;

	if (c->rate == 0)
		return true;
	burst = c->burst != 0 ? c->burst : 1;
	b = key_bucket(t, key);
	fp = key_fp(key);
	for (;;) {
		int i = bucket_read(b, fp, snap);
		uint64_t old, upd;

		if (i >= 0) {
			old = snap[i];
			do {
				uint32_t age = slot_age(old, now);
				uint64_t tokens = slot_count(old);
				uint32_t stamp = (uint16_t)old;

				/* Whole seconds: the stamp moves with the refill, nothing lost. */
				if (age > 0) {
					tokens += (uint64_t)age * c->rate;
					stamp = now;
				}
				if (tokens > burst)
					tokens = burst;
				/* Refused without a write: a flood does not bounce the line. */
				if (tokens == 0)
					return false;
				upd = slot_make(fp, (unsigned int)tokens - 1, 0, stamp);
			} while (!atomic_compare_exchange_weak_explicit(&b->slot[i], &old, upd,
									memory_order_relaxed,
									memory_order_relaxed) &&
				 slot_fp(old) == fp);
			if (slot_fp(old) == fp)
				return true;
			continue;
		}
		i = bucket_victim(snap, now, 0);
		upd = slot_make(fp, burst - 1, 0, now);
		if (atomic_compare_exchange_strong_explicit(
			    &b->slot[i], &snap[i], upd, memory_order_relaxed, memory_order_relaxed))
			return true;
	}
}

void
ush_guard_table_stats(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c,
		      uint32_t now, uint64_t *used, uint64_t *banned)
{
	size_t buckets = (size_t)t->bucket_mask + 1;
	uint64_t u = 0, n = 0;

	for (size_t i = 0; i < buckets; i++) {
		for (int j = 0; j < GUARD_WAYS; j++) {
			uint64_t s =
				atomic_load_explicit(&t->bucket[i].slot[j], memory_order_relaxed);

			u += s != 0;
			n += s != 0 && c != NULL && c->threshold != 0 &&
			     slot_ban_active(s, now, c->ban_time);
		}
	}
	*used = u;
	*banned = n;
}

uint64_t
ush_guard_table_clear_bans(struct ush_guard_table *t, uint32_t now, uint16_t ban_time)
{
	size_t buckets = (size_t)t->bucket_mask + 1;
	uint64_t cleared = 0;

	for (size_t i = 0; i < buckets; i++) {
		for (int j = 0; j < GUARD_WAYS; j++) {
			_Atomic uint64_t *slot = &t->bucket[i].slot[j];
			uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);

			/* an expired ban flag goes too: it bans no one, and counts nothing */
			while ((slot_flags(old) & GUARD_BANNED) != 0) {
				if (atomic_compare_exchange_weak_explicit(slot, &old, 0,
									  memory_order_relaxed,
									  memory_order_relaxed)) {
					cleared += slot_ban_active(old, now, ban_time);
					break;
				}
			}
		}
	}
	return cleared;
}

uint64_t
ush_guard_table_sweep(struct ush_guard_table *t, uint32_t now, uint16_t max_age)
{
	size_t buckets = (size_t)t->bucket_mask + 1;
	uint64_t cleared = 0;

	for (size_t i = 0; i < buckets; i++) {
		for (int j = 0; j < GUARD_WAYS; j++) {
			_Atomic uint64_t *slot = &t->bucket[i].slot[j];
			uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);

			/* A failed CAS means a worker touched the slot: it is fresh, keep it. */
			if (old != 0 && slot_age(old, now) >= max_age &&
			    atomic_compare_exchange_strong_explicit(
				    slot, &old, 0, memory_order_relaxed, memory_order_relaxed))
				cleared++;
		}
	}
	return cleared;
}
