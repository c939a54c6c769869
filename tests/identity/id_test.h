/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * What the verifier's Criterion suites share: the test PKI built by gen_pki.sh (found
 * through USHD_TEST_PKI, set by run_with_pki.sh), the context under test and the
 * service provider's signing key. Each suite includes it once.
 */

#ifndef USHD_ID_TEST_H
#define USHD_ID_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "id_sign.h"
#include "ushd_identity.h"

#define ORIG "12025550100"
#define DEST "12025550199"

static char pki_dir[512];
static struct ushd_identity *id;
static EVP_PKEY *sp_key;
static time_t now;

/* A file of the test PKI; four buffers, so a call may take several at once. */
static const char *
pki(const char *f)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pki_dir, f);
	return buf[i];
}

/* (Re)create the context under test from c. */
static void
open_ctx(const struct ushd_identity_conf *c)
{
	char err[256] = "";

	ushd_identity_free(id);
	id = ushd_identity_create(c, err, sizeof(err));
	cr_assert_not_null(id, "create: %s", err);
}

/* The suite's set-up: where the PKI is, the signing key, the time. */
static void
id_test_setup(void)
{
	const char *d = getenv("USHD_TEST_PKI");

	cr_assert_not_null(d, "run through run_with_pki.sh (USHD_TEST_PKI unset)");
	snprintf(pki_dir, sizeof(pki_dir), "%s", d);
	sp_key = ids_load_key(pki("sp.key"), 0);
	cr_assert_not_null(sp_key);
	now = time(NULL);
}

static void
id_test_teardown(void)
{
	ushd_identity_free(id);
	id = NULL;
	EVP_PKEY_free(sp_key);
	sp_key = NULL;
}

/* A verification's outcome is the expected reason and SIP code. */
static void
expect(struct ushd_identity_result r, enum ushd_id_reason reason, uint16_t code)
{
	cr_assert_eq(r.reason, reason, "reason %s (%s), want %s",
		     ushd_identity_reason_name(r.reason), r.detail,
		     ushd_identity_reason_name(reason));
	cr_assert_eq(r.sip_code, code, "code %u want %u", r.sip_code, code);
}

#endif /* USHD_ID_TEST_H */
