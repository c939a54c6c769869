/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Digest credentials parser (RFC 7616 §3.4, RFC 3261 §25 "credentials") and algorithm names. */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sip_priv.h"

static const char *const algo_names[USH_ALGO_COUNT] = {
	[USH_ALGO_MD5] = "MD5",
	[USH_ALGO_MD5_SESS] = "MD5-sess",
	[USH_ALGO_SHA256] = "SHA-256",
	[USH_ALGO_SHA256_SESS] = "SHA-256-sess",
	[USH_ALGO_SHA512_256] = "SHA-512-256",
	[USH_ALGO_SHA512_256_SESS] = "SHA-512-256-sess",
	[USH_ALGO_UNKNOWN] = "unknown",
};

const char *
ush_algo_name(enum ush_algo algo)
{
	if ((unsigned)algo >= USH_ALGO_COUNT)
		return "unknown";
	return algo_names[algo];
}

/*
 * By length, then one case-insensitive compare against a constant (see ieq()): the same
 * answer as comparing every name of algo_names[] with ascii_lower() on both sides, without a
 * strlen() and a byte loop per candidate. Called per credentials header with an algorithm=.
 */
enum ush_algo
ush_algo_from_token(const char *s, size_t len)
{
	switch (len) {
	case 3:
		return ieq(s, "md5", 3) ? USH_ALGO_MD5 : USH_ALGO_UNKNOWN;
	case 7:
		return ieq(s, "sha-256", 7) ? USH_ALGO_SHA256 : USH_ALGO_UNKNOWN;
	case 8:
		return ieq(s, "md5-sess", 8) ? USH_ALGO_MD5_SESS : USH_ALGO_UNKNOWN;
	case 11:
		return ieq(s, "sha-512-256", 11) ? USH_ALGO_SHA512_256 : USH_ALGO_UNKNOWN;
	case 12:
		return ieq(s, "sha-256-sess", 12) ? USH_ALGO_SHA256_SESS : USH_ALGO_UNKNOWN;
	case 16:
		return ieq(s, "sha-512-256-sess", 16) ? USH_ALGO_SHA512_256_SESS
						      : USH_ALGO_UNKNOWN;
	default:
		return USH_ALGO_UNKNOWN;
	}
}

/* Known parameters, in the order of struct ush_sip_cred's spans and USH_SIP_CRED_F_* bits. */
enum cred_param {
	CRED_USERNAME,
	CRED_REALM,
	CRED_NONCE,
	CRED_URI,
	CRED_RESPONSE,
	CRED_ALGORITHM,
	CRED_CNONCE,
	CRED_OPAQUE,
	CRED_QOP,
	CRED_NC,
	CRED_USERHASH,
	CRED_NPARAMS,
};

/* Offset of each parameter's span in struct ush_sip_cred: no table of pointers per call. */
static const uint8_t cred_slot_off[CRED_NPARAMS] = {
	[CRED_USERNAME] = offsetof(struct ush_sip_cred, username),
	[CRED_REALM] = offsetof(struct ush_sip_cred, realm),
	[CRED_NONCE] = offsetof(struct ush_sip_cred, nonce),
	[CRED_URI] = offsetof(struct ush_sip_cred, uri),
	[CRED_RESPONSE] = offsetof(struct ush_sip_cred, response),
	[CRED_ALGORITHM] = offsetof(struct ush_sip_cred, algorithm),
	[CRED_CNONCE] = offsetof(struct ush_sip_cred, cnonce),
	[CRED_OPAQUE] = offsetof(struct ush_sip_cred, opaque),
	[CRED_QOP] = offsetof(struct ush_sip_cred, qop),
	[CRED_NC] = offsetof(struct ush_sip_cred, nc),
	[CRED_USERHASH] = offsetof(struct ush_sip_cred, userhash),
};

static inline struct ush_sip_span *
cred_slot(struct ush_sip_cred *cred, unsigned i)
{
	return (struct ush_sip_span *)(void *)((char *)cred + cred_slot_off[i]);
}

/*
 * Parameter names are case-insensitive (RFC 7616 §3.4). By length, then at most three
 * compares of one or two words against constants: the names of one length share their letter
 * mask, so the load and the OR are done once for all of them.
 */
static inline int
cred_lookup(const char *n, size_t len)
{
	switch (len) {
	case 2:
		return ieq(n, "nc", 2) ? CRED_NC : -1;
	case 3:
		if (ieq(n, "uri", 3))
			return CRED_URI;
		return ieq(n, "qop", 3) ? CRED_QOP : -1;
	case 5:
		if (ieq(n, "nonce", 5))
			return CRED_NONCE;
		return ieq(n, "realm", 5) ? CRED_REALM : -1;
	case 6:
		if (ieq(n, "cnonce", 6))
			return CRED_CNONCE;
		return ieq(n, "opaque", 6) ? CRED_OPAQUE : -1;
	case 8:
		if (ieq(n, "username", 8))
			return CRED_USERNAME;
		if (ieq(n, "response", 8))
			return CRED_RESPONSE;
		return ieq(n, "userhash", 8) ? CRED_USERHASH : -1;
	case 9:
		return ieq(n, "algorithm", 9) ? CRED_ALGORITHM : -1;
	default:
		return -1;
	}
}

#ifdef __SSE2__
/* Bit per byte of v that is a hexadecimal digit ('A'-'F' fold onto 'a'-'f' with | 0x20). */
static inline unsigned
mask_hex(__m128i v)
{
	__m128i dig = in_range(v, '0', '9');
	__m128i let = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'f');

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, let));
}

static inline __m128i
load8(const char *p)
{
	return _mm_loadl_epi64((const __m128i *)(const void *)p);
}
#endif

/*
 * All of [b, b + n) hexadecimal. Only those bytes are read: from 8 bytes on, the loads stay
 * inside the span and the last one overlaps the one before it (responses are 32 or 64 digits,
 * nc 8).
 */
static bool
all_hex(const char *b, size_t n)
{
#ifdef __SSE2__
	if (n >= 16) {
		for (size_t i = 0; i + 16 < n; i += 16)
			if (mask_hex(load16(b + i)) != 0xffff)
				return false;
		return mask_hex(load16(b + n - 16)) == 0xffff;
	}
	if (n >= 8)
		return mask_hex(_mm_unpacklo_epi64(load8(b), load8(b + n - 8))) == 0xffff;
#endif
	for (size_t i = 0; i < n; i++)
		if (!cc_is((unsigned char)b[i], CC_HEX))
			return false;
	return true;
}

/*
 * Value of 8 hex digits (already checked) in one word: each byte becomes its nibble
 * ((c & 0xf), plus 9 for letters, which are the bytes with bit 6 set), then pairs of nibbles,
 * bytes and half-words are merged in three shift-or-mask steps, most significant digit first.
 */
static inline uint32_t
hex8_value(const char *p)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x = ld64(p);
	uint64_t v = (x & 0x0f * ones) + ((x >> 6) & ones) * 9;

	v = __builtin_bswap64(v); /* first digit in the top byte */
	v = (v | v >> 4) & 0x00ff00ff00ff00ffull;
	v = (v | v >> 8) & 0x0000ffff0000ffffull;
	v = (v | v >> 16) & 0x00000000ffffffffull;
	return (uint32_t)v;
}

/* Inlined so that strlen() and the literal's words fold to constants. */
static inline __attribute__((always_inline)) bool
span_ieq(const char *buf, struct ush_sip_span s, const char *lower)
{
	size_t n = strlen(lower);

	return s.len == n && ieq(buf + s.off, lower, n);
}

/* Checks that need the whole parameter list: presence, nc, qop, response, userhash. */
static enum ush_sip_err
cred_finish(const char *buf, struct ush_sip_cred *cred)
{
	size_t want;

	if (!ush_sip_span_present(cred->username) || !ush_sip_span_present(cred->realm) ||
	    !ush_sip_span_present(cred->nonce) || !ush_sip_span_present(cred->uri) ||
	    !ush_sip_span_present(cred->response))
		return USH_SIP_ECRED_MISSING;

	/* "MD5", the usual algorithm, without the call. */
	if (!ush_sip_span_present(cred->algorithm) || span_ieq(buf, cred->algorithm, "md5"))
		cred->algo = USH_ALGO_MD5;
	else
		cred->algo = (uint8_t)ush_algo_from_token(buf + cred->algorithm.off,
							  cred->algorithm.len);

	if (!ush_sip_span_present(cred->qop))
		cred->qop_id = USH_QOP_NONE;
	else if (span_ieq(buf, cred->qop, "auth"))
		cred->qop_id = USH_QOP_AUTH;
	else if (span_ieq(buf, cred->qop, "auth-int"))
		cred->qop_id = USH_QOP_AUTH_INT;
	else
		cred->qop_id = USH_QOP_UNKNOWN;

	/*
	 * With qop, nc and cnonce are mandatory (RFC 7616 §3.4). Without qop they are ignored
	 * rather than refused: RFC 2069 clients that send them anyway still verify.
	 */
	if (cred->qop_id != USH_QOP_NONE &&
	    (!ush_sip_span_present(cred->nc) || !ush_sip_span_present(cred->cnonce)))
		return USH_SIP_ECRED_QOP;
	if (ush_sip_span_present(cred->nc)) {
		if (cred->nc.len != 8 || !all_hex(buf + cred->nc.off, 8))
			return USH_SIP_ECRED_NC;
		cred->nc_value = hex8_value(buf + cred->nc.off);
	}

	want = cred->algo == USH_ALGO_UNKNOWN ? 0 : 2 * ush_hash_len(ush_algo_hash(cred->algo));
	if (!all_hex(buf + cred->response.off, cred->response.len) ||
	    (want != 0 && cred->response.len != want) ||
	    (want == 0 && (cred->response.len == 0 || cred->response.len > 128 ||
			   cred->response.len % 2 != 0)))
		return USH_SIP_ECRED_RESPONSE;

	if (ush_sip_span_present(cred->userhash)) {
		if (span_ieq(buf, cred->userhash, "true"))
			cred->userhash_on = true;
		else if (!span_ieq(buf, cred->userhash, "false"))
			return USH_SIP_ECRED_USERHASH;
	}
	return USH_SIP_EOK;
}

/*
 * The scans below read only the header value [b, e): the public API knows no more. Where
 * fewer than 16 bytes are left before e, the last 16 bytes of the value are loaded instead
 * (when the value is that long) and the bits of the bytes before p shifted out, so the tail
 * costs one step too.
 */

/*
 * Closing quote of a quoted-string whose opening quote is at p, or NULL: quoted_end() for a
 * span that may be read only up to e, with the tail trick above. *escaped is set when a
 * quoted-pair was seen.
 */
static inline const char *
cred_quoted_end(const char *b, const char *p, const char *e, bool *escaped)
{
	p++;
#ifdef __SSE2__
	for (;;) {
		unsigned m;

		if (e - p >= 16) {
			__m128i v = load16(p);

			m = mask_eq(v, '"') | mask_eq(v, '\\');
			if (m == 0) {
				p += 16;
				continue;
			}
		} else if (e - b >= 16 && p < e) {
			__m128i v = load16(e - 16);

			m = (mask_eq(v, '"') | mask_eq(v, '\\')) >> (16 - (e - p));
			if (m == 0)
				return NULL;
		} else {
			break;
		}
		p += __builtin_ctz(m);
		if (*p == '"')
			return p;
		break; /* a backslash: the byte loop keeps the escape state from here */
	}
#else
	(void)b;
#endif
	return quoted_end_bytes(p, e, escaped);
}

/*
 * Bytes that end an unquoted value (see cred_unquoted_end()): ',', '"' and everything outside
 * 0x21-0x7e. A table makes the byte loop one load and one test per byte.
 */
#define UQ_STOP(c) ((c) < 0x21 || (c) > 0x7e || (c) == ',' || (c) == '"')
#define UQ_STOP4(c) UQ_STOP(c), UQ_STOP((c) + 1), UQ_STOP((c) + 2), UQ_STOP((c) + 3)
#define UQ_STOP16(c) UQ_STOP4(c), UQ_STOP4((c) + 4), UQ_STOP4((c) + 8), UQ_STOP4((c) + 12)
#define UQ_STOP64(c) UQ_STOP16(c), UQ_STOP16((c) + 16), UQ_STOP16((c) + 32), UQ_STOP16((c) + 48)
static const bool uq_stop[256] = {
	UQ_STOP64(0), UQ_STOP64(64), UQ_STOP64(128), UQ_STOP64(192),
};

#ifdef __SSE2__
/* Bit per byte of v that ends an unquoted value: ',', '"', controls, SP, DEL, non-ASCII. */
static inline unsigned
mask_unquoted_stop(__m128i v)
{
	__m128i ok = in_range(v, 0x21, 0x7e);

	return ((unsigned)_mm_movemask_epi8(ok) ^ 0xffff) | mask_eq(v, ',') | mask_eq(v, '"');
}
#endif

/*
 * End of an unquoted value at p: a token, leniently any visible ASCII but ',' and '"' (some
 * phones send uri= or nonce= unquoted).
 */
static inline const char *
cred_unquoted_end(const char *b, const char *p, const char *e)
{
	/*
	 * The usual unquoted values are short (MD5, auth, 8 digits of nc), and their lengths
	 * repeat from one message to the next: a byte loop, whose exit the branch predictor
	 * learns, lets the next parameter start without waiting for a 16-byte scan.
	 */
	for (const char *s = p + 12 < e ? p + 12 : e; p < s; p++)
		if (uq_stop[(unsigned char)*p])
			return p;
#ifdef __SSE2__
	for (;;) {
		unsigned m;

		if (e - p >= 16) {
			m = mask_unquoted_stop(load16(p));
			if (m == 0) {
				p += 16;
				continue;
			}
		} else if (e - b >= 16 && p < e) {
			m = mask_unquoted_stop(load16(e - 16)) >> (16 - (e - p));
			if (m == 0)
				return e;
		} else {
			break;
		}
		return p + __builtin_ctz(m);
	}
#else
	(void)b;
#endif
	while (p < e && !uq_stop[(unsigned char)*p])
		p++;
	return p;
}

/*
 * Length of a known parameter name at p directly followed by '=' (the way every phone sends
 * them), with *idx its index; 0 when the name is unknown or has LWS before its '=': the
 * general path reads those. A known name is all letters, hence a whole token that ends at the
 * '=', exactly what skip_token() and the '=' check would find.
 *
 * The candidates come from the first letter and each is checked with its '=' in one or two
 * word compares. Unlike a scan for the '=', nothing after the first byte is on the path that
 * computes where the value starts: the compares only confirm a predicted branch, so the
 * parse of one parameter does not wait for the end of the name. Reads at most 10 bytes.
 */
static inline __attribute__((always_inline)) size_t
known_name(const char *p, const char *e, int *idx)
{
	if (e - p < 10)
		return 0;
	switch (*p | 0x20) {
	case 'a':
		*idx = CRED_ALGORITHM;
		return ieq(p, "algorithm=", 10) ? 9 : 0;
	case 'c':
		*idx = CRED_CNONCE;
		return ieq(p, "cnonce=", 7) ? 6 : 0;
	case 'n':
		if (ieq(p, "nonce=", 6)) {
			*idx = CRED_NONCE;
			return 5;
		}
		*idx = CRED_NC;
		return ieq(p, "nc=", 3) ? 2 : 0;
	case 'o':
		*idx = CRED_OPAQUE;
		return ieq(p, "opaque=", 7) ? 6 : 0;
	case 'q':
		*idx = CRED_QOP;
		return ieq(p, "qop=", 4) ? 3 : 0;
	case 'r':
		if (ieq(p, "response=", 9)) {
			*idx = CRED_RESPONSE;
			return 8;
		}
		*idx = CRED_REALM;
		return ieq(p, "realm=", 6) ? 5 : 0;
	case 'u':
		if (ieq(p, "username=", 9)) {
			*idx = CRED_USERNAME;
			return 8;
		}
		if (ieq(p, "uri=", 4)) {
			*idx = CRED_URI;
			return 3;
		}
		*idx = CRED_USERHASH;
		return ieq(p, "userhash=", 9) ? 8 : 0;
	default:
		return 0;
	}
}

enum ush_sip_err
ush_sip_cred_parse(const char *buf, struct ush_sip_span value, struct ush_sip_cred *cred)
{
	const char *b = buf + value.off;
	const char *e = b + value.len;
	const char *p = b;
	const char *t;
	unsigned nparams = 0;
	unsigned seen = 0; /* bit per known parameter already read */

	memset(cred, 0, sizeof(*cred));
	p = skip_lws(p, e);
	/* "Digest" and a space need no scan for the end of the token: LWS is not a token byte. */
	if (likely(e - p >= 7 && cc_is((unsigned char)p[6], CC_LWS) && ieq(p, "digest", 6)))
		t = p + 6;
	else
		t = skip_token(p, e, e);
	if (t - p != 6 || !ieq(p, "digest", 6))
		return USH_SIP_ECRED_SCHEME;
	p = skip_lws(t, e);
	if (p == t)
		return USH_SIP_ECRED_SYNTAX;

	for (;;) {
		const char *nb, *ne, *vb, *ve;
		bool escaped = false;
		size_t k;
		int idx = -1;

		/*
		 * #rule: empty elements between commas are allowed. ", " then a known name is
		 * the usual case; a known name starts with a letter, where the loop over
		 * separators would stop at once.
		 */
		if (e - p >= 2 && ld16(p) == (',' | ' ' << 8))
			p += 2;
		k = known_name(p, e, &idx);
		if (unlikely(k == 0)) {
			while (p < e && (*p == ',' || cc_is((unsigned char)*p, CC_LWS)))
				p++;
			if (p == e)
				break;
			k = known_name(p, e, &idx);
		}
		nb = p;
		if (likely(k != 0)) {
			ne = nb + k;
			p = ne + 1;
		} else {
			ne = skip_token(nb, e, e);
			if (ne == nb)
				return USH_SIP_ECRED_SYNTAX;
			p = skip_lws(ne, e);
			if (p == e || *p != '=')
				return USH_SIP_ECRED_SYNTAX;
			p++;
			idx = cred_lookup(nb, (size_t)(ne - nb));
		}
		p = skip_lws(p, e);
		if (p < e && *p == '"') {
			const char *q = cred_quoted_end(b, p, e, &escaped);

			if (q == NULL)
				return USH_SIP_ECRED_QUOTE;
			vb = p + 1;
			ve = q;
			p = q + 1;
		} else {
			vb = p;
			p = cred_unquoted_end(b, p, e);
			ve = p;
			if (ve == vb)
				return USH_SIP_ECRED_SYNTAX;
		}
		if (++nparams > USH_SIP_MAX_PARAMS)
			return USH_SIP_ECRED_TOO_MANY_PARAMS;
		if (idx < 0) {
			cred->unknown_params++;
		} else {
			if (seen & 1u << idx)
				return USH_SIP_ECRED_DUP_PARAM;
			seen |= 1u << idx;
			/*
			 * Every span set here is present, as cred_finish() expects: an empty
			 * quoted value at an offset of 0 cannot happen, a name precedes it.
			 */
			*cred_slot(cred, (unsigned)idx) = mkspan(buf, vb, ve);
			if (escaped)
				cred->escaped |= (uint16_t)(1u << idx);
		}
		/* ',' right after the value is the usual case. */
		if (p < e && *p != ',') {
			p = skip_lws(p, e);
			if (p < e && *p != ',')
				return USH_SIP_ECRED_SYNTAX;
		}
	}
	return cred_finish(buf, cred);
}

int
ush_sip_unescape(const char *buf, struct ush_sip_span s, char *out, size_t cap)
{
	const char *p = buf + s.off;
	const char *e = p + s.len;
	size_t n = 0;

	for (; p < e; p++) {
		if (*p == '\\' && p + 1 < e)
			p++;
		if (n == cap)
			return -ENOSPC;
		out[n++] = *p;
	}
	return (int)n;
}
