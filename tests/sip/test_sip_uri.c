/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* URI parts (RFC 3261 §19.1, §25.1): ush_sip_uri_parse() directly and as Request-URI. */

#include <errno.h>
#include <stdlib.h>

#include "sip_test.h"

/*
 * Parse the URI that follows "X " in a small buffer, so no part starts at offset 0 (offset 0
 * with length 0 would read as absent).
 */
static int
uri(const char *text, struct ush_sip_uri *u)
{
	char *s = t_fmt("X %s", text);
	struct ush_sip_span sp = {2, (uint16_t)strlen(text)};
	int rc;

	t_set(s);
	free(s);
	memset(u, 0xa5, sizeof(*u));
	rc = ush_sip_uri_parse(t_buf, sp, u);
	return rc;
}

Test(uri, header_example)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("sip:alice;x=1:secret@[2001:db8::1]:5062;transport=udp?subject=hi", &u),
		     0);
	EXPECT_SPAN_AT(u.raw, 2,
		       "sip:alice;x=1:secret@[2001:db8::1]:5062;transport=udp?subject=hi");
	EXPECT_SPAN_AT(u.scheme, 2, "sip");
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_SIP);
	EXPECT_SPAN(u.user, "alice;x=1");
	EXPECT_SPAN(u.password, "secret");
	EXPECT_SPAN(u.host, "[2001:db8::1]");
	EXPECT_SPAN(u.port_str, "5062");
	cr_expect_eq(u.port, 5062);
	EXPECT_SPAN(u.params, "transport=udp");
	EXPECT_SPAN(u.headers, "subject=hi");
}

Test(uri, plain_host_only)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("sip:example.com", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_SIP);
	EXPECT_SPAN(u.host, "example.com");
	EXPECT_ABSENT(u.user);
	EXPECT_ABSENT(u.password);
	EXPECT_ABSENT(u.port_str);
	EXPECT_ABSENT(u.params);
	EXPECT_ABSENT(u.headers);
	cr_expect_eq(u.port, 0);
}

Test(uri, sips_ipv4_port_params)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("sips:+15551234567@198.51.100.7:5061;user=phone;lr", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_SIPS);
	EXPECT_SPAN(u.scheme, "sips");
	EXPECT_SPAN(u.user, "+15551234567");
	EXPECT_SPAN(u.host, "198.51.100.7");
	cr_expect_eq(u.port, 5061);
	EXPECT_SPAN(u.params, "user=phone;lr");
	EXPECT_ABSENT(u.headers);
}

Test(uri, scheme_case_insensitive)
{
	struct ush_sip_uri u;

	/* RFC 3261 §19.1.4: the scheme compares case-insensitively. */
	cr_assert_eq(uri("SIP:Bob@Example.COM", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_SIP);
	EXPECT_SPAN(u.scheme, "SIP");
	EXPECT_SPAN(u.user, "Bob");
	EXPECT_SPAN(u.host, "Example.COM");
	cr_assert_eq(uri("SiPs:example.com", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_SIPS);
	cr_assert_eq(uri("TEL:+358-555-1234567", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_TEL);
}

Test(uri, ipv6_without_port)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("sip:[2001:db8:0:0:1::2a]", &u), 0);
	EXPECT_SPAN(u.host, "[2001:db8:0:0:1::2a]");
	EXPECT_ABSENT(u.port_str);
	cr_expect_eq(u.port, 0);
	cr_assert_eq(uri("sip:bob@[::ffff:192.0.2.128];transport=tcp", &u), 0);
	EXPECT_SPAN(u.host, "[::ffff:192.0.2.128]");
	EXPECT_SPAN(u.params, "transport=tcp");
}

Test(uri, password_and_empty_params)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("sip:alice:pa%24s@example.com:5060", &u), 0);
	EXPECT_SPAN(u.user, "alice");
	EXPECT_SPAN(u.password, "pa%24s");
	EXPECT_SPAN(u.host, "example.com");
	cr_expect_eq(u.port, 5060);
	/* Headers only, no params. */
	cr_assert_eq(uri("sip:carol@example.com?Subject=lunch&Priority=urgent", &u), 0);
	EXPECT_ABSENT(u.params);
	EXPECT_SPAN(u.headers, "Subject=lunch&Priority=urgent");
}

Test(uri, escaped_user)
{
	struct ush_sip_uri u;

	/* RFC 4475 §3.1.1.2-like: escapes stay escaped in the zero-copy view. */
	cr_assert_eq(uri("sip:sips%3Abob%40example.org@example.net", &u), 0);
	EXPECT_SPAN(u.user, "sips%3Abob%40example.org");
	EXPECT_SPAN(u.host, "example.net");
	cr_assert_eq(uri("sip:%61lice@atlanta.example.com;transport=TCP", &u), 0);
	EXPECT_SPAN(u.user, "%61lice");
	EXPECT_SPAN(u.params, "transport=TCP");
}

Test(uri, unusual_user_chars)
{
	struct ush_sip_uri u;

	/* user-unreserved and unreserved marks: & = + $ , ; ? / - _ . ! ~ * ' ( ) */
	cr_assert_eq(uri("sip:a_strange.User~(look-ma!)&it's+fine$/ok?,/;;*"
			 ":&pw+is=2,odd!*p$ss~w_d.(really)@example.com",
			 &u),
		     0);
	EXPECT_SPAN(u.user, "a_strange.User~(look-ma!)&it's+fine$/ok?,/;;*");
	EXPECT_SPAN(u.password, "&pw+is=2,odd!*p$ss~w_d.(really)");
	EXPECT_SPAN(u.host, "example.com");
}

Test(uri, tel)
{
	struct ush_sip_uri u;

	/* RFC 3966 global number with a parameter: the number is the "user". */
	cr_assert_eq(uri("tel:+1-201-555-0123", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_TEL);
	EXPECT_SPAN(u.scheme, "tel");
	EXPECT_SPAN(u.user, "+1-201-555-0123");
	cr_assert_eq(uri("tel:7042;phone-context=example.com", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_TEL);
	EXPECT_SPAN(u.raw, "tel:7042;phone-context=example.com");
	EXPECT_SPAN(u.user, "7042");
}

Test(uri, other_schemes)
{
	struct ush_sip_uri u;

	cr_assert_eq(uri("mailto:alice@example.com", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_OTHER);
	EXPECT_SPAN(u.scheme, "mailto");
	EXPECT_SPAN(u.raw, "mailto:alice@example.com");
	cr_assert_eq(uri("urn:service:sos", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_OTHER);
	EXPECT_SPAN(u.scheme, "urn");
	/* RFC 4475 §3.1.1.10 (unksm)-like: an unknown scheme with opaque content. */
	cr_assert_eq(uri("xyzzy-proto:opaque/data;with=stuff", &u), 0);
	cr_expect_eq(u.scheme_id, USH_SIP_SCHEME_OTHER);
	EXPECT_SPAN(u.scheme, "xyzzy-proto");
}

Test(uri, rejected)
{
	struct ush_sip_uri u;
	static const char *const bad[] = {
		"",			       /* empty */
		"example.com",		       /* no scheme */
		":foo",			       /* empty scheme */
		"1sip:a@b",		       /* scheme must start with a letter */
		"sip:",			       /* no host */
		"sip:alice@",		       /* no host */
		"sip:alice@example.com:5x",    /* port not digits */
		"sip:alice@example.com:65536", /* port out of range */
		"sip:[2001:db8::1",	       /* unclosed IPv6 reference */
		"sip:a b@example.com",	       /* SP in the URI */
		"<sip:a@example.com>",	       /* angle brackets are not part of a URI */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = uri(bad[i], &u);

		cr_expect_eq(rc, -EINVAL, "\"%s\": got %d, expected -EINVAL", bad[i], rc);
	}
}

Test(uri, request_uri_parts)
{
	EXPECT_OK(
		t_parse("REGISTER sips:registrar.example.com:5061;transport=tls SIP/2.0\r\n" T_MAND(
			"REGISTER") "\r\n"));
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_SIPS);
	EXPECT_SPAN_AT(t_msg.ruri.scheme, 9, "sips");
	EXPECT_SPAN(t_msg.ruri.host, "registrar.example.com");
	EXPECT_SPAN(t_msg.ruri.port_str, "5061");
	cr_expect_eq(t_msg.ruri.port, 5061);
	EXPECT_SPAN(t_msg.ruri.params, "transport=tls");
	EXPECT_ABSENT(t_msg.ruri.user);

	EXPECT_OK(t_parse("INVITE sip:+4930123456;npdi@[2001:db8::10]:5080;user=phone?X-Y=1 "
			  "SIP/2.0\r\n" T_MAND("INVITE") "\r\n"));
	EXPECT_SPAN(t_msg.ruri.user, "+4930123456;npdi");
	EXPECT_SPAN(t_msg.ruri.host, "[2001:db8::10]");
	cr_expect_eq(t_msg.ruri.port, 5080);
	EXPECT_SPAN(t_msg.ruri.params, "user=phone");
	EXPECT_SPAN(t_msg.ruri.headers, "X-Y=1");

	EXPECT_OK(t_parse("INVITE tel:+15551234567 SIP/2.0\r\n" T_MAND("INVITE") "\r\n"));
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_TEL);
	EXPECT_SPAN(t_msg.ruri.user, "+15551234567");

	EXPECT_OK(t_parse(
		"OPTIONS xyzzy-proto:opaque/data;with=stuff SIP/2.0\r\n" T_MAND("OPTIONS") "\r\n"));
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_OTHER);
	EXPECT_SPAN(t_msg.ruri.raw, "xyzzy-proto:opaque/data;with=stuff");
}

Test(uri, request_uri_bad)
{
	EXPECT_ERR(t_parse("INVITE sip:bob@example.com:99999 SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_RURI);
	EXPECT_ERR(t_parse("INVITE bob@example.com SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_RURI);
	EXPECT_ERR(t_parse("INVITE sip:bob@[::1 SIP/2.0\r\n" T_MAND("INVITE") "\r\n"),
		   USH_SIP_EBAD_RURI);
}
