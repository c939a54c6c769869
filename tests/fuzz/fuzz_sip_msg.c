/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* libFuzzer target: the SIP message parser, then the credentials parser on every header. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ush_sip.h"
#include "fuzz_common.h"

/* Every present span must lie inside the input: the parser hands out views, never copies. */
static void
check_span(struct ush_sip_span s, size_t size)
{
	if ((size_t)s.off + s.len > size)
		abort();
}

static void
check_uri(const struct ush_sip_uri *u, size_t size)
{
	check_span(u->raw, size);
	check_span(u->scheme, size);
	check_span(u->user, size);
	check_span(u->password, size);
	check_span(u->host, size);
	check_span(u->port_str, size);
	check_span(u->params, size);
	check_span(u->headers, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct ush_sip_msg msg;
	struct ush_sip_cred cred;
	enum ush_sip_err err = ush_sip_parse(buf, size, &msg);

	if (ush_sip_strerror(err) == NULL || ush_sip_errname(err) == NULL)
		abort();
	if (err != USH_SIP_EOK)
		return 0;
	if (msg.msg_len > size || msg.via_count == 0 || msg.via_count > USH_SIP_MAX_VIA)
		abort();
	check_uri(&msg.ruri, size);
	check_uri(&msg.from.uri, size);
	check_uri(&msg.to.uri, size);
	check_span(msg.from.tag, size);
	check_span(msg.to.tag, size);
	check_span(msg.body, size);
	check_span(msg.via_top.branch, size);
	for (unsigned i = 0; i < msg.via_count; i++)
		check_span(msg.via[i], size);
	for (unsigned i = 0; i < msg.auth_count; i++) {
		check_span(msg.auth[i].value, size);
		if (ush_sip_cred_parse(buf, msg.auth[i].value, &cred) == USH_SIP_EOK) {
			char out[256];

			check_span(cred.response, size);
			check_span(cred.username, size);
			if (cred.algo >= USH_ALGO_COUNT)
				abort();
			(void)ush_sip_unescape(buf, cred.username, out, sizeof(out));
		}
	}
	return 0;
}
