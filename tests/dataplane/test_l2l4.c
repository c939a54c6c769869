/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * plain_udp4(), the worker's one-look check of untagged IPv4/UDP (dataplane/usher/l2l4.h),
 * against the general parsers it stands in for: l2_parse(), parse_ipv4(), udp_hdr_port().
 * Frames are made from valid ones by mutating header bytes and lengths; on each, plain_udp4()
 * must take the frame exactly when the general parsers find untagged IPv4 without options
 * and a UDP header that fits, and then give the same lengths and port. No EAL: the mbufs
 * are plain structs over malloc'd frames of their exact length (an ASan build sees any
 * read past the frame).
 */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "l2l4.h"

/* A single-segment mbuf over frame[0..len), pkt_len as given (>= len: a chain's total). */
static struct rte_mbuf
mbuf_over(uint8_t *frame, uint16_t len, uint32_t pkt_len)
{
	struct rte_mbuf m;

	memset(&m, 0, sizeof(m));
	m.buf_addr = frame;
	m.data_off = 0;
	m.data_len = len;
	m.pkt_len = pkt_len;
	m.nb_segs = 1;
	return m;
}

/* What the general parsers say of the frame: the port, or -1 if not the plain shape. */
static int32_t
general(const struct rte_mbuf *m, struct l3_info *l)
{
	rte_be16_t type = 0;
	uint32_t l2 = l2_parse(m, &type);

	if (l2 != ETH_LEN || type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return -1;
	if (parse_ipv4(m, l2, l) != L3_UDP || l->l3_len != IP_LEN)
		return -1;
	return udp_hdr_port(m, l);
}

/* An untagged IPv4/UDP frame, checksums zero (not looked at here), padding after. */
static size_t
make_frame(uint8_t *f, uint16_t dport, uint16_t payload, uint16_t pad)
{
	uint16_t tot = (uint16_t)(IP_LEN + UDP_LEN + payload);
	size_t len = ETH_LEN + tot + pad;

	memset(f, 0, len);
	memset(f, 0x02, 12);				   /* MAC addresses */
	f[12] = 0x08, f[13] = 0x00;			   /* IPv4 */
	f[14] = 0x45;					   /* version 4, IHL 5 */
	f[16] = (uint8_t)(tot >> 8), f[17] = (uint8_t)tot; /* total length */
	f[20] = 0x40;					   /* DF */
	f[22] = 64, f[23] = IPPROTO_UDP;
	f[34] = 0x13, f[35] = 0xc4; /* source port 5060 */
	f[36] = (uint8_t)(dport >> 8), f[37] = (uint8_t)dport;
	f[38] = (uint8_t)((UDP_LEN + payload) >> 8), f[39] = (uint8_t)(UDP_LEN + payload);
	for (size_t i = 42; i < ETH_LEN + tot; i++)
		f[i] = (uint8_t)(i * 7);
	return len;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 16) % n);
}

/* A value near one of the edges that matter for a 16-bit length, or anything. */
static uint16_t
edge_len(size_t frame_len)
{
	static const uint16_t edges[] = {0, 7, 8, 19, 20, 21, 27, 28, 29};

	switch (rnd(4)) {
	case 0:
		return edges[rnd(sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return (uint16_t)(frame_len - ETH_LEN - 2 + rnd(5)); /* around the frame's end */
	case 2:
		return (uint16_t)(frame_len - ETH_LEN - IP_LEN - 2 + rnd(5));
	default:
		return (uint16_t)rnd(65536);
	}
}

static void
mutate(uint8_t *f, size_t *len, uint32_t *extra)
{
	static const uint8_t vihl[] = {0x45, 0x46, 0x44, 0x4f, 0x55, 0x65, 0x35, 0x05};
	static const uint16_t types[] = {0x0800, 0x8100, 0x88a8, 0x86dd, 0x0806, 0x0008};
	uint16_t v;

	switch (rnd(10)) {
	case 0: /* IPv4 total length */
		v = edge_len(*len);
		f[16] = (uint8_t)(v >> 8), f[17] = (uint8_t)v;
		break;
	case 1: /* UDP length */
		v = edge_len(*len - IP_LEN);
		f[38] = (uint8_t)(v >> 8), f[39] = (uint8_t)v;
		break;
	case 2:
		f[14] = rnd(2) ? vihl[rnd(sizeof(vihl))] : (uint8_t)rnd(256);
		break;
	case 3: /* flags and fragment offset */
		f[20] = (uint8_t)rnd(256);
		f[21] = rnd(2) ? 0 : (uint8_t)rnd(256);
		break;
	case 4:
		f[23] = rnd(2) ? IPPROTO_TCP : (uint8_t)rnd(256);
		break;
	case 5:
		v = types[rnd(sizeof(types) / sizeof(types[0]))];
		f[12] = (uint8_t)(v >> 8), f[13] = (uint8_t)v;
		break;
	case 6: /* a shorter frame */
		*len = rnd((uint32_t)*len + 1);
		break;
	case 7: /* the first segment of a chain */
		*extra = rnd(2) ? rnd(64) : rnd(2000);
		break;
	case 8: /* any byte of the headers */
		f[rnd(42)] = (uint8_t)rnd(256);
		break;
	default: { /* TOS, identification, TTL, checksums, addresses, source port: never matter */
		static const uint8_t any[] = {15, 18, 19, 22, 24, 25, 26,
					      29, 30, 33, 34, 35, 40, 41};

		f[any[rnd(sizeof(any))]] ^= (uint8_t)(1 + rnd(255));
		break;
	}
	}
}

Test(l2l4, plain_frames_known_values)
{
	uint8_t f[256];
	size_t len = make_frame(f, 20000, 172 - 42, 0);
	uint8_t *exact = malloc(len);
	struct rte_mbuf m;
	struct l3_info l;

	cr_assert_not_null(exact);
	memcpy(exact, f, len);
	m = mbuf_over(exact, (uint16_t)len, (uint32_t)len);
	cr_assert_eq(plain_udp4(&m, &l), 20000);
	cr_expect_eq(l.l3_len, 20);
	cr_expect_eq(l.l4_off, 34);
	cr_expect_eq(l.end, len);
	free(exact);

	/* Ethernet padding to 60 bytes after an empty datagram: taken, end before the padding */
	len = make_frame(f, 9, 0, 18);
	m = mbuf_over(f, (uint16_t)len, (uint32_t)len);
	cr_assert_eq(len, 60);
	cr_assert_eq(plain_udp4(&m, &l), 9);
	cr_expect_eq(l.end, 42);
}

Test(l2l4, edges_refused)
{
	uint8_t f[256];
	size_t len;
	struct rte_mbuf m;
	struct l3_info l;

	/* total length 16, below the IPv4 header: the general parser calls it bad, so must we */
	len = make_frame(f, 20000, 32, 0);
	f[16] = 0, f[17] = 16;
	m = mbuf_over(f, (uint16_t)len, (uint32_t)len);
	cr_expect_eq(plain_udp4(&m, &l), -1, "total length below the header");
	/* 24: an IPv4 header and half a UDP header */
	f[17] = 24;
	cr_expect_eq(plain_udp4(&m, &l), -1, "UDP header past the datagram");
	/* UDP length 7 */
	len = make_frame(f, 20000, 32, 0);
	f[38] = 0, f[39] = 7;
	m = mbuf_over(f, (uint16_t)len, (uint32_t)len);
	cr_expect_eq(plain_udp4(&m, &l), -1, "UDP length below its header");
	/* MF set; then a fragment offset */
	len = make_frame(f, 20000, 32, 0);
	f[20] = 0x20;
	cr_expect_eq(plain_udp4(&m, &l), -1, "MF");
	f[20] = 0x40, f[21] = 1;
	cr_expect_eq(plain_udp4(&m, &l), -1, "fragment offset");
	/* DF and the reserved bit do not matter */
	f[20] = 0xc0, f[21] = 0;
	cr_expect_eq(plain_udp4(&m, &l), 20000, "DF and the reserved bit");
	/* IPv4 options: the general walk's, not ours */
	f[14] = 0x46;
	cr_expect_eq(plain_udp4(&m, &l), -1, "IHL 6");
	/* 41 bytes: one short of the UDP header */
	len = make_frame(f, 20000, 0, 0);
	m = mbuf_over(f, (uint16_t)(len - 1), (uint32_t)(len - 1));
	cr_expect_eq(plain_udp4(&m, &l), -1, "41-byte frame");
}

Test(l2l4, same_verdicts_as_the_general_parsers, .timeout = 60)
{
	enum { N = 1000000 };
	unsigned int taken = 0, refused = 0;

	for (unsigned int i = 0; i < N; i++) {
		uint8_t f[512];
		size_t len = make_frame(f, (uint16_t)(rnd(2) ? 5060 : rnd(65536)),
					(uint16_t)rnd(300), (uint16_t)(rnd(4) ? 0 : rnd(20)));
		uint32_t extra = 0;
		uint8_t *exact;
		struct rte_mbuf m;
		struct l3_info lf, lg;
		int32_t pf, pg;

		for (unsigned int k = rnd(4); k > 0; k--)
			mutate(f, &len, &extra);
		exact = malloc(len > 0 ? len : 1);
		cr_assert_not_null(exact);
		memcpy(exact, f, len);
		m = mbuf_over(exact, (uint16_t)len, (uint32_t)len + extra);
		memset(&lf, 0xa5, sizeof(lf));
		memset(&lg, 0x5a, sizeof(lg));
		pf = plain_udp4(&m, &lf);
		pg = general(&m, &lg);
		if (pf != pg || (pf >= 0 && memcmp(&lf, &lg, sizeof(lf)) != 0)) {
			char hex[3 * 42 + 1] = "";

			for (size_t b = 0; b < len && b < 42; b++)
				sprintf(hex + 3 * b, "%02x ", exact[b]);
			cr_assert_fail(
				"frame %u (%zu bytes, pkt_len %zu): plain_udp4 %d (l3 %u l4 %u end "
				"%u), general %d (l3 %u l4 %u end %u); headers: %s",
				i, len, len + extra, pf, lf.l3_len, lf.l4_off, lf.end, pg,
				lg.l3_len, lg.l4_off, lg.end, hex);
		}
		if (pf >= 0)
			taken++;
		else
			refused++;
		free(exact);
	}
	/* both sides of the check were exercised, not only one */
	cr_expect_gt(taken, N / 10, "only %u of %u frames had the plain shape", taken, N);
	cr_expect_gt(refused, N / 10, "only %u of %u frames were refused", refused, N);
}
