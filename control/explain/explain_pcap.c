/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain: walk a pcap capture down to UDP payloads (link layer, IPv4/IPv6, UDP). */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "explain_priv.h"

/* Link types not every libpcap header names. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define ETH_HLEN	   14
#define SLL_HLEN	   16
#define SLL2_HLEN	   20
#define VLAN_HLEN	   4
#define ETHERTYPE_IPV4	   0x0800
#define ETHERTYPE_IPV6	   0x86dd
#define ETHERTYPE_VLAN	   0x8100
#define ETHERTYPE_QINQ	   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
/* More stacked tags than any real network uses: stop there rather than loop on garbage. */
#define MAX_VLAN_TAGS 4

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_UDP	     17
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_DSTOPTS  60
/* Extension headers followed before giving up: each is >= 8 bytes, so this only bounds time. */
#define MAX_IPV6_EXT 8

#define UDP_HLEN 8

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool
ush_explain_is_pcap(const uint8_t *head, size_t len)
{
	static const uint32_t magics[] = {
		0xa1b2c3d4, /* pcap, microseconds */
		0xa1b23c4d, /* pcap, nanoseconds */
		0x0a0d0d0a, /* pcapng section header block (same in both byte orders) */
	};
	uint32_t be, le;
	size_t i;

	if (len < 4)
		return false;
	be = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	le = (uint32_t)head[3] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[1] << 8 | head[0];
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (be == magics[i] || le == magics[i])
			return true;
	return false;
}

/* "ip:port", "[ip6]:port", or the bare address when port is negative (fragments). */
static void
format_addr(char *out, int af, const uint8_t *addr, int port)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(af, addr, ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	if (port < 0)
		snprintf(out, USH_EXPLAIN_ADDR_LEN, "%s", ip);
	else if (af == AF_INET6)
		snprintf(out, USH_EXPLAIN_ADDR_LEN, "[%s]:%d", ip, port);
	else
		snprintf(out, USH_EXPLAIN_ADDR_LEN, "%s:%d", ip, port);
}

/* The source as the pipeline sees it (ush_auth_pkt.src), and the destination port. */
static void
set_from(struct ush_explain_frame *fr, int af, const uint8_t *addr, size_t len, uint16_t sport,
	 uint16_t dport)
{
	fr->from.af = (uint8_t)af;
	memcpy(fr->from.addr, addr, len);
	fr->from.port = sport;
	fr->dport = dport;
}

/*
 * UDP header at p, with `avail` captured bytes after it and `iplen` bytes that the IP header
 * says belong to the datagram. Addresses are copied by the caller once the ports are known.
 */
static enum ush_explain_skip
decode_udp(const uint8_t *p, size_t avail, size_t iplen, struct ush_explain_frame *fr,
	   uint16_t *sport, uint16_t *dport)
{
	size_t ulen;

	if (iplen < UDP_HLEN)
		return USH_EXPLAIN_SKIP_malformed;
	if (avail < UDP_HLEN)
		return USH_EXPLAIN_SKIP_truncated;
	*sport = rd16(p);
	*dport = rd16(p + 2);
	ulen = rd16(p + 4);
	if (ulen < UDP_HLEN || ulen > iplen)
		return USH_EXPLAIN_SKIP_malformed;
	if (ulen > avail)
		return USH_EXPLAIN_SKIP_truncated;
	fr->payload = p + UDP_HLEN;
	fr->len = ulen - UDP_HLEN;
	return USH_EXPLAIN_SKIP_NONE;
}

static enum ush_explain_skip
decode_ipv4(const uint8_t *p, size_t avail, struct ush_explain_frame *fr)
{
	uint16_t sport = 0, dport = 0, frag;
	enum ush_explain_skip skip;
	size_t ihl, tot;

	if (avail < 20)
		return USH_EXPLAIN_SKIP_truncated;
	if (p[0] >> 4 != 4)
		return USH_EXPLAIN_SKIP_malformed;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (ihl < 20 || tot < ihl)
		return USH_EXPLAIN_SKIP_malformed;
	if (avail < ihl)
		return USH_EXPLAIN_SKIP_truncated;
	frag = rd16(p + 6);
	/* More-fragments flag or a non-zero offset: a piece of a larger datagram. */
	if (frag & 0x3fff) {
		format_addr(fr->src, AF_INET, p + 12, -1);
		format_addr(fr->dst, AF_INET, p + 16, -1);
		return USH_EXPLAIN_SKIP_fragment;
	}
	if (p[9] != IPPROTO_NUM_UDP)
		return USH_EXPLAIN_SKIP_non_udp;
	skip = decode_udp(p + ihl, avail - ihl, tot - ihl, fr, &sport, &dport);
	format_addr(fr->src, AF_INET, p + 12, sport);
	format_addr(fr->dst, AF_INET, p + 16, dport);
	set_from(fr, AF_INET, p + 12, 4, sport, dport);
	return skip;
}

static enum ush_explain_skip
decode_ipv6(const uint8_t *p, size_t avail, struct ush_explain_frame *fr)
{
	uint16_t sport = 0, dport = 0;
	enum ush_explain_skip skip;
	size_t off = 40, end, hlen;
	uint8_t nh;
	int i;

	if (avail < 40)
		return USH_EXPLAIN_SKIP_truncated;
	if (p[0] >> 4 != 6)
		return USH_EXPLAIN_SKIP_malformed;
	/* A zero payload length means a jumbogram (RFC 2675), which UDP over Ethernet never is. */
	end = 40 + (size_t)rd16(p + 4);
	if (end == 40)
		return USH_EXPLAIN_SKIP_malformed;
	nh = p[6];
	for (i = 0; i < MAX_IPV6_EXT; i++) {
		if (nh != IPPROTO_NUM_HOPOPTS && nh != IPPROTO_NUM_ROUTING &&
		    nh != IPPROTO_NUM_DSTOPTS)
			break;
		if (off + 2 > end)
			return USH_EXPLAIN_SKIP_malformed;
		if (off + 2 > avail)
			return USH_EXPLAIN_SKIP_truncated;
		hlen = ((size_t)p[off + 1] + 1) * 8;
		nh = p[off];
		off += hlen;
	}
	if (off > end)
		return USH_EXPLAIN_SKIP_malformed;
	if (nh == IPPROTO_NUM_FRAGMENT) {
		format_addr(fr->src, AF_INET6, p + 8, -1);
		format_addr(fr->dst, AF_INET6, p + 24, -1);
		return USH_EXPLAIN_SKIP_fragment;
	}
	if (nh != IPPROTO_NUM_UDP)
		return USH_EXPLAIN_SKIP_non_udp;
	if (off > avail)
		return USH_EXPLAIN_SKIP_truncated;
	skip = decode_udp(p + off, avail - off, end - off, fr, &sport, &dport);
	format_addr(fr->src, AF_INET6, p + 8, sport);
	format_addr(fr->dst, AF_INET6, p + 24, dport);
	set_from(fr, AF_INET6, p + 8, 16, sport, dport);
	return skip;
}

/* Network layer by EtherType; the IP version nibble decides for raw IP. */
static enum ush_explain_skip
decode_l3(uint16_t ethertype, const uint8_t *p, size_t avail, struct ush_explain_frame *fr)
{
	if (ethertype == ETHERTYPE_IPV4)
		return decode_ipv4(p, avail, fr);
	if (ethertype == ETHERTYPE_IPV6)
		return decode_ipv6(p, avail, fr);
	return USH_EXPLAIN_SKIP_non_ip;
}

/* EtherType at p[-2..-1], possibly followed by stacked 802.1Q / 802.1ad tags. */
static enum ush_explain_skip
decode_tags(uint16_t ethertype, const uint8_t *p, size_t avail, struct ush_explain_frame *fr)
{
	int tags;

	for (tags = 0; tags < MAX_VLAN_TAGS; tags++) {
		if (ethertype != ETHERTYPE_VLAN && ethertype != ETHERTYPE_QINQ &&
		    ethertype != ETHERTYPE_QINQ_OLD)
			break;
		if (avail < VLAN_HLEN)
			return USH_EXPLAIN_SKIP_truncated;
		ethertype = rd16(p + 2);
		p += VLAN_HLEN;
		avail -= VLAN_HLEN;
	}
	return decode_l3(ethertype, p, avail, fr);
}

int
ush_explain_decode(int linktype, const uint8_t *data, size_t caplen, struct ush_explain_frame *fr)
{
	uint32_t family;

	memset(fr, 0, sizeof(*fr));
	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < ETH_HLEN)
			fr->skip = USH_EXPLAIN_SKIP_truncated;
		else
			fr->skip = decode_tags(rd16(data + 12), data + ETH_HLEN, caplen - ETH_HLEN,
					       fr);
		return 0;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			fr->skip = USH_EXPLAIN_SKIP_truncated;
		else
			fr->skip = decode_tags(rd16(data + 14), data + SLL_HLEN, caplen - SLL_HLEN,
					       fr);
		return 0;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			fr->skip = USH_EXPLAIN_SKIP_truncated;
		else
			fr->skip =
				decode_tags(rd16(data), data + SLL2_HLEN, caplen - SLL2_HLEN, fr);
		return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (caplen < 1)
			fr->skip = USH_EXPLAIN_SKIP_truncated;
		else
			fr->skip = decode_l3(data[0] >> 4 == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
					     data, caplen, fr);
		return 0;
	case DLT_NULL:
#if DLT_LOOP != DLT_RAW
	case DLT_LOOP:
#endif
		/* 4-byte address family, in the capturing host's order (DLT_NULL) or network
		 * order (DLT_LOOP): the IP version nibble that follows is simpler to trust. */
		if (caplen < 5) {
			fr->skip = USH_EXPLAIN_SKIP_truncated;
			return 0;
		}
		family = data[4] >> 4;
		fr->skip = decode_l3(family == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, data + 4,
				     caplen - 4, fr);
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

enum ush_explain_skip
ush_explain_classify(const uint8_t *payload, size_t len)
{
	/* The version appears on the first line of every request ("... SIP/2.0") and response
	 * ("SIP/2.0 200 OK"); look for "SIP/" there, so a malformed SIP message is still handed
	 * to the parser (and reported) while DNS, STUN or RTP is not. */
	static const char tag[] = "SIP/";
	bool blank = true;
	size_t i, j;

	for (i = 0; i < len && payload[i] != '\n' && payload[i] != '\r'; i++) {
		for (j = 0; j < 4 && i + j < len; j++)
			if ((payload[i + j] & 0xdf) != tag[j] && payload[i + j] != tag[j])
				break;
		if (j == 4)
			return USH_EXPLAIN_SKIP_NONE;
	}
	for (i = 0; i < len; i++)
		if (payload[i] != '\r' && payload[i] != '\n' && payload[i] != ' ' &&
		    payload[i] != '\t' && payload[i] != 0)
			blank = false;
	return blank ? USH_EXPLAIN_SKIP_keepalive : USH_EXPLAIN_SKIP_non_sip;
}

/* Count a frame without SIP; those that may have hidden SIP also get a line in human mode. */
static void
skip_frame(struct ush_explain_ctx *ctx, const char *name, uint64_t frame,
	   const struct ush_explain_frame *fr)
{
	ctx->skipped[fr->skip]++;
	if (ctx->opts.json ||
	    (fr->skip != USH_EXPLAIN_SKIP_fragment && fr->skip != USH_EXPLAIN_SKIP_truncated &&
	     fr->skip != USH_EXPLAIN_SKIP_malformed))
		return;
	fflush(stdout); /* keep the note in order with the messages when both share a pipe */
	fprintf(stderr, "%s frame %" PRIu64 "%s%s%s%s: %s\n", name, frame, fr->src[0] ? " " : "",
		fr->src, fr->src[0] ? " -> " : "", fr->dst, ush_explain_skip_text(fr->skip));
}

int
ush_explain_pcap(struct ush_explain_ctx *ctx, const char *name, FILE *fp)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct ush_explain_origin org;
	struct ush_explain_frame fr;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t frame = 0;
	int linktype, rc, ret = 0;
	pcap_t *p;

	p = pcap_fopen_offline(fp, errbuf);
	if (p == NULL) {
		fprintf(stderr, "usher-explain: %s: not a readable capture: %s\n", name, errbuf);
		fclose(fp);
		return -EIO;
	}
	linktype = pcap_datalink(p);
	/* An empty frame reads no byte: it only asks whether the link type is known. */
	if (ush_explain_decode(linktype, NULL, 0, &fr) < 0) {
		fprintf(stderr, "usher-explain: %s: link type %d (%s) is not supported\n", name,
			linktype,
			pcap_datalink_val_to_name(linktype) ? pcap_datalink_val_to_name(linktype)
							    : "unknown");
		ret = -EIO;
		goto out_close;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		frame++;
		ctx->frames++;
		ush_explain_decode(linktype, data, hdr->caplen, &fr);
		if (fr.skip == USH_EXPLAIN_SKIP_NONE)
			fr.skip = ush_explain_classify(fr.payload, fr.len);
		if (fr.skip != USH_EXPLAIN_SKIP_NONE) {
			skip_frame(ctx, name, frame, &fr);
			continue;
		}
		org.source = name;
		org.frame = frame;
		org.src = fr.src;
		org.dst = fr.dst;
		org.from = &fr.from;
		org.dport = fr.dport;
		org.now = (uint32_t)hdr->ts.tv_sec;
		ret = ush_explain_message(ctx, &org, (const char *)fr.payload, fr.len);
		if (ret < 0)
			goto out_close;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "usher-explain: %s: frame %" PRIu64 ": %s\n", name, frame + 1,
			pcap_geterr(p));
		ret = -EIO;
	}
out_close:
	pcap_close(p);
	return ret;
}
