/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/*
 * Authorization headers as real phones send them (corpus/valid/register_*.sip and INVITEs):
 * field order, quoting, spacing and hex case of Yealink, Polycom, Zoiper, Linphone, baresip,
 * pjsip, Grandstream and Cisco. The corpus responses are real digests of password "secret";
 * an OpenSSL reference recomputes each one, so the corpus also serves the digest tests.
 */

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sip_test.h"

#define PASSWORD "secret"

static struct ush_sip_cred cr[USH_SIP_MAX_AUTH];

/* Loads a corpus message, parses it and every credentials header in it. */
static void
load(const char *file, unsigned want_auth)
{
	t_load_corpus(file);
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_assert_eq(t_msg.auth_count, want_auth, "%s: auth_count %u", file, t_msg.auth_count);
	for (unsigned i = 0; i < want_auth; i++) {
		enum ush_sip_err rc = ush_sip_cred_parse(t_buf, t_msg.auth[i].value, &cr[i]);

		cr_assert_eq(rc, USH_SIP_EOK, "%s: auth[%u]: %s", file, i, t_errname(rc));
	}
}

static const EVP_MD *
algo_md(enum ush_algo a)
{
	switch (ush_algo_hash(a)) {
	case USH_HASH_MD5:
		return EVP_md5();
	case USH_HASH_SHA256:
		return EVP_sha256();
	case USH_HASH_SHA512_256:
		return EVP_sha512_256();
	default:
		return NULL;
	}
}

static void
hexhash(const EVP_MD *md, const char *in, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	cr_assert(EVP_Digest(in, strlen(in), d, &n, md, NULL) == 1);
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static char *
span_str(struct ush_sip_span s, bool escaped)
{
	char *out = malloc((size_t)s.len + 1);
	int n;

	cr_assert_not_null(out);
	if (escaped) {
		n = ush_sip_unescape(t_buf, s, out, (size_t)s.len + 1);
		cr_assert(n >= 0);
	} else {
		memcpy(out, t_buf + s.off, s.len);
		n = s.len;
	}
	out[n] = '\0';
	return out;
}

/* Recomputes the response of credentials @p c (RFC 7616 §3.4.1) and compares, any hex case. */
static void
expect_response_verifies(const struct ush_sip_cred *c)
{
	const EVP_MD *md = algo_md((enum ush_algo)c->algo);
	char ha1[129], ha2[129], resp[129];
	char *user = span_str(c->username, c->escaped & USH_SIP_CRED_F_USERNAME);
	char *realm = span_str(c->realm, c->escaped & USH_SIP_CRED_F_REALM);
	char *nonce = span_str(c->nonce, c->escaped & USH_SIP_CRED_F_NONCE);
	char *uri = span_str(c->uri, c->escaped & USH_SIP_CRED_F_URI);
	char *cnonce = span_str(c->cnonce, false);
	char *nc = span_str(c->nc, false);
	char *qop = span_str(c->qop, false);
	char *method = span_str(t_msg.method_str, false);
	char *s;

	cr_assert_not_null(md);
	s = t_fmt("%s:%s:%s", user, realm, PASSWORD);
	hexhash(md, s, ha1);
	free(s);
	if (ush_algo_is_sess((enum ush_algo)c->algo)) {
		s = t_fmt("%s:%s:%s", ha1, nonce, cnonce);
		hexhash(md, s, ha1);
		free(s);
	}
	s = t_fmt("%s:%s", method, uri);
	hexhash(md, s, ha2);
	free(s);
	if (c->qop_id != USH_QOP_NONE)
		s = t_fmt("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	else
		s = t_fmt("%s:%s:%s", ha1, nonce, ha2);
	hexhash(md, s, resp);
	free(s);
	cr_expect(c->response.len == strlen(resp) &&
			  strncasecmp(t_buf + c->response.off, resp, c->response.len) == 0,
		  "response of %s@%s does not verify", user, realm);
	free(user);
	free(realm);
	free(nonce);
	free(uri);
	free(cnonce);
	free(nc);
	free(qop);
	free(method);
}

Test(phones, yealink)
{
	load("valid/register_yealink.sip", 1);
	cr_expect_eq(t_msg.auth[0].kind, USH_SIP_AUTH_WWW);
	EXPECT_SPAN(cr[0].username, "1001");
	EXPECT_SPAN(cr[0].realm, "pbx.example.com");
	EXPECT_SPAN(cr[0].uri, "sip:pbx.example.com");
	EXPECT_SPAN(cr[0].algorithm, "MD5");
	EXPECT_SPAN(cr[0].cnonce, "8a4e0f31");
	cr_expect_eq(cr[0].algo, USH_ALGO_MD5);
	cr_expect_eq(cr[0].qop_id, USH_QOP_AUTH);
	cr_expect_eq(cr[0].nc_value, 1);
	EXPECT_SPAN(t_msg.user_agent, "Yealink SIP-T46S 66.86.0.15");
	cr_expect_eq(t_msg.expires, 3600);
	EXPECT_EMPTY(t_msg.via_top.rport);
	expect_response_verifies(&cr[0]);
}

Test(phones, polycom_qop_before_uri_empty_opaque)
{
	load("valid/register_polycom.sip", 1);
	EXPECT_SPAN(cr[0].username, "polycom42");
	EXPECT_SPAN(cr[0].realm, "voip.example.net");
	EXPECT_SPAN(cr[0].nonce, "5f1c2a7b:9e44c2d1b0a55e77");
	EXPECT_EMPTY(cr[0].opaque);
	cr_expect_eq(cr[0].nc_value, 3);
	cr_expect_eq(cr[0].qop_id, USH_QOP_AUTH);
	EXPECT_SPAN(cr[0].algorithm, "MD5");
	EXPECT_SPAN(t_msg.user_agent, "PolycomVVX-VVX_411-UA/6.3.1.8427");
	EXPECT_SPAN(t_msg.from.display, "\"Front Desk\"");
	EXPECT_SPAN(t_msg.from.tag, "7E5E3FBC-4F3A82A");
	/* The Contact's quoted methods list holds commas: not a value separator. */
	EXPECT_SPAN(
		t_msg.contact,
		"<sip:polycom42@10.20.30.40>;methods=\"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, "
		"MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER\"");
	expect_response_verifies(&cr[0]);
}

Test(phones, zoiper_no_spaces_uri_params)
{
	load("valid/register_zoiper.sip", 1);
	EXPECT_SPAN(cr[0].username, "zoe");
	EXPECT_SPAN(cr[0].uri, "sip:sip.example.org;transport=UDP");
	EXPECT_SPAN(cr[0].cnonce, "a1b2c3d4e5f60718");
	EXPECT_SPAN(cr[0].qop, "auth");
	cr_expect_eq(cr[0].algo, USH_ALGO_MD5);
	EXPECT_SPAN(t_msg.ruri.params, "transport=UDP");
	EXPECT_SPAN(t_msg.via_top.port_str, "61234");
	EXPECT_SPAN(t_msg.user_agent, "Z 5.6.2 v2.10.19.5");
	expect_response_verifies(&cr[0]);
}

Test(phones, linphone_two_authorization_headers)
{
	load("valid/register_linphone_two_auth.sip", 2);
	cr_expect_eq(t_msg.auth[0].kind, USH_SIP_AUTH_WWW);
	cr_expect_eq(t_msg.auth[1].kind, USH_SIP_AUTH_WWW);
	cr_expect_eq(cr[0].algo, USH_ALGO_SHA256);
	cr_expect_eq(cr[0].response.len, 64);
	cr_expect_eq(cr[1].algo, USH_ALGO_MD5);
	cr_expect_eq(cr[1].response.len, 32);
	EXPECT_SPAN(cr[0].opaque, "+GNywA==");
	EXPECT_SPAN(cr[0].realm, "sip.example.org");
	EXPECT_SPAN(cr[1].username, "bob");
	/* addr-spec To without brackets. */
	EXPECT_SPAN(t_msg.to.uri.raw, "sip:bob@sip.example.org");
	EXPECT_SPAN(t_msg.from.tag, "~ZkP2fQx9");
	expect_response_verifies(&cr[0]);
	expect_response_verifies(&cr[1]);
}

Test(phones, baresip_no_algorithm)
{
	load("valid/register_baresip.sip", 1);
	EXPECT_ABSENT(cr[0].algorithm);
	cr_expect_eq(cr[0].algo, USH_ALGO_MD5);
	cr_expect_eq(cr[0].qop_id, USH_QOP_AUTH);
	EXPECT_SPAN(cr[0].username, "alice");
	EXPECT_SPAN(t_msg.contact, "<sip:alice-0x55d0c1a2b3c4@198.51.100.12:5060>;expires=3600");
	cr_expect_eq(t_msg.cseq, 47);
	expect_response_verifies(&cr[0]);
}

Test(phones, pjsip_quoted_qop_and_algorithm)
{
	load("valid/register_pjsip_quoted_qop.sip", 1);
	EXPECT_SPAN(cr[0].algorithm, "MD5");
	EXPECT_SPAN(cr[0].qop, "auth");
	cr_expect_eq(cr[0].qop_id, USH_QOP_AUTH);
	cr_expect_eq(cr[0].nc_value, 2);
	EXPECT_SPAN(cr[0].nonce, "3e7bca16-5d0e-11ef-9c1a-0242ac120002");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKPj2c7d0e1f-3a4b-4c5d-8e9f-0a1b2c3d4e5f");
	EXPECT_EMPTY(t_msg.via_top.rport);
	cr_expect_eq(t_msg.cseq, 9931);
	expect_response_verifies(&cr[0]);
}

Test(phones, grandstream_rfc2069)
{
	load("valid/register_grandstream_rfc2069.sip", 1);
	cr_expect_eq(cr[0].qop_id, USH_QOP_NONE);
	EXPECT_ABSENT(cr[0].qop);
	EXPECT_ABSENT(cr[0].nc);
	EXPECT_ABSENT(cr[0].cnonce);
	cr_expect_eq(cr[0].nc_value, 0);
	EXPECT_SPAN(cr[0].username, "1000");
	EXPECT_SPAN(t_msg.call_id, "912834021-5062-1@BA.BBA.A.BGA");
	expect_response_verifies(&cr[0]);
}

Test(phones, cisco_upper_hex_quoted_tokens)
{
	load("valid/register_cisco_upper_hex.sip", 1);
	EXPECT_SPAN(cr[0].algorithm, "MD5");
	EXPECT_SPAN(cr[0].qop, "auth");
	EXPECT_SPAN(cr[0].cnonce, "5B2E9F10");
	cr_expect_eq(cr[0].response.len, 32);
	for (unsigned i = 0; i < cr[0].response.len; i++) {
		char ch = t_buf[cr[0].response.off + i];

		cr_expect(!(ch >= 'a' && ch <= 'f'), "corpus response should be upper-case hex");
	}
	/* Content-Length in the middle of the headers, unquoted display names. */
	cr_expect_eq(t_msg.content_length, 0);
	EXPECT_SPAN(t_msg.from.display, "Reception");
	EXPECT_SPAN(t_msg.contact, "Reception <sip:cisco7@203.0.113.40:5060>;expires=3600");
	expect_response_verifies(&cr[0]);
}

Test(phones, rfc7616_sess_userhash_escapes_folded)
{
	char user[16];

	load("valid/register_sha512_256_sess_escaped.sip", 1);
	cr_expect_eq(cr[0].algo, USH_ALGO_SHA512_256_SESS);
	EXPECT_SPAN(cr[0].username, "ali\\\"ce");
	cr_expect(cr[0].escaped & USH_SIP_CRED_F_USERNAME);
	cr_expect_eq(ush_sip_unescape(t_buf, cr[0].username, user, sizeof(user)), 6);
	cr_expect(memcmp(user, "ali\"ce", 6) == 0);
	EXPECT_SPAN(cr[0].userhash, "false");
	cr_expect(!cr[0].userhash_on);
	EXPECT_SPAN(cr[0].opaque, "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS");
	EXPECT_SPAN(cr[0].cnonce, "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v");
	expect_response_verifies(&cr[0]);
}

Test(phones, invite_two_proxy_authorizations)
{
	load("valid/invite_two_proxy_auth_sdp.sip", 2);
	cr_expect_eq(t_msg.auth[0].kind, USH_SIP_AUTH_PROXY);
	cr_expect_eq(t_msg.auth[1].kind, USH_SIP_AUTH_PROXY);
	EXPECT_SPAN(cr[0].realm, "edge.example.com");
	EXPECT_SPAN(cr[1].realm, "core.example.com");
	cr_expect_eq(cr[0].algo, USH_ALGO_MD5);
	cr_expect_eq(cr[1].algo, USH_ALGO_SHA256);
	cr_expect_eq(t_msg.max_forwards, 69);
	cr_expect_eq(t_msg.method, USH_SIP_METHOD_INVITE);
	expect_response_verifies(&cr[0]);
	expect_response_verifies(&cr[1]);
}

Test(phones, eight_credentials_alternating)
{
	load("valid/max_auth_exact.sip", USH_SIP_MAX_AUTH);
	for (unsigned i = 0; i < USH_SIP_MAX_AUTH; i++) {
		char realm[32];

		snprintf(realm, sizeof(realm), "realm%u.example.com", i);
		EXPECT_SPAN(cr[i].realm, realm);
		cr_expect_eq(t_msg.auth[i].kind, i % 2 ? USH_SIP_AUTH_PROXY : USH_SIP_AUTH_WWW);
		expect_response_verifies(&cr[i]);
	}
}
