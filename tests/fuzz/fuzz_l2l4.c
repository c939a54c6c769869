/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * libFuzzer target: the DPDK worker's frame parsers (dataplane/usher/l2l4.h) on an Ethernet
 * frame, in an mbuf over a copy of exactly the input's length (so that ASan sees any read
 * past the frame). Ethernet and VLAN tags, then IPv4 or IPv6 with its extension headers, then
 * the UDP header; and plain_udp4(), which must agree with those parsers wherever the frame
 * has its shape (abort otherwise). Needs DPDK's headers only: every function used is inline.
 * The first byte of the input, when there is one, adds to pkt_len as a chained mbuf's would.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "l2l4.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct l3_info lf = {0}, lg = {0};
	struct rte_mbuf m;
	rte_be16_t type = 0;
	enum l3_kind k = L3_BAD;
	uint32_t extra, l2;
	uint8_t *frame;
	int32_t pf, pg = -1;

	if (size < 1 || size > UINT16_MAX)
		return 0;
	extra = data[0] < 0x80 ? 0 : (uint32_t)(data[0] - 0x80) * 16;
	data++, size--;
	frame = malloc(size > 0 ? size : 1);
	if (frame == NULL)
		abort();
	memcpy(frame, data, size);
	memset(&m, 0, sizeof(m));
	m.buf_addr = frame;
	m.data_len = (uint16_t)size;
	m.pkt_len = (uint32_t)size + extra;
	m.nb_segs = 1;

	l2 = l2_parse(&m, &type);
	if (l2 != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		k = parse_ipv4(&m, l2, &lg);
	else if (l2 != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		k = parse_ipv6(&m, l2, &lg);
	if (k == L3_UDP)
		pg = udp_hdr_port(&m, &lg);

	pf = plain_udp4(&m, &lf);
	/* the plain shape: untagged IPv4 without options, whose UDP header the parsers accept */
	if (!(l2 == ETH_LEN && type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && k == L3_UDP &&
	      lg.l3_len == IP_LEN))
		pg = -1;
	if (pf != pg || (pf >= 0 && (lf.l3_len != lg.l3_len || lf.l4_off != lg.l4_off ||
				     lf.end != lg.end)))
		abort();
	free(frame);
	return 0;
}
