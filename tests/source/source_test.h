/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Helpers the credential source tests share: each test file includes this once. */

#ifndef USHD_SOURCE_TEST_H
#define USHD_SOURCE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ushd_source.h"

/* A subscriber whose HA1s (the hashes of mask) are known but not its password. */
static inline struct ushd_cred
cred_of(const char *user, const char *realm, unsigned int mask, const char *pass)
{
	struct ushd_cred c;

	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "%s", user);
	snprintf(c.realm, sizeof(c.realm), "%s", realm);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		if (!(mask & (1u << h)))
			continue;
		cr_assert_eq(ushd_ha1(h, user, realm, pass, c.ha1[h]), 0);
		c.have |= (uint8_t)(1u << h);
	}
	return c;
}

/* (user, realm) in set, or NULL. */
static inline const struct ushd_cred *
cred_find(const struct ushd_credset *set, const char *user, const char *realm)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].user, user) == 0 && strcmp(set->v[i].realm, realm) == 0)
			return &set->v[i];
	return NULL;
}

/* (user, realm) in set, which a load must have given. */
static inline const struct ushd_cred *
cred_loaded(const struct ushd_credset *set, const char *user, const char *realm)
{
	const struct ushd_cred *c = cred_find(set, user, realm);

	if (c == NULL)
		cr_assert_fail("%s@%s not loaded", user, realm);
	return c;
}

/* The HA1 of hash h in c is H(user:realm:pass). */
static inline void
expect_ha1(const struct ushd_cred *c, enum ush_hash h, const char *pass)
{
	uint8_t want[32];

	cr_assert(c->have & (1u << h), "%s: no hash %d", c->user, h);
	cr_assert_eq(ushd_ha1(h, c->user, c->realm, pass, want), 0);
	cr_assert_arr_eq(c->ha1[h], want, ush_hash_len(h), "%s hash %d", c->user, h);
}

#endif /* USHD_SOURCE_TEST_H */
