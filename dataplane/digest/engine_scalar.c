/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Verify engine built for any x86-64 (SSE2 only): one message at a time on the portable kernels. */

#include <emmintrin.h> /* SSE2: part of the x86-64 baseline */
#include <stdint.h>
#include <string.h>

#include "digest_priv.h"

static inline void
eng_zeroupper(void)
{
}

static inline uint8_t *
eng_put(uint8_t *dst, const void *src, size_t len)
{
	const uint8_t *s = src;

	if (len >= 8) {
		size_t i;
		uint64_t v;

		for (i = 0; i + 8 <= len; i += 8) {
			memcpy(&v, s + i, 8);
			memcpy(dst + i, &v, 8);
		}
		if (i < len) {
			memcpy(&v, s + len - 8, 8);
			memcpy(dst + len - 8, &v, 8);
		}
	} else {
		for (size_t i = 0; i < len; i++)
			dst[i] = s[i];
	}
	return dst + len;
}

/* Spelled out: a loop or a memset here becomes "rep stosq". */
static inline void
eng_zero128(uint8_t *dst)
{
	const __m128i z = _mm_setzero_si128();

	_mm_storeu_si128((void *)dst, z);
	_mm_storeu_si128((void *)(dst + 16), z);
	_mm_storeu_si128((void *)(dst + 32), z);
	_mm_storeu_si128((void *)(dst + 48), z);
	_mm_storeu_si128((void *)(dst + 64), z);
	_mm_storeu_si128((void *)(dst + 80), z);
	_mm_storeu_si128((void *)(dst + 96), z);
	_mm_storeu_si128((void *)(dst + 112), z);
}

static inline void
eng_zero(uint8_t *dst, size_t len)
{
	eng_zero128(dst);
	if (len > 128)
		eng_zero128(dst + 128);
}

static inline void
eng_hex(uint8_t *dst, const uint8_t *src, unsigned int len)
{
	ush_digest_hex_encode(src, len, (char *)dst);
}

static inline enum ush_digest_verdict
eng_check(const char *hex, const uint8_t *digest, unsigned int len)
{
	return ush_digest_check_hex(hex, 2 * len, digest, len);
}

static void
eng_md5_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	(void)ctx;
	mb_run_scalar(USH_HASH_MD5, jobs, n);
}

static void
eng_sha512_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	(void)ctx;
	mb_run_scalar(USH_HASH_SHA512_256, jobs, n);
}

#define ENGINE_OPS digest_ops_scalar
#include "digest_engine_impl.h"
