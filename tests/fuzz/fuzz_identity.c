/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * libFuzzer target: the STIR/SHAKEN Identity header + PASSporT parser (base64url, jansson,
 * claim typing), the From/To telephone-number canonicaliser and the TNAuthList DER walk, all
 * on the same bytes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"
#include "ushd_identity.h"
#include "fuzz_common.h"

static void
check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

/*
 * Random bytes rarely base64url-decode to JSON, so inputs starting with '{' are taken as
 * "header-JSON \n payload-JSON \n parameters" and assembled into an Identity header with a
 * fixed signature: that drives the claim typing behind the decoder.
 */
static size_t
assemble(const uint8_t *data, size_t size, char *out, size_t outlen)
{
	static const uint8_t sig[64] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	const uint8_t *nl1 = memchr(data, '\n', size), *nl2;
	size_t hl, pl, rest, n;

	if (nl1 == NULL)
		return 0;
	nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - data));
	if (nl2 == NULL)
		return 0;
	hl = (size_t)(nl1 - data);
	pl = (size_t)(nl2 - nl1 - 1);
	rest = size - (size_t)(nl2 + 1 - data);
	if ((hl + pl + 64) / 3 * 4 + 16 + rest > outlen)
		return 0;
	n = id_b64url_encode(data, hl, out);
	out[n++] = '.';
	n += id_b64url_encode(nl1 + 1, pl, out + n);
	out[n++] = '.';
	n += id_b64url_encode(sig, sizeof(sig), out + n);
	memcpy(out + n, nl2 + 1, rest);
	return n + rest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char built[3 * USHD_ID_HDR_MAX];
	const char *buf = (const char *)data;
	struct ushd_passport pp;
	struct id_tnauth tn;
	char tnbuf[USHD_ID_TN_MAX + 1];
	enum ushd_id_reason r;
	int n;

	if (size > 0 && data[0] == '{') {
		size_t bl = assemble(data, size, built, sizeof(built));

		if (bl > 0) {
			/* exact-size copy so that ASan sees reads past the end */
			char *copy = malloc(bl);

			if (copy == NULL)
				return 0;
			memcpy(copy, built, bl);
			r = ushd_identity_parse(copy, bl, &pp);
			if (r >= USHD_ID_R_COUNT ||
			    (r == USHD_ID_R_OK && (size_t)pp.signing_off + pp.signing_len > bl))
				abort();
			free(copy);
		}
	}
	r = ushd_identity_parse(buf, size, &pp);

	if (r >= USHD_ID_R_COUNT)
		abort();
	if (r == USHD_ID_R_OK) {
		/* what the verifier then relies on */
		if ((size_t)pp.signing_off + pp.signing_len > size || pp.signing_len == 0 ||
		    memchr(buf + pp.signing_off, '.', pp.signing_len) == NULL)
			abort();
		if (pp.attest < 'A' || pp.attest > 'C' || pp.n_dest == 0 ||
		    pp.n_dest > USHD_ID_DEST_MAX || pp.iat <= 0)
			abort();
		check_str(pp.info, sizeof(pp.info));
		check_str(pp.x5u, sizeof(pp.x5u));
		check_str(pp.orig_tn, sizeof(pp.orig_tn));
		check_str(pp.origid, sizeof(pp.origid));
		if (strcmp(pp.info, pp.x5u) != 0 || pp.orig_tn[0] == '\0' || pp.origid[0] == '\0')
			abort();
		for (unsigned int i = 0; i < pp.n_dest; i++) {
			check_str(pp.dest_tn[i], sizeof(pp.dest_tn[i]));
			/* a claim TN the parser accepted always canonicalises */
			if (ushd_identity_tn_canon(pp.dest_tn[i], strlen(pp.dest_tn[i]), tnbuf,
						   sizeof(tnbuf)) <= 0)
				abort();
		}
	}
	n = ushd_identity_tn_canon(buf, size, tnbuf, sizeof(tnbuf));
	if (n > 0 && ((size_t)n != strlen(tnbuf) || strspn(tnbuf, "0123456789*#") != (size_t)n))
		abort();
	if (id_tnauth_parse(data, size, &tn) == 0) {
		if (tn.n == 0 || tn.n > ID_TNAUTH_MAX)
			abort();
		for (unsigned int i = 0; i < tn.n; i++)
			if (tn.e[i].kind > 2 ||
			    memchr(tn.e[i].tn, '\0', sizeof(tn.e[i].tn)) == NULL)
				abort();
		id_tnauth_covers(&tn, "12025550100");
	}
	return 0;
}
