/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Multi-buffer MD5 on AVX-512: 16 messages per group, one or two groups interleaved. */

#include <immintrin.h>
#include <stdint.h>

#include "digest_priv.h"
#include "md5_steps.h"

/*
 * One group of 16 lanes is latency-bound (ternlog -> add -> rol -> add, ~4 cycles a step), so
 * independent groups are interleaved. Measured on Zen 5 (4 vector pipes), kernel only:
 * 1 group 100 M blocks/s, 2 groups 196 M, 3 groups 254 M, 4 groups 286 M. The scheduler picks
 * the narrowest kernel that holds the jobs it has, so a small burst does not hash idle lanes.
 */
#define MD5_GROUPS_MAX 4

/* ternlog truth tables of the round functions with (A, B, C) = (b, c, d). */
#define F_IMM 0xca /* b ? c : d */
#define G_IMM 0xe4 /* d ? b : c */
#define H_IMM 0x96 /* b ^ c ^ d */
#define I_IMM 0x39 /* c ^ (b | ~d) */

/*
 * Load one 64-byte block from each of 16 lanes and transpose the 16 x 16 dwords so that w[j]
 * holds message word j of every lane: unpack 32-bit, unpack 64-bit (4 x 4 transposes inside
 * each 128-bit chunk), then two rounds of 128-bit chunk shuffles.
 */
static inline __attribute__((always_inline)) void
md5_load16(__m512i w[16], const uint8_t *const *ptr, size_t off)
{
	__m512i r[16], t[16];

#pragma GCC unroll 16
	for (int i = 0; i < 16; i++)
		r[i] = _mm512_loadu_si512((const void *)(ptr[i] + off));
#pragma GCC unroll 8
	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
	}
	/* r[4m + c], chunk q: rows 4m..4m+3 of column 4q + c */
#pragma GCC unroll 4
	for (int m = 0; m < 16; m += 4) {
		r[m + 0] = _mm512_unpacklo_epi64(t[m], t[m + 2]);
		r[m + 1] = _mm512_unpackhi_epi64(t[m], t[m + 2]);
		r[m + 2] = _mm512_unpacklo_epi64(t[m + 1], t[m + 3]);
		r[m + 3] = _mm512_unpackhi_epi64(t[m + 1], t[m + 3]);
	}
#pragma GCC unroll 4
	for (int c = 0; c < 4; c++) {
		__m512i e0 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x44);
		__m512i e1 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xee);
		__m512i e2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x44);
		__m512i e3 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xee);

		w[c] = _mm512_shuffle_i32x4(e0, e2, 0x88);
		w[4 + c] = _mm512_shuffle_i32x4(e0, e2, 0xdd);
		w[8 + c] = _mm512_shuffle_i32x4(e1, e3, 0x88);
		w[12 + c] = _mm512_shuffle_i32x4(e1, e3, 0xdd);
	}
}

#define STEP512(fn, a, b, c, d, k, s, t)                                                           \
	_Pragma("GCC unroll 4") for (unsigned int g_ = 0; g_ < groups; g_++)                       \
	{                                                                                          \
		a[g_] = _mm512_add_epi32(a[g_],                                                    \
				_mm512_add_epi32(w[g_][k], _mm512_set1_epi32((int)(t))));          \
		a[g_] = _mm512_add_epi32(a[g_],                                                    \
				_mm512_ternarylogic_epi32(b[g_], c[g_], d[g_], fn##_IMM));         \
		a[g_] = _mm512_add_epi32(_mm512_rol_epi32(a[g_], s), b[g_]);                       \
	}

static inline __attribute__((always_inline)) void
md5_avx512(uint32_t *st, const uint8_t *const *ptr, unsigned int nblk, const unsigned int groups)
{
	const unsigned int lanes = 16 * groups;
	__m512i a[MD5_GROUPS_MAX], b[MD5_GROUPS_MAX], c[MD5_GROUPS_MAX], d[MD5_GROUPS_MAX];
	__m512i w[MD5_GROUPS_MAX][16];

#pragma GCC unroll 4
	for (unsigned int g = 0; g < groups; g++) {
		a[g] = _mm512_loadu_si512(st + 0 * lanes + 16 * g);
		b[g] = _mm512_loadu_si512(st + 1 * lanes + 16 * g);
		c[g] = _mm512_loadu_si512(st + 2 * lanes + 16 * g);
		d[g] = _mm512_loadu_si512(st + 3 * lanes + 16 * g);
	}
	for (size_t blk = 0; blk < nblk; blk++) {
		__m512i sa[MD5_GROUPS_MAX], sb[MD5_GROUPS_MAX], sc[MD5_GROUPS_MAX];
		__m512i sd[MD5_GROUPS_MAX];

#pragma GCC unroll 4
		for (unsigned int g = 0; g < groups; g++) {
			md5_load16(w[g], ptr + 16 * g, blk * 64);
			sa[g] = a[g];
			sb[g] = b[g];
			sc[g] = c[g];
			sd[g] = d[g];
		}
		MD5_STEPS(STEP512)
#pragma GCC unroll 4
		for (unsigned int g = 0; g < groups; g++) {
			a[g] = _mm512_add_epi32(a[g], sa[g]);
			b[g] = _mm512_add_epi32(b[g], sb[g]);
			c[g] = _mm512_add_epi32(c[g], sc[g]);
			d[g] = _mm512_add_epi32(d[g], sd[g]);
		}
	}
#pragma GCC unroll 4
	for (unsigned int g = 0; g < groups; g++) {
		_mm512_storeu_si512(st + 0 * lanes + 16 * g, a[g]);
		_mm512_storeu_si512(st + 1 * lanes + 16 * g, b[g]);
		_mm512_storeu_si512(st + 2 * lanes + 16 * g, c[g]);
		_mm512_storeu_si512(st + 3 * lanes + 16 * g, d[g]);
	}
}

void
md5_x16_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx512(state, ptr, nblk, 1);
}

void
md5_x32_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx512(state, ptr, nblk, 2);
}

void
md5_x48_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx512(state, ptr, nblk, 3);
}

void
md5_x64_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx512(state, ptr, nblk, 4);
}
