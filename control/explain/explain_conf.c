/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain --config: usher.ini, credentials and nonce secret read by usher's own code. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain_priv.h"
#include "usher_priv.h"

static int
copy_lists(const struct ush_dp_conf *c, struct ush_explain_setup *s)
{
	if (c->n_cidrs == 0)
		return 0;
	s->prefixes = calloc(c->n_cidrs, sizeof(*s->prefixes));
	if (s->prefixes == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < c->n_cidrs; i++) {
		memcpy(s->prefixes[i].addr, c->cidrs[i].addr, sizeof(s->prefixes[i].addr));
		s->prefixes[i].af = c->cidrs[i].af;
		s->prefixes[i].depth = c->cidrs[i].depth;
		s->prefixes[i].flag = c->cidrs[i].flag;
	}
	s->n_prefixes = c->n_cidrs;
	return 0;
}

int
ush_explain_conf_load(const char *path, const char *const *overrides, unsigned int n_overrides,
		      struct ush_explain_setup *s, char *err, size_t errlen)
{
	static struct ush_dp_conf conf; /* large (paths, lists): not on the stack */
	char msg[USH_DP_PATH_MAX + 64];
	bool loose = false;
	int rc;

	memset(s, 0, sizeof(*s));
	/* usher's own reader applies the overrides: same keys, values and messages as usher */
	rc = ush_dp_conf_load(&conf, path, overrides, n_overrides, err, errlen);
	if (rc < 0)
		return rc;
	s->auth = conf.auth;
	s->nc_table_order = conf.nc_table_order;
	s->guard_table_order = conf.guard_table_order;
	s->passthrough_drop = conf.passthrough == USH_DP_PASS_DROP;
	for (unsigned int i = 0; i < conf.n_sip_ports; i++)
		s->sip_port_map[conf.sip_ports[i] >> 6] |= UINT64_C(1) << (conf.sip_ports[i] & 63);
	rc = copy_lists(&conf, s);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out_free;
	}
	if (conf.nonce_secret_file[0] != '\0') {
		/* Same reader and same message as usher's start-up. */
		rc = ush_dp_secret_load(conf.nonce_secret_file, s->secret, sizeof(s->secret),
					&s->secret_len, &loose, msg, sizeof(msg));
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", conf.nonce_secret_at.where, msg);
			goto out_free;
		}
	}
	rc = ush_dp_creds_load(conf.creds_file, &s->creds, err, errlen);
out_free:
	ush_dp_conf_free(&conf);
	if (rc < 0)
		ush_explain_setup_free(s);
	return rc;
}
