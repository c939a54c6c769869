/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Identity verifier internals shared between its .c files. */

#ifndef USHD_IDENTITY_PRIV_H
#define USHD_IDENTITY_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ushd_identity.h"

/* Longest certificate file read from the repository; SHAKEN bundles are 2-4 KiB. */
#define ID_CERT_FILE_MAX (64 * 1024)
/* Most certificates in one bundle (leaf + intermediates). */
#define ID_CHAIN_MAX 8
/* Most TNAuthList entries kept from a certificate. */
#define ID_TNAUTH_MAX 16

/*
 * Strict base64url (RFC 4648 §5) without padding: URL alphabet only, length mod 4 != 1, and
 * the unused low bits of the last symbol zero, so that every byte string has exactly one
 * accepted encoding.
 * @return decoded length, or -EINVAL / -ENOSPC.
 */
int
id_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outlen);

/** base64url without padding; out needs 4 * ceil(len / 3) + 1 bytes. @return length. */
size_t
id_b64url_encode(const uint8_t *in, size_t len, char *out);

/* One TNAuthList entry (RFC 8226 §9). */
struct id_tnentry {
	uint8_t kind; /* 0 spc, 1 range, 2 one */
	char tn[16];  /* spc: the code (truncated to 15); range: start; one: the number */
	uint64_t count;
};

struct id_tnauth {
	struct id_tnentry e[ID_TNAUTH_MAX];
	uint8_t n;
	bool has_spc;
};

/**
 * Parse the DER value of a TNAuthList extension (the OCTET STRING's contents).
 * @return 0, or -EINVAL when it is not a well-formed TNAuthorizationList.
 */
int
id_tnauth_parse(const uint8_t *der, size_t len, struct id_tnauth *out);

/** Whether canonical tn is covered by the TNAuthList (true when it holds an SPC). */
bool
id_tnauth_covers(const struct id_tnauth *t, const char *tn);

/**
 * Canonical low-S form of a raw ES256 signature (s replaced by n - s when s > n/2), and
 * whether r and s are both in [1, n-1].
 * @return 0, or -EINVAL when r or s is out of range.
 */
int
id_sig_canonical(const uint8_t sig[64], uint8_t out[64]);

/** Raw R || S -> DER ECDSA-Sig-Value. @return DER length, or a negative errno. */
int
id_sig_to_der(const uint8_t sig[64], uint8_t *der, size_t derlen);

struct sockaddr;

/**
 * Whether an address is a public unicast one: false for loopback, RFC 1918, CGNAT,
 * link-local, ULA, site-local, unspecified, multicast, documentation and reserved ranges
 * (IPv4-mapped and NAT64 addresses judged by their IPv4 part) and for non-IP families.
 */
bool
id_fetch_addr_public(const struct sockaddr *sa);

/** curl_global_init / curl_global_cleanup (reference counted by libcurl). @return 0 or -ENOMEM. */
int
id_fetch_global_init(void);
void
id_fetch_global_cleanup(void);

/**
 * GET the https:// url into buf (at most min(fetch_max_bytes, bufmax) bytes) under c's
 * rules: no proxy, no redirect, TLS verified (fetch_ca or the system store), total timeout
 * fetch_timeout_ms, every connected address public unless fetch_allow_private.
 * @param len  bytes received (also on failure, for the byte counter)
 * @return USHD_ID_R_OK (status 200), X5U_FETCH_REFUSED, _FAILED, _TOO_BIG, _TIMEOUT, NOMEM;
 *         detail filled on failure. Blocking: call from pool threads, never a poll loop.
 */
enum ushd_id_reason
id_fetch(const struct ushd_identity_conf *c, const char *url, char *buf, size_t bufmax,
	 size_t *len, char *detail, size_t dlen);

#endif /* USHD_IDENTITY_PRIV_H */
