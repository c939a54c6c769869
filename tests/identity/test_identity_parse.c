/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Identity header / PASSporT parser strictness, base64url, TN canonicalisation, TNAuthList DER,
 * and the RFC 7515 Appendix A.3 ES256 known-answer vector through our R || S -> DER path.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "id_sign.h"
#include "identity_priv.h"
#include "ushd_identity.h"

#define X5U    "https://cert.example.test/sp.pem"
#define HDR_OK "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}"
#define PAY_OK                                                                                     \
	"{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"                \
	"\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"123e4567-e89b-12d3-a456-426655440000\"}"
#define PARAMS_OK ";info=<" X5U ">;alg=ES256;ppt=shaken"

static EVP_PKEY *key;

static void
setup(void)
{
	key = EVP_EC_gen("P-256");
	cr_assert_not_null(key);
}

static void
teardown(void)
{
	EVP_PKEY_free(key);
}

TestSuite(parse, .init = setup, .fini = teardown);

static enum ushd_id_reason
try(const char *h, const char *p, const char *params, struct ushd_passport *pp)
{
	char buf[USHD_ID_HDR_MAX + 64];
	struct ushd_passport tmp;

	cr_assert_eq(ids_make(key, h, p, params, buf, sizeof(buf)), 0);
	return ushd_identity_parse(buf, strlen(buf), pp ? pp : &tmp);
}

static enum ushd_id_reason
raw(const char *s)
{
	struct ushd_passport pp;

	return ushd_identity_parse(s, strlen(s), &pp);
}

#define EXPECT(call, want)                                                                         \
	do {                                                                                       \
		enum ushd_id_reason got_ = (call);                                                 \
		cr_assert_eq(got_, want, "%s: got %s want %s", #call,                              \
			     ushd_identity_reason_name(got_), ushd_identity_reason_name(want));    \
	} while (0)

Test(parse, valid_fields)
{
	struct ushd_passport pp;
	char buf[USHD_ID_HDR_MAX];

	EXPECT(try(HDR_OK, PAY_OK, PARAMS_OK, &pp), USHD_ID_R_OK);
	cr_assert_str_eq(pp.info, X5U);
	cr_assert_str_eq(pp.x5u, X5U);
	cr_assert_eq(pp.attest, 'A');
	cr_assert_str_eq(pp.orig_tn, "12025550100");
	cr_assert_eq(pp.n_dest, 1);
	cr_assert_str_eq(pp.dest_tn[0], "12025550199");
	cr_assert_eq(pp.iat, 1700000000);
	cr_assert_str_eq(pp.origid, "123e4567-e89b-12d3-a456-426655440000");
	/* the signing input is exactly the received "hdr.payload" */
	cr_assert_eq(ids_make(key, HDR_OK, PAY_OK, PARAMS_OK, buf, sizeof(buf)), 0);
	cr_assert_eq(ushd_identity_parse(buf, strlen(buf), &pp), USHD_ID_R_OK);
	cr_assert_eq(pp.signing_off, 0);
	cr_assert_eq(buf[pp.signing_len], '.');
	cr_assert_eq(strchr(strchr(buf, '.') + 1, '.') - buf, pp.signing_len);
}

Test(parse, params_order_whitespace_quotes_case)
{
	EXPECT(try(HDR_OK, PAY_OK, " ; ppt=\"shaken\" ;INFO = <" X5U ">;foo=bar;flag", NULL),
	       USHD_ID_R_OK);
	/* no alg parameter means ES256 (RFC 8224 §4.1) */
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">;ppt=shaken", NULL), USHD_ID_R_OK);
}

Test(parse, params_refused)
{
	EXPECT(try(HDR_OK, PAY_OK, "", NULL), USHD_ID_R_INFO_MISSING);
	EXPECT(try(HDR_OK, PAY_OK, ";alg=ES256;ppt=shaken", NULL), USHD_ID_R_INFO_MISSING);
	EXPECT(try(HDR_OK, PAY_OK, ";info=" X5U ";ppt=shaken", NULL), USHD_ID_R_HDR_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ";ppt=shaken", NULL), USHD_ID_R_HDR_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK, PARAMS_OK ";info=<" X5U ">", NULL), USHD_ID_R_HDR_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">;alg=RS256;ppt=shaken", NULL),
	       USHD_ID_R_ALG_UNSUPPORTED);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">;ppt=div", NULL), USHD_ID_R_PPT_UNSUPPORTED);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">", NULL), USHD_ID_R_HDR_SYNTAX); /* no ppt */
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">;ppt=shaken;", NULL), USHD_ID_R_HDR_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<" X5U ">;ppt=shaken x", NULL), USHD_ID_R_HDR_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK, ";info=<https://other.test/x.pem>;ppt=shaken", NULL),
	       USHD_ID_R_INFO_MISMATCH);
}

Test(parse, jws_shape)
{
	/* the Asterisk GHSA-mrq5-74j5-f5cr shape: no ';' at all */
	EXPECT(raw("eyJhbGciOiJFUzI1NiJ9.e30.AAAA"), USHD_ID_R_INFO_MISSING);
	EXPECT(raw(""), USHD_ID_R_HDR_SYNTAX);
	EXPECT(raw(";info=<" X5U ">"), USHD_ID_R_HDR_SYNTAX);
	EXPECT(raw("abc;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
	EXPECT(raw("a.b.c.d;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
	EXPECT(raw("..c2lnbmF0dXJl;info=<" X5U ">;ppt=shaken"), USHD_ID_R_COMPACT_FORM);
	EXPECT(raw("a..c;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
	EXPECT(raw("a+b.c.d;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
	EXPECT(raw("e30.e30.AA==;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
	/* a 64-byte signature that is not base64url-clean, or 70 bytes of DER */
	EXPECT(raw("e30.e30.AB;info=<" X5U ">;ppt=shaken"), USHD_ID_R_JWS_SYNTAX);
}

Test(parse, signature_length)
{
	char buf[USHD_ID_HDR_MAX], *dot;

	cr_assert_eq(ids_make(key, HDR_OK, PAY_OK, PARAMS_OK, buf, sizeof(buf)), 0);
	dot = strchr(strchr(buf, '.') + 1, '.');
	/* 72 base64url chars decode to 54 bytes, 88 to 66: both refused */
	memmove(dot + 73, strchr(dot, ';'), strlen(strchr(dot, ';')) + 1);
	EXPECT(raw(buf), USHD_ID_R_JWS_SYNTAX);
}

Test(parse, too_long)
{
	static char big[USHD_ID_HDR_MAX + 10];

	memset(big, 'A', sizeof(big) - 1);
	cr_assert_eq(ushd_identity_parse(big, sizeof(big) - 1, &(struct ushd_passport){0}),
		     USHD_ID_R_HDR_TOO_LONG);
}

Test(parse, json_strictness)
{
	/* duplicate keys: jansson's JSON_REJECT_DUPLICATES */
	EXPECT(try(HDR_OK,
		   "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"iat\":2,"
		   "\"orig\":{\"tn\":\"1\"},\"origid\":\"x\"}",
		   PARAMS_OK, NULL),
	       USHD_ID_R_JSON_SYNTAX);
	EXPECT(try("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\","
		   "\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_JSON_SYNTAX);
	EXPECT(try(HDR_OK, "[1,2]", PARAMS_OK, NULL), USHD_ID_R_JSON_SYNTAX);
	EXPECT(try(HDR_OK, "{\"attest\":", PARAMS_OK, NULL), USHD_ID_R_JSON_SYNTAX);
	EXPECT(try(HDR_OK, PAY_OK "x", PARAMS_OK, NULL), USHD_ID_R_JSON_SYNTAX);
}

Test(parse, header_fields)
{
	EXPECT(try("{\"alg\":\"none\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_ALG_UNSUPPORTED);
	EXPECT(try("{\"alg\":\"HS256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U
		   "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_ALG_UNSUPPORTED);
	EXPECT(try("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"JWT\",\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_JWS_HEADER);
	EXPECT(try("{\"alg\":\"ES256\",\"ppt\":\"div\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_PPT_UNSUPPORTED);
	EXPECT(try("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\"}", PAY_OK, PARAMS_OK,
		   NULL),
	       USHD_ID_R_JWS_HEADER);
	EXPECT(try("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":7}", PAY_OK,
		   PARAMS_OK, NULL),
	       USHD_ID_R_JWS_HEADER);
	EXPECT(try("{\"alg\":\"ES256\",\"crit\":[\"x\"],\"ppt\":\"shaken\",\"typ\":\"passport\","
		   "\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_JWS_HEADER);
	/* unknown header members are allowed (RFC 7515 §4) */
	EXPECT(try("{\"alg\":\"ES256\",\"kid\":\"k\",\"ppt\":\"shaken\",\"typ\":\"passport\","
		   "\"x5u\":\"" X5U "\"}",
		   PAY_OK, PARAMS_OK, NULL),
	       USHD_ID_R_OK);
}

Test(parse, claim_types)
{
	static const char *bad[] = {
		/* iat as a string: the draft-05 example and RFC 8588 errata 6656 */
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":\"1443208345\","
		"\"orig\":{\"tn\":\"1\"},\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1.5,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":0,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"D\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"AB\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"},\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":\"1\"},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[]},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[1]},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"uri\":[\"sip:a@b\"]},\"iat\":1,"
		"\"orig\":{\"tn\":\"1\"},\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":[\"1\"]},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"12-34\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"+\"},"
		"\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"},"
		"\"origid\":\"\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"}}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\","
		"\"8\","
		"\"9\"]},\"iat\":1,\"orig\":{\"tn\":\"1\"},\"origid\":\"x\"}",
		"{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,"
		"\"orig\":{\"tn\":\"123456789012345678901234567890123\"},\"origid\":\"x\"}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(try(HDR_OK, bad[i], PARAMS_OK, NULL), USHD_ID_R_CLAIMS, "case %zu: %s",
			     i, bad[i]);
	/* extra claims (mky, rcd, ...) are ignored; '+' and '*#' are valid TN characters */
	EXPECT(try(HDR_OK,
		   "{\"attest\":\"C\",\"dest\":{\"tn\":[\"*67\",\"+44#1\"]},\"iat\":1,"
		   "\"mky\":[],\"orig\":{\"tn\":\"+12025550100\"},\"origid\":\"x\"}",
		   PARAMS_OK, NULL),
	       USHD_ID_R_OK);
}

Test(parse, base64url_strict_and_roundtrip)
{
	uint8_t in[300], out[300];
	char enc[450], ref[450];

	for (size_t len = 0; len < 200; len++) {
		cr_assert_eq(RAND_bytes(in, (int)len + 1), 1);
		size_t n = id_b64url_encode(in, len, enc);

		ids_b64url(in, len, ref); /* OpenSSL's encoder, URL alphabet, no padding */
		cr_assert_str_eq(enc, ref, "len %zu", len);
		cr_assert_eq(id_b64url_decode(enc, n, out, sizeof(out)), (int)len);
		cr_assert_arr_eq(out, in, len);
	}
	cr_assert_eq(id_b64url_decode("QQ", 2, out, sizeof(out)), 1);
	cr_assert_eq(id_b64url_decode("QR", 2, out, sizeof(out)), -EINVAL); /* stray low bits */
	cr_assert_eq(id_b64url_decode("QQ==", 4, out, sizeof(out)), -EINVAL);
	cr_assert_eq(id_b64url_decode("Q", 1, out, sizeof(out)), -EINVAL);
	cr_assert_eq(id_b64url_decode("a/bc", 4, out, sizeof(out)), -EINVAL);
	cr_assert_eq(id_b64url_decode("abcd", 4, out, 2), -ENOSPC);
}

Test(parse, tn_canon)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"\"Alice\" <sip:+1-202-555-0100@example.com;user=phone>;tag=9", "12025550100"},
		{"<tel:+1.202.555.0100>", "12025550100"},
		{"tel:+1(202)5550100;npdi;rn=+12025559999", "12025550100"},
		{"sip:+12025550100;npdi;rn=+12025559999@gw.example;user=phone", "12025550100"},
		{"sips:2025550100@x", "2025550100"},
		{"SIP:12025550100@x", "12025550100"},
		{"  +44 ", "44"},
		{"*67", "*67"},
	};
	static const char *bad[] = {"sip:alice@example.com",
				    "sip:example.com",
				    "<tel:+>",
				    "",
				    "tel:12a4",
				    "sip:+1%32@x"};
	char out[USHD_ID_TN_MAX + 1];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_gt(ushd_identity_tn_canon(ok[i].in, strlen(ok[i].in), out, sizeof(out)),
			     0, "%s", ok[i].in);
		cr_assert_str_eq(out, ok[i].out, "%s", ok[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ushd_identity_tn_canon(bad[i], strlen(bad[i]), out, sizeof(out)),
			     -EINVAL, "%s", bad[i]);
	cr_assert_eq(ushd_identity_tn_canon("123456", 6, out, 4), -ENOSPC);
}

Test(parse, tnauthlist_der)
{
	struct id_tnauth t;
	/* openssl asn1parse -genconf of the research note's SPC example: 30 08 A0 06 16 04 "1234"
	 */
	static const uint8_t spc[] = {0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '1', '2', '3', '4'};
	static const uint8_t one_range[] = {
		0x30, 0x23, 0xa2, 0x0d, 0x16, 0x0b, '1',  '2',	'0',  '2',  '5', '5', '5',
		'0',  '1',  '0',  '0',	0xa1, 0x12, 0x30, 0x10, 0x16, 0x0b, '1', '2', '0',
		'2',  '5',  '5',  '5',	'0',  '2',  '0',  '0',	0x02, 0x01, 0x64};
	static const struct {
		const char *what;
		uint8_t der[16];
		size_t len;
	} bad[] = {
		{"empty list", {0x30, 0x00}, 2},
		{"not a sequence", {0x31, 0x03, 0xa2, 0x01, 0x16}, 5},
		{"implicit tag", {0x30, 0x03, 0x80, 0x01, '1'}, 5},
		{"unknown choice [3]", {0x30, 0x05, 0xa3, 0x03, 0x16, 0x01, '1'}, 7},
		{"letter in TN", {0x30, 0x05, 0xa2, 0x03, 0x16, 0x01, 'x'}, 7},
		{"length past end", {0x30, 0x09, 0xa2, 0x03, 0x16, 0x01, '1'}, 7},
		{"trailing bytes", {0x30, 0x05, 0xa2, 0x03, 0x16, 0x01, '1', 0x00}, 8},
		{"non-minimal length", {0x30, 0x81, 0x05, 0xa2, 0x03, 0x16, 0x01, '1'}, 8},
		{"indefinite length", {0x30, 0x80, 0xa2, 0x03, 0x16, 0x01, '1', 0, 0}, 9},
		{"range count 1",
		 {0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01, '1', 0x02, 0x01, 0x01},
		 12},
		{"range count negative",
		 {0x30, 0x0a, 0xa1, 0x08, 0x30, 0x06, 0x16, 0x01, '1', 0x02, 0x01, 0x80},
		 12},
		{"range count non-minimal",
		 {0x30, 0x0b, 0xa1, 0x09, 0x30, 0x07, 0x16, 0x01, '1', 0x02, 0x02, 0x00, 0x05},
		 13},
	};

	cr_assert_eq(id_tnauth_parse(spc, sizeof(spc), &t), 0);
	cr_assert_eq(t.n, 1);
	cr_assert(t.has_spc);
	cr_assert_str_eq(t.e[0].tn, "1234");
	cr_assert(id_tnauth_covers(&t, "19995550000"));
	cr_assert_eq(id_tnauth_parse(one_range, sizeof(one_range), &t), 0);
	cr_assert_eq(t.n, 2);
	cr_assert(!t.has_spc);
	cr_assert_eq(t.e[1].count, 100);
	cr_assert(id_tnauth_covers(&t, "12025550100"));
	cr_assert(id_tnauth_covers(&t, "12025550299"));
	cr_assert(!id_tnauth_covers(&t, "12025550300"));
	cr_assert(!id_tnauth_covers(&t, "12025550101"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(id_tnauth_parse(bad[i].der, bad[i].len, &t), -EINVAL, "%s",
			     bad[i].what);
}

/* RFC 7515 Appendix A.3: the printed ES256 JWS verifies with the printed key. */
static EVP_PKEY *
rfc7515_a3_key(void)
{
	uint8_t pt[65], x[32], y[32];
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	cr_assert_eq(id_b64url_decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", 43, x, 32),
		     32);
	cr_assert_eq(id_b64url_decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", 43, y, 32),
		     32);
	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	cr_assert(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0));
	cr_assert(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)));
	params = OSSL_PARAM_BLD_to_param(b);
	cr_assert(EVP_PKEY_fromdata_init(c) == 1);
	cr_assert(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) == 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	return k;
}

static int
verify_raw(EVP_PKEY *k, const char *msg, const uint8_t sig[64])
{
	uint8_t der[80];
	int dl = id_sig_to_der(sig, der, sizeof(der));
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok;

	cr_assert_gt(dl, 0);
	ok = EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(m, der, (size_t)dl, (const uint8_t *)msg, strlen(msg)) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

Test(parse, rfc7515_a3_known_answer)
{
	static const char input[] =
		"eyJhbGciOiJFUzI1NiJ9."
		"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb2"
		"90Ijp0cnVlfQ";
	static const char sig64[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-"
				    "F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
	/* R and S as the RFC prints them, as byte arrays */
	static const uint8_t rfc_rs[64] = {
		14,  209, 33,  83,  121, 99,  108, 72,	60,  47,  127, 21,  88,	 7,   212, 2,
		163, 178, 40,  3,   58,	 249, 124, 126, 23,  129, 154, 195, 22,	 158, 166, 101,
		197, 10,  7,   211, 140, 60,  112, 229, 216, 241, 45,  175, 8,	 74,  84,  128,
		166, 101, 144, 197, 242, 147, 80,  154, 143, 63,  127, 138, 131, 163, 84,  213};
	uint8_t sig[64], canon[64], twin[64];
	EVP_PKEY *k = rfc7515_a3_key();

	cr_assert_eq(id_b64url_decode(sig64, strlen(sig64), sig, sizeof(sig)), 64);
	cr_assert_arr_eq(sig, rfc_rs, 64);
	cr_assert(verify_raw(k, input, sig), "RFC 7515 A.3 signature must verify");
	/* one changed byte of input or signature must not */
	cr_assert(!verify_raw(k, "eyJhbGciOiJFUzI1NiJ9.e30", sig));
	sig[40] ^= 1;
	cr_assert(!verify_raw(k, input, sig));
	sig[40] ^= 1;
	/* s = 0xc5... > n/2: the canonical form is the low-S twin, which also verifies */
	cr_assert_eq(id_sig_canonical(sig, canon), 0);
	cr_assert_arr_eq(canon, sig, 32);
	cr_assert_arr_neq(canon + 32, sig + 32, 32);
	cr_assert(verify_raw(k, input, canon));
	cr_assert_eq(id_sig_canonical(canon, twin), 0);
	cr_assert_arr_eq(twin, canon, 64, "canonical form is a fixed point");
	/* r or s of zero, or >= n, is not a signature */
	memset(twin, 0, 32);
	cr_assert_eq(id_sig_canonical(twin, canon), -EINVAL);
	memset(twin, 0xff, 64);
	cr_assert_eq(id_sig_canonical(twin, canon), -EINVAL);
	EVP_PKEY_free(k);
}
