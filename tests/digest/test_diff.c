/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Differential tests: every kernel against OpenSSL EVP on seeded random inputs. */

#include <errno.h>
#include <stdlib.h>

#include <openssl/hmac.h>

#include "digest_test.h"

/* Lengths where padding changes shape (MD5/SHA-256: 55/56, 64; SHA-512: 111/112, 128). */
static const uint32_t edges[] = {0,   1,   55,  56,  57,  63,  64,  65,  111, 112, 113, 119, 120,
				 127, 128, 129, 183, 184, 191, 192, 239, 240, 247, 248, 255, 256,
				 257, 511, 512, 999, 1000};

static uint32_t
rnd_len(uint32_t max)
{
	if (rnd() & 1) {
		uint32_t l = edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];

		return l <= max ? l : max;
	}
	return rnd_below(max + 1);
}

static uint8_t pool[4096];

static void
pool_fill(uint64_t seed)
{
	test_rng_seed(seed);
	for (size_t i = 0; i < sizeof(pool); i++)
		pool[i] = (uint8_t)rnd();
}

/* ---- raw batch hashes ---- */

typedef int (*burst_fn)(struct ush_digest_ctx *, const struct ush_digest_msg *, unsigned int);

static void
raw_lane_counts(struct ush_digest_ctx *ctx, enum ush_hash h, burst_fn fn)
{
	struct ush_digest_msg m[64];
	uint8_t out[64][32];
	uint8_t want[32];

	pool_fill(0x1234 + h);
	for (unsigned int n = 1; n <= 64; n++) {
		for (unsigned int i = 0; i < n; i++) {
			m[i].data = pool + rnd_below(1024);
			m[i].len = rnd_len(1000);
			m[i].out = out[i];
		}
		cr_assert_eq(fn(ctx, m, n), (int)n);
		for (unsigned int i = 0; i < n; i++) {
			t_ossl(h, m[i].data, m[i].len, want);
			cr_assert_arr_eq(out[i], want, ush_hash_len(h), "n=%u lane %u len %u", n, i,
					m[i].len);
		}
	}
}

static void
raw_every_length(struct ush_digest_ctx *ctx, enum ush_hash h, burst_fn fn)
{
	static struct ush_digest_msg m[1001];
	static uint8_t out[1001][32];
	uint8_t want[32];

	pool_fill(0x5678 + h);
	for (unsigned int i = 0; i <= 1000; i++) {
		m[i].data = pool + (i * 7) % 1024;
		m[i].len = i;
		m[i].out = out[i];
	}
	cr_assert_eq(fn(ctx, m, 1001), 1001);
	for (unsigned int i = 0; i <= 1000; i++) {
		t_ossl(h, m[i].data, m[i].len, want);
		cr_assert_arr_eq(out[i], want, ush_hash_len(h), "len %u", i);
	}
}

KERNEL_TEST(diff, raw_md5)
{
	raw_lane_counts(ctx, USH_HASH_MD5, ush_md5_burst);
	raw_every_length(ctx, USH_HASH_MD5, ush_md5_burst);
}

KERNEL_TEST(diff, raw_sha256)
{
	raw_lane_counts(ctx, USH_HASH_SHA256, ush_sha256_burst);
	raw_every_length(ctx, USH_HASH_SHA256, ush_sha256_burst);
}

KERNEL_TEST(diff, raw_sha512_256)
{
	raw_lane_counts(ctx, USH_HASH_SHA512_256, ush_sha512_256_burst);
	raw_every_length(ctx, USH_HASH_SHA512_256, ush_sha512_256_burst);
}

KERNEL_TEST(diff, hmac_sha256)
{
	static const size_t key_lens[] = {0, 1, 16, 32, 63, 64, 65, 100};
	struct ush_digest_msg m[40];
	uint8_t out[40][32];

	pool_fill(0x9abc);
	for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		struct ush_digest_hmac_key hk;
		const uint8_t *key = pool + 2048 + k;

		cr_assert_eq(ush_digest_hmac_key_init(ctx, key, key_lens[k], &hk), 0);
		for (unsigned int tag = 16; tag <= 32; tag += 16) {
			unsigned int n = 1 + rnd_below(40);

			for (unsigned int i = 0; i < n; i++) {
				m[i].data = pool + rnd_below(1024);
				m[i].len = 1 + rnd_len(199);
				m[i].out = out[i];
			}
			cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &hk, m, n, tag), (int)n);
			for (unsigned int i = 0; i < n; i++) {
				uint8_t want[32];
				unsigned int wl = 0;

				cr_assert_not_null(HMAC(EVP_sha256(), key, (int)key_lens[k],
						m[i].data, m[i].len, want, &wl));
				cr_assert_arr_eq(out[i], want, tag, "key %zu len %u", key_lens[k],
						m[i].len);
			}
		}
	}
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, NULL, m, 1, 32), -EINVAL);
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &(struct ush_digest_hmac_key){0}, m, 1, 20),
			-EINVAL);
	m[0].len = 0;
	cr_assert_eq(ush_digest_hmac_sha256_burst(ctx, &(struct ush_digest_hmac_key){0}, m, 1, 32),
			-EINVAL);
}

/* ---- full verification against an OpenSSL reference built here ---- */

struct rlane {
	enum ush_algo algo;
	enum ush_qop qop;
	char method[16];
	char uri[1024];
	char nonce[512];
	char nc[9];
	char cnonce[64];
	char resp[65];
	const uint8_t *body;
	size_t body_len;
	uint8_t ha1[32];
	bool unknown;
	bool corrupt;
};

struct sbuf {
	uint8_t b[2048];
	size_t n;
};

static void
sb_put(struct sbuf *s, const void *p, size_t len)
{
	cr_assert_leq(s->n + len, sizeof(s->b));
	memcpy(s->b + s->n, p, len);
	s->n += len;
}

static void
sb_str(struct sbuf *s, const char *str)
{
	sb_put(s, str, strlen(str));
}

static void
sb_hex(struct sbuf *s, const uint8_t *d, size_t len)
{
	char hex[65];

	t_hex(d, len, hex);
	sb_put(s, hex, 2 * len);
}

static void
ref_response(const struct rlane *r, bool binary_sess, uint8_t *out)
{
	static const char *const qop_tok[] = {"", "auth", "auth-int"};
	enum ush_hash h = ush_algo_hash(r->algo);
	size_t hl = ush_hash_len(h);
	uint8_t ha1[32], hbody[32], ha2[32];
	struct sbuf s;

	memcpy(ha1, r->ha1, hl);
	if (ush_algo_is_sess(r->algo)) {
		s.n = 0;
		if (binary_sess)
			sb_put(&s, r->ha1, hl);
		else
			sb_hex(&s, r->ha1, hl);
		sb_str(&s, ":");
		sb_str(&s, r->nonce);
		sb_str(&s, ":");
		sb_str(&s, r->cnonce);
		t_ossl(h, s.b, s.n, ha1);
	}
	s.n = 0;
	sb_str(&s, r->method);
	sb_str(&s, ":");
	sb_str(&s, r->uri);
	if (r->qop == USH_QOP_AUTH_INT) {
		t_ossl(h, r->body, r->body_len, hbody);
		sb_str(&s, ":");
		sb_hex(&s, hbody, hl);
	}
	t_ossl(h, s.b, s.n, ha2);
	s.n = 0;
	sb_hex(&s, ha1, hl);
	sb_str(&s, ":");
	sb_str(&s, r->nonce);
	sb_str(&s, ":");
	if (r->qop != USH_QOP_NONE) {
		sb_str(&s, r->nc);
		sb_str(&s, ":");
		sb_str(&s, r->cnonce);
		sb_str(&s, ":");
		sb_str(&s, qop_tok[r->qop]);
		sb_str(&s, ":");
	}
	sb_hex(&s, ha2, hl);
	t_ossl(h, s.b, s.n, out);
}

static void
rnd_text(char *dst, size_t len)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				 "+/=-_.;@%~";

	for (size_t i = 0; i < len; i++)
		dst[i] = cs[rnd_below(sizeof(cs) - 1)];
	dst[len] = '\0';
}

/* Length to give a free field so that a hashed string lands on a padding edge, or -1. */
static int
steer(size_t fixed, size_t max)
{
	uint32_t target = edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];

	return target >= fixed && target - fixed <= max ? (int)(target - fixed) : -1;
}

static void
rlane_make(struct rlane *r, bool all_ok)
{
	static const char *const methods[] = {"REGISTER", "INVITE", "GET", "OPTIONS",
					      "SUBSCRIBE", "MESSAGE", "BYE", "PUBLISH"};
	static const size_t qop_len[] = {0, 4, 8};
	enum ush_hash h;
	size_t hl, ml, fixed;
	int l;

	r->algo = (enum ush_algo)rnd_below(USH_ALGO_UNKNOWN);
	r->qop = (enum ush_qop)rnd_below(USH_QOP_UNKNOWN);
	h = ush_algo_hash(r->algo);
	hl = ush_hash_len(h);
	strcpy(r->method, methods[rnd_below(8)]);
	ml = strlen(r->method);
	for (int i = 0; i < 8; i++)
		r->nc[i] = "0123456789abcdef"[rnd_below(16)];
	r->nc[8] = '\0';
	rnd_text(r->cnonce, rnd_below(41));

	/* uri: random, or steered so that HA2's input ends on a padding edge */
	fixed = ml + 1 + (r->qop == USH_QOP_AUTH_INT ? 1 + 2 * hl : 0);
	l = (rnd() & 1) ? steer(fixed, 900) : -1;
	rnd_text(r->uri, l >= 0 ? (size_t)l : (rnd() & 7) == 0 ? rnd_below(901) : rnd_below(120));

	/* nonce: random, or steered so that the response's input ends on an edge */
	fixed = 4 * hl + 2;
	if (r->qop != USH_QOP_NONE)
		fixed += 8 + 1 + strlen(r->cnonce) + 1 + qop_len[r->qop] + 1;
	l = (rnd() & 1) ? steer(fixed, 300) : -1;
	rnd_text(r->nonce, l >= 0 ? (size_t)l : rnd_below(121));

	r->body = pool + rnd_below(1024);
	r->body_len = rnd_len(1000);
	for (size_t i = 0; i < hl; i++)
		r->ha1[i] = (uint8_t)rnd();
	r->unknown = !all_ok && rnd_below(16) == 0;
	r->corrupt = !all_ok && rnd_below(4) == 0;
}

static void
rlane_to_lane(struct ush_digest_lane *ln, const struct rlane *r)
{
	struct t_cred c = {
		.algo = r->algo,
		.qop = r->qop,
		.method = r->method,
		.uri = r->uri,
		.nonce = r->nonce,
		.nc = r->nc,
		.cnonce = r->cnonce,
		.response = r->resp,
		.body = r->body,
		.body_len = r->body_len,
	};

	t_lane(ln, &c, r->unknown ? NULL : r->ha1);
}

static void
verify_mixed(struct ush_digest_ctx *ctx, bool binary_sess, uint64_t seed)
{
	static struct rlane r[USH_DIGEST_BURST_MAX];
	struct ush_digest_lane ln[USH_DIGEST_BURST_MAX];
	enum ush_digest_verdict v[USH_DIGEST_BURST_MAX];
	uint8_t exp[USH_DIGEST_BURST_MAX][USH_DIGEST_MAX_LEN];
	uint8_t want[32];

	pool_fill(seed);
	for (unsigned int n = 1; n <= USH_DIGEST_BURST_MAX; n++) {
		int ok = 0;

		for (unsigned int i = 0; i < n; i++) {
			size_t hl;

			rlane_make(&r[i], false);
			hl = ush_hash_len(ush_algo_hash(r[i].algo));
			ref_response(&r[i], binary_sess, want);
			t_hex(want, hl, r[i].resp);
			for (size_t k = 0; k < 2 * hl; k++)
				if ((rnd() & 1) && r[i].resp[k] >= 'a')
					r[i].resp[k] = (char)(r[i].resp[k] - 'a' + 'A');
			if (r[i].corrupt) {
				size_t k = rnd_below((uint32_t)(2 * hl));

				r[i].resp[k] = r[i].resp[k] == '7' ? 'e' : '7';
			}
			rlane_to_lane(&ln[i], &r[i]);
			ok += !r[i].corrupt && !r[i].unknown;
		}
		cr_assert_eq(ush_digest_verify_burst(ctx, ln, n, v), ok, "n=%u", n);
		for (unsigned int i = 0; i < n; i++) {
			enum ush_digest_verdict w = r[i].corrupt || r[i].unknown ?
							    USH_DIGEST_MISMATCH : USH_DIGEST_OK;

			cr_assert_eq(v[i], w, "n=%u lane %u algo %d qop %d uri %zu nonce %zu", n, i,
					r[i].algo, r[i].qop, strlen(r[i].uri), strlen(r[i].nonce));
		}

		/* compute_burst gives the reference bytes themselves */
		for (unsigned int i = 0; i < n; i++)
			ln[i].ha1 = r[i].ha1;
		cr_assert_eq(ush_digest_compute_burst(ctx, ln, n, exp, v), (int)n);
		for (unsigned int i = 0; i < n; i++) {
			ref_response(&r[i], binary_sess, want);
			cr_assert_eq(v[i], USH_DIGEST_OK);
			cr_assert_arr_eq(exp[i], want, ush_hash_len(ush_algo_hash(r[i].algo)),
					"n=%u lane %u", n, i);
		}
	}
}

KERNEL_TEST(diff, verify_mixed_rfc7616_sess)
{
	verify_mixed(ctx, false, 0xfeed);
}

KERNEL_TEST(diff, verify_mixed_kamailio_sess)
{
	struct ush_digest_conf conf = {
		.kernel = ush_digest_ctx_kernel(ctx),
		.flags = USH_DIGEST_F_SESS_BINARY_HA1,
	};
	struct ush_digest_ctx *kctx = ush_digest_ctx_create(&conf);

	cr_assert_not_null(kctx);
	verify_mixed(kctx, true, 0xbeef);
	ush_digest_ctx_free(kctx);
}

/* Every algorithm x qop pair alone in a full burst, so no combination hides behind another. */
KERNEL_TEST(diff, verify_each_algo_qop)
{
	static struct rlane r[USH_DIGEST_BURST_MAX];
	struct ush_digest_lane ln[USH_DIGEST_BURST_MAX];
	enum ush_digest_verdict v[USH_DIGEST_BURST_MAX];
	uint8_t want[32];

	pool_fill(0xa1);
	for (int algo = 0; algo < USH_ALGO_UNKNOWN; algo++) {
		for (int qop = 0; qop < USH_QOP_UNKNOWN; qop++) {
			for (unsigned int i = 0; i < USH_DIGEST_BURST_MAX; i++) {
				do
					rlane_make(&r[i], true);
				while (r[i].algo != (enum ush_algo)algo);
				r[i].qop = (enum ush_qop)qop;
				ref_response(&r[i], false, want);
				t_hex(want, ush_hash_len(ush_algo_hash(r[i].algo)), r[i].resp);
				rlane_to_lane(&ln[i], &r[i]);
			}
			cr_assert_eq(ush_digest_verify_burst(ctx, ln, USH_DIGEST_BURST_MAX, v),
					USH_DIGEST_BURST_MAX, "algo %d qop %d", algo, qop);
		}
	}
}

/* ---- kernel selection ---- */

Test(dispatch, env_forces_kernel)
{
	for (int k = USH_DIGEST_KERNEL_SCALAR; k < USH_DIGEST_KERNEL_COUNT; k++) {
		struct ush_digest_ctx *ctx;

		if (!ush_digest_kernel_supported((enum ush_digest_kernel)k))
			continue;
		setenv("USH_DIGEST_KERNEL", ush_digest_kernel_name((enum ush_digest_kernel)k), 1);
		ctx = ush_digest_ctx_create(NULL);
		cr_assert_not_null(ctx);
		cr_assert_eq(ush_digest_ctx_kernel(ctx), (enum ush_digest_kernel)k);
		ush_digest_ctx_free(ctx);
	}
	setenv("USH_DIGEST_KERNEL", "sse9", 1);
	errno = 0;
	cr_assert_null(ush_digest_ctx_create(NULL));
	cr_assert_eq(errno, EINVAL);
	unsetenv("USH_DIGEST_KERNEL");
}

Test(dispatch, env_forces_imb)
{
	struct ush_digest_ctx *ctx;

	setenv("USH_DIGEST_IMB", "sse", 1);
	ctx = ush_digest_ctx_create(NULL);
	cr_assert_not_null(ctx);
	cr_assert_eq(ush_digest_ctx_imb(ctx), USH_DIGEST_IMB_SSE);
	ush_digest_ctx_free(ctx);
	unsetenv("USH_DIGEST_IMB");
}

Test(dispatch, conf_wins_over_env)
{
	struct ush_digest_conf conf = {.kernel = USH_DIGEST_KERNEL_SCALAR};
	struct ush_digest_ctx *ctx;

	setenv("USH_DIGEST_KERNEL", "bogus", 1);
	ctx = ush_digest_ctx_create(&conf);
	cr_assert_not_null(ctx);
	cr_assert_eq(ush_digest_ctx_kernel(ctx), USH_DIGEST_KERNEL_SCALAR);
	cr_assert_eq(ush_digest_ctx_imb(ctx), USH_DIGEST_IMB_SSE);
	ush_digest_ctx_free(ctx);
	conf.kernel = USH_DIGEST_KERNEL_COUNT;
	cr_assert_null(ush_digest_ctx_create(&conf));
}
