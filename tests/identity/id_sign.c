/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Test-only PASSporT signer (see id_sign.h). */

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "id_sign.h"

size_t
ids_b64url(const uint8_t *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (int i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return (size_t)n;
}

EVP_PKEY *
ids_load_key(const char *path, int pub)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = pub ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

int
ids_sign_raw(EVP_PKEY *k, const char *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t dl = sizeof(der);
	ECDSA_SIG *es = NULL;
	int rc = -1;

	if (m == NULL || EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(m, der, &dl, (const unsigned char *)msg, len) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(m);
	return rc;
}

int
ids_make(EVP_PKEY *k, const char *hdr_json, const char *payload_json, const char *params, char *out,
	 size_t outlen)
{
	char h[2048], p[4096], s[100];
	uint8_t sig[64];
	size_t hl, pl;
	int n;

	if (strlen(hdr_json) > 1500 || strlen(payload_json) > 3000)
		return -1;
	hl = ids_b64url((const uint8_t *)hdr_json, strlen(hdr_json), h);
	pl = ids_b64url((const uint8_t *)payload_json, strlen(payload_json), p);
	n = snprintf(out, outlen, "%s.%s", h, p);
	if (n < 0 || (size_t)n >= outlen || ids_sign_raw(k, out, hl + 1 + pl, sig) < 0)
		return -1;
	ids_b64url(sig, sizeof(sig), s);
	n = snprintf(out + n, outlen - (size_t)n, ".%s%s", s, params);
	return n < 0 || (size_t)n >= outlen - hl - pl - 1 ? -1 : 0;
}

int
ids_shaken(EVP_PKEY *k, const char *x5u, const char *orig, const char *dest, long long iat,
	   char attest, char *out, size_t outlen)
{
	char h[1024], p[1024], params[700];

	snprintf(h, sizeof(h),
		 "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"%s\"}", x5u);
	snprintf(p, sizeof(p),
		 "{\"attest\":\"%c\",\"dest\":{\"tn\":[\"%s\"]},\"iat\":%lld,\"orig\":{\"tn\":\"%"
		 "s\"},"
		 "\"origid\":\"123e4567-e89b-12d3-a456-426655440000\"}",
		 attest, dest, iat, orig);
	snprintf(params, sizeof(params), ";info=<%s>;alg=ES256;ppt=shaken", x5u);
	return ids_make(k, h, p, params, out, outlen);
}
