/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usherd's connections to the dataplane nodes. Each (re)connection is followed by a whole
 * synchronisation: hello, nonce keys, a full credentials transfer, then the live changes in
 * the order they were made. A node that restarted, and a node that kept running while usherd
 * restarted, both end up with exactly usherd's state.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "usherd_priv.h"

uint64_t
ushd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
ushd_node_down(struct ushd *d, struct ushd_node *n, const char *why)
{
	if (n->fd >= 0) {
		ushd_log(USHD_LOG_WARNING, "node %s: down: %s", n->path, why);
		close(n->fd);
		n->fd = -1;
	}
	n->synced = false;
	snprintf(n->why, sizeof(n->why), "%s", why);
	/*
	 * It accepted, then failed or hung: every attempt costs up to timeout_ms of usherd's
	 * only thread, so the retries of such a node slow down (up to 32 x reconnect_ms).
	 */
	if (n->failures < 5)
		n->failures++;
	n->next_try_ms = ushd_now_ms() + ((uint64_t)d->conf.reconnect_ms << n->failures);
}

/* PUNT frames that arrive while a call waits for its reply (include/usher_ctl.h). */
struct punt_ctx {
	struct ushd *d;
	struct ushd_node *n;
};

static int
punt_frame(void *arg, const struct ush_ctl_hdr *h, const uint8_t *payload)
{
	struct punt_ctx *pc = arg;

	return ushd_ident_punts(pc->d, pc->n, payload, h->len);
}

json_t *
ushd_node_call(struct ushd *d, struct ushd_node *n, const json_t *req)
{
	struct punt_ctx pc = {d, n};
	char err[256], why[300];
	json_t *reply;

	if (n->fd < 0)
		return NULL;
	reply = ush_ctl_call_ex(n->fd, req, punt_frame, &pc, err, sizeof(err));
	if (reply == NULL) {
		snprintf(why, sizeof(why), "%s: %s", json_string_value(json_object_get(req, "cmd")),
			 err);
		ushd_node_down(d, n, why);
	}
	return reply;
}

/* A call whose failure (not ok) is a reason to drop the connection: a sync step. */
static int
node_step(struct ushd *d, struct ushd_node *n, json_t *req, json_t **out)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *reply = ushd_node_call(d, n, req);
	char why[300];

	if (reply == NULL)
		return -EIO;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		snprintf(why, sizeof(why), "%s refused: %s", cmd,
			 json_string_value(json_object_get(reply, "error")) ?: "(no message)");
		json_decref(reply);
		ushd_node_down(d, n, why);
		return -EPROTO;
	}
	if (out != NULL)
		*out = reply;
	else
		json_decref(reply);
	return 0;
}

static int
creds_flush(struct ushd *d, struct ushd_node *n, uint8_t *buf, size_t *off)
{
	int rc;

	if (*off == 0)
		return 0;
	rc = ush_ctl_send(n->fd, USH_CTL_CREDS, 0, buf, (uint32_t)*off);
	*off = 0;
	if (rc < 0) {
		char why[128];

		snprintf(why, sizeof(why), "sending credentials: %s", strerror(-rc));
		ushd_node_down(d, n, why);
	}
	return rc;
}

static int
creds_put(struct ushd *d, struct ushd_node *n, uint8_t *buf, size_t *off,
	  const struct ush_ctl_cred *r)
{
	int rc = ush_ctl_cred_put(buf, USHD_CREDS_CHUNK, off, r);

	if (rc == -ENOSPC) {
		rc = creds_flush(d, n, buf, off);
		if (rc == 0)
			rc = ush_ctl_cred_put(buf, USHD_CREDS_CHUNK, off, r);
	}
	return rc;
}

/* SET records for every hash one subscriber has (a DEL first when del_first). */
static int
creds_put_user(struct ushd *d, struct ushd_node *n, uint8_t *buf, size_t *off,
	       const struct ushd_cred *c, bool del_first, bool del_only, uint32_t *records)
{
	struct ush_ctl_cred r = {
		.op = USH_CTL_CRED_DEL,
		.user = c->user,
		.realm = c->realm,
		.user_len = (uint8_t)strlen(c->user),
		.realm_len = (uint8_t)strlen(c->realm),
	};
	int rc;

	if (del_first || del_only) {
		rc = creds_put(d, n, buf, off, &r);
		if (rc < 0)
			return rc;
		(*records)++;
		if (del_only)
			return 0;
	}
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		if (!(c->have & (1u << h)))
			continue;
		r.op = USH_CTL_CRED_SET;
		r.hash = (uint8_t)h;
		r.ha1 = c->ha1[h];
		r.ha1_len = (uint8_t)ush_hash_len((enum ush_hash)h);
		rc = creds_put(d, n, buf, off, &r);
		if (rc < 0)
			return rc;
		(*records)++;
	}
	return 0;
}

static uint32_t
count_records(const struct ushd_credset *s)
{
	uint32_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += (uint32_t)__builtin_popcount(s->v[i].have & ((1u << USH_HASH_COUNT) - 1));
	return n;
}

static int
creds_transfer(struct ushd *d, struct ushd_node *n, const struct ushd_cred *v, size_t count,
	       bool full, bool del, json_t **reply)
{
	uint32_t hint = full ? count_records(&d->creds) : (uint32_t)USH_HASH_COUNT + 1;
	uint32_t records = 0;
	size_t off = 0;
	uint8_t *buf;
	json_t *req;
	int rc;

	buf = malloc(USHD_CREDS_CHUNK);
	if (buf == NULL)
		return -ENOMEM;
	req = json_pack("{s:s, s:s, s:i}", "cmd", "creds.begin", "mode", full ? "full" : "delta",
			"records", (json_int_t)hint);
	rc = req ? node_step(d, n, req, NULL) : -ENOMEM;
	json_decref(req);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = creds_put_user(d, n, buf, &off, &v[i], !full, del, &records);
	if (rc == 0)
		rc = creds_flush(d, n, buf, &off);
	OPENSSL_cleanse(buf, USHD_CREDS_CHUNK);
	free(buf);
	if (rc < 0) {
		/* the node may still be in the transfer: tell it to forget, if it is there */
		if (n->fd >= 0) {
			req = json_pack("{s:s}", "cmd", "creds.abort");
			if (req != NULL)
				json_decref(ushd_node_call(d, n, req));
			json_decref(req);
			ushd_node_down(d, n, "credentials transfer failed");
		}
		return rc;
	}
	req = json_pack("{s:s, s:i}", "cmd", "creds.commit", "records", (json_int_t)records);
	rc = req ? node_step(d, n, req, reply) : -ENOMEM;
	json_decref(req);
	return rc;
}

int
ushd_node_push_full(struct ushd *d, struct ushd_node *n, json_t **reply)
{
	return creds_transfer(d, n, d->creds.v, d->creds.n, true, false, reply);
}

int
ushd_node_push_delta(struct ushd *d, struct ushd_node *n, const struct ushd_cred *c, bool del,
		     json_t **reply)
{
	return creds_transfer(d, n, c, 1, false, del, reply);
}

/* Replay the live changes; a change this node refuses is logged and skipped, not fatal. */
static int
node_replay(struct ushd *d, struct ushd_node *n)
{
	json_t *op, *reply;
	size_t i;

	json_array_foreach(d->live, i, op) {
		reply = ushd_node_call(d, n, op);
		if (reply == NULL)
			return -EIO;
		if (!json_is_true(json_object_get(reply, "ok"))) {
			const char *cmd = json_string_value(json_object_get(op, "cmd"));
			json_int_t code = json_integer_value(json_object_get(reply, "code"));

			/* deleting an entry the node's file no longer has is already done */
			if (!(strcmp(cmd, "list.del") == 0 && code == USH_CTL_ENOTFOUND))
				ushd_log(USHD_LOG_WARNING, "node %s: replaying %s %s: %s", n->path,
					 cmd,
					 json_string_value(json_object_get(op, "key"))
						 ?: json_string_value(json_object_get(op, "cidr")),
					 json_string_value(json_object_get(reply, "error")) ?: "");
		}
		json_decref(reply);
	}
	return 0;
}

static int
node_sync(struct ushd *d, struct ushd_node *n)
{
	json_t *req, *reply = NULL;
	int rc;

	req = json_pack("{s:s, s:i, s:s, s:b}", "cmd", "hello", "version", USH_CTL_VERSION, "peer",
			"usherd", "identity", d->id != NULL);
	rc = req ? node_step(d, n, req, &reply) : -ENOMEM;
	json_decref(req);
	if (rc < 0)
		return rc;
	snprintf(n->name, sizeof(n->name), "%s",
		 json_string_value(json_object_get(reply, "node")) ?: "");
	n->pid = json_integer_value(json_object_get(reply, "pid"));
	n->boot = json_integer_value(json_object_get(reply, "boot"));
	n->ident = json_is_true(json_object_get(reply, "identity"));
	json_decref(reply);

	req = ushd_keys_request(&d->keys);
	rc = req ? node_step(d, n, req, NULL) : -ENOMEM;
	ushd_json_wipe(req);
	if (rc < 0)
		return rc;
	reply = NULL;
	rc = ushd_node_push_full(d, n, &reply);
	json_decref(reply);
	if (rc < 0)
		return rc;
	rc = node_replay(d, n);
	if (rc < 0)
		return rc;
	n->synced = true;
	n->syncs++;
	n->failures = 0;
	n->why[0] = '\0';
	ushd_log(USHD_LOG_NOTICE,
		 "node %s (%s, pid %lld): synchronised: %zu users, nonce key "
		 "%u, %zu live changes",
		 n->path, n->name, n->pid, d->creds.n, d->keys.cur_kid, json_array_size(d->live));
	return 0;
}

void
ushd_nodes_tick(struct ushd *d, bool force)
{
	uint64_t now = ushd_now_ms();

	for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
		struct ushd_node *n = &d->nodes[i];
		char why[300];
		int fd;

		/* forced (a command is waiting): at once, unless it is a node backing off */
		if (n->fd >= 0 || (now < n->next_try_ms && (!force || n->failures > 0)))
			continue;
		fd = ush_ctl_connect(n->path, d->conf.timeout_ms);
		if (fd < 0) {
			snprintf(why, sizeof(why), "connect: %s", strerror(-fd));
			if (strcmp(why, n->why) != 0)
				ushd_log(USHD_LOG_WARNING, "node %s: %s", n->path, why);
			snprintf(n->why, sizeof(n->why), "%s", why);
			/* nothing listens: cheap to retry, and a command may retry at once */
			n->failures = 0;
			n->next_try_ms = now + d->conf.reconnect_ms;
			continue;
		}
		n->fd = fd;
		n->conn++;
		n->ident = false;
		ushd_log(USHD_LOG_INFO, "node %s: connected", n->path);
		(void)node_sync(d, n);
	}
}

void
ushd_node_readable(struct ushd *d, struct ushd_node *n)
{
	struct ush_ctl_rx rx = {0};

	/* whole frames: the node writes each in one go, so a blocking read ends soon */
	for (int k = 0; k < 64 && n->fd >= 0; k++) {
		struct pollfd more = {.fd = n->fd, .events = POLLIN};
		int rc = ush_ctl_recv(&rx, n->fd);

		if (rc < 0) {
			ushd_node_down(d, n,
				       rc == -EPIPE ? "connection closed by the node"
						    : "protocol error on the node's connection");
			break;
		}
		if (rx.hdr.type != USH_CTL_PUNT) {
			ushd_node_down(d, n, "unexpected frame from the node");
			break;
		}
		if (ushd_ident_punts(d, n, rx.payload, rx.hdr.len) < 0) {
			ushd_node_down(d, n, "malformed PUNT record");
			break;
		}
		if (n->fd < 0 || poll(&more, 1, 0) <= 0)
			break;
	}
	ush_ctl_rx_free(&rx);
}
