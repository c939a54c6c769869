/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Multi-buffer SHA-512 compression on AVX-512: 8 messages per group (one qword lane each). */

#include <immintrin.h>
#include <stdint.h>

#include "digest_priv.h"
#include "sha512_priv.h"

/* Two groups hide the round latency; more would spill the 16-word schedules of each group. */
#define SHA512_GROUPS_MAX 2

/* A macro, not a function: clang wants the rotate count constant before inlining. */
#define ror(x, n) _mm512_ror_epi64((x), (n))

/*
 * Load one 128-byte block from each of 8 lanes: for each half, transpose 8 x 8 qwords
 * (unpack 64-bit, then two rounds of 128-bit chunk shuffles) and byte-swap to big-endian words.
 */
static inline __attribute__((always_inline)) void
sha512_load8(__m512i w[16], const uint8_t *const *ptr, size_t off)
{
	const __m512i bswap = _mm512_broadcast_i32x4(_mm_set_epi8(8, 9, 10, 11, 12, 13, 14, 15, 0,
			1, 2, 3, 4, 5, 6, 7));

#pragma GCC unroll 2
	for (int h = 0; h < 2; h++) {
		__m512i r[8], t[8];

#pragma GCC unroll 8
		for (int i = 0; i < 8; i++)
			r[i] = _mm512_loadu_si512((const void *)(ptr[i] + off + 64 * h));
		/* t[2p + c], chunk q: rows 2p, 2p+1 of column 2q + c */
#pragma GCC unroll 4
		for (int p = 0; p < 8; p += 2) {
			t[p] = _mm512_unpacklo_epi64(r[p], r[p + 1]);
			t[p + 1] = _mm512_unpackhi_epi64(r[p], r[p + 1]);
		}
#pragma GCC unroll 2
		for (int c = 0; c < 2; c++) {
			__m512i e0 = _mm512_shuffle_i64x2(t[c], t[2 + c], 0x44);
			__m512i e1 = _mm512_shuffle_i64x2(t[c], t[2 + c], 0xee);
			__m512i e2 = _mm512_shuffle_i64x2(t[4 + c], t[6 + c], 0x44);
			__m512i e3 = _mm512_shuffle_i64x2(t[4 + c], t[6 + c], 0xee);
			__m512i *o = w + 8 * h;

			o[c] = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(e0, e2, 0x88), bswap);
			o[2 + c] = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(e0, e2, 0xdd), bswap);
			o[4 + c] = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(e1, e3, 0x88), bswap);
			o[6 + c] = _mm512_shuffle_epi8(_mm512_shuffle_i64x2(e1, e3, 0xdd), bswap);
		}
	}
}

/* Message schedule: m[j] becomes W[t] from W[t-16] (m[j]), W[t-15], W[t-7] and W[t-2]. */
static inline __attribute__((always_inline)) void
sha512_schedule(__m512i *m, const int j)
{
	__m512i w15 = m[(j + 1) & 15];
	__m512i w2 = m[(j + 14) & 15];
	__m512i s0 = _mm512_ternarylogic_epi64(ror(w15, 1), ror(w15, 8), _mm512_srli_epi64(w15, 7),
			0x96);
	__m512i s1 = _mm512_ternarylogic_epi64(ror(w2, 19), ror(w2, 61), _mm512_srli_epi64(w2, 6),
			0x96);

	m[j] = _mm512_add_epi64(_mm512_add_epi64(m[j], s0), _mm512_add_epi64(m[(j + 9) & 15], s1));
}

/*
 * Round j (mod 16) works on x[(r - j) & 7] for a..h (r = 0..7), so no register moves are
 * needed: the new e goes to the old d slot, the new a to the old h slot.
 */
static inline __attribute__((always_inline)) void
sha512_round(__m512i *x, const __m512i wk, const int j)
{
	__m512i a = x[(0 - j) & 7], b = x[(1 - j) & 7], c = x[(2 - j) & 7];
	__m512i e = x[(4 - j) & 7], f = x[(5 - j) & 7], g = x[(6 - j) & 7];
	__m512i big_s1 = _mm512_ternarylogic_epi64(ror(e, 14), ror(e, 18), ror(e, 41), 0x96);
	__m512i big_s0 = _mm512_ternarylogic_epi64(ror(a, 28), ror(a, 34), ror(a, 39), 0x96);
	__m512i t1 = _mm512_add_epi64(_mm512_add_epi64(x[(7 - j) & 7], wk),
			_mm512_add_epi64(_mm512_ternarylogic_epi64(e, f, g, 0xca), big_s1));
	__m512i t2 = _mm512_add_epi64(big_s0, _mm512_ternarylogic_epi64(a, b, c, 0xe8));

	x[(3 - j) & 7] = _mm512_add_epi64(x[(3 - j) & 7], t1);
	x[(7 - j) & 7] = _mm512_add_epi64(t1, t2);
}

static inline __attribute__((always_inline)) void
sha512_mb_avx512(uint64_t *st, const uint8_t *const *ptr, unsigned int nblk,
		const unsigned int groups)
{
	const unsigned int lanes = 8 * groups;

	for (size_t blk = 0; blk < nblk; blk++) {
		__m512i v[SHA512_GROUPS_MAX][8];
		__m512i w[SHA512_GROUPS_MAX][16];

#pragma GCC unroll 2
		for (unsigned int g = 0; g < groups; g++) {
			sha512_load8(w[g], ptr + 8 * g, blk * 128);
#pragma GCC unroll 8
			for (int r = 0; r < 8; r++)
				v[g][r] = _mm512_loadu_si512(st + r * lanes + 8 * g);
		}
		for (int t0 = 0; t0 < 80; t0 += 16) {
#pragma GCC unroll 16
			for (int j = 0; j < 16; j++) {
				const __m512i k = _mm512_set1_epi64((long long)sha512_k[t0 + j]);

#pragma GCC unroll 2
				for (unsigned int g = 0; g < groups; g++) {
					if (t0 > 0)
						sha512_schedule(w[g], j);
					sha512_round(v[g], _mm512_add_epi64(w[g][j], k), j);
				}
			}
		}
#pragma GCC unroll 2
		for (unsigned int g = 0; g < groups; g++) {
#pragma GCC unroll 8
			for (int r = 0; r < 8; r++) {
				uint64_t *p = st + r * lanes + 8 * g;

				v[g][r] = _mm512_add_epi64(v[g][r], _mm512_loadu_si512(p));
				_mm512_storeu_si512(p, v[g][r]);
			}
		}
	}
}

void
sha512_x8_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	sha512_mb_avx512(state, ptr, nblk, 1);
}

void
sha512_x16_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	sha512_mb_avx512(state, ptr, nblk, 2);
}
