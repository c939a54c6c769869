/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Digest algorithms and qop values, shared by the dataplane, usherd and the tools.
 *
 * These enums are part of the contract between the dataplane and the control plane:
 * credentials are pushed as one HA1 per (user, realm, base algorithm), and the values here
 * index those HA1 slots. Never renumber an existing constant.
 */

#ifndef USHER_ALGO_H
#define USHER_ALGO_H

#include <stdbool.h>
#include <stddef.h>

/** Digest algorithm as named in the `algorithm=` parameter (RFC 7616 §3.3, RFC 8760). */
enum ush_algo {
	USH_ALGO_MD5 = 0,          /**< "MD5", also the default when `algorithm` is absent */
	USH_ALGO_MD5_SESS,         /**< "MD5-sess" */
	USH_ALGO_SHA256,           /**< "SHA-256" */
	USH_ALGO_SHA256_SESS,      /**< "SHA-256-sess" */
	USH_ALGO_SHA512_256,       /**< "SHA-512-256" */
	USH_ALGO_SHA512_256_SESS,  /**< "SHA-512-256-sess" */
	USH_ALGO_UNKNOWN,          /**< any other token: never verifiable */
	USH_ALGO_COUNT
};

/** Hash function underneath an algorithm: the index of the HA1 a user needs. */
enum ush_hash {
	USH_HASH_MD5 = 0,
	USH_HASH_SHA256,
	USH_HASH_SHA512_256,
	USH_HASH_COUNT
};

/** Quality of protection chosen by the client (`qop=`). */
enum ush_qop {
	USH_QOP_NONE = 0, /**< no qop parameter: RFC 2069 compatibility */
	USH_QOP_AUTH,     /**< "auth" */
	USH_QOP_AUTH_INT, /**< "auth-int" */
	USH_QOP_UNKNOWN,  /**< any other token */
};

/** Longest digest in bytes (SHA-256 and SHA-512/256). */
#define USH_DIGEST_MAX_LEN 32

/**
 * Hash function an algorithm uses.
 * @return USH_HASH_COUNT for USH_ALGO_UNKNOWN.
 */
static inline enum ush_hash
ush_algo_hash(enum ush_algo algo)
{
	switch (algo) {
	case USH_ALGO_MD5:
	case USH_ALGO_MD5_SESS:
		return USH_HASH_MD5;
	case USH_ALGO_SHA256:
	case USH_ALGO_SHA256_SESS:
		return USH_HASH_SHA256;
	case USH_ALGO_SHA512_256:
	case USH_ALGO_SHA512_256_SESS:
		return USH_HASH_SHA512_256;
	default:
		return USH_HASH_COUNT;
	}
}

/** True for the "-sess" variants, whose HA1 is bound to nonce and cnonce. */
static inline bool
ush_algo_is_sess(enum ush_algo algo)
{
	return algo == USH_ALGO_MD5_SESS || algo == USH_ALGO_SHA256_SESS ||
	       algo == USH_ALGO_SHA512_256_SESS;
}

/** Digest length in bytes of a hash function (16 or 32); 0 for USH_HASH_COUNT. */
static inline size_t
ush_hash_len(enum ush_hash hash)
{
	return hash == USH_HASH_MD5 ? 16 : hash < USH_HASH_COUNT ? 32 : 0;
}

/**
 * Algorithm from its token, case-insensitive ("md5-SESS" is MD5-sess).
 * @return USH_ALGO_UNKNOWN for anything else.
 */
enum ush_algo ush_algo_from_token(const char *s, size_t len);

/** Canonical token of an algorithm as sent in challenges ("SHA-512-256-sess"). */
const char *ush_algo_name(enum ush_algo algo);

#endif /* USHER_ALGO_H */
