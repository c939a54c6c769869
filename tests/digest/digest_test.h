/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Shared helpers of the digest engine tests: lanes from strings, OpenSSL references, kernels. */

#ifndef DIGEST_TEST_H
#define DIGEST_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "ush_digest.h"

/* xorshift64*: reproducible random inputs; each test seeds it (test_rng_seed). */
static inline uint64_t *
test_rng(void)
{
	static uint64_t state = 1;

	return &state;
}

static inline void
test_rng_seed(uint64_t seed)
{
	*test_rng() = seed;
}

static inline uint64_t
rnd(void)
{
	uint64_t *s = test_rng();

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/*
 * One Criterion test per kernel: KERNEL_TEST(suite, name) { body using `ctx` }. A kernel the
 * CPU lacks is skipped, not passed silently.
 */
#define KERNEL_TEST_ONE(suite, name, kern, tag)                                                    \
	Test(suite, name##_##tag)                                                                  \
	{                                                                                          \
		struct ush_digest_conf conf_ = {.kernel = kern};                                   \
		struct ush_digest_ctx *ctx_;                                                       \
		if (!ush_digest_kernel_supported(kern))                                            \
			cr_skip_test("no %s here", ush_digest_kernel_name(kern));                  \
		ctx_ = ush_digest_ctx_create(&conf_);                                              \
		cr_assert_not_null(ctx_, "ctx_create(%s)", ush_digest_kernel_name(kern));          \
		cr_assert_eq(ush_digest_ctx_kernel(ctx_), kern);                                   \
		name##_body(ctx_);                                                                 \
		ush_digest_ctx_free(ctx_);                                                         \
	}

#define KERNEL_TEST(suite, name)                                                                   \
	static void name##_body(struct ush_digest_ctx *ctx);                                       \
	KERNEL_TEST_ONE(suite, name, USH_DIGEST_KERNEL_SCALAR, scalar)                             \
	KERNEL_TEST_ONE(suite, name, USH_DIGEST_KERNEL_AVX2, avx2)                                 \
	KERNEL_TEST_ONE(suite, name, USH_DIGEST_KERNEL_AVX512, avx512)                             \
	static void name##_body(struct ush_digest_ctx *ctx)

/* Credential set as C strings; response may be NULL (compute only). */
struct t_cred {
	enum ush_algo algo;
	enum ush_qop qop;
	const char *method;
	const char *uri;
	const char *nonce;
	const char *nc;
	const char *cnonce;
	const char *response;
	const uint8_t *body;
	size_t body_len;
};

static inline void
t_lane(struct ush_digest_lane *ln, const struct t_cred *c, const uint8_t *ha1)
{
	memset(ln, 0, sizeof(*ln));
	ln->ha1 = ha1;
	ln->algo = (uint8_t)c->algo;
	ln->qop = (uint8_t)c->qop;
	ln->method = c->method;
	ln->method_len = (uint16_t)strlen(c->method);
	ln->uri = c->uri;
	ln->uri_len = (uint16_t)strlen(c->uri);
	ln->nonce = c->nonce;
	ln->nonce_len = (uint16_t)strlen(c->nonce);
	ln->nc = c->nc;
	ln->nc_len = c->nc != NULL ? (uint16_t)strlen(c->nc) : 0;
	ln->cnonce = c->cnonce;
	ln->cnonce_len = c->cnonce != NULL ? (uint16_t)strlen(c->cnonce) : 0;
	ln->response = c->response;
	ln->response_len = c->response != NULL ? (uint16_t)strlen(c->response) : 0;
	ln->body = c->body;
	ln->body_len = (uint32_t)c->body_len;
}

static inline const EVP_MD *
t_md(enum ush_hash h)
{
	if (h == USH_HASH_MD5)
		return EVP_md5();
	return h == USH_HASH_SHA256 ? EVP_sha256() : EVP_sha512_256();
}

/* OpenSSL one-shot: the reference every test compares with. */
static inline void
t_ossl(enum ush_hash h, const void *data, size_t len, uint8_t *out)
{
	unsigned int olen = 0;

	cr_assert(EVP_Digest(data, len, out, &olen, t_md(h), NULL) == 1);
	cr_assert_eq(olen, ush_hash_len(h));
}

static inline void
t_hex(const uint8_t *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

#endif /* DIGEST_TEST_H */
