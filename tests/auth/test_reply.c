/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* The reply builder from the outside: exact bytes, and every reply parsed back by the parser. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "ush_reply.h"
#include "ush_sip.h"

#define CRLF "\r\n"
#define TAIL "Content-Length: 0\r\n\r\n" /* no Server header by default */

/*
 * The request under test lives in a heap block of exactly its length (no NUL), so an
 * over-read of a span shows up under ASan.
 */
static char *r_buf;
static size_t r_len;
static struct ush_sip_msg r_msg;

static char out[USH_REPLY_MAX + 1];
static int out_len;
static struct ush_sip_msg p_msg; /* the reply, parsed back */
static const char *server;       /* Server header of the next build(), NULL: none (default) */

static void
fini(void)
{
	free(r_buf);
	r_buf = NULL;
	server = NULL;
}

TestSuite(reply, .fini = fini);

static enum ush_sip_err
req_any(const char *text)
{
	free(r_buf);
	r_len = strlen(text);
	r_buf = malloc(r_len);
	cr_assert_not_null(r_buf);
	memcpy(r_buf, text, r_len);
	return ush_sip_parse(r_buf, r_len, &r_msg);
}

static void
req(const char *text)
{
	enum ush_sip_err e = req_any(text);

	cr_assert_eq(e, USH_SIP_EOK, "request does not parse: %s", ush_sip_strerror(e));
}

static struct ush_reply_source
src4(const char *a, uint16_t port)
{
	struct ush_reply_source s = {.af = AF_INET, .port = port};

	cr_assert_eq(inet_pton(AF_INET, a, s.addr), 1);
	return s;
}

static struct ush_reply_source
src6(const char *a, uint16_t port)
{
	struct ush_reply_source s = {.af = AF_INET6, .port = port};

	cr_assert_eq(inet_pton(AF_INET6, a, s.addr), 1);
	return s;
}

static int
build(uint16_t code, const char *tag, const struct ush_reply_source *src,
      const struct ush_reply_challenge *ch, uint32_t retry)
{
	memset(out, 0, sizeof(out));
	out_len = ush_reply_build(out, USH_REPLY_MAX, r_buf, &r_msg, code, tag,
				  tag ? strlen(tag) : 0, src, ch, retry, server,
				  server ? strlen(server) : 0);
	return out_len;
}

/* Build, require success, parse the reply back and check its status line. */
static void
build_ok(uint16_t code, const char *tag, const struct ush_reply_source *src,
	 const struct ush_reply_challenge *ch, uint32_t retry)
{
	int n = build(code, tag, src, ch, retry);
	enum ush_sip_err e;

	cr_assert_gt(n, 0, "ush_reply_build: %d", n);
	cr_assert_eq(strlen(out), (size_t)n, "reply has a NUL or wrong length");
	e = ush_sip_parse(out, (size_t)n, &p_msg);
	cr_assert_eq(e, USH_SIP_EOK, "reply does not parse back: %s\n%s", ush_sip_strerror(e), out);
	cr_expect(!p_msg.is_request);
	cr_expect_eq(p_msg.status, code);
	cr_expect_eq(p_msg.msg_len, (uint16_t)n);
	cr_expect_eq(p_msg.content_length, 0);
	cr_expect_eq(p_msg.body.len, 0);
}

static bool
span_is(const char *buf, struct ush_sip_span s, const char *str)
{
	return ush_sip_span_present(s) && s.len == strlen(str) &&
	       memcmp(buf + s.off, str, s.len) == 0;
}

#define EXPECT_P(span, str)                                                                        \
	cr_expect(span_is(out, (span), (str)), "%s: got \"%.*s\", expected \"%s\"", #span,         \
		  (int)(span).len, out + (span).off, (str))

/* Span p of the reply holds the same bytes as span r of the request. */
static bool
same(struct ush_sip_span p, struct ush_sip_span r)
{
	return p.len == r.len && memcmp(out + p.off, r_buf + r.off, r.len) == 0;
}

/* The reply's mandatory fields equal the request's, and the To tag is what it must be. */
static void
expect_copied(const char *to_tag)
{
	struct ush_sip_span to_head = {p_msg.to.raw.off, r_msg.to.raw.len};

	cr_expect_eq(p_msg.via_count, r_msg.via_count);
	for (unsigned int i = 1; i < r_msg.via_count && i < p_msg.via_count; i++)
		cr_expect(same(p_msg.via[i], r_msg.via[i]), "Via %u differs", i);
	cr_expect(same(p_msg.from.raw, r_msg.from.raw), "From differs");
	cr_expect(same(to_head, r_msg.to.raw), "To does not start with the request's To");
	cr_expect(same(p_msg.call_id, r_msg.call_id), "Call-ID differs");
	cr_expect(same(p_msg.cseq_raw, r_msg.cseq_raw), "CSeq differs");
	cr_expect_eq(p_msg.cseq, r_msg.cseq);
	cr_expect_eq(p_msg.cseq_method, r_msg.cseq_method);
	if (to_tag != NULL)
		EXPECT_P(p_msg.to.tag, to_tag);
	else
		cr_expect(!ush_sip_span_present(p_msg.to.tag));
}

static void
expect_out(const char *want)
{
	cr_expect_str_eq(out, want);
}

/* The n-th (0-based) line of the reply that starts with prefix, as a NUL-terminated copy. */
static const char *
line_with(const char *prefix, unsigned int nth)
{
	static char line[USH_REPLY_MAX];
	const char *p = out;

	while (*p != '\0') {
		const char *e = strstr(p, CRLF);

		if (e == NULL)
			break;
		if (strncmp(p, prefix, strlen(prefix)) == 0 && nth-- == 0) {
			memcpy(line, p, (size_t)(e - p));
			line[e - p] = '\0';
			return line;
		}
		p = e + 2;
	}
	return "(none)";
}

static unsigned int
count_lines(const char *prefix)
{
	unsigned int n = 0;

	for (const char *p = out; (p = strstr(p, prefix)) != NULL; p++)
		if (p == out || p[-1] == '\n')
			n++;
	return n;
}

#define RL_REG "REGISTER sip:example.com SIP/2.0\r\n"
#define RL_INV "INVITE sip:bob@example.com SIP/2.0\r\n"

/* An INVITE with one Via and no To-tag */
#define INV_PLAIN                                                                                  \
	RL_INV "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"                                   \
	       "From: <sip:alice@example.com>;tag=f1\r\n"                                         \
	       "To: <sip:bob@example.com>\r\n"                                                    \
	       "Call-ID: c1\r\n"                                                                  \
	       "CSeq: 7 INVITE\r\n\r\n"

#define MAND_REG(via)                                                                              \
	"Via: " via "\r\n"                                                                         \
	"From: <sip:alice@example.com>;tag=a73kszlfl\r\n"                                          \
	"To: <sip:alice@example.com>\r\n"                                                          \
	"Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.10\r\n"                                                 \
	"CSeq: 1 REGISTER\r\n"

#define COPIED_REG                                                                                 \
	"From: <sip:alice@example.com>;tag=a73kszlfl\r\n"                                          \
	"To: <sip:alice@example.com>;tag=ush1x\r\n"                                                \
	"Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.10\r\n"                                                 \
	"CSeq: 1 REGISTER\r\n"

#define VIA_SAME "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7"

/* ---- status line and the fixed lines ---- */

Test(reply, plain_400_same_host_no_received)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG(VIA_SAME) "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	build_ok(400, "ush1x", &s, NULL, 0);
	expect_out("SIP/2.0 400 Bad Request\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7\r\n" COPIED_REG TAIL);
	expect_copied("ush1x");
	cr_expect(!ush_sip_span_present(p_msg.via_top.received));
	EXPECT_P(p_msg.via_top.branch, "z9hG4bKnashds7");
	EXPECT_P(p_msg.reason, "Bad Request");
}

Test(reply, reason_phrases)
{
	static const struct {
		uint16_t code;
		const char *line;
	} t[] = {
		{400, "SIP/2.0 400 Bad Request"},
		{401, "SIP/2.0 401 Unauthorized"},
		{403, "SIP/2.0 403 Forbidden"},
		{407, "SIP/2.0 407 Proxy Authentication Required"},
		{500, "SIP/2.0 500 Server Internal Error"},
		{503, "SIP/2.0 503 Service Unavailable"},
		{100, "SIP/2.0 100 Unknown"},
		{302, "SIP/2.0 302 Unknown"},
		{699, "SIP/2.0 699 Unknown"},
	};
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1") "\r\n");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		build_ok(t[i].code, NULL, &s, NULL, 0);
		cr_expect_str_eq(line_with("SIP/2.0 ", 0), t[i].line);
	}
}

Test(reply, bad_code_is_einval)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1") "\r\n");
	cr_expect_eq(build(99, NULL, &s, NULL, 0), -EINVAL);
	cr_expect_eq(build(700, NULL, &s, NULL, 0), -EINVAL);
	cr_expect_eq(build(0, NULL, &s, NULL, 0), -EINVAL);
	s.af = 0;
	cr_expect_eq(build(400, NULL, &s, NULL, 0), -EINVAL);
}

Test(reply, retry_after_503)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(INV_PLAIN);
	build_ok(503, "t", &s, NULL, 4294967295u);
	expect_out("SIP/2.0 503 Service Unavailable\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		   "From: <sip:alice@example.com>;tag=f1\r\n"
		   "To: <sip:bob@example.com>;tag=t\r\n"
		   "Call-ID: c1\r\n"
		   "CSeq: 7 INVITE\r\n"
		   "Retry-After: 4294967295\r\n" TAIL);
	expect_copied("t");
	build_ok(503, "t", &s, NULL, 1);
	cr_expect_str_eq(line_with("Retry-After:", 0), "Retry-After: 1");
	build_ok(503, "t", &s, NULL, 0);
	cr_expect_eq(count_lines("Retry-After:"), 0);
}

/* ---- Via: received and rport (RFC 3581) ---- */

Test(reply, received_added_when_host_differs)
{
	struct ush_reply_source s = src4("198.51.100.7", 40000);

	req(RL_REG MAND_REG("SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds") "\r\n");
	build_ok(401, "ush1x", &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP pc33.example.com:5060;"
					       "branch=z9hG4bK776asdhds;received=198.51.100.7");
	EXPECT_P(p_msg.via_top.received, "198.51.100.7");
	cr_expect(!ush_sip_span_present(p_msg.via_top.rport));
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 40000), 5060);
}

Test(reply, received_added_when_ip_differs)
{
	struct ush_reply_source s = src4("192.0.2.1", 5060);

	/* Text prefixes of each other must not pass as the same address. */
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP 192.0.2.10;received=192.0.2.1");
	s = src4("192.0.2.100", 5060);
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP 192.0.2.10;received=192.0.2.100");
}

Test(reply, bare_rport_filled_and_received_added)
{
	struct ush_reply_source s = src4("192.0.2.10", 9988);

	/* RFC 3581 §4: rport forces received= even when the host is the source. */
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKkjshdyff") "\r\n");
	build_ok(401, "ush1x", &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP 192.0.2.10:5060;rport=9988;"
					       "branch=z9hG4bKkjshdyff;received=192.0.2.10");
	EXPECT_P(p_msg.via_top.rport, "9988");
	EXPECT_P(p_msg.via_top.received, "192.0.2.10");
	EXPECT_P(p_msg.via_top.branch, "z9hG4bKkjshdyff");
	expect_copied("ush1x");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 9988), 9988);
}

Test(reply, bare_rport_last_and_spaced)
{
	struct ush_reply_source s = src4("203.0.113.200", 1);

	req(RL_REG MAND_REG("SIP/2.0/UDP phone.example.net;branch=z9hG4bK2 ; rport") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP phone.example.net;branch=z9hG4bK2"
					       " ; rport=1;received=203.0.113.200");
	EXPECT_P(p_msg.via_top.rport, "1");
	s.port = 65535;
	build_ok(401, NULL, &s, NULL, 0);
	EXPECT_P(p_msg.via_top.rport, "65535");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 65535), 65535);
}

Test(reply, rport_with_value_kept)
{
	struct ush_reply_source s = src4("192.0.2.10", 7777);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5062;rport=1111;branch=z9hG4bK3") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP 192.0.2.10:5062;rport=1111;"
					       "branch=z9hG4bK3;received=192.0.2.10");
	EXPECT_P(p_msg.via_top.rport, "1111");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 7777), 7777);
}

Test(reply, existing_received_replaced_not_duplicated)
{
	struct ush_reply_source s = src4("192.0.2.55", 5070);

	req(RL_REG MAND_REG("SIP/2.0/UDP host.example;received=10.9.9.9;branch=z9hG4bK4") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0),
			 "Via: SIP/2.0/UDP host.example;received=192.0.2.55;branch=z9hG4bK4");
	EXPECT_P(p_msg.via_top.received, "192.0.2.55");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 5070), 5060);

	/* Even when the host is the source, a forged received= does not survive. */
	req(RL_REG MAND_REG(
		"SIP/2.0/UDP 192.0.2.55:5070;branch=z9hG4bK4;RECEIVED=10.9.9.9") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0),
			 "Via: SIP/2.0/UDP 192.0.2.55:5070;branch=z9hG4bK4;RECEIVED=192.0.2.55");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 5070), 5070);
}

Test(reply, received_and_bare_rport_both_orders)
{
	struct ush_reply_source s = src4("192.0.2.200", 6000);

	req(RL_REG MAND_REG(
		"SIP/2.0/UDP a.example;rport;x=1;received=1.2.3.4;branch=z9hG4bK5") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP a.example;rport=6000;x=1;"
					       "received=192.0.2.200;branch=z9hG4bK5");

	req(RL_REG MAND_REG("SIP/2.0/UDP a.example;received=1.2.3.4;branch=z9hG4bK5;rport") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP a.example;received=192.0.2.200;"
					       "branch=z9hG4bK5;rport=6000");
	EXPECT_P(p_msg.via_top.received, "192.0.2.200");
	EXPECT_P(p_msg.via_top.rport, "6000");
	EXPECT_P(p_msg.via_top.branch, "z9hG4bK5");
}

Test(reply, ipv4_text_matches_inet_ntop)
{
	struct ush_reply_source s = {.af = AF_INET, .port = 5060};
	char want[INET_ADDRSTRLEN], line[128];

	req(RL_REG MAND_REG("SIP/2.0/UDP h.example") "\r\n");
	srand(3581);
	for (int i = 0; i < 2000; i++) {
		for (int k = 0; k < 4; k++)
			s.addr[k] = i < 256 ? (uint8_t)(i * (k + 1) + k) : (uint8_t)rand();
		inet_ntop(AF_INET, s.addr, want, sizeof(want));
		snprintf(line, sizeof(line), "Via: SIP/2.0/UDP h.example;received=%s", want);
		build_ok(401, NULL, &s, NULL, 0);
		cr_assert_str_eq(line_with("Via:", 0), line);
	}
}

Test(reply, ipv6_source)
{
	struct ush_reply_source s = src6("2001:db8::1", 5060);

	/* Same address spelled differently in the Via: no received=. */
	req(RL_REG MAND_REG("SIP/2.0/UDP [2001:DB8:0::1]:5060;branch=z9hG4bK6") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0),
			 "Via: SIP/2.0/UDP [2001:DB8:0::1]:5060;branch=z9hG4bK6");
	cr_expect(!ush_sip_span_present(p_msg.via_top.received));

	/* Another address: written by inet_ntop, without brackets. */
	s = src6("2001:0db8:0000:0000:0000:0000:0000:0abc", 5062);
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP [2001:DB8:0::1]:5060;"
					       "branch=z9hG4bK6;received=2001:db8::abc");
	EXPECT_P(p_msg.via_top.received, "2001:db8::abc");

	req(RL_REG MAND_REG("SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bK6") "\r\n");
	s = src6("2001:db8::1", 5099);
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP [2001:db8::1]:5060;rport=5099;"
					       "branch=z9hG4bK6;received=2001:db8::1");

	/* IPv4 host, IPv6 source; and a hostname. */
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK6") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0),
			 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK6;received=2001:db8::1");
	req(RL_REG MAND_REG("SIP/2.0/UDP v6.example;branch=z9hG4bK6") "\r\n");
	s = src6("::ffff:192.0.2.1", 5099);
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("Via:", 0),
			 "Via: SIP/2.0/UDP v6.example;branch=z9hG4bK6;received=::ffff:192.0.2.1");
}

Test(reply, ipv4_source_ipv6_host)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG("SIP/2.0/UDP [::ffff:192.0.2.10];branch=z9hG4bK7") "\r\n");
	build_ok(401, NULL, &s, NULL, 0);
	cr_expect_str_eq(
		line_with("Via:", 0),
		"Via: SIP/2.0/UDP [::ffff:192.0.2.10];branch=z9hG4bK7;received=192.0.2.10");
}

/* ---- every Via, in order ---- */

Test(reply, several_via_headers_and_comma_lists)
{
	struct ush_reply_source s = src4("198.51.100.1", 5060);

	req(RL_INV
	    "Via: SIP/2.0/UDP proxy1.example:5060;branch=z9hG4bKp1;rport ,"
	    "SIP/2.0/UDP  proxy2.example;branch=z9hG4bKp2\r\n"
	    "Max-Forwards: 68\r\n"
	    "v: SIP/2.0/TCP proxy3.example;branch=z9hG4bKp3;received=192.0.2.3\r\n"
	    "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	    "VIA: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKu1, SIP/2.0/UDP [2001:db8::9]:5070"
	    ";branch=z9hG4bKu2\r\n"
	    "To: Bob <sip:bob@example.com>\r\n"
	    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	    "CSeq: 314159 INVITE\r\n"
	    "Contact: <sip:alice@pc33.example.com>\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: 4\r\n\r\nv=0\n");
	cr_assert_eq(r_msg.via_count, 5);
	build_ok(407, "ush1x", &s, NULL, 0);
	expect_out("SIP/2.0 407 Proxy Authentication Required\r\n"
		   "Via: SIP/2.0/UDP proxy1.example:5060;branch=z9hG4bKp1;rport=5060"
		   ";received=198.51.100.1\r\n"
		   "Via: SIP/2.0/UDP  proxy2.example;branch=z9hG4bKp2\r\n"
		   "Via: SIP/2.0/TCP proxy3.example;branch=z9hG4bKp3;received=192.0.2.3\r\n"
		   "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKu1\r\n"
		   "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKu2\r\n"
		   "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
		   "To: Bob <sip:bob@example.com>;tag=ush1x\r\n"
		   "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		   "CSeq: 314159 INVITE\r\n" TAIL);
	expect_copied("ush1x");
	cr_expect_eq(count_lines("Via: "), 5);
	EXPECT_P(p_msg.via_top.host, "proxy1.example");
	EXPECT_P(p_msg.via_top.rport, "5060");
	EXPECT_P(p_msg.via_top.received, "198.51.100.1");
	EXPECT_P(p_msg.via[2], "SIP/2.0/TCP proxy3.example;branch=z9hG4bKp3;received=192.0.2.3");
	EXPECT_P(p_msg.via[4], "SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKu2");
	cr_expect_eq(p_msg.via_hdr_count, 5);
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 5060), 5060);
}

Test(reply, sixteen_vias)
{
	char text[4096];
	size_t n = 0;
	struct ush_reply_source s = src4("192.0.2.1", 5060);

	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", RL_INV);
	for (int i = 0; i < USH_SIP_MAX_VIA; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "Via: SIP/2.0/UDP hop%d.example;branch=z9hG4bKh%d\r\n", i, i);
	snprintf(text + n, sizeof(text) - n,
		 "From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\n"
		 "Call-ID: sixteen\r\nCSeq: 1 INVITE\r\n\r\n");
	req(text);
	build_ok(407, "x", &s, NULL, 0);
	cr_expect_eq(p_msg.via_count, USH_SIP_MAX_VIA);
	expect_copied("x");
	for (unsigned int i = 0; i < USH_SIP_MAX_VIA; i++) {
		char want[96];

		snprintf(want, sizeof(want), "Via: SIP/2.0/UDP hop%u.example;branch=z9hG4bKh%u%s",
			 i, i, i == 0 ? ";received=192.0.2.1" : "");
		cr_expect_str_eq(line_with("Via:", i), want);
	}
}

Test(reply, folded_via_copied_verbatim)
{
	struct ush_reply_source s = src4("192.0.2.1", 5060);

	req(RL_REG "Via: SIP/2.0/UDP a.example\r\n ;branch=z9hG4bK8\r\n"
		   "From: <sip:alice@example.com>;tag=f\r\n"
		   "To: <sip:alice@example.com>\r\n"
		   "Call-ID: fold\r\n"
		   "CSeq: 1 REGISTER\r\n\r\n");
	build_ok(401, "x", &s, NULL, 0);
	cr_expect(strstr(out, "Via: SIP/2.0/UDP a.example\r\n ;branch=z9hG4bK8;received=192.0.2.1"
			      "\r\nFrom:") != NULL,
		  "%s", out);
	EXPECT_P(p_msg.via_top.branch, "z9hG4bK8");
	EXPECT_P(p_msg.via_top.received, "192.0.2.1");
}

/* ---- From, To, Call-ID, CSeq ---- */

Test(reply, to_with_tag_kept)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_INV "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK9\r\n"
		   "From: <sip:alice@example.com>;tag=f1\r\n"
		   "To: \"Bob\" <sip:bob@example.com>;tag=theirs;x=y\r\n"
		   "Call-ID: indialog\r\n"
		   "CSeq: 2 INVITE\r\n\r\n");
	build_ok(407, "ours", &s, NULL, 0);
	cr_expect_str_eq(line_with("To:", 0), "To: \"Bob\" <sip:bob@example.com>;tag=theirs;x=y");
	expect_copied("theirs");
}

Test(reply, to_without_tag_gets_ours)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_INV "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK9\r\n"
		   "From: sip:alice@example.com;tag=f1\r\n"
		   "To: sip:bob@example.com;user=phone\r\n"
		   "Call-ID: addrspec\r\n"
		   "CSeq: 2 INVITE\r\n\r\n");
	build_ok(407, "ush1-5f3a", &s, NULL, 0);
	cr_expect_str_eq(line_with("To:", 0), "To: sip:bob@example.com;user=phone;tag=ush1-5f3a");
	cr_expect_str_eq(line_with("From:", 0), "From: sip:alice@example.com;tag=f1");
	expect_copied("ush1-5f3a");

	/* No tag of ours: To copied as is. */
	build_ok(407, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("To:", 0), "To: sip:bob@example.com;user=phone");
	expect_copied(NULL);
}

Test(reply, compact_forms_become_long_names)
{
	struct ush_reply_source s = src4("192.0.2.4", 5060);

	req("OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
	    "v:SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKc1;rport\r\n"
	    "f:  <sip:alice@example.com>;tag=c0\r\n"
	    "t:<sip:carol@chicago.example.com>\r\n"
	    "i:   compact@192.0.2.4   \r\n"
	    "cSeq:  63104   OPTIONS\r\n"
	    "l: 0\r\n\r\n");
	build_ok(401, "u", &s, NULL, 0);
	expect_out("SIP/2.0 401 Unauthorized\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKc1;rport=5060;received=192.0.2.4\r\n"
		   "From: <sip:alice@example.com>;tag=c0\r\n"
		   "To: <sip:carol@chicago.example.com>;tag=u\r\n"
		   "Call-ID: compact@192.0.2.4\r\n"
		   "CSeq: 63104   OPTIONS\r\n" TAIL);
	expect_copied("u");
	cr_expect_eq(p_msg.cseq, 63104);
	cr_expect_eq(p_msg.cseq_method, USH_SIP_METHOD_OPTIONS);
}

/* ---- challenges ---- */

static const char *const nonces3[] = {
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX",
	"GBkaGxwdHh8gISIjJCUmJygpKissLS4v",
	"MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZH",
};

static struct ush_reply_challenge
chal(const uint8_t *algos, unsigned int n, uint8_t qop, bool stale, bool proxy)
{
	return (struct ush_reply_challenge){
		.realm = "biloxi.example.com",
		.realm_len = strlen("biloxi.example.com"),
		.algos = algos,
		.nonces = nonces3,
		.nonce_len = strlen(nonces3[0]),
		.n_algos = n,
		.qop_mask = qop,
		.stale = stale,
		.proxy = proxy,
	};
}

#define QA (1u << USH_QOP_AUTH)
#define QI (1u << USH_QOP_AUTH_INT)

Test(reply, challenge_401_one_md5_full_text)
{
	static const uint8_t a[] = {USH_ALGO_MD5};
	struct ush_reply_challenge ch = chal(a, 1, QA, false, false);
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7") "\r\n");
	build_ok(401, "ush1x", &s, &ch, 0);
	expect_out(
		"SIP/2.0 401 Unauthorized\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7\r\n" COPIED_REG
		"WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
		"nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\", algorithm=MD5, qop=\"auth\"\r\n" TAIL);
	expect_copied("ush1x");
}

Test(reply, challenge_three_algorithms_in_order)
{
	static const uint8_t a[] = {USH_ALGO_SHA512_256, USH_ALGO_SHA256, USH_ALGO_MD5};
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	struct ush_reply_challenge ch = chal(a, 3, QA, false, false);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7") "\r\n");
	build_ok(401, "ush1x", &s, &ch, 0);
	cr_expect_eq(count_lines("WWW-Authenticate: "), 3);
	cr_expect_str_eq(line_with("WWW-Authenticate:", 0),
			 "WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
			 "nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\", algorithm=SHA-512-256, "
			 "qop=\"auth\"");
	cr_expect_str_eq(line_with("WWW-Authenticate:", 1),
			 "WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
			 "nonce=\"GBkaGxwdHh8gISIjJCUmJygpKissLS4v\", algorithm=SHA-256, "
			 "qop=\"auth\"");
	cr_expect_str_eq(line_with("WWW-Authenticate:", 2),
			 "WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
			 "nonce=\"MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZH\", algorithm=MD5, qop=\"auth\"");
	/* Challenges sit after CSeq and before Content-Length (and Server, when there is one). */
	cr_expect(strstr(out, "CSeq: 1 REGISTER\r\nWWW-Authenticate: ") != NULL);
	cr_expect(strstr(out, "qop=\"auth\"\r\nContent-Length: 0\r\n") != NULL);
	cr_expect_eq(count_lines("Proxy-Authenticate:"), 0);
}

Test(reply, challenge_two_algorithms_proxy_stale)
{
	static const uint8_t a[] = {USH_ALGO_SHA256_SESS, USH_ALGO_MD5_SESS};
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	struct ush_reply_challenge ch = chal(a, 2, QA | QI, true, true);

	req(RL_INV "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKi1\r\n"
		   "From: <sip:alice@example.com>;tag=f1\r\n"
		   "To: <sip:bob@example.com>\r\n"
		   "Call-ID: c1\r\n"
		   "CSeq: 1 INVITE\r\n\r\n");
	build_ok(407, "t", &s, &ch, 0);
	expect_out("SIP/2.0 407 Proxy Authentication Required\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKi1\r\n"
		   "From: <sip:alice@example.com>;tag=f1\r\n"
		   "To: <sip:bob@example.com>;tag=t\r\n"
		   "Call-ID: c1\r\n"
		   "CSeq: 1 INVITE\r\n"
		   "Proxy-Authenticate: Digest realm=\"biloxi.example.com\", "
		   "nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\", algorithm=SHA-256-sess, "
		   "qop=\"auth,auth-int\", stale=true\r\n"
		   "Proxy-Authenticate: Digest realm=\"biloxi.example.com\", "
		   "nonce=\"GBkaGxwdHh8gISIjJCUmJygpKissLS4v\", algorithm=MD5-sess, "
		   "qop=\"auth,auth-int\", stale=true\r\n" TAIL);
	expect_copied("t");
	cr_expect_eq(count_lines("WWW-Authenticate:"), 0);
}

Test(reply, challenge_qop_masks)
{
	static const uint8_t a[] = {USH_ALGO_SHA512_256_SESS};
	static const struct {
		uint8_t mask;
		bool stale;
		const char *tail;
	} t[] = {
		{0, false, "algorithm=SHA-512-256-sess"},
		{0, true, "algorithm=SHA-512-256-sess, stale=true"},
		{QA, false, "algorithm=SHA-512-256-sess, qop=\"auth\""},
		{QI, false, "algorithm=SHA-512-256-sess, qop=\"auth-int\""},
		{QI, true, "algorithm=SHA-512-256-sess, qop=\"auth-int\", stale=true"},
		{QA | QI, false, "algorithm=SHA-512-256-sess, qop=\"auth,auth-int\""},
		/* Bits that are no qop Usher offers are ignored. */
		{QA | 1u | 0x80u, false, "algorithm=SHA-512-256-sess, qop=\"auth\""},
		{1u, false, "algorithm=SHA-512-256-sess"},
	};
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7") "\r\n");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ush_reply_challenge ch = chal(a, 1, t[i].mask, t[i].stale, false);
		char want[256];

		snprintf(want, sizeof(want),
			 "WWW-Authenticate: Digest realm=\"biloxi.example.com\", "
			 "nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\", %s",
			 t[i].tail);
		build_ok(401, "ush1x", &s, &ch, 0);
		cr_expect_str_eq(line_with("WWW-Authenticate:", 0), want, "case %zu", i);
		cr_expect_eq(count_lines("WWW-Authenticate:"), 1);
	}
}

Test(reply, challenge_every_algorithm_name)
{
	static const uint8_t a[] = {USH_ALGO_MD5,	 USH_ALGO_MD5_SESS,
				    USH_ALGO_SHA256,	 USH_ALGO_SHA256_SESS,
				    USH_ALGO_SHA512_256, USH_ALGO_SHA512_256_SESS};
	static const char *const names[] = {"MD5",	    "MD5-sess",	   "SHA-256",
					    "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"};
	static const char *const six[] = {"n0", "n1", "n2", "n3", "n4", "n5"};
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	struct ush_reply_challenge ch = {.realm = "r",
					 .realm_len = 1,
					 .algos = a,
					 .nonces = six,
					 .nonce_len = 2,
					 .n_algos = 6};

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10") "\r\n");
	build_ok(401, NULL, &s, &ch, 0);
	for (unsigned int i = 0; i < 6; i++) {
		char want[128];

		snprintf(want, sizeof(want),
			 "WWW-Authenticate: Digest realm=\"r\", nonce=\"n%u\", algorithm=%s", i,
			 names[i]);
		cr_expect_str_eq(line_with("WWW-Authenticate:", i), want);
	}
}

Test(reply, challenge_rules_einval)
{
	static const uint8_t md5[] = {USH_ALGO_MD5};
	static const uint8_t bad[] = {USH_ALGO_MD5, USH_ALGO_UNKNOWN};
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	struct ush_reply_challenge ch;

	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10") "\r\n");
	ch = chal(md5, 1, QA, false, true);
	cr_expect_eq(build(401, NULL, &s, &ch, 0), -EINVAL, "401 with Proxy-Authenticate");
	ch = chal(md5, 1, QA, false, false);
	cr_expect_eq(build(407, NULL, &s, &ch, 0), -EINVAL, "407 with WWW-Authenticate");
	cr_expect_eq(build(403, NULL, &s, &ch, 0), -EINVAL, "403 with a challenge");
	ch = chal(bad, 2, QA, false, false);
	cr_expect_eq(build(401, NULL, &s, &ch, 0), -EINVAL, "unknown algorithm");
	ch = chal(md5, 1, QA, false, false);
	ch.nonces = NULL;
	cr_expect_eq(build(401, NULL, &s, &ch, 0), -EINVAL, "no nonces");
	/* No algorithm: no challenge header, whatever the code. */
	ch = chal(md5, 0, QA, false, true);
	build_ok(403, NULL, &s, &ch, 0);
	cr_expect_eq(count_lines("Proxy-Authenticate:"), 0);
}

/* ---- requests that failed to parse (400) ---- */

Test(reply, partial_parse_gets_400)
{
	struct ush_reply_source s = src4("203.0.113.9", 5062);

	/* Everything a reply copies comes before the bad header. */
	cr_assert_eq(req_any(RL_INV "Via: SIP/2.0/UDP 203.0.113.9:5062;rport;branch=z9hG4bKb1\r\n"
				    "From: <sip:alice@example.com>;tag=b1\r\n"
				    "To: <sip:bob@example.com>\r\n"
				    "Call-ID: broken-1\r\n"
				    "CSeq: 5 INVITE\r\n"
				    "Max-Forwards: many\r\n"
				    "\r\n"),
		     USH_SIP_EBAD_MAX_FORWARDS);
	build_ok(400, "ush1x", &s, NULL, 0);
	expect_out("SIP/2.0 400 Bad Request\r\n"
		   "Via: SIP/2.0/UDP 203.0.113.9:5062;rport=5062;branch=z9hG4bKb1"
		   ";received=203.0.113.9\r\n"
		   "From: <sip:alice@example.com>;tag=b1\r\n"
		   "To: <sip:bob@example.com>;tag=ush1x\r\n"
		   "Call-ID: broken-1\r\n"
		   "CSeq: 5 INVITE\r\n" TAIL);
	expect_copied("ush1x");

	/* A good Via then a bad one: the good one is answered. */
	cr_assert_eq(req_any(RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKb2\r\n"
				    "From: <sip:alice@example.com>;tag=b1\r\n"
				    "To: <sip:bob@example.com>\r\n"
				    "Call-ID: broken-2\r\n"
				    "CSeq: 5 INVITE\r\n"
				    "Via: not a via\r\n"
				    "\r\n"),
		     USH_SIP_EBAD_VIA);
	build_ok(400, "ush1x", &s, NULL, 0);
	cr_expect_eq(p_msg.via_count, 1);
	cr_expect_str_eq(line_with("Via:", 0), "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKb2");

	/* CSeq method mismatch is a 400 too, with everything parsed. */
	cr_assert_eq(req_any(RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKb3\r\n"
				    "From: <sip:alice@example.com>;tag=b1\r\n"
				    "To: <sip:bob@example.com>\r\n"
				    "Call-ID: broken-3\r\n"
				    "CSeq: 5 BYE\r\n\r\n"),
		     USH_SIP_ECSEQ_MISMATCH);
	build_ok(400, NULL, &s, NULL, 0);
	cr_expect_str_eq(line_with("CSeq:", 0), "CSeq: 5 BYE");
}

Test(reply, missing_fields_einval)
{
	struct ush_reply_source s = src4("203.0.113.9", 5062);
	static const char *const reqs[] = {
		/* no Call-ID */
		RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKm\r\n"
		       "From: <sip:alice@example.com>;tag=b1\r\n"
		       "To: <sip:bob@example.com>\r\n"
		       "CSeq: 5 INVITE\r\n\r\n",
		/* no Via */
		RL_INV "From: <sip:alice@example.com>;tag=b1\r\n"
		       "To: <sip:bob@example.com>\r\n"
		       "Call-ID: m\r\n"
		       "CSeq: 5 INVITE\r\n\r\n",
		/* only a bad Via */
		RL_INV "Via: SIP/2.0/UDP\r\n"
		       "From: <sip:alice@example.com>;tag=b1\r\n"
		       "To: <sip:bob@example.com>\r\n"
		       "Call-ID: m\r\n"
		       "CSeq: 5 INVITE\r\n\r\n",
		/* no From */
		RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKm\r\n"
		       "To: <sip:bob@example.com>\r\n"
		       "Call-ID: m\r\n"
		       "CSeq: 5 INVITE\r\n\r\n",
		/* no To */
		RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKm\r\n"
		       "From: <sip:alice@example.com>;tag=b1\r\n"
		       "Call-ID: m\r\n"
		       "CSeq: 5 INVITE\r\n\r\n",
		/* no CSeq */
		RL_INV "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKm\r\n"
		       "From: <sip:alice@example.com>;tag=b1\r\n"
		       "To: <sip:bob@example.com>\r\n"
		       "Call-ID: m\r\n\r\n",
		/* a bad start line: nothing parsed */
		"INVITE\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		cr_expect_neq(req_any(reqs[i]), USH_SIP_EOK);
		cr_expect_eq(build(400, "t", &s, NULL, 0), -EINVAL, "request %zu", i);
	}
}

/* ---- bounds ---- */

Test(reply, enospc_at_every_short_cap)
{
	static const uint8_t a[] = {USH_ALGO_SHA512_256, USH_ALGO_SHA256, USH_ALGO_MD5};
	struct ush_reply_challenge ch = chal(a, 3, QA | QI, true, true);
	struct ush_reply_source s = src6("2001:db8::77", 5099);
	char want[USH_REPLY_MAX];
	char buf[USH_REPLY_MAX + 64];
	int n;

	req(RL_INV "Via: SIP/2.0/UDP ua.example;received=1.1.1.1;rport;branch=z9hG4bKs, "
		   "SIP/2.0/UDP p2.example;branch=z9hG4bKs2\r\n"
		   "From: <sip:alice@example.com>;tag=f\r\n"
		   "To: <sip:bob@example.com>\r\n"
		   "Call-ID: cap\r\n"
		   "CSeq: 9 INVITE\r\n\r\n");
	server = "Acme-SBC/2.1 (edge)"; /* every header there is, Server included */
	n = build(407, "ush1x", &s, &ch, 120);
	cr_assert_gt(n, 0);
	cr_assert_not_null(strstr(out, "\r\nServer: Acme-SBC/2.1 (edge)\r\nContent-Length: 0"));
	memcpy(want, out, (size_t)n);
	for (int cap = 0; cap <= n + 1; cap++) {
		int r;

		memset(buf, 0x5a, sizeof(buf));
		r = ush_reply_build(buf, (size_t)cap, r_buf, &r_msg, 407, "ush1x", 5, &s, &ch, 120,
				    server, strlen(server));
		if (cap < n) {
			cr_assert_eq(r, -ENOSPC, "cap %d of %d: %d", cap, n, r);
		} else {
			cr_assert_eq(r, n, "cap %d", cap);
			cr_assert(memcmp(buf, want, (size_t)n) == 0);
		}
		for (size_t k = (size_t)cap; k < sizeof(buf); k++)
			cr_assert_eq((unsigned char)buf[k], 0x5a, "cap %d: byte %zu written", cap,
				     k);
	}
}

Test(reply, never_longer_than_reply_max)
{
	/* The parser takes 8 KB headers; the builder refuses rather than truncates. */
	static char text[12000];
	static char big[USH_SIP_MAX_LINE];
	static char wide[2 * USH_REPLY_MAX];
	struct ush_reply_source s = src4("192.0.2.1", 5060);
	size_t fixed;
	int n;

	/* Call-ID sized so the reply is exactly USH_REPLY_MAX, then one byte more. */
	for (int extra = 0; extra < 2; extra++) {
		snprintf(text, sizeof(text),
			 RL_INV "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKl\r\n"
				"From: <sip:alice@example.com>;tag=f\r\n"
				"To: <sip:bob@example.com>;tag=t\r\n"
				"Call-ID: x\r\n"
				"CSeq: 1 INVITE\r\n\r\n");
		req(text);
		n = ush_reply_build(wide, sizeof(wide), r_buf, &r_msg, 400, NULL, 0, &s, NULL, 0,
				    NULL, 0);
		cr_assert_gt(n, 0);
		fixed = (size_t)n - 1;
		memset(big, 'x', USH_REPLY_MAX - fixed + (size_t)extra);
		big[USH_REPLY_MAX - fixed + (size_t)extra] = '\0';
		snprintf(text, sizeof(text),
			 RL_INV "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKl\r\n"
				"From: <sip:alice@example.com>;tag=f\r\n"
				"To: <sip:bob@example.com>;tag=t\r\n"
				"Call-ID: %s\r\n"
				"CSeq: 1 INVITE\r\n\r\n",
			 big);
		req(text);
		n = ush_reply_build(wide, sizeof(wide), r_buf, &r_msg, 400, NULL, 0, &s, NULL, 0,
				    NULL, 0);
		if (extra == 0) {
			cr_expect_eq(n, USH_REPLY_MAX);
			cr_expect_eq(ush_sip_parse(wide, (size_t)n, &p_msg), USH_SIP_EOK);
		} else {
			cr_expect_eq(n, -ENOSPC, "reply of USH_REPLY_MAX + 1 bytes: %d", n);
		}
	}
}

/* ---- Server header ([auth] server_header) ---- */

Test(reply, server_header_only_when_configured)
{
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	req(INV_PLAIN);
	build_ok(503, "t", &s, NULL, 5);
	cr_expect_eq(count_lines("Server:"), 0, "default: no Server header");
	server = "PBX";
	build_ok(503, "t", &s, NULL, 5);
	expect_out("SIP/2.0 503 Service Unavailable\r\n"
		   "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		   "From: <sip:alice@example.com>;tag=f1\r\n"
		   "To: <sip:bob@example.com>;tag=t\r\n"
		   "Call-ID: c1\r\n"
		   "CSeq: 7 INVITE\r\n"
		   "Retry-After: 5\r\n"
		   "Server: PBX\r\n"
		   "Content-Length: 0\r\n\r\n");
}

Test(reply, server_header_rules)
{
	static const char *const bad[] = {
		"a\r\nX-Injected: 1", "a\nb", "tab\there", " lead", "trail ", "del\x7f", "caf\xc3\xa9",
	};
	char longest[USH_REPLY_SERVER_MAX + 2];
	struct ush_reply_source s = src4("192.0.2.10", 5060);

	memset(longest, 'x', sizeof(longest));
	cr_expect(ush_reply_server_ok("Acme-SBC/2.1 (edge)", 19));
	cr_expect(ush_reply_server_ok("~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", 32));
	cr_expect(ush_reply_server_ok(longest, USH_REPLY_SERVER_MAX));
	cr_expect_not(ush_reply_server_ok(longest, USH_REPLY_SERVER_MAX + 1));
	cr_expect_not(ush_reply_server_ok("", 0));
	req(INV_PLAIN);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_not(ush_reply_server_ok(bad[i], strlen(bad[i])), "%zu", i);
		server = bad[i];
		cr_expect_eq(build(403, "t", &s, NULL, 0), -EINVAL, "%zu", i);
	}
	cr_expect_eq(ush_reply_build(out, USH_REPLY_MAX, r_buf, &r_msg, 403, "t", 1, &s, NULL, 0,
				     NULL, 3),
		     -EINVAL, "NULL server with a length");
}

/* ---- destination port ---- */

Test(reply, dest_port)
{
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5080;branch=z9hG4bK1") "\r\n");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 5080);
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1") "\r\n");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 5060);
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5080;branch=z9hG4bK1;rport") "\r\n");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 1234);
	req(RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5080;rport=99;branch=z9hG4bK1") "\r\n");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 1234);
	/* Only the top Via counts. */
	req(RL_REG "Via: SIP/2.0/UDP 192.0.2.10:5082, SIP/2.0/UDP b.example;rport\r\n"
		   "From: <sip:alice@example.com>;tag=f\r\nTo: <sip:alice@example.com>\r\n"
		   "Call-ID: d\r\nCSeq: 1 REGISTER\r\n\r\n");
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 5082);
	cr_expect_neq(req_any("REGISTER sip:example.com SIP/2.0\r\nFrom: <sip:a@b>\r\n\r\n"),
		      USH_SIP_EOK);
	cr_expect_eq(ush_reply_dest_port(r_buf, &r_msg, 1234), 1234);
}

/* ---- templates (ush_reply_tmpl_make, ush_reply_build_tmpl) ---- */

/* Every address byte width: received= is the dotted quad inet_ntop writes, never a padding. */
Test(reply, received_every_byte_width)
{
	static const char *const addrs[] = {"0.9.10.99", "100.199.200.255", "255.0.1.1", "10.0.0.1",
					    "1.22.133.4"};

	req(RL_REG MAND_REG("SIP/2.0/UDP phone.example.net;branch=z9hG4bK1") "\r\n");
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct ush_reply_source s = src4(addrs[i], 5060);
		char want[96];

		build_ok(400, NULL, &s, NULL, 0);
		snprintf(want, sizeof(want),
			 "Via: SIP/2.0/UDP phone.example.net;branch=z9hG4bK1;received=%s",
			 addrs[i]);
		cr_expect_str_eq(line_with("Via:", 0), want);
	}
	/* the same text as the Via host: the source is the host, no received= */
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct ush_reply_source s = src4(addrs[i], 5060);
		char text[256];

		snprintf(text, sizeof(text),
			 RL_REG MAND_REG("SIP/2.0/UDP %s;branch=z9hG4bK1") "\r\n", addrs[i]);
		req(text);
		build_ok(400, NULL, &s, NULL, 0);
		cr_expect_null(strstr(out, "received="), "%s", addrs[i]);
	}
}

/*
 * One template serves many requests: each reply is byte for byte what ush_reply_build() writes
 * for the same arguments, whatever the template's earlier use.
 */
Test(reply, template_equals_build)
{
	static const uint8_t a2[] = {USH_ALGO_SHA256, USH_ALGO_MD5};
	static const char *const reqs[] = {
		RL_REG MAND_REG("SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK1") "\r\n",
		RL_INV "Via: SIP/2.0/UDP [2001:db8::9]:5070;received=10.1.1.1;branch=z9hG4bK2, "
		       "SIP/2.0/UDP pc.example.com;branch=z9hG4bK3\r\n"
		       "f: Bob <sip:bob@example.com>;tag=99\r\nt: <sip:carol@example.com>;tag=x\r\n"
		       "i: call-2\r\nCSeq: 2 INVITE\r\n\r\n",
		RL_REG MAND_REG("SIP/2.0/UDP 198.51.100.77;branch=z9hG4bK4") "\r\n",
	};
	const struct ush_reply_source srcs[] = {src4("192.0.2.10", 5060), src6("2001:db8::9", 5070),
						src4("198.51.100.7", 40000)};
	struct {
		uint16_t code;
		bool chal, stale;
		uint8_t qop;
		uint32_t retry;
		const char *server;
	} kinds[] = {
		{401, true, false, QA, 0, NULL},
		{401, true, true, QA | QI, 0, "Acme-SBC/2.1 (edge)"},
		{407, true, true, 0, 0, NULL},
		{407, true, false, QI, 0, "x"},
		{400, false, false, 0, 0, NULL},
		{403, false, false, 0, 0, "Usher"},
		{503, false, false, 0, 30, NULL},
		{503, false, false, 0, 4294967295u, "Usher"},
	};
	static char want[USH_REPLY_MAX + 1];
	static struct ush_reply_tmpl t;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct ush_reply_challenge ch =
			chal(a2, 2, kinds[k].qop, kinds[k].stale, kinds[k].code == 407);
		const struct ush_reply_challenge *chp = kinds[k].chal ? &ch : NULL;
		size_t slen = kinds[k].server ? strlen(kinds[k].server) : 0;

		cr_assert_eq(ush_reply_tmpl_make(&t, kinds[k].code, chp, kinds[k].retry,
						 kinds[k].server, slen),
			     0, "kind %zu", k);
		for (size_t r = 0; r < sizeof(reqs) / sizeof(reqs[0]); r++) {
			int n1, n2;

			req(reqs[r]);
			n1 = ush_reply_build(want, USH_REPLY_MAX, r_buf, &r_msg, kinds[k].code,
					     "ush1-00000007", 13, &srcs[r], chp, kinds[k].retry,
					     kinds[k].server, slen);
			cr_assert_gt(n1, 0, "kind %zu request %zu: %d", k, r, n1);
			memset(out, 0, sizeof(out));
			n2 = ush_reply_build_tmpl(out, USH_REPLY_MAX, r_buf, &r_msg, &t,
						  "ush1-00000007", 13, &srcs[r],
						  chp ? nonces3 : NULL);
			cr_assert_eq(n2, n1, "kind %zu request %zu", k, r);
			cr_expect_eq(memcmp(out, want, (size_t)n1), 0, "kind %zu request %zu:\n%s",
				     k, r, out);
		}
	}
}

/* Each challenge carries its own nonce, written where the template left room for it. */
Test(reply, template_nonce_per_challenge)
{
	static const uint8_t a3[] = {USH_ALGO_SHA512_256, USH_ALGO_SHA256, USH_ALGO_MD5};
	struct ush_reply_challenge ch = chal(a3, 3, QA, false, false);
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	static struct ush_reply_tmpl t;

	req(RL_REG MAND_REG(VIA_SAME) "\r\n");
	ch.nonces = NULL; /* not read by the template */
	cr_assert_eq(ush_reply_tmpl_make(&t, 401, &ch, 0, NULL, 0), 0);
	cr_expect_eq(t.n_nonces, 3);
	out_len = ush_reply_build_tmpl(out, USH_REPLY_MAX, r_buf, &r_msg, &t, "ush1x", 5, &s,
				       nonces3);
	cr_assert_gt(out_len, 0);
	for (unsigned int i = 0; i < 3; i++) {
		char want[160];

		snprintf(want, sizeof(want),
			 "WWW-Authenticate: Digest realm=\"biloxi.example.com\", nonce=\"%s\", "
			 "algorithm=%s, qop=\"auth\"",
			 nonces3[i],
			 i == 0	  ? "SHA-512-256"
			 : i == 1 ? "SHA-256"
				  : "MD5");
		cr_expect_str_eq(line_with("WWW-Authenticate:", i), want);
	}
	cr_expect_eq(
		ush_reply_build_tmpl(out, USH_REPLY_MAX, r_buf, &r_msg, &t, "ush1x", 5, &s, NULL),
		-EINVAL, "nonces missing");
}

Test(reply, template_rules)
{
	static const uint8_t md5[] = {USH_ALGO_MD5};
	static const uint8_t seven[] = {USH_ALGO_MD5, USH_ALGO_MD5, USH_ALGO_MD5, USH_ALGO_MD5,
					USH_ALGO_MD5, USH_ALGO_MD5, USH_ALGO_MD5};
	struct ush_reply_challenge ch = chal(md5, 1, QA, false, false);
	struct ush_reply_source s = src4("192.0.2.10", 5060);
	static struct ush_reply_tmpl t;

	req(RL_REG MAND_REG(VIA_SAME) "\r\n");
	cr_expect_eq(ush_reply_tmpl_make(NULL, 400, NULL, 0, NULL, 0), -EINVAL);
	cr_expect_eq(ush_reply_tmpl_make(&t, 99, NULL, 0, NULL, 0), -EINVAL);
	cr_expect_eq(t.head_len, 0, "a failed template is marked unusable");
	cr_expect_eq(ush_reply_build_tmpl(out, USH_REPLY_MAX, r_buf, &r_msg, &t, NULL, 0, &s, NULL),
		     -EINVAL, "unusable template");
	cr_expect_eq(ush_reply_tmpl_make(&t, 407, &ch, 0, NULL, 0), -EINVAL, "401 challenge");
	cr_expect_eq(ush_reply_tmpl_make(&t, 403, NULL, 0, "two  ", 5), -EINVAL, "bad server");
	ch.algos = seven;
	ch.n_algos = USH_REPLY_CHALLENGES_MAX + 1;
	cr_expect_eq(ush_reply_tmpl_make(&t, 401, &ch, 0, NULL, 0), -EINVAL, "too many");
	cr_expect_eq(build(401, NULL, &s, &ch, 0), -EINVAL, "too many, ush_reply_build");
	ch.n_algos = 1;
	cr_assert_eq(ush_reply_tmpl_make(&t, 401, &ch, 0, NULL, 0), 0);
	/* a cap too small for the reply: -ENOSPC, nothing written past it */
	memset(out, 'Z', sizeof(out));
	cr_expect_eq(ush_reply_build_tmpl(out, 100, r_buf, &r_msg, &t, NULL, 0, &s, nonces3),
		     -ENOSPC);
	cr_expect_eq(out[100], 'Z');
	out_len = ush_reply_build_tmpl(out, USH_REPLY_MAX, r_buf, &r_msg, &t, NULL, 0, &s, nonces3);
	cr_assert_gt(out_len, 100);
	memset(out, 'Z', sizeof(out));
	cr_expect_eq(ush_reply_build_tmpl(out, (size_t)out_len - 1, r_buf, &r_msg, &t, NULL, 0, &s,
					  nonces3),
		     -ENOSPC, "one byte short");
	cr_expect_eq(out[out_len - 1], 'Z');
}
