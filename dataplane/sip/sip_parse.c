/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* SIP message parser: start line, the headers Usher reads, body bounds. One pass, no copies. */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sip_priv.h"

static const char *const err_reason[USH_SIP_ERR_COUNT] = {
#define ERR_REASON(name, reason) [USH_SIP_E##name] = reason,
	USH_SIP_ERRORS(ERR_REASON)
#undef ERR_REASON
};

/* Lower-case names ("bad_via"): spelled out so they are greppable in docs and counters. */
static const char *const err_name[USH_SIP_ERR_COUNT] = {
	[USH_SIP_EOK] = "ok",
	[USH_SIP_EEMPTY] = "empty",
	[USH_SIP_ETOO_BIG] = "too_big",
	[USH_SIP_ELINE_TOO_LONG] = "line_too_long",
	[USH_SIP_ETOO_MANY_HEADERS] = "too_many_headers",
	[USH_SIP_ENO_END_OF_HEADERS] = "no_end_of_headers",
	[USH_SIP_EBAD_START_LINE] = "bad_start_line",
	[USH_SIP_EBAD_METHOD] = "bad_method",
	[USH_SIP_EBAD_RURI] = "bad_ruri",
	[USH_SIP_EBAD_VERSION] = "bad_version",
	[USH_SIP_EBAD_STATUS] = "bad_status",
	[USH_SIP_EBAD_HEADER] = "bad_header",
	[USH_SIP_EBAD_CHAR] = "bad_char",
	[USH_SIP_EBAD_VIA] = "bad_via",
	[USH_SIP_ETOO_MANY_VIA] = "too_many_via",
	[USH_SIP_EBAD_FROM] = "bad_from",
	[USH_SIP_EBAD_TO] = "bad_to",
	[USH_SIP_EBAD_CALL_ID] = "bad_call_id",
	[USH_SIP_EBAD_CSEQ] = "bad_cseq",
	[USH_SIP_ECSEQ_MISMATCH] = "cseq_mismatch",
	[USH_SIP_EBAD_MAX_FORWARDS] = "bad_max_forwards",
	[USH_SIP_EBAD_CONTENT_LENGTH] = "bad_content_length",
	[USH_SIP_EBAD_EXPIRES] = "bad_expires",
	[USH_SIP_EDUP_HEADER] = "dup_header",
	[USH_SIP_EMISSING_HEADER] = "missing_header",
	[USH_SIP_EBODY_TRUNCATED] = "body_truncated",
	[USH_SIP_ETOO_MANY_AUTH] = "too_many_auth",
	[USH_SIP_ECRED_SCHEME] = "cred_scheme",
	[USH_SIP_ECRED_SYNTAX] = "cred_syntax",
	[USH_SIP_ECRED_QUOTE] = "cred_quote",
	[USH_SIP_ECRED_DUP_PARAM] = "cred_dup_param",
	[USH_SIP_ECRED_TOO_MANY_PARAMS] = "cred_too_many_params",
	[USH_SIP_ECRED_MISSING] = "cred_missing",
	[USH_SIP_ECRED_NC] = "cred_nc",
	[USH_SIP_ECRED_QOP] = "cred_qop",
	[USH_SIP_ECRED_RESPONSE] = "cred_response",
	[USH_SIP_ECRED_USERHASH] = "cred_userhash",
};

const char *
ush_sip_strerror(enum ush_sip_err err)
{
	if ((unsigned)err >= USH_SIP_ERR_COUNT)
		return "unknown error";
	return err_reason[err];
}

const char *
ush_sip_errname(enum ush_sip_err err)
{
	if ((unsigned)err >= USH_SIP_ERR_COUNT || err_name[err] == NULL)
		return "unknown";
	return err_name[err];
}

static const char *const method_names[USH_SIP_METHOD_COUNT] = {
	[USH_SIP_METHOD_NONE] = "NONE",
	[USH_SIP_METHOD_OTHER] = "OTHER",
	[USH_SIP_METHOD_INVITE] = "INVITE",
	[USH_SIP_METHOD_ACK] = "ACK",
	[USH_SIP_METHOD_BYE] = "BYE",
	[USH_SIP_METHOD_CANCEL] = "CANCEL",
	[USH_SIP_METHOD_REGISTER] = "REGISTER",
	[USH_SIP_METHOD_OPTIONS] = "OPTIONS",
	[USH_SIP_METHOD_PRACK] = "PRACK",
	[USH_SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
	[USH_SIP_METHOD_NOTIFY] = "NOTIFY",
	[USH_SIP_METHOD_PUBLISH] = "PUBLISH",
	[USH_SIP_METHOD_INFO] = "INFO",
	[USH_SIP_METHOD_REFER] = "REFER",
	[USH_SIP_METHOD_MESSAGE] = "MESSAGE",
	[USH_SIP_METHOD_UPDATE] = "UPDATE",
};

const char *
ush_sip_method_name(enum ush_sip_method method)
{
	if ((unsigned)method >= USH_SIP_METHOD_COUNT)
		return "OTHER";
	return method_names[method];
}

/* Methods are case-sensitive (RFC 3261 §7.1): compare exactly, candidates by length. */
static enum ush_sip_method
method_lookup(const char *s, size_t n)
{
	static const uint8_t by_len[][4] = {
		[3] = {USH_SIP_METHOD_ACK, USH_SIP_METHOD_BYE},
		[4] = {USH_SIP_METHOD_INFO},
		[5] = {USH_SIP_METHOD_PRACK, USH_SIP_METHOD_REFER},
		[6] = {USH_SIP_METHOD_INVITE, USH_SIP_METHOD_CANCEL, USH_SIP_METHOD_NOTIFY,
		       USH_SIP_METHOD_UPDATE},
		[7] = {USH_SIP_METHOD_OPTIONS, USH_SIP_METHOD_PUBLISH, USH_SIP_METHOD_MESSAGE},
		[8] = {USH_SIP_METHOD_REGISTER},
		[9] = {USH_SIP_METHOD_SUBSCRIBE},
	};

	if (n >= sizeof(by_len) / sizeof(by_len[0]))
		return USH_SIP_METHOD_OTHER;
	for (unsigned i = 0; i < 4 && by_len[n][i] != 0; i++)
		if (eq_bytes(method_names[by_len[n][i]], s, n))
			return (enum ush_sip_method)by_len[n][i];
	return USH_SIP_METHOD_OTHER;
}

/*
 * First byte in [p, e) that is a control character (< 0x20 or DEL), or e. Line ends (CR, LF),
 * HT and forbidden bytes (NUL, bare CR, ...) are all control characters, so one scan both
 * finds the end of a header field and validates it. 16 bytes per step with SSE2.
 */
static inline const char *
next_ctl(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i flip = _mm_set1_epi8((char)0x80);
	const __m128i lim = _mm_set1_epi8((char)(0x20 ^ 0x80));
	const __m128i del = _mm_set1_epi8(0x7f);

	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* unsigned v < 0x20  <=>  signed (v ^ 0x80) < (0x20 ^ 0x80) */
		__m128i ctl = _mm_or_si128(_mm_cmplt_epi8(_mm_xor_si128(v, flip), lim),
					   _mm_cmpeq_epi8(v, del));
		unsigned mask = (unsigned)_mm_movemask_epi8(ctl);

		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	for (; p < e; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return p;
	return e;
}

/* Header names Usher reads. */
enum hdr_id {
	HDR_OTHER,
	HDR_VIA,
	HDR_FROM,
	HDR_TO,
	HDR_CALL_ID,
	HDR_CSEQ,
	HDR_MAX_FORWARDS,
	HDR_CONTENT_LENGTH,
	HDR_CONTENT_TYPE,
	HDR_CONTACT,
	HDR_EXPIRES,
	HDR_USER_AGENT,
	HDR_IDENTITY,
	HDR_AUTHORIZATION,
	HDR_PROXY_AUTHORIZATION,
	HDR_PAI,
};

/* Names are case-insensitive; compact forms per RFC 3261 §7.3.3 and RFC 8224 ("y"). */
static enum hdr_id
hdr_lookup(const char *n, size_t len)
{
	/* By length first, then one candidate compare of one to three words (see ieq()). */
	switch (len) {
	case 1:
		switch (ascii_lower(n[0])) {
		case 'v': return HDR_VIA;
		case 'f': return HDR_FROM;
		case 't': return HDR_TO;
		case 'i': return HDR_CALL_ID;
		case 'l': return HDR_CONTENT_LENGTH;
		case 'c': return HDR_CONTENT_TYPE;
		case 'm': return HDR_CONTACT;
		case 'y': return HDR_IDENTITY;
		default: return HDR_OTHER;
		}
	case 2:
		return ieq(n, "to", 2) ? HDR_TO : HDR_OTHER;
	case 3:
		return ieq(n, "via", 3) ? HDR_VIA : HDR_OTHER;
	case 4:
		if (ieq(n, "from", 4))
			return HDR_FROM;
		return ieq(n, "cseq", 4) ? HDR_CSEQ : HDR_OTHER;
	case 7:
		if (ieq(n, "call-id", 7))
			return HDR_CALL_ID;
		if (ieq(n, "contact", 7))
			return HDR_CONTACT;
		return ieq(n, "expires", 7) ? HDR_EXPIRES : HDR_OTHER;
	case 8:
		return ieq(n, "identity", 8) ? HDR_IDENTITY : HDR_OTHER;
	case 10:
		return ieq(n, "user-agent", 10) ? HDR_USER_AGENT : HDR_OTHER;
	case 12:
		if (ieq(n, "content-type", 12))
			return HDR_CONTENT_TYPE;
		return ieq(n, "max-forwards", 12) ? HDR_MAX_FORWARDS : HDR_OTHER;
	case 13:
		return ieq(n, "authorization", 13) ? HDR_AUTHORIZATION : HDR_OTHER;
	case 14:
		return ieq(n, "content-length", 14) ? HDR_CONTENT_LENGTH : HDR_OTHER;
	case 19:
		if (ieq(n, "proxy-authorization", 19))
			return HDR_PROXY_AUTHORIZATION;
		return ieq(n, "p-asserted-identity", 19) ? HDR_PAI : HDR_OTHER;
	default:
		return HDR_OTHER;
	}
}

/*
 * Length of the full name of a header Usher reads at p when ':' follows it directly (how
 * nearly every stack writes them), with *id its header; 0 for anything else (compact forms,
 * other headers, LWS before the colon): hdr_lookup() after skip_token() reads those. The
 * candidates come from the first letter, and each is checked with its colon in one or two
 * word compares (see ieq()). A name matched so is all letters and '-', so it is exactly the
 * token skip_token() would find, and it ends before the line end. Reads at most 20 bytes
 * (the longest name and its colon), all before end.
 */
static inline size_t
known_hdr(const char *p, const char *end, enum hdr_id *id)
{
#define KNOWN_HDR(lit, hid)                                                                        \
	do {                                                                                       \
		if (ieq(p, lit, sizeof(lit) - 1)) {                                                \
			*id = hid;                                                                 \
			return sizeof(lit) - 2;                                                    \
		}                                                                                  \
	} while (0)

	if (end - p < 20)
		return 0;
	switch (*p | 0x20) {
	case 'a':
		KNOWN_HDR("authorization:", HDR_AUTHORIZATION);
		break;
	case 'c':
		KNOWN_HDR("call-id:", HDR_CALL_ID);
		KNOWN_HDR("cseq:", HDR_CSEQ);
		KNOWN_HDR("contact:", HDR_CONTACT);
		KNOWN_HDR("content-length:", HDR_CONTENT_LENGTH);
		KNOWN_HDR("content-type:", HDR_CONTENT_TYPE);
		break;
	case 'e':
		KNOWN_HDR("expires:", HDR_EXPIRES);
		break;
	case 'f':
		KNOWN_HDR("from:", HDR_FROM);
		break;
	case 'i':
		KNOWN_HDR("identity:", HDR_IDENTITY);
		break;
	case 'm':
		KNOWN_HDR("max-forwards:", HDR_MAX_FORWARDS);
		break;
	case 'p':
		KNOWN_HDR("proxy-authorization:", HDR_PROXY_AUTHORIZATION);
		KNOWN_HDR("p-asserted-identity:", HDR_PAI);
		break;
	case 't':
		KNOWN_HDR("to:", HDR_TO);
		break;
	case 'u':
		KNOWN_HDR("user-agent:", HDR_USER_AGENT);
		break;
	case 'v':
		KNOWN_HDR("via:", HDR_VIA);
		break;
	default:
		break;
	}
	return 0;
#undef KNOWN_HDR
}

/*
 * A generic parameter value: quoted-string, or token extended with ':' '[' ']' so that
 * IPv6 addresses in received= and maddr= read as one value. Returns the end of the value
 * (past the closing quote), or NULL if malformed; vb and ve get the value without quotes.
 */
static const char *
param_value(const char *p, const char *e, const char *lim, const char **vb, const char **ve)
{
	if (p < e && *p == '"') {
		bool esc = false;
		const char *q = quoted_end(p, e, lim, &esc);

		if (q == NULL)
			return NULL;
		*vb = p + 1;
		*ve = q;
		return q + 1;
	}
	*vb = p;
	/* CC_HOST adds exactly ':' '[' ']' to the token bytes (its other members are tokens). */
	p = skip_class(p, e, lim, CC_TOKEN | CC_HOST);
	*ve = p;
	return p == *vb ? NULL : p;
}

/*
 * Header parameters ";name[=value]" until e, with LWS around ';' and '='. Calls back for
 * each; returns 0 or -1 on malformed input.
 */
struct param_cb {
	const char *buf;
	const char *lim; /* end of the readable bytes (the datagram) */
	void *arg;
	int (*fn)(void *arg, const char *buf, const char *nb, const char *ne, const char *vb,
		  const char *ve, bool has_value);
	/*
	 * Length of a parameter name the callback reads when it starts at nb, written as usual
	 * (see via_known()), else 0. A name found so needs no scan: the scan for its end is on
	 * the path every later byte of the header waits for.
	 */
	size_t (*known)(const char *nb, const char *e);
};

/* Always inlined: each caller's constant callback is then called directly, or inlined. */
static inline __attribute__((always_inline)) int
parse_params(const char *p, const char *e, const struct param_cb *cb)
{
	for (;;) {
		const char *nb, *ne, *vb = NULL, *ve = NULL;
		bool has_value = false;
		size_t k;

		p = skip_lws(p, e);
		if (p == e)
			return 0;
		if (*p != ';')
			return -1;
		nb = skip_lws(p + 1, e);
		k = cb->known(nb, e);
		ne = k != 0 ? nb + k : skip_token(nb, e, cb->lim);
		if (ne == nb)
			return -1;
		p = skip_lws(ne, e);
		if (p < e && *p == '=') {
			p = param_value(skip_lws(p + 1, e), e, cb->lim, &vb, &ve);
			if (p == NULL)
				return -1;
			has_value = true;
		}
		if (cb->fn(cb->arg, cb->buf, nb, ne, vb, ve, has_value) < 0)
			return -1;
	}
}

static int
via_param(void *arg, const char *buf, const char *nb, const char *ne, const char *vb,
	  const char *ve, bool has_value)
{
	struct ush_sip_via *via = arg;
	size_t n = (size_t)(ne - nb);
	struct ush_sip_span *slot;

	if (n == 6 && ieq(nb, "branch", 6))
		slot = &via->branch;
	else if (n == 8 && ieq(nb, "received", 8))
		slot = &via->received;
	else if (n == 5 && ieq(nb, "rport", 5))
		slot = &via->rport;
	else
		return 0;
	if (ush_sip_span_present(*slot))
		return -1;
	if (has_value)
		*slot = mkspan(buf, vb, ve);
	else if (slot == &via->rport)
		*slot = mkspan(buf, ne, ne); /* bare ";rport": present, empty */
	else
		return -1;
	return 0;
}

/*
 * "branch", "received" and "rport" where they are written as usual: the name, then '=', or
 * for rport also ';' or the end of the value. The name is letters and what follows is neither
 * a token byte nor LWS, so the name is exactly the token skip_token() would find. Reads only
 * [nb, e).
 */
static size_t
via_known(const char *nb, const char *e)
{
	if (e - nb >= 7 && ieq(nb, "branch=", 7))
		return 6;
	if (e - nb == 5 && ieq(nb, "rport", 5))
		return 5;
	if (e - nb >= 6 && (ieq(nb, "rport;", 6) || ieq(nb, "rport=", 6)))
		return 5;
	if (e - nb >= 9 && ieq(nb, "received=", 9))
		return 8;
	return 0;
}

/* One Via value: sent-protocol LWS sent-by *( SEMI via-params ) */
static int
parse_via_value(const char *buf, const char *b, const char *e, const char *lim,
		struct ush_sip_via *via)
{
	const char *p = b, *t, *h;

	memset(via, 0, sizeof(*via));
	via->raw = mkspan(buf, b, e);
	/*
	 * Fast path: "SIP/2.0/" and a UDP, TCP or TLS transport followed by a space, as every
	 * stack writes them. The loop below finds the same three tokens, but with one scan each
	 * on the path that everything after them waits for.
	 */
	if (likely(e - p >= 12 && ieq(p, "sip/2.0/", 8) &&
		   (ieq(p + 8, "udp ", 4) || ieq(p + 8, "tcp ", 4) || ieq(p + 8, "tls ", 4)))) {
		t = p + 11;
		via->transport = mkspan(buf, p + 8, t);
	} else {
		/* protocol-name SLASH protocol-version SLASH transport, LWS allowed around '/' */
		for (int i = 0; i < 3; i++) {
			t = skip_token(p, e, lim);
			if (t == p)
				return -1;
			if (i == 2) {
				via->transport = mkspan(buf, p, t);
				break;
			}
			p = skip_lws(t, e);
			if (p == e || *p != '/')
				return -1;
			p = skip_lws(p + 1, e);
		}
	}
	p = skip_lws(t, e);
	if (p == t)
		return -1;
	h = p;
	p = ush_sip_scan_host(p, e, lim);
	if (p == NULL)
		return -1;
	via->host = mkspan(buf, h, p);
	t = skip_lws(p, e);
	if (t < e && *t == ':') {
		const char *pb = skip_lws(t + 1, e);
		uint64_t port;

		p = pb;
		while (p < e && cc_is((unsigned char)*p, CC_DIGIT))
			p++;
		if (parse_uint(pb, p, 5, &port) < 0 || port == 0 || port > 65535)
			return -1;
		via->port = (uint16_t)port;
		via->port_str = mkspan(buf, pb, p);
	}
	const struct param_cb cb = {buf, lim, via, via_param, via_known};

	return parse_params(p, e, &cb);
}

/* A Via header value: one or more comma-separated via-parm, commas inside quotes ignored. */
static enum ush_sip_err
parse_via(struct ush_sip_msg *msg, const char *buf, const char *b, const char *e,
	  const char *lim)
{
	const char *p = b;
	/*
	 * Commas inside quoted parameter values do not separate values; quotes are rare. One
	 * scan for the first quote or comma: with neither (one value, the usual case), or a comma
	 * and no quote after it, the first comma is known too.
	 */
	const char *qc = find_byte2(b, e, lim, '"', ',');
	bool has_quote = qc != NULL && (*qc == '"' || find_byte(qc, e, lim, '"') != NULL);

	while (p <= e) {
		const char *vb = p, *ve;
		struct ush_sip_via tmp;
		struct ush_sip_via *via = msg->via_count == 0 ? &msg->via_top : &tmp;

		if (has_quote) {
			while (p < e && *p != ',') {
				if (*p == '"') {
					bool esc = false;

					p = quoted_end(p, e, lim, &esc);
					if (p == NULL)
						return USH_SIP_EBAD_VIA;
				}
				p++;
			}
		} else {
			const char *c = p == b ? qc : find_byte(p, e, lim, ',');

			p = c != NULL ? c : e;
		}
		ve = rtrim_lws(vb, p);
		vb = skip_lws(vb, ve);
		if (vb == ve)
			return USH_SIP_EBAD_VIA;
		if (msg->via_count == USH_SIP_MAX_VIA)
			return USH_SIP_ETOO_MANY_VIA;
		if (parse_via_value(buf, vb, ve, lim, via) < 0)
			return USH_SIP_EBAD_VIA;
		msg->via[msg->via_count++] = mkspan(buf, vb, ve);
		p++; /* past the comma, or past e to end the loop */
	}
	return USH_SIP_EOK;
}

static int
nameaddr_param(void *arg, const char *buf, const char *nb, const char *ne, const char *vb,
	       const char *ve, bool has_value)
{
	struct ush_sip_nameaddr *na = arg;

	if (ne - nb != 3 || !ieq(nb, "tag", 3))
		return 0;
	if (!has_value || ush_sip_span_present(na->tag))
		return -1;
	na->tag = mkspan(buf, vb, ve);
	return 0;
}

/* "tag=", as via_known() does for Via. */
static size_t
nameaddr_known(const char *nb, const char *e)
{
	return e - nb >= 4 && ieq(nb, "tag=", 4) ? 3 : 0;
}

/*
 * From / To: ( name-addr / addr-spec ) *( SEMI from-param ).
 * name-addr = [ display-name ] LAQUOT addr-spec RAQUOT. An unquoted display name is read
 * leniently (UTF-8 included: phones send it) as everything before '<', provided no ':' comes
 * first (an addr-spec always has its scheme's ':' before anything else).
 */
static int
parse_nameaddr(const char *buf, const char *b, const char *e, const char *lim,
	       struct ush_sip_nameaddr *na)
{
	const char *p = b, *ub, *ue;

	na->raw = mkspan(buf, b, e);
	if (p == e)
		return -1;
	if (*p == '"') {
		bool esc = false;
		const char *q = quoted_end(p, e, lim, &esc);

		if (q == NULL)
			return -1;
		na->display = mkspan(buf, p, q + 1);
		p = skip_lws(q + 1, e);
		if (p == e || *p != '<')
			return -1;
	} else if (*p != '<') {
		const char *q = find_byte(p, e, lim, '<');

		if (q != NULL && find_byte(p, q, lim, ':') == NULL &&
		    find_byte(p, q, lim, '"') == NULL) {
			na->display = mkspan(buf, p, rtrim_lws(p, q));
			p = q;
		}
	}
	if (*p == '<') {
		const char *gt = find_byte(p, e, lim, '>');

		if (gt == NULL)
			return -1;
		ub = p + 1;
		ue = gt;
		p = gt + 1;
	} else {
		ub = p;
		while (p < e && *p != ';' && !cc_is((unsigned char)*p, CC_LWS))
			p++;
		ue = p;
	}
	if (ush_sip_uri_parse_lim(buf, mkspan(buf, ub, ue), lim, &na->uri) < 0)
		return -1;
	const struct param_cb cb = {buf, lim, na, nameaddr_param, nameaddr_known};

	return parse_params(p, e, &cb);
}

/*
 * Call-ID = word [ "@" word ]. With SSE2, 16 bytes per step: the word class is printable ASCII
 * 0x21-0x7e except # $ & , ; = @ ^ | ('#' '$' adjacent, the rest compared one by one), and
 * '@' is tracked apart: one at most, neither first nor last.
 */
static int
check_call_id(const char *b, const char *e, const char *lim)
{
	const char *p = b, *at = NULL;

	if (b == e)
		return -1;
#ifdef __SSE2__
	for (; p < e && lim - p >= 16; p += 16) {
		__m128i v = load16(p);
		__m128i bad = _mm_cmpeq_epi8(in_range(v, 0x21, 0x7e), _mm_setzero_si128());
		unsigned m, am = mask_eq(v, '@');

		bad = _mm_or_si128(bad, in_range(v, '#', '$'));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(';')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('^')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
		m = (unsigned)_mm_movemask_epi8(bad);
		if (e - p < 16) {
			unsigned keep = (1u << (e - p)) - 1;

			m &= keep;
			am &= keep;
		}
		if (m != 0)
			return -1;
		if (am != 0) {
			if (at != NULL || (am & (am - 1)) != 0)
				return -1;
			at = p + __builtin_ctz(am);
		}
	}
#else
	(void)lim;
#endif
	for (; p < e; p++) {
		if (*p == '@') {
			if (at != NULL)
				return -1;
			at = p;
		} else if (!cc_is((unsigned char)*p, CC_WORD)) {
			return -1;
		}
	}
	if (at != NULL && (at == b || at + 1 == e))
		return -1;
	return 0;
}

/* CSeq = 1*DIGIT LWS Method; the number is below 2^31 (RFC 3261 §8.1.1.5). */
static int
parse_cseq(struct ush_sip_msg *msg, const char *buf, const char *b, const char *e)
{
	const char *p = b, *mb, *me;
	uint64_t v;

	while (p < e && cc_is((unsigned char)*p, CC_DIGIT))
		p++;
	if (parse_uint(b, p, 10, &v) < 0 || v >= (1ull << 31))
		return -1;
	mb = skip_lws(p, e);
	if (mb == p)
		return -1;
	/*
	 * In a request the method is nearly always the request's own, which is a token already
	 * looked up: the same bytes need neither the scan nor the lookup again.
	 */
	if (likely(msg->is_request && e - mb == msg->method_str.len &&
		   eq_bytes(mb, buf + msg->method_str.off, msg->method_str.len))) {
		msg->cseq_method = msg->method;
	} else {
		me = skip_token(mb, e, e);
		if (me == mb || me != e)
			return -1;
		msg->cseq_method = (uint8_t)method_lookup(mb, (size_t)(me - mb));
	}
	msg->cseq = (uint32_t)v;
	msg->cseq_method_str = mkspan(buf, mb, e);
	msg->cseq_raw = mkspan(buf, b, e);
	return 0;
}

/* delta-seconds; RFC 3261 §20.19 caps values above 2^32-1 at that value instead of failing. */
static int
parse_delta(const char *b, const char *e, int64_t *out)
{
	uint64_t v = 0;

	if (b == e)
		return -1;
	for (const char *p = b; p < e; p++) {
		if (!cc_is((unsigned char)*p, CC_DIGIT))
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX + 1ull;
	}
	*out = v > UINT32_MAX ? (int64_t)UINT32_MAX : (int64_t)v;
	return 0;
}

/*
 * End of the first value of a comma-separated header (Contact): commas inside quotes or
 * inside <...> do not separate. An unterminated quote or bracket runs to the end.
 */
static const char *
first_value_end(const char *b, const char *e, const char *lim)
{
	bool in_quote = false, in_angle = false;

	/* Without any comma the loop below runs to e: the usual single Contact skips it. */
	if (find_byte(b, e, lim, ',') == NULL)
		return e;

	for (const char *p = b; p < e; p++) {
		if (in_quote) {
			if (*p == '\\' && p + 1 < e)
				p++;
			else if (*p == '"')
				in_quote = false;
		} else if (*p == '"') {
			in_quote = true;
		} else if (*p == '<') {
			in_angle = true;
		} else if (*p == '>') {
			in_angle = false;
		} else if (*p == ',' && !in_angle) {
			return rtrim_lws(b, p);
		}
	}
	return e;
}

/* Marks a single-valued header as seen; false when it already was. */
static inline bool
first_time(uint32_t *seen, enum hdr_id id)
{
	uint32_t bit = 1u << id;

	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

static enum ush_sip_err
parse_header(struct ush_sip_msg *msg, const char *buf, const char *end, const char *fb,
	     const char *fe, uint32_t *seen)
{
	const char *ne;
	const char *p, *b, *e;
	enum hdr_id id;
	uint64_t v;
	size_t k;

	k = known_hdr(fb, end, &id);
	if (likely(k != 0)) {
		ne = fb + k;
		p = ne;
	} else {
		ne = skip_token(fb, fe, end);
		if (ne == fb)
			return USH_SIP_EBAD_HEADER;
		p = ne;
		/* ne < fe: the field ends at CR or LF, which is not a token byte. */
		if (unlikely(*p != ':')) {
			while (p < fe && (*p == ' ' || *p == '\t'))
				p++;
			if (p == fe || *p != ':')
				return USH_SIP_EBAD_HEADER;
		}
		id = hdr_lookup(fb, (size_t)(ne - fb));
		/* Other headers need only a name and a colon: their value is not read. */
		if (id == HDR_OTHER)
			return USH_SIP_EOK;
	}
	b = skip_lws(p + 1, fe);
	e = rtrim_lws(b, fe);

	switch (id) {
	case HDR_OTHER:
		return USH_SIP_EOK;
	case HDR_VIA:
		if (msg->via_hdr_count < USH_SIP_MAX_VIA) {
			msg->via_hdr[msg->via_hdr_count].name = mkspan(buf, fb, ne);
			msg->via_hdr[msg->via_hdr_count].value = mkspan(buf, b, e);
			msg->via_hdr_count++;
		}
		return parse_via(msg, buf, b, e, end);
	case HDR_CONTACT:
		if (!ush_sip_span_present(msg->contact))
			msg->contact = mkspan(buf, b, first_value_end(b, e, end));
		return USH_SIP_EOK;
	case HDR_USER_AGENT:
		if (!ush_sip_span_present(msg->user_agent))
			msg->user_agent = mkspan(buf, b, e);
		return USH_SIP_EOK;
	case HDR_IDENTITY:
		if (!ush_sip_span_present(msg->identity))
			msg->identity = mkspan(buf, b, e);
		return USH_SIP_EOK;
	case HDR_PAI:
		if (!ush_sip_span_present(msg->pai))
			msg->pai = mkspan(buf, b, e);
		return USH_SIP_EOK;
	case HDR_AUTHORIZATION:
	case HDR_PROXY_AUTHORIZATION:
		if (msg->auth_count == USH_SIP_MAX_AUTH)
			return USH_SIP_ETOO_MANY_AUTH;
		msg->auth[msg->auth_count].value = mkspan(buf, b, e);
		msg->auth[msg->auth_count].kind =
			id == HDR_AUTHORIZATION ? USH_SIP_AUTH_WWW : USH_SIP_AUTH_PROXY;
		msg->auth_count++;
		return USH_SIP_EOK;
	default:
		break;
	}

	/* The rest are single-valued (RFC 4475 §3.1.2.19: two of them is a 400). */
	if (!first_time(seen, id))
		return USH_SIP_EDUP_HEADER;
	switch (id) {
	case HDR_FROM:
		return parse_nameaddr(buf, b, e, end, &msg->from) < 0 ? USH_SIP_EBAD_FROM
									 : USH_SIP_EOK;
	case HDR_TO:
		return parse_nameaddr(buf, b, e, end, &msg->to) < 0 ? USH_SIP_EBAD_TO : USH_SIP_EOK;
	case HDR_CALL_ID:
		if (check_call_id(b, e, end) < 0)
			return USH_SIP_EBAD_CALL_ID;
		msg->call_id = mkspan(buf, b, e);
		return USH_SIP_EOK;
	case HDR_CSEQ:
		return parse_cseq(msg, buf, b, e) < 0 ? USH_SIP_EBAD_CSEQ : USH_SIP_EOK;
	case HDR_MAX_FORWARDS:
		if (parse_uint(b, e, 10, &v) < 0 || v > 255)
			return USH_SIP_EBAD_MAX_FORWARDS;
		msg->max_forwards = (int16_t)v;
		return USH_SIP_EOK;
	case HDR_CONTENT_LENGTH:
		if (parse_uint(b, e, 10, &v) < 0 || v > INT32_MAX)
			return USH_SIP_EBAD_CONTENT_LENGTH;
		msg->content_length = (int32_t)v;
		return USH_SIP_EOK;
	case HDR_CONTENT_TYPE:
		msg->content_type = mkspan(buf, b, e);
		return USH_SIP_EOK;
	case HDR_EXPIRES:
		return parse_delta(b, e, &msg->expires) < 0 ? USH_SIP_EBAD_EXPIRES : USH_SIP_EOK;
	default:
		return USH_SIP_EOK;
	}
}

/* "SIP/2.0"; the version string is case-insensitive (RFC 3261 §7.1). */
static inline bool
is_sip20(const char *b, const char *e)
{
	return e - b == 7 && ieq(b, "sip/2.0", 7);
}

static enum ush_sip_err
parse_status_line(struct ush_sip_msg *msg, const char *buf, const char *b, const char *e)
{
	const char *sp = memchr(b, ' ', (size_t)(e - b));
	uint64_t code;

	if (sp == NULL || !is_sip20(b, sp))
		return USH_SIP_EBAD_VERSION;
	msg->version = mkspan(buf, b, sp);
	if (e - (sp + 1) < 3 || parse_uint(sp + 1, sp + 4, 3, &code) < 0 || code < 100 ||
	    code > 699)
		return USH_SIP_EBAD_STATUS;
	if (sp + 4 < e && sp[4] != ' ')
		return USH_SIP_EBAD_STATUS;
	msg->status = (uint16_t)code;
	msg->reason = sp + 4 < e ? mkspan(buf, sp + 5, e) : mkspan(buf, e, e);
	return USH_SIP_EOK;
}

/* Request-Line = Method SP Request-URI SP SIP-Version, single spaces (RFC 3261 §7.1). */
static enum ush_sip_err
parse_request_line(struct ush_sip_msg *msg, const char *buf, const char *b, const char *e,
		   const char *end)
{
	const char *me = skip_token(b, e, end);
	const char *ub, *vb;

	if (me == b)
		return USH_SIP_EBAD_METHOD;
	if (me == e)
		return USH_SIP_EBAD_START_LINE;
	if (*me != ' ')
		return USH_SIP_EBAD_METHOD;
	msg->is_request = true;
	msg->method_str = mkspan(buf, b, me);
	msg->method = (uint8_t)method_lookup(b, (size_t)(me - b));
	ub = me + 1;
	/* Fast path: " SIP/2.0" ends the line, so the last space is 8 bytes before its end. */
	if (likely(e - ub >= 8 && e[-8] == ' ' && is_sip20(e - 7, e))) {
		vb = e - 7;
	} else {
		vb = e;
		while (vb > ub && vb[-1] != ' ')
			vb--;
	}
	if (vb == ub)
		return USH_SIP_EBAD_START_LINE;
	if (!is_sip20(vb, e))
		return USH_SIP_EBAD_VERSION;
	msg->version = mkspan(buf, vb, e);
	/* Anything but one URI between the two spaces (spaces, "<uri>") fails here. */
	if (ush_sip_uri_parse_lim(buf, mkspan(buf, ub, vb - 1), end, &msg->ruri) < 0)
		return USH_SIP_EBAD_RURI;
	return USH_SIP_EOK;
}

/*
 * Finds the end of the line or header field starting at p: *le gets the first byte of its
 * line end (CR or LF), *next the first byte after it. Folded continuation lines (line end
 * followed by SP or HT) belong to the field. Returns OK, NO_END_OF_HEADERS or BAD_CHAR.
 */
static inline enum ush_sip_err
field_end(const char *p, const char *end, bool fold, const char **le, const char **next)
{
	for (;;) {
		const char *q = next_ctl(p, end);
		const char *nl;

		if (unlikely(q == end))
			return USH_SIP_ENO_END_OF_HEADERS;
		/* CRLF first: it ends nearly every scan, HT and bare LF are the exceptions. */
		if (likely(*q == '\r')) {
			if (unlikely(q + 1 == end))
				return USH_SIP_ENO_END_OF_HEADERS;
			if (unlikely(q[1] != '\n'))
				return USH_SIP_EBAD_CHAR;
			nl = q + 1;
		} else if (*q == '\t') {
			p = q + 1;
			continue;
		} else if (*q == '\n') {
			nl = q; /* bare LF line end: tolerated, as by every deployed stack */
		} else {
			return USH_SIP_EBAD_CHAR;
		}
		if (fold && nl + 1 < end && unlikely(nl[1] == ' ' || nl[1] == '\t')) {
			p = nl + 1;
			continue;
		}
		*le = q;
		*next = nl + 1;
		return USH_SIP_EOK;
	}
}

/*
 * Resets every field of msg but the entries of via[], via_hdr[] and auth[], which are only
 * defined below their counts: those arrays are half the struct, and the whole of it was the
 * single most expensive store of a parse (a rep stos). The three regions around them are
 * cleared with constant sizes, which the compiler turns into a few vector stores. The asserts
 * keep the regions honest when a field is added.
 */
#define MSG_OFF(f) offsetof(struct ush_sip_msg, f)
#define MSG_END(f) (MSG_OFF(f) + sizeof(((struct ush_sip_msg *)0)->f))
static_assert(MSG_OFF(via_hdr) == MSG_END(via) && MSG_OFF(via_count) == MSG_END(via_hdr) &&
		      MSG_OFF(auth_count) == MSG_END(auth) && MSG_OFF(via) >= 16 &&
		      sizeof(struct ush_sip_msg) - MSG_OFF(auth_count) >= 16,
	      "struct ush_sip_msg: via[], via_hdr[] and auth[] moved: update msg_reset()");

/*
 * n zero bytes at p, n >= 16 and constant: 16-byte stores, the last one overlapping the one
 * before it. gcc 12 at -O2 emits memset() of 86 or 150 bytes as rep stos, whose start-up costs
 * more than the stores themselves.
 */
static inline __attribute__((always_inline)) void
zero_bytes(char *p, size_t n)
{
#ifdef __SSE2__
	/* Unrolled, or gcc would turn the loop back into the memset() it replaces. */
#pragma GCC unroll 16
	for (size_t i = 0; i + 16 < n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(p + i), _mm_setzero_si128());
	_mm_storeu_si128((__m128i *)(void *)(p + n - 16), _mm_setzero_si128());
#else
	memset(p, 0, n);
#endif
}

static inline void
msg_reset(struct ush_sip_msg *msg)
{
	char *m = (char *)msg;

	zero_bytes(m, MSG_OFF(via));
	zero_bytes(m + MSG_OFF(via_count), MSG_OFF(auth) - MSG_OFF(via_count));
	zero_bytes(m + MSG_OFF(auth_count), sizeof(*msg) - MSG_OFF(auth_count));
	msg->max_forwards = -1;
	msg->content_length = -1;
	msg->expires = -1;
}

enum ush_sip_err
ush_sip_parse(const char *buf, size_t len, struct ush_sip_msg *msg)
{
	const char *end = buf + len;
	const char *p = buf, *le, *body;
	const char *first_hdr;
	uint32_t seen = 0;
	enum ush_sip_err err;

	msg_reset(msg);

	if (len > USH_SIP_MAX_MSG)
		return USH_SIP_ETOO_BIG;
	/* RFC 3261 §7.5: ignore line ends before the start line (keep-alives). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return USH_SIP_EEMPTY;

	err = field_end(p, end, false, &le, &first_hdr);
	if (err != USH_SIP_EOK)
		return err == USH_SIP_EBAD_CHAR ? USH_SIP_EBAD_START_LINE : err;
	if (le - p > USH_SIP_MAX_LINE)
		return USH_SIP_ELINE_TOO_LONG;
	msg->start_line = mkspan(buf, p, le);
	if (le - p >= 4 && ieq(p, "sip/", 4))
		err = parse_status_line(msg, buf, p, le);
	else
		err = parse_request_line(msg, buf, p, le, end);
	if (err != USH_SIP_EOK)
		return err;

	p = first_hdr;
	for (;;) {
		const char *next;

		if (unlikely(p == end))
			return USH_SIP_ENO_END_OF_HEADERS;
		/* A header name starts with a token byte (> SP): one compare skips what follows. */
		if ((unsigned char)*p > ' ')
			goto field;
		if (*p == '\n' || *p == '\r') {
			if (*p == '\r') {
				if (p + 1 == end)
					return USH_SIP_ENO_END_OF_HEADERS;
				if (p[1] != '\n')
					return USH_SIP_EBAD_CHAR;
				body = p + 2;
			} else {
				body = p + 1;
			}
			break;
		}
		if (*p == ' ' || *p == '\t')
			return USH_SIP_EBAD_HEADER; /* a continuation with nothing to continue */
field:
		if (++msg->hdr_count > USH_SIP_MAX_HEADERS)
			return USH_SIP_ETOO_MANY_HEADERS;
		err = field_end(p, end, true, &le, &next);
		if (err != USH_SIP_EOK)
			return err;
		if (le - p > USH_SIP_MAX_LINE)
			return USH_SIP_ELINE_TOO_LONG;
		err = parse_header(msg, buf, end, p, le, &seen);
		if (err != USH_SIP_EOK)
			return err;
		msg->headers = mkspan(buf, first_hdr, le);
		p = next;
	}

	if (msg->via_count == 0 || !ush_sip_span_present(msg->from.raw) ||
	    !ush_sip_span_present(msg->to.raw) || !ush_sip_span_present(msg->call_id) ||
	    !ush_sip_span_present(msg->cseq_raw))
		return USH_SIP_EMISSING_HEADER;
	if (msg->is_request && (msg->cseq_method_str.len != msg->method_str.len ||
				!eq_bytes(buf + msg->cseq_method_str.off, buf + msg->method_str.off,
					  msg->method_str.len)))
		return USH_SIP_ECSEQ_MISMATCH;

	if (msg->content_length >= 0) {
		if (msg->content_length > end - body)
			return USH_SIP_EBODY_TRUNCATED;
		msg->body = mkspan(buf, body, body + msg->content_length);
	} else {
		msg->body = mkspan(buf, body, end);
	}
	msg->msg_len = (uint16_t)(msg->body.off + msg->body.len);
	return USH_SIP_EOK;
}
