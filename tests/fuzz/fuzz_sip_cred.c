/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* libFuzzer target: the digest credentials parser alone, on an Authorization header value. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ush_sip.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct ush_sip_cred cred;
	struct ush_sip_span value;
	char out[512];
	enum ush_sip_err err;

	if (size > USH_SIP_MAX_LINE)
		return 0;
	value.off = 0;
	value.len = (uint16_t)size;
	err = ush_sip_cred_parse(buf, value, &cred);
	if (err != USH_SIP_EOK)
		return 0;
	if ((size_t)cred.response.off + cred.response.len > size ||
	    (size_t)cred.nonce.off + cred.nonce.len > size || cred.algo >= USH_ALGO_COUNT ||
	    cred.qop_id > USH_QOP_UNKNOWN)
		abort();
	/* A valid nc is 8 hex digits; the parser must never accept anything else. */
	if (ush_sip_span_present(cred.nc) && cred.nc.len != 8)
		abort();
	if (ush_sip_unescape(buf, cred.nonce, out, sizeof(out)) > (int)cred.nonce.len)
		abort();
	return 0;
}
