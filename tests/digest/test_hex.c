/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Hex handling, constant-time compare and lane validation verdicts. */

#include <errno.h>

#include "digest_test.h"

Test(hex, decode_both_cases)
{
	static const uint8_t want[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	uint8_t out[8];

	cr_assert_eq(ush_digest_hex_decode("0123456789abcdef", 16, out, 8), 0);
	cr_assert_arr_eq(out, want, 8);
	cr_assert_eq(ush_digest_hex_decode("0123456789ABCDEF", 16, out, 8), 0);
	cr_assert_arr_eq(out, want, 8);
	cr_assert_eq(ush_digest_hex_decode("0123456789aBcDeF", 16, out, 8), 0);
	cr_assert_arr_eq(out, want, 8);
}

Test(hex, decode_wrong_length)
{
	uint8_t out[8];

	cr_assert_eq(ush_digest_hex_decode("0123456789abcde", 15, out, 8), -EINVAL);
	cr_assert_eq(ush_digest_hex_decode("0123456789abcdef0", 17, out, 8), -EINVAL);
	cr_assert_eq(ush_digest_hex_decode("", 0, out, 8), -EINVAL);
}

/* Characters next to the hex ranges, and a few classics. */
static const char not_hex[] = {'/', ':', '@', 'G', '`', 'g', ' ', '"', '\0', 'x', 'X',
			       (char)0x80, (char)0xb0, (char)0xe1, (char)0xff, 0x10, 0x41 - 0x20};

Test(hex, decode_rejects_non_hex_anywhere)
{
	uint8_t out[4];

	for (size_t c = 0; c < sizeof(not_hex); c++) {
		for (int pos = 0; pos < 8; pos++) {
			char s[8];

			memcpy(s, "a1b2c3d4", 8);
			s[pos] = not_hex[c];
			cr_assert_eq(ush_digest_hex_decode(s, 8, out, 4), -EINVAL,
					"char 0x%02x at %d", (unsigned char)not_hex[c], pos);
		}
	}
}

Test(hex, encode)
{
	static const uint8_t in[4] = {0x00, 0x9f, 0xa0, 0xff};
	char out[9] = {0};

	ush_digest_hex_encode(in, 4, out);
	cr_assert_str_eq(out, "009fa0ff");
}

Test(hex, equal)
{
	uint8_t a[32], b[32];

	for (int i = 0; i < 32; i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	cr_assert(ush_digest_equal(a, b, 32));
	cr_assert(ush_digest_equal(a, b, 0));
	for (int i = 0; i < 32; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			cr_assert_not(ush_digest_equal(a, b, 32), "byte %d bit %d", i, bit);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
}

Test(hex, check_hex)
{
	static const uint8_t d[4] = {0xde, 0xad, 0xbe, 0xef};

	cr_assert_eq(ush_digest_check_hex("deadbeef", 8, d, 4), USH_DIGEST_OK);
	cr_assert_eq(ush_digest_check_hex("DEADBEEF", 8, d, 4), USH_DIGEST_OK);
	cr_assert_eq(ush_digest_check_hex("DeAdBeEf", 8, d, 4), USH_DIGEST_OK);
	cr_assert_eq(ush_digest_check_hex("deadbeee", 8, d, 4), USH_DIGEST_MISMATCH);
	cr_assert_eq(ush_digest_check_hex("deadbee", 7, d, 4), USH_DIGEST_BAD_RESPONSE);
	cr_assert_eq(ush_digest_check_hex("deadbeefa", 9, d, 4), USH_DIGEST_BAD_RESPONSE);
	cr_assert_eq(ush_digest_check_hex("deadbeeg", 8, d, 4), USH_DIGEST_BAD_RESPONSE);
	/* A non-hex character wins over a mismatch: malformed is reported as malformed. */
	cr_assert_eq(ush_digest_check_hex("0eadbee ", 8, d, 4), USH_DIGEST_BAD_RESPONSE);
}

/* RFC 2617 §3.5 credential set, to exercise lane validation on every kernel. */
static const struct t_cred base = {
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
base_ha1(uint8_t ha1[16])
{
	cr_assert_eq(ush_digest_ha1(USH_HASH_MD5, "Mufasa", 6, "testrealm@host.com", 18,
				     "Circle Of Life", 14, ha1),
			0);
}

KERNEL_TEST(hex, engine_response_case_and_length)
{
	struct ush_digest_lane ln[5];
	enum ush_digest_verdict v[5];
	struct t_cred c[5];
	uint8_t ha1[16];

	base_ha1(ha1);
	for (int i = 0; i < 5; i++)
		c[i] = base;
	c[1].response = "6629FAE49393A05397450978507C4EF1";
	c[2].response = "6629fae49393a05397450978507c4ef";   /* 31 digits */
	c[3].response = "6629fae49393a05397450978507c4ef10"; /* 33 digits */
	c[4].response = "";
	for (int i = 0; i < 5; i++)
		t_lane(&ln[i], &c[i], ha1);
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, 5, v), 2);
	cr_assert_eq(v[0], USH_DIGEST_OK);
	cr_assert_eq(v[1], USH_DIGEST_OK);
	cr_assert_eq(v[2], USH_DIGEST_BAD_RESPONSE);
	cr_assert_eq(v[3], USH_DIGEST_BAD_RESPONSE);
	cr_assert_eq(v[4], USH_DIGEST_BAD_RESPONSE);
}

KERNEL_TEST(hex, engine_non_hex_response)
{
	struct ush_digest_lane ln[32];
	enum ush_digest_verdict v[32];
	char resp[32][33];
	uint8_t ha1[16];

	base_ha1(ha1);
	for (size_t c = 0; c < sizeof(not_hex); c++) {
		for (int i = 0; i < 32; i++) {
			struct t_cred t = base;

			memcpy(resp[i], base.response, 33);
			resp[i][i] = not_hex[c];
			t_lane(&ln[i], &t, ha1);
			ln[i].response = resp[i];
			ln[i].response_len = 32;
		}
		cr_assert_eq(ush_digest_verify_burst(ctx, ln, 32, v), 0);
		for (int i = 0; i < 32; i++)
			cr_assert_eq(v[i], USH_DIGEST_BAD_RESPONSE, "char 0x%02x at %d",
					(unsigned char)not_hex[c], i);
	}
}

KERNEL_TEST(hex, engine_lane_validation)
{
	struct ush_digest_lane ln[8];
	enum ush_digest_verdict v[8];
	static char long_uri[USH_DIGEST_MSG_MAX + 1];
	uint8_t ha1[16];

	base_ha1(ha1);
	memset(long_uri, 'u', USH_DIGEST_MSG_MAX);
	for (int i = 0; i < 8; i++)
		t_lane(&ln[i], &base, ha1);
	ln[1].algo = USH_ALGO_UNKNOWN;
	ln[2].algo = 200;
	ln[3].qop = USH_QOP_UNKNOWN;
	ln[4].uri = long_uri;
	ln[4].uri_len = USH_DIGEST_MSG_MAX; /* "GET:" + uri > limit */
	ln[5].ha1 = NULL;                   /* unknown user */
	ln[6].algo = USH_ALGO_SHA256;       /* 32-digit response for a 64-digit algorithm */
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, 8, v), 2);
	cr_assert_eq(v[0], USH_DIGEST_OK);
	cr_assert_eq(v[1], USH_DIGEST_BAD_ALGO);
	cr_assert_eq(v[2], USH_DIGEST_BAD_ALGO);
	cr_assert_eq(v[3], USH_DIGEST_BAD_QOP);
	cr_assert_eq(v[4], USH_DIGEST_TOO_LONG);
	cr_assert_eq(v[5], USH_DIGEST_MISMATCH);
	cr_assert_eq(v[6], USH_DIGEST_BAD_RESPONSE);
	cr_assert_eq(v[7], USH_DIGEST_OK);
}

Test(hex, burst_arguments)
{
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);
	struct ush_digest_lane ln[USH_DIGEST_BURST_MAX + 1];
	enum ush_digest_verdict v[USH_DIGEST_BURST_MAX + 1];

	cr_assert_not_null(ctx);
	memset(ln, 0, sizeof(ln));
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, USH_DIGEST_BURST_MAX + 1, v), -EINVAL);
	cr_assert_eq(ush_digest_verify_burst(NULL, ln, 1, v), -EINVAL);
	cr_assert_eq(ush_digest_verify_burst(ctx, ln, 0, v), 0);
	ush_digest_ctx_free(ctx);
}
