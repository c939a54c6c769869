/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * The verify engine, compiled once per ISA: engine_scalar.c, engine_avx2.c and engine_avx512.c
 * define the primitives below and then include this file, so that the string building, hex
 * encoding and compare are inlined with the instructions of that ISA (a function pointer per
 * field, or a libc memcpy per field, costs as much as the MD5 work of a whole request).
 *
 * Primitives each includer defines before including:
 *   ENGINE_OPS                          name of the struct digest_ops to define
 *   uint8_t *eng_put(uint8_t *dst, const void *src, size_t len)   copy, return dst + len;
 *                                       must not read src[len] or write dst[len] and beyond
 *   void eng_zero(uint8_t *dst, size_t len)   clear; len is 128 or 256
 *   void eng_hex(uint8_t *dst, const uint8_t *src, unsigned int len)   len is 16 or 32
 *   enum ush_digest_verdict eng_check(const char *hex, const uint8_t *digest, unsigned int len)
 *                                       hex has exactly 2 * len bytes; constant time
 *   void eng_md5_jobs(ctx, jobs, n), void eng_sha512_jobs(ctx, jobs, n)
 *
 * Rounds (each one multi-buffer over all lanes, all three hashes):
 *   1. H(entity-body) for auth-int lanes; HA1-sess = H(HA1:nonce:cnonce) for -sess lanes
 *   2. HA2 = H(method:uri) or H(method:uri:H(body))
 *   3. response = H(HA1:nonce:nc:cnonce:qop:HA2) or H(HA1:nonce:HA2)
 */

#ifndef ENGINE_OPS
#error "define the ISA primitives before including digest_engine_impl.h"
#endif

struct eng_plan {
	const uint8_t *ha1; /* the lane's HA1, or the ctx dummy for an unknown user */
	uint16_t ha2_len;
	uint16_t resp_len;
	uint16_t sess_len;
	uint8_t hash;
	uint8_t hl; /* digest length in bytes */
	uint8_t valid;
	uint8_t sess;
	uint8_t authint;
	uint8_t unknown;
};

/* Tokens padded to 8 bytes: copied with one fixed-size move, the excess is overwritten. */
static const char eng_qop_token[3][8] = {"", "auth", {'a', 'u', 't', 'h', '-', 'i', 'n', 't'}};
static const uint8_t eng_qop_len[3] = {0, 4, 8};

static inline enum ush_digest_verdict
eng_plan_lane(const struct ush_digest_ctx *ctx, const struct ush_digest_lane *ln,
		struct eng_plan *p, bool check_response)
{
	uint32_t ha2_len, resp_len, sess_len;
	unsigned int hl2;

	p->valid = 0;
	if (unlikely(ln->algo >= USH_ALGO_UNKNOWN))
		return USH_DIGEST_BAD_ALGO;
	if (unlikely(ln->qop >= USH_QOP_UNKNOWN))
		return USH_DIGEST_BAD_QOP;
	p->hash = (uint8_t)ush_algo_hash((enum ush_algo)ln->algo);
	p->hl = (uint8_t)ush_hash_len((enum ush_hash)p->hash);
	hl2 = 2u * p->hl;
	if (check_response && unlikely(ln->response_len != hl2 || ln->response == NULL))
		return USH_DIGEST_BAD_RESPONSE;
	p->sess = ush_algo_is_sess((enum ush_algo)ln->algo);
	p->authint = ln->qop == USH_QOP_AUTH_INT;
	p->unknown = ln->ha1 == NULL;
	p->ha1 = p->unknown ? ctx->dummy_ha1 : ln->ha1;

	ha2_len = (uint32_t)ln->method_len + 1 + ln->uri_len + (p->authint ? 1 + hl2 : 0);
	resp_len = hl2 + 1 + ln->nonce_len + 1 + hl2;
	if (ln->qop != USH_QOP_NONE)
		resp_len += (uint32_t)ln->nc_len + 1 + ln->cnonce_len + 1 +
			    eng_qop_len[ln->qop] + 1;
	sess_len = (ctx->flags & USH_DIGEST_F_SESS_BINARY_HA1 ? p->hl : hl2) + 1 +
		   (uint32_t)ln->nonce_len + 1 + ln->cnonce_len;
	if (unlikely(ha2_len > USH_DIGEST_MSG_MAX || resp_len > USH_DIGEST_MSG_MAX ||
		     (p->sess && sess_len > USH_DIGEST_MSG_MAX)))
		return USH_DIGEST_TOO_LONG;
	p->ha2_len = (uint16_t)ha2_len;
	p->resp_len = (uint16_t)resp_len;
	p->sess_len = (uint16_t)sess_len;
	p->valid = 1;
	return USH_DIGEST_OK;
}

/*
 * Our own messages are padded in place: zero the last two blocks of the padded extent first
 * (a fixed-size clear the compiler turns into a few vector stores, instead of a variable
 * memset), write the fields over it, then the 0x80 marker and the length.
 */
static inline void
eng_msg_begin(uint8_t *buf, uint32_t len, enum ush_hash hash)
{
	uint32_t total;

	if (hash == USH_HASH_SHA256)
		return; /* ipsec-mb pads by itself */
	total = digest_padded_len(len, hash);
	if (hash == USH_HASH_MD5)
		eng_zero(buf + (total >= 128 ? total - 128 : 0), 128);
	else
		eng_zero(buf + (total >= 256 ? total - 256 : 0), 256);
}

/*
 * Job for a message that lives elsewhere (auth-int body, raw burst): whole blocks are read in
 * place, the remainder and the padding go to tail (DIGEST_TAIL_SIZE bytes).
 */
static inline void
eng_job_external(struct mb_job *job, const uint8_t *data, uint32_t len, enum ush_hash hash,
		uint8_t *tail, uint8_t *out)
{
	static const uint8_t empty[1];
	unsigned int bs = digest_block_size(hash);
	uint32_t rem = len & (bs - 1);
	uint32_t total;

	job->out = out;
	job->data = data != NULL ? data : empty;
	job->len = len;
	if (hash == USH_HASH_SHA256)
		return;
	total = digest_padded_len(rem, hash);
	eng_zero(tail, 2 * bs);
	eng_put(tail, job->data + (len - rem), rem);
	digest_pad_finish(tail, rem, total, len, hash);
	job->p1 = job->data;
	job->n1 = len / bs;
	job->p2 = tail;
	job->n2 = total / bs;
}

static inline void
eng_msg_end(struct mb_job *job, uint8_t *buf, uint32_t len, enum ush_hash hash, uint8_t *out)
{
	job->out = out;
	if (hash == USH_HASH_SHA256) {
		job->data = buf;
		job->len = len;
	} else {
		uint32_t total = digest_padded_len(len, hash);

		digest_pad_finish(buf, len, total, len, hash);
		job->p1 = buf;
		job->n1 = total / digest_block_size(hash);
		job->p2 = NULL;
		job->n2 = 0;
	}
}

/* Returns false if ipsec-mb reported a failed job: SHA-256 results of this round are void. */
static inline bool
eng_round(struct ush_digest_ctx *ctx, const unsigned int cnt[USH_HASH_COUNT])
{
	bool ok = true;

	if (cnt[USH_HASH_MD5] > 0)
		eng_md5_jobs(ctx, ctx->jobs[USH_HASH_MD5], cnt[USH_HASH_MD5]);
	if (cnt[USH_HASH_SHA512_256] > 0)
		eng_sha512_jobs(ctx, ctx->jobs[USH_HASH_SHA512_256], cnt[USH_HASH_SHA512_256]);
	if (cnt[USH_HASH_SHA256] > 0) {
		/* ipsec-mb's SSE manager runs SHA-NI: leave no dirty upper state behind us. */
		eng_zeroupper();
		if (unlikely(digest_sha256_jobs(ctx, ctx->jobs[USH_HASH_SHA256],
				     cnt[USH_HASH_SHA256]) < 0)) {
			ctx->imb_error++;
			ok = false;
		}
	}
	return ok;
}

static int
eng_run(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes, unsigned int n,
		enum ush_digest_verdict *verdicts, uint8_t (*expected)[USH_DIGEST_MAX_LEN])
{
	struct eng_plan plan[USH_DIGEST_BURST_MAX];
	unsigned int cnt[USH_HASH_COUNT];
	bool binary_sess = (ctx->flags & USH_DIGEST_F_SESS_BINARY_HA1) != 0;
	bool sha256_ok = true;
	bool need_round1 = false;
	int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		verdicts[i] = eng_plan_lane(ctx, &lanes[i], &plan[i], expected == NULL);
		need_round1 |= plan[i].valid && (plan[i].sess || plan[i].authint);
	}

	/* Round 1: auth-int bodies and -sess HA1 (independent of each other). */
	if (need_round1) {
		memset(cnt, 0, sizeof(cnt));
		for (unsigned int i = 0; i < n; i++) {
			const struct ush_digest_lane *ln = &lanes[i];
			const struct eng_plan *p = &plan[i];
			struct digest_lane_scratch *s = &ctx->lane[i];
			enum ush_hash h = (enum ush_hash)p->hash;
			uint8_t *m = s->msg;

			if (!p->valid)
				continue;
			if (p->authint)
				eng_job_external(&ctx->jobs[h][cnt[h]++], ln->body, ln->body_len, h,
						s->tail, s->hbody);
			if (!p->sess)
				continue;
			eng_msg_begin(m, p->sess_len, h);
			if (binary_sess) {
				m = eng_put(m, p->ha1, p->hl);
			} else {
				eng_hex(m, p->ha1, p->hl);
				m += 2 * p->hl;
			}
			*m++ = ':';
			m = eng_put(m, ln->nonce, ln->nonce_len);
			*m++ = ':';
			eng_put(m, ln->cnonce, ln->cnonce_len);
			eng_msg_end(&ctx->jobs[h][cnt[h]++], s->msg, p->sess_len, h, s->ha1s);
		}
		sha256_ok &= eng_round(ctx, cnt);
	}

	/* Round 2: HA2. */
	memset(cnt, 0, sizeof(cnt));
	for (unsigned int i = 0; i < n; i++) {
		const struct ush_digest_lane *ln = &lanes[i];
		const struct eng_plan *p = &plan[i];
		struct digest_lane_scratch *s = &ctx->lane[i];
		enum ush_hash h = (enum ush_hash)p->hash;
		uint8_t *m = s->msg;

		if (!p->valid)
			continue;
		eng_msg_begin(m, p->ha2_len, h);
		m = eng_put(m, ln->method, ln->method_len);
		*m++ = ':';
		m = eng_put(m, ln->uri, ln->uri_len);
		if (p->authint) {
			*m++ = ':';
			eng_hex(m, s->hbody, p->hl);
		}
		eng_msg_end(&ctx->jobs[h][cnt[h]++], s->msg, p->ha2_len, h, s->ha2);
	}
	sha256_ok &= eng_round(ctx, cnt);

	/* Round 3: the response. */
	memset(cnt, 0, sizeof(cnt));
	for (unsigned int i = 0; i < n; i++) {
		const struct ush_digest_lane *ln = &lanes[i];
		const struct eng_plan *p = &plan[i];
		struct digest_lane_scratch *s = &ctx->lane[i];
		enum ush_hash h = (enum ush_hash)p->hash;
		uint8_t *m = s->msg;

		if (!p->valid)
			continue;
		eng_msg_begin(m, p->resp_len, h);
		eng_hex(m, p->sess ? s->ha1s : p->ha1, p->hl);
		m += 2 * p->hl;
		*m++ = ':';
		m = eng_put(m, ln->nonce, ln->nonce_len);
		*m++ = ':';
		if (ln->qop != USH_QOP_NONE) {
			m = eng_put(m, ln->nc, ln->nc_len);
			*m++ = ':';
			m = eng_put(m, ln->cnonce, ln->cnonce_len);
			*m++ = ':';
			memcpy(m, eng_qop_token[ln->qop], 8);
			m += eng_qop_len[ln->qop];
			*m++ = ':';
		}
		eng_hex(m, s->ha2, p->hl);
		eng_msg_end(&ctx->jobs[h][cnt[h]++], s->msg, p->resp_len, h, s->out);
	}
	sha256_ok &= eng_round(ctx, cnt);

	/* Retire: one verdict per lane. */
	for (unsigned int i = 0; i < n; i++) {
		const struct eng_plan *p = &plan[i];
		enum ush_digest_verdict v;

		if (!p->valid)
			continue;
		if (unlikely(!sha256_ok && p->hash == USH_HASH_SHA256)) {
			verdicts[i] = USH_DIGEST_MISMATCH;
			continue;
		}
		if (expected != NULL) {
			/* fixed-size copies: a variable one becomes "rep movsq" */
			memcpy(expected[i], ctx->lane[i].out, USH_DIGEST_MAX_LEN);
			if (p->hl < USH_DIGEST_MAX_LEN)
				memset(expected[i] + 16, 0, 16);
			ok++;
			continue;
		}
		v = eng_check(lanes[i].response, ctx->lane[i].out, p->hl);
		if (p->unknown && v == USH_DIGEST_OK)
			v = USH_DIGEST_MISMATCH;
		verdicts[i] = v;
		ok += v == USH_DIGEST_OK;
	}
	return ok;
}

/* Raw bursts, in chunks of the lane scratch (one tail buffer per message). */
static void
eng_raw(struct ush_digest_ctx *ctx, enum ush_hash hash, const struct ush_digest_msg *msgs,
		unsigned int n)
{
	for (unsigned int done = 0; done < n; done += USH_DIGEST_BURST_MAX) {
		unsigned int left = n - done;
		unsigned int cnt = left < USH_DIGEST_BURST_MAX ? left : USH_DIGEST_BURST_MAX;
		struct mb_job *jobs = ctx->jobs[hash];

		for (unsigned int i = 0; i < cnt; i++) {
			const struct ush_digest_msg *m = &msgs[done + i];

			eng_job_external(&jobs[i], m->data, m->len, hash, ctx->lane[i].tail, m->out);
		}
		if (hash == USH_HASH_MD5)
			eng_md5_jobs(ctx, jobs, cnt);
		else
			eng_sha512_jobs(ctx, jobs, cnt);
	}
}

const struct digest_ops ENGINE_OPS = {
	.run = eng_run,
	.md5_jobs = eng_md5_jobs,
	.sha512_jobs = eng_sha512_jobs,
	.raw = eng_raw,
};
