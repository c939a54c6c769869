/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * STIR/SHAKEN on the dataplane without EAL (dataplane/auth/ush_ident.h): the Identity
 * pre-check, the verdict policy, the verstat rewrite byte for byte, and the pipeline's
 * decision to punt (or not) an initial INVITE.
 */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_auth.h"
#include "ush_ident.h"
#include "ush_sip.h"

#define NOW 1800000000u

/* A syntactically valid SHAKEN Identity value (the signature is 86 base64url characters). */
#define SIG86                                                                                      \
	"MEUCIQDx6J2zV8wJ7s7bX9Vb1d5ZyHk0C5cJ4n3QWz8b2d1eAiB7Vw9r5o3Jm8gT2kX6pY0aZ1c4abcdefghij"
#define JWS  "eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0." SIG86
#define INFO ";info=<https://cert.example.org/sp.pem>;alg=ES256;ppt=shaken"

static_assert(sizeof(SIG86) - 1 == USH_IDENT_B64_SIG_LEN, "test signature length");

Test(precheck, accepts_a_full_form_header_with_info)
{
	const char *v = JWS INFO;

	cr_assert_eq(ush_ident_precheck(v, strlen(v)), USH_IDENT_PRE_OK);
	v = JWS " ; ppt=shaken ; INFO = <https://x/y.pem>";
	cr_assert_eq(ush_ident_precheck(v, strlen(v)), USH_IDENT_PRE_OK);
}

Test(precheck, refuses_garbage_without_a_verifier)
{
	static const struct {
		const char *v;
		enum ush_ident_pre want;
	} cases[] = {
		{"", USH_IDENT_PRE_JWS},
		{"garbage", USH_IDENT_PRE_JWS},
		{"eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0" INFO, USH_IDENT_PRE_JWS},
		{"eyJhbGciOiJFUzI1NiJ9.." SIG86 INFO, USH_IDENT_PRE_JWS}, /* compact form */
		{"eyJhb+ciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0." SIG86 INFO, USH_IDENT_PRE_JWS},
		{"eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0." SIG86 "x" INFO, USH_IDENT_PRE_JWS},
		{"a.b.c.d" INFO, USH_IDENT_PRE_JWS},
		{JWS, USH_IDENT_PRE_NO_INFO},
		{JWS ";ppt=shaken;x=\"a;info=<b>\"", USH_IDENT_PRE_NO_INFO},
		{JWS ";infox=<https://x>", USH_IDENT_PRE_NO_INFO},
		{JWS " garbage;info=<x>", USH_IDENT_PRE_JWS},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(ush_ident_precheck(cases[i].v, strlen(cases[i].v)), cases[i].want,
			     "case %zu: %s", i, cases[i].v);
	cr_assert_eq(ush_ident_pre_verdict(USH_IDENT_PRE_NO_INFO), USH_CTL_IDV_BAD_INFO);
	cr_assert_eq(ush_ident_pre_verdict(USH_IDENT_PRE_JWS), USH_CTL_IDV_INVALID);
	cr_assert_str_eq(ush_ident_pre_reason(USH_IDENT_PRE_NO_INFO), "info_missing");
}

Test(precheck, sizes_are_the_verifiers)
{
	static char v[USH_IDENT_HDR_MAX + 64];
	size_t n;

	/* a payload segment one character over 2 KiB decoded */
	n = (size_t)sprintf(v, "eyJhbGciOiJFUzI1NiJ9.");
	memset(v + n, 'A', USH_IDENT_B64_PAYLOAD_MAX + 1);
	n += USH_IDENT_B64_PAYLOAD_MAX + 1;
	n += (size_t)sprintf(v + n, "." SIG86 INFO);
	cr_assert_eq(ush_ident_precheck(v, n), USH_IDENT_PRE_SIZE);
	/* at the limit it passes */
	n = (size_t)sprintf(v, "eyJhbGciOiJFUzI1NiJ9.");
	memset(v + n, 'A', USH_IDENT_B64_PAYLOAD_MAX);
	n += USH_IDENT_B64_PAYLOAD_MAX;
	n += (size_t)sprintf(v + n, "." SIG86 INFO);
	cr_assert_eq(ush_ident_precheck(v, n), USH_IDENT_PRE_OK);
	/* the whole value over 4 KiB */
	memset(v + n, ' ', sizeof(v) - n);
	cr_assert_eq(ush_ident_precheck(v, USH_IDENT_HDR_MAX + 1), USH_IDENT_PRE_SIZE);
}

Test(ident, first_value_of_a_list)
{
	const char *b = "\"Doe, J\" <sip:+12025550100@a.example;user=phone>, <tel:+12025550100>";
	struct ush_sip_span v = {0, (uint16_t)strlen(b)}, f = ush_ident_first_value(b, v);

	cr_assert_eq(f.len, strlen("\"Doe, J\" <sip:+12025550100@a.example;user=phone>"));
	b = "<sip:a@b>";
	f = ush_ident_first_value(b, (struct ush_sip_span){0, 9});
	cr_assert_eq(f.len, 9);
}

Test(ident, verdict_policy)
{
	struct ush_ident_conf c = {.enabled = true};
	struct ush_ident_outcome o;

	ush_ident_decide(&c, USH_CTL_IDV_PASSED, &o);
	cr_assert(!o.reply && o.verstat == USH_IDENT_VS_PASSED && o.ctr == USH_CTR_ID_FWD_PASSED);
	ush_ident_decide(&c, USH_CTL_IDV_INVALID, &o);
	cr_assert(o.reply && o.code == 438 && o.ctr == USH_CTR_ID_REJECT_438);
	ush_ident_decide(&c, USH_CTL_IDV_STALE, &o);
	cr_assert(o.reply && o.code == 403 && o.ctr == USH_CTR_ID_REJECT_403);
	ush_ident_decide(&c, USH_CTL_IDV_BAD_INFO, &o);
	cr_assert(o.reply && o.code == 436);
	ush_ident_decide(&c, USH_CTL_IDV_UNSUPPORTED, &o);
	cr_assert(o.reply && o.code == 437 && o.ctr == USH_CTR_ID_REJECT_437);
	c.policy[USH_CTL_IDV_INVALID] = USH_IDENT_MARK;
	ush_ident_decide(&c, USH_CTL_IDV_INVALID, &o);
	cr_assert(!o.reply && o.verstat == USH_IDENT_VS_FAILED && o.code == 438 &&
		  o.ctr == USH_CTR_ID_FWD_FAILED);
	/* 428 cannot be marked through: the caller asked for a header */
	c.policy[USH_CTL_IDV_MISSING] = USH_IDENT_MARK;
	c.require = true;
	ush_ident_decide(&c, USH_CTL_IDV_MISSING, &o);
	cr_assert(o.reply && o.code == 428 && o.ctr == USH_CTR_ID_REJECT_428);
	/* not required: missing means nothing was checked */
	c.require = false;
	ush_ident_decide(&c, USH_CTL_IDV_MISSING, &o);
	cr_assert(!o.reply && o.verstat == USH_IDENT_VS_NONE &&
		  o.ctr == USH_CTR_ID_FWD_NO_VALIDATION);
	ush_ident_decide(&c, USH_CTL_IDV_INTERNAL, &o);
	cr_assert(!o.reply && o.verstat == USH_IDENT_VS_NONE &&
		  o.ctr == USH_CTR_ID_FWD_NO_VALIDATION);
	c.unavailable = USH_IDENT_UNAVAIL_503;
	ush_ident_decide(&c, USH_CTL_IDV_INTERNAL, &o);
	cr_assert(o.reply && o.code == 503 && o.ctr == USH_CTR_ID_REJECT_UNAVAILABLE);
	c.unavailable = USH_IDENT_UNAVAIL_500;
	ush_ident_decide(&c, USH_CTL_IDV_INTERNAL, &o);
	cr_assert(o.reply && o.code == 500);
}

#define HEAD                                                                                       \
	"INVITE sip:+12025550101@pbx.example.net SIP/2.0\r\n"                                      \
	"Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\n"                                   \
	"Max-Forwards: 70\r\n"
#define TAIL                                                                                       \
	"To: <sip:+12025550101@pbx.example.net>\r\n"                                               \
	"Call-ID: c1@203.0.113.9\r\n"                                                              \
	"CSeq: 1 INVITE\r\n"                                                                       \
	"Identity: " JWS INFO "\r\n"                                                               \
	"Content-Length: 4\r\n"                                                                    \
	"\r\n"                                                                                     \
	"v=0\n"

/* Marks msg and compares with want byte for byte. */
static void
check_mark(const char *msg, enum ush_ident_verstat vs, uint16_t cause, const char *reason,
	   const char *want, bool want_stripped)
{
	static char out[4096];
	struct ush_sip_msg m;
	bool stripped;
	int n;

	cr_assert_eq(ush_sip_parse(msg, strlen(msg), &m), USH_SIP_EOK);
	n = ush_ident_mark(msg, strlen(msg), &m, vs, cause, reason, out, sizeof(out), &stripped);
	cr_assert_gt(n, 0);
	out[n] = '\0';
	cr_assert_str_eq(out, want);
	cr_assert_eq(stripped, want_stripped);
	/* still a message, with the same body */
	cr_assert_eq(ush_sip_parse(out, (size_t)n, &m), USH_SIP_EOK);
	cr_assert_eq(m.body.len, 4);
}

Test(mark, from_name_addr_gets_the_uri_parameter_inside_the_brackets)
{
	check_mark(HEAD "From: \"Alice\" <sip:+12025550100@a.example;user=phone>;tag=f1\r\n" TAIL,
		   USH_IDENT_VS_PASSED, 0, NULL,
		   HEAD "From: \"Alice\" <sip:+12025550100@a.example;user=phone;"
			"verstat=TN-Validation-Passed>;tag=f1\r\n" TAIL,
		   false);
}

Test(mark, pai_is_marked_and_every_outside_verstat_stripped)
{
	check_mark(HEAD "From: <sip:+12025550100@a.example;verstat=TN-Validation-Passed>;tag=f1\r\n"
			"P-Asserted-Identity: <sip:+12025550100@a.example;VERSTAT=x;user=phone>, "
			"<tel:+12025550100>\r\n" TAIL,
		   USH_IDENT_VS_FAILED, 438, "sig_invalid",
		   HEAD "From: <sip:+12025550100@a.example>;tag=f1\r\n"
			"P-Asserted-Identity: <sip:+12025550100@a.example;user=phone;"
			"verstat=TN-Validation-Failed>, <tel:+12025550100>\r\n"
			"To: <sip:+12025550101@pbx.example.net>\r\n"
			"Call-ID: c1@203.0.113.9\r\n"
			"CSeq: 1 INVITE\r\n"
			"Identity: " JWS INFO "\r\n"
			"Content-Length: 4\r\n"
			"Reason: STIR;cause=438;text=\"sig_invalid\"\r\n"
			"\r\n"
			"v=0\n",
		   true);
}

Test(mark, addr_spec_from_gets_brackets)
{
	check_mark(
		HEAD "From: sip:+12025550100@a.example;tag=f1\r\n" TAIL, USH_IDENT_VS_NONE, 0, NULL,
		HEAD "From: <sip:+12025550100@a.example;verstat=No-TN-Validation>;tag=f1\r\n" TAIL,
		false);
	/* in a name-addr the user part may hold ';': the parameters start after the host */
	check_mark(HEAD "From: <sip:+1202;npdi@a.example>;tag=f1\r\n" TAIL, USH_IDENT_VS_NONE, 0,
		   NULL,
		   HEAD "From: <sip:+1202;npdi@a.example;verstat=No-TN-Validation>;tag=f1\r\n" TAIL,
		   false);
}

Test(mark, tel_pai_and_uri_headers)
{
	check_mark(HEAD
		   "From: <sip:a@b>;tag=f1\r\nP-Asserted-Identity: <tel:+12025550100>\r\n" TAIL,
		   USH_IDENT_VS_PASSED, 0, NULL,
		   HEAD
		   "From: <sip:a@b>;tag=f1\r\n"
		   "P-Asserted-Identity: <tel:+12025550100;verstat=TN-Validation-Passed>\r\n" TAIL,
		   false);
	check_mark(HEAD "From: <sip:+1@b;verstat=No-TN-Validation?subject=x>;tag=f1\r\n" TAIL,
		   USH_IDENT_VS_PASSED, 0, NULL,
		   HEAD "From: <sip:+1@b;verstat=TN-Validation-Passed?subject=x>;tag=f1\r\n" TAIL,
		   true);
}

Test(mark, out_of_room_is_enospc)
{
	const char *msg = HEAD "From: <sip:a@b>;tag=f1\r\n" TAIL;
	struct ush_sip_msg m;
	char out[64];
	bool st;

	cr_assert_eq(ush_sip_parse(msg, strlen(msg), &m), USH_SIP_EOK);
	cr_assert_eq(ush_ident_mark(msg, strlen(msg), &m, USH_IDENT_VS_PASSED, 0, NULL, out,
				    sizeof(out), &st),
		     -ENOSPC);
}

/* ---- the pipeline ---- */

static struct ush_auth_shared sh;
static struct ush_auth_worker *w;
static void *nc_mem;
static struct ush_auth_conf conf;

static void
setup(void)
{
	static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);

	conf = (struct ush_auth_conf){
		.realm = "pbx.example.net",
		.algos = {USH_ALGO_SHA256},
		.n_algos = 1,
		.qop_mask = 1u << USH_QOP_AUTH,
		.nonce_lifetime = 300,
		.tag_prefix = "ush-",
		.retry_after = 7,
		.ident = {.enabled = true},
	};
	memset(&sh, 0, sizeof(sh));
	cr_assert_eq(ush_nonce_keys_init(ctx, &sh.keys, 1, secret, sizeof(secret), 0, NULL, 0), 0);
	ush_digest_ctx_free(ctx);
	nc_mem = aligned_alloc(64, ush_nc_table_size(10));
	memset(nc_mem, 0, ush_nc_table_size(10));
	sh.nc = ush_nc_table_init(nc_mem, 10, 0x6e63);
	sh.boot_time = NOW - 1000;
	w = ush_auth_worker_create(&conf, &sh, 0, 1, NULL);
	cr_assert_not_null(w);
}

static void
teardown(void)
{
	ush_auth_worker_free(w);
	free(nc_mem);
}

static void
reconf(void)
{
	cr_assert_eq(ush_auth_worker_reconf(w, &conf), 0);
}

static struct ush_auth_pkt
run(const char *msg)
{
	struct ush_auth_pkt p = {
		.sip = msg, .sip_len = (uint16_t)strlen(msg), .flags = USH_AUTH_PKT_ALLOW};

	p.src.af = AF_INET;
	inet_pton(AF_INET, "203.0.113.9", p.src.addr);
	p.src.port = 5060;
	cr_assert_eq(ush_auth_process_burst(w, &p, 1, NOW), 1);
	return p;
}

#define INVITE HEAD "From: <sip:+12025550100@a.example>;tag=f1\r\n" TAIL

TestSuite(pipeline, .init = setup, .fini = teardown);

Test(pipeline, allowed_initial_invite_with_identity_is_punted_with_its_values)
{
	const char *msg =
		HEAD "From: <sip:+12025550100@a.example>;tag=f1\r\n"
		     "P-Asserted-Identity: <sip:+12025550100@a.example>, <tel:+1>\r\n" TAIL;
	struct ush_auth_pkt p = run(msg);

	cr_assert_eq(p.action, USH_AUTH_PUNT);
	cr_assert_eq(p.id_len[USH_AUTH_PUNT_IDENTITY], strlen(JWS INFO));
	cr_assert_arr_eq(msg + p.id_off[USH_AUTH_PUNT_IDENTITY], JWS INFO, strlen(JWS INFO));
	cr_assert_arr_eq(msg + p.id_off[USH_AUTH_PUNT_PAI], "<sip:+12025550100@a.example>",
			 p.id_len[USH_AUTH_PUNT_PAI]);
	cr_assert_eq(p.id_len[USH_AUTH_PUNT_PAI], strlen("<sip:+12025550100@a.example>"));
	cr_assert_arr_eq(msg + p.id_off[USH_AUTH_PUNT_FROM], "<sip:+12025550100@a.example>;tag=f1",
			 p.id_len[USH_AUTH_PUNT_FROM]);
	cr_assert_arr_eq(msg + p.id_off[USH_AUTH_PUNT_TO], "<sip:+12025550101@pbx.example.net>",
			 p.id_len[USH_AUTH_PUNT_TO]);
}

Test(pipeline, only_initial_invites_and_only_when_enabled)
{
	struct ush_auth_pkt p;
	char msg[2048];

	/* in-dialog: a To-tag */
	snprintf(msg, sizeof(msg),
		 HEAD "From: <sip:+1@a>;tag=f1\r\nTo: <sip:+2@b>;tag=t9\r\nCall-ID: c\r\n"
		      "CSeq: 2 INVITE\r\nIdentity: " JWS INFO "\r\nContent-Length: 0\r\n\r\n");
	p = run(msg);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
	cr_assert_eq(p.ctr, USH_CTR_FWD_ALLOWED);
	conf.ident.enabled = false;
	reconf();
	p = run(INVITE);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
}

Test(pipeline, required_identity_missing_and_garbage_decided_at_once)
{
	struct ush_auth_pkt p;
	const char *bare = HEAD "From: <sip:+1@a>;tag=f1\r\nTo: <sip:+2@b>\r\nCall-ID: c\r\n"
				"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	const char *junk = HEAD "From: <sip:+1@a>;tag=f1\r\nTo: <sip:+2@b>\r\nCall-ID: c\r\n"
				"CSeq: 1 INVITE\r\nIdentity: not-a-jws;info=<x>\r\n"
				"Content-Length: 0\r\n\r\n";

	const char *claim = HEAD "From: <sip:+1@a;VerStat=TN-Validation-Passed>;tag=f1\r\n"
				 "To: <sip:+2@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
				 "Content-Length: 0\r\n\r\n";
	static char out[4096];
	struct ush_reply_source src = {.af = AF_INET, .port = 5060};
	struct ush_auth_ident_res res;

	p = run(bare);
	cr_assert_eq(p.action, USH_AUTH_FORWARD, "not required: passes");
	/* not required, but claiming a verdict nobody made: marked No-TN-Validation */
	p = run(claim);
	cr_assert_eq(p.action, USH_AUTH_IDENT);
	cr_assert_eq(p.idv, USH_CTL_IDV_MISSING);
	ush_auth_ident_apply(w, claim, (uint16_t)strlen(claim), &src, p.idv, p.id_reason, out,
			     sizeof(out) - 1, &res);
	cr_assert(!res.reply && res.stripped && res.ctr == USH_CTR_ID_FWD_NO_VALIDATION);
	out[res.len] = '\0';
	cr_assert_not_null(strstr(out, "From: <sip:+1@a;verstat=No-TN-Validation>;tag=f1\r\n"),
			   "%s", out);
	conf.ident.require = true;
	reconf();
	p = run(bare);
	cr_assert_eq(p.action, USH_AUTH_IDENT);
	cr_assert_eq(p.idv, USH_CTL_IDV_MISSING);
	p = run(junk);
	cr_assert_eq(p.action, USH_AUTH_IDENT);
	cr_assert_eq(p.idv, USH_CTL_IDV_INVALID);
	cr_assert_eq(p.event, USH_CTR_ID_PRECHECK);
	cr_assert_str_eq(p.id_reason, "jws_syntax");
}

Test(pipeline, unauthenticated_invite_is_challenged_not_punted)
{
	struct ush_auth_pkt p = {.sip = INVITE, .sip_len = (uint16_t)strlen(INVITE)};

	p.src.af = AF_INET;
	p.src.port = 5060;
	ush_auth_process_burst(w, &p, 1, NOW);
	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NO_CREDS);
}

static void
apply(const char *msg, uint8_t idv, const char *reason, struct ush_auth_ident_res *res, char *out,
      size_t cap)
{
	struct ush_reply_source src = {.af = AF_INET, .port = 5062};

	inet_pton(AF_INET, "203.0.113.9", src.addr);
	ush_auth_ident_apply(w, msg, (uint16_t)strlen(msg), &src, idv, reason, out, cap, res);
	cr_assert_gt(res->len, 0);
	out[res->len] = '\0';
}

Test(pipeline, verdicts_applied_by_policy)
{
	static char out[8192];
	struct ush_auth_ident_res res;

	apply(INVITE, USH_CTL_IDV_INVALID, "sig_invalid", &res, out, sizeof(out) - 1);
	cr_assert(res.reply);
	cr_assert_eq(res.ctr, USH_CTR_ID_REJECT_438);
	cr_assert(strncmp(out, "SIP/2.0 438 Invalid Identity Header\r\n", 37) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "To: <sip:+12025550101@pbx.example.net>;tag=ush-"));
	cr_assert_eq(res.reply_port, 5060, "Via sent-by port");

	apply(INVITE, USH_CTL_IDV_STALE, "iat_stale", &res, out, sizeof(out) - 1);
	cr_assert(strncmp(out, "SIP/2.0 403 ", 12) == 0);

	apply(INVITE, USH_CTL_IDV_PASSED, "ok", &res, out, sizeof(out) - 1);
	cr_assert(!res.reply);
	cr_assert_eq(res.ctr, USH_CTR_ID_FWD_PASSED);
	cr_assert_not_null(
		strstr(out, "<sip:+12025550100@a.example;verstat=TN-Validation-Passed>"));
	cr_assert_null(strstr(out, "Reason:"));

	conf.ident.policy[USH_CTL_IDV_UNSUPPORTED] = USH_IDENT_MARK;
	conf.ident.reason_header = true;
	reconf();
	apply(INVITE, USH_CTL_IDV_UNSUPPORTED, "cert_expired", &res, out, sizeof(out) - 1);
	cr_assert(!res.reply);
	cr_assert_eq(res.ctr, USH_CTR_ID_FWD_FAILED);
	cr_assert_not_null(strstr(out, "verstat=TN-Validation-Failed>"));
	cr_assert_not_null(strstr(out, "\r\nReason: STIR;cause=437;text=\"cert_expired\"\r\n\r\n"));

	conf.ident.unavailable = USH_IDENT_UNAVAIL_503;
	reconf();
	apply(INVITE, USH_CTL_IDV_INTERNAL, NULL, &res, out, sizeof(out) - 1);
	cr_assert(res.reply);
	cr_assert_eq(res.ctr, USH_CTR_ID_REJECT_UNAVAILABLE);
	cr_assert(strncmp(out, "SIP/2.0 503 Service Unavailable\r\n", 33) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "Retry-After: 7\r\n"));
}
