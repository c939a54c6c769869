/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* AVX2 engine primitives (hex encode, hex check), shared by the AVX2 and AVX-512 builds. */

#ifndef ENGINE_AVX2_PRIM_H
#define ENGINE_AVX2_PRIM_H

#include <immintrin.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "ush_digest.h"

static inline void
eng_zeroupper(void)
{
	_mm256_zeroupper();
}

/* 16 bytes -> 32 lower-case hex digits: widen to 16-bit, nibbles to bytes, pshufb lookup. */
static inline void
eng_hex(uint8_t *dst, const uint8_t *src, unsigned int len)
{
	const __m256i digits = _mm256_broadcastsi128_si256(
			_mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
					'c', 'd', 'e', 'f'));
	const __m256i low = _mm256_set1_epi16(0x0f);

	for (unsigned int i = 0; i < len; i += 16) {
		__m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128((const void *)(src + i)));
		__m256i idx = _mm256_or_si256(_mm256_srli_epi16(w, 4),
				_mm256_slli_epi16(_mm256_and_si256(w, low), 8));

		_mm256_storeu_si256((void *)(dst + 2 * i), _mm256_shuffle_epi8(digits, idx));
	}
}

/*
 * Compare the client's 2 * len hex digits (any case) with our digest: lower-case both, and
 * fold the byte-equality masks of all chunks before looking at them (no early exit).
 */
static inline enum ush_digest_verdict
eng_check(const char *hex, const uint8_t *digest, unsigned int len)
{
	alignas(32) uint8_t want[2 * USH_DIGEST_MAX_LEN];
	const __m256i case_bit = _mm256_set1_epi8(0x20);
	uint32_t bad = 0, diff = 0;

	eng_hex(want, digest, len);
	for (unsigned int i = 0; i < 2 * len; i += 32) {
		__m256i x = _mm256_loadu_si256((const void *)(hex + i));
		__m256i lower = _mm256_or_si256(x, case_bit);
		__m256i dig = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
		__m256i alp = _mm256_sub_epi8(lower, _mm256_set1_epi8('a'));
		__m256i is_dig = _mm256_cmpeq_epi8(_mm256_min_epu8(dig, _mm256_set1_epi8(9)), dig);
		__m256i is_alp = _mm256_cmpeq_epi8(_mm256_min_epu8(alp, _mm256_set1_epi8(5)), alp);
		__m256i eq = _mm256_cmpeq_epi8(lower, _mm256_load_si256((const void *)(want + i)));

		bad |= ~(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(is_dig, is_alp));
		diff |= ~(uint32_t)_mm256_movemask_epi8(eq);
	}
	if (bad != 0)
		return USH_DIGEST_BAD_RESPONSE;
	return diff == 0 ? USH_DIGEST_OK : USH_DIGEST_MISMATCH;
}

#endif /* ENGINE_AVX2_PRIM_H */
