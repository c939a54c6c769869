/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * The authentication pipeline of one worker, EAL-free: SIP payloads in, one decision per
 * packet out (forward, reply with this text, or drop), over a whole burst at a time.
 *
 * The DPDK worker is a thin ring around it: it parses L2-L4, hands the UDP payloads of a
 * burst to ush_auth_process_burst(), then forwards, replies (adding swapped UDP/IP/Ethernet
 * headers) or frees each packet and counts the outcome the pipeline chose. Everything that
 * decides lives here, so the unit tests cover it without EAL or packets.
 *
 * Per burst: parse every message -> classify (response, exempt method, in-dialog, our ACK,
 * credentials for our realm or not) -> for the lanes with credentials: one nonce MAC batch,
 * credential lookups, one digest batch, nonce-count check of the lanes that verified ->
 * challenges for the rest (one nonce batch) -> replies built into per-worker scratch.
 *
 * Threads: a worker context belongs to one thread. The shared state (keys, nc table,
 * credential table) is read lock-free; the credential table pointer is loaded once per burst,
 * so the caller's RCU quiescent-state report after each burst makes a table swap safe.
 */

#ifndef USH_AUTH_H
#define USH_AUTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"
#include "usher_counters.h"
#include "ush_credtab.h"
#include "ush_digest.h"
#include "ush_guard.h"
#include "ush_nonce.h"
#include "ush_reply.h"

/** Most packets in one call of ush_auth_process_burst(). */
#define USH_AUTH_BURST_MAX 32

/** What to do with requests that carry a To-tag (in-dialog). */
enum ush_auth_in_dialog {
	USH_AUTH_IN_DIALOG_FORWARD = 0,  /**< forward: the PBX owns the dialog (default) */
	USH_AUTH_IN_DIALOG_CHALLENGE,    /**< authenticate them like initial requests */
};

/** Which challenge a request gets. */
enum ush_auth_challenge_code {
	USH_AUTH_CODE_AUTO = 0, /**< 401 for REGISTER, 407 for everything else (default) */
	USH_AUTH_CODE_401,      /**< always 401 + WWW-Authenticate */
	USH_AUTH_CODE_407,      /**< always 407 + Proxy-Authenticate */
};

/** What refusing a request (block list, ban, rate limit) does. */
enum ush_auth_deny {
	USH_AUTH_DENY_REPLY = 0, /**< answer: 403 Forbidden (blocked, banned), 503 (rate) */
	USH_AUTH_DENY_DROP,      /**< drop silently: scanners learn nothing */
};

/** Pipeline configuration (docs/configuration.md); copied at worker creation. */
struct ush_auth_conf {
	char realm[USH_CRED_REALM_MAX + 1];  /**< NUL-terminated */
	uint8_t algos[USH_ALGO_COUNT];       /**< offered, in challenge order */
	uint8_t n_algos;
	uint8_t qop_mask;        /**< offered: (1 << USH_QOP_AUTH) | (1 << USH_QOP_AUTH_INT); 0 = none */
	bool accept_no_qop;      /**< accept RFC 2069 credentials (no qop) even when qop is offered */
	uint32_t nonce_lifetime; /**< seconds */
	uint8_t in_dialog;       /**< enum ush_auth_in_dialog */
	uint8_t challenge_code;  /**< enum ush_auth_challenge_code */
	bool sess_binary_ha1;    /**< -sess compatibility with Kamailio (see docs/digest.md) */
	char tag_prefix[16];     /**< To-tag prefix of our replies, NUL-terminated, e.g. "ush1" */
	struct ush_guard_ban_conf ban_src;  /**< failures per source that ban it */
	struct ush_guard_ban_conf ban_user; /**< failures per source + username that ban that pair */
	struct ush_guard_rate_conf rate;    /**< requests per source */
	uint8_t deny_action;  /**< enum ush_auth_deny for blocked and banned sources */
	uint8_t rate_action;  /**< enum ush_auth_deny for requests over the rate */
	uint16_t retry_after; /**< seconds, in the 503 of the rate limit */
};

/** State shared by all workers. Set up before workers start. */
struct ush_auth_shared {
	struct ush_nonce_keys keys;
	struct ush_nc_table *nc;
	/** Current credential table; swapped whole by the loader, readers lock-free. */
	const struct ush_credtab *_Atomic creds;
	uint32_t boot_time; /**< nonces made before this (seconds) are answered stale */
	struct ush_guard_table *bans;  /**< failure counts and bans (source, source + user) */
	struct ush_guard_table *rates; /**< per-source token buckets */
};

/** Decision for one packet. */
enum ush_auth_action {
	USH_AUTH_FORWARD = 0, /**< send the original frame on, unchanged */
	USH_AUTH_REPLY,       /**< send the reply text back where the request came from */
	USH_AUTH_DROP,        /**< free the frame (absorbed ACK or counted drop) */
};

/** Per-packet facts the I/O layer knows (struct ush_auth_pkt.flags). */
enum ush_auth_pkt_flag {
	USH_AUTH_PKT_ALLOW = 1 << 0, /**< source is on the allow list: no digest check */
	USH_AUTH_PKT_BLOCK = 1 << 1, /**< source is on the block list */
	USH_AUTH_PKT_SHED = 1 << 2,  /**< worker overloaded: shed new challenges first */
};

/** One packet of a burst: the UDP payload in, the decision out. */
struct ush_auth_pkt {
	/* in */
	const char *sip;                 /**< UDP payload */
	uint16_t sip_len;
	uint8_t flags;                   /**< enum ush_auth_pkt_flag */
	struct ush_reply_source src;     /**< source address and port */
	/* out */
	uint8_t action;      /**< enum ush_auth_action */
	uint8_t ctr;         /**< enum ush_ctr: the outcome counter to increment */
	uint8_t event;       /**< enum ush_ctr of an event to count too, USH_CTR_COUNT if none */
	uint16_t reply_len;
	uint16_t reply_port; /**< UDP destination port of the reply */
	const char *reply;   /**< reply text in the worker's scratch; valid until the next call */
};

struct ush_auth_worker;

/**
 * Create a worker context (allocates: call at start-up).
 * @param worker_id, n_workers  nonce indexes are worker_id + k * n_workers, so workers never
 *                              share an index
 * @return the context, or NULL with errno set (EINVAL bad conf, ENOMEM, or the digest
 *         engine's error).
 */
struct ush_auth_worker *
ush_auth_worker_create(const struct ush_auth_conf *conf, struct ush_auth_shared *shared,
		       unsigned int worker_id, unsigned int n_workers,
		       const struct ush_digest_conf *dconf);

/** Free a worker context. NULL is a no-op. */
void
ush_auth_worker_free(struct ush_auth_worker *w);

/**
 * Decide on a burst of SIP payloads.
 * @param now  current time in seconds (the same clock for every worker and node)
 * @return n (every packet decided).
 * Threads: the worker's thread. No allocation, lock or syscall.
 */
unsigned int
ush_auth_process_burst(struct ush_auth_worker *w, struct ush_auth_pkt *pkts, unsigned int n,
		       uint32_t now);

/** Name of a counter ("fwd_auth_ok"); "?" when out of range. */
const char *
ush_ctr_name(enum ush_ctr ctr);

/** One-line description of a counter. */
const char *
ush_ctr_desc(enum ush_ctr ctr);

#endif /* USH_AUTH_H */
