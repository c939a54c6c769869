/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Private helpers of the SIP parser: character classes, spans, LWS and number scanning. */

#ifndef USH_SIP_PRIV_H
#define USH_SIP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ush_sip.h"

/* Character classes, one bit each, looked up in ush_sip_cclass[]. */
#define CC_TOKEN  0x01 /* RFC 3261 token: alphanum and -.!%*_+`'~ */
#define CC_WS     0x02 /* SP, HT */
#define CC_DIGIT  0x04
#define CC_HEX    0x08
#define CC_URI    0x10 /* may appear in a URI: unreserved, reserved, '%', '[', ']' */
#define CC_WORD   0x20 /* RFC 3261 word (Call-ID): token plus ()<>:\"/[]?{} */
#define CC_LWS    0x40 /* SP, HT, CR, LF: inside a header value CR/LF only occur in folds */
#define CC_HOST   0x80 /* hostname, IPv4 and bracketed IPv6: alphanum - . [ ] : */

extern const uint8_t ush_sip_cclass[256];

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

static inline bool
cc_is(unsigned char c, uint8_t cls)
{
	return (ush_sip_cclass[c] & cls) != 0;
}

static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

/* Unaligned loads, zero-extended: the compiler turns each into one mov. */
static inline uint64_t
ld64(const char *s)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v;
}

static inline uint64_t
ld32(const char *s)
{
	uint32_t v;

	memcpy(&v, s, 4);
	return v;
}

static inline uint64_t
ld16(const char *s)
{
	uint16_t v;

	memcpy(&v, s, 2);
	return v;
}

/*
 * 0x20 in each byte of x that is a lower-case letter, 0 elsewhere. For a letter l, exactly l
 * and its upper case give l when ORed with 0x20, so (y | letters_of(x)) == x is a
 * case-insensitive compare of y against the lower-case x that is exact for every other byte.
 */
static inline uint64_t
letters_of(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t h = x & (0x7f * ones);
	uint64_t ge_a = h + (0x80 - 'a') * ones;     /* high bit set where byte >= 'a' */
	uint64_t gt_z = h + (0x80 - 'z' - 1) * ones; /* high bit set where byte > 'z' */

	return (ge_a & ~gt_z & ~x & (0x80 * ones)) >> 2;
}

static inline bool
ieq_word(uint64_t s, uint64_t lower)
{
	return (s | letters_of(lower)) == lower;
}

/*
 * Case-insensitive compare of n bytes against a lower-case literal (header names, tokens).
 * Reads only [s, s + n): the tail is a second load that overlaps the first (bytes compared
 * twice compare equal twice), so any n >= 2 costs one or two word compares and no byte loop.
 * With a constant literal, its words and letter masks fold to constants: a load, an OR and a
 * compare per word.
 */
static inline bool
ieq(const char *s, const char *lower, size_t n)
{
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (!ieq_word(ld64(s + i), ld64(lower + i)))
				return false;
		return ieq_word(ld64(s + n - 8), ld64(lower + n - 8));
	}
	if (n >= 4)
		return ieq_word(ld32(s) | ld32(s + n - 4) << 32,
				ld32(lower) | ld32(lower + n - 4) << 32);
	if (n >= 2)
		return ieq_word(ld16(s) | ld16(s + n - 2) << 16,
				ld16(lower) | ld16(lower + n - 2) << 16);
	return n == 0 || ascii_lower(s[0]) == lower[0];
}

/* Case-sensitive equality of n bytes (method names), the same overlapping loads as ieq(). */
static inline bool
eq_bytes(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (ld64(a + i) != ld64(b + i))
				return false;
		return ld64(a + n - 8) == ld64(b + n - 8);
	}
	if (n >= 4)
		return (ld32(a) | ld32(a + n - 4) << 32) == (ld32(b) | ld32(b + n - 4) << 32);
	if (n >= 2)
		return (ld16(a) | ld16(a + n - 2) << 16) == (ld16(b) | ld16(b + n - 2) << 16);
	return n == 0 || a[0] == b[0];
}

/* Span from two offsets into buf. Callers guarantee offsets fit 16 bits (len <= MAX_MSG). */
static inline struct ush_sip_span
mkspan(const char *buf, const char *b, const char *e)
{
	struct ush_sip_span s = {(uint16_t)(b - buf), (uint16_t)(e - b)};
	return s;
}

/* Skip linear white space (SP, HT, folded line ends) in [p, e). */
static inline const char *
skip_lws(const char *p, const char *e)
{
	while (p < e && cc_is((unsigned char)*p, CC_LWS))
		p++;
	return p;
}

/* Trim linear white space from the end of [b, e). */
static inline const char *
rtrim_lws(const char *b, const char *e)
{
	while (e > b && cc_is((unsigned char)e[-1], CC_LWS))
		e--;
	return e;
}

/*
 * SIMD scans. SSE2 is the x86-64 baseline, so no runtime dispatch is needed; without it the
 * scalar loops that follow each SIMD loop do all the work. SSE2 has no byte shuffle (PSHUFB is
 * SSSE3), so classes are built from range compares: in_range() maps [lo, hi] onto the bottom
 * of the signed byte range, where one signed compare tests it.
 *
 * Every scan takes lim, the end of the bytes that may be read (lim >= e): 16-byte loads may run
 * past e, never past lim, and results beyond e are clamped to e. Inside ush_sip_parse() lim is
 * the end of the datagram; the public span parsers know no more than their span, so lim = e.
 */
#ifdef __SSE2__
static inline __m128i
load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* 0xff in each byte of v that lies in [lo, hi] (unsigned), 0 elsewhere; hi - lo < 128. */
static inline __m128i
in_range(__m128i v, unsigned char lo, unsigned char hi)
{
	__m128i t = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))); /* lo -> -128 */

	return _mm_cmplt_epi8(t, _mm_set1_epi8((char)(0x80 + (hi - lo + 1))));
}

static inline unsigned
mask_eq(__m128i v, char c)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/*
 * Bit per byte of v that is alphanumeric, '-' or '.': exactly the hostname class, and the part
 * of the token class that header names, parameter names and most values are made of.
 * Letters: v | 0x20 folds 'A'-'Z' onto 'a'-'z' and maps no other byte there. '-' '.' and the
 * digits are the range '-'..'9' minus '/'.
 */
static inline unsigned
mask_alnum_dash_dot(__m128i v)
{
	__m128i alpha = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
	__m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('/'));
	__m128i num = _mm_andnot_si128(slash, in_range(v, '-', '9'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, num));
}
#endif

/*
 * First byte in [p, e) not in class cls, or e. cls must contain the alphanumerics, '-' and
 * '.' (CC_TOKEN does): the SIMD loop stops at the first byte outside those, and when that byte
 * is still in cls (another token character such as '!' or '_') the scan goes on after it.
 */
static inline const char *
skip_class(const char *p, const char *e, const char *lim, uint8_t cls)
{
#ifdef __SSE2__
	while (p < e && lim - p >= 16) {
		unsigned m = ~mask_alnum_dash_dot(load16(p)) & 0xffff;

		if (m == 0) {
			p += 16;
			continue;
		}
		p += __builtin_ctz(m);
		if (p >= e || !cc_is((unsigned char)*p, cls))
			return p < e ? p : e;
		p++;
	}
	if (p > e)
		return e;
#else
	(void)lim;
#endif
	while (p < e && cc_is((unsigned char)*p, cls))
		p++;
	return p;
}

/* Skip a run of token characters. */
static inline const char *
skip_token(const char *p, const char *e, const char *lim)
{
	return skip_class(p, e, lim, CC_TOKEN);
}

/*
 * First byte in [p, e) equal to c1 or c2, or NULL: memchr() without the call, for the short
 * spans of a header.
 */
static inline const char *
find_byte2(const char *p, const char *e, const char *lim, char c1, char c2)
{
#ifdef __SSE2__
	for (; p < e && lim - p >= 16; p += 16) {
		__m128i v = load16(p);
		unsigned m = mask_eq(v, c1) | mask_eq(v, c2);

		if (m != 0) {
			p += __builtin_ctz(m);
			return p < e ? p : NULL;
		}
	}
#else
	(void)lim;
#endif
	for (; p < e; p++)
		if (*p == c1 || *p == c2)
			return p;
	return NULL;
}

static inline const char *
find_byte(const char *p, const char *e, const char *lim, char c)
{
	return find_byte2(p, e, lim, c, c);
}

/*
 * Unsigned decimal in [p, e) of at most max_digits digits; the whole range must be digits.
 * Returns 0 and the value, or -1 when empty, not all digits or longer than max_digits.
 */
static inline int
parse_uint(const char *p, const char *e, unsigned max_digits, uint64_t *out)
{
	uint64_t v = 0;

	if (p == e || (size_t)(e - p) > max_digits)
		return -1;
	for (; p < e; p++) {
		if (!cc_is((unsigned char)*p, CC_DIGIT))
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

/*
 * The byte loop of a quoted-string scan from p (inside the string, after any fast path): the
 * closing quote, or NULL before e. Keeps the quoted-pair state, so a fast path hands over to
 * it at the first backslash. Sets *escaped when a quoted-pair was seen.
 */
static inline const char *
quoted_end_bytes(const char *p, const char *e, bool *escaped)
{
	for (; p < e; p++) {
		if (*p == '\\') {
			if (++p == e)
				return NULL;
			*escaped = true;
		} else if (*p == '"') {
			return p;
		}
	}
	return NULL;
}

/*
 * End of a quoted-string starting at p (p[0] == '"'): pointer to the closing quote, or NULL
 * when it is not terminated before e. Sets *escaped when a quoted-pair was seen.
 */
static inline const char *
quoted_end(const char *p, const char *e, const char *lim, bool *escaped)
{
	/*
	 * Fast path: find the first '"' or '\\' 16 bytes at a time. A '"' closes the string; at a
	 * '\\' the scalar loop takes over (nothing before it needs its escape state).
	 */
	p++;
#ifdef __SSE2__
	for (; p < e && lim - p >= 16; p += 16) {
		__m128i v = load16(p);
		unsigned m = mask_eq(v, '"') | mask_eq(v, '\\');

		if (m != 0) {
			p += __builtin_ctz(m);
			if (p >= e)
				return NULL;
			if (*p == '"')
				return p;
			break;
		}
	}
#else
	(void)lim;
#endif
	return quoted_end_bytes(p, e, escaped);
}

/*
 * Host at p: hostname, IPv4address or "[" IPv6 "]". Returns the first byte after it, or NULL
 * when there is no valid host at p. Bytes up to lim may be read.
 */
const char *ush_sip_scan_host(const char *p, const char *e, const char *lim);

/* ush_sip_uri_parse() for a span whose bytes may be read up to lim (lim >= its end). */
int ush_sip_uri_parse_lim(const char *buf, struct ush_sip_span text, const char *lim,
			  struct ush_sip_uri *uri);

#endif /* USH_SIP_PRIV_H */
