/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/*
 * Limits (USH_SIP_MAX_*, as configured for this build): the value at the limit passes, one
 * more fails with its own code. Also inputs built to make a non-linear parser slow.
 */

#include <stdio.h>
#include <stdlib.h>

#include "sip_test.h"

#define RL "OPTIONS sip:example.com SIP/2.0\r\n"

/* A growable string. */
struct sb {
	char *p;
	size_t n, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_rep(struct sb *b, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_add(b, &c, 1);
}

Test(limits, message_size)
{
	struct sb b = {0};
	size_t pad;

	/* No Content-Length: the body is the rest, so the datagram length is the message. */
	sb_puts(&b, RL T_MAND("OPTIONS") "\r\n");
	pad = USH_SIP_MAX_MSG - b.n;
	sb_rep(&b, 'x', pad);
	cr_assert_eq(b.n, USH_SIP_MAX_MSG);
	EXPECT_OK(t_parse_n(b.p, b.n));
	cr_expect_eq(t_msg.msg_len, USH_SIP_MAX_MSG);
	cr_expect_eq(t_msg.body.len, pad);
	sb_puts(&b, "x");
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ETOO_BIG);
	/* Far larger, and whatever the bytes. */
	sb_rep(&b, '\0', 100000);
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ETOO_BIG);
	free(b.p);
}

static char *
with_headers(unsigned total, bool fold_one)
{
	struct sb b = {0};
	char line[64];

	/* T_MAND has 5 header fields. */
	sb_puts(&b, RL T_MAND("OPTIONS"));
	for (unsigned i = 5; i < total; i++) {
		if (fold_one && i == 5) {
			sb_puts(&b, "X-Folded: a\r\n b\r\n c\r\n\td\r\n e\r\n");
			continue;
		}
		snprintf(line, sizeof(line), "X-H%u: %u\r\n", i, i);
		sb_puts(&b, line);
	}
	sb_puts(&b, "\r\n");
	return b.p;
}

Test(limits, header_count)
{
	char *s = with_headers(USH_SIP_MAX_HEADERS, false);

	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.hdr_count, USH_SIP_MAX_HEADERS);
	free(s);
	s = with_headers(USH_SIP_MAX_HEADERS + 1, false);
	EXPECT_ERR(t_parse(s), USH_SIP_ETOO_MANY_HEADERS);
	free(s);
	/* Folded lines count once. */
	s = with_headers(USH_SIP_MAX_HEADERS, true);
	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.hdr_count, USH_SIP_MAX_HEADERS);
	free(s);
}

Test(limits, thousands_of_tiny_headers)
{
	/* ~40 KB of "X:1" lines: rejected as soon as the limit is crossed, in one pass. */
	struct sb b = {0};

	sb_puts(&b, RL T_MAND("OPTIONS"));
	for (int i = 0; i < 10000; i++)
		sb_puts(&b, "X:1\r\n");
	sb_puts(&b, "\r\n");
	cr_assert(b.n < USH_SIP_MAX_MSG);
	for (int rep = 0; rep < 200; rep++)
		EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ETOO_MANY_HEADERS);
	free(b.p);

	/* Same with empty compact unknown headers and no end of headers. */
	b = (struct sb){0};
	sb_puts(&b, RL);
	for (int i = 0; i < 12000; i++)
		sb_puts(&b, "e:\r\n");
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ETOO_MANY_HEADERS);
	free(b.p);
}

Test(limits, line_length)
{
	struct sb b = {0};
	const size_t name = strlen("X-Long: ");

	if (USH_SIP_MAX_LINE + 2048 > USH_SIP_MAX_MSG)
		cr_skip_test("line limit too close to the message limit in this build");

	/* A header field of MAX_LINE - 2 bytes: fine however the CRLF is counted. */
	sb_puts(&b, RL T_MAND("OPTIONS") "X-Long: ");
	sb_rep(&b, 'a', USH_SIP_MAX_LINE - 2 - name);
	sb_puts(&b, "\r\n\r\n");
	EXPECT_OK(t_parse_n(b.p, b.n));
	free(b.p);

	/* MAX_LINE + 1 bytes without its CRLF: too long. */
	b = (struct sb){0};
	sb_puts(&b, RL T_MAND("OPTIONS") "X-Long: ");
	sb_rep(&b, 'a', USH_SIP_MAX_LINE + 1 - name);
	sb_puts(&b, "\r\n\r\n");
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ELINE_TOO_LONG);
	free(b.p);

	/* The start line. */
	b = (struct sb){0};
	sb_puts(&b, "OPTIONS sip:");
	sb_rep(&b, 'u', USH_SIP_MAX_LINE);
	sb_puts(&b, "@example.com SIP/2.0\r\n" T_MAND("OPTIONS") "\r\n");
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ELINE_TOO_LONG);
	free(b.p);

	/* A header unfolded over many short lines counts its continuation lines. */
	b = (struct sb){0};
	sb_puts(&b, RL T_MAND("OPTIONS") "Subject: start");
	for (size_t n = 0; n < USH_SIP_MAX_LINE; n += 40) {
		sb_puts(&b, "\r\n ");
		sb_rep(&b, 'f', 37);
	}
	sb_puts(&b, "\r\n\r\n");
	EXPECT_ERR(t_parse_n(b.p, b.n), USH_SIP_ELINE_TOO_LONG);
	free(b.p);

	/* A long header without its end of headers still reports the length first. */
	b = (struct sb){0};
	sb_puts(&b, RL T_MAND("OPTIONS") "X-Long: ");
	sb_rep(&b, 'a', USH_SIP_MAX_LINE + 100);
	EXPECT_ERR2(t_parse_n(b.p, b.n), USH_SIP_ELINE_TOO_LONG, USH_SIP_ENO_END_OF_HEADERS);
	free(b.p);
}

static char *
with_vias(unsigned per_header, unsigned headers)
{
	struct sb b = {0};
	char v[96];

	sb_puts(&b, RL);
	for (unsigned h = 0; h < headers; h++) {
		sb_puts(&b, h % 2 ? "v: " : "Via: ");
		for (unsigned i = 0; i < per_header; i++) {
			snprintf(v, sizeof(v),
				 "%sSIP/2.0/UDP h%u-%u.example.com;branch=z9hG4bK%u%u",
				 i ? ", " : "", h, i, h, i);
			sb_puts(&b, v);
		}
		sb_puts(&b, "\r\n");
	}
	sb_puts(&b, "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
		    "Call-ID: vias@example.com\r\nCSeq: 1 OPTIONS\r\n\r\n");
	return b.p;
}

Test(limits, via_values)
{
	char *s;

	cr_assert_eq(USH_SIP_MAX_VIA % 4, 0, "test assumes a limit divisible by 4");
	/* At the limit: one header, one value per header, and mixed. */
	s = with_vias(USH_SIP_MAX_VIA, 1);
	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.via_count, USH_SIP_MAX_VIA);
	cr_expect_eq(t_msg.via_hdr_count, 1);
	EXPECT_SPAN(t_msg.via[USH_SIP_MAX_VIA - 1],
		    "SIP/2.0/UDP h0-15.example.com;branch=z9hG4bK015");
	free(s);
	s = with_vias(1, USH_SIP_MAX_VIA);
	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.via_count, USH_SIP_MAX_VIA);
	cr_expect_eq(t_msg.via_hdr_count, USH_SIP_MAX_VIA);
	EXPECT_SPAN(t_msg.via_hdr[USH_SIP_MAX_VIA - 1].name, "v");
	free(s);
	s = with_vias(4, USH_SIP_MAX_VIA / 4);
	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.via_count, USH_SIP_MAX_VIA);
	EXPECT_SPAN(t_msg.via[5], "SIP/2.0/UDP h1-1.example.com;branch=z9hG4bK11");
	free(s);
	/* One more. */
	s = with_vias(USH_SIP_MAX_VIA + 1, 1);
	EXPECT_ERR(t_parse(s), USH_SIP_ETOO_MANY_VIA);
	free(s);
	s = with_vias(1, USH_SIP_MAX_VIA + 1);
	EXPECT_ERR(t_parse(s), USH_SIP_ETOO_MANY_VIA);
	free(s);
	s = with_vias(USH_SIP_MAX_VIA / 2 + 1, 2);
	EXPECT_ERR(t_parse(s), USH_SIP_ETOO_MANY_VIA);
	free(s);
}

static char *
with_auths(unsigned n)
{
	struct sb b = {0};
	char line[256];

	sb_puts(&b, "INVITE sip:bob@example.com SIP/2.0\r\n" T_MAND("INVITE"));
	for (unsigned i = 0; i < n; i++) {
		snprintf(line, sizeof(line),
			 "%s: Digest username=\"u%u\", realm=\"r\", nonce=\"n\", "
			 "uri=\"sip:bob@example.com\", "
			 "response=\"0123456789abcdef0123456789abcdef\"\r\n",
			 i % 3 ? "Authorization" : "Proxy-Authorization", i);
		sb_puts(&b, line);
	}
	sb_puts(&b, "\r\n");
	return b.p;
}

Test(limits, auth_headers)
{
	char *s = with_auths(USH_SIP_MAX_AUTH);
	char want[32];

	EXPECT_OK(t_parse(s));
	cr_expect_eq(t_msg.auth_count, USH_SIP_MAX_AUTH);
	for (unsigned i = 0; i < USH_SIP_MAX_AUTH; i++) {
		struct ush_sip_cred c;

		cr_expect_eq(t_msg.auth[i].kind, i % 3 ? USH_SIP_AUTH_WWW : USH_SIP_AUTH_PROXY);
		EXPECT_OK(ush_sip_cred_parse(t_buf, t_msg.auth[i].value, &c));
		snprintf(want, sizeof(want), "u%u", i);
		EXPECT_SPAN(c.username, want);
	}
	free(s);
	s = with_auths(USH_SIP_MAX_AUTH + 1);
	EXPECT_ERR(t_parse(s), USH_SIP_ETOO_MANY_AUTH);
	free(s);
}

Test(limits, many_parameters_stay_linear)
{
	/* A Via with ~1,800 parameters before its branch, within the line limit. */
	struct sb b = {0};

	sb_puts(&b, RL "Via: SIP/2.0/UDP host.example.com");
	for (int i = 0; i < 1800 && b.n + 60 < USH_SIP_MAX_LINE; i++)
		sb_puts(&b, ";p=1");
	sb_puts(&b, ";branch=z9hG4bKend\r\n"
		    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
		    "Call-ID: params@example.com\r\nCSeq: 1 OPTIONS\r\n\r\n");
	EXPECT_OK(t_parse_n(b.p, b.n));
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKend");
	free(b.p);

	/* Credentials stuffed with separators and quotes. */
	b = (struct sb){0};
	sb_puts(&b, "Authorization: Digest username=\"");
	sb_rep(&b, ',', 4000);
	sb_puts(&b, "\", realm=\"r\", nonce=\"");
	for (int i = 0; i < 1000; i++)
		sb_puts(&b, "\\\"");
	sb_puts(&b, "\", uri=\"sip:x\", response=\"0123456789abcdef0123456789abcdef\"");
	t_set_n(b.p, b.n);
	{
		struct ush_sip_cred c;
		struct ush_sip_span v = {15, (uint16_t)(b.n - 15)};

		EXPECT_OK(ush_sip_cred_parse(t_buf, v, &c));
		cr_expect_eq(c.username.len, 4000);
		cr_expect_eq(c.nonce.len, 2000);
		cr_expect(c.escaped & USH_SIP_CRED_F_NONCE);
	}
	free(b.p);
}
