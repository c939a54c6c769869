/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Known answers from RFC 7616 §3.9.1 (MD5, SHA-256) and §3.9.2 (SHA-512-256), with errata. */

#include "digest_test.h"

/*
 * §3.9.1. Erratum 4495 (verified): the password is "Circle of Life" with a lower-case "of",
 * unlike RFC 2617's "Circle Of Life"; the published responses use the lower-case one.
 */
static const char user1[] = "Mufasa", realm1[] = "http-auth@example.org";
static const char pass1[] = "Circle of Life";

static const struct t_cred ex1 = {
	.qop = USH_QOP_AUTH,
	.method = "GET",
	.uri = "/dir/index.html",
	.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
	.nc = "00000001",
	.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
};

static const char sha256_resp[] =
	"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1";
static const char sha256_resp_upper[] =
	"753927FA0E85D155564E2E272A28D1802CA10DAF4496794697CF8DB5856CB6C1";

static enum ush_digest_verdict
verify1(struct ush_digest_ctx *ctx, enum ush_algo algo, const char *pass, const char *response)
{
	enum ush_hash h = ush_algo_hash(algo);
	struct t_cred c = ex1;
	struct ush_digest_lane ln;
	uint8_t ha1[32];

	cr_assert_eq(ush_digest_ha1(h, user1, strlen(user1), realm1, strlen(realm1), pass,
				     strlen(pass), ha1),
			0);
	c.algo = algo;
	c.response = response;
	t_lane(&ln, &c, ha1);
	return ush_digest_verify_one(ctx, &ln);
}

KERNEL_TEST(rfc7616, section_3_9_1_md5)
{
	cr_assert_eq(verify1(ctx, USH_ALGO_MD5, pass1, "8ca523f5e9506fed4657c9700eebdbec"),
			USH_DIGEST_OK);
	/* Erratum 4495: the capital-O password of RFC 2617 does not give this response. */
	cr_assert_eq(verify1(ctx, USH_ALGO_MD5, "Circle Of Life",
				     "8ca523f5e9506fed4657c9700eebdbec"),
			USH_DIGEST_MISMATCH);
}

KERNEL_TEST(rfc7616, section_3_9_1_sha256)
{
	cr_assert_eq(verify1(ctx, USH_ALGO_SHA256, pass1, sha256_resp), USH_DIGEST_OK);
	cr_assert_eq(verify1(ctx, USH_ALGO_SHA256, pass1, sha256_resp_upper), USH_DIGEST_OK);
	cr_assert_eq(verify1(ctx, USH_ALGO_SHA256, "Circle Of Life", sha256_resp),
			USH_DIGEST_MISMATCH);
}

KERNEL_TEST(rfc7616, section_3_9_1_both_in_one_burst)
{
	struct ush_digest_lane ln[2];
	enum ush_digest_verdict v[2];
	uint8_t ha1[2][32];
	struct t_cred c[2] = {ex1, ex1};

	c[0].algo = USH_ALGO_SHA256;
	c[0].response = sha256_resp;
	c[1].algo = USH_ALGO_MD5;
	c[1].response = "8ca523f5e9506fed4657c9700eebdbec";
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ush_digest_ha1(ush_algo_hash(c[i].algo), user1, strlen(user1), realm1,
					     strlen(realm1), pass1, strlen(pass1), ha1[i]),
				0);
		t_lane(&ln[i], &c[i], ha1[i]);
	}
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, 2, v), 2);
	cr_assert_eq(v[0], USH_DIGEST_OK);
	cr_assert_eq(v[1], USH_DIGEST_OK);
}

/*
 * §3.9.2: SHA-512-256 with userhash. Erratum 4897: the RFC's printed values come from a
 * truncated SHA-512, not SHA-512/256; the erratum gives the standard ones, used here.
 * Username "Jäsøn Doe" in UTF-8.
 */
static const char user2[] = "J\xc3\xa4s\xc3\xb8n Doe", realm2[] = "api@example.org";
static const char pass2[] = "Secret, or not?";

static const struct t_cred ex2 = {
	.algo = USH_ALGO_SHA512_256,
	.qop = USH_QOP_AUTH,
	.method = "GET",
	.uri = "/doe.json",
	.nonce = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
	.nc = "00000001",
	.cnonce = "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
};

KERNEL_TEST(rfc7616, section_3_9_2_sha512_256_erratum_4897)
{
	struct t_cred c = ex2;
	struct ush_digest_lane ln;
	uint8_t ha1[32];

	cr_assert_eq(ush_digest_ha1(USH_HASH_SHA512_256, user2, strlen(user2), realm2,
				     strlen(realm2), pass2, strlen(pass2), ha1),
			0);
	c.response = "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5";
	t_lane(&ln, &c, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_OK);
	/* The value printed in the RFC itself is not SHA-512/256. */
	c.response = "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd";
	t_lane(&ln, &c, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_MISMATCH);
}

KERNEL_TEST(rfc7616, section_3_9_2_userhash)
{
	/* userhash = H(username:realm), erratum 4897 value; through the raw batch hash. */
	static const char uh_in[] = "J\xc3\xa4s\xc3\xb8n Doe:api@example.org";
	static const char want[] =
		"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b";
	struct ush_digest_msg m;
	uint8_t out[32];
	char hex[65];

	m.data = uh_in;
	m.len = (uint32_t)strlen(uh_in);
	m.out = out;
	cr_assert_eq(ush_sha512_256_burst(ctx, &m, 1), 1);
	t_hex(out, 32, hex);
	cr_assert_str_eq(hex, want);
}
