/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * STIR/SHAKEN verification service (RFC 8224, 8225, 8226, 8588) for usherd. No EAL; OpenSSL 3
 * for X.509 and ES256, jansson for the PASSporT JSON, pthreads for the worker pool.
 *
 * What one verification does (docs/identity.md):
 *
 *   Identity: <hdr>.<payload>.<sig>;info=<x5u>;alg=ES256;ppt=shaken
 *        │
 *        ├─ parse (strict: base64url without padding, exact JSON types, duplicate keys refused)
 *        ├─ iat freshness: now - iat <= iat_window, iat - now <= future_skew
 *        ├─ orig.tn vs P-Asserted-Identity (else From), dest.tn vs To (canonical TNs)
 *        ├─ result cache: SHA-256(hdr "." payload) with the canonical signature ── hit ─┐
 *        ├─ certificate cache: x5u ─► validated chain + P-256 key + TNAuthList ── miss: │
 *        │     repository file ─► PEM bundle ─► TNAuthList ─► X509_verify_cert (+CRLs)  │
 *        └─ ES256 over the received "hdr.payload" bytes ◄──────────────────────────────┘
 *
 * Certificates come from a local repository directory: `x5u` is looked up in `<repo>/index`
 * (lines `URL FILENAME`), then as `<repo>/<sha256-hex(URL)>.pem`. A file holds the signing
 * certificate first, then any intermediates (PEM). With fetch = yes a repository miss is
 * fetched over HTTPS (libcurl, on the calling thread: the pool's) under an SSRF guard.
 *
 * Threads: a context is shared by any number of threads; ushd_identity_verify() may run
 * concurrently with itself, with ushd_identity_reload() and with ushd_identity_stats().
 * The pool API (ushd_identity_pool_*) lets a poll()-based single-threaded daemon submit
 * verifications and collect results when an eventfd turns readable.
 */

#ifndef USHD_IDENTITY_H
#define USHD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Longest Identity header value accepted, bytes (real SHAKEN headers are ~600-900). */
#define USHD_ID_HDR_MAX 4096
/** Longest x5u / info URL, bytes. */
#define USHD_ID_URL_MAX 512
/** Longest telephone number in a claim, before and after canonicalisation. */
#define USHD_ID_TN_MAX 32
/** Most dest.tn entries accepted. */
#define USHD_ID_DEST_MAX 8
/** Longest origid, bytes (a UUID is 36). */
#define USHD_ID_ORIGID_MAX 64
/** Longest From / P-Asserted-Identity / To value passed in, bytes. */
#define USHD_ID_URI_MAX 512
/** Longest human-readable message of a result, bytes with the NUL. */
#define USHD_ID_DETAIL_MAX 160

/**
 * Verdicts: X(name, SIP code, verstat or status text). 428 is never produced by
 * ushd_identity_verify() (it needs a header): it is for the caller that requires one.
 */
#define USHD_ID_FOREACH_VERDICT(X)                                                              \
	X(PASSED, 0, "TN-Validation-Passed")                                                   \
	X(MISSING, 428, "Use Identity Header")                                                 \
	X(BAD_INFO, 436, "Bad Identity Info")                                                  \
	X(UNSUPPORTED_CRED, 437, "Unsupported Credential")                                     \
	X(INVALID, 438, "Invalid Identity Header")                                             \
	X(STALE, 403, "Stale Date")                                                            \
	X(INTERNAL, 500, "Server Internal Error")

/** Outcome class of a verification. */
enum ushd_id_verdict {
#define USHD_ID_V_ENUM(n, c, t) USHD_ID_V_##n,
	USHD_ID_FOREACH_VERDICT(USHD_ID_V_ENUM)
#undef USHD_ID_V_ENUM
	USHD_ID_V_COUNT
};

/**
 * Reasons: X(name, verdict, machine string, human message). The machine string is what
 * counters and `Reason: STIR;cause=<code>;text="<machine>"` carry; it never changes meaning.
 */
#define USHD_ID_FOREACH_REASON(X)                                                               \
	X(OK, PASSED, "ok", "verified")                                                        \
	X(MISSING, MISSING, "missing", "no Identity header")                                   \
	X(HDR_SYNTAX, INVALID, "hdr_syntax", "Identity header syntax error")                   \
	X(HDR_TOO_LONG, INVALID, "hdr_too_long", "Identity header too long")                   \
	X(COMPACT_FORM, INVALID, "compact_form", "compact-form PASSporT (SHAKEN needs full form)") \
	X(ALG_UNSUPPORTED, INVALID, "alg_unsupported", "algorithm is not ES256")               \
	X(PPT_UNSUPPORTED, INVALID, "ppt_unsupported", "ppt is not shaken")                    \
	X(JWS_SYNTAX, INVALID, "jws_syntax", "JWS is not three base64url segments")            \
	X(JSON_SYNTAX, INVALID, "json_syntax", "PASSporT JSON malformed or duplicate key")     \
	X(JWS_HEADER, INVALID, "jws_header", "PASSporT header field missing or mistyped")      \
	X(CLAIMS, INVALID, "claims", "PASSporT claim missing or mistyped")                     \
	X(INFO_MISMATCH, INVALID, "info_mismatch", "info parameter differs from x5u")          \
	X(ORIG_MISMATCH, INVALID, "orig_mismatch", "orig.tn does not match the caller")        \
	X(DEST_MISMATCH, INVALID, "dest_mismatch", "dest.tn does not match the callee")        \
	X(SIG_INVALID, INVALID, "sig_invalid", "signature does not verify")                    \
	X(INFO_MISSING, BAD_INFO, "info_missing", "no info parameter")                         \
	X(X5U_BAD_URL, BAD_INFO, "x5u_bad_url", "x5u URL refused by policy")                   \
	X(X5U_UNKNOWN, BAD_INFO, "x5u_unknown", "x5u not in the certificate repository")       \
	X(X5U_UNREADABLE, BAD_INFO, "x5u_unreadable", "x5u certificate file malformed")        \
	X(X5U_FETCH_REFUSED, BAD_INFO, "x5u_fetch_refused",                                    \
	  "x5u fetch refused (scheme, port or non-public address)")                            \
	X(X5U_FETCH_FAILED, BAD_INFO, "x5u_fetch_failed",                                      \
	  "x5u fetch failed (network, TLS, HTTP status)")                                      \
	X(X5U_FETCH_TOO_BIG, BAD_INFO, "x5u_fetch_too_big", "x5u body over fetch_max_bytes")   \
	X(X5U_FETCH_TIMEOUT, BAD_INFO, "x5u_fetch_timeout", "x5u fetch timed out")             \
	X(CHAIN_UNTRUSTED, UNSUPPORTED_CRED, "chain_untrusted", "no path to a trust anchor")   \
	X(CERT_EXPIRED, UNSUPPORTED_CRED, "cert_expired", "certificate expired")               \
	X(CERT_NOT_YET_VALID, UNSUPPORTED_CRED, "cert_not_yet_valid", "certificate not yet valid") \
	X(CERT_REVOKED, UNSUPPORTED_CRED, "cert_revoked", "certificate revoked")               \
	X(CRL_UNAVAILABLE, UNSUPPORTED_CRED, "crl_unavailable", "no CRL for an issuer")        \
	X(CRL_INVALID, UNSUPPORTED_CRED, "crl_invalid", "CRL expired or malformed")            \
	X(CERT_CRITICAL_EXT, UNSUPPORTED_CRED, "cert_critical_ext", "unhandled critical extension") \
	X(CERT_INVALID, UNSUPPORTED_CRED, "cert_invalid", "certificate path invalid")          \
	X(TNAUTH_MISSING, UNSUPPORTED_CRED, "tnauth_missing", "no TNAuthList extension")       \
	X(TNAUTH_CRITICAL, UNSUPPORTED_CRED, "tnauth_critical", "TNAuthList marked critical")  \
	X(TNAUTH_MALFORMED, UNSUPPORTED_CRED, "tnauth_malformed", "TNAuthList malformed")      \
	X(TN_NOT_AUTHORIZED, UNSUPPORTED_CRED, "tn_not_authorized",                            \
	  "orig.tn not in the certificate's TNAuthList")                                       \
	X(KEY_UNSUPPORTED, UNSUPPORTED_CRED, "key_unsupported", "key is not EC P-256")         \
	X(IAT_STALE, STALE, "iat_stale", "iat older than the window")                          \
	X(IAT_FUTURE, STALE, "iat_future", "iat in the future beyond the skew")                \
	X(NOMEM, INTERNAL, "nomem", "out of memory")                                           \
	X(CRYPTO, INTERNAL, "crypto", "OpenSSL failure")

/** Why a verification ended as it did. */
enum ushd_id_reason {
#define USHD_ID_R_ENUM(n, v, s, m) USHD_ID_R_##n,
	USHD_ID_FOREACH_REASON(USHD_ID_R_ENUM)
#undef USHD_ID_R_ENUM
	USHD_ID_R_COUNT
};

/** Configuration: the [identity] section of usherd.ini (docs/identity.md). */
struct ushd_identity_conf {
	char ca_file[1024];	 /**< trust anchors, PEM ("" = none) */
	char ca_dir[1024];	 /**< trust anchors, c_rehash'ed directory ("" = none) */
	char crl_file[1024];	 /**< CRLs, PEM ("" = none) */
	char crl_dir[1024];	 /**< every regular file in it is read as PEM CRLs ("" = none) */
	char repo_dir[1024];	 /**< certificate repository (index file and/or sha256 names) */
	uint32_t iat_window;	 /**< seconds an iat may lie in the past (60) */
	uint32_t future_skew;	 /**< seconds an iat may lie in the future (5) */
	uint32_t cert_ttl;	 /**< seconds a validated certificate stays cached (3600) */
	uint32_t cert_cache_max; /**< cached certificates (1024; 0 disables the cache) */
	uint32_t result_ttl;	 /**< seconds a verified signature stays cached (10) */
	uint32_t result_cache_max; /**< cached results (4096; 0 disables the cache) */
	uint32_t threads;	 /**< pool worker threads (2) */
	uint32_t queue_depth;	 /**< pool: most verifications in flight (1024) */
	bool allow_http;	 /**< accept http:// and any port in x5u (tests only; false);
				      a fetch stays https-only but may use any port */
	bool fetch;		 /**< fetch a repository miss over HTTPS (false) */
	bool fetch_allow_private; /**< fetch from loopback/private/link-local addresses (false) */
	uint32_t fetch_timeout_ms; /**< whole fetch, connect included (2000) */
	uint32_t fetch_max_bytes;  /**< largest body accepted (65536, the repository's cap) */
	char fetch_ca[1024];	 /**< trust store of the x5u HTTPS servers, PEM ("" = system) */
};

/** Fill the defaults shown in the comments of struct ushd_identity_conf. */
void
ushd_identity_conf_defaults(struct ushd_identity_conf *c);

/**
 * Set one [identity] key from its text value. Keys: ca_file, ca_dir, crl_file, crl_dir,
 * repo_dir, iat_window, future_skew, cert_ttl, cert_cache_max, result_ttl,
 * result_cache_max, threads, queue_depth, allow_http, fetch, fetch_timeout_ms,
 * fetch_max_bytes, fetch_allow_private, fetch_ca.
 * @param err  "key: message" on failure; the ini reader prefixes its "file:line: "
 * @return 0, -ENOENT for an unknown key, -EINVAL for a bad value (c unchanged).
 * Threads: any (touches only c).
 */
int
ushd_identity_conf_set(struct ushd_identity_conf *c, const char *key, const char *value,
		       char *err, size_t errlen);

/** A parsed Identity header and PASSporT (what ushd_identity_parse() fills). */
struct ushd_passport {
	char info[USHD_ID_URL_MAX + 1];	 /**< info= URL, without the angle brackets */
	char x5u[USHD_ID_URL_MAX + 1];	 /**< protected header x5u */
	char attest;			 /**< 'A', 'B' or 'C' */
	char orig_tn[USHD_ID_TN_MAX + 1]; /**< orig.tn as sent */
	char dest_tn[USHD_ID_DEST_MAX][USHD_ID_TN_MAX + 1]; /**< dest.tn as sent */
	uint8_t n_dest;			 /**< entries in dest_tn, >= 1 */
	int64_t iat;			 /**< seconds since the epoch, > 0 */
	char origid[USHD_ID_ORIGID_MAX + 1];
	uint16_t signing_off;		 /**< "hdr.payload" in the input: offset ... */
	uint16_t signing_len;		 /**< ... and length */
	uint8_t sig[64];		 /**< raw R || S, big-endian, 32 bytes each */
};

/**
 * Parse an Identity header value (the text after "Identity:", surrounding whitespace
 * allowed) and its PASSporT, strictly. Checks only what needs no clock, no certificate and
 * no SIP context: syntax, types, alg/typ/ppt, info == x5u.
 * @param out  filled on USHD_ID_R_OK (partly filled otherwise)
 * @return USHD_ID_R_OK or the reason the header is refused.
 * Threads: any; no allocation besides jansson's.
 */
enum ushd_id_reason
ushd_identity_parse(const char *hdr, size_t len, struct ushd_passport *out);

/**
 * Canonical telephone number of a From / P-Asserted-Identity / To value or a bare TN: the
 * URI inside <...> if any; tel: number, or the user part of a sip:/sips: URI; RFC 4904
 * parameters (;npdi, ;rn=, ...) and visual separators (- . ( )) removed, a leading + dropped.
 * @return length written (digits, '*', '#'), or -EINVAL when the value holds no telephone
 *         number (sip: user with letters, empty) or -ENOSPC when out is too small.
 * Threads: any.
 */
int
ushd_identity_tn_canon(const char *value, size_t len, char *out, size_t outlen);

/** Inputs of one verification. Strings are NUL-terminated; NULL skips that check. */
struct ushd_identity_req {
	const char *identity; /**< Identity header value (required) */
	const char *from;     /**< From header value or URI: orig when pai is NULL */
	const char *pai;      /**< P-Asserted-Identity value or URI: orig when set */
	const char *to;	      /**< To header value or URI: must match one dest.tn */
	time_t now;	      /**< verification time; 0 = time(NULL) */
};

/** Outcome of one verification. */
struct ushd_identity_result {
	uint8_t verdict;      /**< enum ushd_id_verdict */
	uint8_t reason;	      /**< enum ushd_id_reason */
	uint16_t sip_code;    /**< 0 for PASSED, else the response code of the verdict */
	char attest;	      /**< 'A'/'B'/'C' when PASSED, else 0 */
	bool cert_cached;     /**< the certificate came from the cache */
	bool result_cached;   /**< the signature check came from the result cache */
	char detail[USHD_ID_DETAIL_MAX]; /**< human message (may name the OpenSSL error) */
	uint64_t cookie;      /**< pool: the cookie given to ushd_identity_pool_submit() */
};

/** Counters (monotonic since create; flushes do not reset them). */
struct ushd_identity_stats {
	uint64_t verdict[USHD_ID_V_COUNT];
	uint64_t reason[USHD_ID_R_COUNT];
	uint64_t cert_hit, cert_miss;	  /**< certificate cache */
	uint64_t chain_builds;		  /**< X509_verify_cert calls */
	uint64_t result_hit, result_miss; /**< result cache */
	uint64_t sig_verifies;		  /**< ES256 verifications run */
	uint64_t flushes;		  /**< reloads and explicit flushes */
	uint64_t cert_cached, result_cached; /**< entries held now */
	uint64_t fetches;		  /**< x5u HTTPS fetches attempted (repository misses) */
	uint64_t fetch_refused, fetch_failed, fetch_too_big, fetch_timeout; /**< by outcome */
	uint64_t fetch_bytes;		  /**< body bytes received, failed fetches included */
};

struct ushd_identity;

/**
 * Create a verifier: loads trust anchors, CRLs and the repository index.
 * @param err  the reason on failure ("identity: ca_file: ...")
 * @return the context, or NULL with errno set (EINVAL: bad configuration or unreadable
 *         files, ENOMEM).
 * Threads: any.
 */
struct ushd_identity *
ushd_identity_create(const struct ushd_identity_conf *c, char *err, size_t errlen);

/** Free a context (no verification may be running). NULL is a no-op. */
void
ushd_identity_free(struct ushd_identity *id);

/**
 * Reload trust anchors, CRLs and the repository index from the files named at create, then
 * flush both caches. All or nothing: on error the old trust store stays in use.
 * @return 0 or a negative errno with err filled.
 * Threads: any; verifications in progress finish with the store they started with.
 */
int
ushd_identity_reload(struct ushd_identity *id, char *err, size_t errlen);

/** Drop every cached certificate and result. Threads: any. */
void
ushd_identity_flush(struct ushd_identity *id);

/**
 * Verify one Identity header. Synchronous: may read the repository and build a chain
 * (~1 ms) on a certificate cache miss, or with fetch = yes block on an HTTPS fetch for up to
 * fetch_timeout_ms, so the daemon's loop calls it through the pool.
 * @return 0 (res filled, whatever the verdict), -EINVAL when req->identity is NULL.
 * Threads: any, concurrently.
 */
int
ushd_identity_verify(struct ushd_identity *id, const struct ushd_identity_req *req,
		     struct ushd_identity_result *res);

/** Snapshot of the counters. Threads: any. */
void
ushd_identity_stats(struct ushd_identity *id, struct ushd_identity_stats *out);

/** SIP response code of a verdict (0 for PASSED). */
uint16_t
ushd_identity_verdict_code(enum ushd_id_verdict v);

/** Reason phrase of a verdict ("Stale Date"), or "TN-Validation-Passed". */
const char *
ushd_identity_verdict_text(enum ushd_id_verdict v);

/** Verdict a reason belongs to. */
enum ushd_id_verdict
ushd_identity_reason_verdict(enum ushd_id_reason r);

/** Machine string of a reason ("iat_stale"); "?" out of range. */
const char *
ushd_identity_reason_name(enum ushd_id_reason r);

/** Human message of a reason. */
const char *
ushd_identity_reason_text(enum ushd_id_reason r);

/** One entry of the certificate cache, as ushd_identity_cert_list() reports it. */
struct ushd_identity_cert_info {
	const char *x5u;     /**< the URL the entry is keyed by */
	char subject[256];   /**< the leaf's subject, one line */
	time_t not_before;   /**< latest notBefore of the chain */
	time_t valid_until;  /**< min(validation + cert_ttl, notAfter, CRL nextUpdate) */
	time_t expires;      /**< when the entry leaves the cache */
	unsigned int n_tn;   /**< TNAuthList entries */
	bool spc;            /**< the TNAuthList has a service provider code (every TN) */
};

/**
 * Call fn for each cached certificate, most recently used first, under the cache lock (fn
 * must not call back into id). @return the number of entries.
 * Threads: any.
 */
unsigned int
ushd_identity_cert_list(struct ushd_identity *id,
			void (*fn)(void *arg, const struct ushd_identity_cert_info *e), void *arg);

/*
 * Worker pool: bounded submission queue, worker threads, bounded completion queue and an
 * eventfd that is readable while completions wait. At most queue_depth verifications are
 * submitted and not yet collected, so the completion queue never overflows.
 */

struct ushd_identity_pool;

/**
 * Start conf.threads workers verifying with id (which must outlive the pool).
 * @return the pool, or NULL with errno (ENOMEM, or the pthread/eventfd error).
 * Threads: the daemon's loop thread.
 */
struct ushd_identity_pool *
ushd_identity_pool_create(struct ushd_identity *id, uint32_t threads, uint32_t queue_depth);

/** Stop the workers (jobs still queued are dropped, uncollected results freed). */
void
ushd_identity_pool_free(struct ushd_identity_pool *p);

/** The eventfd to poll() for POLLIN. Threads: any. */
int
ushd_identity_pool_fd(const struct ushd_identity_pool *p);

/**
 * Queue one verification. The strings of req are copied.
 * @return 0, -EAGAIN when queue_depth verifications are outstanding, -EINVAL for a NULL
 *         identity, -E2BIG when a string exceeds USHD_ID_HDR_MAX / USHD_ID_URI_MAX.
 * Threads: the daemon's loop thread (one submitter).
 */
int
ushd_identity_pool_submit(struct ushd_identity_pool *p, const struct ushd_identity_req *req,
			  uint64_t cookie);

/**
 * Collect up to max finished verifications (each with its cookie) and clear the eventfd when
 * none remain. Never blocks.
 * @return the number written to res.
 * Threads: the daemon's loop thread (one collector).
 */
unsigned int
ushd_identity_pool_collect(struct ushd_identity_pool *p, struct ushd_identity_result *res,
			   unsigned int max);

#endif /* USHD_IDENTITY_H */
