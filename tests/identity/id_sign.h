/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Test-only PASSporT signer, independent of the verifier: OpenSSL's EVP_EncodeBlock for
 * base64, EVP_DigestSign for ECDSA, d2i_ECDSA_SIG to get raw R || S. Used by the unit tests
 * and the benchmark.
 */

#ifndef USHD_ID_SIGN_H
#define USHD_ID_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/** base64url without padding of len bytes; out needs 4 * len / 3 + 5. @return length. */
size_t
ids_b64url(const uint8_t *in, size_t len, char *out);

/** Private (or public, pub = 1) key from a PEM file, or NULL. */
EVP_PKEY *
ids_load_key(const char *path, int pub);

/** ES256 over msg: raw R || S (32 + 32 bytes, big-endian). @return 0 or -1. */
int
ids_sign_raw(EVP_PKEY *k, const char *msg, size_t len, uint8_t sig[64]);

/**
 * "b64(hdr).b64(payload).b64(sig)" followed by params (e.g. ";info=<...>;ppt=shaken").
 * @return 0 or -1 (too long, signing failed).
 */
int
ids_make(EVP_PKEY *k, const char *hdr_json, const char *payload_json, const char *params,
	 char *out, size_t outlen);

/**
 * A SHAKEN Identity header value, canonical JSON (RFC 8225 §9: sorted keys, no spaces):
 * header {alg,ppt,typ,x5u}, claims {attest,dest{tn[dest]},iat,orig{tn},origid}, then
 * ";info=<x5u>;alg=ES256;ppt=shaken". @return 0 or -1.
 */
int
ids_shaken(EVP_PKEY *k, const char *x5u, const char *orig, const char *dest, long long iat,
	   char attest, char *out, size_t outlen);

#endif /* USHD_ID_SIGN_H */
