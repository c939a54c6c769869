/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Start line: request line (every method, version rules), status line, error names. */

#include <stdlib.h>

#include "sip_test.h"

static const struct {
	const char *tok;
	enum ush_sip_method id;
} methods[] = {
	{"INVITE", USH_SIP_METHOD_INVITE},     {"ACK", USH_SIP_METHOD_ACK},
	{"BYE", USH_SIP_METHOD_BYE},	       {"CANCEL", USH_SIP_METHOD_CANCEL},
	{"REGISTER", USH_SIP_METHOD_REGISTER}, {"OPTIONS", USH_SIP_METHOD_OPTIONS},
	{"PRACK", USH_SIP_METHOD_PRACK},       {"SUBSCRIBE", USH_SIP_METHOD_SUBSCRIBE},
	{"NOTIFY", USH_SIP_METHOD_NOTIFY},     {"PUBLISH", USH_SIP_METHOD_PUBLISH},
	{"INFO", USH_SIP_METHOD_INFO},	       {"REFER", USH_SIP_METHOD_REFER},
	{"MESSAGE", USH_SIP_METHOD_MESSAGE},   {"UPDATE", USH_SIP_METHOD_UPDATE},
};

Test(startline, every_method)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const char *m = methods[i].tok;
		char *s = t_fmt("%s sip:bob@example.com SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK%zu\r\n"
				"From: <sip:alice@example.com>;tag=1\r\n"
				"To: <sip:bob@example.com>\r\n"
				"Call-ID: c%zu@192.0.2.10\r\n"
				"CSeq: 7 %s\r\n"
				"Content-Length: 0\r\n\r\n",
				m, i, i, m);

		EXPECT_OK(t_parse(s));
		cr_expect(t_msg.is_request, "%s", m);
		cr_expect_eq(t_msg.method, methods[i].id, "%s: method %u", m, t_msg.method);
		cr_expect_eq(t_msg.cseq_method, methods[i].id, "%s: cseq_method %u", m,
			     t_msg.cseq_method);
		EXPECT_SPAN_AT(t_msg.method_str, 0, m);
		EXPECT_SPAN_AT(t_msg.ruri.raw, strlen(m) + 1, "sip:bob@example.com");
		EXPECT_SPAN(t_msg.version, "SIP/2.0");
		EXPECT_SPAN(t_msg.cseq_method_str, m);
		cr_expect_eq(t_msg.cseq, 7);
		cr_expect_eq(t_msg.status, 0, "%s: status %u on a request", m, t_msg.status);
		cr_expect_str_eq(ush_sip_method_name(methods[i].id), m);
		free(s);
	}
}

Test(startline, header_example_offsets)
{
	/*
	 * The example drawn in ush_sip.h. Its picture says ruri.raw len=13, but
	 * "sip:bob@h.ex" is 12 bytes: the doc comment is off by one, the offsets here are right.
	 */
	EXPECT_OK(t_parse("INVITE sip:bob@h.ex SIP/2.0\r\n" T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.method_str.off, 0);
	cr_expect_eq(t_msg.method_str.len, 6);
	cr_expect_eq(t_msg.ruri.raw.off, 7);
	cr_expect_eq(t_msg.ruri.raw.len, 12);
	EXPECT_SPAN_AT(t_msg.version, 20, "SIP/2.0");
	EXPECT_SPAN_AT(t_msg.start_line, 0, "INVITE sip:bob@h.ex SIP/2.0");
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_SIP);
	EXPECT_SPAN(t_msg.ruri.user, "bob");
	EXPECT_SPAN(t_msg.ruri.host, "h.ex");
	cr_expect_eq(t_msg.ruri.port, 0);
	EXPECT_ABSENT(t_msg.ruri.port_str);
	EXPECT_ABSENT(t_msg.reason);
	/* Max-Forwards and Content-Length are absent from T_MAND. */
	cr_expect_eq(t_msg.max_forwards, -1);
	cr_expect_eq(t_msg.content_length, -1);
	cr_expect_eq(t_msg.expires, -1);
}

Test(startline, extension_method)
{
	EXPECT_OK(t_parse("FOO-BAR.x!%*_+`'~ sip:bob@example.com SIP/2.0\r\n" T_MAND(
		"FOO-BAR.x!%*_+`'~") "\r\n"));
	cr_expect_eq(t_msg.method, USH_SIP_METHOD_OTHER);
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_OTHER);
	EXPECT_SPAN_AT(t_msg.method_str, 0, "FOO-BAR.x!%*_+`'~");
	EXPECT_SPAN(t_msg.cseq_method_str, "FOO-BAR.x!%*_+`'~");
}

Test(startline, method_is_case_sensitive)
{
	/*
	 * RFC 3261 §25.1 spells methods with %x literals (INVITEm = %x49.4E.56.49.54.45): they
	 * are case-sensitive, so "invite" is a valid extension token, not INVITE.
	 */
	EXPECT_OK(t_parse("invite sip:bob@example.com SIP/2.0\r\n" T_MAND("invite") "\r\n"));
	cr_expect_eq(t_msg.method, USH_SIP_METHOD_OTHER);
	EXPECT_SPAN(t_msg.method_str, "invite");
	/* ...and so CSeq must repeat it with the same case (§8.1.1.5, §12.2.1.1). */
	EXPECT_ERR(t_parse("invite sip:bob@example.com SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_ECSEQ_MISMATCH);
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/2.0\r\n" T_MAND("Invite") "\r\n"),
		   USH_SIP_ECSEQ_MISMATCH);
}

Test(startline, bad_method)
{
	/* '(' '@' ':' are separators, not token characters (RFC 3261 §25.1). */
	EXPECT_ERR(t_parse("IN(VITE sip:bob@example.com SIP/2.0\r\n" T_MAND("IN(VITE") "\r\n"),
		   USH_SIP_EBAD_METHOD);
	EXPECT_ERR(t_parse("REG@ISTER sip:example.com SIP/2.0\r\n" T_MAND("REG@ISTER") "\r\n"),
		   USH_SIP_EBAD_METHOD);
}

Test(startline, cseq_mismatch)
{
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/2.0\r\n" T_MAND("BYE") "\r\n"),
		   USH_SIP_ECSEQ_MISMATCH);
	EXPECT_ERR(t_parse("ACK sip:bob@example.com SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_ECSEQ_MISMATCH);
	/* An extension method differing only in its tail. */
	EXPECT_ERR(t_parse("FOO sip:bob@example.com SIP/2.0\r\n" T_MAND("FOOX") "\r\n"),
		   USH_SIP_ECSEQ_MISMATCH);
}

Test(startline, version_case_insensitive)
{
	/*
	 * RFC 3261 §7.1: "The SIP-Version string is case-insensitive, but implementations MUST
	 * send upper-case." The ABNF literal "SIP" (§25.1, RFC 5234 §2.3) is case-insensitive
	 * too. So a lower-case version is accepted; the span shows it as sent.
	 */
	EXPECT_OK(t_parse("OPTIONS sip:example.com sip/2.0\r\n" T_MAND("OPTIONS") "\r\n"));
	EXPECT_SPAN(t_msg.version, "sip/2.0");
	EXPECT_OK(t_parse("SiP/2.0 200 OK\r\n" T_MAND("OPTIONS") "\r\n"));
	EXPECT_SPAN_AT(t_msg.version, 0, "SiP/2.0");
	cr_expect_eq(t_msg.status, 200);
}

Test(startline, bad_version)
{
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/7.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/2.1\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/20\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com HTTP/1.1\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com SIP/2.0x\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(t_parse("SIP/3.0 200 OK\r\n" T_MAND("INVITE") "\r\n"), USH_SIP_EBAD_VERSION);
}

Test(startline, responses)
{
	EXPECT_OK(t_parse("SIP/2.0 200 OK\r\n" T_MAND("REGISTER") "Content-Length: 0\r\n\r\n"));
	cr_expect(!t_msg.is_request);
	cr_expect_eq(t_msg.method, USH_SIP_METHOD_NONE);
	cr_expect_eq(t_msg.status, 200);
	EXPECT_SPAN_AT(t_msg.version, 0, "SIP/2.0");
	EXPECT_SPAN_AT(t_msg.reason, 12, "OK");
	EXPECT_SPAN_AT(t_msg.start_line, 0, "SIP/2.0 200 OK");
	EXPECT_ABSENT(t_msg.method_str);
	EXPECT_ABSENT(t_msg.ruri.raw);
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_REGISTER);
	cr_expect_str_eq(ush_sip_method_name(USH_SIP_METHOD_NONE), "NONE");
	cr_expect_str_eq(ush_sip_method_name(USH_SIP_METHOD_OTHER), "OTHER");

	/* Reason with spaces, tabs and UTF-8 (Reason-Phrase allows UTF8-NONASCII). */
	EXPECT_OK(t_parse("SIP/2.0 486 Busy Here\t\xc3\xa9t\xc3\xa9 \xe2\x98\x8e\r\n" T_MAND(
		"INVITE") "\r\n"));
	cr_expect_eq(t_msg.status, 486);
	EXPECT_SPAN(t_msg.reason, "Busy Here\t\xc3\xa9t\xc3\xa9 \xe2\x98\x8e");

	/* CSeq method of a response is not compared with anything. */
	EXPECT_OK(t_parse("SIP/2.0 100 Trying\r\n" T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.status, 100);
	EXPECT_OK(t_parse("SIP/2.0 699 Whatever\r\n" T_MAND("BYE") "\r\n"));
	cr_expect_eq(t_msg.status, 699);
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_BYE);
	EXPECT_OK(t_parse("SIP/2.0 401 Unauthorized\r\n" T_MAND("FOO") "\r\n"));
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_OTHER);
	EXPECT_SPAN(t_msg.cseq_method_str, "FOO");
}

Test(startline, empty_reason)
{
	/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF; the phrase may be empty.
	 */
	EXPECT_OK(t_parse("SIP/2.0 180 \r\n" T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.status, 180);
	EXPECT_EMPTY(t_msg.reason);
	cr_expect_eq(t_msg.reason.off, 12);
}

Test(startline, bad_status)
{
	static const char *const lines[] = {
		"SIP/2.0 099 Too Low\r\n", "SIP/2.0 700 Too High\r\n",
		"SIP/2.0 000 Zero\r\n",	   "SIP/2.0 20 OK\r\n",
		"SIP/2.0 2000 OK\r\n",	   "SIP/2.0 2x0 OK\r\n",
		"SIP/2.0 -20 OK\r\n",	   "SIP/2.0 +200 OK\r\n",
		"SIP/2.0 OK 200\r\n",	   "SIP/2.0 1000000000000000000200 OK\r\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *s = t_fmt("%s" T_MAND("INVITE") "\r\n", lines[i]);

		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_STATUS, "%s: got %s",
			     t_esc(lines[i], strlen(lines[i])), t_errname(rc));
		free(s);
	}
}

Test(startline, bad_start_line)
{
	EXPECT_ERR(t_parse("HELLO\r\n" T_MAND("INVITE") "\r\n"), USH_SIP_EBAD_START_LINE);
	EXPECT_ERR(t_parse("INVITE\r\n" T_MAND("INVITE") "\r\n"), USH_SIP_EBAD_START_LINE);
	/* A request line without its version: either code names the fault. */
	EXPECT_ERR2(t_parse("INVITE sip:bob@example.com\r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_START_LINE, USH_SIP_EBAD_VERSION);
}

Test(startline, empty_message)
{
	EXPECT_ERR(t_parse_n("", 0), USH_SIP_EEMPTY);
	/* The reset happens even on the earliest rejection. */
	cr_expect(!ush_sip_span_present(t_msg.call_id) && t_msg.via_count == 0 &&
			  t_msg.auth_count == 0 && t_msg.hdr_count == 0,
		  "msg not reset on USH_SIP_EEMPTY");
}

Test(startline, ruri_angle_brackets)
{
	/* RFC 4475 §3.1.2.11 (ltgtruri): '<' '>' around the Request-URI are invalid. */
	EXPECT_ERR(t_parse("INVITE <sip:bob@example.com> SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_RURI);
}

Test(startline, ruri_with_spaces)
{
	/*
	 * RFC 4475 §3.1.2.12 (lwsruri) and §3.1.2.13 (lwsstart): LWS inside the Request-URI or
	 * several SP between the elements are invalid. Where the error is reported (method, URI
	 * or version) depends on how the line is split: any of those codes is right.
	 */
	EXPECT_ERR3(t_parse("INVITE sip:bob@example.com; lr SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_RURI, USH_SIP_EBAD_VERSION, USH_SIP_EBAD_START_LINE);
	EXPECT_ERR3(t_parse("INVITE  sip:bob@example.com SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_RURI, USH_SIP_EBAD_METHOD, USH_SIP_EBAD_START_LINE);
	EXPECT_ERR3(t_parse("INVITE sip:bob@example.com  SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_RURI, USH_SIP_EBAD_VERSION, USH_SIP_EBAD_START_LINE);
	EXPECT_ERR3(t_parse("INVITE sip:bob@example.com SIP/2.0 \r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_RURI, USH_SIP_EBAD_VERSION, USH_SIP_EBAD_START_LINE);
	EXPECT_ERR3(t_parse("INVITE\tsip:bob@example.com\tSIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		    USH_SIP_EBAD_METHOD, USH_SIP_EBAD_RURI, USH_SIP_EBAD_START_LINE);
}

Test(startline, errname_and_strerror)
{
	/* ush_sip_errname() is the lower-case x-macro name; strerror the reason text. */
	static const char *const reasons[] = {
#define T_REASON(name, reason) reason,
		USH_SIP_ERRORS(T_REASON)
#undef T_REASON
	};

	for (int e = 0; e < USH_SIP_ERR_COUNT; e++) {
		const char *up = t_errname(e);
		char low[64];
		size_t i;

		for (i = 0; up[i] != '\0' && i + 1 < sizeof(low); i++)
			low[i] = (char)(up[i] >= 'A' && up[i] <= 'Z' ? up[i] + 32 : up[i]);
		low[i] = '\0';
		cr_expect_str_eq(ush_sip_errname((enum ush_sip_err)e), low);
		cr_expect_str_eq(ush_sip_strerror((enum ush_sip_err)e), reasons[e]);
	}
	cr_expect_eq(USH_SIP_EOK, 0);
	/* Out of range: still a string, never NULL. */
	cr_expect_not_null(ush_sip_strerror(USH_SIP_ERR_COUNT));
	cr_expect_not_null(ush_sip_errname(USH_SIP_ERR_COUNT));
	cr_expect_not_null(ush_sip_method_name(USH_SIP_METHOD_COUNT));
}
