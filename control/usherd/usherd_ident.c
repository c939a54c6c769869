/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usherd's STIR/SHAKEN service: PUNT records from the nodes go to the verifier's pool, the
 * pool's eventfd sits in usherd's poll loop, and each finished verification goes back to the
 * node that punted it as a VERDICT record (include/usher_ctl.h, docs/identity.md).
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usherd_priv.h"

/* the wire's verdict classes are the verifier's, in the same order */
static_assert((int)USH_CTL_IDV_PASSED == USHD_ID_V_PASSED &&
		      (int)USH_CTL_IDV_MISSING == USHD_ID_V_MISSING &&
		      (int)USH_CTL_IDV_BAD_INFO == USHD_ID_V_BAD_INFO &&
		      (int)USH_CTL_IDV_UNSUPPORTED == USHD_ID_V_UNSUPPORTED_CRED &&
		      (int)USH_CTL_IDV_INVALID == USHD_ID_V_INVALID &&
		      (int)USH_CTL_IDV_STALE == USHD_ID_V_STALE &&
		      (int)USH_CTL_IDV_INTERNAL == USHD_ID_V_INTERNAL &&
		      (int)USH_CTL_IDV_COUNT == USHD_ID_V_COUNT,
	      "enum ush_ctl_idv follows enum ushd_id_verdict");

/* verdicts sent per VERDICT frame at most (each record is at most 44 bytes) */
#define IDENT_BATCH 256

int
ushd_ident_start(struct ushd *d, char *err, size_t errlen)
{
	uint32_t depth = d->conf.ident.queue_depth;

	if (!d->conf.ident_on)
		return 0;
	d->id = ushd_identity_create(&d->conf.ident, err, errlen);
	if (d->id == NULL)
		return -EINVAL;
	d->pool = ushd_identity_pool_create(d->id, d->conf.ident.threads, depth);
	d->jobs = calloc(depth, sizeof(*d->jobs));
	d->job_free = calloc(depth, sizeof(*d->job_free));
	if (d->pool == NULL || d->jobs == NULL || d->job_free == NULL) {
		snprintf(err, errlen, "identity: cannot start %u verifier threads",
			 d->conf.ident.threads);
		ushd_ident_stop(d);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < depth; i++)
		d->job_free[i] = depth - 1 - i;
	d->n_job_free = depth;
	return 0;
}

void
ushd_ident_stop(struct ushd *d)
{
	ushd_identity_pool_free(d->pool);
	d->pool = NULL;
	ushd_identity_free(d->id);
	d->id = NULL;
	free(d->jobs);
	d->jobs = NULL;
	free(d->job_free);
	d->job_free = NULL;
	d->n_job_free = 0;
}

int
ushd_ident_fd(const struct ushd *d)
{
	return d->pool != NULL ? ushd_identity_pool_fd(d->pool) : -1;
}

/* One VERDICT frame to node n. A failure takes the node down (its punts time out there). */
static void
verdicts_send(struct ushd *d, struct ushd_node *n, const uint8_t *buf, size_t len)
{
	int rc;

	if (len == 0 || n->fd < 0)
		return;
	rc = ush_ctl_send(n->fd, USH_CTL_VERDICT, 0, buf, (uint32_t)len);
	if (rc < 0) {
		char why[128];

		snprintf(why, sizeof(why), "sending verdicts: %s", strerror(-rc));
		ushd_node_down(d, n, why);
	}
}

/* A NUL-terminated copy of a punt field. */
static const char *
field(char *dst, const char *src, uint16_t len)
{
	if (src == NULL)
		return NULL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

/* v into node n's batch buf (*used bytes of cap); a full batch is sent first. */
static void
verdict_add(struct ushd *d, struct ushd_node *n, uint8_t *buf, size_t cap, size_t *used,
	    const struct ush_ctl_verdict *v)
{
	if (ush_ctl_verdict_put(buf, cap, used, v) == -ENOSPC) {
		verdicts_send(d, n, buf, *used);
		*used = 0;
		ush_ctl_verdict_put(buf, cap, used, v);
	}
}

int
ushd_ident_punts(struct ushd *d, struct ushd_node *n, const uint8_t *payload, uint32_t len)
{
	static char identity[USH_CTL_PUNT_IDENTITY_MAX + 1], from[USH_CTL_PUNT_ADDR_MAX + 1],
		pai[USH_CTL_PUNT_ADDR_MAX + 1], to[USH_CTL_PUNT_ADDR_MAX + 1];
	uint8_t out[IDENT_BATCH * (USH_CTL_VERDICT_HDR_LEN + 16)];
	size_t off = 0, o = 0;
	struct ush_ctl_punt p;
	int rc;

	while ((rc = ush_ctl_punt_next(payload, len, &off, &p)) == 1) {
		struct ushd_identity_req req;
		struct ush_ctl_verdict v;
		uint32_t j;

		n->punts++;
		d->id_punts++;
		/* no verifier, every slot busy, or the pool refuses: the node applies its
		 * unavailable policy */
		if (d->pool == NULL || d->n_job_free == 0)
			goto overload;
		req = (struct ushd_identity_req){
			.identity = field(identity, p.identity, p.identity_len),
			.from = field(from, p.from, p.from_len),
			.pai = field(pai, p.pai, p.pai_len),
			.to = field(to, p.to, p.to_len),
		};
		j = d->job_free[d->n_job_free - 1];
		if (ushd_identity_pool_submit(d->pool, &req, j) < 0)
			goto overload;
		d->n_job_free--;
		d->jobs[j] = (struct ushd_ident_job){
			.id = p.id, .conn = n->conn, .node = (int16_t)(n - d->nodes)};
		continue;
overload:
		d->id_overload++;
		v = (struct ush_ctl_verdict){.id = p.id,
					     .verdict = USH_CTL_IDV_INTERNAL,
					     .reason = "overload",
					     .reason_len = 8};
		verdict_add(d, n, out, sizeof(out), &o, &v);
	}
	verdicts_send(d, n, out, o);
	if (rc < 0) {
		d->id_bad++;
		return -EPROTO;
	}
	return 0;
}

void
ushd_ident_collect(struct ushd *d)
{
	static uint8_t out[USHD_MAX_NODES]
			  [IDENT_BATCH * (USH_CTL_VERDICT_HDR_LEN + USH_CTL_VERDICT_REASON_MAX)];
	size_t used[USHD_MAX_NODES] = {0};
	struct ushd_identity_result res[IDENT_BATCH];
	unsigned int got;

	if (d->pool == NULL)
		return;
	do {
		got = ushd_identity_pool_collect(d->pool, res, IDENT_BATCH);
		for (unsigned int i = 0; i < got; i++) {
			uint32_t j = (uint32_t)res[i].cookie;
			struct ushd_ident_job job = d->jobs[j];
			struct ushd_node *n = &d->nodes[job.node];
			const char *reason = ushd_identity_reason_name(res[i].reason);
			struct ush_ctl_verdict v = {
				.id = job.id,
				.verdict = res[i].verdict,
				.attest = res[i].verdict == USHD_ID_V_PASSED ? res[i].attest : 0,
				.reason = reason,
				.reason_len = (uint8_t)strnlen(reason, USH_CTL_VERDICT_REASON_MAX),
			};

			d->job_free[d->n_job_free++] = j;
			d->id_verdicts++;
			/* the node went away meanwhile: its punts were decided there */
			if (n->fd < 0 || n->conn != job.conn) {
				d->id_dropped++;
				continue;
			}
			verdict_add(d, n, out[job.node], sizeof(out[0]), &used[job.node], &v);
		}
	} while (got == IDENT_BATCH);
	for (unsigned int k = 0; k < d->conf.n_nodes; k++)
		verdicts_send(d, &d->nodes[k], out[k], used[k]);
}

/* ---- usherctl identity ... ---- */

static json_t *
ident_stats(struct ushd *d)
{
	struct ushd_identity_stats st;
	json_t *r = ush_ctl_reply_ok(), *verdicts = json_object(), *reasons = json_object();
	json_t *nodes = json_array();

	ushd_identity_stats(d->id, &st);
	for (int v = 0; v < USHD_ID_V_COUNT; v++) {
		static const char *const names[USHD_ID_V_COUNT] = {
			"passed",  "missing", "bad_info", "unsupported_cred",
			"invalid", "stale",   "internal",
		};

		json_object_set_new(verdicts, names[v], json_integer((json_int_t)st.verdict[v]));
	}
	for (int k = 0; k < USHD_ID_R_COUNT; k++)
		if (st.reason[k] != 0)
			json_object_set_new(reasons,
					    ushd_identity_reason_name((enum ushd_id_reason)k),
					    json_integer((json_int_t)st.reason[k]));
	for (unsigned int k = 0; k < d->conf.n_nodes; k++)
		json_array_append_new(nodes,
				      json_pack("{s:s, s:b, s:I}", "path", d->nodes[k].path,
						"punting", d->nodes[k].fd >= 0 && d->nodes[k].ident,
						"punts", (json_int_t)d->nodes[k].punts));
	json_object_set_new(r, "verdicts", verdicts);
	json_object_set_new(r, "reasons", reasons);
	json_object_set_new(
		r, "cache",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cert_hit",
			  (json_int_t)st.cert_hit, "cert_miss", (json_int_t)st.cert_miss,
			  "cert_cached", (json_int_t)st.cert_cached, "result_hit",
			  (json_int_t)st.result_hit, "result_miss", (json_int_t)st.result_miss,
			  "result_cached", (json_int_t)st.result_cached, "chain_builds",
			  (json_int_t)st.chain_builds, "sig_verifies", (json_int_t)st.sig_verifies,
			  "flushes", (json_int_t)st.flushes));
	json_object_set_new(
		r, "fetch",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "fetches", (json_int_t)st.fetches,
			  "refused", (json_int_t)st.fetch_refused, "failed",
			  (json_int_t)st.fetch_failed, "too_big", (json_int_t)st.fetch_too_big,
			  "timeout", (json_int_t)st.fetch_timeout, "bytes",
			  (json_int_t)st.fetch_bytes));
	json_object_set_new(
		r, "punts",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:i}", "received", (json_int_t)d->id_punts,
			  "answered", (json_int_t)d->id_verdicts, "overload",
			  (json_int_t)d->id_overload, "dropped", (json_int_t)d->id_dropped,
			  "malformed", (json_int_t)d->id_bad, "in_flight",
			  (int)(d->conf.ident.queue_depth - d->n_job_free)));
	json_object_set_new(r, "nodes", nodes);
	return r;
}

static void
cert_entry(void *arg, const struct ushd_identity_cert_info *e)
{
	json_array_append_new(
		arg, json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:b}", "x5u", e->x5u, "subject",
			       e->subject, "not_before", (json_int_t)e->not_before, "valid_until",
			       (json_int_t)e->valid_until, "expires", (json_int_t)e->expires,
			       "tn_entries", (int)e->n_tn, "spc", e->spc));
}

json_t *
ushd_ident_cmd(struct ushd *d, const char *cmd, const json_t *req)
{
	char err[512];
	json_t *r, *list;

	(void)req;
	if (strncmp(cmd, "identity.", 9) != 0)
		return NULL;
	if (d->id == NULL)
		return ush_ctl_reply_err(
			USH_CTL_ENOTFOUND,
			"no [identity] section in %s: STIR/SHAKEN verification is off",
			d->conf.path);
	if (strcmp(cmd, "identity.stats") == 0)
		return ident_stats(d);
	if (strcmp(cmd, "identity.cache") == 0) {
		list = json_array();
		ushd_identity_cert_list(d->id, cert_entry, list);
		r = ush_ctl_reply_ok();
		json_object_set_new(r, "now", json_integer((json_int_t)time(NULL)));
		json_object_set_new(r, "certificates", list);
		return r;
	}
	if (strcmp(cmd, "identity.flush") == 0) {
		ushd_identity_flush(d->id);
		ushd_log(USHD_LOG_NOTICE, "identity: caches flushed");
		return ush_ctl_reply_ok();
	}
	if (strcmp(cmd, "identity.reload") == 0) {
		if (ushd_identity_reload(d->id, err, sizeof(err)) < 0)
			return ush_ctl_reply_err(USH_CTL_ESOURCE,
						 "identity: %s (the trust in force is kept)", err);
		ushd_log(USHD_LOG_NOTICE, "identity: trust anchors, CRLs and repository index "
					  "reloaded, caches flushed");
		return ush_ctl_reply_ok();
	}
	return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "unknown command '%s'", cmd);
}
