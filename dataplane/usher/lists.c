/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The [lists] block and allow lists: rte_lpm/rte_lpm6 tables built at start, one bulk lookup
 * per burst and address family setting the lanes' USH_AUTH_PKT_BLOCK / ALLOW flags. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>
/* rte_lpm_lookup_bulk_func() sizes a local array by its n argument (DPDK 22.11): our n is at
 * most a burst, so the VLA is bounded; the house's -Wvla is for our own code. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop
#include <rte_lpm6.h>

#include "usher_priv.h"

/* The next hop of a prefix is the lane flag itself: one table answers both lists. */
static_assert(USH_AUTH_PKT_BLOCK < (1u << 24) && USH_AUTH_PKT_ALLOW < (1u << 24),
	      "lane flags must fit rte_lpm's 24-bit next hop");

/*
 * tbl8 groups: a prefix longer than /24 needs at most one in rte_lpm; in rte_lpm6 one per
 * 8 bits past the first 24 (tbl24 covers /24, every tbl8 level 8 more bits).
 */
static uint32_t
tbl8_need(const struct ush_dp_cidr *c)
{
	if (c->depth <= 24)
		return 0;
	return c->af == AF_INET ? 1 : (uint32_t)(c->depth - 24 + 7) / 8;
}

/* rte_lpm names are unique per process: each generation of the lists gets its own */
static unsigned int lists_gen;

int
ush_dp_lists_create(struct ush_dp_lists *l, const struct ush_dp_cidr *v, unsigned int n, int socket,
		    char *err, size_t errlen)
{
	uint32_t t8_4 = 0, t8_6 = 0;
	char name[RTE_LPM_NAMESIZE];
	int rc;

	memset(l, 0, sizeof(*l));
	for (unsigned int i = 0; i < n; i++) {
		if (v[i].af == AF_INET) {
			l->n_v4++;
			t8_4 += tbl8_need(&v[i]);
		} else {
			l->n_v6++;
			t8_6 += tbl8_need(&v[i]);
		}
	}
	if (l->n_v4 > 0) {
		struct rte_lpm_config c = {.max_rules = l->n_v4, .number_tbl8s = RTE_MAX(t8_4, 1u)};

		snprintf(name, sizeof(name), "ush_lists_v4_%u", lists_gen);
		l->v4 = rte_lpm_create(name, socket, &c);
		if (l->v4 == NULL) {
			snprintf(err, errlen,
				 "[lists]: cannot create the IPv4 table (%u prefixes): %s", l->n_v4,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	if (l->n_v6 > 0) {
		struct rte_lpm6_config c = {.max_rules = l->n_v6,
					    .number_tbl8s = RTE_MAX(t8_6, 1u)};

		snprintf(name, sizeof(name), "ush_lists_v6_%u", lists_gen);
		l->v6 = rte_lpm6_create(name, socket, &c);
		if (l->v6 == NULL) {
			snprintf(err, errlen,
				 "[lists]: cannot create the IPv6 table (%u prefixes): %s", l->n_v6,
				 rte_strerror(rte_errno));
			rc = -ENOMEM;
			goto out_free_tables;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct ush_dp_cidr *c = &v[i];

		if (c->af == AF_INET) {
			uint32_t ip;

			memcpy(&ip, c->addr, 4);
			rc = rte_lpm_add(l->v4, rte_be_to_cpu_32(ip), c->depth, c->flag);
		} else {
			rc = rte_lpm6_add(l->v6, c->addr, c->depth, c->flag);
		}
		if (rc < 0) {
			snprintf(err, errlen, "[lists]: adding a /%u prefix failed: %s", c->depth,
				 strerror(-rc));
			goto out_free_tables;
		}
	}
	lists_gen++;
	return 0;

out_free_tables:
	ush_dp_lists_free(l);
	return rc;
}

int
ush_dp_lists_swap(const struct ush_dp_cidr *v, unsigned int n, char *err, size_t errlen)
{
	struct ush_dp_lists *fresh, *old;
	int rc;

	fresh = rte_zmalloc("ush_lists", sizeof(*fresh), RTE_CACHE_LINE_SIZE);
	if (fresh == NULL) {
		snprintf(err, errlen, "[lists]: out of memory");
		return -ENOMEM;
	}
	rc = ush_dp_lists_create(fresh, v, n, (int)rte_socket_id(), err, errlen);
	if (rc < 0) {
		rte_free(fresh);
		return rc;
	}
	/*
	 * Release: a worker that loads the pointer sees built tables. Workers load it once per
	 * burst and report quiescent after the burst: after the grace period, none uses old.
	 */
	old = (struct ush_dp_lists *)(uintptr_t)atomic_exchange_explicit(&ush_dp_sh.lists, fresh,
									 memory_order_release);
	if (old != NULL) {
		if (ush_dp_sh.rcu != NULL)
			rte_rcu_qsbr_synchronize(ush_dp_sh.rcu, RTE_QSBR_THRID_INVALID);
		ush_dp_lists_free(old);
		rte_free(old);
	}
	return 0;
}

void
ush_dp_lists_release(void)
{
	struct ush_dp_lists *l = (struct ush_dp_lists *)(uintptr_t)atomic_exchange_explicit(
		&ush_dp_sh.lists, NULL, memory_order_acquire);

	if (l != NULL) {
		ush_dp_lists_free(l);
		rte_free(l);
	}
}

void
ush_dp_lists_free(struct ush_dp_lists *l)
{
	rte_lpm_free(l->v4);
	rte_lpm6_free(l->v6);
	l->v4 = NULL;
	l->v6 = NULL;
}

void
ush_dp_lists_lookup(const struct ush_dp_lists *l, struct ush_auth_pkt *lanes, unsigned int n)
{
	uint32_t ip4[USH_AUTH_BURST_MAX], hop4[USH_AUTH_BURST_MAX];
	uint8_t ip6[USH_AUTH_BURST_MAX][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hop6[USH_AUTH_BURST_MAX];
	uint8_t at4[USH_AUTH_BURST_MAX], at6[USH_AUTH_BURST_MAX];
	unsigned int n4 = 0, n6 = 0;

	if (l->v4 == NULL && l->v6 == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		const struct ush_auth_pkt *p = &lanes[i];

		if (p->src.af == AF_INET && l->v4 != NULL) {
			uint32_t a;

			memcpy(&a, p->src.addr, 4);
			ip4[n4] = rte_be_to_cpu_32(a);
			at4[n4++] = (uint8_t)i;
		} else if (p->src.af == AF_INET6 && l->v6 != NULL) {
			memcpy(ip6[n6], p->src.addr, RTE_LPM6_IPV6_ADDR_SIZE);
			at6[n6++] = (uint8_t)i;
		}
	}
	if (n4 > 0) {
		rte_lpm_lookup_bulk(l->v4, ip4, hop4, n4);
		for (unsigned int k = 0; k < n4; k++)
			if (hop4[k] & RTE_LPM_LOOKUP_SUCCESS)
				lanes[at4[k]].flags |= (uint8_t)hop4[k];
	}
	if (n6 > 0) {
		rte_lpm6_lookup_bulk_func(l->v6, ip6, hop6, n6);
		for (unsigned int k = 0; k < n6; k++)
			if (hop6[k] >= 0)
				lanes[at6[k]].flags |= (uint8_t)hop6[k];
	}
}
