/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Parser benchmark: ns per message and bytes per ns for three typical messages, parsed in a
 * loop on one core. Time is thread CPU time (the host preempts this VM's vCPUs, so wall time
 * is noisier); each figure is the median of several runs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ush_sip.h"
#include "bench_common.h"

#define RUNS 9

/* ~650 bytes: a REGISTER as a Yealink phone sends it after a 401. */
static const char msg_register[] =
	"REGISTER sip:pbx.example.net SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK1587092816;rport\r\n"
	"From: \"Front Desk\" <sip:2001@pbx.example.net>;tag=1939215836\r\n"
	"To: \"Front Desk\" <sip:2001@pbx.example.net>\r\n"
	"Call-ID: 0_2617380419@198.51.100.23\r\n"
	"CSeq: 2 REGISTER\r\n"
	"Contact: <sip:2001@198.51.100.23:5062>\r\n"
	"Authorization: Digest username=\"2001\", realm=\"pbx.example.net\", "
	"nonce=\"Z3xLqAAAAAB0mR5Q2l9hXq1eTnJ8c2VjcmV0bWFj\", uri=\"sip:pbx.example.net\", "
	"response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, cnonce=\"0a4f113b\", "
	"qop=auth, nc=00000001\r\n"
	"Max-Forwards: 70\r\n"
	"User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
	"Expires: 3600\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* ~350 bytes: the same phone's first REGISTER, without credentials (answered with a 401). */
static const char msg_register_nocred[] =
	"REGISTER sip:pbx.example.net SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK1587092815;rport\r\n"
	"From: \"Front Desk\" <sip:2001@pbx.example.net>;tag=1939215836\r\n"
	"To: \"Front Desk\" <sip:2001@pbx.example.net>\r\n"
	"Call-ID: 0_2617380419@198.51.100.23\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sip:2001@198.51.100.23:5062>\r\n"
	"Max-Forwards: 70\r\n"
	"User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
	"Expires: 3600\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* ~1,200 bytes: an INVITE with SDP and Proxy-Authorization. */
static const char msg_invite[] =
	"INVITE sip:+14155550123@pbx.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-524287-1---a6f3c1d2e4b5;rport\r\n"
	"Max-Forwards: 70\r\n"
	"Contact: <sip:3002@203.0.113.7:5060;transport=udp>\r\n"
	"To: <sip:+14155550123@pbx.example.net;user=phone>\r\n"
	"From: \"Sales 3002\" <sip:3002@pbx.example.net>;tag=8a7b6c5d\r\n"
	"Call-ID: YjA3ZTk4ZDU0NjgxMjM0NTY3ODkwYWJjZGVm\r\n"
	"CSeq: 2 INVITE\r\n"
	"Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
	"Content-Type: application/sdp\r\n"
	"Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri\r\n"
	"User-Agent: Zoiper rv2.10.19.1\r\n"
	"Allow-Events: presence, kpml, talk\r\n"
	"Proxy-Authorization: Digest username=\"3002\",realm=\"pbx.example.net\","
	"nonce=\"Z3xLqQAAAAEtUu7S9bNnmk1o2JYzZ2V0bWFjdGFn\",uri=\"sip:+14155550123@pbx.example.net;"
	"user=phone\",response=\"a1b2c3d4e5f60718293a4b5c6d7e8f90\",cnonce=\"3b2d1e0f\","
	"nc=00000001,qop=auth,algorithm=MD5\r\n"
	"Content-Length: 474\r\n"
	"\r\n"
	"v=0\r\n"
	"o=Z 0 424242 IN IP4 203.0.113.7\r\n"
	"s=Z\r\n"
	"c=IN IP4 203.0.113.7\r\n"
	"t=0 0\r\n"
	"m=audio 8000 RTP/AVP 106 9 98 101 0 8 3\r\n"
	"a=rtpmap:106 opus/48000/2\r\n"
	"a=fmtp:106 sprop-maxcapturerate=16000; minptime=20; useinbandfec=1\r\n"
	"a=rtpmap:98 telephone-event/48000\r\n"
	"a=fmtp:98 0-16\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"m=video 8002 RTP/AVP 99 34\r\n"
	"a=rtpmap:99 H264/90000\r\n"
	"a=fmtp:99 profile-level-id=42801F; packetization-mode=1\r\n"
	"a=rtpmap:34 H263/90000\r\n"
	"a=fmtp:34 CIF=1; QCIF=1\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-fb:* nack pli\r\n"
	"a=rtcp-mux\r\n"
	"a=ssrc:1234567890 cname:user@host.example.net\r\n";

/* A 401 as Usher itself sends it. */
static const char msg_401[] =
	"SIP/2.0 401 Unauthorized\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK1587092816;rport=5062;"
	"received=198.51.100.23\r\n"
	"From: \"Front Desk\" <sip:2001@pbx.example.net>;tag=1939215836\r\n"
	"To: \"Front Desk\" <sip:2001@pbx.example.net>;tag=ush.5f3c2a\r\n"
	"Call-ID: 0_2617380419@198.51.100.23\r\n"
	"CSeq: 1 REGISTER\r\n"
	"WWW-Authenticate: Digest realm=\"pbx.example.net\", "
	"nonce=\"Z3xLqAAAAAB0mR5Q2l9hXq1eTnJ8c2VjcmV0bWFj\", algorithm=SHA-256, qop=\"auth\"\r\n"
	"WWW-Authenticate: Digest realm=\"pbx.example.net\", "
	"nonce=\"Z3xLqAAAAAB0mR5Q2l9hXq1eTnJ8c2VjcmV0bWFj\", algorithm=MD5, qop=\"auth\"\r\n"
	"Server: Usher\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* Keeps the compiler from dropping parses whose results are never read. */
static volatile unsigned sink;

static double
bench_one(const char *msg, size_t len, unsigned iters, bool with_cred)
{
	struct ush_sip_msg m;
	struct ush_sip_cred c;
	double t0 = bench_cpu_now();

	for (unsigned i = 0; i < iters; i++) {
		enum ush_sip_err err = ush_sip_parse(msg, len, &m);

		if (with_cred && m.auth_count > 0)
			err |= ush_sip_cred_parse(msg, m.auth[0].value, &c);
		sink += err + m.hdr_count;
	}
	return (bench_cpu_now() - t0) * 1e9 / iters;
}

/* ush_sip_cred_parse() alone on the message's first credentials, already located. */
static double
bench_cred(const char *msg, struct ush_sip_span value, unsigned iters)
{
	struct ush_sip_cred c;
	double t0 = bench_cpu_now();

	for (unsigned i = 0; i < iters; i++) {
		/* the barrier keeps the loop from being hoisted: each parse is done anew */
		__asm__ volatile("" : : "r"(msg) : "memory");
		sink += ush_sip_cred_parse(msg, value, &c) + c.response.len;
	}
	return (bench_cpu_now() - t0) * 1e9 / iters;
}

int
main(int argc, char **argv)
{
	const struct {
		const char *name;
		const char *msg;
		size_t len;
	} cases[] = {
		{"REGISTER+Authorization", msg_register, sizeof(msg_register) - 1},
		{"REGISTER, no credentials", msg_register_nocred, sizeof(msg_register_nocred) - 1},
		{"INVITE+SDP", msg_invite, sizeof(msg_invite) - 1},
		{"401 response", msg_401, sizeof(msg_401) - 1},
	};
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 200000;

	printf("%-26s %6s %10s %12s %10s %10s %14s\n", "message", "bytes", "ns/msg", "bytes/ns",
	       "+cred ns", "cred ns", "(median of 9)");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ush_sip_msg m;
		double ns[RUNS], ns_cred[RUNS], ns_cred_only[RUNS];
		enum ush_sip_err err = ush_sip_parse(cases[k].msg, cases[k].len, &m);

		if (err != USH_SIP_EOK) {
			fprintf(stderr, "%s does not parse: %s\n", cases[k].name,
				ush_sip_strerror(err));
			return 1;
		}
		bench_one(cases[k].msg, cases[k].len, iters / 10, true); /* warm up */
		for (int r = 0; r < RUNS; r++) {
			ns[r] = bench_one(cases[k].msg, cases[k].len, iters, false);
			ns_cred[r] = bench_one(cases[k].msg, cases[k].len, iters, true);
			ns_cred_only[r] = m.auth_count > 0
						  ? bench_cred(cases[k].msg, m.auth[0].value, iters)
						  : 0;
		}
		double med = bench_median(ns, RUNS);

		printf("%-26s %6zu %10.1f %12.2f %10.1f %10.1f\n", cases[k].name, cases[k].len, med,
		       cases[k].len / med, bench_median(ns_cred, RUNS),
		       bench_median(ns_cred_only, RUNS));
	}
	return 0;
}
