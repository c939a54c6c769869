/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * The worker's frame parsers: Ethernet and VLAN tags, IPv4, IPv6 with its extension headers,
 * the UDP header, and plain_udp4(), the one-look check of the common shape. Pure functions of
 * one mbuf (no EAL, no worker state), in a header so that tests/dataplane/test_l2l4.c can
 * hold plain_udp4() to the general parsers. worker.c adds fragments and the verdicts.
 */

#ifndef USHER_L2L4_H
#define USHER_L2L4_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define ETH_LEN	 ((uint32_t)sizeof(struct rte_ether_hdr))
#define VLAN_LEN ((uint32_t)sizeof(struct rte_vlan_hdr))
#define IP_LEN	 ((uint32_t)sizeof(struct rte_ipv4_hdr))
#define IP6_LEN	 ((uint32_t)sizeof(struct rte_ipv6_hdr))
#define FH6_LEN	 ((uint32_t)sizeof(struct rte_ipv6_fragment_ext))
#define UDP_LEN	 ((uint32_t)sizeof(struct rte_udp_hdr))
/* 802.1Q/802.1ad tags parsed (QinQ); a third tag is passed through, unparsed */
#define VLAN_MAX 2
/* IPv6 extension headers skipped before giving up (hop-by-hop, routing, destination options) */
#define IP6_EXT_MAX 8

/* What the L3 parse found. */
enum l3_kind {
	L3_UDP = 0, /* UDP at l3_info.l4_off, not a fragment */
	L3_OTHER,   /* another upper-layer protocol: pass-through policy */
	L3_FRAG,    /* a fragment of a UDP datagram (or of one that may be) */
	L3_BAD,	    /* header inconsistent with the frame */
	L3_EXT,	    /* IPv6 extension header we do not skip */
};

struct l3_info {
	uint32_t l3_len; /* IPv4 header, or IPv6 header + fragment header */
	uint32_t l4_off; /* from the frame start */
	uint32_t end;	 /* end of the datagram from the frame start (Ethernet padding after) */
};

static inline bool
is_vlan_tpid(rte_be16_t t)
{
	return t == RTE_BE16(RTE_ETHER_TYPE_VLAN) || t == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	       t == RTE_BE16(RTE_ETHER_TYPE_QINQ1);
}

/*
 * Ethernet header and up to VLAN_MAX 802.1Q/802.1ad tags, all in the first segment. Returns
 * the L2 length with *type the EtherType after the tags, or 0 (runt, or a third tag).
 */
static inline uint32_t
l2_parse(const struct rte_mbuf *m, rte_be16_t *type)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off = 2 * RTE_ETHER_ADDR_LEN;

	for (unsigned int tags = 0;; tags++) {
		if (unlikely(m->data_len < off + 2))
			return 0;
		memcpy(type, p + off, sizeof(*type));
		if (likely(!is_vlan_tpid(*type)))
			return off + 2;
		if (tags == VLAN_MAX)
			return 0;
		off += VLAN_LEN;
	}
}

static inline enum l3_kind
parse_ipv4(const struct rte_mbuf *m, uint32_t l2, struct l3_info *l)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);
	uint32_t ihl, tot;

	if (unlikely(m->data_len < l2 + IP_LEN))
		return L3_BAD;
	ihl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	tot = rte_be_to_cpu_16(ip->total_length);
	/* frames may carry Ethernet padding after the datagram, never less than it */
	if (unlikely((ip->version_ihl >> 4) != 4 || ihl < IP_LEN || tot < ihl ||
		     tot > m->pkt_len - l2 || m->data_len < l2 + ihl))
		return L3_BAD;
	l->l3_len = ihl;
	l->l4_off = l2 + ihl;
	l->end = l2 + tot;
	if (ip->next_proto_id != IPPROTO_UDP)
		return L3_OTHER;
	if (unlikely((ip->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0))
		return L3_FRAG;
	return L3_UDP;
}

/* IANA "IPv6 Extension Header Types" that are not walked: AH, Mobility, HIP, Shim6, tests. */
static inline bool
ip6_ext_unsupported(uint8_t nh)
{
	return nh == IPPROTO_AH || nh == 135 || nh == 139 || nh == 140 || nh == 253 || nh == 254;
}

static inline bool
ip6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS || ip6_ext_unsupported(nh);
}

/*
 * IPv6 header and extension headers (all in the first segment, as RFC 7112 wants of a first
 * fragment). ESP and every other upper-layer protocol but UDP follow the pass-through policy,
 * as for IPv4.
 */
static inline enum l3_kind
parse_ipv6(const struct rte_mbuf *m, uint32_t l2, struct l3_info *l)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(p + l2);
	uint32_t plen, off, end;
	uint8_t nh;

	if (unlikely(m->data_len < l2 + IP6_LEN))
		return L3_BAD;
	plen = rte_be_to_cpu_16(ip6->payload_len);
	/* payload length 0 announces a jumbogram (RFC 2675): not on Ethernet */
	if (unlikely((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 || plen == 0 ||
		     plen > m->pkt_len - l2 - IP6_LEN))
		return L3_BAD;
	off = l2 + IP6_LEN;
	end = off + plen;
	nh = ip6->proto;
	l->end = end;
	for (unsigned int k = 0; k <= IP6_EXT_MAX; k++) {
		const uint8_t *h = p + off;

		switch (nh) {
		case IPPROTO_UDP:
			l->l3_len = off - l2;
			l->l4_off = off;
			return L3_UDP;
		case IPPROTO_HOPOPTS:
			/* only right after the IPv6 header (RFC 8200 §4.1) */
			if (unlikely(off != l2 + IP6_LEN))
				return L3_BAD;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (unlikely(off + 8 > end || off + 8 > m->data_len))
				return L3_BAD;
			nh = h[0];
			off += ((uint32_t)h[1] + 1) * 8;
			if (unlikely(off > end || off > m->data_len))
				return L3_BAD;
			continue;
		case IPPROTO_FRAGMENT:
			/* rte_ip_frag (22.11) wants the fragment header right after the IPv6 one */
			if (off != l2 + IP6_LEN)
				return L3_EXT;
			if (unlikely(off + FH6_LEN > end || off + FH6_LEN > m->data_len))
				return L3_BAD;
			l->l3_len = IP6_LEN + FH6_LEN;
			l->l4_off = off + FH6_LEN;
			/* UDP, or headers walked once the datagram is whole */
			return h[0] == IPPROTO_UDP || ip6_is_ext(h[0]) ? L3_FRAG : L3_OTHER;
		default:
			return ip6_ext_unsupported(nh) ? L3_EXT : L3_OTHER;
		}
	}
	return L3_EXT;
}

/*
 * The UDP header of the datagram l describes (parse_ipv4(), parse_ipv6() or plain_udp4()):
 * returns its destination port (host order), or -1 when the header does not fit the datagram
 * or the frame, or its length field is below the header or past the datagram.
 */
static inline int32_t
udp_hdr_port(const struct rte_mbuf *m, const struct l3_info *l)
{
	const struct rte_udp_hdr *udp;
	uint32_t ulen;

	if (unlikely(l->end < l->l4_off + UDP_LEN || m->data_len < l->l4_off + UDP_LEN))
		return -1;
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l->l4_off);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen < UDP_LEN || ulen > l->end - l->l4_off))
		return -1;
	return rte_be_to_cpu_16(udp->dst_port);
}

/*
 * The shape nearly every outside frame has: Ethernet without tags, IPv4 without options, not a
 * fragment, the datagram within the frame, a UDP header within the datagram and its length
 * consistent. Three loads decide it; returns the destination port (host order) with l filled
 * as parse_ipv4() would, or -1 for anything else, which takes the general walk (l3_walk() and
 * udp_hdr_port()) and reaches the same verdict there, only slower.
 */
static inline int32_t
plain_udp4(const struct rte_mbuf *m, struct l3_info *l)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t a, b;
	uint32_t u, tot, ulen;

	if (unlikely(m->data_len < ETH_LEN + IP_LEN + UDP_LEN))
		return -1;
	/* bytes 12..19: EtherType, version and IHL, TOS, total length, identification */
	memcpy(&a, p + 12, sizeof(a));
	/* bytes 20..27: flags and fragment offset, TTL, protocol, checksum, 2 of the source */
	memcpy(&b, p + 20, sizeof(b));
	/* bytes 36..39: UDP destination port and length */
	memcpy(&u, p + ETH_LEN + IP_LEN + 2, sizeof(u));
	a = rte_be_to_cpu_64(a);
	b = rte_be_to_cpu_64(b);
	u = rte_be_to_cpu_32(u);
	tot = (uint32_t)(a >> 16) & 0xffff;
	ulen = u & 0xffff;
	/* IPv4 with IHL 5; MF and the offset clear (DF and the reserved bit do not matter); UDP */
	if ((a >> 40) != ((uint64_t)RTE_ETHER_TYPE_IPV4 << 8 | 0x45) ||
	    (b & UINT64_C(0x3fff00ff00000000)) != (uint64_t)IPPROTO_UDP << 32 ||
	    tot < IP_LEN + UDP_LEN || tot > m->pkt_len - ETH_LEN || ulen < UDP_LEN ||
	    ulen > tot - IP_LEN)
		return -1;
	l->l3_len = IP_LEN;
	l->l4_off = ETH_LEN + IP_LEN;
	l->end = ETH_LEN + tot;
	return (int32_t)(u >> 16);
}

#endif /* USHER_L2L4_H */
