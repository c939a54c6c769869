/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * The tail of an inline copy of a short, variable length, for the two places that build
 * text a few bytes at a time: replies (dataplane/auth/reply.c) and the verify engine's
 * digest strings (dataplane/digest/engine_avx2.c). Each keeps its own moves for 16 bytes and
 * more (16-byte in one, 32-byte AVX2 in the other); below 16 they are the same.
 */

#ifndef USHER_COPY_H
#define USHER_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Copy n < 16 bytes by two overlapping moves of 8 or 4 bytes, or three single bytes below 4:
 * no loop, no libc call (a variable-length memcpy here became a call or "rep movs"), nothing
 * touched outside [src, src + n) and [dst, dst + n).
 */
static inline void
ush_copy_lt16(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n >= 8) {
		uint64_t a, b;

		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

#endif /* USHER_COPY_H */
