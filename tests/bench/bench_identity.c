/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * STIR/SHAKEN verification benchmark, one thread: verified PASSporTs per second of thread CPU
 * time, median of several runs, next to a bare OpenSSL ES256 verify of the same signing input.
 *
 *   bare   EVP_DigestVerifyInit + EVP_DigestVerify, DER signature and key prepared once
 *   warm   ushd_identity_verify, certificate cached, result cache off: parse + checks + ES256
 *   hit    ushd_identity_verify of a retransmission: result cache hit (no ES256)
 *   cold   ushd_identity_verify, both caches off: repository read, PEM, TNAuthList,
 *          X509_verify_cert with CRL_CHECK_ALL, ES256 every time
 *   cold-nocrl  the same without CRLs configured
 *
 *   bench_identity PKI_DIR [-t SECONDS] [-r RUNS]      (scripts/bench-identity builds PKI_DIR)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include "id_sign.h"
#include "ushd_identity.h"
#include "bench_common.h"

#define NHDR 64
#define X5U  "https://cert.example.test/sp.pem"

static char hdrs[NHDR][USHD_ID_HDR_MAX];
static time_t iat;

typedef unsigned long (*bench_fn)(void *arg, double seconds);

static double
median_rate(bench_fn fn, void *arg, double seconds, int runs)
{
	double rates[32];

	for (int i = 0; i < runs; i++) {
		double t0 = bench_cpu_now();
		unsigned long n = fn(arg, seconds);

		rates[i] = (double)n / (bench_cpu_now() - t0);
	}
	return bench_median(rates, runs);
}

struct bare_arg {
	EVP_PKEY *pk;
	const char *msg;
	size_t len;
	unsigned char der[80];
	size_t dlen;
};

static unsigned long
run_bare(void *p, double seconds)
{
	struct bare_arg *a = p;
	double end = bench_cpu_now() + seconds;
	unsigned long n = 0;

	while ((n & 63) != 0 || bench_cpu_now() < end) {
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		if (EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, a->pk) != 1 ||
		    EVP_DigestVerify(m, a->der, a->dlen, (const unsigned char *)a->msg, a->len) !=
			    1)
			abort();
		EVP_MD_CTX_free(m);
		n++;
	}
	return n;
}

struct id_arg {
	struct ushd_identity *id;
	int same; /* verify hdrs[0] every time (result-cache hits) */
};

static unsigned long
run_id(void *p, double seconds)
{
	struct id_arg *a = p;
	double end = bench_cpu_now() + seconds;
	unsigned long n = 0;
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.from = "sip:+12025550100@a.example;user=phone",
					.to = "tel:+12025550199",
					.now = iat};

	while ((n & 15) != 0 || bench_cpu_now() < end) {
		req.identity = hdrs[a->same ? 0 : n % NHDR];
		ushd_identity_verify(a->id, &req, &res);
		if (res.verdict != USHD_ID_V_PASSED) {
			fprintf(stderr, "bench: verdict %s (%s)\n",
				ushd_identity_reason_name(res.reason), res.detail);
			exit(1);
		}
		n++;
	}
	return n;
}

static struct ushd_identity *
make(const char *dir, uint32_t cert_cache, uint32_t result_cache, int crls)
{
	struct ushd_identity_conf c;
	struct ushd_identity *id;
	char err[256];

	ushd_identity_conf_defaults(&c);
	snprintf(c.ca_file, sizeof(c.ca_file), "%s/root.pem", dir);
	if (crls)
		snprintf(c.crl_dir, sizeof(c.crl_dir), "%s/crl", dir);
	snprintf(c.repo_dir, sizeof(c.repo_dir), "%s/repo", dir);
	c.cert_cache_max = cert_cache;
	c.result_cache_max = result_cache;
	id = ushd_identity_create(&c, err, sizeof(err));
	if (id == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	return id;
}

int
main(int argc, char **argv)
{
	double seconds = 1.0;
	int runs = 5, opt;
	const char *dir;
	char path[1024];
	EVP_PKEY *sk;
	struct bare_arg bare = {0};
	uint8_t raw[64];

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		if (opt == 't')
			seconds = atof(optarg);
		else if (opt == 'r')
			runs = atoi(optarg);
		else
			goto usage;
	}
	if (optind != argc - 1 || seconds <= 0 || runs < 1 || runs > 32)
		goto usage;
	dir = argv[optind];
	snprintf(path, sizeof(path), "%s/sp.key", dir);
	sk = ids_load_key(path, 0);
	if (sk == NULL) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		return 1;
	}
	iat = time(NULL);
	for (int i = 0; i < NHDR; i++)
		if (ids_shaken(sk, X5U, "12025550100", "12025550199", iat - i % 30, "ABC"[i % 3],
			       hdrs[i], sizeof(hdrs[i])) < 0)
			abort();

	/* bare: the first header's signing input and signature, public key of the leaf */
	{
		const char *h = hdrs[0], *d2 = strchr(strchr(h, '.') + 1, '.');
		ECDSA_SIG *es = ECDSA_SIG_new();
		unsigned char *dp = bare.der;
		char *sig64 = strndup(d2 + 1, strcspn(d2 + 1, ";"));
		unsigned char tmp[100];
		int l;

		/* base64url -> base64 for EVP_DecodeBlock (86 chars + "==") */
		for (char *c = sig64; *c; c++)
			*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
		snprintf((char *)tmp, sizeof(tmp), "%s==", sig64);
		l = EVP_DecodeBlock(raw, tmp, (int)strlen((char *)tmp));
		if (l != 66)
			abort();
		ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
		bare.dlen = (size_t)i2d_ECDSA_SIG(es, &dp);
		ECDSA_SIG_free(es);
		free(sig64);
		bare.msg = h;
		bare.len = (size_t)(d2 - h);
		snprintf(path, sizeof(path), "%s/sp.pub", dir);
		bare.pk = ids_load_key(path, 1);
		if (bare.pk == NULL)
			abort();
	}

	struct id_arg warm = {make(dir, 1024, 0, 1), 0};
	struct id_arg hit = {make(dir, 1024, 4096, 1), 1};
	struct id_arg cold = {make(dir, 0, 0, 1), 0};
	struct id_arg cold_nocrl = {make(dir, 0, 0, 0), 0};
	double r_bare = median_rate(run_bare, &bare, seconds, runs);
	double r_warm = median_rate(run_id, &warm, seconds, runs);
	double r_hit = median_rate(run_id, &hit, seconds, runs);
	double r_cold = median_rate(run_id, &cold, seconds, runs);
	double r_cold_nocrl = median_rate(run_id, &cold_nocrl, seconds, runs);
	struct ushd_identity_stats st;

	printf("STIR/SHAKEN verification, 1 thread, median of %d x %.1f s thread CPU time\n", runs,
	       seconds);
	printf("%-12s %12s %10s %9s\n", "mode", "verified/s", "us/verify", "vs bare");
	printf("%-12s %12.0f %10.1f %9.2f\n", "bare-es256", r_bare, 1e6 / r_bare, 1.0);
	printf("%-12s %12.0f %10.1f %9.2f\n", "warm", r_warm, 1e6 / r_warm, r_warm / r_bare);
	printf("%-12s %12.0f %10.1f %9.2f\n", "hit", r_hit, 1e6 / r_hit, r_hit / r_bare);
	printf("%-12s %12.0f %10.1f %9.2f\n", "cold", r_cold, 1e6 / r_cold, r_cold / r_bare);
	printf("%-12s %12.0f %10.1f %9.2f\n", "cold-nocrl", r_cold_nocrl, 1e6 / r_cold_nocrl,
	       r_cold_nocrl / r_bare);
	ushd_identity_stats(warm.id, &st);
	printf("warm: %lu chain builds for %lu verifications\n", (unsigned long)st.chain_builds,
	       (unsigned long)st.verdict[USHD_ID_V_PASSED]);
	ushd_identity_stats(cold.id, &st);
	printf("cold: %lu chain builds for %lu verifications\n", (unsigned long)st.chain_builds,
	       (unsigned long)st.verdict[USHD_ID_V_PASSED]);
	ushd_identity_free(warm.id);
	ushd_identity_free(hit.id);
	ushd_identity_free(cold.id);
	ushd_identity_free(cold_nocrl.id);
	EVP_PKEY_free(bare.pk);
	EVP_PKEY_free(sk);
	return 0;
usage:
	fprintf(stderr, "usage: bench_identity PKI_DIR [-t SECONDS] [-r RUNS]\n");
	return 2;
}
