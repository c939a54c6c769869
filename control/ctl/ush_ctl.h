/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * The control channel library (include/usher_ctl.h is the wire format): sockets, frames,
 * JSON requests and replies, credential records. Used by usher, usherd and usherctl; needs
 * no EAL. Static library usher_ctl (jansson).
 */

#ifndef USH_CTL_H
#define USH_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "usher_algo.h"
#include "usher_ctl.h"

/* ---- sockets ---- */

/**
 * Listen on a Unix stream socket at path (a stale socket file is replaced), mode 0660,
 * group group when not NULL or "" (a group name or number).
 * @return the listening fd (non-blocking, close-on-exec), or -errno with err filled.
 */
int
ush_ctl_listen(const char *path, const char *group, char *err, size_t errlen);

/**
 * Connect to a Unix stream socket. The fd is blocking with send and receive timeouts of
 * timeout_ms (0: none). @return the fd or -errno.
 */
int
ush_ctl_connect(const char *path, unsigned int timeout_ms);

/* ---- frames ---- */

/** Encode a header into 16 bytes. */
void
ush_ctl_hdr_encode(uint8_t out[USH_CTL_HDR_LEN], const struct ush_ctl_hdr *h);

/**
 * Decode and check 16 header bytes.
 * @return 0, -EPROTO (magic, version, flags or type wrong), -EMSGSIZE (len too big).
 */
int
ush_ctl_hdr_decode(const uint8_t in[USH_CTL_HDR_LEN], struct ush_ctl_hdr *h);

/** Send one frame, whole (retries short writes, EINTR). @return 0 or -errno. */
int
ush_ctl_send(int fd, uint8_t type, uint32_t seq, const void *payload, uint32_t len);

/** Send a JSON object as a frame of type type. @return 0 or -errno (-ENOMEM, -EMSGSIZE). */
int
ush_ctl_send_json(int fd, uint8_t type, uint32_t seq, const json_t *obj);

/**
 * Receive state for a non-blocking event loop: feed it whenever the fd is readable.
 * The payload buffer grows to the largest frame seen (at most USH_CTL_PAYLOAD_MAX).
 */
struct ush_ctl_rx {
	uint8_t hb[USH_CTL_HDR_LEN];
	size_t have;        /**< bytes of the current frame received (header + payload) */
	struct ush_ctl_hdr hdr;
	uint8_t *payload;   /**< valid when ush_ctl_rx_feed() returned 1, until the next call */
	size_t cap;
};

/**
 * Read what the fd has. @return 1 when a whole frame is ready (rx->hdr, rx->payload,
 * rx->hdr.len), 0 when more bytes are needed (EAGAIN), -EPIPE at end of stream, -EPROTO or
 * -EMSGSIZE for a bad header, -ENOMEM, or the read error.
 * After 1, the next call starts a new frame.
 */
int
ush_ctl_rx_feed(struct ush_ctl_rx *rx, int fd);

/** Free the receive buffer. */
void
ush_ctl_rx_free(struct ush_ctl_rx *rx);

/**
 * Blocking receive of one frame (for clients; the fd's receive timeout applies).
 * @return 0 with rx filled as by ush_ctl_rx_feed(), or -errno (-EAGAIN on timeout, -EPIPE).
 */
int
ush_ctl_recv(struct ush_ctl_rx *rx, int fd);

/**
 * Parse a REQUEST or REPLY payload into a JSON object.
 * @return a new reference, or NULL (not JSON, or not an object) with err filled.
 */
json_t *
ush_ctl_parse(const uint8_t *payload, uint32_t len, char *err, size_t errlen);

/**
 * One request and its reply, blocking (clients: usherctl, usherd towards usher).
 * Sends req (its "cmd" set by the caller) with a fresh seq, waits for the REPLY with that seq.
 * @return the reply object (new reference), or NULL with err filled (connection, timeout,
 *         protocol error); a reply with "ok": false is returned as is.
 */
json_t *
ush_ctl_call(int fd, const json_t *req, char *err, size_t errlen);

/**
 * A frame that arrives while ush_ctl_call_ex() waits for its reply and is not that reply:
 * a PUNT from a node (the only frame a peer may send unasked). The payload is valid during
 * the call only. Return 0 to go on waiting, or a negative errno to give up (the call then
 * fails with "protocol error").
 */
typedef int (*ush_ctl_frame_fn)(void *arg, const struct ush_ctl_hdr *h, const uint8_t *payload);

/**
 * ush_ctl_call(), handing every PUNT frame that arrives before the reply to on_frame (NULL:
 * such a frame is a protocol error, as in ush_ctl_call()).
 */
json_t *
ush_ctl_call_ex(int fd, const json_t *req, ush_ctl_frame_fn on_frame, void *arg, char *err,
		size_t errlen);

/** A reply: {"ok": true} (the caller adds results to it). New reference. */
json_t *
ush_ctl_reply_ok(void);

/** A failed reply: {"ok": false, "error": printf(fmt, ...), "code": code}. New reference. */
json_t *
ush_ctl_reply_err(enum ush_ctl_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- credential records ---- */

/** A decoded record; user, realm, ha1 point into the payload. */
struct ush_ctl_cred {
	uint8_t op;   /**< enum ush_ctl_cred_op */
	uint8_t hash; /**< enum ush_hash (SET) */
	uint8_t user_len;
	uint8_t realm_len;
	uint8_t ha1_len;
	const char *user;
	const char *realm;
	const uint8_t *ha1;
};

/**
 * Append a record to buf[*off..cap).
 * @return 0, -ENOSPC (does not fit: send the buffer and start a new one), -EINVAL (a
 *         length out of range, a SET whose ha1_len is not ush_hash_len(hash)).
 */
int
ush_ctl_cred_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_cred *c);

/**
 * Decode the record at buf[*off] and advance *off.
 * @return 1 for a record, 0 at the end of the buffer, -EPROTO for a truncated or invalid one
 *         (unknown op or hash, lengths out of range, hlen not matching the hash).
 */
int
ush_ctl_cred_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_cred *c);

/* ---- identity punts and verdicts (include/usher_ctl.h) ---- */

/** A decoded punt record; the strings point into the payload and are not NUL-terminated. */
struct ush_ctl_punt {
	uint64_t id;
	const char *identity;
	const char *from;
	const char *pai; /**< NULL when plen is 0 */
	const char *to;
	uint16_t identity_len;
	uint16_t from_len;
	uint16_t pai_len;
	uint16_t to_len;
};

/**
 * Append a punt record to buf[*off..cap).
 * @return 0, -ENOSPC (does not fit), -EINVAL (a length out of range).
 */
int
ush_ctl_punt_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_punt *p);

/**
 * Decode the punt record at buf[*off] and advance *off.
 * @return 1 for a record, 0 at the end, -EPROTO for a truncated or invalid one.
 */
int
ush_ctl_punt_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_punt *p);

/** A decoded verdict record; reason points into the payload (or the caller's string). */
struct ush_ctl_verdict {
	uint64_t id;
	uint8_t verdict; /**< enum ush_ctl_idv */
	char attest;     /**< 'A', 'B', 'C' for PASSED, else 0 */
	uint8_t reason_len;
	const char *reason;
};

/**
 * Append a verdict record. @return 0, -ENOSPC, -EINVAL (verdict, attest or reason invalid).
 */
int
ush_ctl_verdict_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_verdict *v);

/**
 * Decode the verdict record at buf[*off] and advance *off.
 * @return 1, 0 at the end, -EPROTO for a truncated or invalid one (unknown verdict, attest
 *         on a verdict other than PASSED, reason too long or not [a-z0-9_]).
 */
int
ush_ctl_verdict_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_verdict *v);

/* ---- small helpers ---- */

/** Lower-case hex of n bytes into out (2n + 1 bytes). */
void
ush_ctl_hex(char *out, const uint8_t *in, size_t n);

/** Parse exactly 2n hex digits into n bytes. @return 0 or -EINVAL. */
int
ush_ctl_unhex(uint8_t *out, size_t n, const char *hex, size_t hex_len);

#endif /* USH_CTL_H */
