/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Multi-buffer MD5 on AVX2: 8 messages per group, one or two groups interleaved. */

#include <immintrin.h>
#include <stdint.h>

#include "digest_priv.h"
#include "md5_steps.h"

/* Two groups of 8 hide the step latency (~5 cycles without ternlog/prold). */
#define MD5_GROUPS_MAX 2

#define F_V(b, c, d) _mm256_xor_si256(d, _mm256_and_si256(b, _mm256_xor_si256(c, d)))
#define G_V(b, c, d) _mm256_xor_si256(c, _mm256_and_si256(d, _mm256_xor_si256(b, c)))
#define H_V(b, c, d) _mm256_xor_si256(_mm256_xor_si256(b, c), d)
#define I_V(b, c, d) _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, ones)))

/* Transpose 8 x 8 dwords: r[i] holds 8 words of lane i, w[j] gets word j of every lane. */
static inline __attribute__((always_inline)) void
md5_transpose8(__m256i w[8], __m256i r[8])
{
	__m256i t[8];

#pragma GCC unroll 4
	for (int i = 0; i < 8; i += 2) {
		t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
	}
	/* r[4m + c], 128-bit chunk q: rows 4m..4m+3 of column 4q + c */
#pragma GCC unroll 2
	for (int m = 0; m < 8; m += 4) {
		r[m + 0] = _mm256_unpacklo_epi64(t[m], t[m + 2]);
		r[m + 1] = _mm256_unpackhi_epi64(t[m], t[m + 2]);
		r[m + 2] = _mm256_unpacklo_epi64(t[m + 1], t[m + 3]);
		r[m + 3] = _mm256_unpackhi_epi64(t[m + 1], t[m + 3]);
	}
#pragma GCC unroll 4
	for (int c = 0; c < 4; c++) {
		w[c] = _mm256_permute2x128_si256(r[c], r[4 + c], 0x20);
		w[4 + c] = _mm256_permute2x128_si256(r[c], r[4 + c], 0x31);
	}
}

static inline __attribute__((always_inline)) void
md5_load8(__m256i w[16], const uint8_t *const *ptr, size_t off)
{
	__m256i r[8];

#pragma GCC unroll 2
	for (int h = 0; h < 2; h++) {
#pragma GCC unroll 8
		for (int i = 0; i < 8; i++)
			r[i] = _mm256_loadu_si256((const void *)(ptr[i] + off + 32 * h));
		md5_transpose8(w + 8 * h, r);
	}
}

#define STEP256(fn, a, b, c, d, k, s, t)                                                           \
	_Pragma("GCC unroll 2") for (unsigned int g_ = 0; g_ < groups; g_++)                       \
	{                                                                                          \
		a[g_] = _mm256_add_epi32(a[g_],                                                    \
				_mm256_add_epi32(w[g_][k], _mm256_set1_epi32((int)(t))));          \
		a[g_] = _mm256_add_epi32(a[g_], fn##_V(b[g_], c[g_], d[g_]));                      \
		a[g_] = _mm256_or_si256(_mm256_slli_epi32(a[g_], s),                               \
				_mm256_srli_epi32(a[g_], 32 - (s)));                               \
		a[g_] = _mm256_add_epi32(a[g_], b[g_]);                                            \
	}

static inline __attribute__((always_inline)) void
md5_avx2(uint32_t *st, const uint8_t *const *ptr, unsigned int nblk, const unsigned int groups)
{
	const unsigned int lanes = 8 * groups;
	const __m256i ones = _mm256_set1_epi32(-1);
	__m256i a[MD5_GROUPS_MAX], b[MD5_GROUPS_MAX], c[MD5_GROUPS_MAX], d[MD5_GROUPS_MAX];
	__m256i w[MD5_GROUPS_MAX][16];

#pragma GCC unroll 2
	for (unsigned int g = 0; g < groups; g++) {
		a[g] = _mm256_loadu_si256((const void *)(st + 0 * lanes + 8 * g));
		b[g] = _mm256_loadu_si256((const void *)(st + 1 * lanes + 8 * g));
		c[g] = _mm256_loadu_si256((const void *)(st + 2 * lanes + 8 * g));
		d[g] = _mm256_loadu_si256((const void *)(st + 3 * lanes + 8 * g));
	}
	for (size_t blk = 0; blk < nblk; blk++) {
		__m256i sa[MD5_GROUPS_MAX], sb[MD5_GROUPS_MAX], sc[MD5_GROUPS_MAX];
		__m256i sd[MD5_GROUPS_MAX];

#pragma GCC unroll 2
		for (unsigned int g = 0; g < groups; g++) {
			md5_load8(w[g], ptr + 8 * g, blk * 64);
			sa[g] = a[g];
			sb[g] = b[g];
			sc[g] = c[g];
			sd[g] = d[g];
		}
		MD5_STEPS(STEP256)
#pragma GCC unroll 2
		for (unsigned int g = 0; g < groups; g++) {
			a[g] = _mm256_add_epi32(a[g], sa[g]);
			b[g] = _mm256_add_epi32(b[g], sb[g]);
			c[g] = _mm256_add_epi32(c[g], sc[g]);
			d[g] = _mm256_add_epi32(d[g], sd[g]);
		}
	}
#pragma GCC unroll 2
	for (unsigned int g = 0; g < groups; g++) {
		_mm256_storeu_si256((void *)(st + 0 * lanes + 8 * g), a[g]);
		_mm256_storeu_si256((void *)(st + 1 * lanes + 8 * g), b[g]);
		_mm256_storeu_si256((void *)(st + 2 * lanes + 8 * g), c[g]);
		_mm256_storeu_si256((void *)(st + 3 * lanes + 8 * g), d[g]);
	}
}

void
md5_x8_avx2(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx2(state, ptr, nblk, 1);
}

void
md5_x16_avx2(void *state, const uint8_t *const *ptr, unsigned int nblk)
{
	md5_avx2(state, ptr, nblk, 2);
}
