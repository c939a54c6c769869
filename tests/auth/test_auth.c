/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * The authentication pipeline end to end without EAL: challenge, answer with credentials
 * computed here with OpenSSL (independently of the engine), and check each decision, counter
 * and reply.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_auth.h"

#define REALM "pbx.example.net"
#define NOW 1800000000u

static struct ush_auth_shared sh;
static struct ush_auth_worker *w;
static struct ush_credtab *creds;
static void *nc_mem;
static void *ban_mem;
static void *rate_mem;
static struct ush_auth_conf guard_conf; /* protection settings for the next setup */

static const char *
H(const EVP_MD *md, const char *s, char *hex)
{
	unsigned char d[64];
	unsigned int n;

	EVP_Digest(s, strlen(s), d, &n, md, NULL);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return hex;
}

static void
add_user(const char *user, const char *pass)
{
	const EVP_MD *mds[USH_HASH_COUNT] = {EVP_md5(), EVP_sha256(), EVP_sha512_256()};

	for (unsigned h = 0; h < USH_HASH_COUNT; h++) {
		char a1[256];
		unsigned char d[64];
		unsigned int n;

		snprintf(a1, sizeof(a1), "%s:%s:%s", user, REALM, pass);
		EVP_Digest(a1, strlen(a1), d, &n, mds[h], NULL);
		cr_assert_eq(ush_credtab_set(creds, user, strlen(user), REALM, strlen(REALM),
					     (enum ush_hash)h, d),
			     0);
	}
}

static void
setup_pipeline(uint8_t qop_mask, bool accept_no_qop)
{
	static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
	struct ush_auth_conf conf = {
		.realm = REALM,
		.algos = {USH_ALGO_SHA256, USH_ALGO_MD5, USH_ALGO_SHA512_256},
		.n_algos = 3,
		.qop_mask = qop_mask,
		.accept_no_qop = accept_no_qop,
		.nonce_lifetime = 300,
		.tag_prefix = "ush-",
		.ban_src = guard_conf.ban_src,
		.ban_user = guard_conf.ban_user,
		.rate = guard_conf.rate,
		.deny_action = guard_conf.deny_action,
		.rate_action = guard_conf.rate_action,
		.retry_after = guard_conf.retry_after,
		.retransmission_window = guard_conf.retransmission_window,
	};
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);

	memcpy(conf.server, guard_conf.server, sizeof(conf.server));

	cr_assert_not_null(ctx);
	memset(&sh, 0, sizeof(sh));
	cr_assert_eq(ush_nonce_keys_init(ctx, &sh.keys, 1, secret, sizeof(secret), 0, NULL, 0),
		     0);
	ush_digest_ctx_free(ctx);
	nc_mem = aligned_alloc(64, ush_nc_table_size(10));
	cr_assert_not_null(nc_mem);
	memset(nc_mem, 0, ush_nc_table_size(10));
	sh.nc = ush_nc_table_init(nc_mem, 10, 0x6e63);
	cr_assert_not_null(sh.nc);
	creds = ush_credtab_create(16);
	cr_assert_not_null(creds);
	add_user("alice", "secret");
	add_user("bob", "hunter2");
	atomic_store(&sh.creds, creds);
	sh.boot_time = NOW - 1000;
	ban_mem = aligned_alloc(64, ush_guard_table_size(6));
	rate_mem = aligned_alloc(64, ush_guard_table_size(6));
	cr_assert(ban_mem != NULL && rate_mem != NULL);
	sh.bans = ush_guard_table_init(ban_mem, 6, 0x1234);
	sh.rates = ush_guard_table_init(rate_mem, 6, 0x5678);
	cr_assert(sh.bans != NULL && sh.rates != NULL);
	w = ush_auth_worker_create(&conf, &sh, 0, 1, NULL);
	cr_assert_not_null(w);
}

static void
setup_default(void)
{
	setup_pipeline(1u << USH_QOP_AUTH, true);
}

static void
teardown_pipeline(void)
{
	ush_auth_worker_free(w);
	ush_credtab_free(creds);
	free(nc_mem);
	free(ban_mem);
	free(rate_mem);
	memset(&guard_conf, 0, sizeof(guard_conf));
}

/* Runs one message through the pipeline; the reply (if any) is copied to reply[]. */
static char reply[USH_REPLY_MAX + 1];

static uint8_t next_flags;                 /* flags of the next run() */
static const char *next_src = "198.51.100.23"; /* source of the next run() */

static struct ush_auth_pkt
run(const char *msg, uint32_t now)
{
	struct ush_auth_pkt p = {0};

	p.flags = next_flags;
	p.sip = msg;
	p.sip_len = (uint16_t)strlen(msg);
	p.src.af = AF_INET;
	inet_pton(AF_INET, next_src, p.src.addr);
	p.src.port = 5062;
	cr_assert_eq(ush_auth_process_burst(w, &p, 1, now), 1u);
	reply[0] = '\0';
	if (p.action == USH_AUTH_REPLY) {
		memcpy(reply, p.reply, p.reply_len);
		reply[p.reply_len] = '\0';
	}
	return p;
}

/* The nonce of the challenge header for an algorithm in the last reply. */
static void
nonce_for(const char *algo, char *out)
{
	char needle[64];
	const char *h = reply;

	snprintf(needle, sizeof(needle), "algorithm=%s,", algo);
	for (;;) {
		const char *line = strstr(h, "Authenticate: Digest ");

		cr_assert_not_null(line, "no challenge for %s in:\n%s", algo, reply);
		const char *eol = strstr(line, "\r\n");
		const char *a = strstr(line, needle);

		if (a != NULL && a < eol) {
			const char *n = strstr(line, "nonce=\"") + 7;

			memcpy(out, n, USH_NONCE_LEN);
			out[USH_NONCE_LEN] = '\0';
			return;
		}
		h = eol;
	}
}

static char *
register_msg(const char *auth_hdr)
{
	char *s = NULL;

	cr_assert(asprintf(&s,
			   "REGISTER sip:" REALM " SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK1;rport\r\n"
			   "Max-Forwards: 70\r\n"
			   "From: <sip:alice@" REALM ">;tag=f1\r\n"
			   "To: <sip:alice@" REALM ">\r\n"
			   "Call-ID: c1@198.51.100.23\r\n"
			   "CSeq: 2 REGISTER\r\n"
			   "%s"
			   "Content-Length: 0\r\n\r\n",
			   auth_hdr) > 0);
	return s;
}

/* Challenges a REGISTER without credentials and returns the nonce offered for algo. */
static void
fresh_nonce(const char *algo, char *out)
{
	char *m = register_msg("");

	run(m, NOW);
	free(m);
	nonce_for(algo, out);
}

/* Authorization header with a response computed here (RFC 7616 §3.4.1, qop=auth). */
static char *
auth_hdr(const EVP_MD *md, const char *algo, const char *user, const char *pass,
	 const char *nonce, const char *nc, const char *uri)
{
	char a1[256], a2[256], kd[512], ha1[129], ha2[129], resp[129];
	char *s = NULL;

	snprintf(a1, sizeof(a1), "%s:%s:%s", user, REALM, pass);
	snprintf(a2, sizeof(a2), "REGISTER:%s", uri);
	H(md, a1, ha1);
	H(md, a2, ha2);
	if (nc != NULL) {
		snprintf(kd, sizeof(kd), "%s:%s:%s:0a4f113b:auth:%s", ha1, nonce, nc, ha2);
		H(md, kd, resp);
		cr_assert(asprintf(&s,
				   "Authorization: Digest username=\"%s\", realm=\"" REALM "\", "
				   "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
				   "cnonce=\"0a4f113b\", qop=auth, nc=%s\r\n",
				   user, nonce, uri, resp, algo, nc) > 0);
	} else {
		snprintf(kd, sizeof(kd), "%s:%s:%s", ha1, nonce, ha2);
		H(md, kd, resp);
		cr_assert(asprintf(&s,
				   "Authorization: Digest username=\"%s\", realm=\"" REALM "\", "
				   "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s\r\n",
				   user, nonce, uri, resp, algo) > 0);
	}
	return s;
}

static struct ush_auth_pkt
run_auth(const EVP_MD *md, const char *algo, const char *user, const char *pass,
	 const char *nonce, const char *nc, const char *uri, uint32_t now)
{
	char *h = auth_hdr(md, algo, user, pass, nonce, nc, uri);
	char *m = register_msg(h);
	struct ush_auth_pkt p = run(m, now);

	free(h);
	free(m);
	return p;
}

TestSuite(auth, .init = setup_default, .fini = teardown_pipeline);

Test(auth, register_without_credentials_gets_401_with_every_algorithm_in_order)
{
	char *m = register_msg("");
	struct ush_auth_pkt p = run(m, NOW);
	const char *a, *b, *c;

	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NO_CREDS);
	cr_assert_eq(p.reply_port, 5062, "rport: reply goes to the source port");
	cr_assert(strncmp(reply, "SIP/2.0 401 Unauthorized\r\n", 26) == 0, "%s", reply);
	a = strstr(reply, "algorithm=SHA-256,");
	b = strstr(reply, "algorithm=MD5,");
	c = strstr(reply, "algorithm=SHA-512-256,");
	cr_assert(a && b && c && a < b && b < c, "challenge order: %s", reply);
	cr_assert_not_null(strstr(reply, "To: <sip:alice@" REALM ">;tag=ush-"));
	cr_assert_null(strstr(reply, "stale=true"));
	free(m);
}

Test(auth, invite_without_credentials_gets_407)
{
	const char *m = "INVITE sip:bob@" REALM " SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK2\r\n"
			"From: <sip:alice@" REALM ">;tag=f2\r\n"
			"To: <sip:bob@" REALM ">\r\n"
			"Call-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct ush_auth_pkt p = run(m, NOW);

	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert(strncmp(reply, "SIP/2.0 407 Proxy Authentication Required\r\n", 43) == 0,
		  "%s", reply);
	cr_assert_not_null(strstr(reply, "Proxy-Authenticate: Digest realm=\"" REALM "\""));
	cr_assert_eq(p.reply_port, 5062, "no rport: Via sent-by port");
}

Test(auth, right_credentials_each_algorithm_forwarded_then_replay_refused)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {{"MD5", EVP_md5}, {"SHA-256", EVP_sha256}, {"SHA-512-256", EVP_sha512_256}};

	for (unsigned k = 0; k < 3; k++) {
		char nonce[USH_NONCE_LEN + 1];
		char *m = register_msg("");
		struct ush_auth_pkt p;

		run(m, NOW);
		free(m);
		nonce_for(algs[k].name, nonce);
		p = run_auth(algs[k].md(), algs[k].name, "alice", "secret", nonce, "00000001",
			     "sip:" REALM, NOW + 1);
		cr_assert_eq(p.action, USH_AUTH_FORWARD, "%s: %s", algs[k].name,
			     ush_ctr_name(p.ctr));
		cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK);
		/* the same request again: a replay */
		p = run_auth(algs[k].md(), algs[k].name, "alice", "secret", nonce, "00000001",
			     "sip:" REALM, NOW + 2);
		cr_assert_eq(p.action, USH_AUTH_REPLY);
		cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NC_REPLAY, "%s", ush_ctr_name(p.ctr));
		/* the next nc, and one reordered within the window */
		p = run_auth(algs[k].md(), algs[k].name, "alice", "secret", nonce, "00000003",
			     "sip:" REALM, NOW + 2);
		cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK);
		p = run_auth(algs[k].md(), algs[k].name, "alice", "secret", nonce, "00000002",
			     "sip:" REALM, NOW + 2);
		cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "reordered nc within the window");
	}
}

Test(auth, wrong_password_and_unknown_user_look_the_same)
{
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p1, p2;
	char r1[USH_REPLY_MAX + 1];
	const char *n1, *n2;

	fresh_nonce("MD5", nonce);
	p1 = run_auth(EVP_md5(), "MD5", "alice", "wrong", nonce, "00000001", "sip:" REALM, NOW);
	strcpy(r1, reply);
	p2 = run_auth(EVP_md5(), "MD5", "mallory", "x", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p1.ctr, USH_CTR_CHALLENGE_BAD_RESPONSE);
	cr_assert_eq(p2.ctr, USH_CTR_CHALLENGE_BAD_RESPONSE);
	cr_assert_eq(p1.reply_len, p2.reply_len, "same reply size");
	/* Identical but for the fresh nonces and tag. */
	n1 = strstr(r1, "WWW-Authenticate");
	n2 = strstr(reply, "WWW-Authenticate");
	cr_assert_eq(n1 - r1, n2 - reply);
}

Test(auth, expired_nonce_with_right_digest_is_stale)
{
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	fresh_nonce("SHA-256", nonce);
	p = run_auth(EVP_sha256(), "SHA-256", "alice", "secret", nonce, "00000001", "sip:" REALM,
		     NOW + 301);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_STALE, "%s", ush_ctr_name(p.ctr));
	cr_assert_not_null(strstr(reply, "stale=true"));
	/* expired and wrong: a plain fresh challenge */
	p = run_auth(EVP_sha256(), "SHA-256", "alice", "nope", nonce, "00000001", "sip:" REALM,
		     NOW + 301);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_BAD_RESPONSE);
	cr_assert_null(strstr(reply, "stale=true"));
}

Test(auth, forged_and_truncated_nonces)
{
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	nonce[20] = nonce[20] == 'A' ? 'B' : 'A';
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NONCE_INVALID);
	nonce[20] = '\0';
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NONCE_INVALID);
}

Test(auth, one_nonce_for_all_offered_algorithms)
{
	char n1[USH_NONCE_LEN + 1], n2[USH_NONCE_LEN + 1];

	fresh_nonce("SHA-256", n1);
	nonce_for("MD5", n2);
	cr_assert_str_eq(n1, n2);
	cr_assert_eq(run_auth(EVP_md5(), "MD5", "alice", "secret", n1, "00000001", "sip:" REALM,
			      NOW).ctr,
		     USH_CTR_FWD_AUTH_OK);
}

Test(auth, nonce_bound_to_another_algorithm_refused)
{
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);
	const uint32_t index = 77;
	const uint8_t algo = USH_ALGO_SHA256;
	char nonce[1][USH_NONCE_LEN];
	char text[USH_NONCE_LEN + 1];

	cr_assert_not_null(ctx);
	cr_assert_eq(ush_nonce_make_burst(ctx, &sh.keys, NOW, &index, &algo, 1, nonce), 0);
	ush_digest_ctx_free(ctx);
	memcpy(text, nonce[0], USH_NONCE_LEN);
	text[USH_NONCE_LEN] = '\0';
	cr_assert_eq(run_auth(EVP_md5(), "MD5", "alice", "secret", text, "00000001", "sip:" REALM,
			      NOW).ctr,
		     USH_CTR_CHALLENGE_ALGORITHM);
	cr_assert_eq(run_auth(EVP_sha256(), "SHA-256", "alice", "secret", text, "00000001",
			      "sip:" REALM, NOW).ctr,
		     USH_CTR_FWD_AUTH_OK);
}

Test(auth, uri_must_match_request_uri)
{
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:other.example",
		     NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_URI_MISMATCH);
}

Test(auth, qop_less_nonce_is_good_once)
{
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, NULL, "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "%s", ush_ctr_name(p.ctr));
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, NULL, "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_STALE);
	cr_assert_not_null(strstr(reply, "stale=true"));
}

Test(auth, credentials_for_another_realm_are_no_credentials)
{
	const char *m = "REGISTER sip:" REALM " SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK3\r\n"
			"From: <sip:alice@" REALM ">;tag=f3\r\nTo: <sip:alice@" REALM ">\r\n"
			"Call-ID: c3\r\nCSeq: 3 REGISTER\r\n"
			"Authorization: Digest username=\"alice\", realm=\"elsewhere\", "
			"nonce=\"x\", uri=\"sip:" REALM "\", "
			"response=\"00112233445566778899aabbccddeeff\"\r\n"
			"Content-Length: 0\r\n\r\n";

	cr_assert_eq(run(m, NOW).ctr, USH_CTR_CHALLENGE_NO_CREDS);
}

Test(auth, malformed_credentials_for_any_realm)
{
	char *m = register_msg("Authorization: Digest username=\"alice\", realm=\"" REALM
			       "\", nonce=\"x\", uri=\"sip:" REALM "\", response=\"zz\"\r\n");

	cr_assert_eq(run(m, NOW).ctr, USH_CTR_CHALLENGE_CRED_MALFORMED);
	free(m);
}

Test(auth, exempt_dialog_response_and_our_ack)
{
	static const struct {
		const char *msg;
		uint8_t action;
		uint8_t ctr;
	} cases[] = {
		{"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK4\r\nFrom: <sip:a@h>;tag=1\r\n"
		 "To: <sip:b@h>;tag=2\r\nCall-ID: c4\r\nCSeq: 1 INVITE\r\n\r\n",
		 USH_AUTH_FORWARD, USH_CTR_FWD_RESPONSE},
		{"ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK5\r\nFrom: <sip:a@h>;tag=1\r\n"
		 "To: <sip:b@h>;tag=ush-0000002a\r\nCall-ID: c5\r\nCSeq: 1 ACK\r\n\r\n",
		 USH_AUTH_DROP, USH_CTR_ABSORB_ACK},
		{"ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK6\r\nFrom: <sip:a@h>;tag=1\r\n"
		 "To: <sip:b@h>;tag=pbx99\r\nCall-ID: c6\r\nCSeq: 1 ACK\r\n\r\n",
		 USH_AUTH_FORWARD, USH_CTR_FWD_EXEMPT},
		{"CANCEL sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK7\r\n"
		 "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c7\r\nCSeq: 1 CANCEL\r\n\r\n",
		 USH_AUTH_FORWARD, USH_CTR_FWD_EXEMPT},
		{"BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK8\r\nFrom: <sip:a@h>;tag=1\r\n"
		 "To: <sip:b@h>;tag=2\r\nCall-ID: c8\r\nCSeq: 2 BYE\r\n\r\n",
		 USH_AUTH_FORWARD, USH_CTR_FWD_IN_DIALOG},
		{"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\n"
		 "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c9\r\nCSeq: 2 INVITE\r\n\r\n",
		 USH_AUTH_REPLY, USH_CTR_REPLY_400},
		{"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n", USH_AUTH_DROP,
		 USH_CTR_DROP_SIP_MALFORMED},
		{"garbage\r\n\r\n", USH_AUTH_DROP, USH_CTR_DROP_SIP_MALFORMED},
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ush_auth_pkt p = run(cases[i].msg, NOW);

		cr_expect_eq(p.action, cases[i].action, "case %u: action %d", i, p.action);
		cr_expect_eq(p.ctr, cases[i].ctr, "case %u: %s", i, ush_ctr_name(p.ctr));
	}
	cr_assert(strncmp(reply, "", 1) == 0);
}

Test(auth, burst_of_mixed_requests_decided_independently)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m = register_msg("");
	char *good, *bad, *hg, *hb;
	struct ush_auth_pkt p[4] = {0};

	run(m, NOW);
	nonce_for("SHA-256", nonce);
	hg = auth_hdr(EVP_sha256(), "SHA-256", "bob", "hunter2", nonce, "00000001", "sip:" REALM);
	hb = auth_hdr(EVP_sha256(), "SHA-256", "bob", "hunter3", nonce, "00000002", "sip:" REALM);
	good = register_msg(hg);
	bad = register_msg(hb);
	const char *msgs[4] = {bad, m, good, "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
					     "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
					     "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"};
	for (unsigned i = 0; i < 4; i++) {
		p[i].sip = msgs[i];
		p[i].sip_len = (uint16_t)strlen(msgs[i]);
		p[i].src.af = AF_INET;
		p[i].src.port = 5060;
	}
	cr_assert_eq(ush_auth_process_burst(w, p, 4, NOW), 4u);
	cr_expect_eq(p[0].ctr, USH_CTR_CHALLENGE_BAD_RESPONSE);
	cr_expect_eq(p[1].ctr, USH_CTR_CHALLENGE_NO_CREDS);
	cr_expect_eq(p[2].ctr, USH_CTR_FWD_AUTH_OK);
	cr_expect_eq(p[3].ctr, USH_CTR_FWD_RESPONSE);
	cr_expect(p[0].reply != p[1].reply, "each reply has its own buffer");
	free(m);
	free(good);
	free(bad);
	free(hg);
	free(hb);
}

Test(auth, counter_names_are_telemetry_safe)
{
	for (unsigned c = 0; c < USH_CTR_COUNT; c++) {
		const char *n = ush_ctr_name((enum ush_ctr)c);

		cr_assert(strlen(n) > 0);
		for (const char *q = n; *q; q++)
			cr_assert((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_',
				  "%s", n);
		cr_assert(strlen(ush_ctr_desc((enum ush_ctr)c)) > 0);
	}
}

/* Protection: bans after failures, rate limits, lists and shedding. */

static void
setup_guarded(void)
{
	guard_conf.ban_src = (struct ush_guard_ban_conf){.threshold = 3, .window = 60,
							 .ban_time = 600};
	guard_conf.ban_user = (struct ush_guard_ban_conf){.threshold = 2, .window = 60,
							  .ban_time = 300};
	guard_conf.rate = (struct ush_guard_rate_conf){.rate = 50, .burst = 100};
	guard_conf.retry_after = 7;
	next_flags = 0;
	next_src = "198.51.100.23";
	setup_pipeline(1u << USH_QOP_AUTH, true);
}

TestSuite(guard, .init = setup_guarded, .fini = teardown_pipeline);

static char *
challenge_nonce(char *nonce)
{
	char *m = register_msg("");

	run(m, NOW);
	nonce_for("MD5", nonce);
	return m;
}

Test(guard, wrong_passwords_ban_the_source_then_the_ban_expires)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	const char *users[3] = {"alice", "bob", "carol"}; /* one failure per user: source ban */
	struct ush_auth_pkt p;

	for (unsigned k = 0; k < 3; k++) {
		p = run_auth(EVP_md5(), "MD5", users[k], "guess", nonce, "00000001", "sip:" REALM,
			     NOW);
		cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_BAD_RESPONSE);
		cr_assert_eq(p.event, k == 2 ? USH_CTR_BAN_STARTED : USH_CTR_COUNT, "failure %u", k);
	}
	/* banned: even the right password and a request without credentials get 403 */
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_DENY_BANNED);
	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert(strncmp(reply, "SIP/2.0 403 Forbidden\r\n", 23) == 0, "%s", reply);
	cr_assert_null(strstr(reply, "Authenticate"));
	p = run(m, NOW + 10);
	cr_assert_eq(p.ctr, USH_CTR_DENY_BANNED);
	/* another source is not affected */
	next_src = "203.0.113.9";
	cr_assert_eq(run(m, NOW + 10).ctr, USH_CTR_CHALLENGE_NO_CREDS);
	/* the ban lasts ban_time */
	next_src = "198.51.100.23";
	cr_assert_eq(run(m, NOW + 599).ctr, USH_CTR_DENY_BANNED);
	cr_assert_eq(run(m, NOW + 600).ctr, USH_CTR_CHALLENGE_NO_CREDS);
	free(m);
}

Test(guard, right_password_never_counts)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	char nc[9];

	for (unsigned k = 1; k <= 10; k++) {
		snprintf(nc, sizeof(nc), "%08x", k);
		cr_assert_eq(run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, nc, "sip:" REALM,
				      NOW)
				     .ctr,
			     USH_CTR_FWD_AUTH_OK);
	}
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_CHALLENGE_NO_CREDS);
	free(m);
}

Test(guard, source_and_user_ban_leaves_other_users_alone)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	struct ush_auth_pkt p;

	run_auth(EVP_md5(), "MD5", "alice", "x", nonce, "00000001", "sip:" REALM, NOW);
	p = run_auth(EVP_md5(), "MD5", "alice", "y", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.event, USH_CTR_BAN_STARTED, "2 failures for the same user ban the pair");
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_DENY_BANNED);
	p = run_auth(EVP_md5(), "MD5", "bob", "hunter2", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "bob from the same source still gets in");
	free(m);
}

Test(guard, banned_source_dropped_silently_by_policy)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m;

	teardown_pipeline();
	guard_conf.ban_src = (struct ush_guard_ban_conf){.threshold = 1, .window = 60,
							 .ban_time = 60};
	guard_conf.deny_action = USH_AUTH_DENY_DROP;
	setup_pipeline(1u << USH_QOP_AUTH, true);
	m = challenge_nonce(nonce);
	run_auth(EVP_md5(), "MD5", "alice", "x", nonce, "00000001", "sip:" REALM, NOW);
	struct ush_auth_pkt p = run(m, NOW);

	cr_assert_eq(p.ctr, USH_CTR_DENY_BANNED);
	cr_assert_eq(p.action, USH_AUTH_DROP);
	free(m);
}

Test(guard, rate_limit_answers_503_with_retry_after)
{
	char *m;
	unsigned over = 0;

	teardown_pipeline();
	guard_conf.rate = (struct ush_guard_rate_conf){.rate = 5, .burst = 10};
	guard_conf.retry_after = 7;
	setup_pipeline(1u << USH_QOP_AUTH, true);
	m = register_msg("");
	for (unsigned k = 0; k < 20; k++) {
		struct ush_auth_pkt p = run(m, NOW);

		if (p.ctr == USH_CTR_DENY_RATE) {
			over++;
			cr_assert(strncmp(reply, "SIP/2.0 503 Service Unavailable\r\n", 33) == 0,
				  "%s", reply);
			cr_assert_not_null(strstr(reply, "\r\nRetry-After: 7\r\n"));
		} else {
			cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NO_CREDS);
		}
	}
	cr_assert_eq(over, 10u, "a burst of 10, then refused");
	cr_assert_eq(run(m, NOW + 1).ctr, USH_CTR_CHALLENGE_NO_CREDS, "refilled a second later");
	free(m);
}

Test(guard, allow_and_block_lists_and_acks)
{
	char *m = register_msg("");
	const char *ack = "ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK5\r\n"
			  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=pbx\r\nCall-ID: c5\r\n"
			  "CSeq: 1 ACK\r\n\r\n";
	struct ush_auth_pkt p;

	next_flags = USH_AUTH_PKT_ALLOW;
	p = run(m, NOW);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
	cr_assert_eq(p.ctr, USH_CTR_FWD_ALLOWED);
	next_flags = USH_AUTH_PKT_BLOCK;
	p = run(m, NOW);
	cr_assert_eq(p.ctr, USH_CTR_DENY_BLOCKED);
	cr_assert(strncmp(reply, "SIP/2.0 403 Forbidden\r\n", 23) == 0, "%s", reply);
	p = run(ack, NOW);
	cr_assert_eq(p.ctr, USH_CTR_DENY_BLOCKED);
	cr_assert_eq(p.action, USH_AUTH_DROP, "never a reply to an ACK");
	next_flags = 0;
	free(m);
}

Test(guard, overload_sheds_new_challenges_but_verifies_credentials)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	struct ush_auth_pkt p;

	next_flags = USH_AUTH_PKT_SHED;
	p = run(m, NOW);
	cr_assert_eq(p.ctr, USH_CTR_SHED_CHALLENGE);
	cr_assert_eq(p.action, USH_AUTH_DROP);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK);
	next_flags = 0;
	free(m);
}

/* Live changes: published confs, rotated nonce keys, ban events (usher's control socket). */

TestSuite(live, .init = setup_guarded, .fini = teardown_pipeline);

static struct ush_auth_conf
conf_now(void)
{
	struct ush_auth_conf c = {
		.realm = REALM,
		.algos = {USH_ALGO_SHA256, USH_ALGO_MD5, USH_ALGO_SHA512_256},
		.n_algos = 3,
		.qop_mask = 1u << USH_QOP_AUTH,
		.accept_no_qop = true,
		.nonce_lifetime = 300,
		.tag_prefix = "ush-",
		.ban_src = guard_conf.ban_src,
		.ban_user = guard_conf.ban_user,
		.rate = guard_conf.rate,
		.retry_after = guard_conf.retry_after,
	};
	return c;
}

Test(live, published_conf_is_taken_at_the_next_burst)
{
	struct ush_auth_conf c = conf_now();
	char *m = register_msg("");

	run(m, NOW);
	cr_assert_not_null(strstr(reply, "algorithm=SHA-512-256"));
	c.algos[0] = USH_ALGO_MD5;
	c.n_algos = 1;
	c.challenge_code = USH_AUTH_CODE_407;
	cr_assert_null(ush_auth_conf_publish(&sh, &c), "nothing published before");
	cr_assert_eq(atomic_load(&sh.conf_gen), 1u);
	run(m, NOW);
	cr_assert(strncmp(reply, "SIP/2.0 407 ", 12) == 0, "%s", reply);
	cr_assert_not_null(strstr(reply, "algorithm=MD5"));
	cr_assert_null(strstr(reply, "algorithm=SHA-256"), "%s", reply);
	/* the worker holds a copy: the published conf may go once it was taken */
	memset(&c, 0, sizeof(c));
	run(m, NOW);
	cr_assert_not_null(strstr(reply, "algorithm=MD5"));
	free(m);
}

Test(live, nonce_lifetime_and_realm_change_live)
{
	struct ush_auth_conf c = conf_now();
	char nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	c.nonce_lifetime = 10;
	ush_auth_conf_publish(&sh, &c);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000001", "sip:" REALM,
		     NOW + 11);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_STALE, "a shorter lifetime applies at once");
	strcpy(c.realm, "other.example");
	ush_auth_conf_publish(&sh, &c);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", nonce, "00000002", "sip:" REALM, NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NO_CREDS, "credentials for the old realm");
	cr_assert_not_null(strstr(reply, "realm=\"other.example\""), "%s", reply);
}

Test(live, fixed_keys_refused)
{
	struct ush_auth_conf old = conf_now(), c = conf_now();
	char why[128];

	cr_assert_eq(ush_auth_conf_live_ok(&old, &c, why, sizeof(why)), 0);
	strcpy(c.tag_prefix, "zz");
	cr_assert_eq(ush_auth_conf_live_ok(&old, &c, why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "auth.tag_prefix cannot change while running: restart usher");
	cr_assert_eq(ush_auth_worker_reconf(w, &c), -EINVAL);
	c = conf_now();
	c.sess_binary_ha1 = true;
	cr_assert_eq(ush_auth_conf_live_ok(&old, &c, why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "auth.sess_binary_ha1 cannot change while running: restart usher");
	c = conf_now();
	c.n_algos = 0;
	cr_assert_eq(ush_auth_conf_live_ok(&old, &c, why, sizeof(why)), -EINVAL);
	/* an empty prefix is the default "ush-": no change */
	c = conf_now();
	c.tag_prefix[0] = '\0';
	cr_assert_eq(ush_auth_conf_live_ok(&old, &c, NULL, 0), 0);
	/* a refused reconf leaves the worker as it was */
	run_auth(EVP_md5(), "MD5", "alice", "secret", "x", "00000001", "sip:" REALM, NOW);
	cr_assert_not_null(strstr(reply, "algorithm=SHA-512-256"));
}

Test(live, enabling_a_ban_policy_live)
{
	struct ush_auth_conf c = conf_now();
	char nonce[USH_NONCE_LEN + 1];
	char *m;

	c.ban_src.threshold = 1;
	ush_auth_conf_publish(&sh, &c);
	m = challenge_nonce(nonce);
	cr_assert_eq(run_auth(EVP_md5(), "MD5", "carol", "x", nonce, "00000001", "sip:" REALM, NOW)
			     .event,
		     USH_CTR_BAN_STARTED, "one failure bans now");
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_DENY_BANNED);
	free(m);
}

Test(live, rotated_keys_keep_old_nonces_valid_as_previous)
{
	static const uint8_t s2[20] = "another secret, 20b";
	static const uint8_t s1[32] = "0123456789abcdef0123456789abcdef";
	struct ush_nonce_keys *k = calloc(1, sizeof(*k));
	struct ush_digest_ctx *ctx = ush_digest_ctx_create(NULL);
	char old_nonce[USH_NONCE_LEN + 1], new_nonce[USH_NONCE_LEN + 1];
	struct ush_auth_pkt p;

	cr_assert(k != NULL && ctx != NULL);
	cr_assert_eq(ush_auth_keys_current(&sh), &sh.keys);
	fresh_nonce("MD5", old_nonce);
	/* kid 2 current, the start-up secret (kid 1) previous */
	cr_assert_eq(ush_nonce_keys_init(ctx, k, 2, s2, sizeof(s2), 1, s1, sizeof(s1)), 0);
	cr_assert_null(ush_auth_keys_publish(&sh, k), "the start-up keys were in force");
	cr_assert_eq(ush_auth_keys_current(&sh), k);
	fresh_nonce("MD5", new_nonce);
	cr_assert_neq(strcmp(old_nonce, new_nonce), 0);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", old_nonce, "00000001", "sip:" REALM,
		     NOW);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "made under kid 1, checked as previous");
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", new_nonce, "00000001", "sip:" REALM,
		     NOW);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK);
	/* kid 1 dropped: its nonces are invalid now */
	cr_assert_eq(ush_nonce_keys_init(ctx, k, 3, s2, sizeof(s2), 2, s2, sizeof(s2)), 0);
	p = run_auth(EVP_md5(), "MD5", "alice", "secret", old_nonce, "00000002", "sip:" REALM,
		     NOW);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NONCE_INVALID);
	cr_assert_eq(ush_auth_keys_publish(&sh, NULL), k);
	ush_digest_ctx_free(ctx);
	free(k);
}

Test(live, ban_events_name_the_source_and_the_user)
{
	struct ush_auth_ban_event ev[8];
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	struct ush_guard_src gs = {.af = AF_INET};
	uint64_t lost = 0;

	cr_assert_eq(ush_auth_ban_events_take(w, ev, 8, &lost), 0u);
	run_auth(EVP_md5(), "MD5", "alice", "x", nonce, "00000001", "sip:" REALM, NOW);
	run_auth(EVP_md5(), "MD5", "alice", "y", nonce, "00000001", "sip:" REALM, NOW + 1);
	cr_assert_eq(ush_auth_ban_events_take(w, ev, 8, &lost), 1u);
	cr_assert_eq(ev[0].kind, USH_AUTH_BAN_USER);
	cr_assert_eq(ev[0].user_len, 5);
	cr_assert(memcmp(ev[0].user, "alice", 5) == 0);
	cr_assert_eq(ev[0].time, NOW + 1);
	cr_assert_eq(ev[0].src.af, AF_INET);
	inet_pton(AF_INET, "198.51.100.23", gs.addr);
	cr_assert(memcmp(ev[0].src.addr, gs.addr, 4) == 0);
	cr_assert_eq(ev[0].key, ush_guard_key(sh.bans, &gs, "alice", 5));
	run_auth(EVP_md5(), "MD5", "bob", "z", nonce, "00000001", "sip:" REALM, NOW + 2);
	cr_assert_eq(ush_auth_ban_events_take(w, ev, 8, &lost), 1u);
	cr_assert_eq(ev[0].kind, USH_AUTH_BAN_SOURCE, "third failure from the source");
	cr_assert_eq(ev[0].user_len, 0);
	cr_assert_eq(ev[0].key, ush_guard_key(sh.bans, &gs, NULL, 0));
	cr_assert_eq(lost, 0u);
	free(m);
}

Test(live, ban_event_ring_overflow_counts_lost)
{
	struct ush_auth_ban_event ev[USH_AUTH_BAN_EVENTS];
	struct ush_auth_conf c = conf_now();
	char nonce[USH_NONCE_LEN + 1];
	char *m = challenge_nonce(nonce);
	uint64_t lost = 0;
	unsigned int n;

	/* each source bans itself at its first failure: one event per source */
	c.ban_src.threshold = 1;
	c.ban_user.threshold = 0;
	c.rate.rate = 0;
	ush_auth_conf_publish(&sh, &c);
	for (unsigned int k = 0; k < USH_AUTH_BAN_EVENTS + 5; k++) {
		char src[32];

		snprintf(src, sizeof(src), "10.1.%u.%u", k / 200, k % 200 + 1);
		next_src = src;
		cr_assert_eq(run_auth(EVP_md5(), "MD5", "alice", "x", nonce, "00000001",
				      "sip:" REALM, NOW)
				     .event,
			     USH_CTR_BAN_STARTED);
	}
	next_src = "198.51.100.23";
	n = ush_auth_ban_events_take(w, ev, USH_AUTH_BAN_EVENTS, &lost);
	cr_assert_eq(n, USH_AUTH_BAN_EVENTS);
	cr_assert_eq(lost, 5u);
	cr_assert_eq(ev[0].src.addr[3], 1);
	cr_assert_eq(ush_auth_ban_events_take(w, ev, USH_AUTH_BAN_EVENTS, &lost), 0u);
	free(m);
}

/* ---- retransmissions ([auth] retransmission_window) and the Server header ---- */

static void
setup_rtx(void)
{
	guard_conf.retransmission_window = 32;
	strcpy(guard_conf.server, "Acme-SBC/2.1");
	next_flags = 0;
	next_src = "198.51.100.23";
	setup_pipeline(1u << USH_QOP_AUTH, true);
}

TestSuite(rtx, .init = setup_rtx, .fini = teardown_pipeline);

/* The REGISTER of run_auth() with its credentials, kept to be sent again byte for byte. */
static char *
auth_register(const char *nonce, const char *nc)
{
	char *h = auth_hdr(EVP_md5(), "MD5", "alice", "secret", nonce, nc, "sip:" REALM);
	char *m = register_msg(h);

	free(h);
	return m;
}

Test(rtx, identical_register_forwarded_as_retransmission_then_replay_after_window)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m1, *m2;
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	m1 = auth_register(nonce, "00000001");
	p = run(m1, NOW + 1);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "%s", ush_ctr_name(p.ctr));
	/* T1 later the client resends it, the PBX not having answered yet */
	p = run(m1, NOW + 1);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
	cr_assert_eq(p.ctr, USH_CTR_FWD_RETRANSMISSION, "%s", ush_ctr_name(p.ctr));
	cr_assert_eq(p.event, USH_CTR_COUNT);
	p = run(m1, NOW + 1 + 32);
	cr_assert_eq(p.ctr, USH_CTR_FWD_RETRANSMISSION, "64*T1 after the accept: still one");
	/* the next request of the client: a new nc, verified as ever */
	m2 = auth_register(nonce, "00000002");
	p = run(m2, NOW + 2);
	cr_assert_eq(p.action, USH_AUTH_FORWARD);
	cr_assert_eq(p.ctr, USH_CTR_FWD_AUTH_OK, "%s", ush_ctr_name(p.ctr));
	p = run(m1, NOW + 3);
	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NC_REPLAY, "no longer the last request: a replay");
	p = run(m2, NOW + 2 + 33);
	cr_assert_eq(p.action, USH_AUTH_REPLY);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NC_REPLAY, "after the window: a replay");
	cr_assert(strncmp(reply, "SIP/2.0 401 Unauthorized\r\n", 26) == 0, "%s", reply);
	free(m1);
	free(m2);
}

Test(rtx, copy_with_anything_changed_is_a_replay)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m, *b;
	struct ush_auth_pkt p;

	fresh_nonce("MD5", nonce);
	m = auth_register(nonce, "00000001");
	cr_assert_eq(run(m, NOW + 1).ctr, USH_CTR_FWD_AUTH_OK);
	/* another branch: the digest does not cover it, so it verifies, but it is another
	 * transaction to the PBX */
	b = strdup(m);
	cr_assert_not_null(b);
	*(strstr(b, "branch=z9hG4bK1") + 14) = '7';
	p = run(b, NOW + 1);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NC_REPLAY, "%s", ush_ctr_name(p.ctr));
	/* the same bytes from another source */
	next_src = "198.51.100.99";
	p = run(m, NOW + 1);
	cr_assert_eq(p.ctr, USH_CTR_CHALLENGE_NC_REPLAY, "%s", ush_ctr_name(p.ctr));
	next_src = "198.51.100.23";
	/* refusals leave the last request in place */
	cr_assert_eq(run(m, NOW + 1).ctr, USH_CTR_FWD_RETRANSMISSION);
	free(b);
	free(m);
}

Test(rtx, qop_less_nonce_once_plus_its_retransmissions)
{
	char nonce[USH_NONCE_LEN + 1];
	char *m, *b;

	fresh_nonce("MD5", nonce);
	m = auth_register(nonce, NULL);
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_FWD_AUTH_OK);
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_FWD_RETRANSMISSION);
	b = strdup(m);
	cr_assert_not_null(b);
	*(strstr(b, "branch=z9hG4bK1") + 14) = '8';
	cr_assert_eq(run(b, NOW).ctr, USH_CTR_CHALLENGE_STALE, "another request: one-shot nonce");
	cr_assert_not_null(strstr(reply, "stale=true"));
	cr_assert_eq(run(m, NOW + 40).ctr, USH_CTR_CHALLENGE_STALE, "after the window");
	free(b);
	free(m);
}

Test(rtx, window_and_server_change_live)
{
	struct ush_auth_conf c = conf_now();
	char nonce[USH_NONCE_LEN + 1];
	char *m;

	fresh_nonce("MD5", nonce);
	cr_assert_not_null(strstr(reply, "\r\nServer: Acme-SBC/2.1\r\nContent-Length: 0\r\n\r\n"),
			   "%s", reply);
	m = auth_register(nonce, "00000001");
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_FWD_AUTH_OK);
	c.retransmission_window = 0;
	ush_auth_conf_publish(&sh, &c);
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_CHALLENGE_NC_REPLAY, "window 0: off");
	cr_assert_null(strstr(reply, "Server:"), "no server_header: no Server header\n%s", reply);
	c.retransmission_window = 32;
	strcpy(c.server, "PBX");
	ush_auth_conf_publish(&sh, &c);
	cr_assert_eq(run(m, NOW).ctr, USH_CTR_FWD_RETRANSMISSION,
		     "the request was recorded while the window was on");
	free(m);
	m = register_msg("");
	run(m, NOW);
	cr_assert_not_null(strstr(reply, "\r\nServer: PBX\r\nContent-Length: 0\r\n\r\n"), "%s",
			   reply);
	strcpy(c.server, "bad\r\nX-Injected: 1");
	cr_assert_eq(ush_auth_conf_live_ok(&c, &c, NULL, 0), -EINVAL, "CR/LF refused");
	free(m);
}

Test(auth, default_replies_carry_no_server_header)
{
	char *m = register_msg("");

	run(m, NOW);
	cr_assert(strncmp(reply, "SIP/2.0 401 ", 12) == 0, "%s", reply);
	cr_assert_null(strstr(reply, "Server:"), "%s", reply);
	free(m);
}
