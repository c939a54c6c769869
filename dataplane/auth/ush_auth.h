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
 * credential table) is read lock-free; the credential table and nonce keys pointers are loaded
 * once per burst, so the caller's RCU quiescent-state report after each burst makes a swap
 * safe.
 *
 * Live changes (usher's control socket) go through ush_auth_shared and never stop a worker:
 *
 *   control thread                              worker, at the start of each burst
 *   ----------------------------------          ------------------------------------------
 *   ush_auth_conf_publish(sh, conf):            gen = conf_gen (one relaxed load)
 *     conf = new       (relaxed)                if gen != mine:  acquire fence,
 *     conf_gen++       (release)                  copy *conf into the worker, mine = gen
 *   grace period (RCU), then free the old conf
 *
 *   ush_auth_keys_publish(sh, keys)             keys = rotated ?: &sh->keys  (acquire)
 *   grace period, then wipe and free the old
 *
 * A worker copies a published conf within one burst, so once every worker has reported a
 * quiescent state after the publication, no one reads the old conf any more.
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
#include "ush_ident.h"
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

/**
 * Pipeline configuration (docs/configuration.md); copied at worker creation, and again when
 * a new one is published (ush_auth_conf_publish()). tag_prefix and sess_binary_ha1 are fixed
 * for a worker's life (ush_auth_conf_live_ok()).
 */
struct ush_auth_conf {
	char realm[USH_CRED_REALM_MAX + 1];  /**< NUL-terminated */
	uint8_t algos[USH_ALGO_COUNT];       /**< offered, in challenge order */
	uint8_t n_algos;
	uint8_t qop_mask;        /**< offered: (1 << USH_QOP_AUTH) | (1 << USH_QOP_AUTH_INT); 0 = none */
	bool accept_no_qop;      /**< accept RFC 2069 credentials (no qop) even when qop is offered */
	uint32_t nonce_lifetime; /**< seconds */
	/**
	 * Seconds during which an exact retransmission of the last request accepted on a nonce
	 * is forwarded (USH_CTR_FWD_RETRANSMISSION) instead of challenged as a replay; 0: off.
	 * See ush_nc_accept_msg().
	 */
	uint32_t retransmission_window;
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
	/** Server header value of our replies, NUL-terminated; "" (default): no Server header */
	char server[USH_REPLY_SERVER_MAX + 1];
	struct ush_ident_conf ident; /**< [identity]: STIR/SHAKEN policy (ush_ident.h) */
};

/** State shared by all workers. Set up before workers start. */
struct ush_auth_shared {
	/** Start-up nonce keys: in force while rotated is NULL. */
	struct ush_nonce_keys keys;
	/** Keys published by ush_auth_keys_publish(), or NULL; loaded once per burst. */
	const struct ush_nonce_keys *_Atomic rotated;
	/** Last published configuration (NULL: none since start); see conf_gen. */
	const struct ush_auth_conf *_Atomic conf;
	/** Bumped by each ush_auth_conf_publish(); workers compare it once per burst. */
	_Atomic uint32_t conf_gen;
	struct ush_nc_table *nc;
	/** Current credential table; swapped whole by the loader, readers lock-free. */
	const struct ush_credtab *_Atomic creds;
	uint32_t boot_time; /**< nonces made before this (seconds) are answered stale */
	/**
	 * Failure counts and bans (source, source + user), and per-source token buckets. NULL
	 * when no policy needs them. Workers copy these pointers when they are created and when
	 * they take a published conf: a control thread that enables a policy live sets the
	 * table first, then publishes the conf (never replaced nor freed while workers run).
	 */
	struct ush_guard_table *bans;
	struct ush_guard_table *rates;
};

/** Decision for one packet. */
enum ush_auth_action {
	USH_AUTH_FORWARD = 0, /**< send the original frame on, unchanged */
	USH_AUTH_REPLY,       /**< send the reply text back where the request came from */
	USH_AUTH_DROP,        /**< free the frame (absorbed ACK or counted drop) */
	/**
	 * An initial INVITE to forward whose Identity passed the pre-check: hold it and ask the
	 * verifier (id_off/id_len say what to send); ush_auth_ident_apply() with the verdict.
	 */
	USH_AUTH_PUNT,
	/**
	 * An initial INVITE with an Identity verdict already (pre-check failure, or 428 when
	 * one is required and missing): ush_auth_ident_apply() with idv and id_reason now.
	 */
	USH_AUTH_IDENT,
};

/** Which value of a punt id_off[]/id_len[] names (struct ush_auth_pkt). */
enum ush_auth_punt_field {
	USH_AUTH_PUNT_IDENTITY = 0, /**< the first Identity header value */
	USH_AUTH_PUNT_FROM,         /**< the From value */
	USH_AUTH_PUNT_PAI,          /**< the first P-Asserted-Identity value (length 0: none) */
	USH_AUTH_PUNT_TO,           /**< the To value */
	USH_AUTH_PUNT_NFIELDS,
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
	/* out, USH_AUTH_PUNT: offsets into sip of the values to send the verifier */
	uint16_t id_off[USH_AUTH_PUNT_NFIELDS];
	uint16_t id_len[USH_AUTH_PUNT_NFIELDS];
	/* out, USH_AUTH_IDENT */
	uint8_t idv;           /**< enum ush_ctl_idv */
	const char *id_reason; /**< machine reason (static string) */
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

/**
 * May a running worker move from conf old to conf fresh? Everything may change but the
 * To-tag prefix (our ACKs are recognised by it) and sess_binary_ha1 (it selects the digest
 * engine's mode at creation).
 * @param why  filled with the reason when not (may be NULL)
 * @return 0, or -EINVAL (fresh is invalid, or changes a fixed key).
 */
int
ush_auth_conf_live_ok(const struct ush_auth_conf *old, const struct ush_auth_conf *fresh,
		      char *why, size_t len);

/**
 * Take a new configuration now (the worker's thread). Published confs reach workers through
 * ush_auth_conf_publish(); this is the step each worker runs when it sees one.
 * @return 0, or -EINVAL (see ush_auth_conf_live_ok()): the worker keeps its conf.
 */
int
ush_auth_worker_reconf(struct ush_auth_worker *w, const struct ush_auth_conf *conf);

/**
 * Publish conf to every worker of sh: each takes a copy at the start of its next burst.
 * conf must have passed ush_auth_conf_live_ok() against the conf in force and stay valid until
 * every worker has started a burst after this call (an RCU grace period).
 * Threads: one control thread.
 * @return the conf published before (NULL for none), to free after that grace period.
 */
const struct ush_auth_conf *
ush_auth_conf_publish(struct ush_auth_shared *sh, const struct ush_auth_conf *conf);

/**
 * Publish new nonce keys (cur makes and checks, prev checks): workers use them from their
 * next burst. keys must stay valid until a grace period after the next publication.
 * Threads: one control thread.
 * @return the keys published before (NULL: the start-up sh->keys), to wipe and free after a
 *         grace period.
 */
const struct ush_nonce_keys *
ush_auth_keys_publish(struct ush_auth_shared *sh, const struct ush_nonce_keys *keys);

/** The nonce keys in force (what a worker would load now). Any thread. */
const struct ush_nonce_keys *
ush_auth_keys_current(struct ush_auth_shared *sh);

/** Why a ban started (struct ush_auth_ban_event.kind). */
enum ush_auth_ban_kind {
	USH_AUTH_BAN_SOURCE = 0, /**< [protection] ban_threshold failures from the source */
	USH_AUTH_BAN_USER,       /**< user_ban_threshold failures from the source for the user */
};

/**
 * A ban a worker started: what the ban table's fingerprint cannot give back (the address and
 * the username), kept so that an operator can list bans.
 */
struct ush_auth_ban_event {
	uint32_t time;           /**< when it started (the pipeline's clock) */
	uint64_t key;            /**< ush_guard_key() of the banned key */
	struct ush_guard_src src;
	uint8_t kind;            /**< enum ush_auth_ban_kind */
	uint8_t user_len;        /**< USH_AUTH_BAN_USER: the username */
	char user[USH_CRED_USER_MAX];
};

/** Ban events a worker keeps until they are taken; more are counted as lost. */
#define USH_AUTH_BAN_EVENTS 64

/**
 * Take the ban events a worker recorded since the last call (oldest first).
 * Threads: one reader thread per worker (single-producer, single-consumer ring), concurrently
 * with the worker.
 * @param lost  incremented by events dropped because the ring was full (may be NULL)
 * @return number of events written to out (at most max).
 */
unsigned int
ush_auth_ban_events_take(struct ush_auth_worker *w, struct ush_auth_ban_event *out,
			 unsigned int max, uint64_t *lost);

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

/** What ush_auth_ident_apply() decided for a held INVITE. */
struct ush_auth_ident_res {
	bool reply;          /**< true: send out[0..len) back (reply_port); false: forward out */
	uint8_t ctr;         /**< enum ush_ctr: the request's outcome */
	bool stripped;       /**< a verstat from outside was removed (forward) */
	uint16_t reply_port; /**< UDP destination port of the reply */
	int len;             /**< bytes written to out, or -ENOSPC / -EINVAL (nothing usable) */
};

/**
 * Apply an Identity verdict to a request the pipeline gave USH_AUTH_PUNT or USH_AUTH_IDENT:
 * parse it again, decide by the worker's [identity] policy (ush_ident_decide()) and write
 * either the reply (To-tag with the worker's prefix) or the request marked with verstat
 * (ush_ident_mark(), with an RFC 9410 Reason when [identity] reason_header and it failed).
 * @param idv     enum ush_ctl_idv (INTERNAL for every "no verdict" case)
 * @param reason  the verifier's machine reason, or NULL
 * Threads: the worker's thread. No allocation.
 */
void
ush_auth_ident_apply(struct ush_auth_worker *w, const char *sip, uint16_t len,
		     const struct ush_reply_source *src, uint8_t idv, const char *reason,
		     char *out, size_t cap, struct ush_auth_ident_res *res);

/** The [identity] policy a worker has in force (its last published conf). */
const struct ush_ident_conf *
ush_auth_ident_conf(const struct ush_auth_worker *w);

/** Name of a counter ("fwd_auth_ok"); "?" when out of range. */
const char *
ush_ctr_name(enum ush_ctr ctr);

/** One-line description of a counter. */
const char *
ush_ctr_desc(enum ush_ctr ctr);

#endif /* USH_AUTH_H */
