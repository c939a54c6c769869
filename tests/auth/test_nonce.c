/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Nonces against an independent reference (OpenSSL HMAC, a base64url encoder of our own). */

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ush_nonce.h"

static const uint8_t secret_a[] = "0123456789abcdef-secret-A";
static const uint8_t secret_b[] =
	"fedcba9876543210-secret-B-longer-than-one-sha256-block-of-64-bytes"
	"-so-that-it-is-hashed-first";
#define SECRET_A_LEN (sizeof(secret_a) - 1)
#define SECRET_B_LEN (sizeof(secret_b) - 1)
#define KID_A	     1
#define KID_B	     2
#define NOW	     1767225600u /* 2026-01-01 */
#define LIFETIME     300u

static struct ush_digest_ctx *ctx;

static void
setup(void)
{
	ctx = ush_digest_ctx_create(NULL);
	cr_assert_not_null(ctx, "ush_digest_ctx_create: %s", strerror(errno));
}

static void
teardown(void)
{
	ush_digest_ctx_free(ctx);
}

TestSuite(nonce, .init = setup, .fini = teardown);

/* ---- reference implementation, sharing nothing with nonce.c ---- */

static void
ref_b64url(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = tab[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = tab[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

/* Binary nonce with a correct MAC under `secret`, and its 32-character wire form. */
static void
ref_nonce(const uint8_t *secret, size_t secret_len, uint8_t ver, uint8_t kid, uint32_t ts,
	  uint32_t index, uint8_t algo, uint8_t rsvd, uint8_t bin[24], char wire[33])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	bin[0] = ver;
	bin[1] = kid;
	bin[2] = (uint8_t)(ts >> 24);
	bin[3] = (uint8_t)(ts >> 16);
	bin[4] = (uint8_t)(ts >> 8);
	bin[5] = (uint8_t)ts;
	bin[6] = (uint8_t)(index >> 24);
	bin[7] = (uint8_t)(index >> 16);
	bin[8] = (uint8_t)(index >> 8);
	bin[9] = (uint8_t)index;
	bin[10] = algo;
	bin[11] = rsvd;
	cr_assert_not_null(HMAC(EVP_sha256(), secret, (int)secret_len, bin, 12, mac, &mac_len));
	cr_assert_eq(mac_len, 32);
	memcpy(bin + 12, mac, 12);
	ref_b64url(bin, 24, wire);
}

static void
keys_a(struct ush_nonce_keys *k)
{
	cr_assert_eq(ush_nonce_keys_init(ctx, k, KID_A, secret_a, SECRET_A_LEN, 0, NULL, 0), 0);
}

/* Current key B, previous key A (a rotation in flight). */
static void
keys_b_prev_a(struct ush_nonce_keys *k)
{
	cr_assert_eq(ush_nonce_keys_init(ctx, k, KID_B, secret_b, SECRET_B_LEN, KID_A, secret_a,
					 SECRET_A_LEN),
		     0);
}

static enum ush_nonce_status
check_one(const struct ush_nonce_keys *k, uint32_t now, const char *s, size_t len,
	  struct ush_nonce_info *info)
{
	const char *v[1] = {s};
	uint16_t l[1] = {(uint16_t)len};
	enum ush_nonce_status st = (enum ush_nonce_status) - 1;
	int rc = ush_nonce_check_burst(ctx, k, now, LIFETIME, v, l, 1, info, &st);

	cr_assert(rc == 0 || rc == 1, "rc %d", rc);
	cr_assert_eq(rc == 1, st == USH_NONCE_OK);
	return st;
}

/* ---- tests ---- */

Test(nonce, reference_encoder_matches_openssl_base64)
{
	uint8_t in[24];
	char ours[33], std[40];

	for (int i = 0; i < 24; i++)
		in[i] = (uint8_t)(0xfb + 7 * i); /* hits '+' and '/' in standard base64 */
	ref_b64url(in, 24, ours);
	cr_assert_eq(EVP_EncodeBlock((unsigned char *)std, in, 24), 32);
	for (int i = 0; i < 32; i++)
		std[i] = std[i] == '+' ? '-' : std[i] == '/' ? '_' : std[i];
	std[32] = '\0';
	cr_assert_str_eq(ours, std);
}

Test(nonce, keys_init_rejects_bad_secrets)
{
	struct ush_nonce_keys k;

	cr_assert_eq(
		ush_nonce_keys_init(ctx, &k, 1, secret_a, USH_NONCE_SECRET_MIN - 1, 0, NULL, 0),
		-EINVAL);
	cr_assert_eq(ush_nonce_keys_init(ctx, &k, 1, secret_a, USH_NONCE_SECRET_MIN, 0, NULL, 0),
		     0);
	cr_assert_not(k.has_prev);
	cr_assert_eq(ush_nonce_keys_init(ctx, &k, 1, secret_a, SECRET_A_LEN, 2, secret_b, 15),
		     -EINVAL);
	cr_assert_eq(
		ush_nonce_keys_init(ctx, &k, 1, secret_a, SECRET_A_LEN, 1, secret_b, SECRET_B_LEN),
		-EINVAL, "equal kids");
	cr_assert_eq(ush_nonce_keys_init(ctx, &k, 1, NULL, 0, 0, NULL, 0), -EINVAL);
	cr_assert_eq(ush_nonce_keys_init(NULL, &k, 1, secret_a, SECRET_A_LEN, 0, NULL, 0), -EINVAL);
}

Test(nonce, make_matches_reference)
{
	/* More than one 64-lane chunk, every algorithm value, indexes across the range. */
	enum { N = 150 };
	struct ush_nonce_keys k;
	uint32_t index[N];
	uint8_t algo[N];
	char out[N][USH_NONCE_LEN];

	keys_b_prev_a(&k);
	for (unsigned int i = 0; i < N; i++) {
		index[i] = i * 0x9e3779b9u;
		algo[i] = (uint8_t)(i % USH_ALGO_UNKNOWN);
	}
	memset(out, '!', sizeof(out));
	cr_assert_eq(ush_nonce_make_burst(ctx, &k, NOW, index, algo, N, out), 0);
	for (unsigned int i = 0; i < N; i++) {
		uint8_t bin[24];
		char want[33];

		ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, index[i], algo[i], 0, bin, want);
		cr_assert(memcmp(out[i], want, 32) == 0, "nonce %u: %.32s, want %s", i, out[i],
			  want);
	}
}

Test(nonce, round_trip)
{
	enum { N = 70 };
	struct ush_nonce_keys k;
	uint32_t index[N];
	uint8_t algo[N];
	char out[N][USH_NONCE_LEN];
	const char *view[N];
	uint16_t len[N];
	struct ush_nonce_info info[N];
	enum ush_nonce_status st[N];

	keys_a(&k);
	for (unsigned int i = 0; i < N; i++) {
		index[i] = 0xfffffff0u + i;
		algo[i] = (uint8_t)(USH_ALGO_SHA512_256_SESS - i % 6);
		view[i] = out[i];
		len[i] = USH_NONCE_LEN;
	}
	cr_assert_eq(ush_nonce_make_burst(ctx, &k, NOW, index, algo, N, out), 0);
	cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW + 10, LIFETIME, view, len, N, info, st), N);
	for (unsigned int i = 0; i < N; i++) {
		cr_assert_eq(st[i], USH_NONCE_OK);
		cr_assert_eq(info[i].timestamp, NOW);
		cr_assert_eq(info[i].index, index[i]);
		cr_assert_eq(info[i].algo, algo[i]);
		cr_assert_eq(info[i].kid, KID_A);
	}
}

Test(nonce, reference_nonce_checks_ok)
{
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[33];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 42, USH_ALGO_SHA256, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_OK);
	cr_assert_eq(info.index, 42);
	cr_assert_eq(info.algo, USH_ALGO_SHA256);
}

Test(nonce, every_bit_flip_is_invalid)
{
	/* 192 lanes in one call: also exercises the chunking of long bursts. */
	enum { N = 24 * 8 };
	struct ush_nonce_keys k;
	static char wire[N][33];
	const char *view[N];
	uint16_t len[N];
	struct ush_nonce_info info[N];
	enum ush_nonce_status st[N];
	uint8_t bin[24];
	char good[33];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 7, USH_ALGO_MD5, 0, bin, good);
	for (unsigned int b = 0; b < N; b++) {
		uint8_t flipped[24];

		memcpy(flipped, bin, 24);
		flipped[b / 8] ^= (uint8_t)(1u << (b % 8));
		ref_b64url(flipped, 24, wire[b]);
		view[b] = wire[b];
		len[b] = USH_NONCE_LEN;
	}
	cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW, LIFETIME, view, len, N, info, st), 0);
	for (unsigned int b = 0; b < N; b++)
		cr_assert_eq(st[b], USH_NONCE_INVALID, "bit %u of byte %u", b % 8, b / 8);
	cr_assert_eq(check_one(&k, NOW, good, 32, info), USH_NONCE_OK);
}

Test(nonce, every_truncation_and_extension_is_invalid)
{
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[40];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	for (size_t n = 0; n < 32; n++) {
		cr_assert_eq(check_one(&k, NOW, wire, n, &info), USH_NONCE_INVALID, "len %zu", n);
		/* the tail alone too: a nonce cut at the front */
		cr_assert_eq(check_one(&k, NOW, wire + 32 - n, n, &info), USH_NONCE_INVALID,
			     "tail %zu", n);
	}
	memcpy(wire + 32, "AAAA", 5);
	for (size_t n = 33; n <= 36; n++)
		cr_assert_eq(check_one(&k, NOW, wire, n, &info), USH_NONCE_INVALID, "len %zu", n);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_OK);
}

Test(nonce, non_base64url_characters_are_invalid)
{
	static const char bad[] = {'+', '/', '=', ' ', '"', '.',	'\0',	    '\r',      '\n',
				   '~', '@', '[', '`', '{', (char)0x80, (char)0xc3, (char)0xff};
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[33];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	for (size_t c = 0; c < sizeof(bad); c++) {
		for (int pos = 0; pos < 32; pos += 5) {
			char s[32];

			memcpy(s, wire, 32);
			s[pos] = bad[c];
			cr_assert_eq(check_one(&k, NOW, s, 32, &info), USH_NONCE_INVALID,
				     "0x%02x at %d", (unsigned char)bad[c], pos);
		}
	}
}

Test(nonce, unknown_version_kid_or_reserved_is_invalid_despite_good_mac)
{
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[33];

	keys_b_prev_a(&k);
	ref_nonce(secret_b, SECRET_B_LEN, 2, KID_B, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "version 2");
	ref_nonce(secret_b, SECRET_B_LEN, 0, KID_B, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "version 0");
	ref_nonce(secret_b, SECRET_B_LEN, 1, 7, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "kid 7 under cur");
	ref_nonce(secret_a, SECRET_A_LEN, 1, 7, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "kid 7 under prev");
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 7, USH_ALGO_MD5, 1, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "rsvd 1");
	/* A known kid with the other key's secret. */
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_B, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "kid B, secret A");
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_A, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "kid A, secret B");
	/* Control: the same nonce, right secret. */
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 7, USH_ALGO_MD5, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_OK);
}

Test(nonce, lifetime_boundaries)
{
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[33];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 99, USH_ALGO_SHA512_256, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_OK);
	cr_assert_eq(check_one(&k, NOW + LIFETIME - 1, wire, 32, &info), USH_NONCE_OK);
	cr_assert_eq(check_one(&k, NOW + LIFETIME, wire, 32, &info), USH_NONCE_OK, "exactly");
	memset(&info, 0, sizeof(info));
	cr_assert_eq(check_one(&k, NOW + LIFETIME + 1, wire, 32, &info), USH_NONCE_EXPIRED);
	cr_assert_eq(info.timestamp, NOW);
	cr_assert_eq(info.index, 99);
	cr_assert_eq(info.algo, USH_ALGO_SHA512_256);
	cr_assert_eq(info.kid, KID_A);
	cr_assert_eq(check_one(&k, NOW + 86400 * 365u, wire, 32, &info), USH_NONCE_EXPIRED);
	/* Expired but forged is invalid, not stale. */
	wire[31] = wire[31] == 'A' ? 'B' : 'A';
	cr_assert_eq(check_one(&k, NOW + LIFETIME + 1, wire, 32, &info), USH_NONCE_INVALID);
}

Test(nonce, future_drift_boundaries)
{
	struct ush_nonce_keys k;
	struct ush_nonce_info info;
	uint8_t bin[24];
	char wire[33];

	keys_a(&k);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW + USH_NONCE_MAX_DRIFT, 1, 0, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_OK, "drift exactly max");
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW + USH_NONCE_MAX_DRIFT + 1, 1, 0, 0, bin,
		  wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "drift max + 1");
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, 0xffffffffu, 1, 0, 0, bin, wire);
	cr_assert_eq(check_one(&k, NOW, wire, 32, &info), USH_NONCE_INVALID, "far future");
	/* Lifetime 0: valid only within the same second (and the drift). */
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW, 1, 0, 0, bin, wire);
	{
		const char *v[1] = {wire};
		uint16_t l[1] = {32};
		enum ush_nonce_status st;

		cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW, 0, v, l, 1, &info, &st), 1);
		cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW + 1, 0, v, l, 1, &info, &st), 0);
		cr_assert_eq(st, USH_NONCE_EXPIRED);
	}
}

Test(nonce, rotation_previous_key)
{
	struct ush_nonce_keys ka, kb, kb_only;
	struct ush_nonce_info info;
	uint32_t index = 1234;
	uint8_t algo = USH_ALGO_SHA256;
	char out[1][USH_NONCE_LEN];

	keys_a(&ka);
	keys_b_prev_a(&kb);
	cr_assert_eq(ush_nonce_keys_init(ctx, &kb_only, KID_B, secret_b, SECRET_B_LEN, 0, NULL, 0),
		     0);
	cr_assert_eq(ush_nonce_make_burst(ctx, &ka, NOW, &index, &algo, 1, out), 0);
	cr_assert_eq(check_one(&ka, NOW, out[0], 32, &info), USH_NONCE_OK);
	cr_assert_eq(check_one(&kb, NOW, out[0], 32, &info), USH_NONCE_OK, "with has_prev");
	cr_assert_eq(info.kid, KID_A);
	cr_assert_eq(info.index, index);
	cr_assert_eq(check_one(&kb_only, NOW, out[0], 32, &info), USH_NONCE_INVALID,
		     "without has_prev");
	/* And a new nonce is made under B, which A alone does not know. */
	cr_assert_eq(ush_nonce_make_burst(ctx, &kb, NOW, &index, &algo, 1, out), 0);
	cr_assert_eq(check_one(&kb, NOW, out[0], 32, &info), USH_NONCE_OK);
	cr_assert_eq(info.kid, KID_B);
	cr_assert_eq(check_one(&ka, NOW, out[0], 32, &info), USH_NONCE_INVALID);
}

Test(nonce, mixed_burst)
{
	enum { N = 9 };
	struct ush_nonce_keys k;
	char wire[N][40];
	const char *view[N];
	uint16_t len[N];
	struct ush_nonce_info info[N];
	enum ush_nonce_status st[N];
	static const enum ush_nonce_status want[N] = {
		USH_NONCE_OK,	   USH_NONCE_EXPIRED, USH_NONCE_INVALID,
		USH_NONCE_INVALID, USH_NONCE_OK,      USH_NONCE_INVALID,
		USH_NONCE_INVALID, USH_NONCE_EXPIRED, USH_NONCE_OK,
	};
	uint8_t bin[24];

	keys_b_prev_a(&k);
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 0, 0, 0, bin, wire[0]);
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW - LIFETIME - 1, 1, 0, 0, bin, wire[1]);
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 2, 0, 0, bin, wire[2]);
	wire[2][5] ^= 1; /* bad MAC or field, still base64url */
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 3, 0, 0, bin, wire[3]);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW - 1, 4, 2, 0, bin, wire[4]);
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW + 60, 5, 0, 0, bin, wire[5]);
	ref_nonce(secret_b, SECRET_B_LEN, 1, 9, NOW, 6, 0, 0, bin, wire[6]);
	ref_nonce(secret_a, SECRET_A_LEN, 1, KID_A, NOW - 1000, 7, 4, 0, bin, wire[7]);
	ref_nonce(secret_b, SECRET_B_LEN, 1, KID_B, NOW, 8, 5, 0, bin, wire[8]);
	for (unsigned int i = 0; i < N; i++) {
		view[i] = wire[i];
		len[i] = USH_NONCE_LEN;
	}
	len[3] = 31;
	cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW, LIFETIME, view, len, N, info, st), 3);
	for (unsigned int i = 0; i < N; i++)
		cr_assert_eq(st[i], want[i], "lane %u: %d, want %d", i, st[i], want[i]);
	cr_assert_eq(info[0].index, 0);
	cr_assert_eq(info[1].index, 1);
	cr_assert_eq(info[4].index, 4);
	cr_assert_eq(info[4].kid, KID_A);
	cr_assert_eq(info[4].algo, 2);
	cr_assert_eq(info[7].index, 7);
	cr_assert_eq(info[7].kid, KID_A);
	cr_assert_eq(info[8].algo, 5);
}

Test(nonce, empty_and_bad_arguments)
{
	struct ush_nonce_keys k;
	enum ush_nonce_status st;
	struct ush_nonce_info info;

	keys_a(&k);
	cr_assert_eq(ush_nonce_make_burst(ctx, &k, NOW, NULL, NULL, 0, NULL), 0);
	cr_assert_eq(ush_nonce_check_burst(ctx, &k, NOW, LIFETIME, NULL, NULL, 0, NULL, NULL), 0);
	cr_assert_eq(ush_nonce_check_burst(ctx, NULL, NOW, LIFETIME, NULL, NULL, 1, &info, &st),
		     -EINVAL);
	cr_assert_eq(ush_nonce_make_burst(NULL, &k, NOW, NULL, NULL, 0, NULL), -EINVAL);
}
