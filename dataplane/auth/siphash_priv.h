/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * SipHash-1-3 (Aumasson and Bernstein) for the tables whose keys attackers choose or see: the
 * ban and rate tables (guard.c) and the retransmission fingerprints of the nonce-count table
 * (nc_table.c). Header-only, private to dataplane/auth; the key is two random 64-bit words.
 */

#ifndef USH_SIPHASH_PRIV_H
#define USH_SIPHASH_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct siphash13 {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;
	unsigned int ntail;
	size_t len;
};

static inline uint64_t
siphash_rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void
siphash_round(struct siphash13 *s)
{
	s->v0 += s->v1;
	s->v1 = siphash_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = siphash_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = siphash_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = siphash_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = siphash_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = siphash_rotl64(s->v2, 32);
}

static inline void
siphash_block(struct siphash13 *s, uint64_t m)
{
	s->v3 ^= m;
	siphash_round(s);
	s->v0 ^= m;
}

static inline uint64_t
siphash_load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void
siphash_init(struct siphash13 *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ull;
	s->v1 = k1 ^ 0x646f72616e646f6dull;
	s->v2 = k0 ^ 0x6c7967656e657261ull;
	s->v3 = k1 ^ 0x7465646279746573ull;
	s->tail = 0;
	s->ntail = 0;
	s->len = 0;
}

static inline void
siphash_absorb(struct siphash13 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	while (n > 0) {
		if (s->ntail == 0 && n >= 8) {
			siphash_block(s, siphash_load_le64(p));
			p += 8;
			n -= 8;
			continue;
		}
		s->tail |= (uint64_t)*p++ << (8 * s->ntail++);
		n--;
		if (s->ntail == 8) {
			siphash_block(s, s->tail);
			s->tail = 0;
			s->ntail = 0;
		}
	}
}

static inline uint64_t
siphash_final(struct siphash13 *s)
{
	siphash_block(s, s->tail | (uint64_t)(s->len & 0xff) << 56);
	s->v2 ^= 0xff;
	siphash_round(s);
	siphash_round(s);
	siphash_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* splitmix64: stretches the 64-bit seed into SipHash's 128-bit key. */
static inline uint64_t
siphash_seed_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

#endif /* USH_SIPHASH_PRIV_H */
