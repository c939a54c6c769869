/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usherd's private interfaces: configuration, persisted state, dataplane nodes, commands. */

#ifndef USHERD_PRIV_H
#define USHERD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>
#include <time.h>

#include <jansson.h>

#include "ush_ctl.h"
#include "ushd_identity.h"
#include "ushd_source.h"

#define USHD_PATH_MAX 1024
#define USHD_SOCK_MAX sizeof(((struct sockaddr_un *)0)->sun_path)
#define USHD_MAX_NODES 32
#define USHD_MAX_CLIENTS 32
/* a CREDS frame holds at most this many bytes of records (include/usher_ctl.h: <= 64 KiB) */
#define USHD_CREDS_CHUNK (64u * 1024u)
#define USHD_SECRET_LEN 32

enum ushd_log_level {
	USHD_LOG_ERROR = 0,
	USHD_LOG_WARNING,
	USHD_LOG_NOTICE,
	USHD_LOG_INFO,
	USHD_LOG_DEBUG,
};

void
ushd_log(enum ushd_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern enum ushd_log_level ushd_log_max;

/** usherd.ini, once read. */
struct ushd_conf {
	char path[USHD_PATH_MAX];
	char socket[USHD_SOCK_MAX];
	char group[64];
	char state_dir[USHD_PATH_MAX];
	enum ushd_log_level log_level;
	char nodes[USHD_MAX_NODES][USHD_SOCK_MAX];
	unsigned int n_nodes;
	unsigned int reconnect_ms;
	unsigned int timeout_ms; /* one request to a node, and a whole push's frames each */
	struct ushd_source_conf source;
	bool ident_on;                 /* an [identity] section: verify the nodes' punts */
	struct ushd_identity_conf ident;
};

/** Read usherd.ini. @return 0, or -errno with err "file:line: message". */
int
ushd_conf_load(struct ushd_conf *c, const char *path, char *err, size_t errlen);

/** The nonce secrets: current and (after a rotation) previous. */
struct ushd_keys {
	uint8_t cur_kid;
	uint8_t cur[USHD_SECRET_LEN];
	bool have_prev;
	uint8_t prev_kid;
	uint8_t prev[USHD_SECRET_LEN];
};

/**
 * Read state_dir/nonce.keys, or create it (kid 1, 32 random bytes) when it does not exist.
 * @return 0 or -errno with err filled.
 */
int
ushd_keys_load(const char *state_dir, struct ushd_keys *k, char *err, size_t errlen);

/** Rotate: new current with kid + 1, the old current becomes previous; persisted first. */
int
ushd_keys_rotate(const char *state_dir, struct ushd_keys *k, char *err, size_t errlen);

/** The "nonce.keys" request for usher. New reference; wipe with ushd_json_wipe(). */
json_t *
ushd_keys_request(const struct ushd_keys *k);

/** Overwrite the "secret" and "password" strings inside a JSON value, then release it. */
void
ushd_json_wipe(json_t *j);

/**
 * Live changes (state_dir/live.json): an ordered array of {"cmd":"set","key","value"} and
 * {"cmd":"list.add"|"list.del","list","cidr"} objects, replayed to a node after every full push.
 */
int
ushd_live_load(const char *state_dir, json_t **ops, char *err, size_t errlen);

/**
 * Record one change (a later set of the same key, or a later add/del of the same entry,
 * replaces the earlier one) and write the file atomically. On failure nothing changes.
 */
int
ushd_live_record(const char *state_dir, json_t *ops, const json_t *op, char *err,
		 size_t errlen);

/** Write a whole file atomically (temporary file, fsync, rename), with mode. */
int
ushd_write_atomic(const char *path, const void *data, size_t len, unsigned int mode, char *err,
		  size_t errlen);

/** One dataplane node (an usher control socket). */
struct ushd_node {
	char path[USHD_SOCK_MAX];
	int fd;               /* -1: down */
	bool synced;          /* hello + full push + replay done on this connection */
	uint64_t next_try_ms; /* monotonic time of the next reconnection attempt */
	char name[128];       /* from hello */
	long long pid;
	long long boot;
	unsigned int syncs;   /* completed (re)synchronisations */
	unsigned int failures; /* consecutive failures after a connection: retry backoff */
	char why[320];        /* why it is down */
	uint32_t conn;        /* connections made: verdicts go only to the one punting */
	bool ident;           /* its hello accepted punts on this connection */
	uint64_t punts;       /* punt records received from it */
};

/* A punt being verified: where its verdict goes (cookie = index in ushd.jobs). */
struct ushd_ident_job {
	uint64_t id;   /* the node's id, echoed in the verdict */
	uint32_t conn; /* ushd_node.conn when punted */
	int16_t node;  /* index in ushd.nodes */
};

/** The daemon. */
struct ushd {
	struct ushd_conf conf;
	struct ushd_node nodes[USHD_MAX_NODES];
	struct ushd_credset creds; /* what the nodes have (or get on connect) */
	time_t creds_loaded;
	struct ushd_keys keys;
	json_t *live;
	time_t started;
	/* [identity]: the verifier, its pool (poll()ed on its eventfd) and the punts in it */
	struct ushd_identity *id;
	struct ushd_identity_pool *pool;
	struct ushd_ident_job *jobs;
	uint32_t *job_free;
	uint32_t n_job_free;
	uint64_t id_punts, id_verdicts, id_overload, id_dropped, id_bad;
};

/* usherd_ident.c: the STIR/SHAKEN verifier (docs/identity.md) */
/** Create the verifier and its pool when [identity] is configured. @return 0 or -errno. */
int
ushd_ident_start(struct ushd *d, char *err, size_t errlen);
void
ushd_ident_stop(struct ushd *d);
/** The pool's eventfd, or -1. */
int
ushd_ident_fd(const struct ushd *d);
/** A PUNT frame from node n: submit each record (overload: INTERNAL verdict at once). */
int
ushd_ident_punts(struct ushd *d, struct ushd_node *n, const uint8_t *payload, uint32_t len);
/** The pool's eventfd is readable: send the finished verdicts to their nodes. */
void
ushd_ident_collect(struct ushd *d);
/** identity.stats, identity.cache, identity.flush, identity.reload; NULL: not one of them. */
json_t *
ushd_ident_cmd(struct ushd *d, const char *cmd, const json_t *req);
/** A node's socket is readable while no call waits: a PUNT frame, or it closed. */
void
ushd_node_readable(struct ushd *d, struct ushd_node *n);

/** Monotonic milliseconds. */
uint64_t
ushd_now_ms(void);

/** Connect and synchronise every node that is down and due; force: also those not yet due,
 * except nodes backing off after failing once connected. */
void
ushd_nodes_tick(struct ushd *d, bool force);

/** Close a node's connection and remember why. */
void
ushd_node_down(struct ushd *d, struct ushd_node *n, const char *why);

/**
 * One request to one node. @return the reply (ok or not), or NULL when the node is down or
 * failed (then it is marked down, why says so).
 */
json_t *
ushd_node_call(struct ushd *d, struct ushd_node *n, const json_t *req);

/** Full credentials transfer to one node. @return 0 or -errno (node marked down). */
int
ushd_node_push_full(struct ushd *d, struct ushd_node *n, json_t **reply);

/**
 * Delta transfer: the records of creds[] (SET after a DEL of the same user, so that hashes
 * the user no longer has disappear) or a DEL when del is true.
 */
int
ushd_node_push_delta(struct ushd *d, struct ushd_node *n, const struct ushd_cred *c, bool del,
		     json_t **reply);

/** Answer one usherctl request. New reference. */
json_t *
ushd_cmd(struct ushd *d, const json_t *req);

/** Reload the credential source (SIGHUP, "reload"). The reply, new reference. */
json_t *
ushd_reload(struct ushd *d);

#endif /* USHERD_PRIV_H */
