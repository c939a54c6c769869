/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Digest credentials parser (RFC 7616 §3.4, RFC 3261 §25 "credentials") and algorithm names. */

#include <errno.h>
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

enum ush_algo
ush_algo_from_token(const char *s, size_t len)
{
	for (unsigned a = 0; a < USH_ALGO_UNKNOWN; a++) {
		const char *name = algo_names[a];
		size_t n = strlen(name);
		size_t i;

		if (n != len)
			continue;
		for (i = 0; i < n && ascii_lower(s[i]) == ascii_lower(name[i]); i++)
			;
		if (i == n)
			return (enum ush_algo)a;
	}
	return USH_ALGO_UNKNOWN;
}

/* Known parameters, in the order of struct ush_sip_cred's spans and USH_SIP_CRED_F_* bits. */
static const struct {
	const char *name;
	uint8_t len;
} cred_params[] = {
	{"username", 8}, {"realm", 5},     {"nonce", 5}, {"uri", 3},  {"response", 8},
	{"algorithm", 9}, {"cnonce", 6},   {"opaque", 6}, {"qop", 3}, {"nc", 2},
	{"userhash", 8},
};

#define CRED_NPARAMS (sizeof(cred_params) / sizeof(cred_params[0]))

static struct ush_sip_span *
cred_slot(struct ush_sip_cred *cred, unsigned i)
{
	struct ush_sip_span *slots[CRED_NPARAMS] = {
		&cred->username, &cred->realm,     &cred->nonce,  &cred->uri,
		&cred->response, &cred->algorithm, &cred->cnonce, &cred->opaque,
		&cred->qop,      &cred->nc,        &cred->userhash,
	};

	return slots[i];
}

static int
cred_lookup(const char *n, size_t len)
{
	for (unsigned i = 0; i < CRED_NPARAMS; i++)
		if (cred_params[i].len == len && ieq(n, cred_params[i].name, len))
			return (int)i;
	return -1;
}

static bool
all_hex(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!cc_is((unsigned char)b[i], CC_HEX))
			return false;
	return true;
}

static bool
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

	cred->algo = ush_sip_span_present(cred->algorithm)
			     ? (uint8_t)ush_algo_from_token(buf + cred->algorithm.off,
							    cred->algorithm.len)
			     : USH_ALGO_MD5;

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
		const char *p = buf + cred->nc.off;
		uint32_t v = 0;

		if (cred->nc.len != 8 || !all_hex(p, 8))
			return USH_SIP_ECRED_NC;
		for (int i = 0; i < 8; i++) {
			unsigned char c = (unsigned char)p[i];

			v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		cred->nc_value = v;
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

enum ush_sip_err
ush_sip_cred_parse(const char *buf, struct ush_sip_span value, struct ush_sip_cred *cred)
{
	const char *p = buf + value.off;
	const char *e = p + value.len;
	const char *t;
	unsigned nparams = 0;

	memset(cred, 0, sizeof(*cred));
	p = skip_lws(p, e);
	t = skip_token(p, e, e);
	if (t - p != 6 || !ieq(p, "digest", 6))
		return USH_SIP_ECRED_SCHEME;
	p = skip_lws(t, e);
	if (p == t)
		return USH_SIP_ECRED_SYNTAX;

	for (;;) {
		const char *nb, *ne, *vb, *ve;
		bool escaped = false;
		int idx;

		/* #rule: empty elements between commas are allowed */
		while (p < e && (*p == ',' || cc_is((unsigned char)*p, CC_LWS)))
			p++;
		if (p == e)
			break;
		nb = p;
		ne = skip_token(nb, e, e);
		if (ne == nb)
			return USH_SIP_ECRED_SYNTAX;
		p = skip_lws(ne, e);
		if (p == e || *p != '=')
			return USH_SIP_ECRED_SYNTAX;
		p = skip_lws(p + 1, e);
		if (p < e && *p == '"') {
			const char *q = quoted_end(p, e, e, &escaped);

			if (q == NULL)
				return USH_SIP_ECRED_QUOTE;
			vb = p + 1;
			ve = q;
			p = q + 1;
		} else {
			/* Unquoted: a token, leniently any visible ASCII but ',' and '"' (some
			 * phones send uri= or nonce= unquoted). */
			vb = p;
			while (p < e && *p != ',' && *p != '"' && (unsigned char)*p > 0x20 &&
			       (unsigned char)*p < 0x7f)
				p++;
			ve = p;
			if (ve == vb)
				return USH_SIP_ECRED_SYNTAX;
		}
		if (++nparams > USH_SIP_MAX_PARAMS)
			return USH_SIP_ECRED_TOO_MANY_PARAMS;
		idx = cred_lookup(nb, (size_t)(ne - nb));
		if (idx < 0) {
			cred->unknown_params++;
		} else {
			struct ush_sip_span *slot = cred_slot(cred, (unsigned)idx);

			if (ush_sip_span_present(*slot))
				return USH_SIP_ECRED_DUP_PARAM;
			*slot = mkspan(buf, vb, ve);
			/* An empty quoted value at an offset of 0 cannot happen: a name precedes it. */
			if (escaped)
				cred->escaped |= (uint16_t)(1u << idx);
		}
		p = skip_lws(p, e);
		if (p < e && *p != ',')
			return USH_SIP_ECRED_SYNTAX;
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
