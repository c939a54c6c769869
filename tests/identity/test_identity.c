/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * STIR/SHAKEN verifier against a PKI built at test time by gen_pki.sh (USHD_TEST_PKI): each
 * verdict class, both caches, the pool; the parser's strictness on hand-made headers.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/bn.h>

#include "id_test.h"

#define X5U(n) "https://cert.example.test/" n ".pem"

static void
base_conf(struct ushd_identity_conf *c)
{
	ushd_identity_conf_defaults(c);
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", pki("root.pem"));
	snprintf(c->crl_dir, sizeof(c->crl_dir), "%s", pki("crl"));
	snprintf(c->repo_dir, sizeof(c->repo_dir), "%s", pki("repo"));
}

static void
setup(void)
{
	struct ushd_identity_conf c;

	id_test_setup();
	base_conf(&c);
	open_ctx(&c);
}

TestSuite(identity, .init = setup, .fini = id_test_teardown);

static EVP_PKEY *
key_of(const char *name)
{
	char f[64];
	EVP_PKEY *k;

	snprintf(f, sizeof(f), "%s.key", name);
	k = ids_load_key(pki(f), 0);
	cr_assert_not_null(k, "%s", f);
	return k;
}

/* Sign with name's key for x5u, verify with From/To, return the result. */
static struct ushd_identity_result
run(const char *name, const char *x5u, long long iat, const char *from, const char *to)
{
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.from = from, .to = to, .now = now};
	char hdr[USHD_ID_HDR_MAX];
	EVP_PKEY *k = key_of(name);

	cr_assert_eq(ids_shaken(k, x5u, ORIG, DEST, iat, 'A', hdr, sizeof(hdr)), 0);
	EVP_PKEY_free(k);
	req.identity = hdr;
	cr_assert_eq(ushd_identity_verify(id, &req, &res), 0);
	return res;
}

/* ---- verdicts ---- */

Test(identity, valid_passes)
{
	struct ushd_identity_result r = run(
		"sp", X5U("sp"), now, "\"Alice\" <sip:+1-202-555-0100@a.example;user=phone>;tag=1",
		"<tel:+12025550199>");

	expect(r, USHD_ID_R_OK, 0);
	cr_assert_eq(r.verdict, USHD_ID_V_PASSED);
	cr_assert_eq(r.attest, 'A');
	cr_assert_str_eq(ushd_identity_verdict_text(r.verdict), "TN-Validation-Passed");
}

Test(identity, sha256_named_repository_file)
{
	expect(run("sp_sha", "https://cert.example.test/sha/sp_sha.pem", now, NULL, NULL),
	       USHD_ID_R_OK, 0);
}

Test(identity, stale_iat_403)
{
	expect(run("sp", X5U("sp"), now - 61, NULL, NULL), USHD_ID_R_IAT_STALE, 403);
	expect(run("sp", X5U("sp"), now - 60, NULL, NULL), USHD_ID_R_OK, 0);
}

Test(identity, future_iat_skew)
{
	expect(run("sp", X5U("sp"), now + 5, NULL, NULL), USHD_ID_R_OK, 0);
	/* the OpenSIPS bypass: a far-future iat must not look fresh */
	expect(run("sp", X5U("sp"), now + 6, NULL, NULL), USHD_ID_R_IAT_FUTURE, 403);
	expect(run("sp", X5U("sp"), now + 100000, NULL, NULL), USHD_ID_R_IAT_FUTURE, 403);
}

Test(identity, tn_mismatch_438)
{
	expect(run("sp", X5U("sp"), now, "sip:+12025550101@a.example", NULL),
	       USHD_ID_R_ORIG_MISMATCH, 438);
	expect(run("sp", X5U("sp"), now, NULL, "sip:12025550198@b.example"),
	       USHD_ID_R_DEST_MISMATCH, 438);
	expect(run("sp", X5U("sp"), now, "sip:alice@a.example", NULL), USHD_ID_R_ORIG_MISMATCH,
	       438);
	/* RFC 4904 parameters in the user part and separators do not matter */
	expect(run("sp", X5U("sp"), now, "<sip:+1(202)555.0100;npdi;rn=+12025559999@a.example>",
		   "tel:+1-202-555-0199;phone-context=x"),
	       USHD_ID_R_OK, 0);
}

Test(identity, pai_takes_precedence_over_from)
{
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.from = "sip:anonymous@anonymous.invalid",
					.pai = "<sip:+12025550100@a.example;user=phone>",
					.now = now};
	char hdr[USHD_ID_HDR_MAX];

	cr_assert_eq(ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now, 'B', hdr, sizeof(hdr)), 0);
	req.identity = hdr;
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_OK, 0);
	cr_assert_eq(res.attest, 'B');
	req.pai = "<sip:+12025550101@a.example>";
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_ORIG_MISMATCH, 438);
}

Test(identity, x5u_unknown_or_bad_436)
{
	expect(run("sp", X5U("nosuch"), now, NULL, NULL), USHD_ID_R_X5U_UNKNOWN, 436);
	expect(run("sp", X5U("garbage"), now, NULL, NULL), USHD_ID_R_X5U_UNREADABLE, 436);
	expect(run("sp", "http://cert.example.test/sp.pem", now, NULL, NULL), USHD_ID_R_X5U_BAD_URL,
	       436);
	expect(run("sp", "https://cert.example.test:8080/sp.pem", now, NULL, NULL),
	       USHD_ID_R_X5U_BAD_URL, 436);
	expect(run("sp", "https://u@cert.example.test/sp.pem", now, NULL, NULL),
	       USHD_ID_R_X5U_BAD_URL, 436);
	expect(run("sp", "https://cert.example.test/sp.pem?x=1", now, NULL, NULL),
	       USHD_ID_R_X5U_BAD_URL, 436);
	/* :8443 is allowed (asterisk#1271 got this wrong), but this one is not in the index */
	expect(run("sp", "https://cert.example.test:8443/sp.pem", now, NULL, NULL),
	       USHD_ID_R_X5U_UNKNOWN, 436);
}

Test(identity, certificate_failures_437)
{
	expect(run("sp_expired", X5U("sp_expired"), now, NULL, NULL), USHD_ID_R_CERT_EXPIRED, 437);
	expect(run("sp_revoked", X5U("sp_revoked"), now, NULL, NULL), USHD_ID_R_CERT_REVOKED, 437);
	expect(run("sp_crit", X5U("sp_crit"), now, NULL, NULL), USHD_ID_R_TNAUTH_CRITICAL, 437);
	expect(run("sp_notn", X5U("sp_notn"), now, NULL, NULL), USHD_ID_R_TNAUTH_MISSING, 437);
	expect(run("sp_bad_tn", X5U("sp_bad_tn"), now, NULL, NULL), USHD_ID_R_TNAUTH_MALFORMED,
	       437);
	expect(run("evil_sp", X5U("evil_sp"), now, NULL, NULL), USHD_ID_R_CHAIN_UNTRUSTED, 437);
	expect(run("sp", X5U("sp_nointer"), now, NULL, NULL), USHD_ID_R_CHAIN_UNTRUSTED, 437);
	expect(run("sp", X5U("sp_rsa"), now, NULL, NULL), USHD_ID_R_KEY_UNSUPPORTED, 437);
}

Test(identity, crl_missing_for_intermediate_437)
{
	struct ushd_identity_conf c;

	/* CRL_CHECK_ALL: the root's CRL (covering the intermediate) is needed too */
	base_conf(&c);
	c.crl_dir[0] = '\0';
	snprintf(c.crl_file, sizeof(c.crl_file), "%s", pki("inter_only.crl"));
	open_ctx(&c);
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_CRL_UNAVAILABLE, 437);
}

Test(identity, without_crls_revocation_is_unknown)
{
	struct ushd_identity_conf c;

	base_conf(&c);
	c.crl_dir[0] = '\0';
	open_ctx(&c);
	expect(run("sp_revoked", X5U("sp_revoked"), now, NULL, NULL), USHD_ID_R_OK, 0);
}

Test(identity, crl_next_update_bounds_the_cache)
{
	struct ushd_identity_conf c;
	struct ushd_identity_stats st;

	/* inter.crl is valid 2 days, cert_ttl 7 days: the entry must die with the CRL */
	base_conf(&c);
	c.cert_ttl = 7 * 86400;
	open_ctx(&c);
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	now += 86400;
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	now += 2 * 86400;
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_CRL_INVALID, 437);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 2);
}

Test(identity, tnauth_tn_entries)
{
	/* sp_tn holds one 12025550100 and the range 12025550200 + 100 */
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX];
	EVP_PKEY *k = key_of("sp_tn");
	static const struct {
		const char *tn;
		bool ok;
	} cases[] = {
		{"12025550100", true},	{"12025550200", true},	{"+12025550299", true},
		{"12025550300", false}, {"12025550199", false}, {"2025550100", false},
	};

	req.identity = hdr;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(
			ids_shaken(k, X5U("sp_tn"), cases[i].tn, DEST, now, 'A', hdr, sizeof(hdr)),
			0);
		ushd_identity_verify(id, &req, &res);
		expect(res, cases[i].ok ? USHD_ID_R_OK : USHD_ID_R_TN_NOT_AUTHORIZED,
		       cases[i].ok ? 0 : 437);
	}
	EVP_PKEY_free(k);
}

/* The '.' before the signature (the URL in the parameters has dots too). */
static char *
sig_dot(char *hdr)
{
	return strchr(strchr(hdr, '.') + 1, '.');
}

/* Flip bits in the signature segment of a header made by ids_shaken. */
static void
corrupt_sig(char *hdr, int which)
{
	char *dot = sig_dot(hdr);
	char *c = dot + 1 + which;

	*c = *c == 'A' ? 'B' : 'A';
}

Test(identity, bad_signature_438)
{
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX];
	EVP_PKEY *other = key_of("sp_revoked");

	cr_assert_eq(ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now, 'A', hdr, sizeof(hdr)), 0);
	corrupt_sig(hdr, 10);
	req.identity = hdr;
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_SIG_INVALID, 438);
	/* right format, wrong key */
	cr_assert_eq(ids_shaken(other, X5U("sp"), ORIG, DEST, now, 'A', hdr, sizeof(hdr)), 0);
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_SIG_INVALID, 438);
	EVP_PKEY_free(other);
}

/* ---- caches ---- */

Test(identity, second_verify_reuses_the_chain)
{
	struct ushd_identity_stats st;

	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 1);
	cr_assert_eq(st.cert_miss, 1);
	/* a new PASSporT (new iat, new signature) from the same x5u */
	struct ushd_identity_result r = run("sp", X5U("sp"), now - 1, NULL, NULL);

	expect(r, USHD_ID_R_OK, 0);
	cr_assert(r.cert_cached);
	cr_assert(!r.result_cached);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 1, "chain built again: %lu", (unsigned long)st.chain_builds);
	cr_assert_eq(st.cert_hit, 1);
	cr_assert_eq(st.sig_verifies, 2);
	cr_assert_eq(st.verdict[USHD_ID_V_PASSED], 2);
	cr_assert_eq(st.reason[USHD_ID_R_OK], 2);
	cr_assert_eq(st.cert_cached, 1);
}

Test(identity, failed_chain_is_not_cached)
{
	struct ushd_identity_stats st;

	run("sp_revoked", X5U("sp_revoked"), now, NULL, NULL);
	run("sp_revoked", X5U("sp_revoked"), now, NULL, NULL);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 2);
	cr_assert_eq(st.reason[USHD_ID_R_CERT_REVOKED], 2);
	cr_assert_eq(st.verdict[USHD_ID_V_UNSUPPORTED_CRED], 2);
}

Test(identity, cache_disabled_builds_every_time)
{
	struct ushd_identity_conf c;
	struct ushd_identity_stats st;

	base_conf(&c);
	c.cert_cache_max = 0;
	c.result_cache_max = 0;
	open_ctx(&c);
	for (int i = 0; i < 3; i++)
		expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 3);
	cr_assert_eq(st.cert_hit, 0);
}

Test(identity, cert_cache_expires_after_ttl)
{
	struct ushd_identity_conf c;
	struct ushd_identity_stats st;

	base_conf(&c);
	c.cert_ttl = 100;
	open_ctx(&c);
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	now += 99;
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 1);
	now += 2;
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 2);
}

Test(identity, reload_and_flush_drop_the_caches)
{
	struct ushd_identity_stats st;
	char err[256];

	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	cr_assert_eq(ushd_identity_reload(id, err, sizeof(err)), 0, "%s", err);
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_flush(id);
	expect(run("sp", X5U("sp"), now, NULL, NULL), USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.chain_builds, 3);
	cr_assert_eq(st.flushes, 2);
}

Test(identity, result_cache_hit_and_forged_signature)
{
	struct ushd_identity_result res;
	struct ushd_identity_stats st;
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX], forged[USHD_ID_HDR_MAX];

	cr_assert_eq(ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now, 'A', hdr, sizeof(hdr)), 0);
	req.identity = hdr;
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_OK, 0);
	ushd_identity_verify(id, &req, &res); /* a retransmission */
	expect(res, USHD_ID_R_OK, 0);
	cr_assert(res.result_cached);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.result_hit, 1);
	cr_assert_eq(st.sig_verifies, 1);
	/* same signing input, forged signature: must not ride on the cached verdict */
	memcpy(forged, hdr, sizeof(forged));
	corrupt_sig(forged, 50);
	req.identity = forged;
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_SIG_INVALID, 438);
	cr_assert(!res.result_cached);
	/* and the cached entry still serves the genuine signature */
	req.identity = hdr;
	ushd_identity_verify(id, &req, &res);
	cr_assert(res.result_cached);
	expect(res, USHD_ID_R_OK, 0);
}

/* (r, s) -> (r, n - s) on the raw signature of an Identity header. */
static void
high_s_twin(char *hdr)
{
	static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
				      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
				      0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
	char *dot = sig_dot(hdr), *semi = strchr(dot, ';'), tail[700], b64[100];
	unsigned char raw[66];
	BIGNUM *s, *bn_n = BN_bin2bn(n, 32, NULL);
	char pad[100];
	size_t l = (size_t)(semi - dot - 1);

	/* undo base64url into standard base64 with padding for EVP_DecodeBlock */
	memcpy(pad, dot + 1, l);
	for (size_t i = 0; i < l; i++)
		pad[i] = pad[i] == '-' ? '+' : pad[i] == '_' ? '/' : pad[i];
	while (l % 4)
		pad[l++] = '=';
	pad[l] = '\0';
	cr_assert_eq(EVP_DecodeBlock(raw, (unsigned char *)pad, (int)l), 66); /* 64 + 2 pad */
	s = BN_bin2bn(raw + 32, 32, NULL);
	cr_assert(BN_sub(s, bn_n, s));
	cr_assert_eq(BN_bn2binpad(s, raw + 32, 32), 32);
	snprintf(tail, sizeof(tail), "%s", semi);
	ids_b64url(raw, 64, b64);
	sprintf(dot + 1, "%s%s", b64, tail);
	BN_free(s);
	BN_free(bn_n);
}

Test(identity, high_s_twin_is_the_same_signature)
{
	struct ushd_identity_result res;
	struct ushd_identity_stats st;
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX];

	cr_assert_eq(ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now, 'A', hdr, sizeof(hdr)), 0);
	req.identity = hdr;
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_OK, 0);
	high_s_twin(hdr);
	ushd_identity_verify(id, &req, &res);
	expect(res, USHD_ID_R_OK, 0);
	cr_assert(res.result_cached, "the twin reduces to the cached canonical form");
	ushd_identity_flush(id);
	ushd_identity_verify(id, &req, &res); /* and it verifies on its own: ECDSA allows it */
	expect(res, USHD_ID_R_OK, 0);
	ushd_identity_stats(id, &st);
	cr_assert_eq(st.sig_verifies, 2);
}

/* ---- the pool ---- */

Test(identity, pool_completes_through_the_eventfd)
{
	struct ushd_identity_pool *p = ushd_identity_pool_create(id, 2, 8);
	struct ushd_identity_req req = {.to = "tel:+12025550199", .now = now};
	struct ushd_identity_result out[8];
	char good[USHD_ID_HDR_MAX], stale[USHD_ID_HDR_MAX];
	bool seen[8] = {0};
	unsigned int got = 0;

	cr_assert_not_null(p);
	cr_assert_eq(ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now, 'A', good, sizeof(good)), 0);
	cr_assert_eq(
		ids_shaken(sp_key, X5U("sp"), ORIG, DEST, now - 600, 'A', stale, sizeof(stale)), 0);
	for (uint64_t i = 0; i < 8; i++) {
		req.identity = i % 2 ? stale : good;
		cr_assert_eq(ushd_identity_pool_submit(p, &req, 100 + i), 0);
	}
	/* 8 outstanding = queue_depth: the ninth is refused until something is collected */
	cr_assert_eq(ushd_identity_pool_submit(p, &req, 999), -EAGAIN);
	while (got < 8) {
		struct pollfd pfd = {.fd = ushd_identity_pool_fd(p), .events = POLLIN};

		cr_assert_eq(poll(&pfd, 1, 5000), 1, "no completion within 5 s");
		unsigned int n = ushd_identity_pool_collect(p, out, 3);

		for (unsigned int i = 0; i < n; i++) {
			uint64_t k = out[i].cookie - 100;

			cr_assert_lt(k, 8);
			cr_assert(!seen[k]);
			seen[k] = true;
			expect(out[i], k % 2 ? USHD_ID_R_IAT_STALE : USHD_ID_R_OK, k % 2 ? 403 : 0);
		}
		got += n;
	}
	cr_assert_eq(ushd_identity_pool_collect(p, out, 8), 0);
	cr_assert_eq(ushd_identity_pool_submit(p, &req, 7), 0);
	ushd_identity_pool_free(p);
}

Test(identity, pool_rejects_oversized_input)
{
	struct ushd_identity_pool *p = ushd_identity_pool_create(id, 1, 4);
	static char big[USHD_ID_HDR_MAX + 2];
	struct ushd_identity_req req = {.identity = big};

	cr_assert_not_null(p);
	memset(big, 'A', sizeof(big) - 1);
	cr_assert_eq(ushd_identity_pool_submit(p, &req, 1), -E2BIG);
	req.identity = NULL;
	cr_assert_eq(ushd_identity_pool_submit(p, &req, 1), -EINVAL);
	ushd_identity_pool_free(p);
}

/* ---- configuration ---- */

Test(identity, conf_keys)
{
	struct ushd_identity_conf c;
	char err[128];

	ushd_identity_conf_defaults(&c);
	cr_assert_eq(c.iat_window, 60);
	cr_assert_eq(ushd_identity_conf_set(&c, "iat_window", "30", err, sizeof(err)), 0);
	cr_assert_eq(c.iat_window, 30);
	cr_assert_eq(ushd_identity_conf_set(&c, "iat_window", "0", err, sizeof(err)), -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "iat_window", "-5", err, sizeof(err)), -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "iat_window", "12x", err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "iat_window: expected an integer in 1..86400");
	cr_assert_eq(c.iat_window, 30);
	cr_assert_eq(ushd_identity_conf_set(&c, "cert_cache_max", "0", err, sizeof(err)), 0);
	cr_assert_eq(ushd_identity_conf_set(&c, "repo_dir", "/var/lib/x", err, sizeof(err)), 0);
	cr_assert_str_eq(c.repo_dir, "/var/lib/x");
	cr_assert_eq(ushd_identity_conf_set(&c, "allow_http", "maybe", err, sizeof(err)), -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "allow_http", "yes", err, sizeof(err)), 0);
	cr_assert(c.allow_http);
	cr_assert_eq(ushd_identity_conf_set(&c, "nope", "1", err, sizeof(err)), -ENOENT);
}

Test(identity, create_errors)
{
	struct ushd_identity_conf c;
	char err[256] = "";

	base_conf(&c);
	c.ca_file[0] = '\0';
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert_eq(errno, EINVAL);
	cr_assert_str_eq(err, "identity: ca_file or ca_dir is required");
	base_conf(&c);
	snprintf(c.crl_file, sizeof(c.crl_file), "%s", pki("root.pem"));
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert(strstr(err, "no PEM CRL") != NULL, "%s", err);
	base_conf(&c);
	snprintf(c.crl_dir, sizeof(c.crl_dir), "%s", pki("empty_crl_dir"));
	mkdir(c.crl_dir, 0700);
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert(strstr(err, "no CRL file in it") != NULL, "%s", err);
	rmdir(c.crl_dir);
	snprintf(c.crl_dir, sizeof(c.crl_dir), "%s", pki("no_such_dir"));
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert(strstr(err, "crl_dir") != NULL, "%s", err);
	base_conf(&c);
	snprintf(c.ca_file, sizeof(c.ca_file), "%s", pki("nosuch.pem"));
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert(strstr(err, "ca_file") != NULL, "%s", err);
}

Test(identity, bad_index_line_names_file_and_line)
{
	struct ushd_identity_conf c;
	char err[512] = "", dir[] = "/tmp/ushd_id_repoXXXXXX", path[600];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# ok\nhttps://a.test/x.pem x.pem\nhttps://a.test/y.pem ../../etc/passwd\n", f);
	fclose(f);
	base_conf(&c);
	snprintf(c.repo_dir, sizeof(c.repo_dir), "%s", dir);
	cr_assert_null(ushd_identity_create(&c, err, sizeof(err)));
	cr_assert(strstr(err, "/index:3: ") != NULL, "%s", err);
	unlink(path);
	rmdir(dir);
}

Test(identity, verdict_table)
{
	cr_assert_eq(ushd_identity_verdict_code(USHD_ID_V_MISSING), 428);
	cr_assert_str_eq(ushd_identity_verdict_text(USHD_ID_V_MISSING), "Use Identity Header");
	cr_assert_eq(ushd_identity_reason_verdict(USHD_ID_R_MISSING), USHD_ID_V_MISSING);
	cr_assert_eq(ushd_identity_verdict_code(USHD_ID_V_BAD_INFO), 436);
	cr_assert_eq(ushd_identity_verdict_code(USHD_ID_V_UNSUPPORTED_CRED), 437);
	cr_assert_eq(ushd_identity_verdict_code(USHD_ID_V_INVALID), 438);
	cr_assert_eq(ushd_identity_verdict_code(USHD_ID_V_STALE), 403);
	cr_assert_str_eq(ushd_identity_reason_name(USHD_ID_R_IAT_STALE), "iat_stale");
	/* machine names are unique and made of [a-z0-9_] (counter and telemetry names) */
	for (int i = 0; i < USHD_ID_R_COUNT; i++) {
		const char *a = ushd_identity_reason_name(i);

		cr_assert_eq(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(a), "%s",
			     a);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(a, ushd_identity_reason_name(j));
	}
}
