/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* HMAC-SHA-256 bursts, SHA-NI kernel and ipsec-mb path, against OpenSSL's HMAC(). */

#include <errno.h>
#include <stdlib.h>

#include <openssl/hmac.h>

#include "digest_test.h"

#define MAX_N  64
#define CANARY 0xa5

static uint8_t pool[4096];

/* Short (under a block), exactly a block, and hashed-first (> 64 bytes) keys. */
static const size_t key_lens[] = {1, 16, 32, 63, 64, 65, 100, 137};

static void
check_tags(const uint8_t *key, size_t key_len, const struct ush_digest_msg *m, uint8_t (*out)[48],
	   unsigned int n, unsigned int tag)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t want[32];
		unsigned int wl = 0;

		cr_assert_not_null(
			HMAC(EVP_sha256(), key, (int)key_len, m[i].data, m[i].len, want, &wl));
		cr_assert_arr_eq(out[i], want, tag, "key %zu n %u lane %u len %u tag %u", key_len,
				 n, i, m[i].len, tag);
		/* a 16-byte tag writes 16 bytes, never the whole digest */
		for (unsigned int b = tag; b < 48; b++)
			cr_assert_eq(out[i][b], CANARY, "lane %u wrote byte %u of a %u-byte tag", i,
				     b, tag);
	}
}

/*
 * Every batch size 1..MAX_N (odd ones leave an interleave tail), both tag lengths, random
 * keys, random short messages at random alignments; then one batch of every length 1..55.
 * max_len > 55 mixes in messages the SHA-NI kernel leaves to ipsec-mb.
 */
static void
hmac_body(struct ush_digest_ctx *ctx, uint32_t max_len, uint64_t seed)
{
	struct ush_digest_msg m[MAX_N];
	uint8_t out[MAX_N][48];

	test_rng_seed(seed);
	for (size_t i = 0; i < sizeof(pool); i++)
		pool[i] = (uint8_t)rnd();
	for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		struct ush_digest_hmac_key hk;
		const uint8_t *key = pool + 3072 + rnd_below(512);

		cr_assert_eq(ush_digest_hmac_key_init(ctx, key, key_lens[k], &hk), 0);
		for (unsigned int n = 1; n <= MAX_N; n++) {
			unsigned int tag = (n + (unsigned int)k) % 2 ? 16 : 32;

			for (unsigned int i = 0; i < n; i++) {
				m[i].data = pool + rnd_below(2048);
				m[i].len = 1 + rnd_below(max_len);
				m[i].out = out[i];
			}
			memset(out, CANARY, sizeof(out));
			cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, n, tag), (int)n);
			check_tags(key, key_lens[k], m, out, n, tag);
		}
		for (unsigned int tag = 16; tag <= 32; tag += 16) {
			for (unsigned int i = 0; i < 55; i++) {
				m[i].data = pool + rnd_below(2048);
				m[i].len = i + 1;
				m[i].out = out[i];
			}
			memset(out, CANARY, sizeof(out));
			cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, 55, tag), 55);
			check_tags(key, key_lens[k], m, out, 55, tag);
		}
	}
}

static struct ush_digest_ctx *
make_ctx(enum ush_digest_kernel kernel, enum ush_digest_imb imb)
{
	struct ush_digest_conf conf = {.kernel = kernel, .imb = imb};
	struct ush_digest_ctx *ctx;

	if (!ush_digest_kernel_supported(kernel))
		cr_skip_test("no %s here", ush_digest_kernel_name(kernel));
	ctx = ush_digest_ctx_create(&conf);
	cr_assert_not_null(ctx);
	return ctx;
}

/*
 * hmac_body() on a context made for kernel and imb: through the SHA-NI kernel (ni; skipped
 * on a CPU without SHA-NI) or through ipsec-mb only (!ni).
 */
static void
on_route(enum ush_digest_kernel kernel, enum ush_digest_imb imb, bool ni, size_t max_len,
	 unsigned seed)
{
	struct ush_digest_ctx *ctx = make_ctx(kernel, imb);

	if (ni && !ush_digest_ctx_hmac_ni(ctx)) {
		ush_digest_ctx_free(ctx);
		cr_skip_test("no SHA-NI here");
	}
	cr_assert_eq(ush_digest_ctx_hmac_ni(ctx), ni);
	hmac_body(ctx, max_len, seed);
	ush_digest_ctx_free(ctx);
}

/* The SHA-NI kernel: the default route wherever the CPU has it. */
Test(hmac, sha_ni)
{
	on_route(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_DEFAULT, true, 55, 0x5a1);
}

/* Short and long messages in one burst: the kernel takes some, ipsec-mb the rest. */
Test(hmac, sha_ni_mixed_lengths)
{
	on_route(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_DEFAULT, true, 130, 0x5a2);
}

/* The same inputs through ipsec-mb only: a forced scalar kernel keeps that path. */
Test(hmac, ipsec_mb_scalar)
{
	struct ush_digest_ctx *ctx = make_ctx(USH_DIGEST_KERNEL_SCALAR, USH_DIGEST_IMB_DEFAULT);

	cr_assert_eq(ush_digest_ctx_imb(ctx), USH_DIGEST_IMB_SSE);
	ush_digest_ctx_free(ctx);
	on_route(USH_DIGEST_KERNEL_SCALAR, USH_DIGEST_IMB_DEFAULT, false, 55, 0x5a1);
}

/* ... and so does a forced manager without SHA-NI. */
Test(hmac, ipsec_mb_avx512)
{
	on_route(USH_DIGEST_KERNEL_AVX512, USH_DIGEST_IMB_AVX512, false, 55, 0x5a1);
}

Test(hmac, ipsec_mb_avx2)
{
	on_route(USH_DIGEST_KERNEL_AVX2, USH_DIGEST_IMB_AVX2, false, 55, 0x5a3);
}

/* Which contexts take the kernel (each Criterion test runs in its own process: setenv is ok). */
Test(hmac, route)
{
	struct ush_digest_ctx *ctx = make_ctx(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_DEFAULT);
	bool ni = ush_digest_ctx_hmac_ni(ctx);

	ush_digest_ctx_free(ctx);
	if (!ni)
		cr_skip_test("no SHA-NI here");
	/* the auth worker's nonce ctx asks for the SSE manager: it keeps the kernel */
	ctx = make_ctx(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_SSE);
	cr_assert(ush_digest_ctx_hmac_ni(ctx));
	ush_digest_ctx_free(ctx);
	setenv("USH_DIGEST_KERNEL", "scalar", 1);
	ctx = make_ctx(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_SSE);
	cr_assert(!ush_digest_ctx_hmac_ni(ctx));
	ush_digest_ctx_free(ctx);
	unsetenv("USH_DIGEST_KERNEL");
	setenv("USH_DIGEST_IMB", "avx2", 1);
	ctx = make_ctx(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_DEFAULT);
	cr_assert(!ush_digest_ctx_hmac_ni(ctx));
	ush_digest_ctx_free(ctx);
	unsetenv("USH_DIGEST_IMB");
}

/* Refusals are the same on both paths, and write nothing. */
Test(hmac, refusals)
{
	struct ush_digest_ctx *ctx = make_ctx(USH_DIGEST_KERNEL_AUTO, USH_DIGEST_IMB_DEFAULT);
	struct ush_digest_hmac_key hk;
	uint8_t out[2][48];
	struct ush_digest_msg m[2] = {{pool, 12, out[0]}, {pool, 0, out[1]}};

	cr_assert_eq(ush_digest_hmac_key_init(ctx, "k", 1, &hk), 0);
	memset(out, CANARY, sizeof(out));
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, 2, 16), -EINVAL);
	cr_assert_eq(out[0][0], CANARY);
	m[1].len = 12;
	m[1].data = NULL;
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, 2, 16), -EINVAL);
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, 1, 20), -EINVAL);
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, NULL, m, 1, 16), -EINVAL);
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, NULL, 0, 16), 0);
	cr_assert_eq(out[0][0], CANARY);
	ush_digest_ctx_free(ctx);
}
