/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * bench-punt: what a STIR/SHAKEN punt costs a worker, per INVITE, in the steps the worker
 * runs (dataplane/usher/worker.c), on one core, thread CPU time, median of 9 runs of 20,000
 * bursts of 32 INVITEs with Identity from an allow-listed trunk:
 *
 *   pipeline   ush_auth_process_burst with [identity] enabled minus the same burst disabled
 *              (the pre-check, the first P-Asserted-Identity value, the punt spans)
 *   punt       the punt record written into a buffer (ush_ctl_punt_put) + rte_ring MP enqueue
 *   verdict    rte_ring SC dequeue of the verdicts + ush_auth_ident_apply (parse again, mark
 *              with verstat) + the copy back into the frame with its UDP checksum
 *
 * The rings are real rte_rings (rte_ring_init on heap memory: no EAL); the mempool get/put of
 * the record buffer is not included (a per-lcore cache hit, a few ns). Frames, lengths and the
 * IPv4 header checksum are not included either (constant, tens of ns).
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bench_common.h"
#include "ush_auth.h"
#include "ush_ctl.h"

#define RUNS   9
#define BURSTS 20000
#define N      32
#define NOW    1800000000u

static const char invite[] =
	"INVITE sip:+12025550101@pbx.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bK-524287-1---a6f3c1d2e4b5\r\n"
	"Max-Forwards: 69\r\n"
	"From: \"+12025550100\" <sip:+12025550100@carrier.example;user=phone>;tag=8a7b6c5d\r\n"
	"To: <sip:+12025550101@pbx.example.net;user=phone>\r\n"
	"P-Asserted-Identity: <sip:+12025550100@carrier.example;user=phone>\r\n"
	"Call-ID: YjA3ZTk4ZDU0NjgxMjM0NTY3ODkwYWJjZGVm@carrier.example\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:+12025550100@192.0.2.77:5060>\r\n"
	"Identity: eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0"
	"cHM6Ly9jZXJ0LmV4YW1wbGUudGVzdC9zcC5wZW0ifQ.eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMj"
	"AyNTU1MDEwMSJdfSwiaWF0IjoxODAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTIwMjU1NTAxMDAifSwib3JpZ2lk"
	"IjoiMTIzZTQ1NjctZTg5Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0.mRRHzZRCpXQsIxy5Zv-xnhkm3xDJnC"
	"0X5GzOkvD9vIrUbCEiUB4UakqM8h5WZUOGQiaw0R_ik8OvECSd-hshgA;info=<https://cert.example.te"
	"st/sp.pem>;alg=ES256;ppt=shaken\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 129\r\n"
	"\r\n"
	"v=0\r\n"
	"o=- 0 424242 IN IP4 192.0.2.77\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.77\r\n"
	"t=0 0\r\n"
	"m=audio 8000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n";

static struct ush_auth_shared sh;
static struct ush_auth_worker *w;
static struct ush_auth_conf conf;

static void
setup(void)
{
	static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);
	void *nc = aligned_alloc(64, ush_nc_table_size(10));

	conf = (struct ush_auth_conf){
		.realm = "pbx.example.net",
		.algos = {USH_ALGO_SHA256},
		.n_algos = 1,
		.qop_mask = 1u << USH_QOP_AUTH,
		.nonce_lifetime = 300,
		.tag_prefix = "ush-",
	};
	if (ctx == NULL || nc == NULL ||
	    ush_nonce_keys_init(ctx, &sh.keys, 1, secret, sizeof(secret), 0, NULL, 0) < 0)
		exit(1);
	ush_digest_ctx_free(ctx);
	memset(nc, 0, ush_nc_table_size(10));
	sh.nc = ush_nc_table_init(nc, 10, 0x6e63);
	sh.boot_time = NOW - 1000;
	w = ush_auth_worker_create(&conf, &sh, 0, 1, NULL);
	if (w == NULL)
		exit(1);
}

static void
lanes(struct ush_auth_pkt *p)
{
	for (int i = 0; i < N; i++) {
		p[i] = (struct ush_auth_pkt){
			.sip = invite, .sip_len = sizeof(invite) - 1, .flags = USH_AUTH_PKT_ALLOW};
		p[i].src.af = AF_INET;
		p[i].src.port = 5060;
		inet_pton(AF_INET, "192.0.2.77", p[i].src.addr);
	}
}

static double
pipeline_ns(bool enabled)
{
	struct ush_auth_pkt p[N];
	double t0;

	conf.ident.enabled = enabled;
	ush_auth_worker_reconf(w, &conf);
	t0 = bench_cpu_now();
	for (int b = 0; b < BURSTS; b++) {
		lanes(p);
		ush_auth_process_burst(w, p, N, NOW);
		if (p[0].action != (enabled ? USH_AUTH_PUNT : USH_AUTH_FORWARD))
			exit(2);
	}
	return (bench_cpu_now() - t0) * 1e9 / (BURSTS * N);
}

struct verdict {
	uint64_t id;
	uint8_t idv, attest, reason_len, pad;
	char reason[32];
};

int
main(void)
{
	static uint8_t rec[N][USH_CTL_PUNT_REC_MAX];
	static char out[70000], frame[N][4096];
	double off[RUNS], on[RUNS], punt[RUNS], verd[RUNS], sink = 0;
	struct rte_ring *pr, *vr;
	struct ush_auth_pkt p[N];

	setup();
	pr = aligned_alloc(64, (size_t)rte_ring_get_memsize(1024));
	vr = aligned_alloc(64, (size_t)rte_ring_get_memsize_elem(sizeof(struct verdict), 1024));
	if (pr == NULL || vr == NULL || rte_ring_init(pr, "punt", 1024, RING_F_SC_DEQ) < 0 ||
	    rte_ring_init(vr, "verdict", 1024, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0)
		return 1;
	conf.ident.enabled = true;
	ush_auth_worker_reconf(w, &conf);
	lanes(p);
	ush_auth_process_burst(w, p, N, NOW);
	for (int r = 0; r < RUNS; r++) {
		double t0, t_punt = 0, t_verd = 0;

		off[r] = pipeline_ns(false);
		on[r] = pipeline_ns(true);
		for (int b = 0; b < BURSTS; b++) {
			struct verdict v[N];
			void *ptr[N];
			unsigned int n;

			/* the worker: records and pointers onto the MP ring */
			t0 = bench_cpu_now();
			for (int i = 0; i < N; i++) {
				struct ush_ctl_punt pu = {
					.id = (uint64_t)i << 32 | (uint64_t)b,
					.identity = invite + p[i].id_off[USH_AUTH_PUNT_IDENTITY],
					.identity_len = p[i].id_len[USH_AUTH_PUNT_IDENTITY],
					.from = invite + p[i].id_off[USH_AUTH_PUNT_FROM],
					.from_len = p[i].id_len[USH_AUTH_PUNT_FROM],
					.pai = invite + p[i].id_off[USH_AUTH_PUNT_PAI],
					.pai_len = p[i].id_len[USH_AUTH_PUNT_PAI],
					.to = invite + p[i].id_off[USH_AUTH_PUNT_TO],
					.to_len = p[i].id_len[USH_AUTH_PUNT_TO],
				};
				size_t o = 0;

				ush_ctl_punt_put(rec[i], sizeof(rec[i]), &o, &pu);
				if (rte_ring_mp_enqueue(pr, rec[i]) != 0)
					return 3;
			}
			t_punt += bench_cpu_now() - t0;
			/* the main lcore (not timed): records out, verdicts in */
			n = rte_ring_sc_dequeue_burst(pr, ptr, N, NULL);
			for (unsigned int i = 0; i < n; i++) {
				v[i] = (struct verdict){
					.id = i, .idv = USH_CTL_IDV_PASSED, .attest = 'A'};
				rte_ring_sp_enqueue_elem(vr, &v[i], sizeof(v[i]));
			}
			/* the worker: verdicts applied, frames rewritten with their UDP checksum */
			t0 = bench_cpu_now();
			n = rte_ring_sc_dequeue_burst_elem(vr, v, sizeof(v[0]), N, NULL);
			for (unsigned int i = 0; i < n; i++) {
				struct ush_reply_source src = {.af = AF_INET, .port = 5060};
				struct ush_auth_ident_res res;

				ush_auth_ident_apply(w, invite, sizeof(invite) - 1, &src, v[i].idv,
						     NULL, out, sizeof(out), &res);
				if (res.reply || res.len <= 0 || (size_t)res.len > sizeof(frame[0]))
					return 4;
				memcpy(frame[i], out, (size_t)res.len);
				sink += rte_raw_cksum(frame[i], (size_t)res.len);
			}
			t_verd += bench_cpu_now() - t0;
		}
		punt[r] = t_punt * 1e9 / (BURSTS * N);
		verd[r] = t_verd * 1e9 / (BURSTS * N);
	}
	printf("INVITE with Identity: %zu bytes; per INVITE, ns of one core (median of %d):\n",
	       sizeof(invite) - 1, RUNS);
	printf("  pipeline, [identity] off      %7.1f\n", bench_median(off, RUNS));
	printf("  pipeline, [identity] on       %7.1f  (+%.1f: pre-check, spans)\n",
	       bench_median(on, RUNS), bench_median(on, RUNS) - bench_median(off, RUNS));
	printf("  punt record + ring enqueue    %7.1f\n", bench_median(punt, RUNS));
	printf("  verdict: dequeue, parse, mark, copy + UDP checksum %7.1f\n",
	       bench_median(verd, RUNS));
	printf("  worker cost of a punt         %7.1f  (on - off + punt + verdict)\n",
	       bench_median(on, RUNS) - bench_median(off, RUNS) + bench_median(punt, RUNS) +
		       bench_median(verd, RUNS));
	return sink < 0;
}
