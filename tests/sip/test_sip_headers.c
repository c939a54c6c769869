/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Every header Usher reads, in long and compact form, plus folding, LWS and the traps. */

#include <stdio.h>
#include <stdlib.h>

#include "sip_test.h"

#define RL "INVITE sip:bob@example.com SIP/2.0\r\n"

Test(headers, mandatory_values)
{
	EXPECT_OK(t_parse(RL T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.hdr_count, 5);
	EXPECT_SPAN_AFTER(t_msg.call_id, "Call-ID: ", "3848276298220188511@192.0.2.10");
	cr_expect_eq(t_msg.cseq, 1);
	EXPECT_SPAN_AFTER(t_msg.cseq_raw, "CSeq: ", "1 INVITE");
	EXPECT_SPAN_AFTER(t_msg.cseq_method_str, "CSeq: 1 ", "INVITE");
	EXPECT_SPAN_AFTER(t_msg.from.raw, "From: ", "<sip:alice@example.com>;tag=9fxced76sl");
	EXPECT_SPAN_AFTER(t_msg.to.raw, "To: ", "<sip:bob@example.com>");
	/* The header section starts right after the start line's CRLF. */
	cr_expect_eq(t_msg.headers.off, strlen(RL));
	cr_expect(t_msg.headers.off + t_msg.headers.len <= t_len - 2);
	cr_expect(t_msg.headers.off + t_msg.headers.len >= t_find("CSeq: 1 INVITE") + 14);
}

Test(headers, compact_forms_mixed_case)
{
	EXPECT_OK(
		t_parse("INVITE sip:bob@example.com SIP/2.0\r\n"
			"V: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds8\r\n"
			"f: Alice <sip:alice@example.com>;tag=1928301774\r\n"
			"T: Bob <sip:bob@example.com>\r\n"
			"I: a84b4c76e66710@pc33.example.com\r\n"
			"cSEQ: 314159 INVITE\r\n"
			"M: <sip:alice@pc33.example.com>\r\n"
			"C: application/sdp\r\n"
			"Y: eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example.org/a.pem>\r\n"
			"mAX-fORWARDS: 70\r\n"
			"L: 4\r\n"
			"\r\n"
			"v=0\n"));
	cr_expect_eq(t_msg.hdr_count, 10);
	cr_expect_eq(t_msg.via_count, 1);
	EXPECT_SPAN(t_msg.via_top.host, "pc33.example.com");
	EXPECT_SPAN(t_msg.via_hdr[0].name, "V");
	EXPECT_SPAN(t_msg.from.tag, "1928301774");
	EXPECT_SPAN(t_msg.to.uri.user, "bob");
	EXPECT_SPAN(t_msg.call_id, "a84b4c76e66710@pc33.example.com");
	cr_expect_eq(t_msg.cseq, 314159);
	EXPECT_SPAN(t_msg.contact, "<sip:alice@pc33.example.com>");
	EXPECT_SPAN(t_msg.content_type, "application/sdp");
	EXPECT_SPAN(t_msg.identity,
		    "eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example.org/a.pem>");
	cr_expect_eq(t_msg.max_forwards, 70);
	cr_expect_eq(t_msg.content_length, 4);
	EXPECT_SPAN(t_msg.body, "v=0\n");
}

Test(headers, long_names_any_case)
{
	EXPECT_OK(t_parse("REGISTER sip:example.com SIP/2.0\r\n"
			  "VIA: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKreg1\r\n"
			  "FROM: <sip:alice@example.com>;tag=a1\r\n"
			  "to: <sip:alice@example.com>\r\n"
			  "call-id: reg-1@192.0.2.4\r\n"
			  "cseq: 2 REGISTER\r\n"
			  "CONTACT: <sip:alice@192.0.2.4:5060>;expires=600\r\n"
			  "eXpIrEs: 600\r\n"
			  "user-agent: Example Phone/1.0\r\n"
			  "IDENTITY: sig;info=<https://c.example/x>;alg=ES256;ppt=shaken\r\n"
			  "content-type: text/plain\r\n"
			  "content-LENGTH: 0\r\n"
			  "\r\n"));
	cr_expect_eq(t_msg.hdr_count, 11);
	cr_expect_eq(t_msg.expires, 600);
	EXPECT_SPAN(t_msg.user_agent, "Example Phone/1.0");
	EXPECT_SPAN(t_msg.identity, "sig;info=<https://c.example/x>;alg=ES256;ppt=shaken");
	EXPECT_SPAN(t_msg.content_type, "text/plain");
	EXPECT_SPAN(t_msg.contact, "<sip:alice@192.0.2.4:5060>;expires=600");
	EXPECT_SPAN(t_msg.call_id, "reg-1@192.0.2.4");
	cr_expect_eq(t_msg.content_length, 0);
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_REGISTER);
}

Test(headers, unknown_and_compact_unknown_skipped)
{
	/* e k s o u r b x a j d n: compact forms of headers Usher does not read. */
	EXPECT_OK(t_parse(RL T_MAND("INVITE") "e: gzip\r\n"
					      "k: 100rel, timer\r\n"
					      "s: lunch?\r\n"
					      "o: presence\r\n"
					      "u: dialog\r\n"
					      "r: <sip:carol@example.com>\r\n"
					      "b: <sip:dave@example.com>\r\n"
					      "x: 1800;refresher=uac\r\n"
					      "a: *;+sip.instance=\"<urn:uuid:1>\"\r\n"
					      "j: *;audio\r\n"
					      "d: proxy\r\n"
					      "X-Totally-Unknown: whatever: with: colons\r\n"
					      "P-Asserted-Identity: <sip:alice@example.com>\r\n"
					      "\r\n"));
	cr_expect_eq(t_msg.hdr_count, 5 + 13);
	/* None of these is mistaken for a header Usher reads. */
	EXPECT_ABSENT(t_msg.content_type);
	EXPECT_ABSENT(t_msg.contact);
	EXPECT_ABSENT(t_msg.identity);
	EXPECT_ABSENT(t_msg.user_agent);
	cr_expect_eq(t_msg.content_length, -1);
	cr_expect_eq(t_msg.via_count, 1);
	cr_expect_eq(t_msg.auth_count, 0);
}

Test(headers, names_that_are_prefixes_are_not_matched)
{
	/* "Viax", "Call-IDs", "Tox", "CSeq2", "Content-Lengthy", "ff": other headers entirely. */
	EXPECT_OK(
		t_parse(RL T_MAND("INVITE") "Viax: SIP/2.0/UDP evil.example.com;branch=z9hG4bKx\r\n"
					    "Call-IDs: second\r\n"
					    "Tox: <sip:mallory@example.com>;tag=x\r\n"
					    "CSeq2: 9 BYE\r\n"
					    "Content-Lengthy: 99\r\n"
					    "ff: <sip:x@example.com>\r\n"
					    "Authorizations: Digest username=\"x\"\r\n"
					    "\r\n"));
	cr_expect_eq(t_msg.hdr_count, 12);
	cr_expect_eq(t_msg.via_count, 1);
	EXPECT_SPAN(t_msg.call_id, "3848276298220188511@192.0.2.10");
	EXPECT_ABSENT(t_msg.to.tag);
	cr_expect_eq(t_msg.cseq, 1);
	cr_expect_eq(t_msg.content_length, -1);
	cr_expect_eq(t_msg.auth_count, 0);
}

Test(headers, via_lists_and_several_headers)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP "
			     "b.example.com:5070;branch=z9hG4bK2\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\n"
			     "v: SIP/2.0/UDP c.example.com;branch=z9hG4bK3,SIP/2.0/SCTP "
			     "d.example.com;branch=z9hG4bK4\r\n"
			     "To: <sip:bob@example.com>\r\n"
			     "VIA:SIP/2.0/TLS e.example.com;branch=z9hG4bK5\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	cr_assert_eq(t_msg.via_count, 5);
	cr_assert_eq(t_msg.via_hdr_count, 3);
	EXPECT_SPAN(t_msg.via[0], "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
	EXPECT_SPAN(t_msg.via[1], "SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2");
	EXPECT_SPAN(t_msg.via[2], "SIP/2.0/UDP c.example.com;branch=z9hG4bK3");
	EXPECT_SPAN(t_msg.via[3], "SIP/2.0/SCTP d.example.com;branch=z9hG4bK4");
	EXPECT_SPAN(t_msg.via[4], "SIP/2.0/TLS e.example.com;branch=z9hG4bK5");
	EXPECT_SPAN(t_msg.via_hdr[0].name, "Via");
	EXPECT_SPAN(t_msg.via_hdr[0].value, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, "
					    "SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2");
	EXPECT_SPAN(t_msg.via_hdr[1].name, "v");
	EXPECT_SPAN(t_msg.via_hdr[1].value,
		    "SIP/2.0/UDP c.example.com;branch=z9hG4bK3,SIP/2.0/SCTP "
		    "d.example.com;branch=z9hG4bK4");
	EXPECT_SPAN(t_msg.via_hdr[2].name, "VIA");
	EXPECT_SPAN(t_msg.via_hdr[2].value, "SIP/2.0/TLS e.example.com;branch=z9hG4bK5");
	/* The top Via is the first value of the first Via header. */
	EXPECT_SPAN(t_msg.via_top.raw, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
	EXPECT_SPAN(t_msg.via_top.transport, "UDP");
	EXPECT_SPAN(t_msg.via_top.host, "a.example.com");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bK1");
	EXPECT_ABSENT(t_msg.via_top.port_str);
	cr_expect_eq(t_msg.via_top.port, 0);
	cr_expect_eq(t_msg.hdr_count, 7);
}

Test(headers, via_top_parts)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP "
			     "192.0.2.33:5062;rport=61234;received=203.0.113.9;branch=z9hG4bK-"
			     "524287-1---b2a9\r\n"
			     "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKouter\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.via_top.transport, "UDP");
	EXPECT_SPAN(t_msg.via_top.host, "192.0.2.33");
	EXPECT_SPAN(t_msg.via_top.port_str, "5062");
	cr_expect_eq(t_msg.via_top.port, 5062);
	EXPECT_SPAN(t_msg.via_top.rport, "61234");
	EXPECT_SPAN(t_msg.via_top.received, "203.0.113.9");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bK-524287-1---b2a9");
	cr_expect_eq(t_msg.via_count, 2);
}

Test(headers, via_bare_rport_ipv6)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/TCP [2001:db8::7]:5070;branch=z9hG4bKv6;rport\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.via_top.transport, "TCP");
	EXPECT_SPAN(t_msg.via_top.host, "[2001:db8::7]");
	EXPECT_SPAN(t_msg.via_top.port_str, "5070");
	cr_expect_eq(t_msg.via_top.port, 5070);
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKv6");
	/* Bare ";rport": present but empty (ush_sip.h), starting right after "rport". */
	EXPECT_EMPTY(t_msg.via_top.rport);
	EXPECT_ABSENT(t_msg.via_top.received);

	/* IPv6 without port, received holding an IPv6 address (RFC 3261 received grammar). */
	EXPECT_OK(t_parse(
		RL "Via: SIP/2.0/UDP [2001:db8::7];rport;received=2001:db8::99;branch=z9hG4bKq\r\n"
		   "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
		   "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.via_top.host, "[2001:db8::7]");
	EXPECT_ABSENT(t_msg.via_top.port_str);
	cr_expect_eq(t_msg.via_top.port, 0);
	EXPECT_EMPTY(t_msg.via_top.rport);
	EXPECT_SPAN(t_msg.via_top.received, "2001:db8::99");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKq");
}

Test(headers, via_param_names_case_insensitive)
{
	/* RFC 3261 §7.3.1: parameter names are case-insensitive unless stated otherwise. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/udp "
			     "host.example.com;BRANCH=z9hG4bKup;RPort=1234;Received=192.0.2.1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.via_top.transport, "udp");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKup");
	EXPECT_SPAN(t_msg.via_top.rport, "1234");
	EXPECT_SPAN(t_msg.via_top.received, "192.0.2.1");
}

Test(headers, via_quoted_comma_and_params_without_branch)
{
	/* A comma inside a quoted generic-param value does not split the Via list. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP a.example.com;x-note=\"one, two\";branch=z9hG4bKq1, "
			     "SIP/2.0/UDP b.example.com\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	cr_expect_eq(t_msg.via_count, 2);
	EXPECT_SPAN(t_msg.via[0], "SIP/2.0/UDP a.example.com;x-note=\"one, two\";branch=z9hG4bKq1");
	EXPECT_SPAN(t_msg.via[1], "SIP/2.0/UDP b.example.com");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKq1");
	/* Without branch (RFC 2543 peers): parsed, branch absent. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP old.example.com:5060\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_ABSENT(t_msg.via_top.branch);
	EXPECT_ABSENT(t_msg.via_top.rport);
	cr_expect_eq(t_msg.via_top.port, 5060);
}

Test(headers, via_lws_everywhere)
{
	/*
	 * RFC 3261 §25.1: SLASH, COLON, SEMI and EQUAL all allow SWS on both sides, and a
	 * folded line is LWS. RFC 4475 §3.1.1.1 (wsinv) has Via values built like this.
	 */
	EXPECT_OK(t_parse(RL "Via  :  SIP / 2.0 / UDP  host.example.com : 5066 ;\r\n"
			     "  branch  =   z9hG4bKlws ; rport ,\r\n"
			     "\tSIP/2.0/TCP second.example.com   ;   branch=\r\n"
			     " z9hG4bKsecond\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	cr_expect_eq(t_msg.via_count, 2);
	cr_expect_eq(t_msg.via_hdr_count, 1);
	EXPECT_SPAN(t_msg.via_top.transport, "UDP");
	EXPECT_SPAN(t_msg.via_top.host, "host.example.com");
	cr_expect_eq(t_msg.via_top.port, 5066);
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKlws");
	EXPECT_EMPTY(t_msg.via_top.rport);
	EXPECT_SPAN(t_msg.via_hdr[0].name, "Via");
	EXPECT_SPAN(t_msg.via[1], "SIP/2.0/TCP second.example.com   ;   branch=\r\n z9hG4bKsecond");
}

Test(headers, bad_via)
{
	static const char *const vias[] = {
		"Via: garbage\r\n",
		"Via: SIP/2.0 host.example.com;branch=z9hG4bK1\r\n", /* no transport */
		"Via: SIP/2.0/UDP\r\n",				     /* no sent-by */
		"Via: SIP/2.0/UDP ;branch=z9hG4bK1\r\n",	     /* empty host */
		"Via: SIP/2.0/UDP host.example.com:port;branch=z9hG4bK1\r\n",
		"Via: SIP/2.0/UDP host.example.com:70000;branch=z9hG4bK1\r\n",
		"Via: SIP/2.0/UDP [2001:db8::1;branch=z9hG4bK1\r\n", /* unclosed bracket */
		"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,,SIP/2.0/UDP b\r\n",
		"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n", /* empty last element */
		"Via:\r\n",					       /* empty value */
		"Via: SIP/2.0/UDP 2001:db8::1;branch=z9hG4bK1\r\n",    /* IPv6 needs brackets */
	};

	for (size_t i = 0; i < sizeof(vias) / sizeof(vias[0]); i++) {
		char *s = t_fmt(
			RL "%s"
			   "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			   "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n",
			vias[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_VIA, "%s: got %s", t_esc(vias[i], strlen(vias[i])),
			     t_errname(rc));
		free(s);
	}
}

Test(headers, from_to_forms)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: \"Alice \\\"Al\\\" Smith\" "
			     "<sip:alice@example.com;transport=udp>;tag=a48s;x=y\r\n"
			     "To: Bob Jones <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(
		t_msg.from.raw,
		"\"Alice \\\"Al\\\" Smith\" <sip:alice@example.com;transport=udp>;tag=a48s;x=y");
	EXPECT_SPAN(t_msg.from.display, "\"Alice \\\"Al\\\" Smith\"");
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:alice@example.com;transport=udp");
	EXPECT_SPAN(t_msg.from.uri.user, "alice");
	EXPECT_SPAN(t_msg.from.uri.host, "example.com");
	EXPECT_SPAN(t_msg.from.uri.params, "transport=udp");
	cr_expect_eq(t_msg.from.uri.scheme_id, USH_SIP_SCHEME_SIP);
	EXPECT_SPAN(t_msg.from.tag, "a48s");
	/* Unquoted display name: tokens with LWS, trimmed before '<'. */
	EXPECT_SPAN(t_msg.to.display, "Bob Jones");
	EXPECT_SPAN(t_msg.to.uri.raw, "sip:bob@example.com");
	EXPECT_ABSENT(t_msg.to.tag);
}

Test(headers, from_to_addr_spec)
{
	/* addr-spec form: the first ';' ends the URI, so tag is a header parameter (§20.10). */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "f: sip:alice@example.com;tag=77aa\r\n"
			     "t: sips:bob@example.com:5061\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_ABSENT(t_msg.from.display);
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:alice@example.com");
	EXPECT_ABSENT(t_msg.from.uri.params);
	EXPECT_SPAN(t_msg.from.tag, "77aa");
	EXPECT_SPAN(t_msg.to.uri.raw, "sips:bob@example.com:5061");
	cr_expect_eq(t_msg.to.uri.scheme_id, USH_SIP_SCHEME_SIPS);
	cr_expect_eq(t_msg.to.uri.port, 5061);
	EXPECT_ABSENT(t_msg.to.tag);
}

Test(headers, from_to_odd_but_valid)
{
	/* No space before '<'; empty quoted display; LWS around ';' and '='; TAG in capitals;
	 * tel URI; UTF-8 display name. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: \"\"<sip:anon@anonymous.invalid> ; TAG = 0x1f\r\n"
			     "To: \"J\xc3\xbcrgen \xe6\x9d\xb1\" <tel:+4930123456>;tag=z-9\r\n"
			     "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.from.display, "\"\"");
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:anon@anonymous.invalid");
	EXPECT_SPAN(t_msg.from.tag, "0x1f");
	EXPECT_SPAN(t_msg.to.display, "\"J\xc3\xbcrgen \xe6\x9d\xb1\"");
	cr_expect_eq(t_msg.to.uri.scheme_id, USH_SIP_SCHEME_TEL);
	EXPECT_SPAN(t_msg.to.uri.user, "+4930123456");
	EXPECT_SPAN(t_msg.to.tag, "z-9");
}

Test(headers, from_to_display_with_specials)
{
	/* A quoted display may hold '<', ',' ';' and '@' without ending anything. */
	EXPECT_OK(t_parse(RL
			  "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			  "From: \"Doe, John <sales>; tag=no@x\" <sip:jd@example.com>;tag=yes\r\n"
			  "To: <sip:bob@example.com>\r\n"
			  "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.from.display, "\"Doe, John <sales>; tag=no@x\"");
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:jd@example.com");
	EXPECT_SPAN(t_msg.from.tag, "yes");
}

Test(headers, bad_from_to)
{
	/* RFC 4475 §3.1.2.7 (quotbal)-like: unterminated quoted display name. */
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: \"Alice <sip:alice@example.com>;tag=1\r\n"
			      "To: <sip:bob@example.com>\r\n"
			      "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_FROM);
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com>;tag=1\r\n"
			      "To: \"Bob <sip:bob@example.com>\r\n"
			      "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_TO);
	/* Unclosed '<'. */
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com;tag=1\r\n"
			      "To: <sip:bob@example.com>\r\n"
			      "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_FROM);
	/* Empty value. */
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com>;tag=1\r\n"
			      "To:\r\n"
			      "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_TO);
	/* Not a URI inside the brackets. */
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <alice at example dot com>;tag=1\r\n"
			      "To: <sip:bob@example.com>\r\n"
			      "Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_FROM);
}

Test(headers, call_id)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "i:\tf81d4fae-7dec-11d0-a765-00a0c91e6bf6@[2001:db8::1]  \r\n"
			     "CSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.call_id, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@[2001:db8::1]");
	/* word allows ( ) < > : \ " / [ ] ? { } and the marks. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: (odd)<word>:\\\"/[]?{}~!*'%+`-._@host\r\n"
			     "CSeq: 1 INVITE\r\n\r\n"));
	EXPECT_SPAN(t_msg.call_id, "(odd)<word>:\\\"/[]?{}~!*'%+`-._@host");

	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			      "Call-ID:\r\n"
			      "CSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_CALL_ID);
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			      "Call-ID:    \t \r\n"
			      "CSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_CALL_ID);
	/* callid = word [ "@" word ]: no LWS inside. */
	EXPECT_ERR(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			      "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			      "Call-ID: abc def@host\r\n"
			      "CSeq: 1 INVITE\r\n\r\n"),
		   USH_SIP_EBAD_CALL_ID);
}

Test(headers, cseq_values)
{
	/* Leading zeros, LWS (tabs, several SP, a fold) between number and method. */
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\n"
			     "CSeq: 0009 \t  INVITE\r\n\r\n"));
	cr_expect_eq(t_msg.cseq, 9);
	EXPECT_SPAN(t_msg.cseq_method_str, "INVITE");
	EXPECT_SPAN(t_msg.cseq_raw, "0009 \t  INVITE");

	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\n"
			     "CSeq: 2147483647\r\n INVITE\r\n\r\n"));
	cr_expect_eq(t_msg.cseq, 2147483647u);
	EXPECT_SPAN(t_msg.cseq_method_str, "INVITE");

	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			     "Call-ID: x@y\r\n"
			     "CSeq: 0 INVITE\r\n\r\n"));
	cr_expect_eq(t_msg.cseq, 0);
}

Test(headers, bad_cseq)
{
	static const char *const vals[] = {
		"abc INVITE",
		"1",
		"INVITE",
		"-1 INVITE",
		"+1 INVITE",
		"1.5 INVITE",
		"2147483648 INVITE", /* RFC 3261 §8.1.1.5: less than 2**31 */
		"4294967297 INVITE",
		"99999999999999999999999999 INVITE",
		"",
		"1 INVITE extra",
		"1INVITE",
	};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char *s = t_fmt(
			RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			   "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			   "Call-ID: x@y\r\nCSeq: %s\r\n\r\n",
			vals[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_CSEQ, "CSeq \"%s\": got %s", vals[i], t_errname(rc));
		free(s);
	}
}

Test(headers, max_forwards)
{
	static const struct {
		const char *v;
		int want;
	} ok[] = {{"70", 70}, {"0", 0}, {"255", 255}, {"0068", 68}, {"  1  ", 1}};
	static const char *const bad[] = {"256", "-1", "abc", "", "7 0", "99999999999", "0x10"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *s = t_fmt(RL T_MAND("INVITE") "Max-Forwards:%s\r\n\r\n", ok[i].v);

		EXPECT_OK(t_parse(s));
		cr_expect_eq(t_msg.max_forwards, ok[i].want, "Max-Forwards \"%s\": got %d", ok[i].v,
			     t_msg.max_forwards);
		free(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = t_fmt(RL T_MAND("INVITE") "Max-Forwards: %s\r\n\r\n", bad[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_MAX_FORWARDS, "Max-Forwards \"%s\": got %s", bad[i],
			     t_errname(rc));
		free(s);
	}
}

Test(headers, expires)
{
	static const struct {
		const char *v;
		int64_t want;
	} ok[] = {{"3600", 3600}, {"0", 0}, {"4294967295", 4294967295LL}, {"007", 7}};
	static const char *const bad[] = {"abc", "-5", "1h", "Thu, 01 Dec 1994 16:00:00 GMT"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *s = t_fmt("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
					"REGISTER") "Expires: %s\r\n\r\n",
				ok[i].v);

		EXPECT_OK(t_parse(s));
		cr_expect_eq(t_msg.expires, ok[i].want, "Expires \"%s\": got %lld", ok[i].v,
			     (long long)t_msg.expires);
		free(s);
	}
	/* RFC 3261 §20.19 has only delta-seconds; the RFC 2543 SIP-date form is gone. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = t_fmt("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
					"REGISTER") "Expires: %s\r\n\r\n",
				bad[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_EXPIRES, "Expires \"%s\": got %s", bad[i],
			     t_errname(rc));
		free(s);
	}
}

Test(headers, contact_first_value)
{
	EXPECT_OK(t_parse("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
		"REGISTER") "Contact: \"Doe, John\" <sip:jd@192.0.2.5>;expires=60;q=0.7, "
			    "<sip:jd@198.51.100.5>\r\n"
			    "m: <sip:other@example.com>\r\n\r\n"));
	EXPECT_SPAN(t_msg.contact, "\"Doe, John\" <sip:jd@192.0.2.5>;expires=60;q=0.7");

	/* A ',' in the user part inside '<>' is not a separator. */
	EXPECT_OK(t_parse("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
		"REGISTER") "Contact: "
			    "<sip:a,b@192.0.2.5>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
			    "000A95A0E128>\"\r\n\r\n"));
	EXPECT_SPAN(t_msg.contact, "<sip:a,b@192.0.2.5>;+sip.instance=\"<urn:uuid:00000000-0000-"
				   "1000-8000-000A95A0E128>\"");

	/* The wildcard of a de-registration. */
	EXPECT_OK(t_parse("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
		"REGISTER") "Contact: *\r\nExpires: 0\r\n\r\n"));
	EXPECT_SPAN(t_msg.contact, "*");
	cr_expect_eq(t_msg.expires, 0);
}

Test(headers, identity_first_of_several)
{
	/* RFC 8224 allows several Identity header fields; Usher keeps the first. */
	EXPECT_OK(t_parse(
		RL T_MAND("INVITE") "Identity: "
				    "first.sig.one;info=<https://a.example/"
				    "1.pem>;alg=ES256;ppt=\"shaken\"\r\n"
				    "y: second.sig.two;info=<https://b.example/2.pem>\r\n\r\n"));
	EXPECT_SPAN(t_msg.identity,
		    "first.sig.one;info=<https://a.example/1.pem>;alg=ES256;ppt=\"shaken\"");
	cr_expect_eq(t_msg.hdr_count, 7);
}

Test(headers, p_asserted_identity_first_field_whole_value)
{
	/* RFC 3325: the first field is kept whole (both its values); the name is case-blind */
	EXPECT_OK(t_parse(RL T_MAND("INVITE")
			  "p-asserted-IDENTITY: \"Alice\" <sip:+12025550100@a.example>, "
			  "<tel:+12025550100>\r\n"
			  "P-Asserted-Identity: <sip:other@b.example>\r\n"
			  "Proxy-Authorization: Digest username=\"p1\"\r\n\r\n"));
	EXPECT_SPAN(t_msg.pai, "\"Alice\" <sip:+12025550100@a.example>, <tel:+12025550100>");
	cr_expect_eq(t_msg.auth_count, 1, "the other 19-letter name still found");
}

Test(headers, authorization_order_and_kind)
{
	EXPECT_OK(t_parse(RL T_MAND("INVITE") "Proxy-Authorization: Digest username=\"p1\"\r\n"
					      "Authorization: Digest username=\"w1\"\r\n"
					      "proxy-authorization:Digest username=\"p2\"\r\n"
					      "AUTHORIZATION  :  Digest username=\"w2\"   \r\n"
					      "\r\n"));
	cr_assert_eq(t_msg.auth_count, 4);
	cr_expect_eq(t_msg.auth[0].kind, USH_SIP_AUTH_PROXY);
	EXPECT_SPAN(t_msg.auth[0].value, "Digest username=\"p1\"");
	cr_expect_eq(t_msg.auth[1].kind, USH_SIP_AUTH_WWW);
	EXPECT_SPAN(t_msg.auth[1].value, "Digest username=\"w1\"");
	cr_expect_eq(t_msg.auth[2].kind, USH_SIP_AUTH_PROXY);
	EXPECT_SPAN(t_msg.auth[2].value, "Digest username=\"p2\"");
	cr_expect_eq(t_msg.auth[3].kind, USH_SIP_AUTH_WWW);
	EXPECT_SPAN(t_msg.auth[3].value, "Digest username=\"w2\"");
	cr_expect_eq(t_msg.hdr_count, 9);
	/* WWW-Authenticate / Proxy-Authenticate are challenges, not credentials. */
	EXPECT_OK(t_parse("SIP/2.0 401 Unauthorized\r\n" T_MAND(
		"INVITE") "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n\"\r\n"
			  "Proxy-Authenticate: Digest realm=\"example.com\", nonce=\"n\"\r\n\r\n"));
	cr_expect_eq(t_msg.auth_count, 0);
}

Test(headers, folding_and_lws)
{
	EXPECT_OK(t_parse(RL "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			     "From \t:\r\n <sip:alice@example.com>\r\n\t;tag=fold1\r\n"
			     "To:<sip:bob@example.com>\r\n"
			     "Call-ID\t:\tfold@example.com\r\n"
			     "CSeq: 5\r\n  \t INVITE\r\n"
			     "Subject: first part\r\n second part\r\n\tthird part\r\n"
			     "User-Agent:\r\n   Folded Agent/2.0\r\n"
			     "\r\n"));
	EXPECT_SPAN(t_msg.from.raw, "<sip:alice@example.com>\r\n\t;tag=fold1");
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:alice@example.com");
	EXPECT_SPAN(t_msg.from.tag, "fold1");
	EXPECT_SPAN(t_msg.to.uri.raw, "sip:bob@example.com");
	EXPECT_SPAN(t_msg.call_id, "fold@example.com");
	cr_expect_eq(t_msg.cseq, 5);
	EXPECT_SPAN(t_msg.cseq_method_str, "INVITE");
	EXPECT_SPAN(t_msg.user_agent, "Folded Agent/2.0");
	/* A folded field counts once. */
	cr_expect_eq(t_msg.hdr_count, 7);
}

Test(headers, empty_values)
{
	EXPECT_OK(t_parse(RL T_MAND("INVITE") "Subject:\r\n"
					      "X-Empty: \r\n"
					      "Organization:\t\r\n"
					      "User-Agent:\r\n"
					      "\r\n"));
	cr_expect_eq(t_msg.hdr_count, 9);
	/* Present but empty: non-zero offset, length 0 (ush_sip.h). */
	EXPECT_EMPTY(t_msg.user_agent);
}

Test(headers, bad_header_lines)
{
	static const char *const lines[] = {
		"NoColonHere\r\n",
		": no name\r\n",
		"Bad Name: x\r\n", /* SP inside the name (only before ':' is allowed) */
		"Bad@Name: x\r\n",
		"Sub\x01ject: x\r\n", /* control char in the name: BAD_CHAR or BAD_HEADER */
		"[x]: y\r\n",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *s = t_fmt(RL T_MAND("INVITE") "%s\r\n", lines[i]);
		enum ush_sip_err rc = t_parse(s);

		if (i == 4)
			cr_expect(rc == USH_SIP_EBAD_HEADER || rc == USH_SIP_EBAD_CHAR,
				  "%s: got %s", t_esc(lines[i], strlen(lines[i])), t_errname(rc));
		else
			cr_expect_eq(rc, USH_SIP_EBAD_HEADER, "%s: got %s",
				     t_esc(lines[i], strlen(lines[i])), t_errname(rc));
		free(s);
	}
}

Test(headers, fold_right_after_start_line)
{
	/* A continuation line with no header before it continues nothing. */
	EXPECT_ERR2(t_parse(RL " folded: nothing\r\n" T_MAND("INVITE") "\r\n"), USH_SIP_EBAD_HEADER,
		    USH_SIP_EBAD_START_LINE);
}

Test(headers, duplicated_single_valued)
{
	static const char *const dups[] = {
		"Call-ID: second@example.com\r\n",
		"i: second@example.com\r\n",
		"CSeq: 2 INVITE\r\n",
		"CSeq: 1 INVITE\r\n", /* even when identical */
		"From: <sip:eve@example.com>;tag=2\r\n",
		"f: <sip:alice@example.com>;tag=9fxced76sl\r\n",
		"To: <sip:carol@example.com>\r\n",
		"t: <sip:bob@example.com>\r\n",
	};

	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		char *s = t_fmt(RL T_MAND("INVITE") "%s\r\n", dups[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EDUP_HEADER, "%s: got %s", t_esc(dups[i], strlen(dups[i])),
			     t_errname(rc));
		free(s);
	}
	EXPECT_ERR(t_parse(RL T_MAND("INVITE") "Content-Length: 0\r\nl: 0\r\n\r\n"),
		   USH_SIP_EDUP_HEADER);
	EXPECT_ERR(
		t_parse(RL T_MAND("INVITE") "Content-Length: 0\r\nContent-Length: 4\r\n\r\nabcd"),
		USH_SIP_EDUP_HEADER);
}

Test(headers, duplicated_other_single_valued)
{
	/* RFC 3261 §7.3.1: a header not defined as a comma list appears at most once. */
	EXPECT_ERR(t_parse(RL T_MAND("INVITE") "Max-Forwards: 70\r\nMax-Forwards: 69\r\n\r\n"),
		   USH_SIP_EDUP_HEADER);
	EXPECT_ERR(t_parse(RL T_MAND("INVITE") "Expires: 60\r\nexpires: 60\r\n\r\n"),
		   USH_SIP_EDUP_HEADER);
	EXPECT_ERR(t_parse(RL T_MAND(
			   "INVITE") "Content-Type: text/plain\r\nc: application/sdp\r\n\r\n"),
		   USH_SIP_EDUP_HEADER);
}

Test(headers, empty_tag)
{
	/* tag-param = "tag" EQUAL token: a token has at least one character. */
	EXPECT_ERR(
		t_parse(RL
			"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=\r\n"
			"Call-ID: x@y\r\nCSeq: 1 INVITE\r\n\r\n"),
		USH_SIP_EBAD_TO);
}

Test(headers, missing_mandatory)
{
	static const char *const names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	const char *all = RL T_MAND("INVITE") "\r\n";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* Drop the line that starts with names[i]. */
		char *s = t_fmt("%s", all);
		char key[32];
		char *p, *e;
		enum ush_sip_err rc;

		snprintf(key, sizeof(key), "\r\n%s:", names[i]);
		p = strstr(s, key);
		cr_assert_not_null(p);
		e = strstr(p + 2, "\r\n");
		memmove(p, e, strlen(e) + 1);
		rc = t_parse(s);
		cr_expect_eq(rc, USH_SIP_EMISSING_HEADER, "without %s: got %s", names[i],
			     t_errname(rc));
		free(s);
	}
	/* Responses need them too. */
	EXPECT_ERR(
		t_parse("SIP/2.0 200 OK\r\n"
			"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
			"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
			"CSeq: 1 INVITE\r\n\r\n"),
		USH_SIP_EMISSING_HEADER);
	/* No header at all. */
	EXPECT_ERR(t_parse("OPTIONS sip:example.com SIP/2.0\r\n\r\n"), USH_SIP_EMISSING_HEADER);
	/* Max-Forwards is not in Usher's mandatory list: absent gives -1. */
	EXPECT_OK(t_parse(RL T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.max_forwards, -1);
}
