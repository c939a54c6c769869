/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * libFuzzer target: a control-channel byte stream as a server receives it. The input is
 * written into a socket pair in slices whose sizes come from its first byte, and read back
 * with ush_ctl_rx_feed() as usher's and usherd's event loops do; every whole frame is
 * decoded as they would (JSON object for requests and replies, credential records for
 * CREDS, punt and verdict records for PUNT and VERDICT). Properties: no crash or leak, a frame never claims more than the limit, records
 * decoded never point outside their payload.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ush_ctl.h"
#include "fuzz_common.h"

static void
frame(const struct ush_ctl_rx *rx)
{
	char err[128];

	if (rx->hdr.len > USH_CTL_PAYLOAD_MAX)
		abort();
	if (rx->hdr.type == USH_CTL_CREDS) {
		struct ush_ctl_cred c;
		size_t off = 0;
		int rc;

		while ((rc = ush_ctl_cred_next(rx->payload, rx->hdr.len, &off, &c)) == 1) {
			const uint8_t *end = rx->payload + rx->hdr.len;

			if ((const uint8_t *)c.user + c.user_len > end ||
			    (const uint8_t *)c.realm + c.realm_len > end ||
			    (c.ha1 != NULL && c.ha1 + c.ha1_len > end) || off > rx->hdr.len)
				abort();
		}
		return;
	}
	if (rx->hdr.type == USH_CTL_PUNT) {
		const uint8_t *end = rx->payload + rx->hdr.len;
		struct ush_ctl_punt p;
		size_t off = 0;

		while (ush_ctl_punt_next(rx->payload, rx->hdr.len, &off, &p) == 1)
			if ((const uint8_t *)p.identity + p.identity_len > end ||
			    (const uint8_t *)p.to + p.to_len > end || off > rx->hdr.len ||
			    (p.pai == NULL) != (p.pai_len == 0))
				abort();
		return;
	}
	if (rx->hdr.type == USH_CTL_VERDICT) {
		struct ush_ctl_verdict v;
		size_t off = 0;

		while (ush_ctl_verdict_next(rx->payload, rx->hdr.len, &off, &v) == 1)
			if (v.verdict >= USH_CTL_IDV_COUNT ||
			    (const uint8_t *)v.reason + v.reason_len > rx->payload + rx->hdr.len)
				abort();
		return;
	}
	json_t *o = ush_ctl_parse(rx->payload, rx->hdr.len, err, sizeof(err));

	if (o != NULL && !json_is_object(o))
		abort();
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ush_ctl_rx rx = {0};
	size_t slice, off = 1;
	int sv[2], rc = 0;

	if (size < 1 || size > 65536)
		return 0;
	slice = (size_t)data[0] % 64 + 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	while (off < size && rc >= 0) {
		size_t n = size - off < slice ? size - off : slice;

		if (write(sv[0], data + off, n) != (ssize_t)n)
			break;
		off += n;
		while ((rc = ush_ctl_rx_feed(&rx, sv[1])) == 1)
			frame(&rx);
	}
	close(sv[0]);
	if (rc >= 0) {
		while ((rc = ush_ctl_rx_feed(&rx, sv[1])) == 1)
			frame(&rx);
		/* the writer closed: the stream ends, mid-frame or not */
		if (rc != -EPIPE && rc != -EPROTO && rc != -EMSGSIZE)
			abort();
	}
	ush_ctl_rx_free(&rx);
	close(sv[1]);
	return 0;
}
