/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * SHA-256 and HMAC-SHA-256 batches through the intel-ipsec-mb 1.3 job API; short HMACs go to
 * the SHA-NI kernel (sha256_ni.c) when the ctx has it.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "digest_priv.h"

/*
 * In 1.3, IMB_SUBMIT_HASH_BURST accepts only HMAC algorithms ("Invalid hash algorithm" for
 * plain SHA-256), so plain hashes use GET_NEXT/SUBMIT/FLUSH, keeping up to the manager's lane
 * count in flight. Jobs complete in any order; each writes straight to its own output.
 */

static const uint8_t empty_msg[1];

#define SHA256_CHUNK (sizeof(((struct ush_digest_ctx *)0)->jobs[0]) / sizeof(struct mb_job))

static inline void
job_common(IMB_JOB *job, const uint8_t *data, uint32_t len, uint8_t *out, uint32_t tag_len)
{
	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->src = data != NULL ? data : empty_msg;
	job->dst = NULL;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->auth_tag_output = out;
	job->auth_tag_output_len_in_bytes = tag_len;
}

static inline unsigned int
retire(IMB_JOB *job)
{
	return job->status != IMB_STATUS_COMPLETED;
}

int
digest_sha256_jobs(struct ush_digest_ctx *ctx, struct mb_job *jobs, unsigned int n)
{
	IMB_MGR *mgr = ctx->mgr;
	unsigned int failed = 0;
	IMB_JOB *job;

	for (unsigned int i = 0; i < n; i++) {
		job = IMB_GET_NEXT_JOB(mgr);
		job_common(job, jobs[i].data, jobs[i].len, jobs[i].out, 32);
		job->hash_alg = IMB_AUTH_SHA_256;
		for (job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
			failed += retire(job);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		failed += retire(job);
	return failed == 0 ? 0 : -EIO;
}

int
ush_sha256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs, unsigned int n)
{
	const unsigned int chunk = SHA256_CHUNK;
	int rc = 0;

	if (ctx == NULL || (msgs == NULL && n > 0))
		return -EINVAL;
	for (unsigned int done = 0; done < n && rc == 0; done += chunk) {
		unsigned int cnt = n - done < chunk ? n - done : chunk;
		struct mb_job *jobs = ctx->jobs[USH_HASH_SHA256];

		for (unsigned int i = 0; i < cnt; i++) {
			jobs[i].data = msgs[done + i].data;
			jobs[i].len = msgs[done + i].len;
			jobs[i].out = msgs[done + i].out;
		}
		rc = digest_sha256_jobs(ctx, jobs, cnt);
	}
	return rc < 0 ? rc : (int)n;
}

int
ush_digest_hmac_key_init(struct ush_digest_ctx *ctx, const void *key, size_t key_len,
		struct ush_digest_hmac_key *hkey)
{
	alignas(16) uint8_t block[64];
	alignas(16) uint8_t k[64];

	if (ctx == NULL || hkey == NULL || (key == NULL && key_len > 0))
		return -EINVAL;
	memset(k, 0, sizeof(k));
	if (key_len > sizeof(k))
		IMB_SHA256(ctx->mgr, key, key_len, k);
	else if (key_len > 0)
		memcpy(k, key, key_len);
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = k[i] ^ 0x36;
	IMB_SHA256_ONE_BLOCK(ctx->mgr, block, hkey->ipad_state);
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = k[i] ^ 0x5c;
	IMB_SHA256_ONE_BLOCK(ctx->mgr, block, hkey->opad_state);
	/* The padded key is a secret: do not leave it on the stack. */
	memset(k, 0, sizeof(k));
	memset(block, 0, sizeof(block));
	__asm__ volatile("" : : "r"(k), "r"(block) : "memory");
	return 0;
}

int
ush_digest_hmac_sha256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_hmac_key *hkey,
		const struct ush_digest_msg *msgs, unsigned int n, unsigned int tag_len)
{
	IMB_MGR *mgr;
	unsigned int failed = 0;
	/* messages up to this long go to the SHA-NI kernel, the others to ipsec-mb */
	uint32_t ni_max;
	bool submitted = false;
	IMB_JOB *job;

	if (ctx == NULL || hkey == NULL || (msgs == NULL && n > 0) ||
			(tag_len != 16 && tag_len != 32))
		return -EINVAL;
	/* ipsec-mb 1.3 refuses an empty HMAC message: refuse the burst before submitting any. */
	for (unsigned int i = 0; i < n; i++)
		if (msgs[i].len == 0 || msgs[i].data == NULL)
			return -EINVAL;
	ni_max = ctx->hmac_ni ? HMAC_NI_MSG_MAX : 0;
	mgr = ctx->mgr;
	for (unsigned int i = 0; i < n; i++) {
		if (msgs[i].len <= ni_max)
			continue;
		job = IMB_GET_NEXT_JOB(mgr);
		job_common(job, msgs[i].data, msgs[i].len, msgs[i].out, tag_len);
		job->hash_alg = IMB_AUTH_HMAC_SHA_256;
		job->u.HMAC._hashed_auth_key_xor_ipad = hkey->ipad_state;
		job->u.HMAC._hashed_auth_key_xor_opad = hkey->opad_state;
		for (job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
			failed += retire(job);
		submitted = true;
	}
	if (submitted)
		while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
			failed += retire(job);
	if (ni_max > 0)
		digest_hmac_sha256_ni(hkey, msgs, n, tag_len);
	return failed == 0 ? (int)n : -EIO;
}
