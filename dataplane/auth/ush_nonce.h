/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Stateless nonces and the shared nonce-count (replay) table. EAL-free.
 *
 * A nonce is 24 bytes, sent as 32 characters of base64url without padding (RFC 4648 §5):
 *
 *    0       1       2               6               10      11      12                    24
 *   +-------+-------+---------------+---------------+-------+-------+---------------------+
 *   | ver=1 | kid   | timestamp     | index         | algo  | rsvd  | MAC                 |
 *   |       |       | u32 BE, s     | u32 BE        | enum  | =0    | 96 bits             |
 *   +-------+-------+---------------+---------------+-------+-------+---------------------+
 *   MAC = first 12 bytes of HMAC-SHA-256(secret[kid], bytes 0..11)
 *
 * - kid names the secret: two are live at a time (current and previous), so a rotation never
 *   invalidates nonces in flight. Any node holding the secrets verifies any node's nonces.
 * - timestamp: when the nonce was made (seconds, the caller's clock); it is expired once
 *   now - timestamp > lifetime, and refused as invalid when more than USH_NONCE_MAX_DRIFT
 *   seconds in the future.
 * - index: chosen by the maker (each worker strides through its own residues); selects the
 *   nonce's slot in the nonce-count table.
 * - algo: the enum ush_algo the nonce is bound to (credentials using another algorithm with
 *   it are refused), or USH_ALGO_UNKNOWN for "any algorithm the challenge offered". Usher's
 *   challenges use one nonce for all their algorithms: the client answers one, and a nonce
 *   per algorithm would cost one HMAC per offered algorithm on the busiest path.
 *
 * Threads: make/check use the caller's digest ctx (one per thread); the nc table is shared by
 * all workers and updated with atomics only.
 */

#ifndef USH_NONCE_H
#define USH_NONCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"
#include "ush_digest.h"

#define USH_NONCE_BIN_LEN 24   /**< binary nonce bytes */
#define USH_NONCE_LEN 32       /**< base64url characters on the wire */
#define USH_NONCE_MAC_LEN 12   /**< truncated HMAC-SHA-256 bytes */
#define USH_NONCE_VERSION 1
#define USH_NONCE_MAX_DRIFT 5  /**< seconds a timestamp may lie in the future (node clocks) */
#define USH_NONCE_SECRET_MIN 16 /**< shortest secret accepted, bytes */

/** The live nonce secrets: the current one (makes and checks) and the previous (checks). */
struct ush_nonce_keys {
	struct ush_digest_hmac_key cur;
	struct ush_digest_hmac_key prev;
	uint8_t cur_kid;
	uint8_t prev_kid;
	bool has_prev;
};

/**
 * Precompute the keys from raw secrets.
 * @param prev  previous secret, or NULL when there is none (then prev_len/prev_kid ignored)
 * @return 0, or -EINVAL when a secret is shorter than USH_NONCE_SECRET_MIN or both kids equal.
 * Threads: the ctx owner; the result is read-only afterwards and may be shared.
 */
int
ush_nonce_keys_init(struct ush_digest_ctx *ctx, struct ush_nonce_keys *keys, uint8_t cur_kid,
		    const uint8_t *cur, size_t cur_len, uint8_t prev_kid, const uint8_t *prev,
		    size_t prev_len);

/** Outcome of a nonce check. */
enum ush_nonce_status {
	USH_NONCE_OK = 0,  /**< authentic and fresh */
	USH_NONCE_EXPIRED, /**< authentic but older than the lifetime (answer stale=true) */
	USH_NONCE_INVALID, /**< wrong length, not base64url, unknown version or kid, bad MAC,
			        timestamp in the future */
};

/** What an authentic nonce carries. */
struct ush_nonce_info {
	uint32_t timestamp;
	uint32_t index;
	uint8_t algo; /**< enum ush_algo */
	uint8_t kid;
};

/**
 * Make n nonces under the current key.
 * @param index  n indexes; algo n algorithms (enum ush_algo)
 * @param out    n buffers of USH_NONCE_LEN characters (not NUL-terminated)
 * @return 0, or a negative errno from the HMAC batch.
 * Threads: the ctx owner. No allocation.
 */
int
ush_nonce_make_burst(struct ush_digest_ctx *ctx, const struct ush_nonce_keys *keys,
		     uint32_t now, const uint32_t *index, const uint8_t *algo, unsigned int n,
		     char (*out)[USH_NONCE_LEN]);

/**
 * Check n nonces as received (the unquoted nonce parameter): one HMAC batch for all those
 * under the current key, and a second only when some carry the previous key (a rotation in
 * flight). Lanes failing the syntax checks cost no HMAC. n is not limited (bursts longer than
 * USH_DIGEST_BURST_MAX are processed in chunks of that size).
 * @param nonce, len  n views
 * @param info        n results, filled when the status is OK or EXPIRED
 * @param status      n statuses out
 * @return number of USH_NONCE_OK, or a negative errno from the HMAC batch.
 * Threads: the ctx owner. No allocation.
 */
int
ush_nonce_check_burst(struct ush_digest_ctx *ctx, const struct ush_nonce_keys *keys,
		      uint32_t now, uint32_t lifetime, const char *const *nonce,
		      const uint16_t *len, unsigned int n, struct ush_nonce_info *info,
		      enum ush_nonce_status *status);

/**
 * The nonce-count table: 2^order slots of two 64-bit words, shared by all workers.
 *
 *   state (CAS)
 *   63                32 31            16 15             0
 *  +--------------------+----------------+----------------+
 *  | generation         | highest nc     | window bitmap  |
 *  +--------------------+----------------+----------------+
 *   last (store), 0 = none
 *   63                                 32 31             0
 *  +-------------------------------------+----------------+
 *  | fingerprint of the last accepted    | time accepted  |
 *  | request (ush_nc_fingerprint)        | (s)            |
 *  +-------------------------------------+----------------+
 *
 * A nonce's slot is index & (2^order - 1) and its generation index >> order (serial-number
 * arithmetic, so index wrap-around is harmless). Bit k of the window says that nc
 * (highest - k) was accepted, so requests reordered by up to 16 are accepted once each, and
 * any nc seen before, or older than the window, is refused. A slot holding a newer
 * generation means the nonce was evicted: it is stale, never valid. A slot holding an older
 * generation (or never used) is claimed by the first accepted request of a newer nonce.
 * An all-zero slot is one never used: an accepted nc is never 0, so generation 0 (the first
 * 2^order indexes) is an ordinary generation.
 *
 * The last word tells a UDP retransmission (RFC 3261 §17.1: the same request, byte for byte,
 * resent after T1 while no final response arrived) from a replay: ush_nc_accept_msg().
 *
 * Memory: 16 bytes a slot, plus 64: 16 MiB + 64 for the default order 20, 4 GiB + 64 for
 * order 28 (the window alone needed 8 bytes a slot; the last word doubled it).
 */
struct ush_nc_table;

/** Bytes a table of 2^order slots needs (order 4..28): 64 + 16 * 2^order. 0 for a bad order. */
size_t
ush_nc_table_size(unsigned int order);

/**
 * Initialise a table in caller-provided, 64-byte-aligned memory of ush_nc_table_size() bytes
 * (rte_zmalloc in the dataplane, aligned_alloc in tests).
 * @param seed  random secret (getrandom at start) keying the fingerprints, so that nobody
 *              outside can craft a request whose fingerprint matches another's
 * @return the table, or NULL for a bad order or a NULL/unaligned pointer.
 */
struct ush_nc_table *
ush_nc_table_init(void *mem, unsigned int order, uint64_t seed);

/** Outcome of recording a nonce-count. */
enum ush_nc_status {
	USH_NC_OK = 0,   /**< first time this nc is seen for this nonce: recorded */
	USH_NC_REPLAY,   /**< seen before, 0, above 65535, or older than the window */
	USH_NC_EVICTED,  /**< the nonce's slot was taken by a newer nonce: answer stale */
	/**
	 * ush_nc_accept_msg() only: seen before, but the request is the last one accepted on
	 * the nonce, byte for byte from the same peer, within the retransmission window.
	 */
	USH_NC_RETRANSMISSION,
};

/**
 * Record nc for a nonce whose digest verified (call it only then, so that unauthenticated
 * requests cannot move the window). Lock-free (compare-and-swap), any thread.
 */
enum ush_nc_status
ush_nc_accept(struct ush_nc_table *t, uint32_t index, uint32_t nc);

/**
 * The fingerprint of a request for ush_nc_accept_msg(): 32 bits of SipHash-1-3, keyed by the
 * table's seed, over the whole SIP message and the peer it came from (address and port,
 * encoded by the caller). Covering every byte is what makes "retransmission" mean "the same
 * request": a copy with any header changed (Contact, SDP, branch, ...) is another request,
 * and a replay. Any thread; no allocation.
 */
uint32_t
ush_nc_fingerprint(const struct ush_nc_table *t, const void *msg, size_t len, const void *peer,
		   uint8_t peer_len);

/** One request of a ush_nc_fingerprint_burst() call. */
struct ush_nc_fp_in {
	const void *msg;
	size_t len;
	const void *peer;
	uint8_t peer_len;
};

/**
 * ush_nc_fingerprint() of n requests: out[i] is exactly the fingerprint of in[i]. SipHash is
 * one serial chain of dependent rounds per message (about 0.1 us for a 600-byte REGISTER);
 * on CPUs with AVX-512 the burst runs eight chains in the lanes of one vector (two vectors
 * interleaved for sixteen), fed 64 bytes of each message at a time by transposed loads, with
 * each message's tail under a lane mask: about 24 ns a message. Any thread; no allocation.
 */
void
ush_nc_fingerprint_burst(const struct ush_nc_table *t, const struct ush_nc_fp_in *in,
			 unsigned int n, uint32_t *out);

/**
 * ush_nc_accept(), and retransmission detection when window is not 0: an accepted request
 * leaves (fp, now) in the slot; a request the window refuses whose fp is the slot's, no more
 * than window seconds after that one was accepted, is USH_NC_RETRANSMISSION instead of
 * USH_NC_REPLAY. Older copies, and copies of any earlier request on the nonce, stay replays.
 * A qop-less nonce (no nc: the caller passes 1) is still good for one request, and its exact
 * retransmissions within the window.
 *
 * What an attacker gains: a request sniffed on the wire and sent again unchanged from the
 * same source address and port within window seconds is forwarded. The PBX sees a
 * retransmission of a transaction it already has (RFC 3261 §17.2: same branch, same sent-by,
 * same method) and absorbs it, answering with its last response, if any; the window must
 * not be longer than the PBX keeps its transactions (64*T1 = 32 s for UDP: Timer J, and
 * Timer L of RFC 6026 for INVITE). Anything changed makes it a replay; after the window,
 * even an exact copy is one.
 *
 * @param fp      ush_nc_fingerprint() of the request (unused when window is 0)
 * @param now     seconds, the pipeline's clock
 * @param window  seconds; 0: exactly ush_nc_accept() (nothing recorded, nothing forwarded)
 * Threads: any; lock-free. A race between workers can only make a true retransmission look
 * like a replay, never a replay look like a retransmission (nc_table.c).
 */
enum ush_nc_status
ush_nc_accept_msg(struct ush_nc_table *t, uint32_t index, uint32_t nc, uint32_t fp, uint32_t now,
		  uint32_t window);

/** Slots in use (non-zero), for telemetry; O(slots), not for the packet path. */
uint64_t
ush_nc_table_used(const struct ush_nc_table *t);

#endif /* USH_NONCE_H */
