/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Nonce-count replay table: two 64-bit atomic words per nonce index (window by CAS, last accepted
 * request by store). */

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "siphash_priv.h"
#include "ush_nonce.h"

#define NC_ORDER_MIN 4
#define NC_ORDER_MAX 28
#define NC_MAX	     65535u
#define NC_WINDOW    16u

/*
 * An accepted nc is >= 1 and sets window bit 0, so a slot in use is never all-zero: 0 means
 * "never used", and generation 0 (the first 2^order indexes) is an ordinary generation.
 */
#define NC_EMPTY 0

/*
 * A nonce's slot: the replay window, and what retransmission detection needs of the last
 * request accepted on the nonce. Both words of a slot sit in one cache line (four slots per
 * line), so the accept path touches one line as before.
 */
struct nc_slot {
	_Atomic uint64_t state; /* generation | highest nc | window bitmap */
	_Atomic uint64_t last;  /* fingerprint << 32 | time accepted (s); 0: none */
};

struct ush_nc_table {
	uint32_t order;
	uint32_t slot_mask;
	uint32_t gen_mask; /* generations are 32 - order bits wide */
	uint32_t gen_half; /* 2^(31 - order): serial-number comparison threshold */
	uint64_t k0, k1;   /* SipHash key of the fingerprints */
	alignas(64) struct nc_slot slot[];
};

static_assert(sizeof(struct ush_nc_table) == 64, "header is one cache line");
static_assert(sizeof(struct nc_slot) == 16, "four slots per cache line");
static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "slots must be lock-free");

static inline uint64_t
slot_make(uint32_t gen, uint32_t highest, uint32_t window)
{
	return (uint64_t)gen << 32 | (uint64_t)highest << 16 | window;
}

size_t
ush_nc_table_size(unsigned int order)
{
	if (order < NC_ORDER_MIN || order > NC_ORDER_MAX)
		return 0;
	return sizeof(struct ush_nc_table) + ((size_t)1 << order) * sizeof(struct nc_slot);
}

struct ush_nc_table *
ush_nc_table_init(void *mem, unsigned int order, uint64_t seed)
{
	struct ush_nc_table *t = mem;
	size_t slots;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || ush_nc_table_size(order) == 0)
		return NULL;
	slots = (size_t)1 << order;
	t->order = order;
	t->slot_mask = (uint32_t)(slots - 1);
	t->gen_mask = (uint32_t)((1ull << (32 - order)) - 1);
	t->gen_half = (uint32_t)(1ull << (31 - order));
	t->k0 = siphash_seed_mix(seed);
	t->k1 = siphash_seed_mix(t->k0 ^ seed);
	for (size_t i = 0; i < slots; i++) {
		atomic_init(&t->slot[i].state, NC_EMPTY);
		atomic_init(&t->slot[i].last, 0);
	}
	return t;
}

/*
 * Memory ordering: relaxed throughout. The 64-bit word is the slot's whole state; no other
 * memory is published or consumed through it, so there is nothing to order against. The CAS
 * alone makes each update atomic against the latest value in the slot's modification order,
 * which is what guarantees that every nc is accepted at most once across all workers.
 */
enum ush_nc_status
ush_nc_accept(struct ush_nc_table *t, uint32_t index, uint32_t nc)
{
	_Atomic uint64_t *slot = &t->slot[index & t->slot_mask].state;
	uint32_t gen = index >> t->order;
	uint64_t old, upd;

	if (nc == 0 || nc > NC_MAX)
		return USH_NC_REPLAY;
	old = atomic_load_explicit(slot, memory_order_relaxed);
	do {
		uint32_t sgen = (uint32_t)(old >> 32);
		uint32_t highest = (uint32_t)(old >> 16) & 0xffff;
		uint32_t window = (uint32_t)old & 0xffff;

		if (old == NC_EMPTY || sgen != gen) {
			/*
			 * Serial-number arithmetic (RFC 1982) over 32 - order bits: a distance
			 * d < half means our nonce is newer. d == half is ambiguous: refuse.
			 */
			uint32_t d = (gen - sgen) & t->gen_mask;

			if (old != NC_EMPTY && d >= t->gen_half)
				return USH_NC_EVICTED;
			upd = slot_make(gen, nc, 1);
		} else if (nc > highest) {
			uint32_t shift = nc - highest;

			window = shift >= NC_WINDOW ? 1 : ((window << shift) | 1) & 0xffff;
			upd = slot_make(gen, nc, window);
		} else {
			uint32_t k = highest - nc;

			if (k >= NC_WINDOW || (window & (1u << k)) != 0)
				return USH_NC_REPLAY;
			upd = slot_make(gen, highest, window | (1u << k));
		}
	} while (!atomic_compare_exchange_weak_explicit(slot, &old, upd, memory_order_relaxed,
							memory_order_relaxed));
	return USH_NC_OK;
}

uint32_t
ush_nc_fingerprint(const struct ush_nc_table *t, const void *msg, size_t len, const void *peer,
		   uint8_t peer_len)
{
	struct siphash13 s;

	/* msg, then peer, then peer's length: decodable from the end, so no two (msg, peer)
	 * pairs hash the same input. The message goes first so that it is absorbed in blocks. */
	siphash_init(&s, t->k0, t->k1);
	siphash_absorb(&s, msg, len);
	siphash_absorb(&s, peer, peer_len);
	siphash_absorb(&s, &peer_len, 1);
	return (uint32_t)(siphash_final(&s) >> 32);
}

/* The fingerprint of one request, its first `done` bytes already absorbed into s. */
static uint32_t
fp_finish(struct siphash13 *s, const struct ush_nc_fp_in *r, size_t done)
{
	siphash_absorb(s, (const uint8_t *)r->msg + done, r->len - done);
	siphash_absorb(s, r->peer, r->peer_len);
	siphash_absorb(s, &r->peer_len, 1);
	return (uint32_t)(siphash_final(s) >> 32);
}

#if defined(__x86_64__)
#define FP_ROUND8(v0, v1, v2, v3)                                                              \
	do {                                                                                   \
		v0 = _mm512_add_epi64(v0, v1);                                                 \
		v1 = _mm512_xor_si512(_mm512_rol_epi64(v1, 13), v0);                           \
		v0 = _mm512_rol_epi64(v0, 32);                                                 \
		v2 = _mm512_add_epi64(v2, v3);                                                 \
		v3 = _mm512_xor_si512(_mm512_rol_epi64(v3, 16), v2);                           \
		v0 = _mm512_add_epi64(v0, v3);                                                 \
		v3 = _mm512_xor_si512(_mm512_rol_epi64(v3, 21), v0);                           \
		v2 = _mm512_add_epi64(v2, v1);                                                 \
		v1 = _mm512_xor_si512(_mm512_rol_epi64(v1, 17), v2);                           \
		v2 = _mm512_rol_epi64(v2, 32);                                                 \
	} while (0)

/*
 * w[j] = word j (bytes 8j .. 8j + 7) of each of the eight rows, lane k from row[k]: an 8 x 8
 * transposition of 64-bit words in three rounds of two-source shuffles. It replaces eight
 * gathers, which were the fingerprint's limit. With `words`, row k has only the words of
 * words[k] (a masked load: nothing past them is read, the rest reads as zero).
 */
__attribute__((target("avx512f"), always_inline)) static inline void
fp_transpose8(const uint8_t *const row[8], const __mmask8 *words, __m512i w[8])
{
	const __m512i lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
	const __m512i hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
	__m512i r[8], t[8], u[8];

	/* The unroll pragmas keep the arrays in registers at -O2. */
#pragma GCC unroll 8
	for (unsigned int k = 0; k < 8; k++)
		r[k] = words == NULL ? _mm512_loadu_si512(row[k])
				     : _mm512_maskz_loadu_epi64(words[k], row[k]);
	/* t[2i]: words 0, 2, 4, 6 of rows 2i and 2i + 1, interleaved; t[2i + 1]: words 1, 3, 5, 7 */
#pragma GCC unroll 4
	for (unsigned int i = 0; i < 4; i++) {
		t[2 * i] = _mm512_unpacklo_epi64(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_epi64(r[2 * i], r[2 * i + 1]);
	}
	/* u[j] (rows 0-3) and u[4 + j] (rows 4-7): word j in the low 256 bits, word j + 4 in the
	 * high ones */
#pragma GCC unroll 2
	for (unsigned int h = 0; h < 2; h++) {
		const __m512i *tt = t + 4 * h;
		__m512i *uu = u + 4 * h;

		uu[0] = _mm512_permutex2var_epi64(tt[0], lo, tt[2]);
		uu[2] = _mm512_permutex2var_epi64(tt[0], hi, tt[2]);
		uu[1] = _mm512_permutex2var_epi64(tt[1], lo, tt[3]);
		uu[3] = _mm512_permutex2var_epi64(tt[1], hi, tt[3]);
	}
#pragma GCC unroll 4
	for (unsigned int j = 0; j < 4; j++) {
		w[j] = _mm512_shuffle_i64x2(u[j], u[j + 4], 0x44);
		w[j + 4] = _mm512_shuffle_i64x2(u[j], u[j + 4], 0xEE);
	}
}

/* Eight SipHash-1-3 states, one per 64-bit lane. */
struct fp_lanes {
	__m512i v0, v1, v2, v3;
};

__attribute__((target("avx512f"), always_inline)) static inline void
fp_init(const struct ush_nc_table *t, struct fp_lanes *s)
{
	s->v0 = _mm512_set1_epi64((long long)(t->k0 ^ 0x736f6d6570736575ull));
	s->v1 = _mm512_set1_epi64((long long)(t->k1 ^ 0x646f72616e646f6dull));
	s->v2 = _mm512_set1_epi64((long long)(t->k0 ^ 0x6c7967656e657261ull));
	s->v3 = _mm512_set1_epi64((long long)(t->k1 ^ 0x7465646279746573ull));
}

/* siphash_block() in every lane */
__attribute__((target("avx512f"), always_inline)) static inline void
fp_block(struct fp_lanes *s, __m512i m)
{
	s->v3 = _mm512_xor_si512(s->v3, m);
	FP_ROUND8(s->v0, s->v1, s->v2, s->v3);
	s->v0 = _mm512_xor_si512(s->v0, m);
}

__attribute__((target("avx512f"), always_inline)) static inline void
fp_rows(const struct ush_nc_fp_in *in, size_t off, const uint8_t *row[8])
{
	for (unsigned int k = 0; k < 8; k++)
		row[k] = (const uint8_t *)in[k].msg + off;
}

/*
 * What request r still has to absorb from byte `from` on (fewer than 8 bytes of the message
 * are left): the rest of the message, the peer, the peer's length, then the final block (its
 * length byte at the top). Written to buf as SipHash words; returns their count, or 0 when
 * they do not fit in 64 bytes (a peer longer than any address: the scalar code finishes).
 */
static unsigned int
fp_tail_words(const struct ush_nc_fp_in *r, size_t from, uint8_t buf[64])
{
	size_t rest = r->len - from;
	size_t n = rest + r->peer_len + 1;

	if (n > 63)
		return 0;
	memset(buf, 0, 64);
	memcpy(buf, (const uint8_t *)r->msg + from, rest);
	memcpy(buf + rest, r->peer, r->peer_len);
	buf[rest + r->peer_len] = r->peer_len;
	/* siphash_final(): the last, partial word carries the total length mod 256 */
	buf[n / 8 * 8 + 7] = (uint8_t)(r->len + r->peer_len + 1);
	return (unsigned int)(n / 8 + 1);
}

/* fp_block() in the lanes of `go`; the others keep their state */
__attribute__((target("avx512f"), always_inline)) static inline void
fp_block_mask(struct fp_lanes *s, __m512i m, __mmask8 go)
{
	struct fp_lanes a = *s;

	fp_block(&a, m);
	s->v0 = _mm512_mask_mov_epi64(s->v0, go, a.v0);
	s->v1 = _mm512_mask_mov_epi64(s->v1, go, a.v1);
	s->v2 = _mm512_mask_mov_epi64(s->v2, go, a.v2);
	s->v3 = _mm512_mask_mov_epi64(s->v3, go, a.v3);
}

/*
 * The lanes' words from off on to the end, then the finalisation:
 *  1. up to the eight messages' common length: 64 bytes at a time by transposed loads;
 *  2. each message's own remaining whole words, 64 bytes at a time by masked loads and the
 *     same transposition (lanes whose message has a word there take the step);
 *  3. each lane's tail (fp_tail_words) by one transposition, under the same kind of mask;
 *  4. the finalisation rounds in all lanes.
 */
__attribute__((target("avx512f"))) static void
fp_finish_x8(struct fp_lanes *s, const struct ush_nc_fp_in *in, size_t off, size_t common,
	     uint32_t *out)
{
	const uint8_t *row[8];
	alignas(64) uint8_t tail[8][64];
	alignas(64) uint64_t lane[4][8], fin[8];
	size_t from[8], most = 0;
	__m512i w[8], left;
	__mmask8 scalar = 0;
	unsigned int nw[8];

	for (; off + 64 <= common; off += 64) {
		fp_rows(in, off, row);
		fp_transpose8(row, NULL, w);
#pragma GCC unroll 8
		for (unsigned int j = 0; j < 8; j++)
			fp_block(s, w[j]);
	}
	/* Every message's remaining whole words, from[k] the end of lane k's */
	for (unsigned int k = 0; k < 8; k++) {
		from[k] = in[k].len & ~(size_t)7;
		if (from[k] - off > most)
			most = from[k] - off;
	}
	left = _mm512_set_epi64((long long)(from[7] - off), (long long)(from[6] - off),
				(long long)(from[5] - off), (long long)(from[4] - off),
				(long long)(from[3] - off), (long long)(from[2] - off),
				(long long)(from[1] - off), (long long)(from[0] - off));
	for (size_t o = 0; o < most; o += 64) {
		__mmask8 words[8];

		for (unsigned int k = 0; k < 8; k++) {
			size_t have = from[k] - off > o ? (from[k] - off - o) / 8 : 0;

			words[k] = have >= 8 ? 0xff : (__mmask8)((1u << have) - 1);
			row[k] = (const uint8_t *)in[k].msg + (have > 0 ? off + o : 0);
		}
		fp_transpose8(row, words, w);
		for (unsigned int j = 0; j < 8 && o + 8 * j < most; j++)
			fp_block_mask(s, w[j],
				      _mm512_cmpgt_epu64_mask(left, _mm512_set1_epi64(
									    (long long)(o + 8 * j))));
	}

	most = 0;
	for (unsigned int k = 0; k < 8; k++) {
		nw[k] = fp_tail_words(&in[k], from[k], tail[k]);
		if (nw[k] == 0)
			scalar |= (__mmask8)(1u << k);
		if (nw[k] > most)
			most = nw[k];
		row[k] = tail[k];
	}
	if (scalar != 0) {
		_mm512_store_si512(lane[0], s->v0);
		_mm512_store_si512(lane[1], s->v1);
		_mm512_store_si512(lane[2], s->v2);
		_mm512_store_si512(lane[3], s->v3);
	}
	if (scalar != 0xff) {
		__m512i nwv = _mm512_set_epi64(nw[7], nw[6], nw[5], nw[4], nw[3], nw[2], nw[1], nw[0]);
		__m512i h;

		fp_transpose8(row, NULL, w);
		for (unsigned int j = 0; j < most; j++)
			fp_block_mask(s, w[j], _mm512_cmpgt_epu64_mask(nwv, _mm512_set1_epi64(j)));
		s->v2 = _mm512_xor_si512(s->v2, _mm512_set1_epi64(0xff));
		FP_ROUND8(s->v0, s->v1, s->v2, s->v3);
		FP_ROUND8(s->v0, s->v1, s->v2, s->v3);
		FP_ROUND8(s->v0, s->v1, s->v2, s->v3);
		h = _mm512_xor_si512(_mm512_xor_si512(s->v0, s->v1), _mm512_xor_si512(s->v2, s->v3));
		_mm512_store_si512(fin, _mm512_srli_epi64(h, 32));
		for (unsigned int k = 0; k < 8; k++)
			if (!(scalar & (1u << k)))
				out[k] = (uint32_t)fin[k];
	}
	for (unsigned int k = 0; k < 8; k++) {
		if (scalar & (1u << k)) {
			struct siphash13 sc = {
				.v0 = lane[0][k], .v1 = lane[1][k], .v2 = lane[2][k],
				.v3 = lane[3][k], .len = from[k],
			};

			out[k] = fp_finish(&sc, &in[k], from[k]);
		}
	}
}

/* The shortest of n lengths, rounded down to a whole word */
static size_t
fp_common(const struct ush_nc_fp_in *in, unsigned int n)
{
	size_t common = in[0].len;

	for (unsigned int k = 1; k < n; k++)
		if (in[k].len < common)
			common = in[k].len;
	return common & ~(size_t)7;
}

/*
 * Sixteen requests: two groups of eight lanes whose rounds are interleaved over the bytes
 * all sixteen have, so that one group's round hides the latency of the other's (a SipHash
 * round is a chain of dependent operations). Each group then finishes on its own.
 */
__attribute__((target("avx512f"))) static void
fp_x16(const struct ush_nc_table *t, const struct ush_nc_fp_in *in, uint32_t *out)
{
	size_t both = fp_common(in, 16), off;
	struct fp_lanes a, b;

	fp_init(t, &a);
	fp_init(t, &b);
	for (off = 0; off + 64 <= both; off += 64) {
		const uint8_t *row[8];
		__m512i wa[8], wb[8];

		fp_rows(in, off, row);
		fp_transpose8(row, NULL, wa);
		fp_rows(in + 8, off, row);
		fp_transpose8(row, NULL, wb);
#pragma GCC unroll 8
		for (unsigned int j = 0; j < 8; j++) {
			fp_block(&a, wa[j]);
			fp_block(&b, wb[j]);
		}
	}
	fp_finish_x8(&a, in, off, fp_common(in, 8), out);
	fp_finish_x8(&b, in + 8, off, fp_common(in + 8, 8), out + 8);
}

/* Lane for lane the same computation as ush_nc_fingerprint() on each of eight requests. */
__attribute__((target("avx512f"))) static void
fp_x8(const struct ush_nc_table *t, const struct ush_nc_fp_in *in, uint32_t *out)
{
	struct fp_lanes s;

	fp_init(t, &s);
	fp_finish_x8(&s, in, 0, fp_common(in, 8), out);
}
#endif

void
ush_nc_fingerprint_burst(const struct ush_nc_table *t, const struct ush_nc_fp_in *in,
			 unsigned int n, uint32_t *out)
{
	unsigned int i = 0;

#if defined(__x86_64__)
	if (n >= 8 && __builtin_cpu_supports("avx512f")) {
		for (; i + 16 <= n; i += 16)
			fp_x16(t, &in[i], &out[i]);
		for (; i + 8 <= n; i += 8)
			fp_x8(t, &in[i], &out[i]);
	}
#endif
	for (; i < n; i++)
		out[i] = ush_nc_fingerprint(t, in[i].msg, in[i].len, in[i].peer, in[i].peer_len);
}

/*
 * The last word is written with a plain store after the CAS that accepted the request, and
 * read only when the window said "seen before". Two workers accepting two ncs of one nonce at
 * once may store their words in the other order than their CASes, and a worker may read the
 * word between another's CAS and its store: either way the word names a request that was
 * accepted on this nonce, only perhaps not the latest. So a race can make a true
 * retransmission look like a replay (challenged, as before this existed), but a match always
 * means a byte-identical copy of a request accepted within the window, never anything else.
 * Slots are reclaimed by newer nonces: the word of the evicted nonce stays until the first
 * accept of the new one, but the nonce is part of the fingerprinted message, so it cannot
 * match a request on another nonce (but for a 2^-32 keyed-hash collision).
 */
enum ush_nc_status
ush_nc_accept_msg(struct ush_nc_table *t, uint32_t index, uint32_t nc, uint32_t fp, uint32_t now,
		  uint32_t window)
{
	struct nc_slot *s = &t->slot[index & t->slot_mask];
	enum ush_nc_status st = ush_nc_accept(t, index, nc);
	uint64_t last;
	uint32_t age;

	if (window == 0)
		return st;
	if (st == USH_NC_OK) {
		atomic_store_explicit(&s->last, (uint64_t)fp << 32 | now, memory_order_relaxed);
		return st;
	}
	if (st != USH_NC_REPLAY || nc == 0 || nc > NC_MAX)
		return st;
	last = atomic_load_explicit(&s->last, memory_order_relaxed);
	/* workers read the clock independently: a stamp a little ahead of now is age 0 */
	age = now - (uint32_t)last;
	if ((int32_t)age < 0)
		age = 0;
	if (last != 0 && (uint32_t)(last >> 32) == fp && age <= window)
		return USH_NC_RETRANSMISSION;
	return st;
}

uint64_t
ush_nc_table_used(const struct ush_nc_table *t)
{
	size_t slots = (size_t)t->slot_mask + 1;
	uint64_t used = 0;

	for (size_t i = 0; i < slots; i++)
		used += atomic_load_explicit(&t->slot[i].state, memory_order_relaxed) != NC_EMPTY;
	return used;
}
