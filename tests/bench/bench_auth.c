/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Pipeline benchmark without DPDK: requests per second through ush_auth_process_burst() on
 * one core, in bursts of 32, for the challenge path and the verify path (MD5, SHA-256,
 * SHA-512-256; each request a fresh nc so none is a replay), and the nonce MAC alone (make and
 * check bursts of 32 on a ctx configured as the worker's nonce ctx). Thread CPU time, median
 * of runs.
 */

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ush_auth.h"
#include "bench_common.h"

#define REALM "pbx.example.net"
#define RUNS 7
#define BURST 32
#define NREQ 4096 /* distinct verify requests (nc 1..NREQ on one nonce per algorithm) */
#define NOW 1800000000u

static void
hexdigest(const EVP_MD *md, const char *s, char *hex)
{
	unsigned char d[64];
	unsigned int n;

	EVP_Digest(s, strlen(s), d, &n, md, NULL);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

static const char register_fmt[] =
	"REGISTER sip:" REALM " SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK%u;rport\r\n"
	"From: \"Front Desk\" <sip:2001@" REALM ">;tag=1939215836\r\n"
	"To: \"Front Desk\" <sip:2001@" REALM ">\r\n"
	"Call-ID: 0_2617380419@198.51.100.23\r\n"
	"CSeq: %u REGISTER\r\n"
	"Contact: <sip:2001@198.51.100.23:5062>\r\n"
	"%s"
	"Max-Forwards: 70\r\n"
	"User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
	"Expires: 3600\r\n"
	"Content-Length: 0\r\n\r\n";

static char *
make_request(unsigned i, const char *auth)
{
	char *s = malloc(2048);

	snprintf(s, 2048, register_fmt, i, i + 1, auth);
	return s;
}

/* Requests/s of n messages fed in bursts, median of RUNS passes. */
static double
bench(struct ush_auth_worker *w, char **msgs, unsigned n, unsigned passes, unsigned want_ctr,
      unsigned *wrong)
{
	/* zeroed: flags and the source address are inputs too (a stray "blocked" flag would
	 * turn a challenge into a 403) */
	struct ush_auth_pkt p[BURST] = {0};
	double rate[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_cpu_now();

		for (unsigned k = 0; k < passes; k++) {
			for (unsigned i = 0; i < n; i += BURST) {
				unsigned b = n - i < BURST ? n - i : BURST;

				for (unsigned j = 0; j < b; j++) {
					p[j].sip = msgs[i + j];
					p[j].sip_len = (uint16_t)strlen(msgs[i + j]);
					p[j].flags = 0;
					p[j].src.af = AF_INET;
					p[j].src.port = 5062;
				}
				ush_auth_process_burst(w, p, b, NOW);
				for (unsigned j = 0; j < b; j++)
					*wrong += p[j].ctr != want_ctr;
			}
		}
		rate[r] = (double)n * passes / (bench_cpu_now() - t0);
	}
	return bench_median(rate, RUNS);
}

/* Nonces made or checked per second, bursts of BURST, median of RUNS passes of `reps`. */
static double
bench_nonce(struct ush_digest_ctx *hctx, const struct ush_nonce_keys *keys, bool check,
	    unsigned int *wrong)
{
	char out[BURST][USH_NONCE_LEN];
	const char *ptr[BURST];
	uint16_t len[BURST];
	uint32_t index[BURST];
	uint8_t algo[BURST];
	struct ush_nonce_info info[BURST];
	enum ush_nonce_status st[BURST];
	const unsigned int reps = 100000;
	double rate[RUNS];

	for (unsigned int i = 0; i < BURST; i++) {
		index[i] = 7000 + i;
		algo[i] = (uint8_t)(i % 3);
		ptr[i] = out[i];
		len[i] = USH_NONCE_LEN;
	}
	ush_nonce_make_burst(hctx, keys, NOW, index, algo, BURST, out);
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_cpu_now();

		for (unsigned int k = 0; k < reps; k++) {
			if (check) {
				*wrong += BURST - (unsigned int)ush_nonce_check_burst(hctx, keys, NOW,
						300, ptr, len, BURST, info, st);
			} else {
				index[k % BURST] += BURST;
				ush_nonce_make_burst(hctx, keys, NOW, index, algo, BURST, out);
			}
		}
		rate[r] = (double)reps * BURST / (bench_cpu_now() - t0);
	}
	return bench_median(rate, RUNS);
}

/* argv[1]: [auth] retransmission_window (default 0: no fingerprint of accepted requests) */
int
main(int argc, char **argv)
{
	static const uint8_t secret[32] = "bench-secret-bench-secret-bench!";
	static const struct {
		const char *name;
		uint8_t algo;
		const EVP_MD *(*md)(void);
	} algs[] = {{"MD5", USH_ALGO_MD5, EVP_md5},
		    {"SHA-256", USH_ALGO_SHA256, EVP_sha256},
		    {"SHA-512-256", USH_ALGO_SHA512_256, EVP_sha512_256}};
	struct ush_auth_conf conf = {
		.realm = REALM,
		.algos = {USH_ALGO_SHA256, USH_ALGO_MD5},
		.n_algos = 2,
		.qop_mask = 1u << USH_QOP_AUTH,
		.nonce_lifetime = 300,
		.tag_prefix = "ush-",
	};
	struct ush_auth_shared sh = {0};
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);
	struct ush_credtab *creds = ush_credtab_create(8);
	unsigned order = 20, wrong = 0;
	void *ncmem = aligned_alloc(64, ush_nc_table_size(order));
	struct ush_auth_worker *w;
	char *msgs[NREQ];

	if (ctx == NULL || creds == NULL || ncmem == NULL)
		return 1;
	memset(ncmem, 0, ush_nc_table_size(order));
	ush_nonce_keys_init(ctx, &sh.keys, 1, secret, sizeof(secret), 0, NULL, 0);
	sh.nc = ush_nc_table_init(ncmem, order, 0x6e63);
	for (unsigned a = 0; a < 3; a++) {
		unsigned char d[64];
		unsigned int dn;
		const char *a1 = "2001:" REALM ":secret";

		EVP_Digest(a1, strlen(a1), d, &dn, algs[a].md(), NULL);
		ush_credtab_set(creds, "2001", 4, REALM, strlen(REALM), ush_algo_hash(algs[a].algo),
				d);
	}
	atomic_store(&sh.creds, creds);
	sh.boot_time = NOW - 10;
	conf.algos[2] = USH_ALGO_SHA512_256;
	conf.n_algos = 3;
	conf.retransmission_window = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 0;
	w = ush_auth_worker_create(&conf, &sh, 0, 1, NULL);
	if (w == NULL)
		return 1;
	printf("digest kernel: %s, retransmission_window %u\n",
	       ush_digest_kernel_name(ush_digest_ctx_kernel(ctx)), conf.retransmission_window);
	printf("%-28s %14s  (median of %d, one core, bursts of %d)\n", "path", "requests/s", RUNS,
	       BURST);

	for (unsigned i = 0; i < NREQ; i++)
		msgs[i] = make_request(i, "");
	printf("%-28s %14.0f\n", "challenge (3 algorithms)",
	       bench(w, msgs, NREQ, 20, USH_CTR_CHALLENGE_NO_CREDS, &wrong));
	for (unsigned i = 0; i < NREQ; i++)
		free(msgs[i]);

	for (unsigned a = 0; a < 3; a++) {
		const EVP_MD *md = algs[a].md();
		char ha1[129], ha2[129], resp[129], kd[512], hdr[1024], a1[128];
		uint32_t index = 1000 + a;
		uint8_t algo = USH_ALGO_UNKNOWN;
		char nonce[1][USH_NONCE_LEN];
		char nonce_s[USH_NONCE_LEN + 1];
		double r = 0;

		ush_nonce_make_burst(ctx, &sh.keys, NOW, &index, &algo, 1, nonce);
		memcpy(nonce_s, nonce[0], USH_NONCE_LEN);
		nonce_s[USH_NONCE_LEN] = '\0';
		snprintf(a1, sizeof(a1), "2001:%s:secret", REALM);
		hexdigest(md, a1, ha1);
		hexdigest(md, "REGISTER:sip:" REALM, ha2);
		for (unsigned i = 0; i < NREQ; i++) {
			snprintf(kd, sizeof(kd), "%s:%s:%08x:0a4f113b:auth:%s", ha1, nonce_s, i + 1,
				 ha2);
			hexdigest(md, kd, resp);
			snprintf(hdr, sizeof(hdr),
				 "Authorization: Digest username=\"2001\", realm=\"" REALM "\", "
				 "nonce=\"%s\", uri=\"sip:" REALM "\", response=\"%s\", "
				 "algorithm=%s, cnonce=\"0a4f113b\", qop=auth, nc=%08x\r\n",
				 nonce_s, resp, algs[a].name, i + 1);
			msgs[i] = make_request(i, hdr);
		}
		/*
		 * Each nc is accepted once; later passes are replays, which cost the same (the
		 * digest is verified before the nc table is consulted) and are counted apart.
		 */
		r = bench(w, msgs, NREQ, 1, USH_CTR_FWD_AUTH_OK, &wrong);
		printf("verify %-21s %14.0f\n", algs[a].name, r);
		for (unsigned i = 0; i < NREQ; i++)
			free(msgs[i]);
	}
	{
		/* the worker's nonce ctx: SSE manager unless configured otherwise (auth.c) */
		struct ush_digest_ctx *hctx =
			ush_digest_ctx_create(&(struct ush_digest_conf){.imb = USH_DIGEST_IMB_SSE});
		unsigned int bad = 0;

		if (hctx == NULL)
			return 1;
		printf("%-28s %14.0f\n", "nonce make (MAC + b64url)",
		       bench_nonce(hctx, &sh.keys, false, &bad));
		printf("%-28s %14.0f\n", "nonce check (b64url + MAC)",
		       bench_nonce(hctx, &sh.keys, true, &bad));
		if (bad != 0)
			printf("(%u nonces failed their check)\n", bad);
		ush_digest_ctx_free(hctx);
	}
	printf("(%u decisions were replays of earlier passes or unexpected)\n", wrong);
	ush_auth_worker_free(w);
	ush_credtab_free(creds);
	ush_digest_ctx_free(ctx);
	free(ncmem);
	return 0;
}
