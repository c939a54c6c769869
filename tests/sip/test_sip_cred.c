/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Digest credentials (RFC 3261 §25.1, RFC 7616 §3.4, RFC 8760): ush_sip_cred_parse(). */

#include <errno.h>
#include <stdlib.h>

#include "sip_test.h"

#define H32  "0123456789abcdef0123456789abcdef"
#define H32U "0123456789ABCDEF0123456789ABCDEF"
#define H64  H32 H32
#define BASE                                                                                       \
	"username=\"alice\", realm=\"example.com\", "                                              \
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:example.com\", "

static struct ush_sip_cred c;

/* Parses @p value placed after "Authorization: " (so no span starts at offset 0). */
static enum ush_sip_err
cred(const char *value)
{
	char *s = t_fmt("Authorization: %s\r\n", value);
	struct ush_sip_span v = {15, (uint16_t)strlen(value)};
	enum ush_sip_err rc;

	t_set(s);
	free(s);
	memset(&c, 0xa5, sizeof(c));
	rc = ush_sip_cred_parse(t_buf, v, &c);
	/* Whatever the outcome, no field points outside the value. */
	cr_expect(t_cred_spans_ok(&c, 15 + strlen(value)), "cred span outside the value: %s",
		  t_esc(value, strlen(value)));
	return rc;
}

static void
expect_cred_err(const char *value, enum ush_sip_err want, int line)
{
	enum ush_sip_err rc = cred(value);

	cr_expect_eq(rc, want, "line %d: %s: got %s, expected %s", line,
		     t_esc(value, strlen(value)), t_errname(rc), t_errname(want));
}
#define EXPECT_CRED(value, want) expect_cred_err(value, want, __LINE__)

Test(cred, full_md5_auth)
{
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\", algorithm=MD5, cnonce=\"0a4f113b\", "
		       "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001"));
	EXPECT_SPAN_AFTER(c.username, "username=\"", "alice");
	EXPECT_SPAN(c.realm, "example.com");
	EXPECT_SPAN(c.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	EXPECT_SPAN(c.uri, "sip:example.com");
	EXPECT_SPAN_AFTER(c.response, "response=\"", H32);
	EXPECT_SPAN(c.algorithm, "MD5");
	EXPECT_SPAN(c.cnonce, "0a4f113b");
	EXPECT_SPAN(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	EXPECT_SPAN(c.qop, "auth");
	EXPECT_SPAN(c.nc, "00000001");
	EXPECT_ABSENT(c.userhash);
	cr_expect_eq(c.algo, USH_ALGO_MD5);
	cr_expect_eq(c.qop_id, USH_QOP_AUTH);
	cr_expect_eq(c.nc_value, 1);
	cr_expect_eq(c.escaped, 0);
	cr_expect_eq(c.unknown_params, 0);
	cr_expect(!c.userhash_on);
}

Test(cred, rfc2069_no_qop)
{
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\""));
	EXPECT_ABSENT(c.algorithm);
	cr_expect_eq(c.algo, USH_ALGO_MD5, "absent algorithm means MD5");
	EXPECT_ABSENT(c.qop);
	EXPECT_ABSENT(c.nc);
	EXPECT_ABSENT(c.cnonce);
	EXPECT_ABSENT(c.opaque);
	cr_expect_eq(c.qop_id, USH_QOP_NONE);
	cr_expect_eq(c.nc_value, 0);
}

Test(cred, scheme_any_case)
{
	static const char *const schemes[] = {"Digest", "digest", "DIGEST", "dIgEsT"};

	for (size_t i = 0; i < 4; i++) {
		char *v = t_fmt("%s " BASE "response=\"" H32 "\"", schemes[i]);

		EXPECT_OK(cred(v));
		EXPECT_SPAN(c.username, "alice");
		free(v);
	}
}

Test(cred, other_schemes)
{
	EXPECT_CRED("Basic YWxpY2U6c2VjcmV0", USH_SIP_ECRED_SCHEME);
	EXPECT_CRED("NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==",
		    USH_SIP_ECRED_SCHEME);
	EXPECT_CRED("Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", USH_SIP_ECRED_SCHEME);
	EXPECT_CRED("Digestive " BASE "response=\"" H32 "\"", USH_SIP_ECRED_SCHEME);
	EXPECT_CRED("Dig " BASE "response=\"" H32 "\"", USH_SIP_ECRED_SCHEME);
	/* The scheme glued to the first parameter is not "Digest". */
	EXPECT_ERR2(cred("Digestusername=\"alice\""), USH_SIP_ECRED_SCHEME, USH_SIP_ECRED_SYNTAX);
}

Test(cred, quoted_and_unquoted_values)
{
	/* qop, algorithm and nc are tokens in RFC 7616, but phones quote them too; the span
	 * never includes the quotes. Unquoted username/realm (RFC says quoted) likewise. */
	EXPECT_OK(cred(
		"Digest username=alice, realm=example.com, nonce=abc123, uri=\"sip:example.com\", "
		"response=" H32
		", algorithm=\"MD5\", cnonce=c0ffee, qop=\"auth\", nc=\"0000000a\""));
	EXPECT_SPAN(c.username, "alice");
	EXPECT_SPAN(c.realm, "example.com");
	EXPECT_SPAN(c.nonce, "abc123");
	EXPECT_SPAN(c.response, H32);
	EXPECT_SPAN(c.algorithm, "MD5");
	EXPECT_SPAN(c.cnonce, "c0ffee");
	EXPECT_SPAN(c.qop, "auth");
	EXPECT_SPAN(c.nc, "0000000a");
	cr_expect_eq(c.algo, USH_ALGO_MD5);
	cr_expect_eq(c.qop_id, USH_QOP_AUTH);
	cr_expect_eq(c.nc_value, 10);
}

Test(cred, param_names_case_insensitive)
{
	EXPECT_OK(cred("Digest UserName=\"alice\", REALM=\"example.com\", Nonce=\"n1\", "
		       "URI=\"sip:example.com\", "
		       "Response=\"" H32 "\", ALGORITHM=md5, CNonce=\"cn\", QOP=auth, NC=00000002, "
		       "Opaque=\"op\""));
	EXPECT_SPAN(c.username, "alice");
	EXPECT_SPAN(c.realm, "example.com");
	EXPECT_SPAN(c.nonce, "n1");
	EXPECT_SPAN(c.uri, "sip:example.com");
	EXPECT_SPAN(c.response, H32);
	EXPECT_SPAN(c.cnonce, "cn");
	EXPECT_SPAN(c.opaque, "op");
	cr_expect_eq(c.nc_value, 2);
	cr_expect_eq(c.unknown_params, 0);
}

Test(cred, escapes)
{
	char out[64];
	int n;

	EXPECT_OK(cred("Digest username=\"al\\\"ice\", realm=\"ex\\\\ample.com\", nonce=\"n\", "
		       "uri=\"sip:example.com\", response=\"" H32 "\", opaque=\"\\o\\p\""));
	EXPECT_SPAN(c.username, "al\\\"ice");
	EXPECT_SPAN(c.realm, "ex\\\\ample.com");
	EXPECT_SPAN(c.opaque, "\\o\\p");
	cr_expect_eq(c.escaped,
		     USH_SIP_CRED_F_USERNAME | USH_SIP_CRED_F_REALM | USH_SIP_CRED_F_OPAQUE,
		     "escaped = 0x%x", c.escaped);

	n = ush_sip_unescape(t_buf, c.username, out, sizeof(out));
	cr_expect_eq(n, 6);
	cr_expect(n == 6 && memcmp(out, "al\"ice", 6) == 0);
	n = ush_sip_unescape(t_buf, c.realm, out, sizeof(out));
	cr_expect_eq(n, 12);
	cr_expect(n == 12 && memcmp(out, "ex\\ample.com", 12) == 0);
	n = ush_sip_unescape(t_buf, c.opaque, out, sizeof(out));
	cr_expect(n == 2 && memcmp(out, "op", 2) == 0, "opaque unescaped: %d", n);
	/* A span without escapes copies as is. */
	n = ush_sip_unescape(t_buf, c.uri, out, sizeof(out));
	cr_expect(n == 15 && memcmp(out, "sip:example.com", 15) == 0);
	/* Too small a buffer. */
	cr_expect_eq(ush_sip_unescape(t_buf, c.username, out, 5), -ENOSPC);
	cr_expect_eq(ush_sip_unescape(t_buf, c.username, out, 6), 6, "exact fit");
	cr_expect_eq(ush_sip_unescape(t_buf, c.uri, out, 3), -ENOSPC);
}

Test(cred, escaped_quote_does_not_end_the_string)
{
	/* The nonce holds text that looks like a realm parameter. */
	EXPECT_OK(cred("Digest username=\"u\", nonce=\"a\\\",realm=\\\"fake\", realm=\"real\", "
		       "uri=\"sip:x.example\", response=\"" H32 "\""));
	EXPECT_SPAN(c.realm, "real");
	EXPECT_SPAN(c.nonce, "a\\\",realm=\\\"fake");
	cr_expect_eq(c.escaped, USH_SIP_CRED_F_NONCE);
	/* Commas and '=' inside quotes are data. */
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\", opaque=\"a=b, c=d\", cnonce=\"x,y\", "
		       "qop=auth, nc=00000001"));
	EXPECT_SPAN(c.opaque, "a=b, c=d");
	EXPECT_SPAN(c.cnonce, "x,y");
}

Test(cred, lws_and_folding)
{
	EXPECT_OK(cred(
		"Digest   username = \"alice\" ,\r\n realm\t=\t\"example.com\"  ,nonce= \"n\" ,\r\n"
		"\turi =\"sip:example.com\",response=\r\n \"" H32 "\"  ,  qop =  auth ,nc=00000001,"
		"cnonce =\"cn\""));
	EXPECT_SPAN(c.username, "alice");
	EXPECT_SPAN(c.realm, "example.com");
	EXPECT_SPAN(c.nonce, "n");
	EXPECT_SPAN(c.uri, "sip:example.com");
	EXPECT_SPAN(c.response, H32);
	EXPECT_SPAN(c.qop, "auth");
	EXPECT_SPAN(c.nc, "00000001");
	EXPECT_SPAN(c.cnonce, "cn");
	/* A fold right after the scheme. */
	EXPECT_OK(cred("Digest\r\n " BASE "response=\"" H32 "\""));
	EXPECT_SPAN(c.username, "alice");
	/* Tabs as separators. */
	EXPECT_OK(cred("Digest\tusername=\"alice\",\trealm=\"example.com\",\tnonce=\"n\",\t"
		       "uri=\"sip:example.com\",\tresponse=\"" H32 "\""));
	EXPECT_SPAN(c.nonce, "n");
}

Test(cred, duplicated_parameters)
{
	EXPECT_CRED("Digest " BASE "realm=\"other\", response=\"" H32 "\"",
		    USH_SIP_ECRED_DUP_PARAM);
	EXPECT_CRED("Digest " BASE "USERNAME=\"bob\", response=\"" H32 "\"",
		    USH_SIP_ECRED_DUP_PARAM);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", response=\"" H32 "\"",
		    USH_SIP_ECRED_DUP_PARAM);
	EXPECT_CRED("Digest " BASE "response=\"" H32
		    "\", qop=auth, nc=00000001, nc=00000002, cnonce=\"x\"",
		    USH_SIP_ECRED_DUP_PARAM);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", algorithm=MD5, algorithm=SHA-256",
		    USH_SIP_ECRED_DUP_PARAM);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", opaque=\"\", opaque=\"\"",
		    USH_SIP_ECRED_DUP_PARAM);
}

Test(cred, nc_format)
{
	static const char *const bad[] = {"0000000g", "0001",	  "000000001",	  "\"\"",
					  "0x000001", "-0000001", "\"0000 001\"", "\"0001\""};
	static const struct {
		const char *v;
		uint32_t want;
	} ok[] = {{"00000001", 1},	     {"0000000A", 10},		{"0000000a", 10},
		  {"ffffffff", 0xffffffffu}, {"DEADBEEF", 0xdeadbeefu}, {"\"00000100\"", 256}};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *v =
			t_fmt("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\", nc=%s",
			      bad[i]);

		EXPECT_CRED(v, USH_SIP_ECRED_NC);
		free(v);
	}
	/* An empty or space-split unquoted value is not even a parameter: syntax is fine too. */
	EXPECT_ERR2(cred("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\", nc="),
		    USH_SIP_ECRED_NC, USH_SIP_ECRED_SYNTAX);
	EXPECT_ERR2(
		cred("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\", nc=0000 001"),
		USH_SIP_ECRED_NC, USH_SIP_ECRED_SYNTAX);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *v =
			t_fmt("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\", nc=%s",
			      ok[i].v);

		EXPECT_OK(cred(v));
		cr_expect_eq(c.nc_value, ok[i].want, "nc=%s: got %u", ok[i].v, c.nc_value);
		free(v);
	}
}

Test(cred, response_length_per_algorithm)
{
	static const struct {
		const char *algo;
		enum ush_algo id;
		int digits;
	} algos[] = {
		{"MD5", USH_ALGO_MD5, 32},
		{"MD5-sess", USH_ALGO_MD5_SESS, 32},
		{"SHA-256", USH_ALGO_SHA256, 64},
		{"SHA-256-sess", USH_ALGO_SHA256_SESS, 64},
		{"SHA-512-256", USH_ALGO_SHA512_256, 64},
		{"SHA-512-256-sess", USH_ALGO_SHA512_256_SESS, 64},
	};
	char hex[200];

	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		for (int len = 0; len <= 130; len++) {
			char *v;
			enum ush_sip_err rc;

			for (int k = 0; k < len; k++)
				hex[k] = "0123456789abcdefABCDEF"[(k * 7 + len) % 22];
			hex[len] = '\0';
			v = t_fmt("Digest " BASE "algorithm=%s, response=\"%s\"", algos[i].algo,
				  hex);
			rc = cred(v);
			if (len == algos[i].digits) {
				cr_expect_eq(rc, USH_SIP_EOK, "%s with %d digits: got %s",
					     algos[i].algo, len, t_errname(rc));
				cr_expect_eq(c.algo, algos[i].id, "%s", algos[i].algo);
				EXPECT_SPAN(c.response, hex);
				EXPECT_SPAN(c.algorithm, algos[i].algo);
			} else {
				cr_expect_eq(rc, USH_SIP_ECRED_RESPONSE,
					     "%s with %d digits: got %s", algos[i].algo, len,
					     t_errname(rc));
			}
			free(v);
		}
	}
}

Test(cred, response_not_hex)
{
	EXPECT_CRED("Digest " BASE "response=\"0123456789abcdef0123456789abcdeg\"",
		    USH_SIP_ECRED_RESPONSE);
	EXPECT_CRED("Digest " BASE "response=\"0123456789abcdef 123456789abcdef\"",
		    USH_SIP_ECRED_RESPONSE);
	EXPECT_CRED("Digest " BASE "response=\"\"", USH_SIP_ECRED_RESPONSE);
	EXPECT_CRED("Digest " BASE "response=\"0x23456789abcdef0123456789abcdef\"",
		    USH_SIP_ECRED_RESPONSE);
	/* Upper and mixed case hex are fine. */
	EXPECT_OK(cred("Digest " BASE "response=\"" H32U "\""));
	EXPECT_SPAN(c.response, H32U);
	EXPECT_OK(cred("Digest " BASE "response=\"0123456789aBcDeF0123456789AbCdEf\""));
	/* Unquoted response (some phones). */
	EXPECT_OK(cred("Digest " BASE "response=" H32U));
	EXPECT_SPAN(c.response, H32U);
}

Test(cred, unknown_algorithm)
{
	/* Any even number of hex digits up to 128 for an algorithm Usher does not know. */
	EXPECT_OK(cred("Digest " BASE
		       "algorithm=SHA-1, response=\"0123456789abcdef0123456789abcdef01234567\""));
	cr_expect_eq(c.algo, USH_ALGO_UNKNOWN);
	EXPECT_SPAN(c.algorithm, "SHA-1");
	EXPECT_OK(cred("Digest " BASE "algorithm=\"X-New\", response=\"" H64 H64 "\""));
	cr_expect_eq(c.algo, USH_ALGO_UNKNOWN);
	EXPECT_CRED("Digest " BASE
		    "algorithm=SHA-1, response=\"0123456789abcdef0123456789abcdef012345678\"",
		    USH_SIP_ECRED_RESPONSE);
	EXPECT_CRED("Digest " BASE "algorithm=X-New, response=\"" H64 H64 "00\"",
		    USH_SIP_ECRED_RESPONSE);
	EXPECT_CRED("Digest " BASE "algorithm=X-New, response=\"zz\"", USH_SIP_ECRED_RESPONSE);
}

Test(cred, algorithm_names_any_case)
{
	static const struct {
		const char *tok;
		enum ush_algo id;
		const char *resp;
	} names[] = {
		{"md5", USH_ALGO_MD5, H32},
		{"Md5-SeSs", USH_ALGO_MD5_SESS, H32},
		{"sha-256", USH_ALGO_SHA256, H64},
		{"Sha-256-SESS", USH_ALGO_SHA256_SESS, H64},
		{"sha-512-256", USH_ALGO_SHA512_256, H64},
		{"SHA-512-256-SESS", USH_ALGO_SHA512_256_SESS, H64},
		{"\"sha-512-256-sess\"", USH_ALGO_SHA512_256_SESS, H64},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *v = t_fmt("Digest " BASE "algorithm=%s, response=\"%s\"", names[i].tok,
				names[i].resp);
		enum ush_sip_err rc = cred(v);

		cr_expect_eq(rc, USH_SIP_EOK, "algorithm=%s: got %s", names[i].tok, t_errname(rc));
		cr_expect_eq(c.algo, names[i].id, "algorithm=%s: got %u", names[i].tok, c.algo);
		free(v);
	}
}

Test(cred, missing_mandatory)
{
	static const char *const fields[] = {"username", "realm", "nonce", "uri", "response"};

	for (size_t i = 0; i < 5; i++) {
		char *v = t_fmt(
			"Digest %s%s%s%s%s algorithm=MD5", i == 0 ? "" : "username=\"alice\",",
			i == 1 ? "" : "realm=\"example.com\",", i == 2 ? "" : "nonce=\"n\",",
			i == 3 ? "" : "uri=\"sip:example.com\",",
			i == 4 ? "" : "response=\"" H32 "\",");
		enum ush_sip_err rc = cred(v);

		cr_expect_eq(rc, USH_SIP_ECRED_MISSING, "without %s: got %s", fields[i],
			     t_errname(rc));
		free(v);
	}
	EXPECT_ERR2(cred("Digest"), USH_SIP_ECRED_MISSING, USH_SIP_ECRED_SYNTAX);
	EXPECT_ERR2(cred("Digest "), USH_SIP_ECRED_MISSING, USH_SIP_ECRED_SYNTAX);
}

Test(cred, qop_nc_cnonce_together)
{
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\"",
		    USH_SIP_ECRED_QOP);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", qop=auth, nc=00000001",
		    USH_SIP_ECRED_QOP);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", qop=auth", USH_SIP_ECRED_QOP);

	EXPECT_OK(cred("Digest " BASE "response=\"" H32
		       "\", qop=auth-int, nc=00000001, cnonce=\"c\""));
	cr_expect_eq(c.qop_id, USH_QOP_AUTH_INT);
	EXPECT_SPAN(c.qop, "auth-int");
	EXPECT_OK(cred("Digest " BASE "response=\"" H32
		       "\", qop=\"auth-int\", nc=00000001, cnonce=\"c\""));
	cr_expect_eq(c.qop_id, USH_QOP_AUTH_INT);
	EXPECT_OK(cred("Digest " BASE "response=\"" H32
		       "\", qop=auth-conf, nc=00000001, cnonce=\"c\""));
	cr_expect_eq(c.qop_id, USH_QOP_UNKNOWN);
	EXPECT_SPAN(c.qop, "auth-conf");
}

Test(cred, nc_cnonce_without_qop)
{
	/*
	 * RFC 7616 §3.4 says clients MUST NOT send cnonce and nc without qop, but a server
	 * gains nothing by refusing them: the response is then H(HA1:nonce:HA2), which ignores
	 * both, so the RFC 2069 clients that send them anyway still verify (ush_sip.h). They are
	 * parsed (nc still checked) and qop_id stays NONE.
	 */
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\", nc=00000001, cnonce=\"c\""));
	cr_expect_eq(c.qop_id, USH_QOP_NONE);
	cr_expect_eq(c.nc_value, 1);
	EXPECT_SPAN(c.cnonce, "c");
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\", cnonce=\"c\""));
	cr_expect_eq(c.qop_id, USH_QOP_NONE);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", nc=0001", USH_SIP_ECRED_NC);
	/* With qop, both are mandatory. */
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", qop=auth, nc=00000001",
		    USH_SIP_ECRED_QOP);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", qop=auth, cnonce=\"c\"",
		    USH_SIP_ECRED_QOP);
}

Test(cred, unknown_params_skipped_and_counted)
{
	EXPECT_OK(cred("Digest foo=bar, " BASE "x-tricky=\"response=\\\"zz\\\", realm=evil\", "
		       "response=\"" H32 "\", empty=\"\", tok=a.b-c"));
	cr_expect_eq(c.unknown_params, 4);
	EXPECT_SPAN(c.realm, "example.com");
	EXPECT_SPAN(c.response, H32);
	cr_expect_eq(c.escaped, 0, "escapes in unknown params do not set known bits");
}

Test(cred, params_limit)
{
	/* 5 mandatory + 27 unknown = 32 (the limit) is fine; one more is not. */
	char *v = t_fmt("Digest " BASE "response=\"" H32 "\"");
	char *w;

	for (int i = 0; i < 27; i++) {
		w = t_fmt("%s, p%d=%d", v, i, i);
		free(v);
		v = w;
	}
	cr_assert_eq(USH_SIP_MAX_PARAMS, 32, "test written for a limit of 32");
	EXPECT_OK(cred(v));
	cr_expect_eq(c.unknown_params, 27);
	w = t_fmt("%s, extra=1", v);
	EXPECT_CRED(w, USH_SIP_ECRED_TOO_MANY_PARAMS);
	free(w);
	free(v);
}

Test(cred, unterminated_quote)
{
	EXPECT_CRED("Digest " BASE "response=\"" H32, USH_SIP_ECRED_QUOTE);
	EXPECT_CRED("Digest username=\"alice", USH_SIP_ECRED_QUOTE);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", opaque=\"abc\\\"", USH_SIP_ECRED_QUOTE);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", opaque=\"abc\\", USH_SIP_ECRED_QUOTE);
}

Test(cred, syntax)
{
	EXPECT_CRED("Digest username", USH_SIP_ECRED_SYNTAX);
	EXPECT_CRED("Digest =\"alice\", " BASE "response=\"" H32 "\"", USH_SIP_ECRED_SYNTAX);
	/* RFC 3261: dig-resp *(COMMA dig-resp): the comma is required. */
	EXPECT_CRED("Digest username=\"alice\" realm=\"example.com\", nonce=\"n\", "
		    "uri=\"sip:example.com\", response=\"" H32 "\"",
		    USH_SIP_ECRED_SYNTAX);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\"junk", USH_SIP_ECRED_SYNTAX);
	EXPECT_CRED("Digest " BASE "response=\"" H32 "\", user name=\"x\"", USH_SIP_ECRED_SYNTAX);
}

Test(cred, userhash)
{
	EXPECT_OK(cred("Digest " BASE "response=\"" H64 "\", algorithm=SHA-256, userhash=true"));
	cr_expect(c.userhash_on);
	EXPECT_SPAN(c.userhash, "true");
	EXPECT_OK(
		cred("Digest " BASE "response=\"" H64 "\", algorithm=SHA-256, userhash=\"true\""));
	cr_expect(c.userhash_on);
	EXPECT_OK(cred("Digest " BASE "response=\"" H64 "\", algorithm=SHA-256, userhash=false"));
	cr_expect(!c.userhash_on);
	EXPECT_SPAN(c.userhash, "false");
	EXPECT_CRED("Digest " BASE "response=\"" H64 "\", algorithm=SHA-256, userhash=maybe",
		    USH_SIP_ECRED_USERHASH);
	EXPECT_CRED("Digest " BASE "response=\"" H64 "\", algorithm=SHA-256, userhash=\"\"",
		    USH_SIP_ECRED_USERHASH);
}

Test(cred, empty_quoted_values_are_present)
{
	EXPECT_OK(cred("Digest " BASE "response=\"" H32 "\", opaque=\"\""));
	EXPECT_EMPTY(c.opaque);
	EXPECT_SPAN_AFTER(c.opaque, "opaque=\"", "");
}

Test(cred, algo_token_round_trip)
{
	static const char *const canon[] = {"MD5",	    "MD5-sess",	   "SHA-256",
					    "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"};

	for (int a = 0; a < USH_ALGO_UNKNOWN; a++) {
		const char *name = ush_algo_name((enum ush_algo)a);

		cr_expect_str_eq(name, canon[a]);
		cr_expect_eq(ush_algo_from_token(name, strlen(name)), a, "%s", name);
	}
	cr_expect_eq(ush_algo_from_token("sHa-512-256-SeSs", 16), USH_ALGO_SHA512_256_SESS);
	cr_expect_eq(ush_algo_from_token("md5", 3), USH_ALGO_MD5);
	/* Only len bytes count: "MD5" out of "MD5-sess". */
	cr_expect_eq(ush_algo_from_token("MD5-sess", 3), USH_ALGO_MD5);
	cr_expect_eq(ush_algo_from_token("SHA-256-sess", 7), USH_ALGO_SHA256);
	static const char *const unknown[] = {"",	 "MD",		"MD5 ",	 " MD5",
					      "MD5-ses", "MD5-sessx",	"SHA-1", "SHA256",
					      "SHA-512", "SHA-512/256", "md5\0"};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		cr_expect_eq(ush_algo_from_token(unknown[i], strlen(unknown[i]) + (i == 10)),
			     USH_ALGO_UNKNOWN, "\"%s\"", unknown[i]);
	cr_expect_not_null(ush_algo_name(USH_ALGO_UNKNOWN));
	/* The hash underneath and its length. */
	cr_expect_eq(ush_algo_hash(USH_ALGO_SHA512_256_SESS), USH_HASH_SHA512_256);
	cr_expect_eq(ush_hash_len(ush_algo_hash(USH_ALGO_MD5_SESS)), 16);
	cr_expect_eq(ush_hash_len(ush_algo_hash(USH_ALGO_SHA256)), 32);
	cr_expect(ush_algo_is_sess(USH_ALGO_SHA256_SESS) && !ush_algo_is_sess(USH_ALGO_SHA256));
}

Test(cred, from_a_parsed_message)
{
	EXPECT_OK(t_parse("REGISTER sip:example.com SIP/2.0\r\n" T_MAND(
		"REGISTER") "Authorization: Digest " BASE "response=\"" H32 "\"\r\n\r\n"));
	cr_assert_eq(t_msg.auth_count, 1);
	memset(&c, 0, sizeof(c));
	EXPECT_OK(ush_sip_cred_parse(t_buf, t_msg.auth[0].value, &c));
	EXPECT_SPAN_AFTER(c.username, "Authorization: Digest username=\"", "alice");
	EXPECT_SPAN(c.response, H32);
}
