/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Ban and rate tables: thresholds, expiry, wrap-around, eviction, spoofed floods and races. */

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "ush_guard.h"

#define SEED   0x5eed5eed12345678ull
#define CANARY 64

static uint8_t *mem;
static size_t mem_size;

static struct ush_guard_table *
table_seeded(unsigned int order, uint64_t seed)
{
	struct ush_guard_table *t;
	uint64_t used, banned;

	mem_size = ush_guard_table_size(order);
	cr_assert_gt(mem_size, 0);
	mem = aligned_alloc(64, mem_size + CANARY);
	cr_assert_not_null(mem);
	/* Garbage first: init must not rely on zeroed memory (aligned_alloc does not zero). */
	memset(mem, 0xa5, mem_size + CANARY);
	t = ush_guard_table_init(mem, order, seed);
	cr_assert_eq((void *)t, (void *)mem);
	ush_guard_table_stats(t, NULL, 0, &used, &banned);
	cr_assert_eq(used, 0);
	cr_assert_eq(banned, 0);
	return t;
}

static struct ush_guard_table *
table(unsigned int order)
{
	return table_seeded(order, SEED);
}

static void
teardown(void)
{
	if (mem != NULL) {
		for (size_t i = 0; i < CANARY; i++)
			cr_assert_eq(mem[mem_size + i], 0xa5, "write past the table at +%zu", i);
	}
	free(mem);
	mem = NULL;
}

TestSuite(guard, .fini = teardown);

static struct ush_guard_src
src4(uint32_t a)
{
	struct ush_guard_src s = {.af = AF_INET};

	s.addr[0] = (uint8_t)(a >> 24);
	s.addr[1] = (uint8_t)(a >> 16);
	s.addr[2] = (uint8_t)(a >> 8);
	s.addr[3] = (uint8_t)a;
	return s;
}

static uint64_t
key4(const struct ush_guard_table *t, uint32_t a)
{
	struct ush_guard_src s = src4(a);

	return ush_guard_key(t, &s, NULL, 0);
}

static uint64_t
rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static unsigned int
used_slots(const struct ush_guard_table *t, const struct ush_guard_ban_conf *c, uint32_t now,
	   uint64_t *banned)
{
	uint64_t used, b;

	ush_guard_table_stats(t, c, now, &used, &b);
	if (banned != NULL)
		*banned = b;
	return (unsigned int)used;
}

Test(guard, size_and_init_arguments)
{
	uint8_t *m;

	cr_assert_eq(ush_guard_table_size(3), 0);
	cr_assert_eq(ush_guard_table_size(25), 0);
	cr_assert_eq(ush_guard_table_size(4), 64 + 16 * 64);
	cr_assert_eq(ush_guard_table_size(24), 64 + ((size_t)64 << 24));
	m = aligned_alloc(64, ush_guard_table_size(4) + 64);
	cr_assert_not_null(m);
	cr_assert_null(ush_guard_table_init(NULL, 4, SEED));
	cr_assert_null(ush_guard_table_init(m + 8, 4, SEED), "unaligned");
	cr_assert_null(ush_guard_table_init(m, 3, SEED));
	cr_assert_null(ush_guard_table_init(m, 25, SEED));
	cr_assert_not_null(ush_guard_table_init(m, 4, SEED));
	free(m);
}

Test(guard, ban_starts_on_exactly_the_threshold_failure)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 5, .window = 60, .ban_time = 300};
	uint64_t k = key4(t, 0xc0000201), banned;

	for (int i = 1; i < 5; i++) {
		cr_assert_not(ush_guard_fail(t, &c, k, 1000 + i), "failure %d", i);
		cr_assert_not(ush_guard_banned(t, &c, k, 1000 + i), "failure %d", i);
	}
	cr_assert(ush_guard_fail(t, &c, k, 1005), "the 5th failure starts the ban");
	cr_assert(ush_guard_banned(t, &c, k, 1005));
	for (int i = 0; i < 20; i++)
		cr_assert_not(ush_guard_fail(t, &c, k, 1006), "only one call starts the ban");
	cr_assert(ush_guard_banned(t, &c, k, 1006));
	cr_assert_eq(used_slots(t, &c, 1006, &banned), 1);
	cr_assert_eq(banned, 1);

	/* threshold 1: the first failure bans. */
	c.threshold = 1;
	k = key4(t, 0xc0000202);
	cr_assert(ush_guard_fail(t, &c, k, 1000));
	cr_assert(ush_guard_banned(t, &c, k, 1000));
	cr_assert_not(ush_guard_fail(t, &c, k, 1001));
}

Test(guard, ban_lasts_ban_time_then_counting_restarts)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 3, .window = 60, .ban_time = 300};
	uint64_t k = key4(t, 0x0a000001), banned;

	ush_guard_fail(t, &c, k, 100);
	ush_guard_fail(t, &c, k, 101);
	cr_assert(ush_guard_fail(t, &c, k, 102));
	/* Failing while banned does not extend the ban. */
	cr_assert_not(ush_guard_fail(t, &c, k, 350));
	for (uint32_t now = 102; now < 402; now += 7)
		cr_assert(ush_guard_banned(t, &c, k, now), "now %u", now);
	cr_assert(ush_guard_banned(t, &c, k, 401));
	cr_assert_not(ush_guard_banned(t, &c, k, 402));
	cr_assert_not(ush_guard_banned(t, &c, k, 5000));
	cr_assert_eq(used_slots(t, &c, 402, &banned), 1);
	cr_assert_eq(banned, 0);

	/* After the ban, a fresh count: threshold failures again, not one. */
	cr_assert_not(ush_guard_fail(t, &c, k, 402));
	cr_assert_not(ush_guard_fail(t, &c, k, 403));
	cr_assert(ush_guard_fail(t, &c, k, 404));
	cr_assert(ush_guard_banned(t, &c, k, 404));
}

Test(guard, window_expiry_resets_the_count)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 3, .window = 10, .ban_time = 100};
	uint64_t k = key4(t, 0x0a000002);

	cr_assert_not(ush_guard_fail(t, &c, k, 0));
	cr_assert_not(ush_guard_fail(t, &c, k, 9));
	/* The window started at 0: at 10 it is over, this failure opens a new one. */
	cr_assert_not(ush_guard_fail(t, &c, k, 10));
	cr_assert_not(ush_guard_fail(t, &c, k, 15));
	cr_assert_not(ush_guard_banned(t, &c, k, 15));
	cr_assert(ush_guard_fail(t, &c, k, 19));
	cr_assert(ush_guard_banned(t, &c, k, 19));

	/* Failures spread wider than the window never ban. */
	k = key4(t, 0x0a000003);
	for (uint32_t now = 0; now < 1000; now += 6)
		cr_assert_not(ush_guard_fail(t, &c, k, now), "now %u", now);
	cr_assert_not(ush_guard_banned(t, &c, k, 1000));
}

Test(guard, source_and_user_keys_are_independent)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 2, .window = 60, .ban_time = 60};
	struct ush_guard_src s = src4(0xc0a80001);
	uint64_t ks = ush_guard_key(t, &s, NULL, 0);
	uint64_t ka = ush_guard_key(t, &s, "alice", 5);
	uint64_t kb = ush_guard_key(t, &s, "bob", 3);
	uint64_t ke = ush_guard_key(t, &s, "", 0);

	cr_assert_neq(ks, ka);
	cr_assert_neq(ks, kb);
	cr_assert_neq(ka, kb);
	cr_assert_neq(ks, ke, "no user and the empty user are different keys");
	cr_assert_eq(ka, ush_guard_key(t, &s, "alice@example", 5), "user_len bounds the user");
	cr_assert_neq(ka, ush_guard_key(t, &s, "alicf", 5));

	ush_guard_fail(t, &c, ka, 10);
	cr_assert(ush_guard_fail(t, &c, ka, 11));
	cr_assert(ush_guard_banned(t, &c, ka, 12));
	cr_assert_not(ush_guard_banned(t, &c, ks, 12));
	cr_assert_not(ush_guard_banned(t, &c, kb, 12));
	cr_assert_not(ush_guard_fail(t, &c, kb, 12), "bob's count starts at 1");
	cr_assert_not(ush_guard_fail(t, &c, ks, 12), "the source's count starts at 1");
}

Test(guard, keys_depend_on_family_address_and_seed)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_src v4 = src4(0x0a000001), v4b = v4, v6 = {.af = AF_INET6};
	uint64_t k4 = ush_guard_key(t, &v4, NULL, 0);

	/* Same leading bytes, other family. */
	memcpy(v6.addr, v4.addr, 4);
	cr_assert_neq(k4, ush_guard_key(t, &v6, NULL, 0));
	cr_assert_neq(ush_guard_key(t, &v4, "u", 1), ush_guard_key(t, &v6, "u", 1));
	/* IPv4 hashes four bytes: the rest of addr is not part of the source. */
	memset(&v4b.addr[4], 0xee, 12);
	cr_assert_eq(k4, ush_guard_key(t, &v4b, NULL, 0));
	v6.addr[15] = 1;
	cr_assert_neq(ush_guard_key(t, &v6, NULL, 0), k4);
	cr_assert_neq(k4, key4(t, 0x0a000002));
	cr_assert_eq(k4, key4(t, 0x0a000001), "keys are deterministic");

	{
		struct ush_guard_table *t2;
		uint8_t *m2 = aligned_alloc(64, ush_guard_table_size(4));

		cr_assert_not_null(m2);
		t2 = ush_guard_table_init(m2, 4, SEED + 1);
		cr_assert_neq(ush_guard_key(t2, &v4, NULL, 0), k4, "the seed changes every key");
		free(m2);
	}
}

Test(guard, forgive_lifts_the_ban_and_the_count)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 3, .window = 60, .ban_time = 600};
	uint64_t k = key4(t, 0x0a0000ff), other = key4(t, 0x0a0000fe);

	for (int i = 0; i < 3; i++)
		ush_guard_fail(t, &c, k, 50);
	ush_guard_fail(t, &c, other, 50);
	cr_assert(ush_guard_banned(t, &c, k, 51));
	ush_guard_forgive(t, k);
	cr_assert_not(ush_guard_banned(t, &c, k, 51));
	cr_assert_eq(used_slots(t, &c, 51, NULL), 1, "only the forgiven key is gone");
	cr_assert_not(ush_guard_fail(t, &c, k, 52));
	cr_assert_not(ush_guard_fail(t, &c, k, 52), "the count restarted from zero");
	cr_assert(ush_guard_fail(t, &c, k, 52));
	/* Forgiving an absent key changes nothing. */
	ush_guard_forgive(t, key4(t, 0x0a0000fd));
	cr_assert_eq(used_slots(t, &c, 52, NULL), 2);
	/* The other key's count survived: one more failure is its second. */
	cr_assert_not(ush_guard_fail(t, &c, other, 53));
	cr_assert(ush_guard_fail(t, &c, other, 53));
}

Test(guard, token_bucket_burst_refill_and_cap)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_rate_conf c = {.rate = 2, .burst = 5};
	uint64_t k = key4(t, 0xc6336401), other = key4(t, 0xc6336402);

	for (int i = 0; i < 5; i++)
		cr_assert(ush_guard_take(t, &c, k, 100), "burst token %d", i);
	cr_assert_not(ush_guard_take(t, &c, k, 100));
	cr_assert_not(ush_guard_take(t, &c, k, 100));
	cr_assert(ush_guard_take(t, &c, other, 100), "other sources have their own bucket");
	/* One second refills rate tokens. */
	cr_assert(ush_guard_take(t, &c, k, 101));
	cr_assert(ush_guard_take(t, &c, k, 101));
	cr_assert_not(ush_guard_take(t, &c, k, 101));
	/* A long pause refills up to burst, no more. */
	for (int i = 0; i < 5; i++)
		cr_assert(ush_guard_take(t, &c, k, 200), "capped token %d", i);
	cr_assert_not(ush_guard_take(t, &c, k, 200));
	/* Steady state: rate per second. */
	for (uint32_t now = 201; now < 260; now++) {
		cr_assert(ush_guard_take(t, &c, k, now));
		cr_assert(ush_guard_take(t, &c, k, now));
		cr_assert_not(ush_guard_take(t, &c, k, now), "now %u", now);
	}

	/* burst 1, and a rate far above burst (no overflow of the refill). */
	c = (struct ush_guard_rate_conf){.rate = 65535, .burst = 1};
	k = key4(t, 0xc6336403);
	cr_assert(ush_guard_take(t, &c, k, 100));
	cr_assert_not(ush_guard_take(t, &c, k, 100));
	cr_assert(ush_guard_take(t, &c, k, 30000));
	cr_assert_not(ush_guard_take(t, &c, k, 30000));
	/* burst 0 is read as 1 rather than refusing everything. */
	c.burst = 0;
	k = key4(t, 0xc6336404);
	cr_assert(ush_guard_take(t, &c, k, 100));
	cr_assert_not(ush_guard_take(t, &c, k, 100));
}

Test(guard, stamps_wrap_around)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 2, .window = 10, .ban_time = 10};
	struct ush_guard_rate_conf r = {.rate = 1, .burst = 3};
	uint64_t k = key4(t, 0x0a010101);
	/* 16-bit stamp wrap, then the uint32_t clock's own wrap. */
	const uint32_t starts[] = {65530, 2 * 65536 - 3, UINT32_MAX - 4};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		uint32_t s = starts[i];

		ush_guard_forgive(t, k);
		cr_assert_not(ush_guard_fail(t, &c, k, s));
		cr_assert(ush_guard_fail(t, &c, k, s + 9), "window spans the wrap (start %u)", s);
		for (uint32_t now = s + 9; now != s + 19; now++)
			cr_assert(ush_guard_banned(t, &c, k, now), "now %u", now);
		cr_assert_not(ush_guard_banned(t, &c, k, s + 19));
		/* A window spanning the wrap expires too. */
		cr_assert_not(ush_guard_fail(t, &c, k, s + 19));
		cr_assert_not(ush_guard_fail(t, &c, k, s + 29));
		cr_assert(ush_guard_fail(t, &c, k, s + 30));
	}

	k = key4(t, 0x0a010102);
	for (int i = 0; i < 3; i++)
		cr_assert(ush_guard_take(t, &r, k, 65535));
	cr_assert_not(ush_guard_take(t, &r, k, 65535));
	cr_assert(ush_guard_take(t, &r, k, 65536), "refill across the wrap");
	cr_assert_not(ush_guard_take(t, &r, k, 65536));
	for (int i = 0; i < 3; i++)
		cr_assert(ush_guard_take(t, &r, k, 65546));
	cr_assert_not(ush_guard_take(t, &r, k, 65546));
}

Test(guard, a_stamp_slightly_ahead_counts_as_now)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 1, .window = 10, .ban_time = 10};
	struct ush_guard_rate_conf r = {.rate = 1, .burst = 2};
	uint64_t k = key4(t, 0x0a020202);

	/* One worker bans at 100; another whose clock still reads 98 must see the ban. */
	cr_assert(ush_guard_fail(t, &c, k, 100));
	cr_assert(ush_guard_banned(t, &c, k, 98));
	cr_assert_not(ush_guard_fail(t, &c, k, 98));
	cr_assert(ush_guard_banned(t, &c, k, 109));
	cr_assert_not(ush_guard_banned(t, &c, k, 110));

	k = key4(t, 0x0a020203);
	cr_assert(ush_guard_take(t, &r, k, 100));
	cr_assert(ush_guard_take(t, &r, k, 100));
	cr_assert_not(ush_guard_take(t, &r, k, 99), "no refill from a clock behind the stamp");
	cr_assert(ush_guard_take(t, &r, k, 101));
}

/* Keys of distinct sources that land in the same bucket of an order-4 table. */
static void
same_bucket_keys(const struct ush_guard_table *t, uint64_t *keys, size_t n)
{
	size_t got = 0;

	for (uint32_t a = 0x0a000000; got < n; a++) {
		uint64_t k = key4(t, a);

		cr_assert_lt(a, 0x0a100000u, "not enough keys in one bucket");
		if (got == 0 || (k & 15) == (keys[0] & 15)) {
			for (size_t i = 0; i < got; i++)
				cr_assert_neq(k >> 32, keys[i] >> 32, "fingerprint clash");
			keys[got++] = k;
		}
	}
}

Test(guard, eviction_spares_bans_and_takes_the_stalest)
{
	struct ush_guard_table *t = table(4);
	struct ush_guard_ban_conf c = {.threshold = 2, .window = 100, .ban_time = 1000};
	uint64_t k[18], banned;

	same_bucket_keys(t, k, 18);
	/* Bans k0..k3 (stamps 0..3), counting entries k4..k7 (stamps 10..13): bucket full. */
	for (uint32_t i = 0; i < 4; i++) {
		ush_guard_fail(t, &c, k[i], i);
		cr_assert(ush_guard_fail(t, &c, k[i], i));
	}
	for (uint32_t i = 4; i < 8; i++)
		cr_assert_not(ush_guard_fail(t, &c, k[i], 6 + i));
	cr_assert_eq(used_slots(t, &c, 20, &banned), 8);
	cr_assert_eq(banned, 4);

	/* Newcomers evict the stalest counting entries, k4 then k5, never a ban. */
	cr_assert_not(ush_guard_fail(t, &c, k[8], 20));
	cr_assert_not(ush_guard_fail(t, &c, k[9], 21));
	cr_assert(ush_guard_fail(t, &c, k[6], 22), "k6 kept its count");
	cr_assert(ush_guard_fail(t, &c, k[7], 22), "k7 kept its count");
	for (int i = 0; i < 4; i++)
		cr_assert(ush_guard_banned(t, &c, k[i], 22), "ban %d survives", i);
	/* k4 was evicted: this failure is its first again (and evicts k8, the stalest). */
	cr_assert_not(ush_guard_fail(t, &c, k[4], 23));
	cr_assert(ush_guard_fail(t, &c, k[9], 24), "k9 kept its count");
	cr_assert_not(ush_guard_fail(t, &c, k[8], 24), "k8 was evicted");
	/* Now bans k0..k3, k6, k7, k9 and counting k8 (24); k4 was evicted by k8. */
	cr_assert(ush_guard_fail(t, &c, k[8], 25));
	cr_assert_eq(used_slots(t, &c, 25, &banned), 8);
	cr_assert_eq(banned, 8);

	/* All eight are active bans: a newcomer takes the oldest ban's slot (k0, stamp 0). */
	cr_assert_not(ush_guard_fail(t, &c, k[10], 30));
	cr_assert_not(ush_guard_banned(t, &c, k[0], 30));
	/*
	 * From then on the bucket holds a non-banned slot, so the other seven bans survive any
	 * number of newcomers.
	 */
	for (int i = 11; i < 18; i++)
		cr_assert_not(ush_guard_fail(t, &c, k[i], 30 + (uint32_t)i));
	for (int i = 1; i < 4; i++)
		cr_assert(ush_guard_banned(t, &c, k[i], 50), "ban %d survives", i);
	cr_assert(ush_guard_banned(t, &c, k[6], 50));
	cr_assert(ush_guard_banned(t, &c, k[7], 50));
	cr_assert(ush_guard_banned(t, &c, k[8], 50));
	cr_assert(ush_guard_banned(t, &c, k[9], 50));
	cr_assert_eq(used_slots(t, &c, 50, &banned), 8);
	cr_assert_eq(banned, 7);

	/*
	 * An expired ban is just a stale entry: it goes before a fresh counting one. At 1001 k1's
	 * ban (stamp 1) is over, k2's is not, and k17 has just restarted counting.
	 */
	cr_assert_not(ush_guard_fail(t, &c, k[17], 1000), "k17's window is over");
	cr_assert_not(ush_guard_fail(t, &c, k[0], 1001));
	cr_assert(ush_guard_fail(t, &c, k[17], 1001), "k17 kept its count, k1 went");
	cr_assert(ush_guard_fail(t, &c, k[0], 1001), "k0 got a slot");
	cr_assert(ush_guard_banned(t, &c, k[2], 1001));
	cr_assert_eq(used_slots(t, &c, 1001, &banned), 8);
	cr_assert_eq(banned, 8);
}

Test(guard, spoofed_flood_bans_no_one_and_keeps_memory_fixed, .timeout = 20)
{
	struct ush_guard_table *t = table(4);
	struct ush_guard_ban_conf c = {.threshold = 5, .window = 60, .ban_time = 600};
	struct ush_guard_rate_conf r = {.rate = 10, .burst = 20};
	uint64_t legit = key4(t, 0xc0000299), scanner = key4(t, 0xcb007101), banned;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 5; i++)
		ush_guard_fail(t, &c, scanner, 1000);
	cr_assert(ush_guard_banned(t, &c, scanner, 1000));

	for (uint32_t i = 0; i < 1000000; i++) {
		struct ush_guard_src s = {.af = (i & 1) ? AF_INET6 : AF_INET};
		uint64_t a = rng_next(&x), b = rng_next(&x);
		uint32_t now = 1000 + i / 10000;

		memcpy(s.addr, &a, 8);
		memcpy(&s.addr[8], &b, 8);
		cr_assert_not(ush_guard_fail(t, &c, ush_guard_key(t, &s, NULL, 0), now));
		if (i % 100000 == 0) {
			cr_assert_not(ush_guard_banned(t, &c, legit, now));
			cr_assert(ush_guard_banned(t, &c, scanner, now), "ban evicted at %u", i);
		}
	}
	cr_assert_not(ush_guard_banned(t, &c, legit, 1100));
	cr_assert(ush_guard_banned(t, &c, scanner, 1100), "the only ban outlives the flood");
	cr_assert_eq(used_slots(t, &c, 1100, &banned), 16 * 8, "memory is the fixed table");
	cr_assert_eq(banned, 1);
	cr_assert_eq(ush_guard_table_size(4), mem_size);

	/* The rate table under the same flood: the legitimate source still gets its burst. */
	t = ush_guard_table_init(mem, 4, SEED ^ 1);
	for (uint32_t i = 0; i < 100000; i++) {
		struct ush_guard_src s = src4((uint32_t)rng_next(&x));

		ush_guard_take(t, &r, ush_guard_key(t, &s, NULL, 0), 2000 + i / 10000);
	}
	for (int i = 0; i < 20; i++)
		cr_assert(ush_guard_take(t, &r, key4(t, 0xc0000299), 2010));
}

#define RACE_ORDER     16
#define RACE_KEYS      2000
#define RACE_THRESHOLD 50

struct racer {
	struct ush_guard_table *t;
	const struct ush_guard_ban_conf *c;
	const uint64_t *keys;
	_Atomic unsigned int *arrived;
	uint8_t won[RACE_KEYS];
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	/*
	 * Both threads fail each key threshold times: twice the failures needed, and exactly one
	 * ban start. They meet before each key (a spinning rendezvous; a futex barrier would let
	 * one thread finish the key before the other wakes), so the failure that crosses the
	 * threshold is contended.
	 */
	for (unsigned int k = 0; k < RACE_KEYS; k++) {
		unsigned int spins = 0;

		atomic_fetch_add(r->arrived, 1);
		while (atomic_load(r->arrived) < 2 * (k + 1))
			if (++spins % 1024 == 0)
				sched_yield();
		for (int n = 0; n < RACE_THRESHOLD; n++)
			r->won[k] += ush_guard_fail(r->t, r->c, r->keys[k], 7);
	}
	return NULL;
}

Test(guard, two_threads_start_each_ban_exactly_once, .timeout = 30)
{
	struct ush_guard_table *t = table(RACE_ORDER);
	struct ush_guard_ban_conf c = {.threshold = RACE_THRESHOLD, .window = 60, .ban_time = 60};
	struct racer *r = calloc(2, sizeof(*r));
	uint64_t *keys = calloc(RACE_KEYS, sizeof(*keys));
	uint8_t *load = calloc((size_t)1 << RACE_ORDER, 1);
	_Atomic unsigned int arrived = 0;
	pthread_t th[2];
	uint64_t banned;

	cr_assert_not_null(r);
	cr_assert_not_null(keys);
	cr_assert_not_null(load);
	for (uint32_t k = 0; k < RACE_KEYS; k++) {
		keys[k] = key4(t, 0xac100000 + k);
		/* No bucket may overflow, or eviction rather than the race would decide. */
		cr_assert_lt(++load[keys[k] & ((1u << RACE_ORDER) - 1)], 9);
	}
	for (int i = 0; i < 2; i++) {
		r[i].t = t;
		r[i].c = &c;
		r[i].keys = keys;
		r[i].arrived = &arrived;
		cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < RACE_KEYS; k++) {
		cr_assert_eq(r[0].won[k] + r[1].won[k], 1, "key %d: %u ban starts", k,
			     r[0].won[k] + r[1].won[k]);
		cr_assert(ush_guard_banned(t, &c, keys[k], 8));
	}
	cr_assert_eq(used_slots(t, &c, 8, &banned), RACE_KEYS);
	cr_assert_eq(banned, RACE_KEYS);
	free(load);
	free(keys);
	free(r);
}

Test(guard, disabled_confs_never_touch_the_table)
{
	struct ush_guard_table *t = table(4);
	struct ush_guard_ban_conf c = {.threshold = 0, .window = 60, .ban_time = 60};
	struct ush_guard_rate_conf r = {.rate = 0, .burst = 1};
	uint8_t *before = malloc(mem_size);
	uint64_t k = key4(t, 0x01020304);

	cr_assert_not_null(before);
	memcpy(before, mem, mem_size);
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert_not(ush_guard_fail(t, &c, k, i));
		cr_assert_not(ush_guard_banned(t, &c, k, i));
		cr_assert(ush_guard_take(t, &r, k, 5));
	}
	cr_assert_eq(memcmp(before, mem, mem_size), 0);
	free(before);
}

Test(guard, stats_and_sweep)
{
	struct ush_guard_table *t = table(6);
	struct ush_guard_ban_conf c = {.threshold = 2, .window = 30, .ban_time = 60};
	uint64_t banned;

	for (uint32_t i = 0; i < 3; i++) {
		ush_guard_fail(t, &c, key4(t, 0x0a0a0000 + i), 100);
		ush_guard_fail(t, &c, key4(t, 0x0a0a0000 + i), 100);
	}
	ush_guard_fail(t, &c, key4(t, 0x0a0a0100), 100);
	ush_guard_fail(t, &c, key4(t, 0x0a0a0101), 130);
	cr_assert_eq(used_slots(t, &c, 130, &banned), 5);
	cr_assert_eq(banned, 3);
	cr_assert_eq(used_slots(t, NULL, 130, &banned), 5);
	cr_assert_eq(banned, 0, "a rate table has no bans");
	cr_assert_eq(used_slots(t, &c, 160, &banned), 5);
	cr_assert_eq(banned, 0, "bans expire by themselves");

	/* max_age = max(window, ban_time): only what no longer matters goes. */
	cr_assert_eq(ush_guard_table_sweep(t, 159, 60), 0);
	cr_assert_eq(ush_guard_table_sweep(t, 160, 60), 4);
	cr_assert_eq(used_slots(t, &c, 160, NULL), 1);
	cr_assert_eq(ush_guard_table_sweep(t, 190, 60), 1);
	cr_assert_eq(used_slots(t, &c, 190, NULL), 0);

	/* Swept, an old ban cannot come back when its 16-bit stamp wraps. */
	ush_guard_fail(t, &c, key4(t, 0x0a0a0200), 0);
	ush_guard_fail(t, &c, key4(t, 0x0a0a0200), 0);
	ush_guard_table_sweep(t, 3600, 60);
	cr_assert_not(ush_guard_banned(t, &c, key4(t, 0x0a0a0200), 65536 + 5));
}

Test(guard, ban_left_and_clear_bans)
{
	struct ush_guard_table *t = table(8);
	struct ush_guard_ban_conf c = {.threshold = 2, .window = 60, .ban_time = 100};
	uint64_t a = key4(t, 0x0a000001), b = key4(t, 0x0a000002), d = key4(t, 0x0a000003);

	cr_assert_eq(ush_guard_ban_left(t, &c, a, 10), 0u);
	ush_guard_fail(t, &c, a, 10);
	cr_assert(ush_guard_fail(t, &c, a, 10));
	ush_guard_fail(t, &c, b, 20);
	cr_assert(ush_guard_fail(t, &c, b, 20));
	ush_guard_fail(t, &c, d, 20); /* one failure: counted, not banned */
	cr_assert_eq(ush_guard_ban_left(t, &c, a, 10), 100u);
	cr_assert_eq(ush_guard_ban_left(t, &c, a, 50), 60u);
	cr_assert_eq(ush_guard_ban_left(t, &c, b, 50), 70u);
	cr_assert_eq(ush_guard_ban_left(t, &c, d, 50), 0u);
	/* at 115 a's ban has expired (not swept): cleared, not counted */
	cr_assert_eq(ush_guard_table_clear_bans(t, 115, c.ban_time), 1u);
	cr_assert_not(ush_guard_banned(t, &c, b, 115));
	cr_assert_eq(used_slots(t, &c, 115, NULL), 1, "the count of d survives");
	cr_assert(ush_guard_fail(t, &c, d, 21), "second failure of d bans");
	cr_assert_eq(ush_guard_table_clear_bans(t, 21, c.ban_time), 1u);
	cr_assert_eq(ush_guard_table_clear_bans(t, 21, c.ban_time), 0u);
	struct ush_guard_ban_conf off = {0};

	cr_assert_eq(ush_guard_ban_left(t, &off, a, 10), 0u, "a disabled policy bans no one");
}
