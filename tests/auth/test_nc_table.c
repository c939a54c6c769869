/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Nonce-count table: window, replay, eviction, generation wrap-around and concurrent CAS. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ush_nonce.h"

static void *mem;

static struct ush_nc_table *
table(unsigned int order)
{
	size_t size = ush_nc_table_size(order);
	struct ush_nc_table *t;

	cr_assert_gt(size, 0);
	mem = aligned_alloc(64, size);
	cr_assert_not_null(mem);
	/* Garbage first: init must not rely on zeroed memory (aligned_alloc does not zero). */
	memset(mem, 0xa5, size);
	t = ush_nc_table_init(mem, order, 0x6e63);
	cr_assert_eq((void *)t, mem);
	cr_assert_eq(ush_nc_table_used(t), 0);
	return t;
}

static void
teardown(void)
{
	free(mem);
	mem = NULL;
}

TestSuite(nc, .fini = teardown);

Test(nc, size_and_init_arguments)
{
	char *m;

	cr_assert_eq(ush_nc_table_size(3), 0);
	cr_assert_eq(ush_nc_table_size(29), 0);
	/* two 64-bit words a slot (window, last accepted request), one header line */
	cr_assert_eq(ush_nc_table_size(4), 64 + 16 * 16);
	cr_assert_eq(ush_nc_table_size(10), 64 + 1024 * 16);
	cr_assert_eq(ush_nc_table_size(28), 64 + ((size_t)16 << 28));
	m = aligned_alloc(64, ush_nc_table_size(4) + 64);
	cr_assert_not_null(m);
	cr_assert_null(ush_nc_table_init(NULL, 4, 0x6e63));
	cr_assert_null(ush_nc_table_init(m + 8, 4, 0x6e63), "unaligned");
	cr_assert_null(ush_nc_table_init(m, 3, 0x6e63));
	cr_assert_null(ush_nc_table_init(m, 29, 0x6e63));
	cr_assert_not_null(ush_nc_table_init(m, 4, 0x6e63));
	free(m);
}

Test(nc, first_replay_increasing)
{
	struct ush_nc_table *t = table(8);

	cr_assert_eq(ush_nc_accept(t, 5, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 5, 1), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 5, 2), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 5, 3), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 5, 3), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 5, 2), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 5, 1), USH_NC_REPLAY);
	/* Another nonce is independent; a client may start at any nc. */
	cr_assert_eq(ush_nc_accept(t, 6, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 7, 500), USH_NC_OK);
	cr_assert_eq(ush_nc_table_used(t), 3);
}

Test(nc, zero_and_out_of_range_are_replays)
{
	struct ush_nc_table *t = table(4);

	cr_assert_eq(ush_nc_accept(t, 1, 0), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 1, 65536), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 1, 0xffffffffu), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_table_used(t), 0, "refused ncs do not claim a slot");
	cr_assert_eq(ush_nc_accept(t, 1, 65535), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 1, 65535), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 1, 65520), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 1, 65536), USH_NC_REPLAY);
}

Test(nc, reorder_within_window_once_each)
{
	struct ush_nc_table *t = table(4);

	cr_assert_eq(ush_nc_accept(t, 2, 20), USH_NC_OK);
	/* 19 .. 5 are 1 .. 15 behind the highest: inside the 16-bit window. */
	for (uint32_t nc = 19; nc >= 5; nc--)
		cr_assert_eq(ush_nc_accept(t, 2, nc), USH_NC_OK, "nc %u", nc);
	for (uint32_t nc = 20; nc >= 5; nc--)
		cr_assert_eq(ush_nc_accept(t, 2, nc), USH_NC_REPLAY, "again nc %u", nc);
	cr_assert_eq(ush_nc_accept(t, 2, 4), USH_NC_REPLAY, "16 behind: older than the window");
	cr_assert_eq(ush_nc_accept(t, 2, 1), USH_NC_REPLAY);
}

Test(nc, window_slides_with_gaps)
{
	struct ush_nc_table *t = table(4);

	cr_assert_eq(ush_nc_accept(t, 3, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 10), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 5), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 5), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 3, 1), USH_NC_REPLAY, "remembered after a shift");
	cr_assert_eq(ush_nc_accept(t, 3, 12), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 10), USH_NC_REPLAY, "kept through a shift");
	cr_assert_eq(ush_nc_accept(t, 3, 11), USH_NC_OK);
	/* A jump larger than the window forgets everything behind it. */
	cr_assert_eq(ush_nc_accept(t, 3, 100), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 85), USH_NC_OK, "15 behind");
	cr_assert_eq(ush_nc_accept(t, 3, 84), USH_NC_REPLAY, "16 behind");
	cr_assert_eq(ush_nc_accept(t, 3, 12), USH_NC_REPLAY);
	/* Shift by exactly 16. */
	cr_assert_eq(ush_nc_accept(t, 3, 116), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 3, 101), USH_NC_OK, "15 behind, unseen");
	cr_assert_eq(ush_nc_accept(t, 3, 100), USH_NC_REPLAY);
}

Test(nc, newer_nonce_claims_slot_and_evicts_older)
{
	struct ush_nc_table *t = table(4);
	uint32_t old_nonce = 3, new_nonce = 3 + 16, newest = 3 + 5 * 16;

	cr_assert_eq(ush_nc_accept(t, old_nonce, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, old_nonce, 2), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, new_nonce, 1), USH_NC_OK, "claims the older slot");
	cr_assert_eq(ush_nc_accept(t, old_nonce, 3), USH_NC_EVICTED);
	cr_assert_eq(ush_nc_accept(t, old_nonce, 2), USH_NC_EVICTED);
	cr_assert_eq(ush_nc_accept(t, new_nonce, 1), USH_NC_REPLAY, "window is the claimer's");
	cr_assert_eq(ush_nc_accept(t, new_nonce, 2), USH_NC_OK);
	/* A generation several ahead claims too, with a fresh window starting at its nc. */
	cr_assert_eq(ush_nc_accept(t, newest, 40), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, newest, 30), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, newest, 2), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, new_nonce, 3), USH_NC_EVICTED);
	/* Slots of other indexes are untouched. */
	cr_assert_eq(ush_nc_accept(t, 4, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_table_used(t), 2);
}

Test(nc, generation_zero_is_ordinary)
{
	/* Index 0 .. 2^order - 1 have generation 0: the slot must still record them. */
	struct ush_nc_table *t = table(4);

	cr_assert_eq(ush_nc_accept(t, 0, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 0, 1), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept(t, 16, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 0, 2), USH_NC_EVICTED);
}

Test(nc, generation_wraps_around)
{
	/* order 4: generations are 28 bits; the last one is 2^28 - 1, then 0 again. */
	struct ush_nc_table *t = table(4);
	uint32_t last = 0xfffffff0u | 9, wrapped = 9, later = (5u << 4) | 9;

	cr_assert_eq(ush_nc_accept(t, last, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, wrapped, 1), USH_NC_OK, "gen 0 is newer than gen 2^28-1");
	cr_assert_eq(ush_nc_accept(t, last, 2), USH_NC_EVICTED);
	cr_assert_eq(ush_nc_accept(t, later, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, wrapped, 2), USH_NC_EVICTED);
	cr_assert_eq(ush_nc_accept(t, last, 3), USH_NC_EVICTED, "gen 2^28-1 is older than gen 5");
}

Test(nc, serial_comparison_half_range)
{
	/* order 4: half the generation space is 2^27. */
	struct ush_nc_table *t = table(4);
	uint32_t half = 1u << 27;

	cr_assert_eq(ush_nc_accept(t, 1, 1), USH_NC_OK);			      /* gen 0 */
	cr_assert_eq(ush_nc_accept(t, ((half - 1) << 4) | 1, 1), USH_NC_OK, "newer"); /* claims */
	cr_assert_eq(ush_nc_accept(t, 1, 2), USH_NC_EVICTED);
	/* From gen half-1, gen half-1+half is exactly half away: ambiguous, refused. */
	cr_assert_eq(ush_nc_accept(t, ((2 * half - 1) << 4) | 1, 1), USH_NC_EVICTED);
	/* One less than half ahead is newer. */
	cr_assert_eq(ush_nc_accept(t, ((2 * half - 2) << 4) | 1, 1), USH_NC_OK);
}

Test(nc, generation_width_follows_order)
{
	struct ush_nc_table *t = table(16);

	cr_assert_eq(ush_nc_accept(t, 0x00001234, 1), USH_NC_OK);
	cr_assert_eq(ush_nc_accept(t, 0x00011234, 1), USH_NC_OK, "same slot, next generation");
	cr_assert_eq(ush_nc_accept(t, 0x00001234, 2), USH_NC_EVICTED);
	cr_assert_eq(ush_nc_accept(t, 0xffff1234, 1), USH_NC_EVICTED, "gen 0xffff is older than 1");
	cr_assert_eq(ush_nc_table_used(t), 1);
}

/* ---- concurrency ---- */

#define RACE_SLOTS 4
#define RACE_GENS  4
#define RACE_NC	   65535u

struct racer {
	struct ush_nc_table *t;
	pthread_barrier_t *start;
	uint8_t ok[RACE_GENS][RACE_SLOTS][RACE_NC + 1];
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	/*
	 * Both threads submit the same ncs in the same order, so they collide on every value. The
	 * first submission of any (generation, nc) is never behind the window nor evicted, so each
	 * must be accepted by exactly one of them; the laggard may see EVICTED once the leader
	 * moved on to the next generation.
	 */
	for (uint32_t g = 0; g < RACE_GENS; g++)
		for (uint32_t nc = 1; nc <= RACE_NC; nc++)
			for (uint32_t s = 0; s < RACE_SLOTS; s++)
				r->ok[g][s][nc] =
					ush_nc_accept(r->t, (g + 7) * 16 + s * 3, nc) == USH_NC_OK;
	return NULL;
}

Test(nc, two_threads_accept_each_nc_exactly_once, .timeout = 30)
{
	struct ush_nc_table *t = table(4);
	struct racer *r = calloc(2, sizeof(*r));
	pthread_barrier_t start;
	pthread_t th[2];
	unsigned long total = 0, won0 = 0;

	cr_assert_not_null(r);
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		r[i].t = t;
		r[i].start = &start;
		cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (uint32_t g = 0; g < RACE_GENS; g++) {
		for (uint32_t s = 0; s < RACE_SLOTS; s++) {
			for (uint32_t nc = 1; nc <= RACE_NC; nc++) {
				unsigned int n = r[0].ok[g][s][nc] + r[1].ok[g][s][nc];

				cr_assert_eq(n, 1, "gen %u slot %u nc %u accepted %u times", g, s,
					     nc, n);
				total += n;
				won0 += r[0].ok[g][s][nc];
			}
		}
	}
	cr_assert_eq(total, (unsigned long)RACE_GENS * RACE_SLOTS * RACE_NC);
	cr_log_info("thread 0 won %lu of %lu", won0, total);
	free(r);
}

/* Distinct ncs per thread, interleaved: never accepted twice, and a replay of all refused. */
struct splitter {
	struct ush_nc_table *t;
	pthread_barrier_t *start;
	uint32_t first;
	unsigned long ok;
};

static void *
split(void *arg)
{
	struct splitter *sp = arg;

	pthread_barrier_wait(sp->start);
	for (uint32_t nc = sp->first; nc <= RACE_NC; nc += 2)
		for (uint32_t s = 0; s < RACE_SLOTS; s++)
			sp->ok += ush_nc_accept(sp->t, s, nc) == USH_NC_OK;
	return NULL;
}

Test(nc, two_threads_distinct_ncs_then_replay_refused, .timeout = 30)
{
	struct ush_nc_table *t = table(4);
	struct splitter sp[2] = {{.t = t, .first = 1}, {.t = t, .first = 2}};
	pthread_barrier_t start;
	pthread_t th[2];

	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		sp[i].start = &start;
		cr_assert_eq(pthread_create(&th[i], NULL, split, &sp[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	/* A thread may fall more than 16 behind the other, so not all are accepted, but most. */
	cr_assert_leq(sp[0].ok + sp[1].ok, (unsigned long)RACE_SLOTS * RACE_NC);
	cr_assert_gt(sp[0].ok + sp[1].ok, 0);
	for (uint32_t s = 0; s < RACE_SLOTS; s++)
		for (uint32_t nc = 1; nc <= RACE_NC; nc++)
			cr_assert_eq(ush_nc_accept(t, s, nc), USH_NC_REPLAY, "slot %u nc %u", s,
				     nc);
}

/* ---- retransmissions (ush_nc_accept_msg) ---- */

static const uint8_t peer_a[] = {2, 198, 51, 100, 23, 0x13, 0xc6}; /* af, IPv4, port 5062 */
static const uint8_t peer_b[] = {2, 198, 51, 100, 23, 0x13, 0xc7}; /* same address, port 5063 */

#define REQ(branch, response, nc)                                                              \
	"REGISTER sip:pbx.example.net SIP/2.0\r\n"                                             \
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=" branch ";rport\r\n"                      \
	"From: <sip:alice@pbx.example.net>;tag=f1\r\nTo: <sip:alice@pbx.example.net>\r\n"      \
	"Call-ID: c1\r\nCSeq: 2 REGISTER\r\n"                                                 \
	"Authorization: Digest username=\"alice\", realm=\"pbx.example.net\", "               \
	"nonce=\"n\", uri=\"sip:pbx.example.net\", response=\"" response "\", qop=auth, "     \
	"nc=" nc ", cnonce=\"c\"\r\nContent-Length: 0\r\n\r\n"

static uint32_t
fp_of(const struct ush_nc_table *t, const char *msg, const uint8_t *peer)
{
	return ush_nc_fingerprint(t, msg, strlen(msg), peer, sizeof(peer_a));
}

Test(nc, fingerprint_covers_every_byte_and_the_peer)
{
	struct ush_nc_table *t = table(8);
	const char *m = REQ("z9hG4bK1", "0123abcd", "00000001");
	uint32_t fp = fp_of(t, m, peer_a);
	void *other_mem = aligned_alloc(64, ush_nc_table_size(4));
	struct ush_nc_table *other;

	cr_assert_eq(fp_of(t, m, peer_a), fp, "deterministic");
	cr_assert_neq(fp_of(t, REQ("z9hG4bK2", "0123abcd", "00000001"), peer_a), fp, "branch");
	cr_assert_neq(fp_of(t, REQ("z9hG4bK1", "0123abce", "00000001"), peer_a), fp, "response");
	cr_assert_neq(fp_of(t, REQ("z9hG4bK1", "0123abcd", "00000002"), peer_a), fp, "nc");
	cr_assert_neq(fp_of(t, m, peer_b), fp, "source port");
	cr_assert_neq(ush_nc_fingerprint(t, m, strlen(m) - 1, peer_a, sizeof(peer_a)), fp,
		      "one byte less");
	/* keyed: another seed, another fingerprint of the same request */
	cr_assert_not_null(other_mem);
	other = ush_nc_table_init(other_mem, 4, 0x5eed);
	cr_assert_neq(fp_of(other, m, peer_a), fp);
	free(other_mem);
}

/* The burst form computes the same function: eight messages per vector where the CPU has
 * AVX-512 (this test's machine does), the rest one by one. */
Test(nc, fingerprint_burst_equals_one_by_one)
{
	struct ush_nc_table *t = table(8);
	static uint8_t buf[19][700];
	struct ush_nc_fp_in in[19];
	uint32_t out[19];
	/* lengths around word boundaries, shorter than a word, empty, and far apart (so the
	 * common length of a group is short and most words go through the scalar tail) */
	static const size_t lens[19] = {613, 0, 7, 8, 9, 615, 640, 1, 699, 616, 617, 620,
					624, 600, 608, 609, 64, 65, 63};
	static const uint8_t peers[3][19] = {{2, 192, 0, 2, 1, 0x13, 0xc4},
					     {10, 0x20, 0x01, 0x0d, 0xb8, [16] = 1, 0x13, 0xc4},
					     {2, 198, 51, 100, 23, 0x13, 0xc6}};
	static const uint8_t plen[3] = {7, 19, 7};

	for (unsigned int i = 0; i < 19; i++)
		for (unsigned int j = 0; j < sizeof(buf[i]); j++)
			buf[i][j] = (uint8_t)(i * 131 + j * 7 + (j >> 3));
	for (unsigned int first = 0; first < 3; first++) {
		for (unsigned int n = 0; n + first <= 19; n++) {
			for (unsigned int i = 0; i < n; i++) {
				unsigned int r = first + i;

				in[i] = (struct ush_nc_fp_in){buf[r], lens[r], peers[r % 3],
							      plen[r % 3]};
			}
			memset(out, 0, sizeof(out));
			ush_nc_fingerprint_burst(t, in, n, out);
			for (unsigned int i = 0; i < n; i++)
				cr_assert_eq(out[i],
					     ush_nc_fingerprint(t, in[i].msg, in[i].len, in[i].peer,
								in[i].peer_len),
					     "first %u, n=%u, request %u (len %zu)", first, n, i,
					     in[i].len);
		}
	}
}

/* The vector form's own paths at random: groups of near-equal lengths (their tails finish in
 * the vector, under masks), lengths far apart (tails too long: finished in scalar code), both
 * peer lengths, and every length mod 64 (transposed blocks, gathered words, tail words). */
Test(nc, fingerprint_burst_random_groups)
{
	struct ush_nc_table *t = table(8);
	static uint8_t buf[32][1600];
	static const uint8_t peer4[7] = {2, 203, 0, 113, 9, 0x13, 0xc4};
	static const uint8_t peer6[19] = {10, 0x20, 0x01, 0x0d, 0xb8, [15] = 7, 1, 0x13, 0xc4};
	struct ush_nc_fp_in in[32];
	uint32_t out[32];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned int i = 0; i < 32; i++)
		for (unsigned int j = 0; j < sizeof(buf[i]); j++)
			buf[i][j] = (uint8_t)(i * 37 + j * 11 + (j >> 5));
	for (unsigned int round = 0; round < 2000; round++) {
		size_t base;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		base = (size_t)(x >> 33) % 1400;
		for (unsigned int i = 0; i < 32; i++) {
			size_t spread = round % 3 == 0 ? 200 : 16;
			bool v6;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			v6 = (x >> 20) & 1;
			in[i] = (struct ush_nc_fp_in){buf[i], base + (size_t)(x >> 40) % spread,
						      v6 ? peer6 : peer4, v6 ? 19 : 7};
		}
		ush_nc_fingerprint_burst(t, in, 32, out);
		for (unsigned int i = 0; i < 32; i++)
			cr_assert_eq(out[i],
				     ush_nc_fingerprint(t, in[i].msg, in[i].len, in[i].peer,
							in[i].peer_len),
				     "round %u, request %u (len %zu)", round, i, in[i].len);
	}
}

Test(nc, exact_retransmission_inside_the_window_only)
{
	struct ush_nc_table *t = table(8);
	uint32_t fp = fp_of(t, REQ("z9hG4bK1", "0123abcd", "00000001"), peer_a);

	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1000, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1000, 32), USH_NC_RETRANSMISSION, "T1 later");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 999, 32), USH_NC_RETRANSMISSION,
		     "another worker's clock a second behind");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1032, 32), USH_NC_RETRANSMISSION, "64*T1");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1033, 32), USH_NC_REPLAY, "after the window");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1010, 32), USH_NC_RETRANSMISSION,
		     "refusals change nothing");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1033, 60), USH_NC_RETRANSMISSION,
		     "the window is the caller's (live)");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1001, 0), USH_NC_REPLAY, "window 0: off");
	cr_assert_eq(ush_nc_accept(t, 5, 1), USH_NC_REPLAY, "plain accept knows no fingerprint");
}

Test(nc, anything_changed_is_a_replay)
{
	struct ush_nc_table *t = table(8);
	uint32_t fp = fp_of(t, REQ("z9hG4bK1", "0123abcd", "00000001"), peer_a);

	cr_assert_eq(ush_nc_accept_msg(t, 5, 1, fp, 1000, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1,
				       fp_of(t, REQ("z9hG4bK9", "0123abcd", "00000001"), peer_a),
				       1001, 32),
		     USH_NC_REPLAY, "different branch: another transaction");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1,
				       fp_of(t, REQ("z9hG4bK1", "ffffffff", "00000001"), peer_a),
				       1001, 32),
		     USH_NC_REPLAY, "different response");
	cr_assert_eq(ush_nc_accept_msg(t, 5, 1,
				       fp_of(t, REQ("z9hG4bK1", "0123abcd", "00000001"), peer_b),
				       1001, 32),
		     USH_NC_REPLAY, "another source port");
	cr_assert_eq(ush_nc_accept_msg(t, 6, 1, fp, 1001, 32), USH_NC_OK,
		     "the same bytes on another nonce are that nonce's business");
}

Test(nc, only_the_last_accepted_request)
{
	struct ush_nc_table *t = table(8);
	uint32_t fp1 = fp_of(t, REQ("z9hG4bK1", "11111111", "00000001"), peer_a);
	uint32_t fp2 = fp_of(t, REQ("z9hG4bK2", "22222222", "00000002"), peer_a);
	uint32_t fp3 = fp_of(t, REQ("z9hG4bK3", "33333333", "00000003"), peer_a);

	cr_assert_eq(ush_nc_accept_msg(t, 7, 1, fp1, 1000, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 7, 2, fp2, 1001, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 7, 1, fp1, 1002, 32), USH_NC_REPLAY,
		     "an earlier request of the nonce");
	cr_assert_eq(ush_nc_accept_msg(t, 7, 2, fp2, 1002, 32), USH_NC_RETRANSMISSION);
	cr_assert_eq(ush_nc_accept_msg(t, 7, 3, fp3, 1003, 32), USH_NC_OK, "the next nc");
	cr_assert_eq(ush_nc_accept_msg(t, 7, 2, fp2, 1003, 32), USH_NC_REPLAY);
	cr_assert_eq(ush_nc_accept_msg(t, 7, 3, fp3, 1035, 32), USH_NC_RETRANSMISSION,
		     "the window counts from the last accept");
	cr_assert_eq(ush_nc_accept_msg(t, 7, 0, fp3, 1003, 32), USH_NC_REPLAY, "nc 0");
	cr_assert_eq(ush_nc_accept_msg(t, 7, 65536, fp3, 1003, 32), USH_NC_REPLAY, "nc > 65535");
}

Test(nc, qop_less_nonce_once_and_its_retransmissions)
{
	struct ush_nc_table *t = table(8);
	uint32_t fp = fp_of(t, REQ("z9hG4bK1", "0123abcd", ""), peer_a);
	uint32_t other = fp_of(t, REQ("z9hG4bK2", "0123abcd", ""), peer_a);

	/* no nc: the pipeline passes 1, so the nonce is good for one request */
	cr_assert_eq(ush_nc_accept_msg(t, 9, 1, fp, 1000, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 9, 1, fp, 1001, 32), USH_NC_RETRANSMISSION);
	cr_assert_eq(ush_nc_accept_msg(t, 9, 1, other, 1001, 32), USH_NC_REPLAY,
		     "another request on a used qop-less nonce");
	cr_assert_eq(ush_nc_accept_msg(t, 9, 1, fp, 1033, 32), USH_NC_REPLAY);
}

Test(nc, evicted_nonce_is_stale_not_a_retransmission)
{
	struct ush_nc_table *t = table(4);
	uint32_t fp = fp_of(t, REQ("z9hG4bK1", "0123abcd", "00000001"), peer_a);

	cr_assert_eq(ush_nc_accept_msg(t, 3, 1, fp, 1000, 32), USH_NC_OK);
	cr_assert_eq(ush_nc_accept_msg(t, 16 + 3, 1, 0x1234, 1001, 32), USH_NC_OK, "claims");
	cr_assert_eq(ush_nc_accept_msg(t, 3, 1, fp, 1001, 32), USH_NC_EVICTED);
}

/*
 * Two workers, one request each per (slot, nc), submitted at once: every nc accepted once, and
 * afterwards the slot's last word names one accepted request of its nonce, never one that was
 * refused. A copy of a refused request is a replay; a copy of the word's request forwards.
 */
#define RTX_SLOTS 16
#define RTX_NC	  64

struct rtx_racer {
	struct ush_nc_table *t;
	pthread_barrier_t *start;
	uint32_t id;
	uint8_t st[RTX_SLOTS][RTX_NC + 1];
};

static uint32_t
rtx_fp(uint32_t id, uint32_t s, uint32_t nc)
{
	return (id + 1) << 24 | s << 16 | nc;
}

static void *
rtx_race(void *arg)
{
	struct rtx_racer *r = arg;

	pthread_barrier_wait(r->start);
	for (uint32_t nc = 1; nc <= RTX_NC; nc++)
		for (uint32_t s = 0; s < RTX_SLOTS; s++)
			r->st[s][nc] = (uint8_t)ush_nc_accept_msg(r->t, s, nc, rtx_fp(r->id, s, nc),
								  1000, 32);
	return NULL;
}

Test(nc, two_workers_racing_never_forward_a_refused_request, .timeout = 30)
{
	struct ush_nc_table *t = table(4);
	struct rtx_racer *r = calloc(2, sizeof(*r));
	pthread_barrier_t start;
	pthread_t th[2];

	cr_assert_not_null(r);
	pthread_barrier_init(&start, NULL, 2);
	for (uint32_t i = 0; i < 2; i++) {
		r[i].t = t;
		r[i].start = &start;
		r[i].id = i;
		cr_assert_eq(pthread_create(&th[i], NULL, rtx_race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (uint32_t s = 0; s < RTX_SLOTS; s++) {
		unsigned int forwarded = 0;

		for (uint32_t nc = 1; nc <= RTX_NC; nc++) {
			unsigned int ok =
				(r[0].st[s][nc] == USH_NC_OK) + (r[1].st[s][nc] == USH_NC_OK);

			cr_assert_eq(ok, 1, "slot %u nc %u accepted %u times", s, nc, ok);
			for (uint32_t i = 0; i < 2; i++) {
				enum ush_nc_status again =
					ush_nc_accept_msg(t, s, nc, rtx_fp(i, s, nc), 1001, 32);

				/* a racer that lost got REPLAY, or RETRANSMISSION of nothing:
				 * its fingerprint is its own, so it cannot have matched */
				cr_assert_neq(r[i].st[s][nc], USH_NC_RETRANSMISSION);
				if (r[i].st[s][nc] != USH_NC_OK) {
					cr_assert_eq(again, USH_NC_REPLAY,
						     "refused, copy forwarded");
					continue;
				}
				forwarded += again == USH_NC_RETRANSMISSION;
			}
		}
		/* the word of the last store: one of the accepted requests, usually nc 64 */
		cr_assert_eq(forwarded, 1, "slot %u: %u requests look retransmitted", s, forwarded);
	}
	free(r);
}
