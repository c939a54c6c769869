/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The control socket ([control] socket, include/usher_ctl.h): usherd's requests, main lcore. */

#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ush_ctl.h"
#include "usher_priv.h"

/* usherd holds one connection; a few more let an operator's tool or a test in beside it */
#define CTL_CLIENTS 8
/* a reply is written whole (blocking) within this time, or the connection is dropped */
#define CTL_SEND_TIMEOUT_MS 2000
/* frames handled per connection per wake-up: a credentials stream cannot starve the loop */
#define CTL_FRAMES_PER_WAKE 64
/* bans remembered with their address and username (ush_auth_ban_event); more are "lost" */
#define CTL_BANS_MAX 4096
/* a credential table never grows past this many users (ush_credtab_create()) */
#define CTL_USERS_MAX (1u << 24)
/* a table of a full transfer starts at least this big, whatever the hint says */
#define CTL_USERS_MIN  16
#define CTL_SECRET_MAX 4096

pthread_mutex_t ush_dp_conf_lock = PTHREAD_MUTEX_INITIALIZER;

struct ctl_client {
	int fd; /* -1: free slot */
	struct ush_ctl_rx rx;
};

/*
 * A credentials transfer (creds.begin .. creds.commit): the table is built here as the CREDS
 * frames arrive, so no record is held twice; the table in force is untouched until commit.
 */
struct ctl_creds {
	bool active;
	bool full;
	int owner;			/* client slot that began it */
	struct ush_credtab *t;		/* NULL once a record failed (err says why) */
	const struct ush_credtab *base; /* delta: the table it copies, to detect a SIGHUP */
	uint64_t records;
	char err[256];
};

static struct {
	int lfd;
	char path[USH_DP_PATH_MAX];
	struct ctl_client c[CTL_CLIENTS];
	struct ush_dp_conf *conf;
	struct ush_dp_worker *const *w;
	unsigned int n;
	struct ush_digest_ctx *dctx; /* nonce keys are precomputed with it */
	struct ush_auth_conf *published;
	struct ush_nonce_keys *keys;
	struct ush_dp_cidr *cidrs; /* the lists in force: config entries, then live ones */
	unsigned int n_cidrs;
	struct ctl_creds cs;
	struct ush_auth_ban_event *bans;
	unsigned int n_bans;
	uint64_t bans_lost;
	char node[64];
	time_t boot;
	bool synced; /* a full credentials transfer was committed ([control] wait_sync) */
	int ident_client;   /* the connection whose hello asked for punts, -1: none */
	uint8_t *punt_frame; /* PUNT payload being packed */
} ctl = {.lfd = -1, .ident_client = -1};

/* a PUNT frame carries up to this many bytes of records */
#define CTL_PUNT_FRAME (64u * 1024u)

/* ---- helpers ---- */

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
sync_workers(void)
{
	rte_rcu_qsbr_synchronize(ush_dp_sh.rcu, RTE_QSBR_THRID_INVALID);
}

static const struct ush_credtab *
creds_now(void)
{
	return atomic_load_explicit(&ush_dp_sh.auth.creds, memory_order_acquire);
}

static void
addr_text(uint8_t af, const uint8_t *addr, char *buf, size_t len)
{
	if (inet_ntop(af == AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* ---- ban events: drained every wake-up, so that the workers' rings rarely fill ---- */

static void
bans_add(const struct ush_auth_ban_event *e)
{
	for (unsigned int i = 0; i < ctl.n_bans; i++) {
		if (ctl.bans[i].key == e->key) {
			ctl.bans[i] = *e;
			return;
		}
	}
	if (ctl.n_bans == CTL_BANS_MAX) {
		ctl.bans_lost++;
		return;
	}
	ctl.bans[ctl.n_bans++] = *e;
}

static const struct ush_guard_ban_conf *
ban_policy(uint8_t kind)
{
	return kind == USH_AUTH_BAN_USER ? &ctl.conf->auth.ban_user : &ctl.conf->auth.ban_src;
}

/* Forget the remembered bans that ended (expired, or cleared). */
static void
bans_prune(uint32_t now)
{
	const struct ush_guard_table *t = ush_dp_sh.auth.bans;
	unsigned int k = 0;

	for (unsigned int i = 0; i < ctl.n_bans; i++)
		if (t != NULL &&
		    ush_guard_ban_left(t, ban_policy(ctl.bans[i].kind), ctl.bans[i].key, now) > 0)
			ctl.bans[k++] = ctl.bans[i];
	ctl.n_bans = k;
}

static void
bans_drain(void)
{
	struct ush_auth_ban_event ev[16];
	unsigned int got;

	for (unsigned int i = 0; i < ctl.n; i++) {
		do {
			got = ush_auth_ban_events_take(ctl.w[i]->auth, ev, RTE_DIM(ev),
						       &ctl.bans_lost);
			if (got > 0 && ctl.n_bans + got > CTL_BANS_MAX)
				bans_prune(ush_dp_now(&ush_dp_sh));
			for (unsigned int k = 0; k < got; k++)
				bans_add(&ev[k]);
		} while (got == RTE_DIM(ev));
	}
}

/* ---- commands ---- */

/*
 * hello; with "identity": true the connection becomes the verifier: the workers start
 * punting to it (include/usher_ctl.h).
 */
static json_t *
cmd_hello(const json_t *req, int client)
{
	json_t *r = ush_ctl_reply_ok();
	bool ident = json_is_true(json_object_get(req, "identity"));

	if (ident) {
		if (ctl.ident_client >= 0 && ctl.ident_client != client)
			USH_DP_LOG(NOTICE, "control: connection %d takes over identity punts from %d",
				   client, ctl.ident_client);
		ctl.ident_client = client;
		atomic_store_explicit(&ush_dp_sh.ident_peer, true, memory_order_relaxed);
	} else if (ctl.ident_client == client) {
		ctl.ident_client = -1;
		atomic_store_explicit(&ush_dp_sh.ident_peer, false, memory_order_relaxed);
	}
	json_object_set_new(r, "identity", json_boolean(ident));
	json_object_set_new(r, "version", json_integer(USH_CTL_VERSION));
	json_object_set_new(r, "node", json_string(ctl.node));
	json_object_set_new(r, "pid", json_integer(getpid()));
	json_object_set_new(r, "boot", json_integer(ctl.boot));
	return r;
}

static json_t *
port_json(const struct ush_dp_port *p)
{
	struct rte_eth_link link;
	json_t *o = json_object();

	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->port_id, &link);
	json_object_set_new(o, "id", json_integer(p->port_id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "link", json_string(link.link_status ? "up" : "down"));
	json_object_set_new(o, "speed", json_integer(link.link_speed));
	json_object_set_new(o, "mtu", json_integer(p->mtu));
	return o;
}

static json_t *
cmd_status(const json_t *req)
{
	const struct ush_nonce_keys *k = ush_auth_keys_current(&ush_dp_sh.auth);
	json_t *r = ush_ctl_reply_ok(), *ports = json_object(), *nonce = json_object();

	RTE_SET_USED(req);
	json_object_set_new(r, "node", json_string(ctl.node));
	json_object_set_new(r, "pid", json_integer(getpid()));
	json_object_set_new(r, "boot", json_integer(ctl.boot));
	json_object_set_new(r, "uptime", json_integer(time(NULL) - ctl.boot));
	json_object_set_new(r, "workers", json_integer(ctl.n));
	json_object_set_new(ports, "outside", port_json(&ush_dp_sh.port[USH_DP_OUTSIDE]));
	json_object_set_new(ports, "inside", port_json(&ush_dp_sh.port[USH_DP_INSIDE]));
	json_object_set_new(r, "ports", ports);
	json_object_set_new(r, "users", json_integer(ush_credtab_count(creds_now())));
	json_object_set_new(nonce, "cur_kid", json_integer(k->cur_kid));
	json_object_set_new(nonce, "prev_kid",
			    k->has_prev ? json_integer(k->prev_kid) : json_null());
	json_object_set_new(nonce, "lifetime", json_integer(ctl.conf->auth.nonce_lifetime));
	json_object_set_new(nonce, "nc_slots",
			    json_integer(INT64_C(1) << ctl.conf->nc_table_order));
	json_object_set_new(nonce, "nc_used",
			    json_integer((json_int_t)ush_nc_table_used(ush_dp_sh.auth.nc)));
	json_object_set_new(r, "nonce", nonce);
	json_object_set_new(r, "config", json_string(ctl.conf->path));
	return r;
}

static json_t *
counters_json(const uint64_t *v)
{
	json_t *o = json_object();

	for (unsigned int k = 0; k < USH_CTR_COUNT; k++)
		json_object_set_new(o, ush_ctr_name((enum ush_ctr)k),
				    json_integer((json_int_t)v[k]));
	return o;
}

static json_t *
cmd_stats(const json_t *req)
{
	uint64_t total[USH_CTR_COUNT];
	json_t *r = ush_ctl_reply_ok(), *workers = json_array();

	RTE_SET_USED(req);
	/* the owners write their counters meanwhile: each value is one aligned 64-bit load */
	ush_dp_counters_sum(ctl.w, ctl.n, total);
	json_object_set_new(r, "time", json_integer(time(NULL)));
	json_object_set_new(r, "total", counters_json(total));
	for (unsigned int i = 0; i < ctl.n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "lcore", json_integer(ctl.w[i]->lcore_id));
		json_object_set_new(o, "counters", counters_json(ctl.w[i]->ctr.c));
		json_array_append_new(workers, o);
	}
	json_object_set_new(r, "workers", workers);
	return r;
}

static json_t *
cmd_get(const json_t *req)
{
	const char *key = jstr(req, "key");
	char name[2 * 64], value[USH_DP_CONF_VALUE_MAX];
	json_t *r, *values = json_object(), *live = json_array();
	bool is_live;

	if (key != NULL) {
		int k = ush_dp_conf_find(key);

		json_decref(live);
		if (k < 0) {
			json_decref(values);
			return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "unknown key %s", key);
		}
		ush_dp_conf_get(ctl.conf, (unsigned int)k, name, sizeof(name), value, sizeof(value),
				&is_live);
		json_object_set_new(values, name, json_string(value));
		r = ush_ctl_reply_ok();
		json_object_set_new(r, "values", values);
		json_object_set_new(r, "live", json_boolean(is_live));
		return r;
	}
	for (unsigned int i = 0; i < ush_dp_conf_nkeys(); i++) {
		ush_dp_conf_get(ctl.conf, i, name, sizeof(name), value, sizeof(value), &is_live);
		json_object_set_new(values, name, json_string(value));
		if (is_live)
			json_array_append_new(live, json_string(name));
	}
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "values", values);
	json_object_set_new(r, "live", live);
	return r;
}

/* The pipeline's part of a new configuration: published, taken by each worker at its next burst. */
static int
publish_auth(const struct ush_dp_conf *fresh, char *err, size_t errlen)
{
	struct ush_auth_conf *pub;
	const struct ush_auth_conf *old;
	int rc;

	rc = ush_auth_conf_live_ok(&ctl.conf->auth, &fresh->auth, err, errlen);
	if (rc < 0)
		return rc;
	rc = ush_dp_guard_ensure(fresh, err, errlen);
	if (rc < 0)
		return rc;
	pub = malloc(sizeof(*pub));
	if (pub == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*pub = fresh->auth;
	old = ush_auth_conf_publish(&ush_dp_sh.auth, pub);
	/* a worker copies the conf within one burst: after this, none reads old */
	sync_workers();
	/* old is NULL (the start-up conf, a copy in each worker) or the one published here */
	free((struct ush_auth_conf *)(uintptr_t)old);
	ctl.published = pub;
	return 0;
}

static json_t *
cmd_set(const json_t *req)
{
	const char *key = jstr(req, "key");
	const json_t *jv = json_object_get(req, "value");
	char value[USH_DP_CONF_VALUE_MAX + 1], err[512], name[128], now[USH_DP_CONF_VALUE_MAX];
	struct ush_dp_conf *fresh;
	bool live;
	json_t *r;
	int rc, k;

	if (key == NULL || jv == NULL)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "set needs \"key\" and \"value\"");
	/* the value as an ini file would hold it */
	if (json_is_string(jv))
		snprintf(value, sizeof(value), "%s", json_string_value(jv));
	else if (json_is_integer(jv))
		snprintf(value, sizeof(value), "%" JSON_INTEGER_FORMAT, json_integer_value(jv));
	else if (json_is_boolean(jv))
		snprintf(value, sizeof(value), "%s", json_is_true(jv) ? "true" : "false");
	else
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s: value must be a string", key);
	fresh = malloc(sizeof(*fresh));
	if (fresh == NULL)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	/* a copy shares the [lists] vector: set never touches it, and the copy is not freed */
	*fresh = *ctl.conf;
	rc = ush_dp_conf_set(fresh, key, value, err, sizeof(err));
	if (rc < 0) {
		free(fresh);
		return ush_ctl_reply_err(rc == -ENOENT ? USH_CTL_ENOTFOUND : USH_CTL_EINVAL, "%s",
					 err);
	}
	/* telemetry reads the configuration and the ban table pointers under this lock */
	pthread_mutex_lock(&ush_dp_conf_lock);
	if (strncmp(key, "auth.", 5) == 0 || strncmp(key, "protection.", 11) == 0) {
		rc = publish_auth(fresh, err, sizeof(err));
		if (rc < 0) {
			pthread_mutex_unlock(&ush_dp_conf_lock);
			free(fresh);
			return ush_ctl_reply_err(rc == -EINVAL ? USH_CTL_EINVAL : USH_CTL_EINTERNAL,
						 "%s", err);
		}
	} else if (strcmp(key, "policy.passthrough") == 0) {
		atomic_store_explicit(&ush_dp_sh.passthrough, fresh->passthrough,
				      memory_order_relaxed);
	} else if (strncmp(key, "overload.", 9) == 0) {
		ush_dp_shed_setup(fresh);
	} else if (strcmp(key, "log.level") == 0) {
		rte_log_set_level_pattern("usher*", fresh->log_level);
	}
	*ctl.conf = *fresh;
	pthread_mutex_unlock(&ush_dp_conf_lock);
	free(fresh);
	k = ush_dp_conf_find(key);
	ush_dp_conf_get(ctl.conf, (unsigned int)k, name, sizeof(name), now, sizeof(now), &live);
	USH_DP_LOG(NOTICE, "control: %s = %s", name, now);
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "key", json_string(name));
	json_object_set_new(r, "value", json_string(now));
	return r;
}

/* ---- lists ---- */

static int
list_flag(const json_t *req, uint8_t *flag)
{
	const char *l = jstr(req, "list");

	if (l != NULL && strcmp(l, "block") == 0)
		*flag = USH_AUTH_PKT_BLOCK;
	else if (l != NULL && strcmp(l, "allow") == 0)
		*flag = USH_AUTH_PKT_ALLOW;
	else
		return -EINVAL;
	return 0;
}

static bool
cidr_same(const struct ush_dp_cidr *a, const struct ush_dp_cidr *b)
{
	return a->af == b->af && a->depth == b->depth && memcmp(a->addr, b->addr, 16) == 0;
}

static unsigned int
list_count(uint8_t flag)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ctl.n_cidrs; i++)
		n += ctl.cidrs[i].flag == flag;
	return n;
}

/* Publish the vector's lists; on failure the vector is set back to n_before entries. */
static json_t *
list_publish(uint8_t flag)
{
	char err[512];
	json_t *r;
	int rc;

	pthread_mutex_lock(&ush_dp_conf_lock);
	rc = ush_dp_lists_swap(ctl.cidrs, ctl.n_cidrs, err, sizeof(err));
	pthread_mutex_unlock(&ush_dp_conf_lock);
	if (rc < 0)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "%s", err);
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "entries", json_integer(list_count(flag)));
	return r;
}

static json_t *
cmd_list_add(const json_t *req)
{
	const char *text = jstr(req, "cidr");
	struct ush_dp_cidr c, *v;
	char msg[256];
	uint8_t flag;
	json_t *r;

	if (list_flag(req, &flag) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "\"list\" must be \"block\" or \"allow\"");
	if (text == NULL)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "list.add needs \"cidr\"");
	if (ush_dp_cidr_parse(text, &c, msg, sizeof(msg)) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s", msg);
	c.flag = flag;
	c.src = USH_DP_LIST_LIVE;
	for (unsigned int i = 0; i < ctl.n_cidrs; i++) {
		if (!cidr_same(&ctl.cidrs[i], &c))
			continue;
		/* the same prefix on both lists has no answer ([lists] refuses it too) */
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s is already on the %s list", text,
					 ctl.cidrs[i].flag == USH_AUTH_PKT_BLOCK ? "block"
										 : "allow");
	}
	v = realloc(ctl.cidrs, sizeof(*v) * (ctl.n_cidrs + 1));
	if (v == NULL)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	ctl.cidrs = v;
	ctl.cidrs[ctl.n_cidrs++] = c;
	r = list_publish(flag);
	if (!json_is_true(json_object_get(r, "ok")))
		ctl.n_cidrs--;
	else
		USH_DP_LOG(NOTICE, "control: %s added to the %s list", text,
			   flag == USH_AUTH_PKT_BLOCK ? "block" : "allow");
	return r;
}

static json_t *
cmd_list_del(const json_t *req)
{
	const char *text = jstr(req, "cidr");
	struct ush_dp_cidr c, gone;
	char msg[256];
	unsigned int i;
	uint8_t flag;
	json_t *r;

	if (list_flag(req, &flag) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "\"list\" must be \"block\" or \"allow\"");
	if (text == NULL)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "list.del needs \"cidr\"");
	if (ush_dp_cidr_parse(text, &c, msg, sizeof(msg)) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s", msg);
	for (i = 0; i < ctl.n_cidrs; i++)
		if (ctl.cidrs[i].flag == flag && cidr_same(&ctl.cidrs[i], &c))
			break;
	if (i == ctl.n_cidrs)
		return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "%s is not on the %s list", text,
					 flag == USH_AUTH_PKT_BLOCK ? "block" : "allow");
	gone = ctl.cidrs[i];
	memmove(&ctl.cidrs[i], &ctl.cidrs[i + 1], sizeof(c) * (ctl.n_cidrs - i - 1));
	ctl.n_cidrs--;
	r = list_publish(flag);
	if (!json_is_true(json_object_get(r, "ok"))) {
		memmove(&ctl.cidrs[i + 1], &ctl.cidrs[i], sizeof(c) * (ctl.n_cidrs - i));
		ctl.cidrs[i] = gone;
		ctl.n_cidrs++;
	} else {
		USH_DP_LOG(NOTICE, "control: %s removed from the %s list", text,
			   flag == USH_AUTH_PKT_BLOCK ? "block" : "allow");
	}
	return r;
}

static json_t *
cmd_list_show(const json_t *req)
{
	json_t *r, *entries;
	uint8_t flag;

	if (list_flag(req, &flag) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "\"list\" must be \"block\" or \"allow\"");
	entries = json_array();
	for (unsigned int i = 0; i < ctl.n_cidrs; i++) {
		const struct ush_dp_cidr *c = &ctl.cidrs[i];
		char a[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];

		if (c->flag != flag)
			continue;
		addr_text(c->af, c->addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, c->depth);
		json_array_append_new(entries,
				      json_pack("{s:s,s:s}", "cidr", buf, "origin",
						c->src == USH_DP_LIST_LIVE ? "live" : "config"));
	}
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "entries", entries);
	return r;
}

/* ---- bans ---- */

static json_t *
cmd_bans_list(const json_t *req)
{
	uint32_t now = ush_dp_now(&ush_dp_sh);
	json_t *r = ush_ctl_reply_ok(), *bans = json_array();

	RTE_SET_USED(req);
	bans_drain();
	bans_prune(now);
	for (unsigned int i = 0; i < ctl.n_bans; i++) {
		const struct ush_auth_ban_event *e = &ctl.bans[i];
		char a[INET6_ADDRSTRLEN];
		json_t *o;

		addr_text(e->src.af, e->src.addr, a, sizeof(a));
		o = json_pack("{s:s,s:s,s:I,s:I}", "source", a, "kind",
			      e->kind == USH_AUTH_BAN_USER ? "user" : "source", "since",
			      (json_int_t)e->time, "left",
			      (json_int_t)ush_guard_ban_left(ush_dp_sh.auth.bans,
							     ban_policy(e->kind), e->key, now));
		if (e->kind == USH_AUTH_BAN_USER)
			json_object_set_new(o, "user", json_stringn(e->user, e->user_len));
		json_array_append_new(bans, o);
	}
	json_object_set_new(r, "bans", bans);
	/* bans that started while the memory above was full: banned, but nameless here */
	json_object_set_new(r, "lost", json_integer((json_int_t)ctl.bans_lost));
	return r;
}

static json_t *
cmd_bans_clear(const json_t *req)
{
	struct ush_guard_table *t = ush_dp_sh.auth.bans;
	const struct ush_auth_conf *a = &ctl.conf->auth;
	const char *src = jstr(req, "source");
	uint32_t now = ush_dp_now(&ush_dp_sh);
	struct ush_guard_src gs = {0};
	uint64_t cleared = 0, key;
	unsigned int k = 0;
	json_t *r;

	if (src != NULL) {
		gs.af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(gs.af, src, gs.addr) != 1)
			return ush_ctl_reply_err(USH_CTL_EINVAL,
						 "'%s' is not an IPv4 or IPv6 address", src);
	}
	bans_drain();
	if (t != NULL && src == NULL) {
		cleared = ush_guard_table_clear_bans(
			t, now, RTE_MAX(a->ban_src.ban_time, a->ban_user.ban_time));
		ctl.n_bans = 0;
	} else if (t != NULL) {
		/* the source's own ban, then each username ban of it that was remembered */
		key = ush_guard_key(t, &gs, NULL, 0);
		cleared += ush_guard_ban_left(t, &a->ban_src, key, now) > 0;
		ush_guard_forgive(t, key);
		for (unsigned int i = 0; i < ctl.n_bans; i++) {
			const struct ush_auth_ban_event *e = &ctl.bans[i];
			size_t alen = gs.af == AF_INET ? 4 : 16;

			if (e->src.af == gs.af && memcmp(e->src.addr, gs.addr, alen) == 0) {
				if (e->kind == USH_AUTH_BAN_USER) {
					cleared += ush_guard_ban_left(t, &a->ban_user, e->key,
								      now) > 0;
					ush_guard_forgive(t, e->key);
				}
				continue;
			}
			ctl.bans[k++] = *e;
		}
		ctl.n_bans = k;
	}
	if (cleared > 0)
		USH_DP_LOG(NOTICE, "control: %" PRIu64 " ban(s) cleared%s%s", cleared,
			   src != NULL ? " for " : "", src != NULL ? src : "");
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "cleared", json_integer((json_int_t)cleared));
	return r;
}

/* ---- nonce keys ---- */

static int
key_parse(const json_t *o, const char *which, uint8_t *kid, uint8_t *secret, size_t *len, char *err,
	  size_t errlen)
{
	const json_t *jk = json_object_get(o, "kid");
	const char *hex = jstr(o, "secret");
	size_t hl;

	if (!json_is_object(o) || !json_is_integer(jk) || json_integer_value(jk) < 0 ||
	    json_integer_value(jk) > 255 || hex == NULL) {
		snprintf(err, errlen, "%s: expected {\"kid\": 0..255, \"secret\": HEX}", which);
		return -EINVAL;
	}
	hl = strlen(hex);
	if (hl % 2 != 0 || hl / 2 < USH_NONCE_SECRET_MIN || hl / 2 > CTL_SECRET_MAX ||
	    ush_ctl_unhex(secret, hl / 2, hex, hl) < 0) {
		snprintf(err, errlen, "%s: secret must be %d to %d bytes in hex", which,
			 USH_NONCE_SECRET_MIN, CTL_SECRET_MAX);
		return -EINVAL;
	}
	*kid = (uint8_t)json_integer_value(jk);
	*len = hl / 2;
	return 0;
}

static json_t *
cmd_nonce_keys(const json_t *req)
{
	static uint8_t cur[CTL_SECRET_MAX], prev[CTL_SECRET_MAX];
	const json_t *jp = json_object_get(req, "prev");
	size_t cur_len = 0, prev_len = 0;
	uint8_t cur_kid = 0, prev_kid = 0;
	struct ush_nonce_keys *k = NULL;
	const struct ush_nonce_keys *old;
	bool has_prev = jp != NULL && !json_is_null(jp);
	char err[256];
	json_t *r = NULL;
	int rc;

	rc = key_parse(json_object_get(req, "cur"), "cur", &cur_kid, cur, &cur_len, err,
		       sizeof(err));
	if (rc == 0 && has_prev)
		rc = key_parse(jp, "prev", &prev_kid, prev, &prev_len, err, sizeof(err));
	if (rc == 0 && has_prev && prev_kid == cur_kid) {
		snprintf(err, sizeof(err), "cur and prev must have different kids");
		rc = -EINVAL;
	}
	if (rc < 0) {
		r = ush_ctl_reply_err(USH_CTL_EINVAL, "%s", err);
		goto out_wipe;
	}
	k = aligned_alloc(64, RTE_ALIGN_CEIL(sizeof(*k), 64));
	if (k == NULL) {
		r = ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
		goto out_wipe;
	}
	rc = ush_nonce_keys_init(ctl.dctx, k, cur_kid, cur, cur_len, prev_kid,
				 has_prev ? prev : NULL, prev_len);
	if (rc < 0) {
		free(k);
		r = ush_ctl_reply_err(USH_CTL_EINVAL, "nonce keys: %s", strerror(-rc));
		goto out_wipe;
	}
	old = ush_auth_keys_publish(&ush_dp_sh.auth, k);
	/* workers load the keys once per burst: after the grace period none holds old */
	sync_workers();
	/* old is NULL (the start-up keys, in ush_dp_sh) or the keys published here before */
	if (old != NULL) {
		struct ush_nonce_keys *o = (struct ush_nonce_keys *)(uintptr_t)old;

		explicit_bzero(o, sizeof(*o));
		free(o);
	}
	ctl.keys = k;
	USH_DP_LOG(NOTICE, "control: nonce keys replaced: current kid %u, previous %s%u", cur_kid,
		   has_prev ? "kid " : "none", has_prev ? prev_kid : 0);
	r = ush_ctl_reply_ok();
out_wipe:
	explicit_bzero(cur, sizeof(cur));
	explicit_bzero(prev, sizeof(prev));
	return r;
}

/* ---- credentials ---- */

static void
creds_end(void)
{
	ush_credtab_free(ctl.cs.t);
	memset(&ctl.cs, 0, sizeof(ctl.cs));
	ctl.cs.owner = -1;
}

static void creds_fail(const char *fmt, ...) __rte_format_printf(1, 2);

/* The first bad record decides the transfer's fate: its table goes now (memory), the rest
 * of the records are only counted. */
static void
creds_fail(const char *fmt, ...)
{
	va_list ap;

	if (ctl.cs.err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(ctl.cs.err, sizeof(ctl.cs.err), fmt, ap);
	va_end(ap);
	ush_credtab_free(ctl.cs.t);
	ctl.cs.t = NULL;
}

static json_t *
cmd_creds_begin(const json_t *req, int client)
{
	const char *mode = jstr(req, "mode");
	const json_t *jr = json_object_get(req, "records");
	json_int_t hint = json_is_integer(jr) ? json_integer_value(jr) : 0;
	const struct ush_credtab *cur = creds_now();
	uint32_t cap;

	if (ctl.cs.active)
		return ush_ctl_reply_err(USH_CTL_EINVAL,
					 "a credentials transfer is already in progress");
	if (mode == NULL || (strcmp(mode, "full") != 0 && strcmp(mode, "delta") != 0))
		return ush_ctl_reply_err(USH_CTL_EINVAL, "\"mode\" must be \"full\" or \"delta\"");
	if (jr != NULL && (!json_is_integer(jr) || hint < 0))
		return ush_ctl_reply_err(USH_CTL_EINVAL, "\"records\" must be a count");
	/* the hint sizes the table; a wrong one costs a copy into a bigger table (grow) */
	if (hint < CTL_USERS_MIN)
		hint = CTL_USERS_MIN;
	if (hint > CTL_USERS_MAX)
		hint = CTL_USERS_MAX;
	ctl.cs.full = strcmp(mode, "full") == 0;
	if (ctl.cs.full) {
		cap = (uint32_t)hint;
		ctl.cs.t = ush_credtab_create(cap);
	} else {
		cap = (uint32_t)RTE_MIN((json_int_t)ush_credtab_count(cur) + hint,
					(json_int_t)CTL_USERS_MAX);
		ctl.cs.t = ush_credtab_clone(cur, RTE_MAX(cap, ush_credtab_count(cur)));
		ctl.cs.base = cur;
	}
	if (ctl.cs.t == NULL) {
		int e = errno;

		creds_end();
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "credential table of %u users: %s", cap,
					 strerror(e));
	}
	ctl.cs.active = true;
	ctl.cs.owner = client;
	USH_DP_LOG(INFO, "control: credentials transfer (%s) begins", mode);
	return ush_ctl_reply_ok();
}

/* The table turned out too small (the hint was low, or deletions filled its name arena). */
static int
creds_grow(void)
{
	uint32_t cap = ush_credtab_capacity(ctl.cs.t), grown;
	struct ush_credtab *g;

	if (cap >= CTL_USERS_MAX && ush_credtab_count(ctl.cs.t) >= CTL_USERS_MAX)
		return -ENOSPC;
	grown = (uint32_t)RTE_MIN((uint64_t)cap * 2, (uint64_t)CTL_USERS_MAX);
	g = ush_credtab_clone(ctl.cs.t, grown);
	if (g == NULL)
		return -errno;
	ush_credtab_free(ctl.cs.t);
	ctl.cs.t = g;
	return 0;
}

static void
creds_feed(const uint8_t *buf, uint32_t len)
{
	struct ush_ctl_cred c;
	size_t off = 0;
	int rc;

	while ((rc = ush_ctl_cred_next(buf, len, &off, &c)) == 1) {
		uint64_t no = ++ctl.cs.records;

		if (ctl.cs.t == NULL)
			continue;
		if (c.op == USH_CTL_CRED_DEL) {
			if (ctl.cs.full) {
				creds_fail("record %" PRIu64 ": DEL in a full transfer", no);
				continue;
			}
			/* removing a user already gone leaves the table as the sender wants it */
			rc = ush_credtab_del(ctl.cs.t, c.user, c.user_len, c.realm, c.realm_len);
			if (rc < 0 && rc != -ENOENT)
				creds_fail("record %" PRIu64 ": %s", no, strerror(-rc));
			continue;
		}
		rc = ush_credtab_set(ctl.cs.t, c.user, c.user_len, c.realm, c.realm_len,
				     (enum ush_hash)c.hash, c.ha1);
		if (rc == -ENOSPC) {
			rc = creds_grow();
			if (rc == 0)
				rc = ush_credtab_set(ctl.cs.t, c.user, c.user_len, c.realm,
						     c.realm_len, (enum ush_hash)c.hash, c.ha1);
		}
		if (rc < 0)
			creds_fail("record %" PRIu64 ": %s", no,
				   rc == -ENOSPC ? "more users than a table holds (2^24)"
						 : strerror(-rc));
	}
	if (rc < 0)
		creds_fail("record %" PRIu64 ": truncated or invalid (op, hash or a length)",
			   ctl.cs.records + 1);
}

static json_t *
cmd_creds_commit(const json_t *req)
{
	const json_t *jr = json_object_get(req, "records");
	struct ush_credtab *t;
	uint32_t users;
	json_t *r;

	if (!ctl.cs.active)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "no credentials transfer in progress");
	if (ctl.cs.err[0] == '\0' &&
	    (!json_is_integer(jr) || (uint64_t)json_integer_value(jr) != ctl.cs.records))
		creds_fail("%" JSON_INTEGER_FORMAT " records announced, %" PRIu64 " received",
			   json_is_integer(jr) ? json_integer_value(jr) : (json_int_t)-1,
			   ctl.cs.records);
	if (ctl.cs.err[0] == '\0' && !ctl.cs.full && ctl.cs.base != creds_now())
		creds_fail("the credentials in force changed during the transfer (SIGHUP): "
			   "send it again");
	if (ctl.cs.err[0] != '\0') {
		USH_DP_LOG(ERR,
			   "control: credentials transfer refused: %s (keeping the %u users "
			   "in force)",
			   ctl.cs.err, ush_credtab_count(creds_now()));
		r = ush_ctl_reply_err(USH_CTL_ESOURCE, "%s", ctl.cs.err);
		creds_end();
		return r;
	}
	t = ctl.cs.t;
	ctl.cs.t = NULL;
	users = ush_credtab_count(t);
	ush_dp_creds_swap(t);
	if (ctl.cs.full)
		ctl.synced = true;
	USH_DP_LOG(INFO, "control: credentials (%s) committed: %" PRIu64 " records, %u users",
		   ctl.cs.full ? "full" : "delta", ctl.cs.records, users);
	creds_end();
	r = ush_ctl_reply_ok();
	json_object_set_new(r, "users", json_integer(users));
	return r;
}

static json_t *
cmd_creds_abort(const json_t *req)
{
	RTE_SET_USED(req);
	if (!ctl.cs.active)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "no credentials transfer in progress");
	USH_DP_LOG(INFO, "control: credentials transfer aborted after %" PRIu64 " records",
		   ctl.cs.records);
	creds_end();
	return ush_ctl_reply_ok();
}

/* ---- connections ---- */

static const struct {
	const char *name;
	json_t *(*fn)(const json_t *req);
} ctl_cmds[] = {
	{"status", cmd_status},
	{"stats", cmd_stats},
	{"get", cmd_get},
	{"set", cmd_set},
	{"list.add", cmd_list_add},
	{"list.del", cmd_list_del},
	{"list.show", cmd_list_show},
	{"bans.list", cmd_bans_list},
	{"bans.clear", cmd_bans_clear},
	{"nonce.keys", cmd_nonce_keys},
	{"creds.commit", cmd_creds_commit},
	{"creds.abort", cmd_creds_abort},
};

static json_t *
dispatch(const json_t *req, int client)
{
	const char *cmd = jstr(req, "cmd");

	if (cmd == NULL)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "request without \"cmd\"");
	if (strcmp(cmd, "creds.begin") == 0)
		return cmd_creds_begin(req, client);
	if (strcmp(cmd, "hello") == 0)
		return cmd_hello(req, client);
	if (strncmp(cmd, "creds.", 6) == 0 && ctl.cs.active && ctl.cs.owner != client)
		return ush_ctl_reply_err(USH_CTL_EINVAL,
					 "the credentials transfer belongs to another connection");
	for (unsigned int i = 0; i < RTE_DIM(ctl_cmds); i++)
		if (strcmp(cmd, ctl_cmds[i].name) == 0)
			return ctl_cmds[i].fn(req);
	return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "unknown command '%.64s'", cmd);
}

static void
client_close(int i, const char *why)
{
	struct ctl_client *c = &ctl.c[i];

	if (ctl.cs.active && ctl.cs.owner == i) {
		USH_DP_LOG(WARNING,
			   "control: connection closed during a credentials transfer (%" PRIu64
			   " records): aborted, the credentials in force are kept",
			   ctl.cs.records);
		creds_end();
	}
	if (ctl.ident_client == i) {
		/* the punts in flight are answered INTERNAL by ident_pump(); held ones time out */
		ctl.ident_client = -1;
		atomic_store_explicit(&ush_dp_sh.ident_peer, false, memory_order_relaxed);
		USH_DP_LOG(WARNING, "control: the identity verifier is gone: [identity] "
				    "unavailable applies");
	}
	if (why != NULL)
		USH_DP_LOG(WARNING, "control: closing connection %d: %s", i, why);
	close(c->fd);
	ush_ctl_rx_free(&c->rx);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * The socket is non-blocking for reading (the loop must never wait on a peer); a reply is
 * written blocking, bounded by SO_SNDTIMEO, so that a large one is sent whole.
 */
static int
reply_send(int fd, uint32_t seq, const json_t *reply)
{
	int fl = fcntl(fd, F_GETFL), rc;

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	rc = ush_ctl_send_json(fd, USH_CTL_REPLY, seq, reply);
	fcntl(fd, F_SETFL, fl);
	return rc;
}

/* ---- identity: punts out, verdicts in ---- */

/* A verdict to the worker holding the request (main lcore: the rings' only producer). */
static void
verdict_route(uint64_t id, uint8_t idv, char attest, const char *reason, uint8_t rlen)
{
	struct ush_dp_verdict v = {.id = id, .idv = idv, .attest = (uint8_t)attest,
				   .reason_len = rlen};
	unsigned int wid = (unsigned int)(id >> 48);

	/* an id the node never gave, or a ring full of duplicates: the timeout decides */
	if (wid >= ctl.n || rlen > sizeof(v.reason))
		return;
	if (rlen > 0)
		memcpy(v.reason, reason, rlen);
	(void)rte_ring_sp_enqueue_elem(ctl.w[wid]->verdict_ring, &v, sizeof(v));
}

static uint64_t
rec_id(const struct ush_dp_punt *b)
{
	uint64_t id = 0;

	for (int k = 0; k < 8; k++)
		id = id << 8 | b->rec[k];
	return id;
}

static int
punt_send(const uint8_t *buf, size_t len)
{
	int fd = ctl.c[ctl.ident_client].fd, fl = fcntl(fd, F_GETFL), rc;

	/* bounded by SO_SNDTIMEO, as replies: usherd reads its node sockets in its loop */
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	rc = ush_ctl_send(fd, USH_CTL_PUNT, 0, buf, (uint32_t)len);
	fcntl(fd, F_SETFL, fl);
	return rc;
}

/*
 * Move the workers' punt records to the verifier, packed into PUNT frames; without one (it
 * went away, or a send failed), answer them INTERNAL at once.
 */
static void
ident_pump(void)
{
	void *bufs[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(ush_dp_sh.punt_ring, bufs, RTE_DIM(bufs), NULL)) >
	       0) {
		size_t off = 0;

		for (unsigned int k = 0; k < n; k++) {
			const struct ush_dp_punt *b = bufs[k];

			if (ctl.ident_client >= 0 && off + b->len > CTL_PUNT_FRAME) {
				if (punt_send(ctl.punt_frame, off) < 0)
					client_close(ctl.ident_client, "sending punts failed");
				off = 0;
			}
			if (ctl.ident_client < 0 || ctl.punt_frame == NULL) {
				verdict_route(rec_id(b), USH_CTL_IDV_INTERNAL, 0, NULL, 0);
				continue;
			}
			memcpy(ctl.punt_frame + off, b->rec, b->len);
			off += b->len;
		}
		if (off > 0 && ctl.ident_client >= 0 && punt_send(ctl.punt_frame, off) < 0)
			client_close(ctl.ident_client, "sending punts failed");
		rte_mempool_put_bulk(ush_dp_sh.punt_pool, bufs, n);
	}
}

/* One whole frame of client i. Returns 0, or -1 when the connection must be closed. */
static int
frame(int i)
{
	struct ctl_client *c = &ctl.c[i];
	char err[256], why[320];
	json_t *req, *reply;
	int rc;

	switch (c->rx.hdr.type) {
	case USH_CTL_REQUEST:
		req = ush_ctl_parse(c->rx.payload, c->rx.hdr.len, err, sizeof(err));
		if (req == NULL) {
			snprintf(why, sizeof(why), "request is not a JSON object: %s", err);
			client_close(i, why);
			return -1;
		}
		reply = dispatch(req, i);
		json_decref(req);
		if (reply == NULL) {
			client_close(i, "out of memory");
			return -1;
		}
		rc = reply_send(c->fd, c->rx.hdr.seq, reply);
		json_decref(reply);
		if (rc < 0) {
			snprintf(why, sizeof(why), "reply: %s", strerror(-rc));
			client_close(i, why);
			return -1;
		}
		return 0;
	case USH_CTL_VERDICT: {
		struct ush_ctl_verdict v;
		size_t off = 0;

		while ((rc = ush_ctl_verdict_next(c->rx.payload, c->rx.hdr.len, &off, &v)) == 1)
			verdict_route(v.id, v.verdict, v.attest, v.reason, v.reason_len);
		if (rc < 0) {
			client_close(i, "malformed VERDICT record");
			return -1;
		}
		return 0;
	}
	case USH_CTL_CREDS:
		if (!ctl.cs.active || ctl.cs.owner != i) {
			client_close(i, "CREDS frame outside of its creds.begin .. creds.commit");
			return -1;
		}
		creds_feed(c->rx.payload, c->rx.hdr.len);
		return 0;
	default:
		client_close(i, "unexpected frame type from a client");
		return -1;
	}
}

static void
client_read(int i)
{
	for (int f = 0; f < CTL_FRAMES_PER_WAKE; f++) {
		char why[128];
		int rc = ush_ctl_rx_feed(&ctl.c[i].rx, ctl.c[i].fd);

		if (rc == 0)
			return;
		if (rc == -EPIPE) {
			client_close(i, NULL);
			return;
		}
		if (rc < 0) {
			snprintf(why, sizeof(why), "protocol error: %s",
				 rc == -EPROTO	   ? "bad frame header"
				 : rc == -EMSGSIZE ? "frame longer than 1 MiB"
						   : strerror(-rc));
			client_close(i, why);
			return;
		}
		if (frame(i) < 0)
			return;
	}
}

static void
accept_clients(void)
{
	for (;;) {
		struct timeval tv = {.tv_sec = CTL_SEND_TIMEOUT_MS / 1000,
				     .tv_usec = (CTL_SEND_TIMEOUT_MS % 1000) * 1000};
		int fd = accept4(ctl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				USH_DP_LOG(WARNING, "control: accept: %s", strerror(errno));
			return;
		}
		for (i = 0; i < CTL_CLIENTS && ctl.c[i].fd >= 0; i++)
			;
		if (i == CTL_CLIENTS) {
			USH_DP_LOG(WARNING, "control: more than %d connections: refusing one",
				   CTL_CLIENTS);
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		ctl.c[i].fd = fd;
		USH_DP_LOG(DEBUG, "control: connection %d accepted", i);
	}
}

/* One poll of the socket and the connections, up to timeout_ms. */
static void
ctl_poll(int timeout_ms)
{
	struct pollfd pfd[1 + CTL_CLIENTS];
	int who[1 + CTL_CLIENTS], np = 0, rc;

	pfd[np] = (struct pollfd){.fd = ctl.lfd, .events = POLLIN};
	who[np++] = -1;
	for (int i = 0; i < CTL_CLIENTS; i++) {
		if (ctl.c[i].fd < 0)
			continue;
		pfd[np] = (struct pollfd){.fd = ctl.c[i].fd, .events = POLLIN};
		who[np++] = i;
	}
	rc = poll(pfd, (nfds_t)np, timeout_ms);
	bans_drain();
	if (rc <= 0)
		return;
	for (int k = 1; k < np; k++)
		if (pfd[k].revents != 0 && ctl.c[who[k]].fd == pfd[k].fd)
			client_read(who[k]);
	if (pfd[0].revents & POLLIN)
		accept_clients();
}

void
ush_dp_ctl_wait(unsigned int period_us)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * period_us / US_PER_S;

	if (ctl.lfd < 0) {
		rte_delay_us_sleep(period_us);
		return;
	}
	/*
	 * With a verifier connected the period is cut into 1 ms polls, each after moving the
	 * punts: a punt waits about a millisecond at most on the main lcore (workers never make
	 * a system call to wake it).
	 */
	do {
		ident_pump();
		ctl_poll(ctl.ident_client >= 0 ? 1 : (int)(period_us / 1000));
	} while (ctl.ident_client >= 0 && rte_get_timer_cycles() < end);
	ident_pump();
}

bool
ush_dp_ctl_wait_sync(unsigned int seconds, const atomic_bool *stop)
{
	uint64_t end = rte_get_timer_cycles() + (uint64_t)seconds * rte_get_timer_hz();

	USH_DP_LOG(NOTICE, "waiting up to %u s for usherd's credentials before starting workers",
		   seconds);
	while (!ctl.synced && !atomic_load(stop) && rte_get_timer_cycles() < end)
		ush_dp_ctl_wait(100 * 1000);
	if (!ctl.synced)
		USH_DP_LOG(WARNING,
			   "no credentials from usherd after %u s: starting with the %u users of "
			   "[credentials] file",
			   seconds, ush_credtab_count(creds_now()));
	return ctl.synced;
}

int
ush_dp_ctl_init(struct ush_dp_conf *conf, const struct ush_digest_conf *dconf,
		struct ush_dp_worker *const *w, unsigned int n, char *err, size_t errlen)
{
	int fd;

	ctl.conf = conf;
	ctl.w = w;
	ctl.n = n;
	ctl.boot = time(NULL);
	ctl.cs.owner = -1;
	for (int i = 0; i < CTL_CLIENTS; i++)
		ctl.c[i].fd = -1;
	if (conf->node[0] != '\0')
		snprintf(ctl.node, sizeof(ctl.node), "%s", conf->node);
	else if (gethostname(ctl.node, sizeof(ctl.node)) < 0)
		snprintf(ctl.node, sizeof(ctl.node), "usher");
	ctl.node[sizeof(ctl.node) - 1] = '\0';
	if (conf->ctl_socket[0] == '\0')
		return 0;

	ctl.bans = calloc(CTL_BANS_MAX, sizeof(*ctl.bans));
	ctl.punt_frame = malloc(CTL_PUNT_FRAME);
	ctl.cidrs = malloc(sizeof(*ctl.cidrs) * RTE_MAX(conf->n_cidrs, 1u));
	ctl.dctx = ush_digest_ctx_create(dconf);
	if (ctl.bans == NULL || ctl.cidrs == NULL || ctl.dctx == NULL || ctl.punt_frame == NULL) {
		snprintf(err, errlen, "control socket: out of memory");
		goto out_free;
	}
	memcpy(ctl.cidrs, conf->cidrs, sizeof(*ctl.cidrs) * conf->n_cidrs);
	ctl.n_cidrs = conf->n_cidrs;
	fd = ush_ctl_listen(conf->ctl_socket, conf->ctl_group, err, errlen);
	if (fd < 0) {
		char msg[512];

		snprintf(msg, sizeof(msg), "[control] socket: %s", err);
		snprintf(err, errlen, "%s", msg);
		goto out_free;
	}
	ctl.lfd = fd;
	snprintf(ctl.path, sizeof(ctl.path), "%s", conf->ctl_socket);
	USH_DP_LOG(INFO, "control socket %s (group %s), node %s", ctl.path,
		   conf->ctl_group[0] != '\0' ? conf->ctl_group : "root", ctl.node);
	return 0;

out_free:
	ush_digest_ctx_free(ctl.dctx);
	ctl.dctx = NULL;
	free(ctl.cidrs);
	ctl.cidrs = NULL;
	free(ctl.bans);
	ctl.bans = NULL;
	free(ctl.punt_frame);
	ctl.punt_frame = NULL;
	return -EINVAL;
}

void
ush_dp_ctl_close(void)
{
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (ctl.c[i].fd >= 0)
			client_close(i, NULL);
	if (ctl.lfd >= 0) {
		close(ctl.lfd);
		unlink(ctl.path);
		ctl.lfd = -1;
	}
	/* the workers have stopped: what was published can go without a grace period */
	if (ctl.published != NULL) {
		ush_auth_conf_publish(&ush_dp_sh.auth, NULL);
		free(ctl.published);
		ctl.published = NULL;
	}
	if (ctl.keys != NULL) {
		ush_auth_keys_publish(&ush_dp_sh.auth, NULL);
		explicit_bzero(ctl.keys, sizeof(*ctl.keys));
		free(ctl.keys);
		ctl.keys = NULL;
	}
	ush_digest_ctx_free(ctl.dctx);
	ctl.dctx = NULL;
	free(ctl.cidrs);
	ctl.cidrs = NULL;
	free(ctl.bans);
	ctl.bans = NULL;
	free(ctl.punt_frame);
	ctl.punt_frame = NULL;
}
