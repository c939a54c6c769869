/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* STIR/SHAKEN on the dataplane: Identity pre-check, verdict policy, verstat rewrite. */

#include <errno.h>
#include <string.h>

#include "usher_counters.h"
#include "ush_ident.h"

/* Byte classes of the pre-check: one table load per byte of the JWS. */
enum {
	C_B64 = 1,  /* base64url alphabet */
	C_STOP = 2, /* ';', SP, HT: the JWS ends */
};

static const uint8_t byte_class[256] = {
	['A' ... 'Z'] = C_B64, ['a' ... 'z'] = C_B64, ['0' ... '9'] = C_B64, ['-'] = C_B64,
	['_'] = C_B64,	       [';'] = C_STOP,	      [' '] = C_STOP,	     ['\t'] = C_STOP,
};

static inline char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool
ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != b[i])
			return false;
	return true;
}

enum ush_ident_pre
ush_ident_precheck(const char *v, size_t len)
{
	static const size_t seg_max[3] = {USH_IDENT_B64_HDR_MAX, USH_IDENT_B64_PAYLOAD_MAX,
					  USH_IDENT_B64_SIG_LEN};
	size_t i = 0, seg = 0, seg_len = 0;

	if (len == 0 || len > USH_IDENT_HDR_MAX)
		return len == 0 ? USH_IDENT_PRE_JWS : USH_IDENT_PRE_SIZE;
	/* the JWS: three segments, each a run of the alphabet, '.' between them */
	for (;;) {
		size_t b = i;

		while (i < len && (byte_class[(unsigned char)v[i]] & C_B64))
			i++;
		seg_len = i - b;
		if (seg_len == 0)
			return USH_IDENT_PRE_JWS;
		if (seg_len > seg_max[seg])
			return seg == 2 ? USH_IDENT_PRE_JWS : USH_IDENT_PRE_SIZE;
		if (seg == 2 || i == len || v[i] != '.')
			break;
		seg++;
		i++;
	}
	if (seg != 2 || seg_len != USH_IDENT_B64_SIG_LEN ||
	    (i < len && !(byte_class[(unsigned char)v[i]] & C_STOP)))
		return USH_IDENT_PRE_JWS;
	/* parameters: ";name=value", whitespace allowed around ';' and '=' */
	while (i < len) {
		size_t nb;

		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i == len || v[i] != ';')
			return USH_IDENT_PRE_JWS;
		i++;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		nb = i;
		while (i < len && v[i] != '=' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - nb == 4 && ieq_n(v + nb, "info", 4))
			return USH_IDENT_PRE_OK;
		/* skip the value: a <...> or "..." may hold ';' */
		while (i < len && v[i] != ';') {
			char close = v[i] == '<' ? '>' : v[i] == '"' ? '"' : 0;

			i++;
			if (close != 0) {
				while (i < len && v[i] != close)
					i++;
				if (i < len)
					i++;
			}
		}
	}
	return USH_IDENT_PRE_NO_INFO;
}

uint8_t
ush_ident_pre_verdict(enum ush_ident_pre pre)
{
	return pre == USH_IDENT_PRE_NO_INFO ? USH_CTL_IDV_BAD_INFO : USH_CTL_IDV_INVALID;
}

const char *
ush_ident_pre_reason(enum ush_ident_pre pre)
{
	switch (pre) {
	case USH_IDENT_PRE_OK:
		return "ok";
	case USH_IDENT_PRE_SIZE:
		return "hdr_too_long";
	case USH_IDENT_PRE_NO_INFO:
		return "info_missing";
	default:
		return "jws_syntax";
	}
}

/* "verstat" anywhere in the span, case-insensitively (a parameter name is what it can be). */
static bool
span_has_verstat(const char *buf, struct ush_sip_span v)
{
	const char *p = buf + v.off, *e = p + v.len;

	for (; e - p >= 7; p++)
		if ((*p | 0x20) == 'v' && ieq_n(p, "verstat", 7))
			return true;
	return false;
}

bool
ush_ident_has_verstat(const char *buf, const struct ush_sip_msg *msg)
{
	return span_has_verstat(buf, msg->from.raw) || span_has_verstat(buf, msg->pai);
}

/* The closing '"' of the quoted-string that opens at p, quoted-pairs skipped; e if none. */
static inline const char *
quoted_close(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\' && p + 1 < e)
			p++;
		else if (*p == '"')
			return p;
	}
	return e;
}

struct ush_sip_span
ush_ident_first_value(const char *buf, struct ush_sip_span v)
{
	const char *b = buf + v.off, *e = b + v.len, *p = b;
	bool angle = false;

	for (; p < e; p++) {
		if (*p == '"') {
			p = quoted_close(p, e);
			if (p == e)
				break;
		} else if (*p == '<') {
			angle = true;
		} else if (*p == '>') {
			angle = false;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	while (p > b && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	return (struct ush_sip_span){v.off, (uint16_t)(p - b)};
}

void
ush_ident_decide(const struct ush_ident_conf *conf, uint8_t idv, struct ush_ident_outcome *o)
{
	static const uint16_t code[USH_CTL_IDV_COUNT] = {
		[USH_CTL_IDV_MISSING] = 428,	 [USH_CTL_IDV_BAD_INFO] = 436,
		[USH_CTL_IDV_UNSUPPORTED] = 437, [USH_CTL_IDV_INVALID] = 438,
		[USH_CTL_IDV_STALE] = 403,
	};
	static const uint8_t reject_ctr[USH_CTL_IDV_COUNT] = {
		[USH_CTL_IDV_MISSING] = USH_CTR_ID_REJECT_428,
		[USH_CTL_IDV_BAD_INFO] = USH_CTR_ID_REJECT_436,
		[USH_CTL_IDV_UNSUPPORTED] = USH_CTR_ID_REJECT_437,
		[USH_CTL_IDV_INVALID] = USH_CTR_ID_REJECT_438,
		[USH_CTL_IDV_STALE] = USH_CTR_ID_REJECT_403,
	};

	*o = (struct ush_ident_outcome){0};
	switch (idv) {
	case USH_CTL_IDV_PASSED:
		o->verstat = USH_IDENT_VS_PASSED;
		o->ctr = USH_CTR_ID_FWD_PASSED;
		return;
	case USH_CTL_IDV_MISSING:
		if (!conf->require) {
			/* not required: nothing was checked, and a verstat from outside goes */
			o->verstat = USH_IDENT_VS_NONE;
			o->ctr = USH_CTR_ID_FWD_NO_VALIDATION;
			return;
		}
		/* fall through */
	case USH_CTL_IDV_BAD_INFO:
	case USH_CTL_IDV_UNSUPPORTED:
	case USH_CTL_IDV_INVALID:
	case USH_CTL_IDV_STALE:
		o->code = code[idv];
		if (idv != USH_CTL_IDV_MISSING && conf->policy[idv] == USH_IDENT_MARK) {
			o->verstat = USH_IDENT_VS_FAILED;
			o->ctr = USH_CTR_ID_FWD_FAILED;
			return;
		}
		o->reply = true;
		o->ctr = reject_ctr[idv];
		return;
	default:
		if (conf->unavailable == USH_IDENT_UNAVAIL_FORWARD) {
			o->verstat = USH_IDENT_VS_NONE;
			o->ctr = USH_CTR_ID_FWD_NO_VALIDATION;
			return;
		}
		o->reply = true;
		o->code = conf->unavailable == USH_IDENT_UNAVAIL_503 ? 503 : 500;
		o->ctr = USH_CTR_ID_REJECT_UNAVAILABLE;
		return;
	}
}

const char *
ush_ident_verstat_name(enum ush_ident_verstat vs)
{
	switch (vs) {
	case USH_IDENT_VS_PASSED:
		return "TN-Validation-Passed";
	case USH_IDENT_VS_FAILED:
		return "TN-Validation-Failed";
	default:
		return "No-TN-Validation";
	}
}

/* ---- the rewrite: a sorted list of splices applied in one copy ---- */

#define EDITS_MAX 24

struct edit {
	size_t off; /* in the request */
	size_t del;
	const char *ins;
	size_t ins_len;
};

struct edits {
	struct edit e[EDITS_MAX];
	unsigned int n;
};

static int
edit_add(struct edits *l, size_t off, size_t del, const char *ins, size_t ins_len)
{
	if (l->n == EDITS_MAX)
		return -EINVAL;
	l->e[l->n++] = (struct edit){off, del, ins, ins_len};
	return 0;
}

/*
 * The URI parameters of the URI at [ub, ue): they start at the first ';' after the host
 * (the user part may hold ';', never an unescaped '@') and end at '?' or the URI's end.
 * Each verstat parameter becomes a deletion; *pend is where a new parameter goes.
 */
static int
strip_verstat(const char *buf, size_t ub, size_t ue, struct edits *l, size_t *pend, bool *stripped)
{
	const char *u = buf + ub, *at = memchr(u, '@', ue - ub);
	size_t p = at != NULL ? (size_t)(at - buf) + 1 : ub, end = ue;
	size_t q;

	for (q = p; q < ue; q++)
		if (buf[q] == '?') {
			end = q;
			break;
		}
	while (p < end && buf[p] != ';')
		p++;
	while (p < end) {
		/* p at ';': the parameter runs to the next ';' or the end */
		size_t nb = p + 1, ne, pe = nb;

		while (pe < end && buf[pe] != ';')
			pe++;
		for (ne = nb; ne < pe && buf[ne] != '='; ne++)
			;
		if (ne - nb == 7 && ieq_n(buf + nb, "verstat", 7)) {
			if (edit_add(l, p, pe - p, NULL, 0) < 0)
				return -EINVAL;
			*stripped = true;
		}
		p = pe;
	}
	*pend = end;
	return 0;
}

/* [ub, ue) of the URI in a name-addr or addr-spec value; *angle when in <>. */
static int
value_uri(const char *buf, struct ush_sip_span v, size_t *ub, size_t *ue, bool *angle)
{
	const char *b = buf + v.off, *e = b + v.len, *p;

	for (p = b; p < e; p++) {
		if (*p == '"') {
			p = quoted_close(p, e);
			if (p == e)
				return -EINVAL; /* not terminated */
		} else if (*p == '<') {
			const char *c = memchr(p + 1, '>', (size_t)(e - p - 1));

			if (c == NULL)
				return -EINVAL;
			*ub = (size_t)(p + 1 - buf);
			*ue = (size_t)(c - buf);
			*angle = true;
			return 0;
		}
	}
	if (v.len == 0)
		return -EINVAL;
	*ub = v.off;
	*ue = (size_t)v.off + v.len;
	*angle = false;
	return 0;
}

static size_t
put_u16(char *out, uint16_t v)
{
	char tmp[5];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		out[k++] = tmp[--n];
	return k;
}

int
ush_ident_mark(const char *buf, size_t len, const struct ush_sip_msg *msg,
	       enum ush_ident_verstat vs, uint16_t cause, const char *reason, char *out, size_t cap,
	       bool *stripped)
{
	struct edits l = {.n = 0};
	char vparam[32], rhdr[96];
	size_t ub, ue, pend, vlen, o = 0, at = 0;
	const char *name = ush_ident_verstat_name(vs);
	bool angle, pai = ush_sip_span_present(msg->pai);
	struct ush_sip_span target;

	*stripped = false;
	if (pai) {
		target = ush_ident_first_value(buf, msg->pai);
		if (value_uri(buf, target, &ub, &ue, &angle) < 0)
			return -EINVAL;
		/* the From is not marked, but a verstat in it is someone else's claim */
		if (ush_sip_span_present(msg->from.uri.raw) &&
		    strip_verstat(buf, msg->from.uri.raw.off,
				  (size_t)msg->from.uri.raw.off + msg->from.uri.raw.len, &l, &pend,
				  stripped) < 0)
			return -EINVAL;
	} else {
		target = msg->from.raw;
		if (value_uri(buf, target, &ub, &ue, &angle) < 0)
			return -EINVAL;
		if (!angle) {
			/* addr-spec: the URI ends at the first ';' (its header parameters follow)
			 */
			ub = msg->from.uri.raw.off;
			ue = (size_t)msg->from.uri.raw.off + msg->from.uri.raw.len;
		}
	}
	if (!angle && edit_add(&l, ub, 0, "<", 1) < 0)
		return -EINVAL;
	if (strip_verstat(buf, ub, ue, &l, &pend, stripped) < 0)
		return -EINVAL;
	vlen = (size_t)(stpcpy(stpcpy(vparam, ";verstat="), name) - vparam);
	if (edit_add(&l, pend, 0, vparam, vlen) < 0)
		return -EINVAL;
	if (!angle && edit_add(&l, ue, 0, ">", 1) < 0)
		return -EINVAL;
	if (reason != NULL) {
		size_t rl = strnlen(reason, USH_CTL_VERDICT_REASON_MAX), k;

		k = (size_t)(stpcpy(rhdr, "\r\nReason: STIR;cause=") - rhdr);
		k += put_u16(rhdr + k, cause);
		memcpy(rhdr + k, ";text=\"", 7);
		k += 7;
		memcpy(rhdr + k, reason, rl);
		k += rl;
		rhdr[k++] = '"';
		if (edit_add(&l, (size_t)msg->headers.off + msg->headers.len, 0, rhdr, k) < 0)
			return -EINVAL;
	}
	/* splices sorted by offset (insertion sort: a handful); equal offsets keep their order */
	for (unsigned int i = 1; i < l.n; i++) {
		struct edit x = l.e[i];
		unsigned int j = i;

		for (; j > 0 && l.e[j - 1].off > x.off; j--)
			l.e[j] = l.e[j - 1];
		l.e[j] = x;
	}
	for (unsigned int i = 0; i < l.n; i++) {
		const struct edit *x = &l.e[i];

		if (x->off < at || x->off > len)
			return -EINVAL;
		if (cap - o < x->off - at + x->ins_len)
			return -ENOSPC;
		memcpy(out + o, buf + at, x->off - at);
		o += x->off - at;
		if (x->ins_len > 0)
			memcpy(out + o, x->ins, x->ins_len);
		o += x->ins_len;
		at = x->off + x->del;
	}
	if (at > len || cap - o < len - at)
		return at > len ? -EINVAL : -ENOSPC;
	memcpy(out + o, buf + at, len - at);
	return (int)(o + len - at);
}
