/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usherd's answers to usherctl (docs/operations.md lists them). Commands that reach the
 * dataplane give one entry per node under "nodes"; a node that is down or fails has
 * "state": "down" and its reason, the others are still served, and the reply as a whole
 * then fails with USH_CTL_ENODE — unless a node refused the operator's input, which is
 * reported first (its code, usually USH_CTL_EINVAL).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "usherd_priv.h"

static const char *const source_kinds[] = {
	[USHD_SRC_HTDIGEST] = "htdigest",
	[USHD_SRC_SQLITE] = "sqlite",
	[USHD_SRC_PGSQL] = "pgsql",
};

static const char *const hash_names[USH_HASH_COUNT] = {
	[USH_HASH_MD5] = "MD5",
	[USH_HASH_SHA256] = "SHA-256",
	[USH_HASH_SHA512_256] = "SHA-512-256",
};

/* ---- relaying to the nodes ---- */

/* The outcome of one command over all nodes. */
struct relay {
	json_t *nodes;	  /* one entry per node */
	int refused_code; /* first refusal (the node answered ok: false), or 0 */
	char refused[512];
	unsigned int down; /* nodes down or failed */
	char down_msg[400];
	unsigned int accepted;
};

static json_t *
node_entry(const struct ushd_node *n)
{
	json_t *e = json_pack("{s:s, s:s}", "path", n->path, "state", n->fd >= 0 ? "up" : "down");

	if (e == NULL)
		return NULL;
	if (n->fd >= 0) {
		json_object_set_new(e, "name", json_string(n->name));
		json_object_set_new(e, "pid", json_integer(n->pid));
	} else {
		json_object_set_new(e, "error", json_string(n->why[0] ? n->why : "not connected"));
		json_object_set_new(e, "code", json_integer(USH_CTL_ENODE));
	}
	return e;
}

static void
relay_note_down(struct relay *r, const struct ushd_node *n)
{
	if (r->down++ == 0)
		snprintf(r->down_msg, sizeof(r->down_msg), "node %s is down: %s", n->path,
			 n->why[0] ? n->why : "not connected");
}

/* Account for one node's reply (NULL: it failed); the entry gets "reply" or the reason. */
static void
relay_account(struct relay *r, const struct ushd_node *n, json_t *entry, json_t *reply)
{
	if (reply == NULL) {
		json_object_set_new(entry, "state", json_string("down"));
		json_object_set_new(entry, "error", json_string(n->why));
		json_object_set_new(entry, "code", json_integer(USH_CTL_ENODE));
		relay_note_down(r, n);
		return;
	}
	if (json_is_true(json_object_get(reply, "ok"))) {
		r->accepted++;
	} else {
		int code = (int)json_integer_value(json_object_get(reply, "code"));

		if (code == USH_CTL_ENODE || code == USH_CTL_OK)
			code = USH_CTL_EINTERNAL;
		if (r->refused_code == 0) {
			r->refused_code = code;
			snprintf(r->refused, sizeof(r->refused), "node %s: %s", n->path,
				 json_string_value(json_object_get(reply, "error")) ?: "refused");
		}
		json_object_set_new(entry, "error",
				    json_incref(json_object_get(reply, "error")) ?: json_null());
		json_object_set_new(entry, "code",
				    json_incref(json_object_get(reply, "code")) ?: json_null());
	}
	json_object_del(reply, "ok");
	json_object_set_new(entry, "reply", reply);
}

/* Send req to every node (a down node is retried at once first). */
static int
relay(struct ushd *d, const json_t *req, struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->nodes = json_array();
	if (r->nodes == NULL)
		return -ENOMEM;
	ushd_nodes_tick(d, true);
	for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
		struct ushd_node *n = &d->nodes[i];
		json_t *e = node_entry(n);

		if (e == NULL)
			return -ENOMEM;
		if (n->fd < 0)
			relay_note_down(r, n);
		else
			relay_account(r, n, e, ushd_node_call(d, n, req));
		json_array_append_new(r->nodes, e);
	}
	return 0;
}

/* The reply for a relayed command: the per-node entries plus the overall outcome. */
static json_t *
relay_reply(struct relay *r)
{
	json_t *rep;

	if (r->refused_code != 0)
		rep = ush_ctl_reply_err(r->refused_code, "%s", r->refused);
	else if (r->down > 0)
		rep = ush_ctl_reply_err(USH_CTL_ENODE, "%s%s", r->down_msg,
					r->down > 1 ? " (and others)" : "");
	else
		rep = ush_ctl_reply_ok();
	if (rep != NULL)
		json_object_set(rep, "nodes", r->nodes);
	json_decref(r->nodes);
	r->nodes = NULL;
	return rep;
}

static json_t *
cmd_relay(struct ushd *d, const json_t *req)
{
	struct relay r;

	if (relay(d, req, &r) < 0) {
		json_decref(r.nodes);
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	}
	return relay_reply(&r);
}

/* ---- helpers ---- */

static const char *
str_arg(const json_t *req, const char *key)
{
	const json_t *v = json_object_get(req, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *
hashes_json(uint8_t have)
{
	json_t *a = json_array();

	for (unsigned int h = 0; a != NULL && h < USH_HASH_COUNT; h++)
		if (have & (1u << h))
			json_array_append_new(a, json_string(hash_names[h]));
	return a;
}

static ssize_t
creds_find(const struct ushd_credset *s, const char *user, const char *realm)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].user, user) == 0 && strcmp(s->v[i].realm, realm) == 0)
			return (ssize_t)i;
	return -1;
}

static json_t *
source_json(const struct ushd *d)
{
	const struct ushd_source_conf *s = &d->conf.source;

	return json_pack("{s:s, s:s, s:i, s:I}", "kind", s->kind < 3 ? source_kinds[s->kind] : "?",
			 "where", s->kind == USHD_SRC_PGSQL ? "(libpq connection string)" : s->path,
			 "users", (json_int_t)d->creds.n, "loaded", (json_int_t)d->creds_loaded);
}

/* ---- commands ---- */

static json_t *
cmd_hello(struct ushd *d, const json_t *req)
{
	json_t *rep = ush_ctl_reply_ok();

	(void)d;
	(void)req;
	json_object_set_new(rep, "version", json_integer(USH_CTL_VERSION));
	json_object_set_new(rep, "peer", json_string("usherd"));
	json_object_set_new(rep, "pid", json_integer(getpid()));
	return rep;
}

static json_t *
cmd_status(struct ushd *d, const json_t *req)
{
	json_t *fwd = json_pack("{s:s}", "cmd", "status"), *rep, *me;
	struct relay r;

	(void)req;
	if (fwd == NULL || relay(d, fwd, &r) < 0) {
		json_decref(fwd);
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	}
	json_decref(fwd);
	for (unsigned int i = 0; i < d->conf.n_nodes; i++)
		json_object_set_new(json_array_get(r.nodes, i), "syncs",
				    json_integer(d->nodes[i].syncs));
	rep = relay_reply(&r);
	me = json_pack("{s:i, s:I, s:s, s:s, s:s, s:o, s:{s:i, s:o}, s:i}", "pid", (int)getpid(),
		       "uptime", (json_int_t)(time(NULL) - d->started), "config", d->conf.path,
		       "socket", d->conf.socket, "state_dir", d->conf.state_dir, "source",
		       source_json(d), "nonce", "kid", (int)d->keys.cur_kid, "prev_kid",
		       d->keys.have_prev ? json_integer(d->keys.prev_kid) : json_null(),
		       "live_changes", (int)json_array_size(d->live));
	if (rep != NULL && me != NULL)
		json_object_set_new(rep, "usherd", me);
	if (rep != NULL)
		json_object_set_new(rep, "users", json_integer((json_int_t)d->creds.n));
	return rep;
}

static json_t *
cmd_users_list(struct ushd *d, const json_t *req)
{
	const char *realm = str_arg(req, "realm");
	json_int_t offset = json_integer_value(json_object_get(req, "offset"));
	json_int_t limit = json_integer_value(json_object_get(req, "limit"));
	json_t *rep, *users;
	json_int_t match = 0;

	if (offset < 0 || limit < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "offset and limit must be 0 or more");
	if (json_object_get(req, "limit") == NULL)
		limit = -1;
	users = json_array();
	if (users == NULL)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	for (size_t i = 0; i < d->creds.n; i++) {
		const struct ushd_cred *c = &d->creds.v[i];

		if (realm != NULL && strcmp(c->realm, realm) != 0)
			continue;
		if (match++ < offset)
			continue;
		if (limit >= 0 && (json_int_t)json_array_size(users) >= limit)
			continue;
		json_array_append_new(users, json_pack("{s:s, s:s, s:o}", "user", c->user, "realm",
						       c->realm, "hashes", hashes_json(c->have)));
	}
	rep = ush_ctl_reply_ok();
	json_object_set_new(rep, "total", json_integer(match));
	json_object_set_new(rep, "users", users);
	return rep;
}

/* The realm of a users.* request: given, the source's fixed realm, or the nodes' auth.realm. */
static int
users_realm(struct ushd *d, const json_t *req, char *realm, size_t len)
{
	const char *r = str_arg(req, "realm");
	json_t *get, *reply;

	if (r != NULL && r[0] != '\0') {
		snprintf(realm, len, "%s", r);
		return 0;
	}
	if (d->conf.source.realm[0] != '\0') {
		snprintf(realm, len, "%s", d->conf.source.realm);
		return 0;
	}
	get = json_pack("{s:s, s:s}", "cmd", "get", "key", "auth.realm");
	ushd_nodes_tick(d, true);
	for (unsigned int i = 0; get != NULL && i < d->conf.n_nodes; i++) {
		const char *v;

		reply = ushd_node_call(d, &d->nodes[i], get);
		v = json_string_value(
			json_object_get(json_object_get(reply, "values"), "auth.realm"));
		if (v != NULL && v[0] != '\0') {
			snprintf(realm, len, "%s", v);
			json_decref(reply);
			json_decref(get);
			return 0;
		}
		json_decref(reply);
	}
	json_decref(get);
	return -ENOENT;
}

/*
 * Credentials to every node that is up: one subscriber's change (delta not NULL; the nodes
 * that are down get a full push when they return), or all of d->creds. rep gets the
 * per-node entries, and says "node down" when the change could not reach all of them.
 */
static json_t *
push_creds(struct ushd *d, const struct ushd_cred *delta, bool del, json_t *rep)
{
	json_t *nodes = json_array();
	struct relay r = {0};

	if (delta == NULL)
		ushd_nodes_tick(d, true); /* a node that comes back here gets the full push anyway */
	for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
		struct ushd_node *n = &d->nodes[i];
		json_t *e = node_entry(n), *commit = NULL;

		if (n->fd < 0) {
			relay_note_down(&r, n);
		} else if ((delta != NULL ? ushd_node_push_delta(d, n, delta, del, &commit)
					  : ushd_node_push_full(d, n, &commit)) < 0) {
			json_decref(e);
			e = node_entry(n);
			relay_note_down(&r, n);
		} else {
			json_object_set_new(e, "users",
					    json_incref(json_object_get(commit, "users")));
		}
		json_decref(commit);
		json_array_append_new(nodes, e);
	}
	json_object_set_new(rep, "nodes", nodes);
	if (r.down > 0) {
		/* the source has the change and a node will get it when it is back: say so */
		json_object_set_new(rep, "ok", json_false());
		json_object_set_new(rep, "code", json_integer(USH_CTL_ENODE));
		json_object_set_new(rep, "error", json_string(r.down_msg));
	}
	return rep;
}

static json_t *
source_error(int rc, const char *what, const char *user, const char *realm, const char *err)
{
	switch (rc) {
	case -EEXIST:
		return ush_ctl_reply_err(USH_CTL_EINVAL, "user %s@%s already exists", user, realm);
	case -ENOENT:
		return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "no user %s@%s", user, realm);
	case -EINVAL:
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s", err[0] ? err : "invalid user name");
	default:
		return ush_ctl_reply_err(USH_CTL_ESOURCE, "%s: %s", what,
					 err[0] ? err : strerror(-rc));
	}
}

static json_t *
cmd_users_put(struct ushd *d, const json_t *req, bool replace)
{
	const char *user = str_arg(req, "user"), *password = str_arg(req, "password");
	char realm[USHD_REALM_MAX + 1], err[512] = "";
	struct ushd_cred c;
	json_t *rep;
	ssize_t at;
	int rc;

	if (user == NULL || user[0] == '\0' || password == NULL || password[0] == '\0')
		return ush_ctl_reply_err(USH_CTL_EINVAL, "needs a user and a non-empty password");
	if (users_realm(d, req, realm, sizeof(realm)) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL,
					 "no realm given, none in [source] realm, and no node "
					 "answered for auth.realm: give one");
	memset(&c, 0, sizeof(c));
	rc = ushd_source_put(&d->conf.source, user, realm, password, replace, &c, err, sizeof(err));
	if (rc < 0)
		return source_error(rc, replace ? "passwd" : "add", user, realm, err);
	at = creds_find(&d->creds, c.user, c.realm);
	if (at >= 0) {
		d->creds.v[at] = c;
	} else if (ushd_credset_push(&d->creds, &c) < 0) {
		OPENSSL_cleanse(&c, sizeof(c));
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory (the source has "
							    "the change: reload)");
	}
	ushd_log(USHD_LOG_NOTICE, "%s %s@%s", replace ? "password changed for" : "added", c.user,
		 c.realm);
	rep = ush_ctl_reply_ok();
	json_object_set_new(rep, "user", json_string(c.user));
	json_object_set_new(rep, "realm", json_string(c.realm));
	json_object_set_new(rep, "hashes", hashes_json(c.have));
	rep = push_creds(d, &c, false, rep);
	OPENSSL_cleanse(&c, sizeof(c));
	return rep;
}

static json_t *
cmd_users_del(struct ushd *d, const json_t *req)
{
	const char *user = str_arg(req, "user");
	char realm[USHD_REALM_MAX + 1], err[512] = "";
	struct ushd_cred c;
	json_t *rep;
	ssize_t at;
	int rc;

	if (user == NULL || user[0] == '\0')
		return ush_ctl_reply_err(USH_CTL_EINVAL, "needs a user");
	if (users_realm(d, req, realm, sizeof(realm)) < 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "no realm given and none known: give one");
	rc = ushd_source_del(&d->conf.source, user, realm, err, sizeof(err));
	if (rc < 0)
		return source_error(rc, "del", user, realm, err);
	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "%s", user);
	snprintf(c.realm, sizeof(c.realm), "%s", realm);
	at = creds_find(&d->creds, user, realm);
	if (at >= 0) {
		OPENSSL_cleanse(&d->creds.v[at], sizeof(d->creds.v[at]));
		memmove(&d->creds.v[at], &d->creds.v[at + 1],
			(d->creds.n - (size_t)at - 1) * sizeof(d->creds.v[0]));
		d->creds.n--;
	}
	ushd_log(USHD_LOG_NOTICE, "deleted %s@%s", user, realm);
	rep = ush_ctl_reply_ok();
	json_object_set_new(rep, "user", json_string(user));
	json_object_set_new(rep, "realm", json_string(realm));
	return push_creds(d, &c, true, rep);
}


/* A file name to show in messages and the log: one line of a sane length. */
static bool
name_printable(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 512)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

/*
 * users.import {"name": FILE, "text": its content, "replace": bool}: parsed as usher parses a
 * credentials file, all or nothing; written to the source in one go (one transaction, or one
 * rewrite of the file); then one full transfer to every node. The text holds HA1s: it is
 * wiped once parsed.
 */
static json_t *
cmd_users_import(struct ushd *d, const json_t *req)
{
	const json_t *jt = json_object_get(req, "text");
	const char *name = str_arg(req, "name");
	bool replace = json_is_true(json_object_get(req, "replace"));
	struct ushd_credset set = {0};
	struct ushd_import_count cnt = {0, 0};
	char err[512] = "";
	json_t *rep;
	int rc;

	if (!json_is_string(jt))
		return ush_ctl_reply_err(USH_CTL_EINVAL, "users.import needs the file's \"text\"");
	if (!name_printable(name))
		name = "import";
	rc = ushd_source_parse(name, json_string_value(jt), json_string_length(jt), &set, err,
			       sizeof(err));
	/* jansson owns the buffer and frees it with the request: HA1 hex must not linger */
	OPENSSL_cleanse((char *)(uintptr_t)json_string_value(jt), json_string_length(jt));
	if (rc < 0) {
		ushd_credset_free(&set);
		ushd_log(USHD_LOG_WARNING, "import refused: %s", err);
		return ush_ctl_reply_err(rc == -EINVAL ? USH_CTL_EINVAL : USH_CTL_EINTERNAL,
					 "%s (nothing imported)", err[0] ? err : strerror(-rc));
	}
	if (set.n == 0)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "%s: no subscriber in it", name);
	rc = ushd_source_import(&d->conf.source, &set, replace, &cnt, err, sizeof(err));
	if (rc < 0) {
		ushd_credset_free(&set);
		ushd_log(USHD_LOG_WARNING, "import of %s refused: %s", name, err);
		if (rc == -EEXIST)
			return ush_ctl_reply_err(
				USH_CTL_EINVAL, "%s (nothing imported; --replace overwrites)", err);
		return ush_ctl_reply_err(rc == -EINVAL ? USH_CTL_EINVAL : USH_CTL_ESOURCE,
					 "%s (nothing imported)", err[0] ? err : strerror(-rc));
	}
	rc = ushd_credset_merge(&d->creds, &set);
	ushd_credset_free(&set);
	if (rc < 0)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory (the source has "
							    "the import: reload)");
	ushd_log(USHD_LOG_NOTICE, "imported %s: %zu added, %zu replaced, %zu users", name,
		 cnt.added, cnt.replaced, d->creds.n);
	rep = ush_ctl_reply_ok();
	json_object_set_new(rep, "name", json_string(name));
	json_object_set_new(rep, "added", json_integer((json_int_t)cnt.added));
	json_object_set_new(rep, "replaced", json_integer((json_int_t)cnt.replaced));
	json_object_set_new(rep, "users", json_integer((json_int_t)d->creds.n));
	return push_creds(d, NULL, false, rep);
}

/* Reload the source: all or nothing; on success every node gets a full transfer. */
json_t *
ushd_reload(struct ushd *d)
{
	struct ushd_credset next = {0};
	json_t *rep;
	char err[512] = "";
	int rc;

	rc = ushd_source_load(&d->conf.source, &next, err, sizeof(err));
	if (rc < 0) {
		ushd_credset_free(&next);
		ushd_log(USHD_LOG_ERROR, "reload failed, %zu users kept: %s", d->creds.n, err);
		return ush_ctl_reply_err(USH_CTL_ESOURCE, "%s (the %zu users in force are kept)",
					 err[0] ? err : strerror(-rc), d->creds.n);
	}
	ushd_credset_free(&d->creds);
	d->creds = next;
	d->creds_loaded = time(NULL);
	ushd_log(USHD_LOG_NOTICE, "reloaded: %zu users", d->creds.n);
	rep = ush_ctl_reply_ok();
	json_object_set_new(rep, "users", json_integer((json_int_t)d->creds.n));
	return push_creds(d, NULL, false, rep);
}

/* Each node's value of key before a set (JSON null for a node that did not say). */
static json_t *
values_before(struct ushd *d, const char *key)
{
	json_t *get = json_pack("{s:s, s:s}", "cmd", "get", "key", key), *out = json_array();

	ushd_nodes_tick(d, true);
	for (unsigned int i = 0; get != NULL && out != NULL && i < d->conf.n_nodes; i++) {
		json_t *reply = ushd_node_call(d, &d->nodes[i], get);
		json_t *v = json_object_get(json_object_get(reply, "values"), key);

		json_array_append_new(out, json_is_string(v) ? json_incref(v) : json_null());
		json_decref(reply);
	}
	json_decref(get);
	return out;
}

/*
 * A set that some node refused is not kept: undo it on the nodes that took it, so that the
 * nodes stay alike (they run the same code and should all refuse; this covers the rest).
 */
static void
set_roll_back(struct ushd *d, const char *key, const json_t *before, struct relay *r)
{
	for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
		json_t *e = json_array_get(r->nodes, i), *old = json_array_get(before, i), *req;
		json_t *reply;

		/* an entry with a reply and no error is a node that took the value */
		if (!json_is_string(old) || d->nodes[i].fd < 0 ||
		    json_object_get(e, "reply") == NULL || json_object_get(e, "error") != NULL)
			continue;
		req = json_pack("{s:s, s:s, s:O}", "cmd", "set", "key", key, "value", old);
		reply = req ? ushd_node_call(d, &d->nodes[i], req) : NULL;
		json_object_set_new(e, "rolled_back",
				    json_boolean(json_is_true(json_object_get(reply, "ok"))));
		if (!json_is_true(json_object_get(reply, "ok")))
			ushd_log(USHD_LOG_WARNING,
				 "node %s: could not restore %s after a refused "
				 "set",
				 d->nodes[i].path, key);
		json_decref(reply);
		json_decref(req);
	}
}

/* set and list.add/list.del: relayed, then kept in live.json when no reachable node refused. */
static json_t *
cmd_change(struct ushd *d, const json_t *req)
{
	const char *cmd = str_arg(req, "cmd"), *list = str_arg(req, "list");
	json_t *op, *before = NULL;
	char err[512] = "";
	struct relay r;

	if (strcmp(cmd, "set") == 0) {
		if (str_arg(req, "key") == NULL || str_arg(req, "value") == NULL)
			return ush_ctl_reply_err(USH_CTL_EINVAL, "set needs a key and a value");
		op = json_pack("{s:s, s:O, s:O}", "cmd", "set", "key", json_object_get(req, "key"),
			       "value", json_object_get(req, "value"));
	} else {
		if (list == NULL || (strcmp(list, "block") != 0 && strcmp(list, "allow") != 0))
			return ush_ctl_reply_err(USH_CTL_EINVAL, "list must be block or allow");
		if (str_arg(req, "cidr") == NULL)
			return ush_ctl_reply_err(USH_CTL_EINVAL, "%s needs a cidr", cmd);
		op = json_pack("{s:s, s:s, s:O}", "cmd", cmd, "list", list, "cidr",
			       json_object_get(req, "cidr"));
	}
	if (op != NULL && strcmp(cmd, "set") == 0)
		before = values_before(d, str_arg(op, "key"));
	if (op == NULL || relay(d, op, &r) < 0) {
		json_decref(op);
		json_decref(before);
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	}
	if (r.refused_code != 0 && before != NULL)
		set_roll_back(d, str_arg(op, "key"), before, &r);
	json_decref(before);
	if (r.refused_code == 0 && r.accepted == 0) {
		json_decref(op);
		json_decref(r.nodes);
		return ush_ctl_reply_err(USH_CTL_ENODE,
					 "no dataplane node reachable: nothing "
					 "changed%s%s",
					 r.down ? "; " : "", r.down_msg);
	}
	if (r.refused_code == 0) {
		if (ushd_live_record(d->conf.state_dir, d->live, op, err, sizeof(err)) < 0) {
			ushd_log(USHD_LOG_ERROR, "cannot keep %s: %s", cmd, err);
			r.refused_code = USH_CTL_EINTERNAL;
			snprintf(r.refused, sizeof(r.refused),
				 "applied but not kept across restarts: %s", err);
		} else {
			ushd_log(USHD_LOG_NOTICE, "%s %s %s kept", cmd, str_arg(op, "key") ?: list,
				 str_arg(op, "value") ?: str_arg(op, "cidr"));
		}
	}
	json_decref(op);
	return relay_reply(&r);
}

static json_t *
cmd_list_show(struct ushd *d, const json_t *req)
{
	const char *list = str_arg(req, "list");
	json_t *fwd, *rep;

	if (list == NULL || (strcmp(list, "block") != 0 && strcmp(list, "allow") != 0))
		return ush_ctl_reply_err(USH_CTL_EINVAL, "list must be block or allow");
	fwd = json_pack("{s:s, s:s}", "cmd", "list.show", "list", list);
	rep = fwd ? cmd_relay(d, fwd) : ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	json_decref(fwd);
	return rep;
}

static json_t *
cmd_nonce_rotate(struct ushd *d, const json_t *req)
{
	char err[512] = "";
	struct relay r;
	json_t *keys, *rep;

	(void)req;
	if (ushd_keys_rotate(d->conf.state_dir, &d->keys, err, sizeof(err)) < 0)
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "nonce keys not rotated: %s", err);
	ushd_log(USHD_LOG_NOTICE, "nonce secret rotated: key %u current, key %u previous",
		 d->keys.cur_kid, d->keys.prev_kid);
	keys = ushd_keys_request(&d->keys);
	if (keys == NULL || relay(d, keys, &r) < 0) {
		ushd_json_wipe(keys);
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	}
	ushd_json_wipe(keys);
	rep = relay_reply(&r);
	json_object_set_new(rep, "kid", json_integer(d->keys.cur_kid));
	json_object_set_new(rep, "prev_kid", json_integer(d->keys.prev_kid));
	return rep;
}

/*
 * What usherctl explain needs: each node's usher.ini, the values in force, and which keys are
 * live (changeable by "set").
 */
static json_t *
cmd_config(struct ushd *d, const json_t *req)
{
	json_t *st = json_pack("{s:s}", "cmd", "status"), *get = json_pack("{s:s}", "cmd", "get");
	struct relay r;

	(void)req;
	if (st == NULL || get == NULL || relay(d, st, &r) < 0) {
		json_decref(st);
		json_decref(get);
		return ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	}
	for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
		json_t *e = json_array_get(r.nodes, i), *reply = json_object_get(e, "reply");
		json_t *values;

		if (reply == NULL || d->nodes[i].fd < 0)
			continue;
		json_object_set(e, "config", json_object_get(reply, "config"));
		json_object_del(e, "reply");
		values = ushd_node_call(d, &d->nodes[i], get);
		if (values == NULL) {
			json_object_set_new(e, "state", json_string("down"));
			json_object_set_new(e, "error", json_string(d->nodes[i].why));
			relay_note_down(&r, &d->nodes[i]);
			continue;
		}
		json_object_set(e, "values", json_object_get(values, "values"));
		/* the keys "set" may change: the only ones that can differ from the file */
		if (json_is_array(json_object_get(values, "live")))
			json_object_set(e, "live", json_object_get(values, "live"));
		json_decref(values);
	}
	json_decref(st);
	json_decref(get);
	return relay_reply(&r);
}

/* Relays cmd to the nodes, with the request's arg (when named and given) copied over. */
static json_t *
relay_with(struct ushd *d, const char *cmd, const json_t *req, const char *arg)
{
	json_t *fwd = json_pack("{s:s}", "cmd", cmd), *rep;

	if (fwd != NULL && arg != NULL && json_object_get(req, arg) != NULL)
		json_object_set(fwd, arg, json_object_get(req, arg));
	rep = fwd ? cmd_relay(d, fwd) : ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
	json_decref(fwd);
	return rep;
}

static json_t *
cmd_stats_status(struct ushd *d, const json_t *req)
{
	return relay_with(d, str_arg(req, "cmd"), req, NULL);
}

static json_t *
cmd_get(struct ushd *d, const json_t *req)
{
	return relay_with(d, "get", req, "key");
}

static json_t *
cmd_bans_clear(struct ushd *d, const json_t *req)
{
	return relay_with(d, "bans.clear", req, "source");
}

json_t *
ushd_cmd(struct ushd *d, const json_t *req)
{
	const char *cmd = str_arg(req, "cmd");

	if (cmd == NULL)
		return ush_ctl_reply_err(USH_CTL_EINVAL, "request without \"cmd\"");
	if (strncmp(cmd, "identity.", 9) == 0)
		return ushd_ident_cmd(d, cmd, req);
	if (strcmp(cmd, "hello") == 0)
		return cmd_hello(d, req);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(d, req);
	if (strcmp(cmd, "stats") == 0 || strcmp(cmd, "bans.list") == 0)
		return cmd_stats_status(d, req);
	if (strcmp(cmd, "users.list") == 0)
		return cmd_users_list(d, req);
	if (strcmp(cmd, "users.add") == 0)
		return cmd_users_put(d, req, false);
	if (strcmp(cmd, "users.passwd") == 0)
		return cmd_users_put(d, req, true);
	if (strcmp(cmd, "users.del") == 0)
		return cmd_users_del(d, req);
	if (strcmp(cmd, "users.import") == 0)
		return cmd_users_import(d, req);
	if (strcmp(cmd, "reload") == 0)
		return ushd_reload(d);
	if (strcmp(cmd, "get") == 0)
		return cmd_get(d, req);
	if (strcmp(cmd, "set") == 0 || strcmp(cmd, "list.add") == 0 || strcmp(cmd, "list.del") == 0)
		return cmd_change(d, req);
	if (strcmp(cmd, "list.show") == 0)
		return cmd_list_show(d, req);
	if (strcmp(cmd, "bans.clear") == 0)
		return cmd_bans_clear(d, req);
	if (strcmp(cmd, "nonce.rotate") == 0)
		return cmd_nonce_rotate(d, req);
	if (strcmp(cmd, "config") == 0)
		return cmd_config(d, req);
	return ush_ctl_reply_err(USH_CTL_ENOTFOUND, "unknown command '%s'", cmd);
}
