/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Verify engine built for AVX2: 16-lane MD5 (2 x 8), scalar SHA-512/256, AVX2 string building. */

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "digest_priv.h"
#include "engine_avx2_prim.h"
#include "usher_copy.h"

/*
 * Overlapping head/tail copies: no loop for the common field sizes, no byte past len touched
 * on either side, no "rep movs" (a variable-length memcpy here became rep movsq: 4x slower).
 */
static inline uint8_t *
eng_put(uint8_t *dst, const void *src, size_t len)
{
	const uint8_t *s = src;

	if (len >= 32) {
		size_t i;

		for (i = 0; i + 32 <= len; i += 32)
			_mm256_storeu_si256((void *)(dst + i),
					_mm256_loadu_si256((const void *)(s + i)));
		if (i < len)
			_mm256_storeu_si256((void *)(dst + len - 32),
					_mm256_loadu_si256((const void *)(s + len - 32)));
	} else if (len >= 16) {
		_mm_storeu_si128((void *)dst, _mm_loadu_si128((const void *)s));
		_mm_storeu_si128((void *)(dst + len - 16),
				_mm_loadu_si128((const void *)(s + len - 16)));
	} else {
		ush_copy_lt16(dst, s, len);
	}
	return dst + len;
}

static inline void
eng_zero(uint8_t *dst, size_t len)
{
	/* Written out: gcc turns a loop of zero stores back into "rep stosq". */
	const __m256i z = _mm256_setzero_si256();

	_mm256_storeu_si256((void *)dst, z);
	_mm256_storeu_si256((void *)(dst + 32), z);
	_mm256_storeu_si256((void *)(dst + 64), z);
	_mm256_storeu_si256((void *)(dst + 96), z);
	if (len > 128) {
		_mm256_storeu_si256((void *)(dst + 128), z);
		_mm256_storeu_si256((void *)(dst + 160), z);
		_mm256_storeu_si256((void *)(dst + 192), z);
		_mm256_storeu_si256((void *)(dst + 224), z);
	}
}

static const struct mb_kernels md5_kernels = {
	.k = {{.fn = md5_x8_avx2, .lanes = 8}, {.fn = md5_x16_avx2, .lanes = 16}},
	.count = 2,
};

static void
eng_md5_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	mb_run(&md5_kernels, USH_HASH_MD5, ctx->mb_state, jobs, n);
}

static void
eng_sha512_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	(void)ctx;
	mb_run_scalar(USH_HASH_SHA512_256, jobs, n);
}

#define ENGINE_OPS digest_ops_avx2
#include "digest_engine_impl.h"
