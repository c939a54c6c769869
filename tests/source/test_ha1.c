/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* HA1 derivation against the RFC 2617 and RFC 7616 examples and an independent SHA-512/256. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "ushd_source.h"

static void
hex(const uint8_t *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static void
expect_ha1(enum ush_hash hash, const char *user, const char *realm, const char *pass,
	   const char *want)
{
	uint8_t ha1[32];
	char got[65];

	memset(ha1, 0xa5, sizeof(ha1));
	cr_assert_eq(ushd_ha1(hash, user, realm, pass, ha1), 0);
	hex(ha1, ush_hash_len(hash), got);
	cr_assert_str_eq(got, want, "hash %d: %s", hash, got);
}

/*
 * The RFCs print responses, not HA1s: check that our HA1 yields the printed response for
 * GET /dir/index.html with qop=auth, nc=00000001 and the RFC's nonce and cnonce. HA2 and the
 * response are hashed here with OpenSSL directly.
 */
static void
expect_response(enum ush_hash hash, const EVP_MD *md, const char *realm, const char *pass,
		const char *nonce, const char *cnonce, const char *want)
{
	uint8_t ha1[32], ha2[32], resp[32];
	char ha1_hex[65], ha2_hex[65], resp_hex[65], buf[512];
	unsigned int len;
	size_t dlen = ush_hash_len(hash);
	int n;

	cr_assert_eq(ushd_ha1(hash, "Mufasa", realm, pass, ha1), 0);
	hex(ha1, dlen, ha1_hex);
	cr_assert(EVP_Digest("GET:/dir/index.html", 19, ha2, &len, md, NULL));
	hex(ha2, dlen, ha2_hex);
	n = snprintf(buf, sizeof(buf), "%s:%s:00000001:%s:auth:%s", ha1_hex, nonce, cnonce,
		     ha2_hex);
	cr_assert(EVP_Digest(buf, (size_t)n, resp, &len, md, NULL));
	hex(resp, dlen, resp_hex);
	cr_assert_str_eq(resp_hex, want);
}

/* RFC 2617 §3.5. The HA1 itself is the value every implementation quotes for this example. */
Test(ha1, rfc2617_md5)
{
	expect_ha1(USH_HASH_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life",
		   "939e7578ed9e3c518a452acee763bce9");
	expect_response(USH_HASH_MD5, EVP_md5(), "testrealm@host.com", "Circle Of Life",
			"dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b",
			"6629fae49393a05397450978507c4ef1");
}

/* RFC 7616 §3.9.1. */
#define RFC7616_ARGS                                                                               \
	"http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", \
		"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

Test(ha1, rfc7616_md5)
{
	expect_response(USH_HASH_MD5, EVP_md5(), RFC7616_ARGS, "8ca523f5e9506fed4657c9700eebdbec");
}

Test(ha1, rfc7616_sha256)
{
	expect_response(USH_HASH_SHA256, EVP_sha256(), RFC7616_ARGS,
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/*
 * RFC 7616 has no SHA-512-256 example. Fixture computed outside this code with
 *   printf 'Mufasa:http-auth@example.org:Circle of Life' | openssl dgst -sha512-256
 *   python3 -c "import hashlib; print(hashlib.new('sha512_256',
 *       b'Mufasa:http-auth@example.org:Circle of Life').hexdigest())"
 * (both print the value below). The MD5 and SHA-256 HA1s of the same triple, from md5sum and
 * sha256sum, pin the other two hashes on the same input.
 */
Test(ha1, sha512_256_fixture)
{
	expect_ha1(USH_HASH_SHA512_256, "Mufasa", "http-auth@example.org", "Circle of Life",
		   "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204ce");
	expect_ha1(USH_HASH_MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
		   "3d78807defe7de2157e2b0b6573a855f");
	expect_ha1(USH_HASH_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life",
		   "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
}

/* SHA-512/256 is its own function, not SHA-512 cut short (different initial values). */
Test(ha1, sha512_256_is_not_truncated_sha512)
{
	uint8_t ha1[32], full[64];
	unsigned int len;
	const char *in = "Mufasa:http-auth@example.org:Circle of Life";

	cr_assert_eq(ushd_ha1(USH_HASH_SHA512_256, "Mufasa", "http-auth@example.org",
			      "Circle of Life", ha1),
		     0);
	cr_assert(EVP_Digest(in, strlen(in), full, &len, EVP_sha512(), NULL));
	cr_assert_arr_neq(ha1, full, 32);
}

Test(ha1, bad_hash)
{
	uint8_t ha1[32];

	cr_assert_eq(ushd_ha1(USH_HASH_COUNT, "a", "b", "c", ha1), -EINVAL);
}

/* Empty password and non-ASCII names hash as bytes, like every other implementation. */
Test(ha1, utf8_and_empty)
{
	/* printf 'j\xc3\xbcrgen:r\xc3\xa9alm:' | md5sum */
	expect_ha1(USH_HASH_MD5, "j\xc3\xbcrgen",
		   "r\xc3\xa9"
		   "alm",
		   "", "1ce97174a6bd899a81959008be3e6f22");
}
