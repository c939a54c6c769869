/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Known answer from RFC 2069 §2.4 (MD5 without qop, as stock Kamailio configs challenge). */

#include "digest_test.h"

KERNEL_TEST(rfc2069, section_2_4)
{
	/* RFC 2069 §2.4: username "Mufasa", password "CircleOfLife" (no spaces in RFC 2069). */
	static const char user[] = "Mufasa", realm[] = "testrealm@host.com";
	static const char pass[] = "CircleOfLife";
	static const struct t_cred c = {
		.algo = USH_ALGO_MD5,
		.qop = USH_QOP_NONE,
		.method = "GET",
		.uri = "/dir/index.html",
		.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		.response = "1949323746fe6a43ef61f9606e7febea",
	};
	struct ush_digest_lane ln;
	uint8_t ha1[16];

	cr_assert_eq(ush_digest_ha1(USH_HASH_MD5, user, strlen(user), realm, strlen(realm), pass,
				     strlen(pass), ha1),
			0);
	t_lane(&ln, &c, ha1);
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_OK);
	/* Without qop, nc and cnonce are not part of the hash: stray values change nothing. */
	ln.nc = "00000001";
	ln.nc_len = 8;
	ln.cnonce = "0a4f113b";
	ln.cnonce_len = 8;
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_OK);
	ln.qop = USH_QOP_AUTH;
	cr_assert_eq(ush_digest_verify_one(ctx, &ln), USH_DIGEST_MISMATCH);
}
