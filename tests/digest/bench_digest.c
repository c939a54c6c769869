/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Digest engine benchmark: our kernels next to OpenSSL EVP, same run (scripts/bench-digest). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ush_digest.h"
#include "../bench/bench_common.h"

#define MAX_REPS 15
#define BATCH_MAX USH_DIGEST_BURST_MAX
#define RAW_MSGS 64

static double opt_time = 0.25; /* seconds per measurement */
static int opt_reps = 5;        /* measurements per figure; the median is printed */
static int opt_batch = 32;      /* lanes per verify call (one rx burst) */
static volatile unsigned int sink;

/* Median over opt_reps runs of units/s: fn(arg) does `units` units of work per call. */
static double
measure(void (*fn)(void *), void *arg, double units)
{
	double rates[MAX_REPS];

	unsigned long inner = 1;
	double t0, t;

	/*
	 * Reading the thread CPU clock is a syscall (~0.5 us in this VM): call fn in groups big
	 * enough to take >= 2 ms, so the clock costs < 0.1 % of what is measured.
	 */
	do {
		inner *= 2;
		t0 = bench_cpu_now();
		for (unsigned long i = 0; i < inner; i++)
			fn(arg);
		t = bench_cpu_now() - t0;
	} while (t < 2e-3);
	for (int r = 0; r < opt_reps; r++) {
		unsigned long calls = 0;

		t0 = bench_cpu_now();
		do {
			for (unsigned long i = 0; i < inner; i++)
				fn(arg);
			calls += inner;
			t = bench_cpu_now() - t0;
		} while (t < opt_time);
		rates[r] = (double)calls * units / t;
	}
	return bench_median(rates, opt_reps);
}

static void
row(const char *kernel, const char *what, double ours, double ossl)
{
	printf("%-8s %-40s %10.2f M/s", kernel, what, ours / 1e6);
	if (ossl > 0)
		printf(" %10.2f M/s %8.1fx\n", ossl / 1e6, ours / ossl);
	else
		printf(" %14s %9s\n", "-", "-");
	fflush(stdout);
}

/* ---- raw hashes ---- */

struct raw {
	struct ush_digest_ctx *ctx;
	enum ush_hash hash;
	struct ush_digest_msg msg[RAW_MSGS];
	EVP_MD *md;
	EVP_MD_CTX *mdctx;
};

static uint8_t pool[RAW_MSGS * 1024 + 64];
static uint8_t outs[RAW_MSGS][32];

static void
raw_ours(void *arg)
{
	struct raw *r = arg;

	switch (r->hash) {
	case USH_HASH_MD5:
		ush_md5_burst(r->ctx, r->msg, RAW_MSGS);
		break;
	case USH_HASH_SHA256:
		ush_sha256_burst(r->ctx, r->msg, RAW_MSGS);
		break;
	default:
		ush_sha512_256_burst(r->ctx, r->msg, RAW_MSGS);
		break;
	}
	sink += outs[0][0];
}

static void
raw_ossl(void *arg)
{
	struct raw *r = arg;
	unsigned int l;

	for (int i = 0; i < RAW_MSGS; i++) {
		EVP_DigestInit_ex2(r->mdctx, r->md, NULL);
		EVP_DigestUpdate(r->mdctx, r->msg[i].data, r->msg[i].len);
		EVP_DigestFinal_ex(r->mdctx, r->msg[i].out, &l);
	}
	sink += outs[0][0];
}

static unsigned int
blocks_of(enum ush_hash h, uint32_t len)
{
	return h == USH_HASH_SHA512_256 ? (len + 16) / 128 + 1 : (len + 8) / 64 + 1;
}

/* ---- full verification ---- */

struct ver {
	struct ush_digest_ctx *ctx;
	enum ush_algo algo;
	unsigned int n;
	struct ush_digest_lane lane[BATCH_MAX];
	enum ush_digest_verdict v[BATCH_MAX];
	char resp[BATCH_MAX][65];
	char nonce[BATCH_MAX][37];
	char cnonce[BATCH_MAX][9];
	uint8_t ha1[BATCH_MAX][32];
	EVP_MD *md;
	EVP_MD_CTX *mdctx;
};

static const char method[] = "REGISTER";
static const char uri[] = "sip:registrar.example.com";
static const char nc[] = "00000001";

static void
hexs(const uint8_t *in, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
}

/* The same work one request at a time through OpenSSL EVP (fetched MD, reused EVP_MD_CTX). */
static int
ossl_verify(struct ver *w, unsigned int i)
{
	const struct ush_digest_lane *ln = &w->lane[i];
	unsigned int hl = (unsigned int)EVP_MD_get_size(w->md), l;
	uint8_t ha2[32], out[32], got[32];
	char buf[512];
	size_t n = 0;

	EVP_DigestInit_ex2(w->mdctx, w->md, NULL);
	EVP_DigestUpdate(w->mdctx, method, sizeof(method) - 1);
	EVP_DigestUpdate(w->mdctx, ":", 1);
	EVP_DigestUpdate(w->mdctx, uri, sizeof(uri) - 1);
	EVP_DigestFinal_ex(w->mdctx, ha2, &l);

	hexs(ln->ha1, hl, buf);
	n = 2 * hl;
	buf[n++] = ':';
	memcpy(buf + n, ln->nonce, ln->nonce_len);
	n += ln->nonce_len;
	buf[n++] = ':';
	memcpy(buf + n, "00000001:", 9);
	n += 9;
	memcpy(buf + n, ln->cnonce, ln->cnonce_len);
	n += ln->cnonce_len;
	memcpy(buf + n, ":auth:", 6);
	n += 6;
	hexs(ha2, hl, buf + n);
	n += 2 * hl;
	EVP_DigestInit_ex2(w->mdctx, w->md, NULL);
	EVP_DigestUpdate(w->mdctx, buf, n);
	EVP_DigestFinal_ex(w->mdctx, out, &l);
	if (ush_digest_hex_decode(ln->response, ln->response_len, got, hl) != 0)
		return 0;
	return CRYPTO_memcmp(got, out, hl) == 0;
}

static void
ver_ours(void *arg)
{
	struct ver *w = arg;

	sink += (unsigned int)ush_digest_verify_burst(w->ctx, w->lane, w->n, w->v);
}

static void
ver_ossl(void *arg)
{
	struct ver *w = arg;
	unsigned int ok = 0;

	for (unsigned int i = 0; i < w->n; i++)
		ok += (unsigned int)ossl_verify(w, i);
	sink += ok;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Realistic lanes: 36-char nonce, 8-char cnonce, qop=auth; 1 in 5 responses forged. */
static int
ver_setup(struct ver *w, struct ush_digest_ctx *ctx, enum ush_algo algo, unsigned int n)
{
	enum ush_hash h = ush_algo_hash(algo);
	unsigned int hl = (unsigned int)ush_hash_len(h);
	uint8_t exp[BATCH_MAX][USH_DIGEST_MAX_LEN];
	unsigned int expect_ok = 0;

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->algo = algo;
	w->n = n;
	for (unsigned int i = 0; i < n; i++) {
		struct ush_digest_lane *ln = &w->lane[i];

		for (int k = 0; k < 36; k++)
			w->nonce[i][k] = b64[rnd() % 64];
		for (int k = 0; k < 8; k++)
			w->cnonce[i][k] = "0123456789abcdef"[rnd() % 16];
		for (unsigned int k = 0; k < hl; k++)
			w->ha1[i][k] = (uint8_t)rnd();
		ln->ha1 = w->ha1[i];
		ln->algo = (uint8_t)algo;
		ln->qop = USH_QOP_AUTH;
		ln->method = method;
		ln->method_len = sizeof(method) - 1;
		ln->uri = uri;
		ln->uri_len = sizeof(uri) - 1;
		ln->nonce = w->nonce[i];
		ln->nonce_len = 36;
		ln->nc = nc;
		ln->nc_len = 8;
		ln->cnonce = w->cnonce[i];
		ln->cnonce_len = 8;
		ln->response = w->resp[i];
		ln->response_len = (uint16_t)(2 * hl);
	}
	if (ush_digest_compute_burst(ctx, w->lane, n, exp, w->v) != (int)n)
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		hexs(exp[i], hl, w->resp[i]);
		if (i % 5 == 4)
			w->resp[i][3] = w->resp[i][3] == '0' ? '1' : '0';
		else
			expect_ok++;
	}
	w->md = EVP_MD_fetch(NULL, h == USH_HASH_MD5 ? "MD5" : h == USH_HASH_SHA256 ? "SHA256"
										 : "SHA512-256",
			NULL);
	w->mdctx = EVP_MD_CTX_new();
	if (w->md == NULL || w->mdctx == NULL)
		return -ENOMEM;
	/* Both sides must agree before either is timed. */
	if (ush_digest_verify_burst(ctx, w->lane, n, w->v) != (int)expect_ok)
		return -EIO;
	for (unsigned int i = 0; i < n; i++)
		if (ossl_verify(w, i) != (w->v[i] == USH_DIGEST_OK))
			return -EIO;
	return 0;
}

static void
ver_free(struct ver *w)
{
	EVP_MD_free(w->md);
	EVP_MD_CTX_free(w->mdctx);
}

/* ---- HMAC-SHA-256 of nonce-sized messages (the nonce MAC) ---- */

#define HMAC_MSG_LEN 12

struct hm {
	struct ush_digest_ctx *ctx;
	struct ush_digest_hmac_key key;
	struct ush_digest_msg msg[BATCH_MAX];
	unsigned int n;
	EVP_MAC_CTX *mac;
};

static void
hmac_ours(void *arg)
{
	struct hm *h = arg;

	ush_digest_hmac_sha256_burst(h->ctx, &h->key, h->msg, h->n, 16);
	sink += outs[0][0];
}

static void
hmac_ossl(void *arg)
{
	struct hm *h = arg;
	size_t l;

	for (unsigned int i = 0; i < h->n; i++) {
		EVP_MAC_init(h->mac, NULL, 0, NULL); /* same key: only resets the state */
		EVP_MAC_update(h->mac, h->msg[i].data, h->msg[i].len);
		EVP_MAC_final(h->mac, h->msg[i].out, &l, 32);
	}
	sink += outs[0][0];
}

static double ossl_hmac;

static void
bench_hmac(struct ush_digest_ctx *ctx, const char *kname, bool ossl)
{
	static const uint8_t key[32] = "bench-secret-bench-secret-bench!";
	static char md_name[] = "SHA256"; /* OSSL_PARAM takes a non-const string */
	struct hm h;
	char what[64];

	memset(&h, 0, sizeof(h));
	h.ctx = ctx;
	h.n = (unsigned int)opt_batch;
	ush_digest_hmac_key_init(ctx, key, sizeof(key), &h.key);
	for (unsigned int i = 0; i < h.n; i++) {
		h.msg[i].data = pool + (size_t)i * 1024 + (size_t)(i & 7);
		h.msg[i].len = HMAC_MSG_LEN;
		h.msg[i].out = outs[i];
	}
	if (ossl) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("digest", md_name, 0),
				   OSSL_PARAM_construct_end()};

		h.mac = EVP_MAC_CTX_new(m);
		EVP_MAC_init(h.mac, key, sizeof(key), p);
		ossl_hmac = measure(hmac_ossl, &h, h.n);
		EVP_MAC_CTX_free(h.mac);
		EVP_MAC_free(m);
	}
	/* which path ran: the SHA-NI kernel, or ipsec-mb with its manager */
	snprintf(what, sizeof(what), "hmac-sha256 tags/s, %d-B msgs x%u (%s%s)", HMAC_MSG_LEN, h.n,
			ush_digest_ctx_hmac_ni(ctx) ? "sha-ni" : "imb ",
			ush_digest_ctx_hmac_ni(ctx) ? "" : ush_digest_imb_name(ush_digest_ctx_imb(ctx)));
	row(kname, what, measure(hmac_ours, &h, h.n), ossl_hmac);
}

/* ---- driver ---- */

static const char *const hash_names[] = {"md5", "sha256", "sha512-256"};
static const char *const md_names[] = {"MD5", "SHA256", "SHA512-256"};

/* OpenSSL figures do not depend on our kernel: measured once, printed on every kernel's rows. */
static double ossl_raw[USH_HASH_COUNT][2];
static double ossl_ver[USH_HASH_COUNT];

static const uint32_t raw_lens[2] = {55, 1000};

static void
bench_raw(struct ush_digest_ctx *ctx, const char *kname, enum ush_hash h, int li, bool ossl)
{
	struct raw r;
	char what[64];
	double units = RAW_MSGS * (double)blocks_of(h, raw_lens[li]);

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.hash = h;
	for (int i = 0; i < RAW_MSGS; i++) {
		r.msg[i].data = pool + (size_t)i * 1024 + (size_t)(i & 7);
		r.msg[i].len = raw_lens[li];
		r.msg[i].out = outs[i];
	}
	if (ossl) {
		r.md = EVP_MD_fetch(NULL, md_names[h], NULL);
		r.mdctx = EVP_MD_CTX_new();
		ossl_raw[h][li] = measure(raw_ossl, &r, units);
		EVP_MD_free(r.md);
		EVP_MD_CTX_free(r.mdctx);
	}
	snprintf(what, sizeof(what), "%s blocks/s, %u-B msgs x%d", hash_names[h], raw_lens[li],
			RAW_MSGS);
	row(kname, what, measure(raw_ours, &r, units), ossl_raw[h][li]);
}

static int
bench_verify(struct ush_digest_ctx *ctx, const char *kname, enum ush_algo algo, bool ossl)
{
	enum ush_hash h = ush_algo_hash(algo);
	struct ver *w = malloc(sizeof(*w));
	char what[64];
	int rc;

	if (w == NULL)
		return -ENOMEM;
	rc = ver_setup(w, ctx, algo, (unsigned int)opt_batch);
	if (rc < 0) {
		fprintf(stderr, "bench-digest: %s %s: engine and OpenSSL disagree\n", kname,
				hash_names[h]);
		free(w);
		return rc;
	}
	if (ossl)
		ossl_ver[h] = measure(ver_ossl, w, w->n);
	snprintf(what, sizeof(what), "%s verify/s, batch %d%s", hash_names[h], opt_batch,
			ush_digest_ctx_imb(ctx) == USH_DIGEST_IMB_SSE && h == USH_HASH_SHA256 &&
							ush_digest_ctx_kernel(ctx) !=
									USH_DIGEST_KERNEL_SCALAR
					? " (imb sse/SHA-NI)"
					: "");
	row(kname, what, measure(ver_ours, w, w->n), ossl_ver[h]);
	ver_free(w);
	free(w);
	return 0;
}

static void
cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0 || strncmp(line, "cpu family", 10) == 0 ||
				strncmp(line, "model\t", 6) == 0) {
			char *v = strchr(line, ':');

			printf("# %.*s:%s", (int)strcspn(line, "\t:"), line,
					v != NULL ? v + 1 : "\n");
		}
		if (line[0] == '\n')
			break;
	}
	fclose(f);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_digest [-t seconds] [-r reps] [-b batch] [-k kernel]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	bool ossl_done = false;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "-t") == 0)
			opt_time = atof(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0)
			opt_reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "-b") == 0)
			opt_batch = atoi(argv[++i]);
		else if (strcmp(argv[i], "-k") == 0)
			only = argv[++i];
		else
			usage();
	}
	if (opt_reps < 1 || opt_reps > MAX_REPS || opt_time <= 0 || opt_batch < 1 ||
			opt_batch > BATCH_MAX)
		usage();
	for (size_t i = 0; i < sizeof(pool); i++)
		pool[i] = (uint8_t)rnd();

	cpu_model();
	printf("# OpenSSL %s; per-thread CPU time; median of %d runs of %.2f s\n",
			OpenSSL_version(OPENSSL_VERSION_STRING), opt_reps, opt_time);
	printf("%-8s %-40s %14s %14s %9s\n", "kernel", "what", "usher", "openssl-evp", "ratio");

	for (int k = USH_DIGEST_KERNEL_AVX512; k >= USH_DIGEST_KERNEL_SCALAR; k--) {
		struct ush_digest_conf conf = {.kernel = (enum ush_digest_kernel)k};
		const char *kname = ush_digest_kernel_name((enum ush_digest_kernel)k);
		struct ush_digest_ctx *ctx;

		if (only != NULL && strcmp(only, kname) != 0)
			continue;
		if (!ush_digest_kernel_supported(conf.kernel)) {
			printf("%-8s (not supported by this CPU)\n", kname);
			continue;
		}
		ctx = ush_digest_ctx_create(&conf);
		if (ctx == NULL) {
			perror("ush_digest_ctx_create");
			return 1;
		}
		for (int h = 0; h < USH_HASH_COUNT; h++)
			for (int li = 0; li < 2; li++)
				bench_raw(ctx, kname, (enum ush_hash)h, li, !ossl_done);
		if (bench_verify(ctx, kname, USH_ALGO_MD5, !ossl_done) < 0 ||
				bench_verify(ctx, kname, USH_ALGO_SHA256, !ossl_done) < 0 ||
				bench_verify(ctx, kname, USH_ALGO_SHA512_256, !ossl_done) < 0)
			return 1;
		bench_hmac(ctx, kname, !ossl_done);
		ush_digest_ctx_free(ctx);
		if (k != USH_DIGEST_KERNEL_SCALAR) {
			/* ipsec-mb's SSE manager uses SHA-NI: compare it for SHA-256. */
			conf.imb = USH_DIGEST_IMB_SSE;
			ctx = ush_digest_ctx_create(&conf);
			if (ctx == NULL || bench_verify(ctx, kname, USH_ALGO_SHA256, false) < 0)
				return 1;
			bench_hmac(ctx, kname, false);
			ush_digest_ctx_free(ctx);
		}
		ossl_done = true;
	}
	return 0;
}
