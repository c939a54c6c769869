/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* DER pieces OpenSSL does not do for us: the TNAuthList walk and the ES256 signature forms. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "identity_priv.h"

/* One DER TLV: single-byte tags only (all we need), definite minimal lengths. */
struct der {
	const uint8_t *p;
	size_t len;
};

static int
der_next(struct der *d, uint8_t *tag, struct der *val)
{
	size_t n, l;

	if (d->len < 2)
		return -EINVAL;
	*tag = d->p[0];
	if ((*tag & 0x1f) == 0x1f)
		return -EINVAL; /* high tag numbers: none in TNAuthList */
	l = d->p[1];
	n = 2;
	if (l & 0x80) {
		size_t nb = l & 0x7f;

		/* DER: long form only when needed, no leading zero, at most 3 length bytes here */
		if (nb == 0 || nb > 3 || d->len < 2 + nb || d->p[2] == 0)
			return -EINVAL;
		l = 0;
		for (size_t i = 0; i < nb; i++)
			l = l << 8 | d->p[2 + i];
		if (l < 0x80)
			return -EINVAL;
		n += nb;
	}
	if (l > d->len - n)
		return -EINVAL;
	val->p = d->p + n;
	val->len = l;
	d->p += n + l;
	d->len -= n + l;
	return 0;
}

/* IA5String holding a TelephoneNumber: SIZE (1..15) FROM ("0123456789#*"). */
static int
der_tn(struct der *d, char out[16])
{
	struct der v;
	uint8_t tag;

	if (der_next(d, &tag, &v) < 0 || tag != 0x16 || v.len == 0 || v.len > 15)
		return -EINVAL;
	for (size_t i = 0; i < v.len; i++)
		if ((v.p[i] < '0' || v.p[i] > '9') && v.p[i] != '#' && v.p[i] != '*')
			return -EINVAL;
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	return 0;
}

int
id_tnauth_parse(const uint8_t *der, size_t len, struct id_tnauth *out)
{
	struct der top = {der, len}, list, entry, inner;
	uint8_t tag;

	memset(out, 0, sizeof(*out));
	if (der_next(&top, &tag, &list) < 0 || tag != 0x30 || top.len != 0 || list.len == 0)
		return -EINVAL;
	while (list.len > 0) {
		struct id_tnentry *e;

		if (der_next(&list, &tag, &entry) < 0)
			return -EINVAL;
		if (out->n == ID_TNAUTH_MAX)
			return -EINVAL;
		e = &out->e[out->n++];
		switch (tag) {
		case 0xa0: { /* spc [0] EXPLICIT IA5String */
			struct der v;
			uint8_t t;

			if (der_next(&entry, &t, &v) < 0 || t != 0x16 || v.len == 0 ||
			    entry.len != 0)
				return -EINVAL;
			for (size_t i = 0; i < v.len; i++)
				if (v.p[i] < 0x20 || v.p[i] > 0x7e)
					return -EINVAL;
			e->kind = 0;
			memcpy(e->tn, v.p, v.len < 15 ? v.len : 15);
			out->has_spc = true;
			break;
		}
		case 0xa1: { /* range [1] EXPLICIT SEQUENCE { start, count INTEGER (2..MAX), ... }
			      */
			struct der v;
			uint8_t t;

			if (der_next(&entry, &t, &inner) < 0 || t != 0x30 || entry.len != 0)
				return -EINVAL;
			if (der_tn(&inner, e->tn) < 0)
				return -EINVAL;
			if (der_next(&inner, &t, &v) < 0 || t != 0x02 || v.len == 0 || v.len > 8)
				return -EINVAL;
			/* minimal and positive: no 0x00 prefix unless the next byte has its top bit
			 */
			if (v.p[0] & 0x80)
				return -EINVAL;
			if (v.len > 1 && v.p[0] == 0 && !(v.p[1] & 0x80))
				return -EINVAL;
			e->count = 0;
			for (size_t i = 0; i < v.len; i++)
				e->count = e->count << 8 | v.p[i];
			if (e->count < 2)
				return -EINVAL;
			/* the extension marker allows later fields: skipped, but still well-formed
			 */
			while (inner.len > 0)
				if (der_next(&inner, &t, &v) < 0)
					return -EINVAL;
			e->kind = 1;
			break;
		}
		case 0xa2: /* one [2] EXPLICIT TelephoneNumber */
			if (der_tn(&entry, e->tn) < 0 || entry.len != 0)
				return -EINVAL;
			e->kind = 2;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

bool
id_tnauth_covers(const struct id_tnauth *t, const char *tn)
{
	size_t tlen = strlen(tn);

	/* an SPC authorises the numbers its holder was assigned, which we cannot look up */
	if (t->has_spc)
		return true;
	for (unsigned int i = 0; i < t->n; i++) {
		const struct id_tnentry *e = &t->e[i];
		uint64_t start = 0, v = 0;
		size_t slen = strlen(e->tn);

		if (e->kind == 2 && strcmp(e->tn, tn) == 0)
			return true;
		if (e->kind != 1 || slen != tlen || strspn(tn, "0123456789") != tlen ||
		    strspn(e->tn, "0123456789") != slen)
			continue;
		for (size_t k = 0; k < slen; k++) {
			start = start * 10 + (uint64_t)(e->tn[k] - '0');
			v = v * 10 + (uint64_t)(tn[k] - '0');
		}
		/* 15 digits < 2^50, so start + count cannot wrap for any count below 2^63 */
		if (v >= start && v - start < e->count)
			return true;
	}
	return false;
}

/* P-256 group order n, and n / 2 (floor), big-endian. */
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
	0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const uint8_t p256_half_n[32] = {
	0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
	0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
};

static bool
is_zero32(const uint8_t *a)
{
	uint8_t acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= a[i];
	return acc == 0;
}

int
id_sig_canonical(const uint8_t sig[64], uint8_t out[64])
{
	const uint8_t *s = sig + 32;

	if (is_zero32(sig) || is_zero32(s) || memcmp(sig, p256_n, 32) >= 0 ||
	    memcmp(s, p256_n, 32) >= 0)
		return -EINVAL;
	memcpy(out, sig, 32);
	if (memcmp(s, p256_half_n, 32) <= 0) {
		memcpy(out + 32, s, 32);
		return 0;
	}
	/* s' = n - s, a 256-bit subtraction; s < n so there is no final borrow */
	unsigned int borrow = 0;

	for (int i = 31; i >= 0; i--) {
		unsigned int d = (unsigned int)p256_n[i] - s[i] - borrow;

		out[32 + i] = (uint8_t)d;
		borrow = (d >> 8) & 1;
	}
	return 0;
}

int
id_sig_to_der(const uint8_t sig[64], uint8_t *der, size_t derlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *p = der;
	int n = -ENOMEM;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto out_free;
	r = s = NULL; /* owned by es now */
	/* two 33-byte INTEGERs (a leading 0x00 when the top bit is set) + headers: <= 72 */
	if (i2d_ECDSA_SIG(es, NULL) > (int)derlen) {
		n = -ENOSPC;
		goto out_free;
	}
	n = i2d_ECDSA_SIG(es, &p);
	if (n <= 0)
		n = -EINVAL;
out_free:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}
