/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* DPDK telemetry commands under /usher/ (docs/running.md): counters, tables, ports, config. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "usher_priv.h"

/*
 * Callbacks run on EAL's telemetry thread, which may take a request at any time, even while
 * main() frees the workers at exit: the lock (never taken by a worker) makes "stopped" and
 * "reading the workers" exclusive. Counters themselves are read without locks (stats.c).
 */
static struct {
	rte_spinlock_t lock;
	bool active;
	const struct ush_dp_conf *conf;
	struct ush_dp_worker *const *w;
	unsigned int n;
} tel = {.lock = RTE_SPINLOCK_INITIALIZER};

/* Adds to a dict, keeping the first error: one check per callback rather than per entry. */
static void
put_u64(struct rte_tel_data *d, const char *name, uint64_t v, int *rc)
{
	int r = rte_tel_data_add_dict_u64(d, name, v);

	if (r < 0 && *rc == 0)
		*rc = r;
}

static void
put_str(struct rte_tel_data *d, const char *name, const char *v, int *rc)
{
	int r = rte_tel_data_add_dict_string(d, name, v);

	if (r < 0 && *rc == 0)
		*rc = r;
}

/* An array container (22.11 nests arrays only, not dicts) added to the dict d. */
static void
put_array(struct rte_tel_data *d, const char *name, struct rte_tel_data *a, int *rc)
{
	int r = rte_tel_data_add_dict_container(d, name, a, 0);

	if (r < 0) {
		rte_tel_data_free(a);
		if (*rc == 0)
			*rc = r;
	}
}

static struct rte_tel_data *
new_array(enum rte_tel_value_type type, int *rc)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL || rte_tel_data_start_array(a, type) < 0) {
		rte_tel_data_free(a);
		if (*rc == 0)
			*rc = -ENOMEM;
		return NULL;
	}
	return a;
}

static void
add_u64(struct rte_tel_data *a, uint64_t v, int *rc)
{
	int r = rte_tel_data_add_array_u64(a, v);

	if (r < 0 && *rc == 0)
		*rc = r;
}

static uint64_t
ctr(const struct ush_dp_worker *w, unsigned int c)
{
	return __atomic_load_n(&w->ctr.c[c], __ATOMIC_RELAXED);
}

/* Takes the lock; false (unlocked) when usher is not running. */
static bool
tel_enter(void)
{
	rte_spinlock_lock(&tel.lock);
	if (tel.active) {
		/* the control socket's "set" writes the configuration meanwhile */
		pthread_mutex_lock(&ush_dp_conf_lock);
		return true;
	}
	rte_spinlock_unlock(&tel.lock);
	return false;
}

static void
tel_leave(void)
{
	pthread_mutex_unlock(&ush_dp_conf_lock);
	rte_spinlock_unlock(&tel.lock);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t v[USH_CTR_COUNT];
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return -ENODEV;
	ush_dp_counters_sum(tel.w, tel.n, v);
	rte_tel_data_start_dict(d);
	put_u64(d, "workers", tel.n, &rc);
	for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
		put_u64(d, ush_ctr_name((enum ush_ctr)c), v[c], &rc);
	tel_leave();
	return rc;
}

/*
 * Every worker: one array per counter, index = worker (22.11 nests arrays, not dicts). With a
 * parameter (/usher/workers,2): that worker only, as plain values. The reply buffer (16 KiB)
 * holds the arrays of about 10 workers; beyond, ask per worker.
 */
static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int first = 0, last;
	int rc = 0;

	RTE_SET_USED(cmd);
	if (!tel_enter())
		return -ENODEV;
	last = tel.n;
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long id = strtoul(params, &end, 10);

		if (*end != '\0' || id >= tel.n) {
			tel_leave();
			return -EINVAL;
		}
		first = (unsigned int)id;
		last = first + 1;
	}
	rte_tel_data_start_dict(d);
	if (params != NULL && *params != '\0') {
		const struct ush_dp_worker *w = tel.w[first];

		put_u64(d, "worker", w->id, &rc);
		put_u64(d, "lcore", w->lcore_id, &rc);
		for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
			put_u64(d, ush_ctr_name((enum ush_ctr)c), ctr(w, c), &rc);
	} else {
		struct rte_tel_data *a = new_array(RTE_TEL_U64_VAL, &rc);

		if (a != NULL) {
			for (unsigned int i = first; i < last; i++)
				add_u64(a, tel.w[i]->lcore_id, &rc);
			put_array(d, "lcore", a, &rc);
		}
		for (unsigned int c = 0; c < USH_CTR_COUNT && rc == 0; c++) {
			a = new_array(RTE_TEL_U64_VAL, &rc);
			if (a == NULL)
				break;
			for (unsigned int i = first; i < last; i++)
				add_u64(a, ctr(tel.w[i], c), &rc);
			put_array(d, ush_ctr_name((enum ush_ctr)c), a, &rc);
		}
	}
	tel_leave();
	return rc;
}

static int
tel_bans(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct ush_auth_conf *a;
	const struct ush_auth_shared *s = &ush_dp_sh.auth;
	uint64_t used = 0, banned = 0, now;
	unsigned int order;
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return -ENODEV;
	a = &tel.conf->auth;
	order = tel.conf->guard_table_order;
	now = ush_dp_now(&ush_dp_sh);
	rte_tel_data_start_dict(d);
	put_u64(d, "ban_table_slots", s->bans != NULL ? UINT64_C(8) << order : 0, &rc);
	if (s->bans != NULL) {
		/*
		 * One table holds both policies and a slot does not say which: a ban counts
		 * while the longer ban_time of the enabled policies runs.
		 */
		struct ush_guard_ban_conf c = a->ban_src;

		if (c.threshold == 0 ||
		    (a->ban_user.threshold != 0 && a->ban_user.ban_time > c.ban_time))
			c = a->ban_user;

		ush_guard_table_stats(s->bans, &c, (uint32_t)now, &used, &banned);
	}
	put_u64(d, "ban_table_used", used, &rc);
	put_u64(d, "banned", banned, &rc);
	used = 0;
	put_u64(d, "rate_table_slots", s->rates != NULL ? UINT64_C(8) << order : 0, &rc);
	if (s->rates != NULL)
		ush_guard_table_stats(s->rates, NULL, (uint32_t)now, &used, &banned);
	put_u64(d, "rate_table_used", used, &rc);
	tel_leave();
	return rc;
}

static int
tel_nonce_table(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return -ENODEV;
	rte_tel_data_start_dict(d);
	put_u64(d, "slots", UINT64_C(1) << tel.conf->nc_table_order, &rc);
	put_u64(d, "used", ush_nc_table_used(ush_dp_sh.auth.nc), &rc);
	put_u64(d, "bytes", ush_nc_table_size(tel.conf->nc_table_order), &rc);
	tel_leave();
	return rc;
}

/* Both ports: one array per statistic, index 0 = outside, 1 = inside. */
static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const names[] = {"port_id", "ipackets", "opackets", "ibytes",   "obytes",
					    "imissed", "ierrors",  "oerrors",  "rx_nombuf"};
	struct rte_eth_stats st[USH_DP_NPORTS];
	struct rte_tel_data *a;
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return -ENODEV;
	for (unsigned int p = 0; p < USH_DP_NPORTS; p++)
		if (rte_eth_stats_get(ush_dp_sh.port[p].port_id, &st[p]) != 0)
			memset(&st[p], 0, sizeof(st[p]));
	rte_tel_data_start_dict(d);
	a = new_array(RTE_TEL_STRING_VAL, &rc);
	if (a != NULL) {
		for (unsigned int p = 0; p < USH_DP_NPORTS; p++)
			if (rte_tel_data_add_array_string(a, p == USH_DP_OUTSIDE ? "outside"
										 : "inside") < 0)
				rc = -E2BIG;
		put_array(d, "role", a, &rc);
	}
	a = new_array(RTE_TEL_STRING_VAL, &rc);
	if (a != NULL) {
		for (unsigned int p = 0; p < USH_DP_NPORTS; p++)
			if (rte_tel_data_add_array_string(a, ush_dp_sh.port[p].name) < 0)
				rc = -E2BIG;
		put_array(d, "name", a, &rc);
	}
	for (unsigned int k = 0; k < RTE_DIM(names) && rc == 0; k++) {
		a = new_array(RTE_TEL_U64_VAL, &rc);
		if (a == NULL)
			break;
		for (unsigned int p = 0; p < USH_DP_NPORTS; p++) {
			const uint64_t v[] = {ush_dp_sh.port[p].port_id,
					      st[p].ipackets,
					      st[p].opackets,
					      st[p].ibytes,
					      st[p].obytes,
					      st[p].imissed,
					      st[p].ierrors,
					      st[p].oerrors,
					      st[p].rx_nombuf};

			add_u64(a, v[k], &rc);
		}
		put_array(d, names[k], a, &rc);
	}
	tel_leave();
	return rc;
}

static const char *
deny_text(uint8_t action)
{
	return action == USH_AUTH_DENY_DROP ? "drop" : "reply";
}

static int
tel_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const shed_text[] = {
		[USH_DP_SHED_OFF] = "off",
		[USH_DP_SHED_QUEUE_COUNT] = "queue_fill",
		[USH_DP_SHED_FULL_BURSTS] = "full_bursts",
	};
	const struct ush_dp_conf *c;
	char buf[256];
	size_t off = 0;
	int rc = 0;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!tel_enter())
		return -ENODEV;
	c = tel.conf;
	rte_tel_data_start_dict(d);
	put_str(d, "config", c->path, &rc);
	put_str(d, "realm", c->auth.realm, &rc);
	buf[0] = '\0';
	for (unsigned int i = 0; i < c->auth.n_algos && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "",
					ush_algo_name((enum ush_algo)c->auth.algos[i]));
	put_str(d, "algorithms", buf, &rc);
	put_u64(d, "nonce_lifetime", c->auth.nonce_lifetime, &rc);
	put_u64(d, "nc_table_order", c->nc_table_order, &rc);
	put_u64(d, "workers", tel.n, &rc);
	off = 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < c->n_sip_ports && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u", i ? "," : "",
					c->sip_ports[i]);
	put_str(d, "sip_ports", buf, &rc);
	put_str(d, "passthrough", c->passthrough == USH_DP_PASS_DROP ? "drop" : "forward", &rc);
	put_str(d, "credentials", c->creds_file, &rc);
	put_u64(d, "ban_threshold", c->auth.ban_src.threshold, &rc);
	put_u64(d, "ban_window", c->auth.ban_src.window, &rc);
	put_u64(d, "ban_time", c->auth.ban_src.ban_time, &rc);
	put_u64(d, "user_ban_threshold", c->auth.ban_user.threshold, &rc);
	put_u64(d, "user_ban_window", c->auth.ban_user.window, &rc);
	put_u64(d, "user_ban_time", c->auth.ban_user.ban_time, &rc);
	put_str(d, "deny_action", deny_text(c->auth.deny_action), &rc);
	put_u64(d, "rate", c->auth.rate.rate, &rc);
	put_u64(d, "rate_burst", c->auth.rate.burst, &rc);
	put_str(d, "rate_action", deny_text(c->auth.rate_action), &rc);
	put_u64(d, "retry_after", c->auth.retry_after, &rc);
	put_u64(d, "table_order", c->guard_table_order, &rc);
	put_u64(d, "list_prefixes_ipv4", atomic_load(&ush_dp_sh.lists)->n_v4, &rc);
	put_u64(d, "list_prefixes_ipv6", atomic_load(&ush_dp_sh.lists)->n_v6, &rc);
	put_str(d, "shed", shed_text[atomic_load(&ush_dp_sh.shed_mode)], &rc);
	put_u64(d, "full_bursts", atomic_load(&ush_dp_sh.shed_full_bursts), &rc);
	put_u64(d, "rx_queue_fill", atomic_load(&ush_dp_sh.shed_rxq_fill), &rc);
	tel_leave();
	return rc;
}

static const struct {
	const char *path;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{"/usher/stats", tel_stats, "Totals of every Usher counter (docs/counters.md)."},
	{"/usher/workers", tel_workers,
	 "Per-worker counters, one array per counter. Parameter: worker index for one worker."},
	{"/usher/bans", tel_bans, "Ban and rate-limit tables: slots, slots in use, active bans."},
	{"/usher/nonce_table", tel_nonce_table, "Nonce-count (replay) table: slots, slots in use."},
	{"/usher/ports", tel_ports, "ethdev statistics of the outside and inside ports."},
	{"/usher/config", tel_config, "The main settings Usher runs with."},
};

int
ush_dp_telemetry_init(const struct ush_dp_conf *conf, struct ush_dp_worker *const *w,
		      unsigned int n)
{
	rte_spinlock_lock(&tel.lock);
	tel.conf = conf;
	tel.w = w;
	tel.n = n;
	tel.active = true;
	rte_spinlock_unlock(&tel.lock);
	for (unsigned int i = 0; i < RTE_DIM(tel_cmds); i++) {
		int rc = rte_telemetry_register_cmd(tel_cmds[i].path, tel_cmds[i].fn,
						    tel_cmds[i].help);

		if (rc != 0) {
			USH_DP_LOG(ERR, "telemetry: cannot register %s: %s", tel_cmds[i].path,
				   strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
ush_dp_telemetry_stop(void)
{
	rte_spinlock_lock(&tel.lock);
	tel.active = false;
	rte_spinlock_unlock(&tel.lock);
}
