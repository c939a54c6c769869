/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* HMAC-SHA-256 of short messages (one inner block) with SHA-NI, several messages interleaved. */

/*
 * Built with -msha -msse4.1 (meson.build): only digest.c's CPUID check lets a ctx call in here.
 *
 * An HMAC of a message of at most HMAC_NI_MSG_MAX bytes from precomputed ipad/opad states is
 * exactly two compressions:
 *
 *   inner: ipad state + [msg | 0x80 | 0.. | bitlen (64 + len) * 8]   (one padded block)
 *   outer: opad state + [inner digest (32 B) | 0x80 | 0.. | 768]     (one padded block)
 *
 * sha256rnds2 does two rounds, each depending on the previous one's result: one message is a
 * chain of 32 of them per block, bound by their latency. Running HMAC_NI_WAYS independent
 * messages in lockstep lets the core overlap the chains until the SHA unit's throughput, not
 * its latency, is the limit.
 */

#include <immintrin.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "digest_priv.h"

/*
 * Messages interleaved in the main loop: 1, 2 or 4. On the EPYC (Zen 5) of the bench machine,
 * 12-byte messages x32 in bench_digest: 1 way 12.5 M tags/s, 2 ways 19.6 M, 4 ways 23.0 M
 * (ipsec-mb SSE manager 13.6 M). Four lanes need more than the 16 XMM registers SSE offers,
 * so some spill; the spills hide behind the SHA unit, whose throughput is the limit there.
 */
#define HMAC_NI_WAYS 4

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Round constants (FIPS 180-4 §4.2.2): one line per 4-round group. */
/* clang-format off */
static const alignas(16) uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
/* clang-format on */

/*
 * SHA-NI keeps the eight state words in two registers, {A,B,E,F} and {C,D,G,H} (A in the top
 * lane), and takes message words with W[t] in the lowest lane. Written high lane first below,
 * as _mm_set_epi32 does.
 */
struct ni_state {
	__m128i abef;
	__m128i cdgh;
};

/* Byte order of each 32-bit lane reversed: message bytes are big-endian words. */
static ALWAYS_INLINE __m128i
bswap32x4(__m128i v)
{
	const __m128i m = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);

	return _mm_shuffle_epi8(v, m);
}

/*
 * From words A..H in memory order (ipsec-mb's state layout, which ush_digest_hmac_key_init
 * fills: eight host-order uint32, no byte swap) to the SHA-NI pair.
 */
static ALWAYS_INLINE struct ni_state
state_load(const uint8_t st[32])
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)st);	    /* [D C B A] */
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(st + 16)); /* [H G F E] */
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);		    /* [C D A B] */
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);		    /* [E F G H] */
	struct ni_state s;

	s.abef = _mm_alignr_epi8(cdab, efgh, 8);    /* [A B E F] */
	s.cdgh = _mm_blend_epi16(efgh, cdab, 0xf0); /* [C D G H] */
	return s;
}

/* The inverse: words A..D and E..H with A and E in the lowest lane, as message words are. */
static ALWAYS_INLINE void
state_words(struct ni_state s, __m128i *dcba, __m128i *hgfe)
{
	__m128i feba = _mm_shuffle_epi32(s.abef, 0x1b); /* [F E B A] */
	__m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1); /* [D C H G] */

	*dcba = _mm_blend_epi16(feba, dchg, 0xf0); /* [D C B A] */
	*hgfe = _mm_alignr_epi8(dchg, feba, 8);	   /* [H G F E] */
}

/* W[t+16..t+19] from W[t..t+15] held as w0..w3 (four words each). */
static ALWAYS_INLINE __m128i
schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	/* msg1: W[t] + s0(W[t+1]); then + W[t+9]; msg2 adds s1(W[t+14]), s1 of its own output */
	__m128i t = _mm_sha256msg1_epu32(w0, w1);

	t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));
	return _mm_sha256msg2_epu32(t, w3);
}

/*
 * Compress one block into each of `ways` states, in lockstep. w[l] holds lane l's block as 16
 * big-endian words; the array is overwritten by the schedule. `ways` is a constant at every
 * call, so both loops unroll and the lanes' chains interleave. (Adding back one shared
 * initial state from memory instead of a per-lane copy measured no faster: the copies spill,
 * but the SHA unit, not the load/store ports, is the limit.)
 */
static ALWAYS_INLINE void
compress(struct ni_state *s, __m128i (*w)[4], unsigned int ways)
{
	struct ni_state in[4];

	for (unsigned int l = 0; l < ways; l++)
		in[l] = s[l];
#pragma GCC unroll 16
	for (unsigned int g = 0; g < 16; g++) {
		const __m128i k = _mm_load_si128((const __m128i *)&k256[4 * g]);

#pragma GCC unroll 4
		for (unsigned int l = 0; l < ways; l++) {
			__m128i wk;

			if (g >= 4)
				w[l][g & 3] = schedule(w[l][g & 3], w[l][(g + 1) & 3],
						       w[l][(g + 2) & 3], w[l][(g + 3) & 3]);
			wk = _mm_add_epi32(w[l][g & 3], k);
			/* rounds 4g, 4g+1 take the low two words; 4g+2, 4g+3 the high two */
			s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, wk);
			s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh,
							  _mm_shuffle_epi32(wk, 0x0e));
		}
	}
	for (unsigned int l = 0; l < ways; l++) {
		s[l].abef = _mm_add_epi32(s[l].abef, in[l].abef);
		s[l].cdgh = _mm_add_epi32(s[l].cdgh, in[l].cdgh);
	}
}

/* The inner block of a message of 1..HMAC_NI_MSG_MAX bytes, as message words. */
static ALWAYS_INLINE void
inner_block(const struct ush_digest_msg *m, __m128i w[4])
{
	alignas(16) uint8_t blk[64];
	/* the ipad block precedes the message */
	uint32_t bits = (64 + m->len) * 8;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, m->data, m->len);
	blk[m->len] = 0x80;
	blk[62] = (uint8_t)(bits >> 8); /* bits < 2^16: the upper six length bytes stay 0 */
	blk[63] = (uint8_t)bits;
	for (unsigned int i = 0; i < 4; i++)
		w[i] = bswap32x4(_mm_load_si128((const __m128i *)(blk + 16 * i)));
}

/* HMAC of `ways` messages; the precomputed states are already in SHA-NI form. */
static ALWAYS_INLINE void
hmac_ways(const struct ni_state *ipad, const struct ni_state *opad,
	  const struct ush_digest_msg *const *m, unsigned int ways, unsigned int tag_len)
{
	/* outer block after the 32-byte inner digest: 0x80, zeros, bit length (64 + 32) * 8 */
	const __m128i pad_lo = _mm_set_epi32(0, 0, 0, (int)0x80000000);
	const __m128i pad_hi = _mm_set_epi32(768, 0, 0, 0);
	struct ni_state s[4];
	__m128i w[4][4];

	for (unsigned int l = 0; l < ways; l++) {
		inner_block(m[l], w[l]);
		s[l] = *ipad;
	}
	compress(s, w, ways);
	for (unsigned int l = 0; l < ways; l++) {
		/* the inner digest's big-endian bytes are its state words: no swap needed */
		state_words(s[l], &w[l][0], &w[l][1]);
		w[l][2] = pad_lo;
		w[l][3] = pad_hi;
		s[l] = *opad;
	}
	compress(s, w, ways);
	for (unsigned int l = 0; l < ways; l++) {
		__m128i lo, hi;

		state_words(s[l], &lo, &hi);
		_mm_storeu_si128((__m128i *)m[l]->out, bswap32x4(lo));
		if (tag_len == 32)
			_mm_storeu_si128((__m128i *)(m[l]->out + 16), bswap32x4(hi));
	}
}

void
digest_hmac_sha256_ni(const struct ush_digest_hmac_key *hkey, const struct ush_digest_msg *msgs,
		      unsigned int n, unsigned int tag_len)
{
	const struct ni_state ipad = state_load(hkey->ipad_state);
	const struct ni_state opad = state_load(hkey->opad_state);
	const struct ush_digest_msg *grp[HMAC_NI_WAYS];
	unsigned int g = 0;

	/* Longer messages are the caller's (ipsec-mb's): gather the short ones in groups. */
	for (unsigned int i = 0; i < n; i++) {
		if (msgs[i].len > HMAC_NI_MSG_MAX)
			continue;
		grp[g++] = &msgs[i];
		if (g == HMAC_NI_WAYS) {
			hmac_ways(&ipad, &opad, grp, HMAC_NI_WAYS, tag_len);
			g = 0;
		}
	}
	/* The tail, in narrower groups: no lane computes a message twice. */
	if (HMAC_NI_WAYS == 4 && g >= 2) {
		hmac_ways(&ipad, &opad, grp, 2, tag_len);
		grp[0] = grp[g - 1];
		g -= 2;
	}
	if (g == 1)
		hmac_ways(&ipad, &opad, grp, 1, tag_len);
}
