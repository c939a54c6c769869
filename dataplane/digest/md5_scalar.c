/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Portable one-message MD5 compression (RFC 1321): the scalar kernel and the reference shape. */

#include <stdint.h>
#include <string.h>

#include "digest_priv.h"
#include "md5_steps.h"

const uint32_t md5_iv[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

static inline uint32_t
rol32(uint32_t x, unsigned int s)
{
	return (x << s) | (x >> (32 - s));
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define F(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define G(b, c, d) ((c) ^ ((d) & ((b) ^ (c))))
#define H(b, c, d) ((b) ^ (c) ^ (d))
#define I(b, c, d) ((c) ^ ((b) | ~(d)))

#define STEP(fn, a, b, c, d, k, s, t)                                                              \
	(a) += fn((b), (c), (d)) + w[k] + (t);                                                     \
	(a) = rol32((a), (s)) + (b);

void
md5_blocks_scalar(uint32_t st[4], const uint8_t *p, size_t nblk)
{
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
	uint32_t w[16];

	for (; nblk > 0; nblk--, p += 64) {
		uint32_t aa = a, bb = b, cc = c, dd = d;

		for (int i = 0; i < 16; i++)
			w[i] = le32(p + 4 * i);

		MD5_STEPS(STEP)

		a += aa;
		b += bb;
		c += cc;
		d += dd;
	}
	st[0] = a;
	st[1] = b;
	st[2] = c;
	st[3] = d;
}
