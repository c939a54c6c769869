/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Verify engine built for AVX-512: MD5 16-64 lanes, SHA-512/256 8-16 lanes, masked copies. */

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "digest_priv.h"
#include "engine_avx2_prim.h"

/* One masked load/store pair per 64 bytes: never touches bytes past len, never "rep movs". */
static inline uint8_t *
eng_put(uint8_t *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	size_t i = 0;
	__mmask64 m;

	for (; i + 64 <= len; i += 64)
		_mm512_storeu_si512(dst + i, _mm512_loadu_si512(s + i));
	m = _bzhi_u64(~0ULL, (unsigned int)(len - i));
	_mm512_mask_storeu_epi8(dst + i, m, _mm512_maskz_loadu_epi8(m, s + i));
	return dst + len;
}

static inline void
eng_zero(uint8_t *dst, size_t len)
{
	/* Written out: gcc turns a loop of zero stores back into "rep stosq". */
	const __m512i z = _mm512_setzero_si512();

	_mm512_storeu_si512(dst, z);
	_mm512_storeu_si512(dst + 64, z);
	if (len > 128) {
		_mm512_storeu_si512(dst + 128, z);
		_mm512_storeu_si512(dst + 192, z);
	}
}

static const struct mb_kernels md5_kernels = {
	.k = {{.fn = md5_x16_avx512, .lanes = 16}, {.fn = md5_x32_avx512, .lanes = 32},
	      {.fn = md5_x48_avx512, .lanes = 48}, {.fn = md5_x64_avx512, .lanes = 64}},
	.count = 4,
};

static void
eng_md5_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	mb_run(&md5_kernels, USH_HASH_MD5, ctx->mb_state, jobs, n);
}

static const struct mb_kernels sha512_kernels = {
	.k = {{.fn = sha512_x8_avx512, .lanes = 8}, {.fn = sha512_x16_avx512, .lanes = 16}},
	.count = 2,
};

static void
eng_sha512_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	mb_run(&sha512_kernels, USH_HASH_SHA512_256, ctx->mb_state, jobs, n);
}

#define ENGINE_OPS digest_ops_avx512
#include "digest_engine_impl.h"
