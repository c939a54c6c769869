/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* URI parsing (RFC 3261 §19.1, RFC 3966 for tel) and the parser's character classes. */

#include <errno.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sip_priv.h"

/*
 * Bit per class (CC_* in sip_priv.h) for every byte value. Generated once from the RFC 3261
 * character sets; every byte >= 0x80 is in no class, so non-ASCII is never a token, a URI
 * character or a host character.
 */
const uint8_t ush_sip_cclass[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x40, 0x00, 0x00, 0x40, 0x00, 0x00, /* 0x00 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x10 */
	0x42, 0x31, 0x20, 0x00, 0x10, 0x31, 0x10, 0x31, 0x30, 0x30, 0x31, 0x31, 0x10, 0xb1, 0xb1, 0x30, /* 0x20 */
	0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xb0, 0x10, 0x20, 0x10, 0x20, 0x30, /* 0x30 */
	0x10, 0xb9, 0xb9, 0xb9, 0xb9, 0xb9, 0xb9, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, /* 0x40 */
	0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb0, 0x20, 0xb0, 0x00, 0x31, /* 0x50 */
	0x21, 0xb9, 0xb9, 0xb9, 0xb9, 0xb9, 0xb9, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, /* 0x60 */
	0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0xb1, 0x20, 0x00, 0x20, 0x31, 0x00, /* 0x70 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x80 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x90 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xa0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xb0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xc0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xd0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xe0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xf0 */
};

const char *
ush_sip_scan_host(const char *p, const char *e, const char *lim)
{
	const char *b = p;
	bool dash = false;

	if (p < e && *p == '[') {
		/* IPv6reference: hex digits, ':' and '.' (IPv4 tail) between the brackets. */
		for (p++; p < e && (cc_is((unsigned char)*p, CC_HEX) || *p == ':' || *p == '.'); p++)
			;
		if (p == e || *p != ']' || p - b < 3)
			return NULL;
		return p + 1;
	}
	/* hostname or IPv4address: alphanumerics, '-' and '.', exactly mask_alnum_dash_dot(). */
#ifdef __SSE2__
	while (p < e && lim - p >= 16) {
		__m128i v = load16(p);
		unsigned m = ~mask_alnum_dash_dot(v) & 0xffff;
		size_t n = m != 0 ? (size_t)__builtin_ctz(m) : 16;

		if (n > (size_t)(e - p))
			n = (size_t)(e - p);
		dash |= (mask_eq(v, '-') & ((1u << n) - 1)) != 0; /* n <= 16: no overflow */
		p += n;
		if (n < 16)
			goto end; /* at e, or at a byte the mask says is no host byte */
	}
#else
	(void)lim;
#endif
	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if ((ush_sip_cclass[c] & (CC_TOKEN | CC_HOST)) != (CC_TOKEN | CC_HOST))
			break;
		dash |= c == '-';
	}
#ifdef __SSE2__
end:
#endif
	if (p == b)
		return NULL;
	/* A label never starts with '-'. Hyphens are rare enough to check afterwards. */
	if (unlikely(dash))
		for (const char *q = b; q < p; q++)
			if (*q == '-' && (q == b || q[-1] == '.'))
				return NULL;
	return p;
}

static int
parse_port(const char *b, const char *e, uint16_t *port)
{
	uint64_t v;

	if (parse_uint(b, e, 5, &v) < 0 || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/*
 * Checks that [p, e) holds only URI characters and finds the first '@'. 16 bytes per step
 * with SSE2. The URI class is printable ASCII 0x21-0x7e except " # < > \\ ^ ` { | }, built
 * from ranges: '"'-'#' and '{'-'}' are adjacent pairs, v | 2 folds '<' onto '>' and '\\' onto
 * '^' (no other byte lands on either), and '`' is compared alone.
 */
static int
uri_chars(const char *p, const char *e, const char *lim, const char **at)
{
#ifdef __SSE2__
	for (; p < e && lim - p >= 16; p += 16) {
		__m128i v = load16(p);
		__m128i v2 = _mm_or_si128(v, _mm_set1_epi8(2));
		__m128i bad = _mm_or_si128(in_range(v, '"', '#'), in_range(v, '{', '}'));
		unsigned m, am = mask_eq(v, '@');

		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v2, _mm_set1_epi8('>')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v2, _mm_set1_epi8('^')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
		bad = _mm_or_si128(bad,
				   _mm_cmpeq_epi8(in_range(v, 0x21, 0x7e), _mm_setzero_si128()));
		m = (unsigned)_mm_movemask_epi8(bad);
		if (e - p < 16) {
			unsigned keep = (1u << (e - p)) - 1;

			m &= keep;
			am &= keep;
		}
		if (unlikely(m != 0))
			return -EINVAL;
		if (am != 0 && *at == NULL)
			*at = p + __builtin_ctz(am);
	}
#else
	(void)lim;
#endif
	for (; p < e; p++) {
		if (unlikely(!cc_is((unsigned char)*p, CC_URI)))
			return -EINVAL;
		if (*p == '@' && *at == NULL)
			*at = p;
	}
	return 0;
}

static enum ush_sip_scheme
scheme_id(const char *b, size_t n)
{
	if (n == 3 && ieq(b, "sip", 3))
		return USH_SIP_SCHEME_SIP;
	if (n == 4 && ieq(b, "sips", 4))
		return USH_SIP_SCHEME_SIPS;
	if (n == 3 && ieq(b, "tel", 3))
		return USH_SIP_SCHEME_TEL;
	return USH_SIP_SCHEME_OTHER;
}

/*
 * sip/sips after "scheme:": [user[:password]@]host[:port][;params][?headers].
 * at is the first '@' (or NULL), found by the caller's validation pass.
 */
static int
parse_sip_uri(const char *buf, const char *p, const char *e, const char *lim, const char *at,
	      struct ush_sip_uri *uri)
{
	const char *h;

	if (at != NULL) {
		const char *pw = find_byte(p, at, lim, ':');
		const char *ue = pw != NULL ? pw : at;

		if (ue == p)
			return -EINVAL;
		uri->user = mkspan(buf, p, ue);
		if (pw != NULL)
			uri->password = mkspan(buf, pw + 1, at);
		p = at + 1;
	}
	h = p;
	p = ush_sip_scan_host(p, e, lim);
	if (p == NULL)
		return -EINVAL;
	uri->host = mkspan(buf, h, p);
	if (p < e && *p == ':') {
		const char *pb = ++p;

		while (p < e && cc_is((unsigned char)*p, CC_DIGIT))
			p++;
		if (parse_port(pb, p, &uri->port) < 0)
			return -EINVAL;
		uri->port_str = mkspan(buf, pb, p);
	}
	if (p < e && *p == ';') {
		const char *pb = ++p;
		const char *q = find_byte(p, e, lim, '?');

		p = q != NULL ? q : e;
		uri->params = mkspan(buf, pb, p);
	}
	if (p < e && *p == '?') {
		uri->headers = mkspan(buf, p + 1, e);
		p = e;
	}
	return p == e ? 0 : -EINVAL;
}

/*
 * The schemes of nearly every URI as a 32-bit word of their first 4 bytes, with the letters
 * lower-cased by OR 0x20 (for a letter, exactly its two cases map to the lower one). The fold
 * skips the ':' byte: 0x1a | 0x20 is ':' too, and would let a control character through.
 */
#define SCHEME_WORD(a, b, c, d)                                                                  \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define SCHEME_FOLD_3 SCHEME_WORD(0x20, 0x20, 0x20, 0)
#define SCHEME_FOLD_4 SCHEME_WORD(0x20, 0x20, 0x20, 0x20)

int
ush_sip_uri_parse_lim(const char *buf, struct ush_sip_span text, const char *lim,
		      struct ush_sip_uri *uri)
{
	const char *b = buf + text.off;
	const char *e = b + text.len;
	const char *p = b;

	memset(uri, 0, sizeof(*uri));
	uri->raw = text;

	/*
	 * Fast path for "sip:", "tel:" and "sips:": the literal both validates the scheme and
	 * names it. Anything else takes the general loop.
	 */
	if (likely(e - b >= 5)) {
		const unsigned char *u = (const unsigned char *)b;
		uint32_t w = SCHEME_WORD(u[0], u[1], u[2], u[3]);

		if ((w | SCHEME_FOLD_3) == SCHEME_WORD('s', 'i', 'p', ':')) {
			uri->scheme_id = USH_SIP_SCHEME_SIP;
			p = b + 3;
		} else if ((w | SCHEME_FOLD_3) == SCHEME_WORD('t', 'e', 'l', ':')) {
			uri->scheme_id = USH_SIP_SCHEME_TEL;
			p = b + 3;
		} else if ((w | SCHEME_FOLD_4) == SCHEME_WORD('s', 'i', 'p', 's') && b[4] == ':') {
			uri->scheme_id = USH_SIP_SCHEME_SIPS;
			p = b + 4;
		}
	}
	if (p == b) {
		/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
		if (p == e || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return -EINVAL;
		for (p++; p < e && *p != ':'; p++) {
			unsigned char c = (unsigned char)*p;

			if (!(cc_is(c, CC_DIGIT) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
			      c == '+' || c == '-' || c == '.'))
				return -EINVAL;
		}
		if (p == e)
			return -EINVAL;
		uri->scheme_id = (uint8_t)scheme_id(b, (size_t)(p - b));
	}
	uri->scheme = mkspan(buf, b, p);
	p++;
	if (p == e)
		return -EINVAL;
	/* One pass over the rest: only URI characters (no SP, '<', '"', controls, non-ASCII).
	 * The first '@' ends the userinfo: it is allowed nowhere else unescaped. */
	const char *at = NULL;

	if (uri_chars(p, e, lim, &at) < 0)
		return -EINVAL;

	switch (uri->scheme_id) {
	case USH_SIP_SCHEME_SIP:
	case USH_SIP_SCHEME_SIPS:
		return parse_sip_uri(buf, p, e, lim, at, uri);
	case USH_SIP_SCHEME_TEL: {
		const char *sc = find_byte(p, e, lim, ';');

		if (sc == p)
			return -EINVAL;
		uri->user = mkspan(buf, p, sc != NULL ? sc : e);
		if (sc != NULL)
			uri->params = mkspan(buf, sc + 1, e);
		return 0;
	}
	default:
		return 0;
	}
}

int
ush_sip_uri_parse(const char *buf, struct ush_sip_span text, struct ush_sip_uri *uri)
{
	return ush_sip_uri_parse_lim(buf, text, buf + text.off + text.len, uri);
}
