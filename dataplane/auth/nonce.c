/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Stateless nonces: 24-byte binary layout, truncated HMAC-SHA-256 seal, base64url on the wire. */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "usher_b64url.h"
#include "ush_nonce.h"

#define NONCE_SIGNED_LEN (USH_NONCE_BIN_LEN - USH_NONCE_MAC_LEN)
#define NONCE_TAG_LEN	 16 /* shortest tag the HMAC batch writes; the first 12 bytes are kept */
/* Scratch arrays live on the stack: bursts longer than this are processed in chunks. */
#define NONCE_CHUNK USH_DIGEST_BURST_MAX

static_assert(USH_NONCE_LEN * 6 == USH_NONCE_BIN_LEN * 8, "base64url without padding bits");
static_assert(NONCE_SIGNED_LEN == 12, "layout drawn in ush_nonce.h");
static_assert(USH_NONCE_MAC_LEN <= NONCE_TAG_LEN, "MAC is a prefix of the tag");

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
b64url_encode(const uint8_t bin[USH_NONCE_BIN_LEN], char out[USH_NONCE_LEN])
{
	for (unsigned int i = 0, o = 0; i < USH_NONCE_BIN_LEN; i += 3, o += 4) {
		uint32_t v = (uint32_t)bin[i] << 16 | (uint32_t)bin[i + 1] << 8 | bin[i + 2];

		out[o] = ush_b64url_alphabet[v >> 18];
		out[o + 1] = ush_b64url_alphabet[(v >> 12) & 63];
		out[o + 2] = ush_b64url_alphabet[(v >> 6) & 63];
		out[o + 3] = ush_b64url_alphabet[v & 63];
	}
}

/* Value of a base64url character, or a value above 63 (all ones) for any other byte. */
static inline uint32_t
b64url_val(char c)
{
	return (uint32_t)ush_b64url_value[(uint8_t)c] - 1;
}

/*
 * 0 on success, -1 if a character is not base64url. The four characters of a group are
 * independent lookups, and validity is one OR over all values: no per-character branch or
 * dependency chain, which the check path paid for on every nonce.
 */
static int
b64url_decode(const char in[USH_NONCE_LEN], uint8_t bin[USH_NONCE_BIN_LEN])
{
	uint32_t all = 0;

	for (unsigned int i = 0, o = 0; i < USH_NONCE_LEN; i += 4, o += 3) {
		uint32_t a = b64url_val(in[i]), b = b64url_val(in[i + 1]);
		uint32_t c = b64url_val(in[i + 2]), d = b64url_val(in[i + 3]);
		uint32_t v = a << 18 | b << 12 | c << 6 | d;

		all |= a | b | c | d;
		bin[o] = (uint8_t)(v >> 16);
		bin[o + 1] = (uint8_t)(v >> 8);
		bin[o + 2] = (uint8_t)v;
	}
	return all > 63 ? -1 : 0;
}

/*
 * Constant-time compare of a MAC with the tag computed for it: two word XORs, no early exit
 * (the empty asm keeps the compiler from turning the OR into compare-and-branch).
 */
static inline bool
mac_equal(const uint8_t *mac, const uint8_t *tag)
{
	static_assert(USH_NONCE_MAC_LEN == 12, "two words below");
	uint64_t m0, t0;
	uint32_t m1, t1;
	uint64_t diff;

	memcpy(&m0, mac, 8);
	memcpy(&t0, tag, 8);
	memcpy(&m1, mac + 8, 4);
	memcpy(&t1, tag + 8, 4);
	diff = (m0 ^ t0) | (m1 ^ t1);
	__asm__("" : "+r"(diff));
	return diff == 0;
}

int
ush_nonce_keys_init(struct ush_digest_ctx *ctx, struct ush_nonce_keys *keys, uint8_t cur_kid,
		    const uint8_t *cur, size_t cur_len, uint8_t prev_kid, const uint8_t *prev,
		    size_t prev_len)
{
	int rc;

	if (ctx == NULL || keys == NULL || cur == NULL || cur_len < USH_NONCE_SECRET_MIN)
		return -EINVAL;
	if (prev != NULL && (prev_len < USH_NONCE_SECRET_MIN || prev_kid == cur_kid))
		return -EINVAL;
	memset(keys, 0, sizeof(*keys));
	rc = ush_digest_hmac_key_init(ctx, cur, cur_len, &keys->cur);
	if (rc == 0 && prev != NULL)
		rc = ush_digest_hmac_key_init(ctx, prev, prev_len, &keys->prev);
	if (rc < 0) {
		explicit_bzero(keys, sizeof(*keys));
		return rc;
	}
	keys->cur_kid = cur_kid;
	keys->prev_kid = prev_kid;
	keys->has_prev = prev != NULL;
	return 0;
}

int
ush_nonce_make_burst(struct ush_digest_ctx *ctx, const struct ush_nonce_keys *keys, uint32_t now,
		     const uint32_t *index, const uint8_t *algo, unsigned int n,
		     char (*out)[USH_NONCE_LEN])
{
	uint8_t bin[NONCE_CHUNK][USH_NONCE_BIN_LEN];
	uint8_t tag[NONCE_CHUNK][NONCE_TAG_LEN];
	struct ush_digest_msg msg[NONCE_CHUNK];

	if (ctx == NULL || keys == NULL ||
	    (n > 0 && (index == NULL || algo == NULL || out == NULL)))
		return -EINVAL;
	for (unsigned int done = 0; done < n; done += NONCE_CHUNK) {
		unsigned int cnt = n - done < NONCE_CHUNK ? n - done : NONCE_CHUNK;
		int rc;

		for (unsigned int i = 0; i < cnt; i++) {
			uint8_t *b = bin[i];

			b[0] = USH_NONCE_VERSION;
			b[1] = keys->cur_kid;
			put_be32(b + 2, now);
			put_be32(b + 6, index[done + i]);
			b[10] = algo[done + i];
			b[11] = 0;
			msg[i].data = b;
			msg[i].len = NONCE_SIGNED_LEN;
			msg[i].out = tag[i];
		}
		rc = ush_digest_hmac_sha256_burst(ctx, &keys->cur, msg, cnt, NONCE_TAG_LEN);
		if (rc < 0)
			return rc;
		for (unsigned int i = 0; i < cnt; i++) {
			memcpy(bin[i] + NONCE_SIGNED_LEN, tag[i], USH_NONCE_MAC_LEN);
			b64url_encode(bin[i], out[done + i]);
		}
	}
	return 0;
}

/* Decodes and screens one chunk; returns how many lanes need the previous key. */
static unsigned int
check_collect(const struct ush_nonce_keys *keys, const char *const *nonce, const uint16_t *len,
	      unsigned int cnt, uint8_t (*bin)[USH_NONCE_BIN_LEN], enum ush_nonce_status *status)
{
	unsigned int nprev = 0;

	for (unsigned int i = 0; i < cnt; i++) {
		const uint8_t *b = bin[i];

		status[i] = USH_NONCE_INVALID;
		if (len[i] != USH_NONCE_LEN || nonce[i] == NULL ||
		    b64url_decode(nonce[i], bin[i]) < 0)
			continue;
		if (b[0] != USH_NONCE_VERSION || b[11] != 0)
			continue;
		if (b[1] == keys->cur_kid) {
			status[i] = USH_NONCE_OK; /* tentatively: MAC still to check */
		} else if (keys->has_prev && b[1] == keys->prev_kid) {
			status[i] = USH_NONCE_OK;
			nprev++;
		}
	}
	return nprev;
}

/* One HMAC batch over the lanes still OK whose kid is `kid`. */
static int
check_mac(struct ush_digest_ctx *ctx, const struct ush_digest_hmac_key *hkey, uint8_t kid,
	  unsigned int cnt, uint8_t (*bin)[USH_NONCE_BIN_LEN], uint8_t (*tag)[NONCE_TAG_LEN],
	  enum ush_nonce_status *status)
{
	struct ush_digest_msg msg[NONCE_CHUNK];
	unsigned int lane[NONCE_CHUNK];
	unsigned int m = 0;
	int rc;

	for (unsigned int i = 0; i < cnt; i++) {
		if (status[i] != USH_NONCE_OK || bin[i][1] != kid)
			continue;
		msg[m].data = bin[i];
		msg[m].len = NONCE_SIGNED_LEN;
		msg[m].out = tag[i];
		lane[m++] = i;
	}
	if (m == 0)
		return 0;
	rc = ush_digest_hmac_sha256_burst(ctx, hkey, msg, m, NONCE_TAG_LEN);
	if (rc < 0)
		return rc;
	for (unsigned int j = 0; j < m; j++) {
		unsigned int i = lane[j];

		if (!mac_equal(bin[i] + NONCE_SIGNED_LEN, tag[i]))
			status[i] = USH_NONCE_INVALID;
	}
	return 0;
}

int
ush_nonce_check_burst(struct ush_digest_ctx *ctx, const struct ush_nonce_keys *keys, uint32_t now,
		      uint32_t lifetime, const char *const *nonce, const uint16_t *len,
		      unsigned int n, struct ush_nonce_info *info, enum ush_nonce_status *status)
{
	uint8_t bin[NONCE_CHUNK][USH_NONCE_BIN_LEN];
	uint8_t tag[NONCE_CHUNK][NONCE_TAG_LEN];
	int ok = 0;

	if (ctx == NULL || keys == NULL ||
	    (n > 0 && (nonce == NULL || len == NULL || info == NULL || status == NULL)))
		return -EINVAL;
	for (unsigned int done = 0; done < n; done += NONCE_CHUNK) {
		unsigned int cnt = n - done < NONCE_CHUNK ? n - done : NONCE_CHUNK;
		enum ush_nonce_status *st = status + done;
		unsigned int nprev;
		int rc;

		nprev = check_collect(keys, nonce + done, len + done, cnt, bin, st);
		rc = check_mac(ctx, &keys->cur, keys->cur_kid, cnt, bin, tag, st);
		/* The previous key only costs a second batch while a rotation is in flight. */
		if (rc == 0 && nprev > 0)
			rc = check_mac(ctx, &keys->prev, keys->prev_kid, cnt, bin, tag, st);
		if (rc < 0)
			return rc;
		for (unsigned int i = 0; i < cnt; i++) {
			const uint8_t *b = bin[i];
			struct ush_nonce_info *inf = &info[done + i];
			/* 64-bit signed age: a timestamp ahead of now gives a negative age. */
			int64_t age;

			if (st[i] != USH_NONCE_OK)
				continue;
			age = (int64_t)now - (int64_t)get_be32(b + 2);
			if (age < -(int64_t)USH_NONCE_MAX_DRIFT) {
				st[i] = USH_NONCE_INVALID;
				continue;
			}
			inf->timestamp = get_be32(b + 2);
			inf->index = get_be32(b + 6);
			inf->algo = b[10];
			inf->kid = b[1];
			if (age > (int64_t)lifetime)
				st[i] = USH_NONCE_EXPIRED;
			else
				ok++;
		}
	}
	return ok;
}
