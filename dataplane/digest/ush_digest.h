/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Batch digest engine: verifies a whole burst of SIP/HTTP digest credentials at once.
 *
 * RFC 2617 / 7616 / 8760 digest verification (MD5, SHA-256, SHA-512-256, each with its -sess
 * variant; qop auth, auth-int or none) in three phases, like a crypto PMD:
 *
 *   1. collect: the caller fills one struct ush_digest_lane per credential set (views into the
 *      packet, plus the stored binary HA1), up to USH_DIGEST_BURST_MAX lanes;
 *   2. one call: ush_digest_verify_burst() computes every HA2, -sess HA1 and expected response
 *      with multi-buffer kernels (own MD5 and SHA-512 kernels, intel-ipsec-mb for SHA-256);
 *   3. retire: one enum ush_digest_verdict per lane.
 *
 * A burst may mix algorithms, qop values and lengths; lanes never influence each other.
 *
 * Threads: a struct ush_digest_ctx belongs to one thread (one per worker lcore). It holds the
 * intel-ipsec-mb manager and all scratch memory, so the per-burst functions allocate nothing,
 * take no lock and make no syscall. Functions without a ctx argument are reentrant and may be
 * called from any thread. Creating and freeing a ctx allocates: do it at start-up.
 */

#ifndef USH_DIGEST_H
#define USH_DIGEST_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"

/** Most lanes in one call of ush_digest_verify_burst() (two rx bursts of 32). */
#define USH_DIGEST_BURST_MAX 64

/**
 * Longest string the engine hashes for one lane, in bytes: "method:uri[:H(body)]" and
 * "HA1:nonce:nc:cnonce:qop:HA2" must each fit. Longer lanes get USH_DIGEST_TOO_LONG. The
 * entity body of auth-int is hashed in place and has no such limit.
 */
#define USH_DIGEST_MSG_MAX 1024

/** Multi-buffer kernel family used for MD5 and SHA-512 (and the ipsec-mb manager by default). */
enum ush_digest_kernel {
	USH_DIGEST_KERNEL_AUTO = 0, /**< best the CPU supports, unless USH_DIGEST_KERNEL is set */
	USH_DIGEST_KERNEL_SCALAR,   /**< portable C, one message at a time */
	USH_DIGEST_KERNEL_AVX2,     /**< 8 lanes per group, 2 groups interleaved */
	USH_DIGEST_KERNEL_AVX512,   /**< 16 lanes per group, up to 4 groups interleaved */
	USH_DIGEST_KERNEL_COUNT
};

/** intel-ipsec-mb manager used for SHA-256 and HMAC-SHA-256. */
enum ush_digest_imb {
	USH_DIGEST_IMB_DEFAULT = 0, /**< USH_DIGEST_IMB env var, else matching the kernel */
	USH_DIGEST_IMB_SSE,         /**< SSE manager: SHA-NI when the CPU has it */
	USH_DIGEST_IMB_AVX2,        /**< AVX2 manager */
	USH_DIGEST_IMB_AVX512,      /**< AVX-512 manager: 16-lane AVX-512 SHA-256 */
	USH_DIGEST_IMB_COUNT
};

/**
 * -sess compatibility: hash the binary HA1 instead of its hex form in
 * H(HA1:nonce:cnonce), as Kamailio (and RFC 2617's sample code) do. Off by default: RFC 7616
 * §3.4.2 uses the hex form.
 */
#define USH_DIGEST_F_SESS_BINARY_HA1 (1u << 0)

/** Configuration of a ctx. All-zero means "auto everything, RFC behaviour". */
struct ush_digest_conf {
	enum ush_digest_kernel kernel; /**< forced kernel, or AUTO */
	enum ush_digest_imb imb;       /**< forced ipsec-mb manager, or DEFAULT */
	uint32_t flags;                /**< USH_DIGEST_F_* */
};

/** Outcome of one lane. */
enum ush_digest_verdict {
	USH_DIGEST_OK = 0,       /**< response matches */
	USH_DIGEST_MISMATCH,     /**< well-formed response that does not match (or no HA1) */
	USH_DIGEST_BAD_RESPONSE, /**< response is not 32/64 hex digits */
	USH_DIGEST_BAD_ALGO,     /**< algorithm is USH_ALGO_UNKNOWN or out of range */
	USH_DIGEST_BAD_QOP,      /**< qop is USH_QOP_UNKNOWN or out of range */
	USH_DIGEST_TOO_LONG,     /**< a hashed string would exceed USH_DIGEST_MSG_MAX */
	USH_DIGEST_VERDICT_COUNT
};

/**
 * One credential set to verify. Every pointer is a view (usually into the packet) that must
 * stay valid for the duration of the call; nothing is copied or kept afterwards.
 * The nc, cnonce and qop are used only when qop is not USH_QOP_NONE; body only for auth-int.
 * Syntax checks (nc is 8 hex digits, uri matches the Request-URI, realm) belong to the caller.
 */
struct ush_digest_lane {
	/**
	 * Binary HA1 = H(username:realm:password) with the algorithm's hash, ush_hash_len() bytes.
	 * NULL for an unknown user: the lane is computed with a dummy HA1 like any other (same
	 * cost) and always yields USH_DIGEST_MISMATCH.
	 */
	const uint8_t *ha1;
	const char *method;   /**< request method, e.g. "REGISTER" */
	const char *uri;      /**< digest-uri parameter, unquoted */
	const char *nonce;    /**< nonce parameter, unquoted */
	const char *nc;       /**< nonce-count, 8 hex digits as sent */
	const char *cnonce;   /**< cnonce parameter, unquoted */
	const char *response; /**< response parameter: hex, either case */
	const uint8_t *body;  /**< entity body (auth-int only) */
	uint32_t body_len;
	uint16_t method_len;
	uint16_t uri_len;
	uint16_t nonce_len;
	uint16_t nc_len;
	uint16_t cnonce_len;
	uint16_t response_len;
	uint8_t algo; /**< enum ush_algo */
	uint8_t qop;  /**< enum ush_qop; its canonical token ("auth", "auth-int") is hashed */
};

/** One message for the raw batch hash functions. */
struct ush_digest_msg {
	const void *data; /**< message bytes */
	uint32_t len;     /**< message length in bytes */
	uint8_t *out;     /**< digest output: 16 bytes (MD5) or 32 bytes */
};

/** Precomputed HMAC-SHA-256 key: SHA-256 states after the ipad and opad blocks. */
struct ush_digest_hmac_key {
	alignas(16) uint8_t ipad_state[32];
	alignas(16) uint8_t opad_state[32];
};

struct ush_digest_ctx;

/**
 * Create a per-thread engine context: picks the kernel (conf, then the USH_DIGEST_KERNEL
 * environment variable "scalar"/"avx2"/"avx512"/"auto", then the CPU), allocates and
 * initialises an intel-ipsec-mb manager and the lane scratch memory.
 *
 * @param conf  configuration, or NULL for defaults
 * @return the context, or NULL with errno set: ENOTSUP if a forced kernel or manager is not
 *         supported by this CPU, EINVAL for a bad conf or env value, ENOMEM.
 * Threads: any; the result must then be used by one thread at a time.
 */
struct ush_digest_ctx *
ush_digest_ctx_create(const struct ush_digest_conf *conf);

/**
 * Free a context and wipe its scratch memory (it held HA1 and responses). NULL is a no-op.
 * Threads: the owner, once no call on ctx is running.
 */
void
ush_digest_ctx_free(struct ush_digest_ctx *ctx);

/** Kernel the context runs. Threads: any. */
enum ush_digest_kernel
ush_digest_ctx_kernel(const struct ush_digest_ctx *ctx);

/** ipsec-mb manager the context runs (never DEFAULT). Threads: any. */
enum ush_digest_imb
ush_digest_ctx_imb(const struct ush_digest_ctx *ctx);

/**
 * True if the context computes HMAC-SHA-256 of messages of at most 55 bytes with its own
 * SHA-NI kernel rather than through ipsec-mb (see ush_digest_hmac_sha256_burst()).
 * Threads: any.
 */
bool
ush_digest_ctx_hmac_ni(const struct ush_digest_ctx *ctx);

/** True if this CPU (and OS) can run the kernel; AUTO and SCALAR always can. Threads: any. */
bool
ush_digest_kernel_supported(enum ush_digest_kernel kernel);

/** Lower-case name of a kernel ("scalar", "avx2", "avx512", "auto"), "?" if out of range. */
const char *
ush_digest_kernel_name(enum ush_digest_kernel kernel);

/** Name of an ipsec-mb manager choice ("sse", "avx2", "avx512", "default"). */
const char *
ush_digest_imb_name(enum ush_digest_imb imb);

/** Short text for a verdict ("ok", "mismatch", "bad response", ...). Threads: any. */
const char *
ush_digest_verdict_name(enum ush_digest_verdict verdict);

/**
 * Verify a burst of credential sets.
 *
 * @param ctx       the calling thread's context
 * @param lanes     n lanes
 * @param n         number of lanes, at most USH_DIGEST_BURST_MAX
 * @param verdicts  n verdicts out, in lane order
 * @return number of lanes with USH_DIGEST_OK, or -EINVAL if n > USH_DIGEST_BURST_MAX or an
 *         argument is NULL (then no verdict is written).
 * Threads: the ctx owner. No allocation, lock or syscall.
 */
int
ush_digest_verify_burst(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes,
		unsigned int n, enum ush_digest_verdict *verdicts);

/**
 * Compute the expected responses of a burst without comparing (tools and tests). The
 * response fields of the lanes are ignored.
 *
 * @param expected  n digests out, ush_hash_len() bytes used of each; left untouched for a
 *                  lane whose verdict is not USH_DIGEST_OK
 * @param verdicts  n verdicts out: USH_DIGEST_OK when computed, else why not
 * @return number of lanes computed, or -EINVAL as for ush_digest_verify_burst().
 * Threads: the ctx owner.
 */
int
ush_digest_compute_burst(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes,
		unsigned int n, uint8_t (*expected)[USH_DIGEST_MAX_LEN],
		enum ush_digest_verdict *verdicts);

/**
 * Verify one credential set: the entry point for tools such as usher-explain.
 * Same rules as a one-lane ush_digest_verify_burst().
 * @return the lane's verdict; USH_DIGEST_BAD_ALGO also if ctx or lane is NULL.
 * Threads: the ctx owner.
 */
enum ush_digest_verdict
ush_digest_verify_one(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lane);

/**
 * HA1 = H(username:realm:password) for a hash function, as usherd stores it and as a tool
 * derives it from a typed password. Uses OpenSSL; not for the packet path.
 *
 * @param ha1  ush_hash_len(hash) bytes out
 * @return 0, or -EINVAL for hash USH_HASH_COUNT or a NULL pointer, -EIO on an OpenSSL error.
 * Threads: any.
 */
int
ush_digest_ha1(enum ush_hash hash, const char *user, size_t user_len, const char *realm,
		size_t realm_len, const char *password, size_t password_len, uint8_t *ha1);

/**
 * Decode hex (either case) into exactly out_len bytes.
 * @return 0, or -EINVAL if hex_len != 2 * out_len or a character is not a hex digit.
 * Threads: any. Time depends only on the lengths, not on the digits' values.
 */
int
ush_digest_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len);

/** Encode len bytes as 2 * len lower-case hex digits (no terminator). Threads: any. */
void
ush_digest_hex_encode(const uint8_t *in, size_t len, char *hex);

/**
 * Compare two byte strings in constant time (time depends on len only).
 * @return true if equal. Threads: any.
 */
bool
ush_digest_equal(const void *a, const void *b, size_t len);

/**
 * Check a client's hex response against a binary digest in constant time, either case.
 * @return USH_DIGEST_OK, USH_DIGEST_MISMATCH, or USH_DIGEST_BAD_RESPONSE when hex_len is not
 *         2 * len or a character is not a hex digit. Threads: any.
 */
enum ush_digest_verdict
ush_digest_check_hex(const char *hex, size_t hex_len, const uint8_t *digest, size_t len);

/**
 * Raw batch hashes: n independent messages of any length, each digest written to msgs[i].out.
 * MD5 and SHA-512/256 run on the ctx kernel, SHA-256 through the ctx ipsec-mb manager.
 * @return n, or -EINVAL for a NULL argument or an ipsec-mb job error (-EIO).
 * Threads: the ctx owner. No allocation; n is not limited.
 */
int
ush_md5_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs, unsigned int n);

/** @copydoc ush_md5_burst */
int
ush_sha256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs, unsigned int n);

/** @copydoc ush_md5_burst */
int
ush_sha512_256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs,
		unsigned int n);

/**
 * Precompute an HMAC-SHA-256 key (keys longer than 64 bytes are hashed first, RFC 2104).
 * @return 0, or -EINVAL for a NULL pointer. Threads: the ctx owner (uses its manager).
 */
int
ush_digest_hmac_key_init(struct ush_digest_ctx *ctx, const void *key, size_t key_len,
		struct ush_digest_hmac_key *hkey);

/**
 * Batch HMAC-SHA-256 under one key (nonce MACs): msgs[i].out gets tag_len bytes.
 *
 * Two paths, same tags. Messages of at most 55 bytes (one inner block: two compressions from
 * the precomputed states) run on a SHA-NI kernel that interleaves independent messages,
 * without ipsec-mb's job overhead; longer ones go through the ctx ipsec-mb manager. The
 * kernel is used when CPUID reports SHA and SSE4.1 and the ctx was not created with the
 * scalar kernel or the AVX2 / AVX-512 manager asked for by name (conf, or USH_DIGEST_KERNEL /
 * USH_DIGEST_IMB): those keep every message on ipsec-mb, so that path stays testable. Asking
 * for the SSE manager (ipsec-mb's SHA-NI one, as the auth worker's nonce ctx does) keeps the
 * kernel. ush_digest_ctx_hmac_ni() tells which applies.
 *
 * @param tag_len  16 (truncated, as IPsec does) or 32
 * @return n, -EINVAL for a bad argument (including an empty message, which ipsec-mb 1.3
 *         refuses, on either path; no tag is written then), -EIO on an ipsec-mb job error.
 * Threads: the ctx owner. No allocation.
 */
int
ush_digest_hmac_sha256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_hmac_key *hkey,
		const struct ush_digest_msg *msgs, unsigned int n, unsigned int tag_len);

#endif /* USH_DIGEST_H */
