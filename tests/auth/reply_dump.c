/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Prints replies built from fixed requests, for check_reply_tshark.py to wrap in a pcap. */

/*
 * Output, per reply: a line "<status> <length>\n", then exactly <length> bytes of SIP.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_reply.h"
#include "ush_sip.h"

struct dump_case {
	const char *request;
	uint16_t code;
	const char *to_tag;
	int af;
	const char *src;
	uint16_t port;
	bool challenge;
	uint8_t n_algos;
	uint8_t qop_mask;
	bool stale;
	uint32_t retry_after;
	const char *server; /* Server header value, NULL: none (the default) */
};

#define QA (1u << USH_QOP_AUTH)
#define QI (1u << USH_QOP_AUTH_INT)

static const struct dump_case cases[] = {
	{"REGISTER sip:example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 192.168.1.20:5060;rport;branch=z9hG4bK-reg-1\r\n"
	 "Max-Forwards: 70\r\n"
	 "From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n"
	 "To: \"Alice\" <sip:alice@example.com>\r\n"
	 "Call-ID: 1j9FpLxk3uxtm8tn@192.168.1.20\r\n"
	 "CSeq: 1 REGISTER\r\n"
	 "Contact: <sip:alice@192.168.1.20:5060>\r\n"
	 "Content-Length: 0\r\n\r\n",
	 401, "ush1-00000001", AF_INET, "198.51.100.20", 40123, true, 3, QA, false, 0,
	 "Acme-SBC/2.1 (edge)"},
	{"INVITE sip:bob@example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP proxy.example.net:5060;branch=z9hG4bK-p-1;received=10.0.0.1, "
	 "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK-u-1\r\n"
	 "v: SIP/2.0/UDP [2001:db8::33]:5070;branch=z9hG4bK-u-0\r\n"
	 "f: Alice <sip:alice@example.com>;tag=1928301774\r\n"
	 "t: Bob <sip:bob@example.com>\r\n"
	 "i: a84b4c76e66710@pc33.example.com\r\n"
	 "CSeq: 314159 INVITE\r\n"
	 "l: 0\r\n\r\n",
	 407, "ush1-00000002", AF_INET, "203.0.113.5", 5060, true, 2, QA | QI, true, 0},
	{"INVITE sip:bob@example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 203.0.113.9:5062;rport;branch=z9hG4bK-bad-1\r\n"
	 "From: <sip:mallory@example.com>;tag=m1\r\n"
	 "To: <sip:bob@example.com>\r\n"
	 "Call-ID: broken-1@203.0.113.9\r\n"
	 "CSeq: 5 INVITE\r\n"
	 "Max-Forwards: many\r\n\r\n",
	 400, "ush1-00000003", AF_INET, "203.0.113.9", 5062, false, 0, 0, false, 0},
	{"OPTIONS sip:carol@example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-opt-1\r\n"
	 "From: <sip:alice@example.com>;tag=o1\r\n"
	 "To: <sip:carol@example.com>\r\n"
	 "Call-ID: opt-1@192.0.2.4\r\n"
	 "CSeq: 63104 OPTIONS\r\n\r\n",
	 503, "ush1-00000004", AF_INET, "192.0.2.4", 5060, false, 0, 0, false, 30, "PBX"},
	{"REGISTER sip:example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP [2001:db8::10]:5060;rport;branch=z9hG4bK-reg6\r\n"
	 "From: <sip:dave@example.com>;tag=d6\r\n"
	 "To: <sip:dave@example.com>\r\n"
	 "Call-ID: reg6@example.com\r\n"
	 "CSeq: 2 REGISTER\r\n\r\n",
	 401, "ush1-00000005", AF_INET6, "2001:db8:0:1::77", 5099, true, 1, QI, false, 0},
	{"MESSAGE sip:bob@example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK-msg-1\r\n"
	 "From: sip:alice@example.com;tag=x1\r\n"
	 "To: sip:bob@example.com\r\n"
	 "Call-ID: msg-1@192.0.2.7\r\n"
	 "CSeq: 1 MESSAGE\r\n\r\n",
	 403, "ush1-00000006", AF_INET, "192.0.2.7", 5060, false, 0, 0, false, 0},
	{"BYE sip:alice@pc33.example.com SIP/2.0\r\n"
	 "Via: SIP/2.0/UDP 192.0.2.8:5060;branch=z9hG4bK-bye-1\r\n"
	 "From: Bob <sip:bob@example.com>;tag=b9\r\n"
	 "To: Alice <sip:alice@example.com>;tag=1928301774\r\n"
	 "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	 "CSeq: 231 BYE\r\n\r\n",
	 407, "ush1-00000007", AF_INET, "192.0.2.8", 5060, true, 1, 0, true, 0},
};

static const uint8_t algos[] = {USH_ALGO_SHA512_256, USH_ALGO_SHA256, USH_ALGO_MD5};
static const char *const nonces[] = {
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX",
	"GBkaGxwdHh8gISIjJCUmJygpKissLS4v",
	"MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZH",
};

int
main(void)
{
	static char out[USH_REPLY_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dump_case *c = &cases[i];
		struct ush_sip_msg msg;
		struct ush_reply_source src = {.af = (uint8_t)c->af, .port = c->port};
		struct ush_reply_challenge ch = {
			.realm = "example.com",
			.realm_len = strlen("example.com"),
			.algos = algos,
			.nonces = nonces,
			.nonce_len = strlen(nonces[0]),
			.n_algos = c->n_algos,
			.qop_mask = c->qop_mask,
			.stale = c->stale,
			.proxy = c->code == 407,
		};
		int n;

		(void)ush_sip_parse(c->request, strlen(c->request), &msg);
		if (inet_pton(c->af, c->src, src.addr) != 1) {
			fprintf(stderr, "case %zu: bad source %s\n", i, c->src);
			return 1;
		}
		n = ush_reply_build(out, sizeof(out), c->request, &msg, c->code, c->to_tag,
				    strlen(c->to_tag), &src, c->challenge ? &ch : NULL,
				    c->retry_after, c->server,
				    c->server != NULL ? strlen(c->server) : 0);
		if (n < 0) {
			fprintf(stderr, "case %zu: ush_reply_build: %d\n", i, n);
			return 1;
		}
		printf("%u %d\n", c->code, n);
		fwrite(out, 1, (size_t)n, stdout);
	}
	return 0;
}
