/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Multi-buffer scheduler: keeps every kernel lane busy with independent messages of any length. */

#include <stdint.h>
#include <string.h>

#include "digest_priv.h"

/* Idle lanes hash these; their results are never read. */
alignas(64) const uint8_t mb_zero_blocks[MB_MAX_NBLK * 128];

struct mb_lanes {
	const uint8_t *ptr[MB_MAX_LANES];
	uint32_t rem[MB_MAX_LANES]; /* blocks left in the current run; UINT32_MAX when idle */
	int32_t job[MB_MAX_LANES];  /* job index, -1 when idle */
	uint8_t second[MB_MAX_LANES]; /* 1 once in the p2 run */
};

static inline unsigned int
state_words(enum ush_hash hash)
{
	return hash == USH_HASH_MD5 ? 4 : 8;
}

static void
lane_init(void *state, enum ush_hash hash, unsigned int lanes, unsigned int l)
{
	if (hash == USH_HASH_MD5) {
		uint32_t *s = state;

		for (unsigned int w = 0; w < 4; w++)
			s[w * lanes + l] = md5_iv[w];
	} else {
		uint64_t *s = state;

		for (unsigned int w = 0; w < 8; w++)
			s[w * lanes + l] = sha512_256_iv[w];
	}
}

static void
lane_out(const void *state, enum ush_hash hash, unsigned int lanes, unsigned int l, uint8_t *out)
{
	if (hash == USH_HASH_MD5) {
		const uint32_t *s = state;

		for (unsigned int w = 0; w < 4; w++) {
			uint32_t v = s[w * lanes + l];

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			memcpy(out + 4 * w, &v, 4);
#else
			for (unsigned int i = 0; i < 4; i++)
				out[4 * w + i] = (uint8_t)(v >> (8 * i));
#endif
		}
	} else {
		const uint64_t *s = state;

		/* SHA-512/256 keeps the first four words, big-endian. */
		for (unsigned int w = 0; w < 4; w++) {
			uint64_t v = s[w * lanes + l];

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			v = __builtin_bswap64(v);
#endif

			memcpy(out + 8 * w, &v, 8);
		}
	}
}

static void
lane_idle(struct mb_lanes *ln, unsigned int l)
{
	ln->ptr[l] = mb_zero_blocks;
	ln->rem[l] = UINT32_MAX;
	ln->job[l] = -1;
}

static void
lane_start(struct mb_lanes *ln, unsigned int l, const struct mb_job *jobs, unsigned int j)
{
	const struct mb_job *job = &jobs[j];

	ln->job[l] = (int32_t)j;
	if (job->n1 > 0) {
		ln->ptr[l] = job->p1;
		ln->rem[l] = job->n1;
		ln->second[l] = 0;
	} else {
		ln->ptr[l] = job->p2;
		ln->rem[l] = job->n2;
		ln->second[l] = 1;
	}
}

/*
 * Move the active lanes of a wide layout into lanes 0.. of a narrow one, so that the tail of a
 * burst (a few long auth-int bodies, say) does not pay for 32 lanes of which 30 are idle.
 */
static void
lanes_compact(struct mb_lanes *ln, void *state, enum ush_hash hash, unsigned int from,
		unsigned int to)
{
	alignas(64) uint8_t tmp[1024];
	unsigned int words = state_words(hash);
	size_t wsz = hash == USH_HASH_MD5 ? 4 : 8;
	unsigned int i = 0;

	memset(tmp, 0, sizeof(tmp));
	for (unsigned int l = 0; l < from; l++) {
		if (ln->job[l] < 0)
			continue;
		for (unsigned int w = 0; w < words; w++)
			memcpy(tmp + (w * to + i) * wsz, (uint8_t *)state + (w * from + l) * wsz,
					wsz);
		ln->ptr[i] = ln->ptr[l];
		ln->rem[i] = ln->rem[l];
		ln->job[i] = ln->job[l];
		ln->second[i] = ln->second[l];
		i++;
	}
	for (; i < to; i++)
		lane_idle(ln, i);
	memcpy(state, tmp, words * to * wsz);
}

/* Narrowest kernel with at least n lanes, or the widest. */
static const struct mb_kernel *
kernel_for(const struct mb_kernels *k, unsigned int n)
{
	for (unsigned int i = 0; i + 1 < k->count; i++)
		if (n <= k->k[i].lanes)
			return &k->k[i];
	return &k->k[k->count - 1];
}

void
mb_run(const struct mb_kernels *k, enum ush_hash hash, void *state, struct mb_job *jobs,
		unsigned int n)
{
	const struct mb_kernel *kern = kernel_for(k, n);
	unsigned int bs = digest_block_size(hash);
	unsigned int lanes = kern->lanes;
	unsigned int next = 0, active = 0;
	struct mb_lanes ln;

	for (unsigned int l = 0; l < lanes; l++) {
		if (next < n) {
			lane_start(&ln, l, jobs, next++);
			lane_init(state, hash, lanes, l);
			active++;
		} else {
			lane_idle(&ln, l);
		}
	}
	while (active > 0) {
		uint32_t nblk = MB_MAX_NBLK;

		if (next == n && kern != kernel_for(k, active)) {
			const struct mb_kernel *narrow = kernel_for(k, active);

			lanes_compact(&ln, state, hash, lanes, narrow->lanes);
			kern = narrow;
			lanes = kern->lanes;
		}
		for (unsigned int l = 0; l < lanes; l++)
			nblk = ln.rem[l] < nblk ? ln.rem[l] : nblk;

		kern->fn(state, ln.ptr, nblk);

		for (unsigned int l = 0; l < lanes; l++) {
			const struct mb_job *job;

			if (ln.job[l] < 0)
				continue;
			ln.ptr[l] += (size_t)nblk * bs;
			ln.rem[l] -= nblk;
			if (ln.rem[l] > 0)
				continue;
			job = &jobs[ln.job[l]];
			if (!ln.second[l] && job->n2 > 0) {
				ln.ptr[l] = job->p2;
				ln.rem[l] = job->n2;
				ln.second[l] = 1;
				continue;
			}
			lane_out(state, hash, lanes, l, job->out);
			if (next < n) {
				lane_start(&ln, l, jobs, next++);
				lane_init(state, hash, lanes, l);
			} else {
				lane_idle(&ln, l);
				active--;
			}
		}
	}
}

void
mb_run_scalar(enum ush_hash hash, struct mb_job *jobs, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++) {
		struct mb_job *job = &jobs[j];

		if (hash == USH_HASH_MD5) {
			uint32_t st[4] = {md5_iv[0], md5_iv[1], md5_iv[2], md5_iv[3]};

			md5_blocks_scalar(st, job->p1, job->n1);
			md5_blocks_scalar(st, job->p2, job->n2);
			lane_out(st, hash, 1, 0, job->out);
		} else {
			uint64_t st[8];

			memcpy(st, sha512_256_iv, sizeof(st));
			sha512_blocks_scalar(st, job->p1, job->n1);
			sha512_blocks_scalar(st, job->p2, job->n2);
			lane_out(st, hash, 1, 0, job->out);
		}
	}
}
