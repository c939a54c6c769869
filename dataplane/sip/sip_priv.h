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

/* Lower-cases the ASCII letters among 8 bytes at once; other bytes are left as they are. */
static inline uint64_t
swar_lower(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t h = x & (0x7f * ones);
	uint64_t ge_a = h + (0x80 - 'A') * ones;     /* high bit set where byte >= 'A' */
	uint64_t gt_z = h + (0x80 - 'Z' - 1) * ones; /* high bit set where byte > 'Z' */
	uint64_t upper = ge_a & ~gt_z & ~x & (0x80 * ones);

	return x | (upper >> 2);
}

/* Case-insensitive compare of n bytes against a lower-case literal (header names, tokens). */
static inline bool
ieq(const char *s, const char *lower, size_t n)
{
	while (n >= 8) {
		uint64_t a, b;

		memcpy(&a, s, 8);
		memcpy(&b, lower, 8);
		if (swar_lower(a) != b)
			return false;
		s += 8;
		lower += 8;
		n -= 8;
	}
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(s[i]) != lower[i])
			return false;
	return true;
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

/* Skip a run of token characters. */
static inline const char *
skip_token(const char *p, const char *e)
{
	while (p < e && cc_is((unsigned char)*p, CC_TOKEN))
		p++;
	return p;
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
 * End of a quoted-string starting at p (p[0] == '"'): pointer to the closing quote, or NULL
 * when it is not terminated before e. Sets *escaped when a quoted-pair was seen.
 */
static inline const char *
quoted_end(const char *p, const char *e, bool *escaped)
{
	const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));

	/* Fast path: no backslash before the first quote, so that quote closes the string. */
	if (q != NULL && memchr(p + 1, '\\', (size_t)(q - p - 1)) == NULL)
		return q;
	for (p++; p < e; p++) {
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
 * Host at p: hostname, IPv4address or "[" IPv6 "]". Returns the first byte after it, or NULL
 * when there is no valid host at p.
 */
const char *ush_sip_scan_host(const char *p, const char *e);

#endif /* USH_SIP_PRIV_H */
