/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * The control channel: framing and messages between usherctl, usherd and usher.
 *
 *     usherctl ──unix socket──> usherd ──unix socket──> usher (one or more dataplane nodes)
 *
 * usher listens on its `[control] socket`; usherd connects to every node it is configured
 * with, and listens on its own socket for usherctl. Both sockets are created mode 0660 with
 * the configured group, so only that group (and root) may connect. One connection carries
 * requests one at a time: the client sends a REQUEST, the server answers with one REPLY
 * carrying the same seq. Nothing is pushed unasked, with one exception: a usherd whose
 * "hello" carried "identity": true receives PUNT frames from that node whenever its workers
 * punt an INVITE for STIR/SHAKEN verification, also while it waits for a REPLY, and answers
 * them with VERDICT frames (no reply of their own either way; seq is 0).
 *
 * A frame is a 16-byte header, all fields in network byte order, then len payload bytes:
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                 magic 0x55534843 ("USHC")                     |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |  version (1)  |     type      |          flags (0)            |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                 seq (chosen by the client)                    |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                 len (payload bytes, <= 1 MiB)                 |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A frame with a wrong magic, an unknown version, non-zero flags, an unknown type or a len
 * above USH_CTL_PAYLOAD_MAX is a protocol error: the receiver closes the connection (it
 * cannot resynchronise a byte stream). A newer peer speaking version 2 gets the connection
 * closed by a version 1 peer; the "hello" request reports both sides' versions first.
 *
 * REQUEST and REPLY payloads are one JSON object (UTF-8). A request names its command in
 * "cmd"; a reply carries "ok": true and the command's results, or "ok": false, "error": a
 * one-line message for the operator, and "code": one of enum ush_ctl_code.
 *
 * CREDS payloads are credential records (below) and are only valid between a "creds.begin"
 * request and its "creds.commit" or "creds.abort". They get no reply of their own; any error
 * in them is reported by "creds.commit", which then applies nothing.
 *
 * Commands answered by usher (the dataplane):
 *
 *   hello        {"version":1,"peer":"usherd"}   -> {"version":1,"node":NAME,"pid":N,
 *                (+ "identity":true: this             "boot":UNIX_TIME,
 *                connection verifies punts)           "identity":true|false (punts on)}
 *   status       {}                              -> {"node","pid","boot","uptime","workers",
 *                                                    "ports":{...},"users":N,"nonce":{...},
 *                                                    "config":PATH}
 *   stats        {}                              -> {"time":UNIX_TIME,"total":{CTR:N,...},
 *                                                    "workers":[{"lcore":N,"counters":{...}}]}
 *   get          {"key":"section.key"} or {}     -> {"values":{"section.key":"value",...}}
 *   set          {"key":"section.key","value":S} -> {"key","value"} (as now in force)
 *   list.add     {"list":"block"|"allow","cidr":"192.0.2.0/24"}  -> {"entries":N}
 *   list.del     {"list","cidr"}                 -> {"entries":N} ("code":NOT_FOUND if absent)
 *   list.show    {"list"}                        -> {"entries":[{"cidr","origin"}]}
 *   bans.list    {}                              -> {"bans":[{...}]}
 *   bans.clear   {} or {"source":"192.0.2.1"}    -> {"cleared":N}
 *   nonce.keys   {"cur":{"kid":N,"secret":HEX},"prev":{"kid":N,"secret":HEX}|null} -> {}
 *   creds.begin  {"mode":"full"|"delta","records":N (a hint)} -> {}
 *   creds.commit {"records":N (what was sent)}   -> {"users":N (now in force)}
 *   creds.abort  {}                              -> {}
 *
 * PUNT payloads are punt records (below), VERDICT payloads verdict records, back to back.
 * The records are binary, not JSON: the values are SIP header bytes, which need not be UTF-8
 * (JSON text must be), and the dataplane's main lcore packs them with two memcpy calls
 * instead of escaping them. A node punts only to the connection whose hello asked for it
 * (the latest such hello wins); when that connection closes, the punts in flight are answered
 * INTERNAL by the node itself (the [identity] unavailable policy applies).
 *
 * usherd answers the operator's commands (usherctl) over the same framing; see
 * docs/operations.md for its command list. "get"/"set"/"list.*"/"bans.*"/"stats"/"status"
 * are relayed to every node, with one result per node under "nodes".
 */

#ifndef USHER_CTL_H
#define USHER_CTL_H

#include <stdint.h>

#define USH_CTL_MAGIC 0x55534843u   /**< "USHC" */
#define USH_CTL_VERSION 1
#define USH_CTL_HDR_LEN 16
#define USH_CTL_PAYLOAD_MAX (1u << 20)

/** Frame types. */
enum ush_ctl_type {
	USH_CTL_REQUEST = 1, /**< JSON object with "cmd" */
	USH_CTL_REPLY = 2,   /**< JSON object with "ok" */
	USH_CTL_CREDS = 3,   /**< credential records, inside creds.begin .. creds.commit */
	USH_CTL_PUNT = 4,    /**< usher -> usherd: punt records (after hello "identity": true) */
	USH_CTL_VERDICT = 5, /**< usherd -> usher: verdict records answering punts */
};

/** Why a request failed ("code" of a failed reply); usherctl maps them to exit codes. */
enum ush_ctl_code {
	USH_CTL_OK = 0,
	USH_CTL_EINVAL = 1,     /**< bad argument or value: the operator's input is wrong */
	USH_CTL_ENOTFOUND = 2,  /**< no such key, user, list entry or command */
	USH_CTL_ESOURCE = 3,    /**< credential source unreadable or malformed: old set kept */
	USH_CTL_ENODE = 4,      /**< a dataplane node is unreachable or failed */
	USH_CTL_EINTERNAL = 5,  /**< out of memory, I/O error: see the server's log */
};

/** The header, in host byte order once decoded. */
struct ush_ctl_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t len;
};

/**
 * A credential record inside a CREDS payload (payloads hold whole records, back to back):
 *
 *     +--------+--------+----------+-----------+---------+------+-------+-----+
 *     | op (1) | hash(1)| ulen (1) | rlen (1)  | hlen (1)| user | realm | ha1 |
 *     +--------+--------+----------+-----------+---------+------+-------+-----+
 *
 * op USH_CTL_CRED_SET: (user, realm) has ha1 for hash (enum ush_hash), hlen =
 * ush_hash_len(hash) bytes of binary HA1. op USH_CTL_CRED_DEL: (user, realm) is removed with
 * all its hashes; hash and hlen are 0. A "full" transfer carries SET records only and
 * replaces the whole table; a "delta" transfer applies its records in order to a copy of
 * the table in force. ulen 1..128, rlen 1..128 (USH_CRED_USER_MAX, USH_CRED_REALM_MAX).
 */
enum ush_ctl_cred_op {
	USH_CTL_CRED_SET = 1,
	USH_CTL_CRED_DEL = 2,
};

#define USH_CTL_CRED_HDR_LEN 5

/**
 * A punt record (inside a PUNT payload): an initial INVITE with an Identity header that the
 * dataplane holds until its verdict arrives.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                        id (64 bits, opaque)                   |
 *     |                                                               |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |     ilen (Identity value)     |      flen (From value)        |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     | plen (P-Asserted-Identity, 0) |        tlen (To value)        |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |  identity (ilen) | from (flen) | pai (plen) | to (tlen)  ...  |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The id is the node's (worker, slot, generation) and comes back unchanged in the verdict.
 * ilen 1..USH_CTL_PUNT_IDENTITY_MAX; flen and tlen 1..USH_CTL_PUNT_ADDR_MAX; plen 0 (no
 * P-Asserted-Identity: the From is the originator) .. USH_CTL_PUNT_ADDR_MAX. The values are
 * the header values as received (the first value of a multi-valued P-Asserted-Identity).
 */
#define USH_CTL_PUNT_HDR_LEN 16
#define USH_CTL_PUNT_IDENTITY_MAX 4096
#define USH_CTL_PUNT_ADDR_MAX 512
#define USH_CTL_PUNT_REC_MAX \
	(USH_CTL_PUNT_HDR_LEN + USH_CTL_PUNT_IDENTITY_MAX + 3 * USH_CTL_PUNT_ADDR_MAX)

/**
 * Verdict classes of a VERDICT record; the SIP code each maps to is in docs/identity.md
 * (RFC 8224 §6.2.2, ATIS-1000074): passed, 428, 436, 437, 438, 403 and 500.
 */
enum ush_ctl_idv {
	USH_CTL_IDV_PASSED = 0,       /**< verstat=TN-Validation-Passed */
	USH_CTL_IDV_MISSING = 1,      /**< 428 Use Identity Header */
	USH_CTL_IDV_BAD_INFO = 2,     /**< 436 Bad Identity Info */
	USH_CTL_IDV_UNSUPPORTED = 3,  /**< 437 Unsupported Credential */
	USH_CTL_IDV_INVALID = 4,      /**< 438 Invalid Identity Header */
	USH_CTL_IDV_STALE = 5,        /**< 403 Stale Date */
	USH_CTL_IDV_INTERNAL = 6,     /**< verifier failed or overloaded: [identity] unavailable */
	USH_CTL_IDV_COUNT
};

/**
 * A verdict record (inside a VERDICT payload):
 *
 *     +-------------------+-------------+------------+----------+-------+--------------+
 *     | id (8, from the   | verdict (1) | attest (1) | rlen (1) | 0 (1) | reason       |
 *     |  punt record)     | ush_ctl_idv | 'A','B','C'|          |       | (rlen bytes) |
 *     +-------------------+-------------+------------+----------+-------+--------------+
 *
 * attest is 0 unless the verdict is PASSED. reason is the verifier's machine reason
 * ("sig_invalid", docs/identity.md), [a-z0-9_] only, 0..USH_CTL_VERDICT_REASON_MAX bytes: the
 * text of an RFC 9410 Reason header when the node continues instead of rejecting.
 */
#define USH_CTL_VERDICT_HDR_LEN 12
#define USH_CTL_VERDICT_REASON_MAX 32

#endif /* USHER_CTL_H */
