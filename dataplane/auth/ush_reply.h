/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * SIP responses Usher sends itself (401, 407, 400, 403, 503), built per RFC 3261 §8.2.6 from
 * a parsed request. EAL-free; writes the SIP text only (the dataplane adds UDP/IP/Ethernet).
 *
 *   SIP/2.0 401 Unauthorized
 *   Via: <top Via value>;received=<source address>;rport=<source port>     (RFC 3581)
 *   Via: <every other Via value, in order>
 *   From: <as received>
 *   To: <as received>;tag=<ours, unless the request had one>
 *   Call-ID: <as received>
 *   CSeq: <as received>
 *   WWW-Authenticate: Digest realm="..", nonce="..", algorithm=SHA-256, qop="auth"[, stale=true]
 *   WWW-Authenticate: Digest realm="..", nonce="..", algorithm=MD5, qop="auth"[, stale=true]
 *   Server: <[sip] server_header, only when one is configured>
 *   Content-Length: 0
 *
 * received= is added only when the source address differs from the Via sent-by host or the
 * Via has rport (RFC 3261 §18.2.1, RFC 3581 §4); a received= already in the request is always
 * rewritten in place with the source address (never duplicated). An IPv6 source is written
 * without brackets (received=2001:db8::1). rport= is filled only when the request asked for it
 * with a bare ";rport"; an rport that has a value is kept. Other parameters of the top Via are
 * kept as received; each Via value (comma lists included) gets a Via line of its own.
 */

#ifndef USH_REPLY_H
#define USH_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"
#include "ush_sip.h"

/** Longest reply the builder writes; larger ones fail with -ENOSPC. */
#define USH_REPLY_MAX 4096

/** Longest Server header value (ush_reply_server_ok()). */
#define USH_REPLY_SERVER_MAX 64

/** Most challenges in one reply: one per algorithm. */
#define USH_REPLY_CHALLENGES_MAX USH_ALGO_UNKNOWN

/** Longest status line ("SIP/2.0 407 Proxy Authentication Required\r\n" and the like). */
#define USH_REPLY_HEAD_MAX 48

/** Where the request came from (the packet's source), for received= and rport=. */
struct ush_reply_source {
	uint8_t af;        /**< AF_INET or AF_INET6 */
	uint8_t addr[16];  /**< network byte order; 4 bytes used for AF_INET */
	uint16_t port;     /**< host byte order */
};

/** One digest challenge per offered algorithm, in the order given (strongest first). */
struct ush_reply_challenge {
	const char *realm;
	size_t realm_len;
	const uint8_t *algos;       /**< enum ush_algo, n_algos of them */
	const char *const *nonces;  /**< one nonce per algorithm, nonce_len characters each */
	size_t nonce_len;
	unsigned int n_algos;
	uint8_t qop_mask;  /**< bits (1 << USH_QOP_AUTH) and (1 << USH_QOP_AUTH_INT); 0: no qop */
	bool stale;        /**< add stale=true */
	bool proxy;        /**< Proxy-Authenticate (407) instead of WWW-Authenticate (401) */
};

/**
 * Build a response to a parsed request.
 *
 * @param out      buffer of cap bytes; at most USH_REPLY_MAX of them are used. That is
 *                 enough for ordinary requests, but the parser allows headers of up to
 *                 USH_SIP_MAX_LINE bytes, so very long Via, From, To or Call-ID values give
 *                 -ENOSPC whatever cap is.
 * @param buf,msg  the request and its parse; for a request that failed to parse (400), the
 *                 fields the parser filled before the error are used
 * @param code     status code, 100..699; the reason phrase is the RFC 3261 one for 400, 401,
 *                 403, 407, 500, 503, the RFC 8224 one for 428, 436, 437, 438 ("Unknown"
 *                 otherwise)
 * @param to_tag   our To tag, added when the request's To has none (to_tag_len 0: never)
 * @param src      the packet's source
 * @param ch       challenges for 401/407, or NULL (or n_algos 0) for none. With challenges,
 *                 code must be 407 when ch->proxy and 401 otherwise, and every algorithm one
 *                 below USH_ALGO_UNKNOWN, at most USH_REPLY_CHALLENGES_MAX of them. realm
 *                 and nonces are written as given (the caller keeps '"' and '\' out of them).
 * @param retry_after  seconds for a Retry-After header (503), 0 for none
 * @param server   Server header value, written as given, or NULL (server_len 0) for no Server
 *                 header; ush_reply_server_ok() must hold for it
 * @return reply length, -EINVAL when the request lacks what a reply must copy (top Via,
 *         From, To, Call-ID, CSeq) or an argument breaks the rules above (src->af neither
 *         AF_INET nor AF_INET6 included, and a server failing ush_reply_server_ok()),
 *         -ENOSPC when cap is too small (nothing is written past cap; the bytes before it
 *         are undefined).
 * Threads: any; reentrant, no allocation.
 */
int
ush_reply_build(char *out, size_t cap, const char *buf, const struct ush_sip_msg *msg,
		uint16_t code, const char *to_tag, size_t to_tag_len,
		const struct ush_reply_source *src, const struct ush_reply_challenge *ch,
		uint32_t retry_after, const char *server, size_t server_len);

/**
 * May this be the value of our Server header? 1 to USH_REPLY_SERVER_MAX printable ASCII
 * characters (space included, so "Acme-SBC/2.1 (edge)" is fine; no CR, LF or other control
 * character, no leading or trailing space). Empty means "no header" and is not checked here.
 * Threads: any.
 */
bool
ush_reply_server_ok(const char *server, size_t len);

/**
 * The text of a reply that does not depend on the request, composed once (per configuration)
 * by ush_reply_tmpl_make() for ush_reply_build_tmpl(), which copies it around what it takes
 * from each request: the status line (head), and everything after CSeq (tail: the challenges
 * with their nonces left blank, Retry-After, Server, Content-Length, the empty line).
 *
 *   head: SIP/2.0 401 Unauthorized\r\n
 *   tail: WWW-Authenticate: Digest realm="r", nonce="<nonce_len blank bytes>", algorithm=...
 *         ^ tail[0]                                  ^ tail[nonce_off[0]]
 *         ...
 *         Content-Length: 0\r\n\r\n
 */
struct ush_reply_tmpl {
	uint16_t head_len; /**< 0: not made (ush_reply_tmpl_make() failed) */
	uint16_t tail_len;
	uint16_t nonce_len; /**< bytes of each nonce */
	uint8_t n_nonces;   /**< challenges, each with a nonce of its own */
	uint16_t nonce_off[USH_REPLY_CHALLENGES_MAX]; /**< where each nonce goes in tail */
	char head[USH_REPLY_HEAD_MAX];
	char tail[USH_REPLY_MAX];
};

/**
 * Compose the template of a reply: code, ch (its nonces are not read, and may be NULL),
 * retry_after, server and server_len as for ush_reply_build(), with the same rules.
 *
 * @return 0, -EINVAL for arguments ush_reply_build() refuses, -ENOSPC when the constant text
 *         alone exceeds USH_REPLY_MAX; on failure t->head_len is 0 (the template is unusable).
 * Threads: any; reentrant, no allocation.
 */
int
ush_reply_tmpl_make(struct ush_reply_tmpl *t, uint16_t code,
		    const struct ush_reply_challenge *ch, uint32_t retry_after, const char *server,
		    size_t server_len);

/**
 * Build a reply from a template: the same bytes ush_reply_build() writes for the arguments the
 * template was made with, for a fraction of its work.
 *
 * @param nonces  t->n_nonces nonces of t->nonce_len characters, in challenge order (the same
 *                pointer may repeat); NULL when t->n_nonces is 0
 * @return as ush_reply_build(); -EINVAL also for a template that was not made.
 * Threads: any; reentrant, no allocation.
 */
int
ush_reply_build_tmpl(char *out, size_t cap, const char *buf, const struct ush_sip_msg *msg,
		     const struct ush_reply_tmpl *t, const char *to_tag, size_t to_tag_len,
		     const struct ush_reply_source *src, const char *const *nonces);

/**
 * UDP port a response to this request goes to (RFC 3261 §18.2.2, RFC 3581 §4): the
 * source port when the top Via has rport, else the Via sent-by port, else 5060. A message
 * without a parsed Via gets src_port (buf is unused: the parse holds what is needed).
 */
uint16_t
ush_reply_dest_port(const char *buf, const struct ush_sip_msg *msg, uint16_t src_port);

#endif /* USH_REPLY_H */
