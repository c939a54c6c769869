/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain --config: the workers' decision pipeline run offline, one packet at a time. */

#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "explain_priv.h"

/* Tables are cache-line aligned in usher (rte_zmalloc); ush_nc_table_init() insists on 64. */
#define TABLE_ALIGN 64

struct ush_explain_engine {
	struct ush_auth_shared shared;
	struct ush_auth_worker *w;
	void *nc_mem;
	void *bans_mem;
	void *rates_mem;
	uint64_t sip_port_map[65536 / 64];
	bool passthrough_drop;
	struct ush_explain_prefix *prefixes;
	unsigned int n_prefixes;
	uint64_t ctr[USH_CTR_COUNT + 1]; /* a spare slot for "no event", as in the workers */
	uint64_t actions[USH_AUTH_DROP + 1];
};

static const char *const action_names[] = {
	[USH_AUTH_FORWARD] = "forward",
	[USH_AUTH_REPLY] = "reply",
	[USH_AUTH_DROP] = "drop",
	[USH_AUTH_PUNT] = "punt",         /* held for usherd's STIR/SHAKEN verdict */
	[USH_AUTH_IDENT] = "identity",    /* an Identity verdict without usherd (428, pre-check) */
};

const char *
ush_explain_action_name(unsigned int action)
{
	return action <= USH_AUTH_IDENT ? action_names[action] : "?";
}

void
ush_explain_setup_free(struct ush_explain_setup *s)
{
	ush_credtab_free(s->creds);
	s->creds = NULL;
	free(s->prefixes);
	s->prefixes = NULL;
	s->n_prefixes = 0;
	explicit_bzero(s->secret, sizeof(s->secret));
	s->secret_len = 0;
}

/* Zeroed, aligned memory for a table of size bytes (0: a bad order, already refused). */
static void *
table_alloc(size_t size)
{
	void *m;

	if (size == 0)
		return NULL;
	size = (size + TABLE_ALIGN - 1) & ~(size_t)(TABLE_ALIGN - 1);
	m = aligned_alloc(TABLE_ALIGN, size);
	if (m != NULL)
		memset(m, 0, size);
	return m;
}

/* The nonce keys as usher makes them: the file's secret (or a random one) as key id 1. */
static int
engine_keys(struct ush_explain_engine *e, const struct ush_explain_setup *s,
	    const struct ush_digest_conf *dconf)
{
	uint8_t rnd[32];
	const uint8_t *secret = s->secret;
	size_t len = s->secret_len;
	struct ush_digest_ctx *ctx;
	int rc;

	if (len == 0) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		secret = rnd;
		len = sizeof(rnd);
	}
	ctx = ush_digest_ctx_create(dconf);
	if (ctx == NULL) {
		rc = errno != 0 ? -errno : -ENOMEM;
		goto out_wipe;
	}
	rc = ush_nonce_keys_init(ctx, &e->shared.keys, 1, secret, len, 0, NULL, 0);
	ush_digest_ctx_free(ctx);
out_wipe:
	explicit_bzero(rnd, sizeof(rnd));
	return rc;
}

static int
engine_guard(struct ush_explain_engine *e, const struct ush_explain_setup *s)
{
	const struct ush_auth_conf *a = &s->auth;
	size_t size = ush_guard_table_size(s->guard_table_order);
	uint64_t seed[2];

	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -EIO;
	if (a->ban_src.threshold != 0 || a->ban_user.threshold != 0) {
		e->bans_mem = table_alloc(size);
		if (e->bans_mem == NULL)
			return -ENOMEM;
		e->shared.bans = ush_guard_table_init(e->bans_mem, s->guard_table_order, seed[0]);
	}
	if (a->rate.rate != 0) {
		e->rates_mem = table_alloc(size);
		if (e->rates_mem == NULL)
			return -ENOMEM;
		e->shared.rates = ush_guard_table_init(e->rates_mem, s->guard_table_order, seed[1]);
	}
	explicit_bzero(seed, sizeof(seed));
	if ((e->bans_mem != NULL && e->shared.bans == NULL) ||
	    (e->rates_mem != NULL && e->shared.rates == NULL))
		return -EINVAL;
	return 0;
}

struct ush_explain_engine *
ush_explain_engine_create(struct ush_explain_setup *s)
{
	struct ush_digest_conf dconf = {0};
	struct ush_explain_engine *e;
	struct ush_credtab *creds;
	uint64_t nc_seed;
	int rc;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	if (s->auth.sess_binary_ha1)
		dconf.flags |= USH_DIGEST_F_SESS_BINARY_HA1;
	/* Nonces made before boot_time are answered stale: offline, every capture is "after". */
	e->shared.boot_time = 0;
	rc = engine_keys(e, s, &dconf);
	if (rc < 0)
		goto out_free;
	if (getrandom(&nc_seed, sizeof(nc_seed), 0) != (ssize_t)sizeof(nc_seed)) {
		rc = -EIO;
		goto out_free;
	}
	e->nc_mem = table_alloc(ush_nc_table_size(s->nc_table_order));
	e->shared.nc =
		e->nc_mem ? ush_nc_table_init(e->nc_mem, s->nc_table_order, nc_seed) : NULL;
	explicit_bzero(&nc_seed, sizeof(nc_seed));
	if (e->shared.nc == NULL) {
		rc = e->nc_mem ? -EINVAL : -ENOMEM;
		goto out_free;
	}
	rc = engine_guard(e, s);
	if (rc < 0)
		goto out_free;
	creds = s->creds;
	if (creds == NULL) {
		creds = ush_credtab_create(1);
		if (creds == NULL) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	s->creds = NULL;
	atomic_store_explicit(&e->shared.creds, creds, memory_order_release);
	/* One worker of one: its nonce indexes are all of them, which only matters for making. */
	e->w = ush_auth_worker_create(&s->auth, &e->shared, 0, 1, &dconf);
	if (e->w == NULL) {
		rc = errno != 0 ? -errno : -EINVAL;
		goto out_free;
	}
	memcpy(e->sip_port_map, s->sip_port_map, sizeof(e->sip_port_map));
	e->passthrough_drop = s->passthrough_drop;
	e->prefixes = s->prefixes;
	e->n_prefixes = s->n_prefixes;
	s->prefixes = NULL;
	s->n_prefixes = 0;
	return e;

out_free:
	ush_explain_engine_free(e);
	errno = -rc;
	return NULL;
}

void
ush_explain_engine_free(struct ush_explain_engine *e)
{
	if (e == NULL)
		return;
	ush_auth_worker_free(e->w);
	/* the table is never written once published: freeing drops the const */
	ush_credtab_free((struct ush_credtab *)(uintptr_t)atomic_load(&e->shared.creds));
	free(e->nc_mem);
	free(e->bans_mem);
	free(e->rates_mem);
	free(e->prefixes);
	explicit_bzero(&e->shared.keys, sizeof(e->shared.keys));
	free(e);
}

static bool
prefix_match(const struct ush_explain_prefix *p, const struct ush_reply_source *a)
{
	unsigned int full = p->depth / 8, rest = p->depth % 8;
	uint8_t mask;

	if (p->af != a->af || memcmp(p->addr, a->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return (p->addr[full] & mask) == (a->addr[full] & mask);
}

/* [lists]: the longest matching prefix decides, as in the workers' LPM lookup. */
static uint8_t
list_flags(const struct ush_explain_engine *e, const struct ush_reply_source *from)
{
	int best = -1;
	uint8_t flag = 0;

	for (unsigned int i = 0; i < e->n_prefixes; i++) {
		const struct ush_explain_prefix *p = &e->prefixes[i];

		if (p->depth > best && prefix_match(p, from)) {
			best = p->depth;
			flag = p->flag;
		}
	}
	return flag;
}

void
ush_explain_engine_decide(struct ush_explain_engine *e, const char *sip, size_t len,
			  const struct ush_reply_source *from, int dport, uint32_t now,
			  struct ush_explain_verdict *v)
{
	struct ush_auth_pkt p;

	memset(v, 0, sizeof(*v));
	v->event = USH_CTR_COUNT;
	if (dport >= 0 && !(e->sip_port_map[dport >> 6] & (UINT64_C(1) << (dport & 63)))) {
		/* the worker's own check, before the pipeline: not to a [sip] port */
		v->action = e->passthrough_drop ? USH_AUTH_DROP : USH_AUTH_FORWARD;
		v->ctr = e->passthrough_drop ? USH_CTR_DROP_PASSTHROUGH : USH_CTR_FWD_NON_SIP_PORT;
		goto out_count;
	}
	memset(&p, 0, sizeof(p));
	p.sip = sip;
	p.sip_len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
	p.src = *from;
	p.flags = list_flags(e, from);
	ush_auth_process_burst(e->w, &p, 1, now);
	v->action = p.action;
	v->ctr = p.ctr;
	v->event = p.event;
	if (p.action == USH_AUTH_REPLY) {
		v->reply = p.reply;
		v->reply_len = p.reply_len;
		v->reply_port = p.reply_port;
	}
out_count:
	if (v->action <= USH_AUTH_DROP)
		e->actions[v->action]++;
	if (v->ctr < USH_CTR_COUNT)
		e->ctr[v->ctr]++;
	if (v->event < USH_CTR_COUNT)
		e->ctr[v->event]++;
}

const uint64_t *
ush_explain_engine_counters(const struct ush_explain_engine *e)
{
	return e->ctr;
}

const uint64_t *
ush_explain_engine_actions(const struct ush_explain_engine *e)
{
	return e->actions;
}

/* Case-insensitive prefix test of the line at s (of len bytes). */
static bool
starts_with(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && strncasecmp(s, lit, n) == 0;
}

/*
 * The reply summary: status and reason phrase from the status line, and for a challenge
 * the algorithm and stale parameters of each WWW-/Proxy-Authenticate header. The text is
 * our own reply builder's (ush_reply.h), so a line scan is enough.
 */
static json_t *
reply_json(const struct ush_explain_verdict *v)
{
	const char *s = v->reply, *end = v->reply + v->reply_len, *eol, *a, *b;
	json_t *o = json_object(), *algos = json_array();
	bool challenge = false, stale = false;
	int status = 0;

	if (v->reply_len > 12 && starts_with(s, v->reply_len, "SIP/2.0 "))
		status = atoi(s + 8);
	json_object_set_new(o, "status", json_integer(status));
	eol = memchr(s, '\r', (size_t)(end - s));
	if (eol != NULL && eol - s > 12)
		json_object_set_new(o, "text", ush_explain_text(s + 12, (size_t)(eol - s - 12)));
	for (; s < end; s = eol + 1) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		if (starts_with(s, (size_t)(eol - s), "Retry-After:"))
			json_object_set_new(o, "retry_after", json_integer(atoi(s + 12)));
		if (!starts_with(s, (size_t)(eol - s), "WWW-Authenticate:") &&
		    !starts_with(s, (size_t)(eol - s), "Proxy-Authenticate:"))
			continue;
		challenge = true;
		a = memmem(s, (size_t)(eol - s), "algorithm=", 10);
		if (a != NULL) {
			a += 10;
			for (b = a; b < eol && *b != ',' && *b != '\r' && *b != ' '; b++)
				;
			json_array_append_new(algos, ush_explain_text(a, (size_t)(b - a)));
		}
		if (memmem(s, (size_t)(eol - s), "stale=true", 10) != NULL)
			stale = true;
	}
	if (challenge) {
		json_object_set_new(o, "stale", json_boolean(stale));
		json_object_set_new(o, "algorithms", algos);
	} else {
		json_decref(algos);
	}
	json_object_set_new(o, "port", json_integer(v->reply_port));
	return o;
}

void
ush_explain_verdict_json(const struct ush_explain_verdict *v, json_t *o)
{
	json_object_set_new(o, "verdict", json_string(ush_explain_action_name(v->action)));
	json_object_set_new(o, "verdict_reason", json_string(ush_ctr_name(v->ctr)));
	json_object_set_new(o, "verdict_reason_text", json_string(ush_ctr_desc(v->ctr)));
	json_object_set_new(o, "event",
			    v->event < USH_CTR_COUNT ? json_string(ush_ctr_name(v->event))
						     : json_null());
	json_object_set_new(o, "reply",
			    v->action == USH_AUTH_REPLY && v->reply != NULL ? reply_json(v)
									    : json_null());
}
