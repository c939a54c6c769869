/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The per-worker authentication pipeline: parse, classify, verify in batches, build replies. */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_auth.h"
#include "ush_sip.h"

static const char *const ctr_names[USH_CTR_COUNT] = {
#define CTR_NAME(e, name, desc) [USH_CTR_##e] = name,
	USH_COUNTERS(CTR_NAME)
#undef CTR_NAME
};

static const char *const ctr_descs[USH_CTR_COUNT] = {
#define CTR_DESC(e, name, desc) [USH_CTR_##e] = desc,
	USH_COUNTERS(CTR_DESC)
#undef CTR_DESC
};

const char *
ush_ctr_name(enum ush_ctr ctr)
{
	return (unsigned)ctr < USH_CTR_COUNT ? ctr_names[ctr] : "?";
}

const char *
ush_ctr_desc(enum ush_ctr ctr)
{
	return (unsigned)ctr < USH_CTR_COUNT ? ctr_descs[ctr] : "?";
}

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define TAG_MAX 32

/* answer() copies the whole prefix array, then 8 hex digits after the prefix */
static_assert(sizeof(((struct ush_auth_conf *)0)->tag_prefix) + 8 <= TAG_MAX, "To-tag scratch");

/* What the classifier decided a lane still needs. */
enum lane_state {
	LANE_DONE = 0,   /* action and counter final */
	LANE_VERIFY,     /* credentials for our realm, syntax fine: verify */
	LANE_CHALLENGE,  /* answer with a challenge; the counter says why */
	LANE_REPLY_400,  /* answer 400 Bad Request */
	LANE_DENY,       /* answer 403 or 503 (code[]) */
};

/* Unescaped copies of the credential fields that may carry quoted-pairs. */
struct lane_text {
	char user[USH_CRED_USER_MAX];
	char uri[USH_DIGEST_MSG_MAX / 2];
	char nonce[USH_NONCE_LEN + 8];
	uint16_t user_len;
	uint16_t uri_len;
	uint16_t nonce_len;
};

/* Replies composed once per conf (struct ush_auth_worker.tmpl). */
enum reply_tmpl {
	TMPL_400 = 0,
	TMPL_403,
	TMPL_503,
	TMPL_401,
	TMPL_401_STALE,
	TMPL_407,
	TMPL_407_STALE,
	TMPL_COUNT
};

struct ush_auth_worker {
	struct ush_auth_conf conf;
	struct ush_auth_shared *sh;
	struct ush_guard_table *bans;  /* sh->bans as of the conf in force */
	struct ush_guard_table *rates; /* sh->rates likewise */
	uint32_t conf_gen;	       /* sh->conf_gen of the conf in force */
	struct ush_digest_ctx *dctx;   /* digest batches */
	struct ush_digest_ctx *hctx;   /* nonce MACs */
	size_t realm_len;
	size_t tag_prefix_len;
	size_t server_len;             /* conf.server: 0 for no Server header */
	uint32_t next_index;
	uint32_t stride;

	/* Per-burst scratch: kept here so the packet path never allocates. */
	struct ush_sip_msg msg[USH_AUTH_BURST_MAX];
	struct ush_sip_cred cred[USH_AUTH_BURST_MAX];
	struct lane_text text[USH_AUTH_BURST_MAX];
	uint8_t state[USH_AUTH_BURST_MAX];
	bool stale[USH_AUTH_BURST_MAX];
	uint16_t code[USH_AUTH_BURST_MAX];     /* LANE_DENY: 403 or 503 */
	uint64_t src_key[USH_AUTH_BURST_MAX];  /* ban table key of the source (0: none) */
	uint64_t user_key[USH_AUTH_BURST_MAX]; /* ban table key of source + username (0: none) */
	struct ush_nonce_info ninfo[USH_AUTH_BURST_MAX];
	/*
	 * Reply texts of a burst, one after the other (64-byte aligned): room for USH_REPLY_MAX
	 * per lane, but a burst of short replies stays in a few KiB of cache instead of one
	 * 4 KiB slot each, whose starts would all fall in the same L1 sets.
	 */
	_Alignas(64) char reply[USH_AUTH_BURST_MAX * USH_REPLY_MAX];
	/* the constant text of each reply the burst path sends, composed by conf_take() */
	struct ush_reply_tmpl tmpl[TMPL_COUNT];
	char nonces[USH_AUTH_BURST_MAX][USH_NONCE_LEN];

	/*
	 * Bans started, for the control thread (SPSC ring): the worker writes ev[head % N] and
	 * then publishes head (release); the reader copies up to head (acquire) and publishes
	 * tail. Each on its own line: the worker writes only head and ev_lost.
	 */
	_Alignas(64) _Atomic uint32_t ev_head;
	_Atomic uint64_t ev_lost;
	_Alignas(64) _Atomic uint32_t ev_tail;
	struct ush_auth_ban_event ev[USH_AUTH_BAN_EVENTS];
};

static bool
conf_valid(const struct ush_auth_conf *conf)
{
	size_t realm_len = strnlen(conf->realm, sizeof(conf->realm));
	size_t server_len;

	if (realm_len == 0 || realm_len == sizeof(conf->realm) || conf->n_algos == 0 ||
	    conf->n_algos > USH_ALGO_UNKNOWN || conf->nonce_lifetime == 0)
		return false;
	for (unsigned i = 0; i < conf->n_algos; i++)
		if (conf->algos[i] >= USH_ALGO_UNKNOWN)
			return false;
	if (conf->qop_mask & ~((1u << USH_QOP_AUTH) | (1u << USH_QOP_AUTH_INT)))
		return false;
	/* ages are compared as signed 32-bit distances (nc_table.c) */
	if (conf->retransmission_window > INT32_MAX)
		return false;
	server_len = strnlen(conf->server, sizeof(conf->server));
	if (server_len == sizeof(conf->server) ||
	    (server_len != 0 && !ush_reply_server_ok(conf->server, server_len)))
		return false;
	return strnlen(conf->tag_prefix, sizeof(conf->tag_prefix)) < sizeof(conf->tag_prefix);
}

/* The conf as a worker holds it: an empty tag prefix means the default. */
static void
conf_normalise(struct ush_auth_conf *c)
{
	if (c->tag_prefix[0] == '\0')
		strcpy(c->tag_prefix, "ush-");
}

int
ush_auth_conf_live_ok(const struct ush_auth_conf *old, const struct ush_auth_conf *fresh, char *why,
		      size_t len)
{
	struct ush_auth_conf a, b;

	if (old == NULL || fresh == NULL || !conf_valid(fresh)) {
		if (why != NULL)
			snprintf(why, len, "invalid [auth] configuration");
		return -EINVAL;
	}
	a = *old;
	b = *fresh;
	conf_normalise(&a);
	conf_normalise(&b);
	if (strcmp(a.tag_prefix, b.tag_prefix) != 0 || a.sess_binary_ha1 != b.sess_binary_ha1) {
		if (why != NULL)
			snprintf(why, len, "%s cannot change while running: restart usher",
				 strcmp(a.tag_prefix, b.tag_prefix) != 0 ? "auth.tag_prefix"
									 : "auth.sess_binary_ha1");
		return -EINVAL;
	}
	return 0;
}

/*
 * The replies answer() sends, composed from the conf in force. A valid conf always composes
 * (realm, algorithms and Server are bounded); one that did not would leave head_len 0 and
 * its replies refused as -EINVAL, counted as drops.
 */
static void
tmpl_setup(struct ush_auth_worker *w)
{
	const struct ush_auth_conf *c = &w->conf;
	const char *srv = c->server;
	size_t srv_len = w->server_len;

	ush_reply_tmpl_make(&w->tmpl[TMPL_400], 400, NULL, 0, srv, srv_len);
	ush_reply_tmpl_make(&w->tmpl[TMPL_403], 403, NULL, 0, srv, srv_len);
	ush_reply_tmpl_make(&w->tmpl[TMPL_503], 503, NULL, c->retry_after, srv, srv_len);
	for (unsigned int t = TMPL_401; t <= TMPL_407_STALE; t++) {
		bool proxy = t >= TMPL_407;
		struct ush_reply_challenge ch = {
			.realm = c->realm,
			.realm_len = w->realm_len,
			.algos = c->algos,
			.nonce_len = USH_NONCE_LEN,
			.n_algos = c->n_algos,
			.qop_mask = c->qop_mask,
			.stale = t == TMPL_401_STALE || t == TMPL_407_STALE,
			.proxy = proxy,
		};

		ush_reply_tmpl_make(&w->tmpl[t], proxy ? 407 : 401, &ch, 0, srv, srv_len);
	}
}

/* What a worker derives from its conf and the shared tables. */
static void
conf_take(struct ush_auth_worker *w, const struct ush_auth_conf *conf)
{
	w->conf = *conf;
	conf_normalise(&w->conf);
	w->realm_len = strlen(w->conf.realm);
	w->tag_prefix_len = strlen(w->conf.tag_prefix);
	w->server_len = strlen(w->conf.server);
	w->bans = w->sh->bans;
	w->rates = w->sh->rates;
	tmpl_setup(w);
}

int
ush_auth_worker_reconf(struct ush_auth_worker *w, const struct ush_auth_conf *conf)
{
	if (ush_auth_conf_live_ok(&w->conf, conf, NULL, 0) < 0)
		return -EINVAL;
	conf_take(w, conf);
	return 0;
}

const struct ush_auth_conf *
ush_auth_conf_publish(struct ush_auth_shared *sh, const struct ush_auth_conf *conf)
{
	const struct ush_auth_conf *old;

	/*
	 * The conf (and any table set before this call) is ordered before the generation by the
	 * release below; a worker that reads the new generation fences (acquire) before it
	 * loads the pointer, so it copies a finished conf.
	 */
	old = atomic_exchange_explicit(&sh->conf, conf, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->conf_gen, 1, memory_order_release);
	return old;
}

const struct ush_nonce_keys *
ush_auth_keys_publish(struct ush_auth_shared *sh, const struct ush_nonce_keys *keys)
{
	/* release: a worker that loads the pointer sees the precomputed keys */
	return atomic_exchange_explicit(&sh->rotated, keys, memory_order_release);
}

const struct ush_nonce_keys *
ush_auth_keys_current(struct ush_auth_shared *sh)
{
	const struct ush_nonce_keys *k = atomic_load_explicit(&sh->rotated, memory_order_acquire);

	return k != NULL ? k : &sh->keys;
}

unsigned int
ush_auth_ban_events_take(struct ush_auth_worker *w, struct ush_auth_ban_event *out,
			 unsigned int max, uint64_t *lost)
{
	uint32_t head = atomic_load_explicit(&w->ev_head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&w->ev_tail, memory_order_relaxed);
	unsigned int n = 0;

	for (; tail != head && n < max; tail++)
		out[n++] = w->ev[tail % USH_AUTH_BAN_EVENTS];
	/* release: the worker may reuse the slots only after they were copied */
	atomic_store_explicit(&w->ev_tail, tail, memory_order_release);
	if (lost != NULL)
		*lost += atomic_exchange_explicit(&w->ev_lost, 0, memory_order_relaxed);
	return n;
}

/* A ban started (rare): record who, for the control thread's ban listing. */
static void
ban_event(struct ush_auth_worker *w, const struct ush_auth_pkt *p, unsigned int i,
	  enum ush_auth_ban_kind kind, uint64_t key, uint32_t now)
{
	uint32_t head = atomic_load_explicit(&w->ev_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&w->ev_tail, memory_order_acquire);
	struct ush_auth_ban_event *e;

	if (head - tail >= USH_AUTH_BAN_EVENTS) {
		atomic_fetch_add_explicit(&w->ev_lost, 1, memory_order_relaxed);
		return;
	}
	e = &w->ev[head % USH_AUTH_BAN_EVENTS];
	e->time = now;
	e->key = key;
	e->src.af = p->src.af;
	memcpy(e->src.addr, p->src.addr, sizeof(e->src.addr));
	e->kind = (uint8_t)kind;
	e->user_len = 0;
	if (kind == USH_AUTH_BAN_USER) {
		e->user_len = (uint8_t)w->text[i].user_len;
		memcpy(e->user, w->text[i].user, e->user_len);
	}
	atomic_store_explicit(&w->ev_head, head + 1, memory_order_release);
}

struct ush_auth_worker *
ush_auth_worker_create(const struct ush_auth_conf *conf, struct ush_auth_shared *shared,
		       unsigned int worker_id, unsigned int n_workers,
		       const struct ush_digest_conf *dconf)
{
	struct ush_auth_worker *w;
	struct ush_digest_conf dc = {0};

	if (conf == NULL || shared == NULL || shared->nc == NULL || n_workers == 0 ||
	    worker_id >= n_workers || !conf_valid(conf)) {
		errno = EINVAL;
		return NULL;
	}
	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->sh = shared;
	conf_take(w, conf);
	/* a conf published before this worker existed is taken at its first burst */
	if (dconf != NULL)
		dc = *dconf;
	if (conf->sess_binary_ha1)
		dc.flags |= USH_DIGEST_F_SESS_BINARY_HA1;
	/*
	 * Nonce MACs are one-block HMACs, where ipsec-mb's SSE manager (SHA-NI where the CPU has
	 * it) beat the 16-lane AVX-512 kernel by 5-15% per request in bench-auth
	 * (docs/benchmarks.md); digest batches keep the manager chosen for them. A manager
	 * forced in the configuration applies to both.
	 */
	struct ush_digest_conf hc = dc;

	if (hc.imb == USH_DIGEST_IMB_DEFAULT)
		hc.imb = USH_DIGEST_IMB_SSE;
	w->dctx = ush_digest_ctx_create(&dc);
	w->hctx = w->dctx != NULL ? ush_digest_ctx_create(&hc) : NULL;
	if (w->hctx == NULL) {
		int e = errno;

		ush_digest_ctx_free(w->dctx);
		free(w);
		errno = e;
		return NULL;
	}
	/*
	 * Each worker owns the indexes congruent to its id; starting from the boot time keeps
	 * a restarted node from reusing the indexes of the nonces it gave out just before.
	 */
	w->stride = n_workers;
	w->next_index = shared->boot_time * n_workers + worker_id;
	return w;
}

void
ush_auth_worker_free(struct ush_auth_worker *w)
{
	if (w == NULL)
		return;
	ush_digest_ctx_free(w->dctx);
	ush_digest_ctx_free(w->hctx);
	/* The scratch held credentials and replies: wipe before giving the memory back. */
	memset(w, 0, sizeof(*w));
	free(w);
}

static inline bool
span_eq(const char *buf, struct ush_sip_span s, const char *str, size_t len)
{
	return s.len == len && memcmp(buf + s.off, str, len) == 0;
}

/* Copy a credentials field, unescaping quoted-pairs when the parser saw any. */
static int
field_text(const char *buf, const struct ush_sip_cred *c, struct ush_sip_span s, uint16_t bit,
	   char *out, size_t cap)
{
	if (c->escaped & bit)
		return ush_sip_unescape(buf, s, out, cap);
	if (s.len > cap)
		return -ENOSPC;
	memcpy(out, buf + s.off, s.len);
	return s.len;
}

static bool
algo_offered(const struct ush_auth_conf *conf, uint8_t algo)
{
	for (unsigned i = 0; i < conf->n_algos; i++)
		if (conf->algos[i] == algo)
			return true;
	return false;
}

static bool
qop_acceptable(const struct ush_auth_conf *conf, uint8_t qop)
{
	if (qop == USH_QOP_NONE)
		return conf->qop_mask == 0 || conf->accept_no_qop;
	if (qop == USH_QOP_UNKNOWN)
		return false;
	return (conf->qop_mask & (1u << qop)) != 0;
}

static inline struct ush_guard_src
guard_src(const struct ush_auth_pkt *p)
{
	struct ush_guard_src gs;

	gs.af = p->src.af;
	memcpy(gs.addr, p->src.addr, sizeof(gs.addr));
	return gs;
}

/* Refuse a request: a 403/503 reply or a silent drop, per policy; never a reply to an ACK. */
static void
deny(struct ush_auth_worker *w, unsigned int i, struct ush_auth_pkt *p, enum ush_ctr ctr,
     uint16_t code, uint8_t action)
{
	p->ctr = ctr;
	if (action == USH_AUTH_DENY_DROP || w->msg[i].method == USH_SIP_METHOD_ACK) {
		w->state[i] = LANE_DONE;
		p->action = USH_AUTH_DROP;
		return;
	}
	w->state[i] = LANE_DENY;
	w->code[i] = code;
}

/* Block list, bans and rate limit of the request's source. True when it was refused. */
static bool
deny_source(struct ush_auth_worker *w, unsigned int i, struct ush_auth_pkt *p, uint32_t now)
{
	const struct ush_auth_conf *c = &w->conf;
	struct ush_guard_src gs = guard_src(p);

	if (p->flags & USH_AUTH_PKT_BLOCK) {
		deny(w, i, p, USH_CTR_DENY_BLOCKED, 403, c->deny_action);
		return true;
	}
	if (w->bans != NULL && c->ban_src.threshold != 0) {
		w->src_key[i] = ush_guard_key(w->bans, &gs, NULL, 0);
		if (ush_guard_banned(w->bans, &c->ban_src, w->src_key[i], now)) {
			deny(w, i, p, USH_CTR_DENY_BANNED, 403, c->deny_action);
			return true;
		}
	}
	if (w->rates != NULL && c->rate.rate != 0 &&
	    !ush_guard_take(w->rates, &c->rate, ush_guard_key(w->rates, &gs, NULL, 0), now)) {
		deny(w, i, p, USH_CTR_DENY_RATE, 503, c->rate_action);
		return true;
	}
	return false;
}

/*
 * Pick the credentials for our realm among the request's Authorization and
 * Proxy-Authorization headers (the first that parses and names our realm) and check what can
 * be checked without crypto. Sets the lane's state and counter.
 */
static void
classify_credentials(struct ush_auth_worker *w, unsigned int i, struct ush_auth_pkt *p,
		     uint32_t now)
{
	const char *buf = p->sip;
	const struct ush_sip_msg *m = &w->msg[i];
	struct ush_sip_cred *c = &w->cred[i];
	struct lane_text *t = &w->text[i];
	bool malformed = false;
	int found = -1;
	int len;

	for (unsigned k = 0; k < m->auth_count && found < 0; k++) {
		char realm[USH_CRED_REALM_MAX];

		if (ush_sip_cred_parse(buf, m->auth[k].value, c) != USH_SIP_EOK) {
			malformed = true;
			continue;
		}
		len = field_text(buf, c, c->realm, USH_SIP_CRED_F_REALM, realm, sizeof(realm));
		if (len == (int)w->realm_len && memcmp(realm, w->conf.realm, w->realm_len) == 0)
			found = (int)k;
	}
	w->state[i] = LANE_CHALLENGE;
	if (found < 0) {
		p->ctr = malformed ? USH_CTR_CHALLENGE_CRED_MALFORMED : USH_CTR_CHALLENGE_NO_CREDS;
		return;
	}
	if (c->algo == USH_ALGO_UNKNOWN || !algo_offered(&w->conf, c->algo)) {
		p->ctr = USH_CTR_CHALLENGE_ALGORITHM;
		return;
	}
	if (!qop_acceptable(&w->conf, c->qop_id)) {
		p->ctr = USH_CTR_CHALLENGE_QOP;
		return;
	}
	len = field_text(buf, c, c->uri, USH_SIP_CRED_F_URI, t->uri, sizeof(t->uri));
	if (len < 0 || !span_eq(buf, m->ruri.raw, t->uri, (size_t)len)) {
		p->ctr = USH_CTR_CHALLENGE_URI_MISMATCH;
		return;
	}
	t->uri_len = (uint16_t)len;
	len = field_text(buf, c, c->username, USH_SIP_CRED_F_USERNAME, t->user, sizeof(t->user));
	if (len <= 0) {
		p->ctr = USH_CTR_CHALLENGE_CRED_MALFORMED;
		return;
	}
	t->user_len = (uint16_t)len;
	if (w->bans != NULL && w->conf.ban_user.threshold != 0) {
		struct ush_guard_src gs = guard_src(p);

		w->user_key[i] = ush_guard_key(w->bans, &gs, t->user, t->user_len);
		if (ush_guard_banned(w->bans, &w->conf.ban_user, w->user_key[i], now)) {
			deny(w, i, p, USH_CTR_DENY_BANNED, 403, w->conf.deny_action);
			return;
		}
	}
	len = field_text(buf, c, c->nonce, USH_SIP_CRED_F_NONCE, t->nonce, sizeof(t->nonce));
	if (len < 0) {
		p->ctr = USH_CTR_CHALLENGE_NONCE_INVALID;
		return;
	}
	t->nonce_len = (uint16_t)len;
	w->state[i] = LANE_VERIFY;
}

/*
 * A reply copies Via, From, To, Call-ID and CSeq verbatim (RFC 3261 §8.2.6): when one of them
 * is what failed to parse, a 400 would repeat the damage (and could not be read back), so
 * such a request is dropped instead.
 */
static bool
breaks_copied_header(enum ush_sip_err err)
{
	switch (err) {
	case USH_SIP_EBAD_VIA:
	case USH_SIP_ETOO_MANY_VIA:
	case USH_SIP_EBAD_FROM:
	case USH_SIP_EBAD_TO:
	case USH_SIP_EBAD_CALL_ID:
	case USH_SIP_EBAD_CSEQ:
		return true;
	default:
		return false;
	}
}

/*
 * STIR/SHAKEN: a request the pipeline is about to forward. Only an initial INVITE is looked
 * at; with Identity it is punted (the pre-check passed) or decided now (it failed), without
 * one it passes, or gets 428 when [identity] require.
 */
static void
ident_gate(struct ush_auth_worker *w, unsigned int i, struct ush_auth_pkt *p)
{
	const struct ush_ident_conf *ic = &w->conf.ident;
	const struct ush_sip_msg *m = &w->msg[i];
	struct ush_sip_span pai = {0, 0};
	enum ush_ident_pre pre;

	if (!ic->enabled || m->method != USH_SIP_METHOD_INVITE ||
	    ush_sip_span_present(m->to.tag))
		return;
	if (!ush_sip_span_present(m->identity)) {
		/* 428 when required; else only a verstat someone else put there is our business */
		if (ic->require || ush_ident_has_verstat(p->sip, m)) {
			p->action = USH_AUTH_IDENT;
			p->idv = USH_CTL_IDV_MISSING;
			p->id_reason = "missing";
		}
		return;
	}
	pre = ush_ident_precheck(p->sip + m->identity.off, m->identity.len);
	if (ush_sip_span_present(m->pai))
		pai = ush_ident_first_value(p->sip, m->pai);
	if (pre == USH_IDENT_PRE_OK &&
	    (m->from.raw.len > USH_CTL_PUNT_ADDR_MAX || m->to.raw.len > USH_CTL_PUNT_ADDR_MAX ||
	     pai.len > USH_CTL_PUNT_ADDR_MAX || m->from.raw.len == 0 || m->to.raw.len == 0))
		pre = USH_IDENT_PRE_SIZE;
	if (pre != USH_IDENT_PRE_OK) {
		p->action = USH_AUTH_IDENT;
		p->idv = ush_ident_pre_verdict(pre);
		p->id_reason = ush_ident_pre_reason(pre);
		p->event = USH_CTR_ID_PRECHECK;
		return;
	}
	p->action = USH_AUTH_PUNT;
	p->id_off[USH_AUTH_PUNT_IDENTITY] = m->identity.off;
	p->id_len[USH_AUTH_PUNT_IDENTITY] = m->identity.len;
	p->id_off[USH_AUTH_PUNT_FROM] = m->from.raw.off;
	p->id_len[USH_AUTH_PUNT_FROM] = m->from.raw.len;
	p->id_off[USH_AUTH_PUNT_PAI] = pai.off;
	p->id_len[USH_AUTH_PUNT_PAI] = pai.len;
	p->id_off[USH_AUTH_PUNT_TO] = m->to.raw.off;
	p->id_len[USH_AUTH_PUNT_TO] = m->to.raw.len;
}

/* Phase 1: parse and decide everything that needs no crypto. */
static void
classify(struct ush_auth_worker *w, struct ush_auth_pkt *pkts, unsigned int n, uint32_t now)
{
	for (unsigned i = 0; i < n; i++) {
		struct ush_auth_pkt *p = &pkts[i];
		struct ush_sip_msg *m = &w->msg[i];
		enum ush_sip_err err = ush_sip_parse(p->sip, p->sip_len, m);

		p->action = USH_AUTH_DROP;
		p->event = USH_CTR_COUNT;
		w->src_key[i] = 0;
		w->user_key[i] = 0;
		p->reply = NULL;
		p->reply_len = 0;
		p->reply_port = 0;
		w->state[i] = LANE_DONE;
		w->stale[i] = false;

		if (unlikely(err != USH_SIP_EOK)) {
			/* Never answer an ACK (RFC 3261 §17.1.1.3) or a response, nor a request
			 * whose broken header the 400 would have to copy. */
			if (m->is_request && m->method != USH_SIP_METHOD_ACK &&
			    !breaks_copied_header(err)) {
				w->state[i] = LANE_REPLY_400;
				p->ctr = USH_CTR_REPLY_400;
			} else {
				p->ctr = USH_CTR_DROP_SIP_MALFORMED;
			}
			continue;
		}
		if (!m->is_request) {
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_RESPONSE;
			continue;
		}
		/* The ACK of our own 401/407/403 carries our To-tag: it ends there. */
		if (m->method == USH_SIP_METHOD_ACK && m->to.tag.len >= w->tag_prefix_len &&
		    memcmp(p->sip + m->to.tag.off, w->conf.tag_prefix, w->tag_prefix_len) == 0) {
			p->ctr = USH_CTR_ABSORB_ACK;
			continue;
		}
		if (p->flags & USH_AUTH_PKT_ALLOW) {
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_ALLOWED;
			ident_gate(w, i, p);
			continue;
		}
		if (deny_source(w, i, p, now))
			continue;
		switch (m->method) {
		case USH_SIP_METHOD_ACK:
		case USH_SIP_METHOD_CANCEL:
		case USH_SIP_METHOD_PRACK:
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_EXEMPT;
			continue;
		default:
			break;
		}
		if (ush_sip_span_present(m->to.tag) &&
		    w->conf.in_dialog == USH_AUTH_IN_DIALOG_FORWARD) {
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_IN_DIALOG;
			continue;
		}
		classify_credentials(w, i, p, now);
		/* Under overload, new challenges go first: they are cheap to repeat for an
		 * honest client and they are what a REGISTER flood consists of. */
		if (unlikely(p->flags & USH_AUTH_PKT_SHED) && w->state[i] == LANE_CHALLENGE &&
		    p->ctr == USH_CTR_CHALLENGE_NO_CREDS) {
			w->state[i] = LANE_DONE;
			p->ctr = USH_CTR_SHED_CHALLENGE;
		}
	}
}

/* A wrong password (or unknown user) counts against the source and the source + username. */
static void
count_failure(struct ush_auth_worker *w, unsigned int i, struct ush_auth_pkt *p, uint32_t now)
{
	struct ush_guard_table *bans = w->bans;

	if (bans == NULL)
		return;
	if (w->src_key[i] != 0 && ush_guard_fail(bans, &w->conf.ban_src, w->src_key[i], now)) {
		p->event = USH_CTR_BAN_STARTED;
		ban_event(w, p, i, USH_AUTH_BAN_SOURCE, w->src_key[i], now);
	}
	if (w->user_key[i] != 0 && ush_guard_fail(bans, &w->conf.ban_user, w->user_key[i], now)) {
		p->event = USH_CTR_BAN_STARTED;
		ban_event(w, p, i, USH_AUTH_BAN_USER, w->user_key[i], now);
	}
}

/*
 * What tells a UDP retransmission from a replay (ush_nc_accept_msg()): every byte of the
 * request and the address and port it came from. A client resends the same bytes from the
 * same socket; a copy with anything changed is another request. Computed as one burst for
 * the lanes whose digest verified on a live nonce (the only ones that reach the nc table).
 */
static void
rtx_fingerprints(const struct ush_auth_worker *w, const struct ush_auth_pkt *pkts,
		 const uint8_t *lane_of, const enum ush_digest_verdict *verdict, unsigned int nl,
		 uint32_t *fp)
{
	uint8_t peer[USH_AUTH_BURST_MAX][1 + 16 + 2];
	struct ush_nc_fp_in in[USH_AUTH_BURST_MAX];
	uint8_t lane[USH_AUTH_BURST_MAX];
	uint32_t out[USH_AUTH_BURST_MAX];
	unsigned int n = 0;

	for (unsigned int k = 0; k < nl; k++) {
		const struct ush_auth_pkt *p = &pkts[lane_of[k]];
		size_t alen = p->src.af == AF_INET6 ? 16 : 4;

		fp[k] = 0;
		if (verdict[k] != USH_DIGEST_OK || w->stale[lane_of[k]])
			continue;
		peer[n][0] = p->src.af;
		memcpy(&peer[n][1], p->src.addr, alen);
		peer[n][1 + alen] = (uint8_t)(p->src.port >> 8);
		peer[n][2 + alen] = (uint8_t)p->src.port;
		in[n] = (struct ush_nc_fp_in){p->sip, p->sip_len, peer[n], (uint8_t)(alen + 3)};
		lane[n++] = (uint8_t)k;
	}
	ush_nc_fingerprint_burst(w->sh->nc, in, n, out);
	for (unsigned int j = 0; j < n; j++)
		fp[lane[j]] = out[j];
}

/* Phases 2-4: nonce MACs, credential lookups, digests and nonce-counts for the VERIFY lanes. */
static void
verify(struct ush_auth_worker *w, const struct ush_nonce_keys *keys, struct ush_auth_pkt *pkts,
       unsigned int n, uint32_t now)
{
	const char *nonce_ptr[USH_AUTH_BURST_MAX];
	uint16_t nonce_len[USH_AUTH_BURST_MAX];
	enum ush_nonce_status nst[USH_AUTH_BURST_MAX];
	struct ush_digest_lane lanes[USH_AUTH_BURST_MAX];
	enum ush_digest_verdict verdict[USH_AUTH_BURST_MAX];
	uint8_t lane_of[USH_AUTH_BURST_MAX];
	uint32_t fp[USH_AUTH_BURST_MAX];
	uint32_t rtx_window = w->conf.retransmission_window;
	const struct ush_credtab *creds;
	unsigned nv = 0, nl = 0;

	for (unsigned i = 0; i < n; i++) {
		if (w->state[i] != LANE_VERIFY)
			continue;
		lane_of[nv] = (uint8_t)i;
		nonce_ptr[nv] = w->text[i].nonce;
		nonce_len[nv] = w->text[i].nonce_len;
		nv++;
	}
	if (nv == 0)
		return;
	if (ush_nonce_check_burst(w->hctx, keys, now, w->conf.nonce_lifetime, nonce_ptr,
				  nonce_len, nv, w->ninfo, nst) < 0) {
		for (unsigned k = 0; k < nv; k++)
			nst[k] = USH_NONCE_INVALID;
	}

	/* The table pointer is read once per burst: the RCU grace period covers the burst. */
	creds = atomic_load_explicit(&w->sh->creds, memory_order_acquire);
	for (unsigned k = 0; k < nv; k++) {
		unsigned i = lane_of[k];
		struct ush_auth_pkt *p = &pkts[i];
		const struct ush_sip_cred *c = &w->cred[i];
		const struct ush_sip_msg *m = &w->msg[i];
		const struct lane_text *t = &w->text[i];
		struct ush_digest_lane *l = &lanes[nl];

		if (nst[k] == USH_NONCE_INVALID) {
			w->state[i] = LANE_CHALLENGE;
			p->ctr = USH_CTR_CHALLENGE_NONCE_INVALID;
			continue;
		}
		if (w->ninfo[k].algo != USH_ALGO_UNKNOWN && w->ninfo[k].algo != c->algo) {
			w->state[i] = LANE_CHALLENGE;
			p->ctr = USH_CTR_CHALLENGE_ALGORITHM;
			continue;
		}
		/* Expired, or made before this node started: stale if the digest is right. */
		w->stale[i] = nst[k] == USH_NONCE_EXPIRED ||
			      w->ninfo[k].timestamp < w->sh->boot_time;
		/* Unknown users get a NULL HA1: same work, always a mismatch. */
		l->ha1 = creds == NULL ? NULL
				       : ush_credtab_lookup(creds, t->user, t->user_len,
							    w->conf.realm, w->realm_len,
							    ush_algo_hash(c->algo));
		l->method = p->sip + m->method_str.off;
		l->method_len = m->method_str.len;
		l->uri = t->uri;
		l->uri_len = t->uri_len;
		l->nonce = t->nonce;
		l->nonce_len = t->nonce_len;
		l->nc = p->sip + c->nc.off;
		l->nc_len = c->nc.len;
		l->cnonce = p->sip + c->cnonce.off;
		l->cnonce_len = c->cnonce.len;
		l->response = p->sip + c->response.off;
		l->response_len = c->response.len;
		l->body = (const uint8_t *)p->sip + m->body.off;
		l->body_len = m->body.len;
		l->algo = c->algo;
		l->qop = c->qop_id;
		lane_of[nl] = (uint8_t)i; /* k >= nl: the entry for k was already consumed */
		w->ninfo[nl] = w->ninfo[k];
		nl++;
	}
	if (nl == 0)
		return;
	if (ush_digest_verify_burst(w->dctx, lanes, nl, verdict) < 0) {
		for (unsigned k = 0; k < nl; k++)
			verdict[k] = USH_DIGEST_MISMATCH;
	}
	if (rtx_window != 0)
		rtx_fingerprints(w, pkts, lane_of, verdict, nl, fp);
	for (unsigned k = 0; k < nl; k++) {
		unsigned i = lane_of[k];
		struct ush_auth_pkt *p = &pkts[i];
		const struct ush_sip_cred *c = &w->cred[i];

		w->state[i] = LANE_CHALLENGE;
		if (verdict[k] != USH_DIGEST_OK) {
			/* stale=true only tells a client with the right password to retry */
			w->stale[i] = false;
			p->ctr = USH_CTR_CHALLENGE_BAD_RESPONSE;
			count_failure(w, i, p, now);
			continue;
		}
		if (w->stale[i]) {
			p->ctr = USH_CTR_CHALLENGE_STALE;
			continue;
		}
		/* Without qop there is no nc: such a nonce is good for one request (and for its
		 * exact retransmissions, like any request). */
		switch (ush_nc_accept_msg(w->sh->nc, w->ninfo[k].index,
					  c->qop_id == USH_QOP_NONE ? 1 : c->nc_value,
					  rtx_window != 0 ? fp[k] : 0, now,
					  rtx_window)) {
		case USH_NC_OK:
			w->state[i] = LANE_DONE;
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_AUTH_OK;
			ident_gate(w, i, p);
			break;
		case USH_NC_RETRANSMISSION:
			/* the PBX's transaction absorbs it; an INVITE takes the Identity path
			 * again, so the copy reaches the PBX marked like the first */
			w->state[i] = LANE_DONE;
			p->action = USH_AUTH_FORWARD;
			p->ctr = USH_CTR_FWD_RETRANSMISSION;
			ident_gate(w, i, p);
			break;
		case USH_NC_EVICTED:
			w->stale[i] = true;
			p->ctr = USH_CTR_CHALLENGE_STALE;
			break;
		default:
			/* A qop-less nonce used twice is a stale nonce to an honest client. */
			if (c->qop_id == USH_QOP_NONE) {
				w->stale[i] = true;
				p->ctr = USH_CTR_CHALLENGE_STALE;
			} else {
				p->ctr = USH_CTR_CHALLENGE_NC_REPLAY;
			}
			break;
		}
	}
}

static size_t
hex32(char *out, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--) {
		out[i] = hex[v & 0xf];
		v >>= 4;
	}
	return 8;
}

/* Phase 5: one nonce batch for every challenge of the burst, then the reply texts. */
static void
answer(struct ush_auth_worker *w, const struct ush_nonce_keys *keys, struct ush_auth_pkt *pkts,
       unsigned int n, uint32_t now)
{
	uint32_t index[USH_AUTH_BURST_MAX];
	uint8_t algo[USH_AUTH_BURST_MAX];
	uint32_t lane_index[USH_AUTH_BURST_MAX];
	unsigned na = w->conf.n_algos, nn = 0;
	size_t used = 0;
	bool nonces_ok = true;

	for (unsigned i = 0; i < n; i++) {
		if (w->state[i] == LANE_DONE)
			continue;
		lane_index[i] = w->next_index;
		w->next_index += w->stride;
		if (w->state[i] != LANE_CHALLENGE)
			continue;
		/*
		 * One nonce for all the algorithms a challenge offers (as Kamailio and Asterisk
		 * do): the client answers one of them, and a nonce per algorithm would cost an
		 * HMAC per offered algorithm on the busiest path.
		 */
		index[nn] = lane_index[i];
		algo[nn] = USH_ALGO_UNKNOWN;
		nn++;
	}
	if (nn > 0 && ush_nonce_make_burst(w->hctx, keys, now, index, algo, nn,
					   w->nonces) < 0)
		nonces_ok = false;

	nn = 0;
	for (unsigned i = 0; i < n; i++) {
		struct ush_auth_pkt *p = &pkts[i];
		const struct ush_sip_msg *m = &w->msg[i];
		const char *nonce_ptrs[USH_REPLY_CHALLENGES_MAX];
		char *out = w->reply + used;
		char tag[TAG_MAX];
		size_t tag_len;
		unsigned int t;
		int len;

		if (w->state[i] == LANE_DONE)
			continue;
		/* the whole prefix array (fixed size, NUL-padded): one move, not a libc call */
		memcpy(tag, w->conf.tag_prefix, sizeof(w->conf.tag_prefix));
		tag_len = w->tag_prefix_len + hex32(tag + w->tag_prefix_len, lane_index[i]);

		/* every lane before this one used at most USH_REPLY_MAX: this one has as much */
		if (w->state[i] == LANE_REPLY_400) {
			len = ush_reply_build_tmpl(out, USH_REPLY_MAX, p->sip, m,
						   &w->tmpl[TMPL_400], tag, tag_len, &p->src, NULL);
		} else if (w->state[i] == LANE_DENY && w->code[i] != 403 && w->code[i] != 503) {
			/* no template for it (deny() gives 403 or 503 today) */
			len = ush_reply_build(out, USH_REPLY_MAX, p->sip, m, w->code[i], tag,
					      tag_len, &p->src, NULL, 0, w->conf.server,
					      w->server_len);
		} else if (w->state[i] == LANE_DENY) {
			t = w->code[i] == 503 ? TMPL_503 : TMPL_403;
			len = ush_reply_build_tmpl(out, USH_REPLY_MAX, p->sip, m, &w->tmpl[t], tag,
						   tag_len, &p->src, NULL);
		} else if (!nonces_ok) {
			len = -EIO;
		} else {
			for (unsigned a = 0; a < na; a++)
				nonce_ptrs[a] = w->nonces[nn];
			nn++;
			switch (w->conf.challenge_code) {
			case USH_AUTH_CODE_401:
				t = TMPL_401;
				break;
			case USH_AUTH_CODE_407:
				t = TMPL_407;
				break;
			default:
				t = m->method == USH_SIP_METHOD_REGISTER ? TMPL_401 : TMPL_407;
				break;
			}
			/* each stale template right after its fresh one */
			t += w->stale[i];
			len = ush_reply_build_tmpl(out, USH_REPLY_MAX, p->sip, m, &w->tmpl[t], tag,
						   tag_len, &p->src, nonce_ptrs);
		}
		if (len < 0) {
			/* Nothing a reply could be addressed with: count it as a drop. */
			p->action = USH_AUTH_DROP;
			p->ctr = USH_CTR_DROP_SIP_MALFORMED;
			continue;
		}
		p->action = USH_AUTH_REPLY;
		p->reply = out;
		p->reply_len = (uint16_t)len;
		p->reply_port = ush_reply_dest_port(p->sip, m, p->src.port);
		used += ((size_t)len + 63) & ~(size_t)63;
	}
}

unsigned int
ush_auth_process_burst(struct ush_auth_worker *w, struct ush_auth_pkt *pkts, unsigned int n,
		       uint32_t now)
{
	const struct ush_nonce_keys *keys;
	uint32_t gen;

	if (n > USH_AUTH_BURST_MAX)
		n = USH_AUTH_BURST_MAX;
	/* the fast path's whole cost of live configuration: one relaxed load */
	gen = atomic_load_explicit(&w->sh->conf_gen, memory_order_relaxed);
	if (unlikely(gen != w->conf_gen)) {
		/* pairs with the release of ush_auth_conf_publish() */
		atomic_thread_fence(memory_order_acquire);
		ush_auth_worker_reconf(w, atomic_load_explicit(&w->sh->conf,
							       memory_order_relaxed));
		w->conf_gen = gen;
	}
	/* once per burst, like the credential table: the grace period covers the burst */
	keys = ush_auth_keys_current(w->sh);
	classify(w, pkts, n, now);
	verify(w, keys, pkts, n, now);
	answer(w, keys, pkts, n, now);
	return n;
}

const struct ush_ident_conf *
ush_auth_ident_conf(const struct ush_auth_worker *w)
{
	return &w->conf.ident;
}

void
ush_auth_ident_apply(struct ush_auth_worker *w, const char *sip, uint16_t len,
		     const struct ush_reply_source *src, uint8_t idv, const char *reason,
		     char *out, size_t cap, struct ush_auth_ident_res *res)
{
	struct ush_sip_msg *m = &w->msg[0]; /* between bursts: the scratch is free */
	struct ush_ident_outcome o;
	char tag[TAG_MAX];
	size_t tag_len;

	*res = (struct ush_auth_ident_res){0};
	ush_ident_decide(&w->conf.ident, idv, &o);
	res->ctr = o.ctr;
	if (ush_sip_parse(sip, len, m) != USH_SIP_EOK) {
		/* the pipeline parsed these bytes before: only a caller's mistake gets here */
		res->len = -EINVAL;
		return;
	}
	if (!o.reply) {
		bool failed = o.verstat == USH_IDENT_VS_FAILED;

		res->len = ush_ident_mark(sip, len, m, (enum ush_ident_verstat)o.verstat, o.code,
					  failed && w->conf.ident.reason_header
						  ? (reason != NULL ? reason : "")
						  : NULL,
					  out, cap, &res->stripped);
		if (res->len >= 0)
			return;
		/* a P-Asserted-Identity or From that cannot carry a parameter: not forwarded
		 * as if it had been checked */
		o.reply = true;
		o.code = 500;
		res->ctr = USH_CTR_ID_REJECT_UNAVAILABLE;
	}
	memcpy(tag, w->conf.tag_prefix, w->tag_prefix_len);
	tag_len = w->tag_prefix_len + hex32(tag + w->tag_prefix_len, w->next_index);
	w->next_index += w->stride;
	res->reply = true;
	res->len = ush_reply_build(out, cap, sip, m, o.code, tag, tag_len, src, NULL,
				   o.code == 503 ? w->conf.retry_after : 0, w->conf.server,
				   w->server_len);
	res->reply_port = ush_reply_dest_port(sip, m, src->port);
}
