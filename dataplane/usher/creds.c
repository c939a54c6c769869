/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The RCU-protected credentials table swap, and the nonce secret file with its warning. */

#include <stdbool.h>

#include <rte_rcu_qsbr.h>

#include "usher_priv.h"

int
ush_dp_creds_swap(struct ush_credtab *fresh)
{
	const struct ush_credtab *old;

	/*
	 * Release: a worker that loads the new pointer sees the finished table. Workers load
	 * the pointer once per burst and report quiescent after it, so once every worker has
	 * reported after the exchange, none can still hold the old one.
	 */
	old = atomic_exchange_explicit(&ush_dp_sh.auth.creds, fresh, memory_order_release);
	if (ush_dp_sh.rcu != NULL)
		rte_rcu_qsbr_synchronize(ush_dp_sh.rcu, RTE_QSBR_THRID_INVALID);
	/* the table is never written once published: freeing drops the const */
	ush_credtab_free((struct ush_credtab *)(uintptr_t)old);
	return 0;
}

int
ush_dp_secret_read(const char *path, uint8_t *buf, size_t cap, size_t *len, char *err,
		   size_t errlen)
{
	bool loose = false;
	int rc;

	rc = ush_dp_secret_load(path, buf, cap, len, &loose, err, errlen);
	if (loose)
		USH_DP_LOG(WARNING,
			   "%s: nonce secret file is readable by group or others "
			   "(chmod 600)",
			   path);
	return rc;
}
