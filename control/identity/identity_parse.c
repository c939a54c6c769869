/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Identity header and PASSporT parser (RFC 8224 §4, RFC 8225, RFC 8588), TN canonicalisation. */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "usher_b64url.h"
#include "identity_priv.h"
#include "ushd_identity.h"

/* Decoded JSON size limits: SHAKEN headers are ~100 bytes and payloads ~200. */
#define ID_JSON_HDR_MAX	    1024
#define ID_JSON_PAYLOAD_MAX 2048

int
id_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	uint32_t acc = 0;
	unsigned int bits = 0;

	if (len % 4 == 1)
		return -EINVAL;
	if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > outlen)
		return -ENOSPC;
	for (size_t i = 0; i < len; i++) {
		int v = ush_b64url_value[(uint8_t)in[i]];

		if (v == 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(v - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* leftover bits must be zero: otherwise two encodings would decode to the same bytes */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -EINVAL;
	return (int)n;
}

size_t
id_b64url_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		out[o++] = alpha[in[i] >> 2];
		out[o++] = alpha[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = alpha[v >> 10];
		out[o++] = alpha[(v >> 4) & 63];
		out[o++] = alpha[(v & 15) << 2];
	}
	out[o] = '\0';
	return o;
}

static inline bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 3261 token characters. */
static inline bool
is_token(char c)
{
	return isalnum((unsigned char)c) || (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

/* A parameter value: token, quoted string (returned without quotes) or <URI>. */
struct id_param {
	const char *v;
	size_t len;
	bool angle;
};

/*
 * Parse the parameters after the JWS: `*( SWS ";" SWS name [ SWS "=" SWS value ] )` up to end.
 * Fills info/alg/ppt; unknown parameters are skipped after a syntax check; a repeated known
 * parameter is an error (two info= values would let a sender pick which one a peer reads).
 */
static enum ushd_id_reason
parse_params(const char *p, const char *end, struct id_param *info, struct id_param *alg,
	     struct id_param *ppt)
{
	while (p < end) {
		const char *name;
		size_t nlen;
		struct id_param val = {0};
		struct id_param *slot = NULL;

		while (p < end && is_ws(*p))
			p++;
		if (p == end)
			break;
		if (*p++ != ';')
			return USHD_ID_R_HDR_SYNTAX;
		while (p < end && is_ws(*p))
			p++;
		name = p;
		while (p < end && is_token(*p))
			p++;
		nlen = (size_t)(p - name);
		if (nlen == 0)
			return USHD_ID_R_HDR_SYNTAX;
		while (p < end && is_ws(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_ws(*p))
				p++;
			if (p < end && *p == '<') {
				val.v = ++p;
				while (p < end && *p != '>') {
					if ((unsigned char)*p <= ' ' || *p == '<' || *p == '"' ||
					    (unsigned char)*p >= 0x7f)
						return USHD_ID_R_HDR_SYNTAX;
					p++;
				}
				if (p == end)
					return USHD_ID_R_HDR_SYNTAX;
				val.len = (size_t)(p++ - val.v);
				val.angle = true;
			} else if (p < end && *p == '"') {
				val.v = ++p;
				while (p < end && *p != '"') {
					if ((unsigned char)*p < ' ' || *p == '\\' ||
					    (unsigned char)*p >= 0x7f)
						return USHD_ID_R_HDR_SYNTAX;
					p++;
				}
				if (p == end)
					return USHD_ID_R_HDR_SYNTAX;
				val.len = (size_t)(p++ - val.v);
			} else {
				val.v = p;
				while (p < end && is_token(*p))
					p++;
				val.len = (size_t)(p - val.v);
			}
			if (val.len == 0)
				return USHD_ID_R_HDR_SYNTAX;
		}
		if (nlen == 4 && strncasecmp(name, "info", 4) == 0)
			slot = info;
		else if (nlen == 3 && strncasecmp(name, "alg", 3) == 0)
			slot = alg;
		else if (nlen == 3 && strncasecmp(name, "ppt", 3) == 0)
			slot = ppt;
		if (slot != NULL) {
			if (slot->v != NULL || val.v == NULL)
				return USHD_ID_R_HDR_SYNTAX;
			*slot = val;
		}
	}
	return USHD_ID_R_OK;
}

static inline bool
span_is(const struct id_param *p, const char *s)
{
	return p->len == strlen(s) && memcmp(p->v, s, p->len) == 0;
}

/* A claim TN: optional leading '+', then 1..USHD_ID_TN_MAX of [0-9*#]. */
static bool
tn_claim_ok(const json_t *j, char *out)
{
	const char *s;
	size_t len, i = 0;

	if (!json_is_string(j))
		return false;
	s = json_string_value(j);
	len = json_string_length(j);
	if (len == 0 || len > USHD_ID_TN_MAX)
		return false;
	if (s[0] == '+')
		i = 1;
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '*' && s[i] != '#')
			return false;
	memcpy(out, s, len + 1);
	return true;
}

static bool
str_copy(const json_t *j, char *out, size_t max)
{
	size_t len;

	if (!json_is_string(j))
		return false;
	len = json_string_length(j);
	if (len == 0 || len > max || strlen(json_string_value(j)) != len)
		return false;
	memcpy(out, json_string_value(j), len + 1);
	return true;
}

static json_t *
load_segment(const char *b64, size_t len, size_t max)
{
	uint8_t buf[ID_JSON_PAYLOAD_MAX];
	int n;

	if (max > sizeof(buf))
		return NULL;
	n = id_b64url_decode(b64, len, buf, max);
	if (n <= 0)
		return NULL;
	/* a JSON text is an object here; JSON_REJECT_DUPLICATES: {"iat":1,"iat":2} is refused */
	return json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
}

static enum ushd_id_reason
parse_jws_header(const json_t *h, struct ushd_passport *out)
{
	const json_t *alg = json_object_get(h, "alg");
	const json_t *typ = json_object_get(h, "typ");
	const json_t *ppt = json_object_get(h, "ppt");

	if (!json_is_string(alg))
		return USHD_ID_R_JWS_HEADER;
	/* only ES256: never "none", never an HMAC keyed with the public key */
	if (strcmp(json_string_value(alg), "ES256") != 0)
		return USHD_ID_R_ALG_UNSUPPORTED;
	if (!json_is_string(typ) || strcmp(json_string_value(typ), "passport") != 0)
		return USHD_ID_R_JWS_HEADER;
	if (!json_is_string(ppt))
		return USHD_ID_R_JWS_HEADER;
	if (strcmp(json_string_value(ppt), "shaken") != 0)
		return USHD_ID_R_PPT_UNSUPPORTED;
	if (!str_copy(json_object_get(h, "x5u"), out->x5u, USHD_ID_URL_MAX))
		return USHD_ID_R_JWS_HEADER;
	/* RFC 7515 §4.1.11: we understand no extension, so any "crit" must be refused */
	if (json_object_get(h, "crit") != NULL)
		return USHD_ID_R_JWS_HEADER;
	return USHD_ID_R_OK;
}

static enum ushd_id_reason
parse_claims(const json_t *c, struct ushd_passport *out)
{
	const json_t *attest = json_object_get(c, "attest");
	const json_t *orig = json_object_get(c, "orig");
	const json_t *dest = json_object_get(c, "dest");
	const json_t *iat = json_object_get(c, "iat");
	const json_t *tns;
	size_t i;

	if (!json_is_string(attest) || json_string_length(attest) != 1)
		return USHD_ID_R_CLAIMS;
	out->attest = json_string_value(attest)[0];
	if (out->attest < 'A' || out->attest > 'C')
		return USHD_ID_R_CLAIMS;
	if (!json_is_object(orig) || !tn_claim_ok(json_object_get(orig, "tn"), out->orig_tn))
		return USHD_ID_R_CLAIMS;
	if (!json_is_object(dest))
		return USHD_ID_R_CLAIMS;
	tns = json_object_get(dest, "tn");
	if (!json_is_array(tns) || json_array_size(tns) == 0 ||
	    json_array_size(tns) > USHD_ID_DEST_MAX)
		return USHD_ID_R_CLAIMS;
	for (i = 0; i < json_array_size(tns); i++)
		if (!tn_claim_ok(json_array_get(tns, i), out->dest_tn[i]))
			return USHD_ID_R_CLAIMS;
	out->n_dest = (uint8_t)i;
	/* NumericDate as a JSON integer: a string ("1443208345") or a real is refused */
	if (!json_is_integer(iat) || json_integer_value(iat) <= 0)
		return USHD_ID_R_CLAIMS;
	out->iat = (int64_t)json_integer_value(iat);
	if (!str_copy(json_object_get(c, "origid"), out->origid, USHD_ID_ORIGID_MAX))
		return USHD_ID_R_CLAIMS;
	return USHD_ID_R_OK;
}

enum ushd_id_reason
ushd_identity_parse(const char *hdr, size_t len, struct ushd_passport *out)
{
	const char *p = hdr, *end = hdr + len, *tok, *dot1 = NULL, *dot2 = NULL, *tok_end;
	struct id_param info = {0}, alg = {0}, ppt = {0};
	enum ushd_id_reason r;
	json_t *jh = NULL, *jc = NULL;
	int n;

	memset(out, 0, sizeof(*out));
	if (len > USHD_ID_HDR_MAX)
		return USHD_ID_R_HDR_TOO_LONG;
	if (hdr == NULL)
		return USHD_ID_R_HDR_SYNTAX;
	while (p < end && is_ws(*p))
		p++;
	while (end > p && is_ws(end[-1]))
		end--;
	tok = p;
	while (p < end && (ush_b64url_value[(uint8_t)*p] != 0 || *p == '.')) {
		if (*p == '.') {
			if (dot2 != NULL)
				return USHD_ID_R_JWS_SYNTAX;
			if (dot1 != NULL)
				dot2 = p;
			else
				dot1 = p;
		}
		p++;
	}
	tok_end = p;
	if (tok == tok_end)
		return USHD_ID_R_HDR_SYNTAX;
	if (p < end && *p != ';' && !is_ws(*p))
		return USHD_ID_R_JWS_SYNTAX;
	r = parse_params(p, end, &info, &alg, &ppt);
	if (r != USHD_ID_R_OK)
		return r;
	if (dot2 == NULL)
		return USHD_ID_R_JWS_SYNTAX;
	if (dot1 == tok && dot2 == dot1 + 1)
		return USHD_ID_R_COMPACT_FORM;
	if (dot1 == tok || dot2 == dot1 + 1 || dot2 + 1 == tok_end)
		return USHD_ID_R_JWS_SYNTAX;
	if (info.v == NULL)
		return USHD_ID_R_INFO_MISSING;
	if (!info.angle || info.len > USHD_ID_URL_MAX)
		return USHD_ID_R_HDR_SYNTAX;
	/* RFC 8224 §4.1: an absent alg means ES256 */
	if (alg.v != NULL && !span_is(&alg, "ES256"))
		return USHD_ID_R_ALG_UNSUPPORTED;
	/* a SHAKEN PASSporT is an extension, and RFC 8224 §4 then makes ppt mandatory */
	if (ppt.v == NULL || ppt.angle)
		return USHD_ID_R_HDR_SYNTAX;
	if (!span_is(&ppt, "shaken"))
		return USHD_ID_R_PPT_UNSUPPORTED;
	memcpy(out->info, info.v, info.len);
	out->info[info.len] = '\0';

	n = id_b64url_decode(dot2 + 1, (size_t)(tok_end - dot2 - 1), out->sig, sizeof(out->sig));
	if (n != (int)sizeof(out->sig))
		return USHD_ID_R_JWS_SYNTAX; /* also a DER signature (70-72 bytes) */
	if ((size_t)(dot1 - tok) > (ID_JSON_HDR_MAX * 4 + 2) / 3 ||
	    (size_t)(dot2 - dot1 - 1) > (ID_JSON_PAYLOAD_MAX * 4 + 2) / 3)
		return USHD_ID_R_HDR_TOO_LONG;
	jh = load_segment(tok, (size_t)(dot1 - tok), ID_JSON_HDR_MAX);
	if (!json_is_object(jh)) {
		r = USHD_ID_R_JSON_SYNTAX;
		goto out_free;
	}
	jc = load_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1), ID_JSON_PAYLOAD_MAX);
	if (!json_is_object(jc)) {
		r = USHD_ID_R_JSON_SYNTAX;
		goto out_free;
	}
	r = parse_jws_header(jh, out);
	if (r == USHD_ID_R_OK)
		r = parse_claims(jc, out);
	if (r == USHD_ID_R_OK && strcmp(out->info, out->x5u) != 0)
		r = USHD_ID_R_INFO_MISMATCH;
	out->signing_off = (uint16_t)(tok - hdr);
	out->signing_len = (uint16_t)(dot2 - tok);
out_free:
	json_decref(jh);
	json_decref(jc);
	return r;
}

/* The URI of a name-addr (inside <...>) or the value itself. */
static void
uri_of(const char **s, const char **end)
{
	const char *p = *s, *lt = memchr(p, '<', (size_t)(*end - p));

	if (lt != NULL) {
		const char *gt = memchr(lt, '>', (size_t)(*end - lt));

		if (gt != NULL) {
			*s = lt + 1;
			*end = gt;
			return;
		}
	}
	while (p < *end && is_ws(*p))
		p++;
	*s = p;
	while (*end > p && is_ws((*end)[-1]))
		(*end)--;
}

int
ushd_identity_tn_canon(const char *value, size_t len, char *out, size_t outlen)
{
	const char *s = value, *end = value + len, *e;
	size_t n = 0;

	if (value == NULL)
		return -EINVAL;
	uri_of(&s, &end);
	if (end - s >= 4 && strncasecmp(s, "tel:", 4) == 0) {
		s += 4;
	} else if ((end - s >= 4 && strncasecmp(s, "sip:", 4) == 0) ||
		   (end - s >= 5 && strncasecmp(s, "sips:", 5) == 0)) {
		s += s[3] == ':' ? 4 : 5;
		e = memchr(s, '@', (size_t)(end - s));
		if (e == NULL)
			return -EINVAL; /* sip:host has no user, so no number */
		end = e;
	}
	/* RFC 3966 / RFC 4904 parameters (;npdi ;rn= ;phone-context=) follow the number */
	e = memchr(s, ';', (size_t)(end - s));
	if (e != NULL)
		end = e;
	if (s < end && *s == '+')
		s++;
	for (; s < end; s++) {
		char c = *s;

		if (c == '-' || c == '.' || c == '(' || c == ')')
			continue; /* RFC 3966 visual separators */
		if (!isdigit((unsigned char)c) && c != '*' && c != '#')
			return -EINVAL;
		if (n + 1 >= outlen)
			return -ENOSPC;
		out[n++] = c;
	}
	if (n == 0)
		return -EINVAL;
	out[n] = '\0';
	return (int)n;
}
