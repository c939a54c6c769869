/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Digest engine internals shared by the per-ISA engine builds, the kernels and the scheduler.
 *
 * Multi-buffer job: a message is hashed as up to two runs of whole, already padded blocks:
 *
 *   p1 ─► [blk][blk]...[blk]        n1 blocks read in place (packet body, or our own buffer
 *                                    that the builder padded in place: then n2 = 0)
 *   p2 ─► [rest | 0x80 0.. | len]   n2 = 1 or 2 blocks: the remainder and the padding, built
 *                                    in the lane's tail buffer
 *
 * ipsec-mb pads by itself, so SHA-256 jobs use data/len instead.
 */

#ifndef DIGEST_PRIV_H
#define DIGEST_PRIV_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "ush_digest.h"

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* Room for the longest message plus its padding, and for pre-zeroing two blocks. */
#define DIGEST_BUF_SIZE (USH_DIGEST_MSG_MAX + 2 * 128)
#define DIGEST_TAIL_SIZE (2 * 128)

/* Most blocks one kernel call takes per lane: idle lanes read this many dummy blocks. */
#define MB_MAX_NBLK 16

/* Widest kernel: AVX-512 MD5, 4 groups of 16 lanes. */
#define MB_MAX_LANES 64

/* Most kernel widths one ISA offers for one hash. */
#define MB_MAX_KERNELS 4

struct mb_job {
	const uint8_t *p1;
	const uint8_t *p2;
	const uint8_t *data; /* SHA-256 (ipsec-mb) only */
	uint8_t *out;
	uint32_t n1;
	uint32_t n2;
	uint32_t len; /* SHA-256 (ipsec-mb) only */
};

/* A multi-buffer kernel: hashes nblk consecutive blocks of each lane's pointer. */
struct mb_kernel {
	void (*fn)(void *state, const uint8_t *const *ptr, unsigned int nblk);
	uint16_t lanes;
};

/* Kernels of one ISA for one hash, narrowest first: the narrowest that holds the jobs runs. */
struct mb_kernels {
	struct mb_kernel k[MB_MAX_KERNELS];
	unsigned int count;
};

struct digest_lane_scratch {
	alignas(64) uint8_t msg[DIGEST_BUF_SIZE];
	alignas(64) uint8_t tail[DIGEST_TAIL_SIZE];
	alignas(32) uint8_t ha1s[USH_DIGEST_MAX_LEN]; /* HA1 of -sess */
	alignas(32) uint8_t ha2[USH_DIGEST_MAX_LEN];
	alignas(32) uint8_t hbody[USH_DIGEST_MAX_LEN]; /* H(entity-body) for auth-int */
	alignas(32) uint8_t out[USH_DIGEST_MAX_LEN];   /* expected response */
};

struct ush_digest_ctx;

/* One engine build per ISA (engine_scalar.c, engine_avx2.c, engine_avx512.c). */
struct digest_ops {
	int (*run)(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes, unsigned int n,
			enum ush_digest_verdict *verdicts, uint8_t (*expected)[USH_DIGEST_MAX_LEN]);
	void (*md5_jobs)(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n);
	void (*sha512_jobs)(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n);
	/* Raw MD5 or SHA-512/256 burst of caller messages (ush_md5_burst and friends). */
	void (*raw)(struct ush_digest_ctx *ctx, enum ush_hash hash, const struct ush_digest_msg *msgs,
			unsigned int n);
};

struct ush_digest_ctx {
	const struct digest_ops *ops;
	IMB_MGR *mgr;
	enum ush_digest_kernel kernel;
	enum ush_digest_imb imb;
	uint32_t flags;
	bool hmac_ni; /* short HMAC-SHA-256 on sha256_ni.c instead of ipsec-mb */
	int imb_error; /* sticky count of failed ipsec-mb jobs, for tests */
	alignas(32) uint8_t dummy_ha1[USH_DIGEST_MAX_LEN];
	/* SoA kernel state: MD5 4 x u32 x 64 lanes = SHA-512 8 x u64 x 16 lanes = 1 KiB. */
	alignas(64) uint8_t mb_state[1024];
	/* A lane may queue two jobs of one hash in a round (auth-int body and -sess HA1). */
	struct mb_job jobs[USH_HASH_COUNT][2 * USH_DIGEST_BURST_MAX];
	struct digest_lane_scratch lane[USH_DIGEST_BURST_MAX];
};

extern const struct digest_ops digest_ops_scalar;
extern const struct digest_ops digest_ops_avx2;
extern const struct digest_ops digest_ops_avx512;

/* Block-granular kernels. States are SoA: word w of lane l at state[w * lanes + l]. */
void md5_blocks_scalar(uint32_t st[4], const uint8_t *p, size_t nblk);
void sha512_blocks_scalar(uint64_t st[8], const uint8_t *p, size_t nblk);
void md5_x8_avx2(void *state, const uint8_t *const *ptr, unsigned int nblk);
void md5_x16_avx2(void *state, const uint8_t *const *ptr, unsigned int nblk);
void md5_x16_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);
void md5_x32_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);
void md5_x48_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);
void md5_x64_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);
void sha512_x8_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);
void sha512_x16_avx512(void *state, const uint8_t *const *ptr, unsigned int nblk);

extern const uint32_t md5_iv[4];
extern const uint64_t sha512_256_iv[8];
extern const uint8_t mb_zero_blocks[MB_MAX_NBLK * 128];

/* Run MD5 or SHA-512/256 jobs on multi-buffer kernels (mb_sched.c). */
void mb_run(const struct mb_kernels *k, enum ush_hash hash, void *state, struct mb_job *jobs,
		unsigned int n);
/* Same, one message at a time on the scalar kernels. */
void mb_run_scalar(enum ush_hash hash, struct mb_job *jobs, unsigned int n);

/* SHA-256 jobs through the ctx ipsec-mb manager (sha256_imb.c); 0 or -EIO. */
int digest_sha256_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n);

/* Longest message whose HMAC-SHA-256 inner block is one block (64 - 1 - 8 bytes of room). */
#define HMAC_NI_MSG_MAX 55

/*
 * HMAC-SHA-256 with SHA-NI (sha256_ni.c, built with -msha -msse4.1: call it only when
 * digest_sha_ni_supported()) of the messages of 1..HMAC_NI_MSG_MAX bytes among msgs[0..n);
 * longer ones are skipped, left to the caller. tag_len is 16 or 32.
 */
void digest_hmac_sha256_ni(const struct ush_digest_hmac_key *hkey,
		const struct ush_digest_msg *msgs, unsigned int n, unsigned int tag_len);

/* CPUID says SHA-NI, SSSE3 and SSE4.1 (digest.c; plain code, safe on any x86-64). */
bool digest_sha_ni_supported(void);

/* Padding geometry. */
static inline unsigned int
digest_block_size(enum ush_hash hash)
{
	return hash == USH_HASH_SHA512_256 ? 128 : 64;
}

/* Length of a message of len bytes once padded (MD5/SHA-256: +9, SHA-512: +17, rounded up). */
static inline uint32_t
digest_padded_len(uint32_t len, enum ush_hash hash)
{
	unsigned int b = digest_block_size(hash);
	unsigned int extra = hash == USH_HASH_SHA512_256 ? 17 : 9;

	return (len + extra + b - 1) & ~(uint32_t)(b - 1);
}

/* Write the 0x80 marker and the bit length; the bytes in between must already be zero. */
static inline void
digest_pad_finish(uint8_t *buf, uint32_t len, uint32_t total_len, uint64_t msg_len,
		enum ush_hash hash)
{
	uint64_t bits = msg_len << 3;
	uint8_t *l = buf + total_len - 8;

	buf[len] = 0x80;
	if (hash == USH_HASH_MD5) {
		for (int i = 0; i < 8; i++)
			l[i] = (uint8_t)(bits >> (8 * i));
	} else {
		for (int i = 0; i < 8; i++)
			l[i] = (uint8_t)(bits >> (56 - 8 * i));
	}
}

#endif /* DIGEST_PRIV_H */
