/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * id-sign: prints a SHAKEN Identity header value signed by the test signer (id_sign.c), for
 * the dataplane tests that put PASSporTs in captures.
 *
 *   id-sign KEY.pem X5U ORIG_TN DEST_TN IAT [ATTEST]
 */

#include <stdio.h>
#include <stdlib.h>

#include "id_sign.h"

int
main(int argc, char **argv)
{
	static char out[8192];
	EVP_PKEY *k;
	char *end;
	long long iat;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: id-sign KEY.pem X5U ORIG_TN DEST_TN IAT [A|B|C]\n");
		return 2;
	}
	iat = strtoll(argv[5], &end, 10);
	if (*end != '\0' || iat <= 0) {
		fprintf(stderr, "id-sign: IAT '%s' is not a positive number\n", argv[5]);
		return 2;
	}
	k = ids_load_key(argv[1], 0);
	if (k == NULL) {
		fprintf(stderr, "id-sign: %s: cannot read a private key\n", argv[1]);
		return 1;
	}
	if (ids_shaken(k, argv[2], argv[3], argv[4], iat, argc == 7 ? argv[6][0] : 'A', out,
		       sizeof(out)) < 0) {
		fprintf(stderr, "id-sign: signing failed\n");
		EVP_PKEY_free(k);
		return 1;
	}
	EVP_PKEY_free(k);
	puts(out);
	return 0;
}
