/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Cross-check with an independent implementation, libsecsipid (Debian libsecsipid-dev, Go):
 * its Identity headers verify with ours, ours verify with it, and a corrupted header fails
 * in both. Plain main: libsecsipid starts Go's runtime threads at load, which a fork per
 * test (Criterion) would not survive. Run through run_with_pki.sh.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <secsipid.h>

#include "id_sign.h"
#include "ushd_identity.h"

#define X5U "https://cert.example.test/sp.pem"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static struct ushd_identity_result
ours(struct ushd_identity *id, const char *hdr)
{
	struct ushd_identity_req req = {
		.identity = hdr, .from = "sip:+12025550100@a.example", .to = "tel:+12025550199"};
	struct ushd_identity_result res;

	ushd_identity_verify(id, &req, &res);
	return res;
}

int
main(void)
{
	const char *dir = getenv("USHD_TEST_PKI");
	char keypath[1024], pubpath[1024], err[256] = "", hdr[USHD_ID_HDR_MAX];
	struct ushd_identity_conf c;
	struct ushd_identity *id;
	struct ushd_identity_result r;
	char *theirs = NULL, *pub;
	EVP_PKEY *k;
	int n;

	if (dir == NULL) {
		fprintf(stderr, "USHD_TEST_PKI unset: run through run_with_pki.sh\n");
		return 1;
	}
	snprintf(keypath, sizeof(keypath), "%s/sp.key", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/sp.pub", dir);
	ushd_identity_conf_defaults(&c);
	snprintf(c.ca_file, sizeof(c.ca_file), "%s/root.pem", dir);
	snprintf(c.crl_dir, sizeof(c.crl_dir), "%s/crl", dir);
	snprintf(c.repo_dir, sizeof(c.repo_dir), "%s/repo", dir);
	id = ushd_identity_create(&c, err, sizeof(err));
	if (id == NULL) {
		fprintf(stderr, "create: %s\n", err);
		return 1;
	}

	/* 1. libsecsipid signs, we verify (chain, TNAuthList, ES256, iat, TNs) */
	/* its API takes char *, not const char *: hand it writable copies */
	char orig[] = "12025550100", dest[] = "12025550199", att[] = "A", oid[] = "", x5u[] = X5U;

	n = SecSIPIDGetIdentity(orig, dest, att, oid, x5u, keypath, &theirs);
	CHECK(n > 0 && theirs != NULL, "SecSIPIDGetIdentity returned %d", n);
	if (n > 0) {
		printf("libsecsipid: %.*s...\n", 60, theirs);
		r = ours(id, theirs);
		CHECK(r.reason == USHD_ID_R_OK, "ours on libsecsipid's header: %s (%s)",
		      ushd_identity_reason_name(r.reason), r.detail);
		CHECK(r.attest == 'A', "attest %c", r.attest ? r.attest : '0');
		/* and libsecsipid agrees with itself, so the key file is what we think it is */
		pub = slurp(pubpath);
		CHECK(pub != NULL && SecSIPIDCheckFullPubKey(theirs, 0, 60, pub, 0) == 0,
		      "libsecsipid on its own header");
		/* a corrupted signature from it fails with us */
		char *sig = strchr(strchr(theirs, '.') + 1, '.') + 5;

		*sig = *sig == 'A' ? 'B' : 'A';
		r = ours(id, theirs);
		CHECK(r.reason == USHD_ID_R_SIG_INVALID, "corrupted libsecsipid header: %s",
		      ushd_identity_reason_name(r.reason));
		free(theirs);
	}

	/* 2. we sign (our test signer), libsecsipid verifies, and so do we */
	k = ids_load_key(keypath, 0);
	CHECK(k != NULL, "key %s", keypath);
	CHECK(ids_shaken(k, X5U, "12025550100", "12025550199", time(NULL), 'B', hdr, sizeof(hdr)) ==
		      0,
	      "sign");
	pub = slurp(pubpath);
	CHECK(pub != NULL, "%s", pubpath);
	n = SecSIPIDCheckFullPubKey(hdr, 0, 60, pub, 0);
	CHECK(n == 0, "libsecsipid on our header: %d", n);
	r = ours(id, hdr);
	CHECK(r.reason == USHD_ID_R_OK, "ours on our header: %s",
	      ushd_identity_reason_name(r.reason));

	/* 3. a header both must refuse: our signature corrupted */
	char *s = strchr(strchr(hdr, '.') + 1, '.') + 7;

	*s = *s == 'A' ? 'B' : 'A';
	pub = slurp(pubpath);
	n = SecSIPIDCheckFullPubKey(hdr, 0, 60, pub, 0);
	CHECK(n < 0, "libsecsipid accepted a corrupted signature");
	r = ours(id, hdr);
	CHECK(r.reason == USHD_ID_R_SIG_INVALID, "ours: %s", ushd_identity_reason_name(r.reason));

	/* 4. a stale header: both refuse (libsecsipid's expire = 60 s like our window) */
	CHECK(ids_shaken(k, X5U, "12025550100", "12025550199", time(NULL) - 120, 'A', hdr,
			 sizeof(hdr)) == 0,
	      "sign");
	n = SecSIPIDCheckFullPubKey(hdr, 0, 60, pub, 0);
	CHECK(n < 0, "libsecsipid accepted a 120 s old iat");
	r = ours(id, hdr);
	CHECK(r.reason == USHD_ID_R_IAT_STALE, "ours: %s", ushd_identity_reason_name(r.reason));

	EVP_PKEY_free(k);
	ushd_identity_free(id);
	printf("identity_secsipid: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
	return failures ? 1 : 0;
}
