/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain --config without DPDK: usher's configuration reader needs rte_cfgfile. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "explain_priv.h"

int
ush_explain_conf_load(const char *path, const char *const *overrides, unsigned int n_overrides,
		      struct ush_explain_setup *s, char *err, size_t errlen)
{
	(void)overrides;
	(void)n_overrides;
	memset(s, 0, sizeof(*s));
	snprintf(err, errlen,
		 "%s: --config is not available: usher-explain was built without DPDK "
		 "(-Ddpdk=disabled), and usher.ini is read with DPDK's rte_cfgfile",
		 path);
	return -ENOTSUP;
}
