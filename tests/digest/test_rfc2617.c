/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Known answer from RFC 2617 §3.5 (MD5, qop=auth), on every kernel. */

#include "digest_test.h"

/* RFC 2617 §3.5: username "Mufasa", password "Circle Of Life" (capital O, as in RFC 2617). */
static const struct t_cred rfc2617 = {
	.algo = USH_ALGO_MD5,
	.qop = USH_QOP_AUTH,
	.method = "GET",
	.uri = "/dir/index.html",
	.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	.nc = "00000001",
	.cnonce = "0a4f113b",
	.response = "6629fae49393a05397450978507c4ef1",
};

static void
rfc2617_ha1(uint8_t ha1[16])
{
	static const char user[] = "Mufasa", realm[] = "testrealm@host.com";
	static const char pass[] = "Circle Of Life";

	cr_assert_eq(ush_digest_ha1(USH_HASH_MD5, user, strlen(user), realm, strlen(realm), pass,
				     strlen(pass), ha1),
			0);
}

KERNEL_TEST(rfc2617, section_3_5)
{
	struct ush_digest_lane ln;
	uint8_t ha1[16];

	rfc2617_ha1(ha1);
	t_lane(&ln, &rfc2617, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_OK);
}

KERNEL_TEST(rfc2617, section_3_5_upper_case_response)
{
	struct t_cred c = rfc2617;
	struct ush_digest_lane ln;
	uint8_t ha1[16];

	c.response = "6629FAE49393A05397450978507C4EF1";
	rfc2617_ha1(ha1);
	t_lane(&ln, &c, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_OK);
}

KERNEL_TEST(rfc2617, section_3_5_wrong_password)
{
	static const char user[] = "Mufasa", realm[] = "testrealm@host.com";
	static const char pass[] = "Circle of Life";
	struct ush_digest_lane ln;
	uint8_t ha1[16];

	cr_assert_eq(ush_digest_ha1(USH_HASH_MD5, user, strlen(user), realm, strlen(realm), pass,
				     strlen(pass), ha1),
			0);
	t_lane(&ln, &rfc2617, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_MISMATCH);
}

KERNEL_TEST(rfc2617, section_3_5_every_digit_matters)
{
	struct ush_digest_lane ln[32];
	enum ush_digest_verdict v[32];
	char resp[32][33];
	uint8_t ha1[16];

	rfc2617_ha1(ha1);
	for (int i = 0; i < 32; i++) {
		struct t_cred c = rfc2617;

		strcpy(resp[i], rfc2617.response);
		resp[i][i] = resp[i][i] == '0' ? '1' : '0';
		c.response = resp[i];
		t_lane(&ln[i], &c, ha1);
	}
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, 32, v), 0);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(v[i], USH_DIGEST_MISMATCH, "digit %d", i);
}
