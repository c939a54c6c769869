/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The worker lcore loop: rx burst, L2-L4 checks, one pipeline call per burst, buffered TX. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "l2l4.h"
#include "ush_ctl.h"
#include "usher_priv.h"

atomic_bool ush_dp_stop;

/* a reply of USH_REPLY_MAX bytes on the smallest MTU we accept (576), IPv6 the tighter */
#define REPLY_FRAGS_MAX 8
/* multi-segment SIP payloads are copied here, bump-allocated per burst */
#define LIN_SIZE (128 * 1024)

static_assert(USH_REPLY_MAX + UDP_LEN <= REPLY_FRAGS_MAX * ((576 - IP_LEN) & ~7u),
	      "a reply must fit REPLY_FRAGS_MAX IPv4 fragments at MTU 576");
static_assert(USH_REPLY_MAX + UDP_LEN <= REPLY_FRAGS_MAX * ((576 - IP6_LEN - FH6_LEN) & ~7u),
	      "a reply must fit REPLY_FRAGS_MAX IPv6 fragments at MTU 576");
/* one death row takes what one burst of fragments can free (rte_ip_frag.h sizing) */
static_assert(USH_DP_BURST <= RTE_IP_FRAG_DEATH_ROW_LEN, "death row smaller than a burst");

/* What the L2-L4 stage decided for one outside frame. */
enum pkt_kind {
	PKT_SIP = 0, /* to the pipeline, lane in pkt_cls.lane */
	PKT_FWD,     /* forward inward as is, count pkt_cls.ctr */
	PKT_DROP,    /* free, count pkt_cls.ctr */
	PKT_GONE,    /* a fragment now owned by the reassembly table or death row, counted */
};

struct pkt_cls {
	uint8_t kind;
	uint8_t ctr;
	uint8_t lane;
	uint8_t l2_len;	 /* Ethernet header and VLAN tags, copied into the reply */
	uint8_t v6;	 /* IPv6 (else IPv4) */
	uint8_t reasm;	 /* the mbuf is a reassembled chain of fragments: split to forward */
	uint16_t l4_off; /* UDP header from the frame start */
};

/*
 * mbuf dynamic field of a fragment given to rte_ip_frag: the bytes reassembly rewrites, so
 * that the original fragments can be forwarded byte-identical (frag_split()).
 *   IPv4: hdr = IPv4 header bytes 2..11 (total length .. header checksum)
 *   IPv6: hdr = payload length (2 bytes) + the fragment header (8 bytes)
 */
struct frag_saved {
	uint16_t frame_len; /* before reassembly trimmed the Ethernet padding */
	uint8_t hdr[10];
};

static const struct rte_mbuf_dynfield frag_saved_desc = {
	.name = "usher_frag_saved",
	.size = sizeof(struct frag_saved),
	.align = __alignof__(struct frag_saved),
};

static inline void
send_burst(struct ush_dp_worker *w, struct ush_dp_txbuf *b)
{
	uint16_t sent = rte_eth_tx_burst(b->port, b->queue, b->m, b->len);

	w->ctr.c[b->ctr_tx] += sent;
	if (unlikely(sent < b->len)) {
		/* the queue is full: a frame held back would only be later, never safer */
		w->ctr.c[USH_CTR_DROP_TX_FULL] += b->len - sent;
		rte_pktmbuf_free_bulk(&b->m[sent], b->len - sent);
	}
	b->len = 0;
}

static inline void
send_one(struct ush_dp_worker *w, struct ush_dp_txbuf *b, struct rte_mbuf *m)
{
	b->m[b->len++] = m;
	if (unlikely(b->len == USH_DP_BURST))
		send_burst(w, b);
}

/* Append n frames to a TX buffer, sending each time it fills. */
static inline void
send_many(struct ush_dp_worker *w, struct ush_dp_txbuf *b, struct rte_mbuf **m, uint16_t n)
{
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)(USH_DP_BURST - b->len));

		memcpy(&b->m[b->len], m, k * sizeof(*m));
		b->len += k;
		m += k;
		n -= k;
		if (b->len == USH_DP_BURST)
			send_burst(w, b);
	}
}

/* The pass-through policy's outcome (pass: PKT_FWD or PKT_DROP) for a frame counted as ctr. */
static inline void
pass_through(struct pkt_cls *c, uint8_t pass, uint8_t ctr)
{
	c->kind = pass;
	c->ctr = pass == PKT_FWD ? ctr : USH_CTR_DROP_PASSTHROUGH;
}

/*
 * Partial ones' complement sum (RFC 1071) of len bytes added to sum, 64 bits at a time with
 * add-with-carry. rte_raw_cksum (22.11) adds 16 bits at a time, which was 10 to 25% of
 * a SIP frame's time on ports without checksum offload. The carry goes around at each add: a
 * 64-bit sum of 64-bit words folds to the same 16-bit sum as one of 16-bit words, in either
 * byte order; cksum_fold() makes it 16 bits. Starting at an even offset of the datagram keeps
 * partial sums additive.
 */
static inline uint64_t
cksum_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? s + 1 : s;
}

/*
 * The last 1..7 bytes of a run as one word, in the low bytes of a zeroed one (the byte order
 * of a whole word), by pieces of 4, 2 and 1: a byte-wise copy into a word that is then loaded
 * whole stalls on store forwarding, which was 13% of the request's L2-L4 stage. When dst is
 * given, the bytes are copied there too.
 */
static inline uint64_t
cksum_tail(uint8_t *dst, const uint8_t *p, uint32_t len)
{
	uint64_t x = 0;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	unsigned int sh = 0;
	uint32_t a;
	uint16_t b;

	if (len & 4) {
		memcpy(&a, p, 4);
		if (dst != NULL)
			memcpy(dst, &a, 4);
		x = a;
		sh = 32;
	}
	if (len & 2) {
		memcpy(&b, p + (len & 4), 2);
		if (dst != NULL)
			memcpy(dst + (len & 4), &b, 2);
		x |= (uint64_t)b << sh;
		sh += 16;
	}
	if (len & 1) {
		if (dst != NULL)
			dst[len - 1] = p[len - 1];
		x |= (uint64_t)p[len - 1] << sh;
	}
#else
	memcpy(&x, p, len);
	if (dst != NULL)
		memcpy(dst, p, len);
#endif
	return x;
}

static inline uint64_t
cksum_partial(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t s1 = 0, s2 = 0, s3 = 0, x0, x1, x2, x3;

	/* four independent carry chains: one serialises on its carry flag (scalar variables:
	 * gcc keeps an array of them in memory) */
	for (; len >= 32; len -= 32, p += 32) {
		memcpy(&x0, p, 8);
		memcpy(&x1, p + 8, 8);
		memcpy(&x2, p + 16, 8);
		memcpy(&x3, p + 24, 8);
		sum = cksum_add(sum, x0);
		s1 = cksum_add(s1, x1);
		s2 = cksum_add(s2, x2);
		s3 = cksum_add(s3, x3);
	}
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&x0, p, 8);
		sum = cksum_add(sum, x0);
	}
	if (len > 0)
		s1 = cksum_add(s1, cksum_tail(NULL, p, len));
	return cksum_add(cksum_add(sum, s1), cksum_add(s2, s3));
}

/* Copy len bytes and return their partial sum. */
static inline uint64_t
cksum_copy(void *dst, const void *src, uint32_t len, uint64_t sum)
{
	const uint8_t *sp = src;
	uint8_t *d = dst;
	uint64_t s1 = 0, s2 = 0, s3 = 0, x0, x1, x2, x3;

	/* 32 bytes a turn on four chains, as cksum_partial(); the stores bound this loop */
	for (; len >= 32; len -= 32, sp += 32, d += 32) {
		memcpy(&x0, sp, 8);
		memcpy(&x1, sp + 8, 8);
		memcpy(&x2, sp + 16, 8);
		memcpy(&x3, sp + 24, 8);
		memcpy(d, &x0, 8);
		memcpy(d + 8, &x1, 8);
		memcpy(d + 16, &x2, 8);
		memcpy(d + 24, &x3, 8);
		sum = cksum_add(sum, x0);
		s1 = cksum_add(s1, x1);
		s2 = cksum_add(s2, x2);
		s3 = cksum_add(s3, x3);
	}
	for (; len >= 8; len -= 8, sp += 8, d += 8) {
		memcpy(&x0, sp, 8);
		memcpy(d, &x0, 8);
		sum = cksum_add(sum, x0);
	}
	if (len > 0)
		s1 = cksum_add(s1, cksum_tail(d, sp, len));
	return cksum_add(cksum_add(sum, s1), cksum_add(s2, s3));
}

static inline uint16_t
cksum_fold(uint64_t sum)
{
	uint32_t s = (uint32_t)(sum >> 32) + (uint32_t)sum;

	s = (s < (uint32_t)sum ? s + 1 : s);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * Partial sum of a UDP pseudo-header (RFC 768, RFC 8200 §8.1) from the addresses of the IP
 * header at l3 and the UDP length field as it is on the wire. The upper-layer length of IPv6
 * is the UDP length (not the payload length: extension headers), as a 32-bit word whose high
 * half is zero; protocol and length add as 16-bit words in network order.
 */
static inline uint64_t
pseudo_sum(const uint8_t *l3, bool v6, rte_be16_t dgram_len, uint64_t sum)
{
	if (v6)
		sum = cksum_partial(((const struct rte_ipv6_hdr *)l3)->src_addr, 32, sum);
	else
		sum = cksum_partial(&((const struct rte_ipv4_hdr *)l3)->src_addr, 8, sum);
	return cksum_add(sum, (uint64_t)dgram_len + rte_cpu_to_be_16(IPPROTO_UDP));
}

/* Ones' complement sum of the UDP datagram and its pseudo-header is 0xffff when intact. */
static inline bool
udp_cksum_ok(const struct rte_mbuf *m, const uint8_t *l3, bool v6, const struct rte_udp_hdr *udp,
	     uint32_t l4_off, uint16_t ulen)
{
	uint64_t sum;
	uint16_t raw;

	if (likely(l4_off + ulen <= m->data_len)) {
		sum = cksum_partial(udp, ulen, 0);
	} else {
		if (rte_raw_cksum_mbuf(m, l4_off, ulen, &raw) != 0)
			return false;
		sum = raw;
	}
	/* ulen is the datagram's length field (classify() took it from there) */
	return cksum_fold(pseudo_sum(l3, v6, udp->dgram_len, sum)) == 0xffff;
}

/*
 * Count what one rte_ip_frag call put on the death row (entries from..cnt): the fragments of
 * the train m made invalid (m among them), m alone when the table had no room for a new train,
 * or fragments of trains that expired and were evicted on the way (m elsewhere or NULL).
 * A train's held fragments have no outcome until then (docs/counters.md).
 */
static inline unsigned int
frag_account(struct ush_dp_worker *w, uint32_t from, const struct rte_mbuf *m)
{
	const struct rte_ip_frag_death_row *dr = w->frag_dr;
	unsigned int n = 0;
	bool mine = false;

	for (uint32_t i = from; i < dr->cnt; i++)
		for (const struct rte_mbuf *s = dr->row[i]; s != NULL; s = s->next) {
			n++;
			mine |= s == m;
		}
	if (!mine)
		w->ctr.c[USH_CTR_DROP_FRAG_TIMEOUT] += n;
	else if (n == 1)
		w->ctr.c[USH_CTR_DROP_FRAG_NO_ROOM]++;
	else
		w->ctr.c[USH_CTR_DROP_FRAG_INVALID] += n;
	return n;
}

/*
 * Give one fragment of a UDP datagram to the worker's reassembly table. Returns the whole
 * datagram (a chain of the fragments, first one first) when m completed it; else NULL, with
 * *ctr the counter of m's drop, or USH_CTR_COUNT when the table or death row now owns m.
 */
static struct rte_mbuf *
frag_gather(struct ush_dp_worker *w, struct rte_mbuf *m, uint32_t l2, const struct l3_info *l,
	    bool v6, uint64_t tsc, uint8_t *ctr)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	struct frag_saved *sv = RTE_MBUF_DYNFIELD(m, w->frag_off, struct frag_saved *);
	uint32_t ofs, len = l->end - l->l4_off, from = w->frag_dr->cnt, max;
	struct rte_mbuf *r;
	bool more;

	if (v6) {
		const struct rte_ipv6_fragment_ext *fh =
			(const struct rte_ipv6_fragment_ext *)(l3 + IP6_LEN);
		uint16_t fd = rte_be_to_cpu_16(fh->frag_data);

		ofs = fd & RTE_IPV6_EHDR_FO_MASK;
		more = RTE_IPV6_GET_MF(fd) != 0;
		max = UINT16_MAX; /* the payload length of the whole */
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
		uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
		uint64_t fl = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

		if (unlikely(fl == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			     (fl != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
			      rte_raw_cksum(ip, l->l3_len) != 0xffff))) {
			*ctr = USH_CTR_DROP_IP_MALFORMED;
			return NULL;
		}
		ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
		more = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
		max = UINT16_MAX - l->l3_len; /* the total length of the whole */
	}
	/*
	 * Refused before the table sees them: empty fragments, non-final ones not a multiple of 8,
	 * trains past 64 KiB, first fragments without the whole UDP header (RFC 1858, 7112), and
	 * chained mbufs (frag_split() restores one segment per fragment).
	 */
	if (unlikely(len == 0 || (more && (len & 7) != 0) || ofs + len > max ||
		     (ofs == 0 && len < UDP_LEN) || m->nb_segs != 1)) {
		*ctr = USH_CTR_DROP_FRAG_INVALID;
		return NULL;
	}
	sv->frame_len = m->data_len;
	if (v6) {
		memcpy(sv->hdr, l3 + offsetof(struct rte_ipv6_hdr, payload_len), 2);
		memcpy(sv->hdr + 2, l3 + IP6_LEN, FH6_LEN);
	} else {
		memcpy(sv->hdr, l3 + offsetof(struct rte_ipv4_hdr, total_length), sizeof(sv->hdr));
	}
	m->l2_len = l2;
	m->l3_len = l->l3_len;
	if (v6)
		r = rte_ipv6_frag_reassemble_packet(w->frag_tbl, w->frag_dr, m, tsc,
						    (struct rte_ipv6_hdr *)l3,
						    (struct rte_ipv6_fragment_ext *)(l3 + IP6_LEN));
	else
		r = rte_ipv4_frag_reassemble_packet(w->frag_tbl, w->frag_dr, m, tsc,
						    (struct rte_ipv4_hdr *)l3);
	if (unlikely(w->frag_dr->cnt != from))
		frag_account(w, from, r == NULL ? m : NULL);
	*ctr = USH_CTR_COUNT;
	if (r == NULL)
		return NULL;

	/* the datagram counts one outcome, its other fragments frag_merged */
	w->ctr.c[USH_CTR_FRAG_REASSEMBLED]++;
	w->ctr.c[USH_CTR_FRAG_MERGED] += r->nb_segs - 1u;
	/* checksums are checked on the whole again; reassembly leaves the IPv4 one zero */
	r->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_RX_IP_CKSUM_MASK |
			 RTE_MBUF_F_RX_L4_CKSUM_MASK);
	if (!v6) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv4_hdr *, l2);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return r;
}

/*
 * Undo rte_ip_frag's reassembly to forward the original fragments byte-identical, in offset
 * order. Each segment of the chain is one fragment whose headers are still in the buffer in
 * front of its data (reassembly only moved data_off past them); the first fragment's rewritten
 * header bytes, and every fragment's Ethernet padding length, are in its frag_saved field.
 */
static unsigned int
frag_split(const struct ush_dp_worker *w, struct rte_mbuf *head, bool v6, struct rte_mbuf **out)
{
	struct rte_mbuf *s, *next;
	unsigned int n = 0;

	for (s = head; s != NULL; s = next) {
		const struct frag_saved *sv =
			RTE_MBUF_DYNFIELD(s, w->frag_off, const struct frag_saved *);

		next = s->next;
		if (s == head && v6) {
			uint8_t *p;

			/* reassembly moved L2 + IPv6 header over the fragment header */
			s->data_off = (uint16_t)(s->data_off - FH6_LEN);
			p = rte_pktmbuf_mtod(s, uint8_t *);
			memmove(p, p + FH6_LEN, s->l2_len + IP6_LEN);
			p += s->l2_len;
			memcpy(p + offsetof(struct rte_ipv6_hdr, payload_len), sv->hdr, 2);
			p[offsetof(struct rte_ipv6_hdr, proto)] = IPPROTO_FRAGMENT;
			memcpy(p + IP6_LEN, sv->hdr + 2, FH6_LEN);
		} else if (s == head) {
			memcpy(rte_pktmbuf_mtod_offset(s, uint8_t *, s->l2_len) +
				       offsetof(struct rte_ipv4_hdr, total_length),
			       sv->hdr, sizeof(sv->hdr));
		} else {
			s->data_off = (uint16_t)(s->data_off - s->l2_len - s->l3_len);
		}
		s->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
		s->data_len = sv->frame_len;
		s->pkt_len = sv->frame_len;
		s->nb_segs = 1;
		s->next = NULL;
		out[n++] = s;
	}
	return n;
}

/*
 * L2 and L3 of a frame plain_udp4() did not take: Ethernet with up to two VLAN tags, IPv4 or
 * IPv6 (extension headers walked). Fragments of UDP datagrams go to the reassembly table; the
 * frame that completes a datagram replaces the fragment in *mp. Returns the L2 length with l
 * filled for a UDP datagram, or 0 with the frame's fate in c (other protocols: the
 * pass-through policy, pass).
 */
static uint32_t
l3_walk(struct ush_dp_worker *w, struct rte_mbuf **mp, struct pkt_cls *c, uint8_t pass,
	struct l3_info *l, uint64_t tsc)
{
	struct rte_mbuf *m = *mp;
	rte_be16_t type = 0;
	enum l3_kind k;
	uint32_t l2;
	bool v6;

	l2 = l2_parse(m, &type);
	v6 = type == RTE_BE16(RTE_ETHER_TYPE_IPV6);
	if (unlikely(l2 == 0) || (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) && !v6)) {
		pass_through(c, pass, USH_CTR_FWD_NON_UDP);
		return 0;
	}
	c->v6 = v6;
	for (;;) {
		struct rte_mbuf *r;
		uint8_t ctr;

		k = v6 ? parse_ipv6(m, l2, l) : parse_ipv4(m, l2, l);
		if (likely(k == L3_UDP))
			return l2;
		if (k == L3_OTHER) {
			pass_through(c, pass, USH_CTR_FWD_NON_UDP);
			return 0;
		}
		if (k == L3_EXT) {
			c->kind = PKT_DROP;
			c->ctr = USH_CTR_DROP_IPV6_EXT;
			return 0;
		}
		if (k == L3_BAD || c->reasm) {
			c->kind = PKT_DROP;
			c->ctr = USH_CTR_DROP_IP_MALFORMED;
			return 0;
		}
		if (w->frag_tbl == NULL) { /* [reassembly] max_flows = 0 */
			pass_through(c, pass, USH_CTR_FWD_NON_UDP);
			return 0;
		}
		r = frag_gather(w, m, l2, l, v6, tsc, &ctr);
		if (r == NULL) {
			c->kind = ctr == USH_CTR_COUNT ? PKT_GONE : PKT_DROP;
			c->ctr = ctr;
			*mp = ctr == USH_CTR_COUNT ? NULL : m;
			return 0;
		}
		*mp = m = r;
		c->reasm = 1;
	}
}

/*
 * A datagram to a SIP port: its checksums must hold, then its payload fills the lane (copied
 * to w->lin when it spans segments). Out of line: the pass-through loop stays small.
 */
static __rte_noinline void
sip_lane(struct ush_dp_worker *w, const struct rte_mbuf *m, struct pkt_cls *c,
	 const struct l3_info *l, struct ush_auth_pkt *lane, uint32_t *lin_used)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, c->l2_len);
	const struct rte_udp_hdr *udp =
		rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l->l4_off);
	uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);
	uint32_t off = l->l4_off + UDP_LEN, plen = ulen - UDP_LEN;
	bool v6 = c->v6;
	uint64_t fl;

	fl = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (!v6 && unlikely(fl == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			    (fl != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
			     cksum_fold(cksum_partial(l3, l->l3_len, 0)) != 0xffff))) {
		c->kind = PKT_DROP;
		c->ctr = USH_CTR_DROP_IP_MALFORMED;
		return;
	}
	fl = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	/* a zero UDP checksum means "none" in IPv4 and is invalid in IPv6 (RFC 8200 §8.1) */
	if (unlikely(fl == RTE_MBUF_F_RX_L4_CKSUM_BAD || (v6 && udp->dgram_cksum == 0) ||
		     (fl != RTE_MBUF_F_RX_L4_CKSUM_GOOD && udp->dgram_cksum != 0 &&
		      !udp_cksum_ok(m, l3, v6, udp, l->l4_off, (uint16_t)ulen)))) {
		c->kind = PKT_DROP;
		c->ctr = USH_CTR_DROP_UDP_CHECKSUM;
		return;
	}

	if (likely(off + plen <= m->data_len)) {
		lane->sip = rte_pktmbuf_mtod_offset(m, const char *, off);
	} else {
		/* payload spans segments (jumbo, reassembled): the pipeline wants it contiguous */
		if (unlikely(*lin_used + plen > w->lin_size)) {
			c->kind = PKT_DROP;
			c->ctr = USH_CTR_DROP_SIP_MALFORMED;
			return;
		}
		lane->sip = rte_pktmbuf_read(m, off, plen, w->lin + *lin_used);
		*lin_used += plen;
	}
	lane->sip_len = (uint16_t)plen;
	lane->flags = 0;
	if (v6) {
		lane->src.af = AF_INET6;
		memcpy(lane->src.addr, ((const struct rte_ipv6_hdr *)l3)->src_addr, 16);
	} else {
		lane->src.af = AF_INET;
		memcpy(lane->src.addr, &((const struct rte_ipv4_hdr *)l3)->src_addr, 4);
	}
	lane->src.port = rte_be_to_cpu_16(udp->src_port);
	c->kind = PKT_SIP;
	c->l4_off = (uint16_t)l->l4_off;
}

/*
 * The UDP header of a datagram l3_walk() found: returns its destination port (host order), or
 * -1 with c set to drop a header that does not fit the datagram or the frame.
 */
static int32_t
udp_port(const struct rte_mbuf *m, const struct l3_info *l, struct pkt_cls *c)
{
	int32_t port = udp_hdr_port(m, l);

	if (unlikely(port < 0)) {
		c->kind = PKT_DROP;
		c->ctr = USH_CTR_DROP_IP_MALFORMED;
	}
	return port;
}

/*
 * One outside frame: L2-L4 (plain_udp4(), else l3_walk() and udp_port()), then datagrams to a
 * SIP port go on to sip_lane() and other ports follow the pass-through policy, read once per
 * burst by the caller (pass: PKT_FWD or PKT_DROP).
 */
static inline void
classify(struct ush_dp_worker *w, struct rte_mbuf **mp, struct pkt_cls *c, uint8_t pass,
	 struct ush_auth_pkt *lane, uint32_t *lin_used, uint64_t tsc)
{
	const struct ush_dp_shared *sh = w->sh;
	struct l3_info l;
	int32_t dport;

	dport = plain_udp4(*mp, &l);
	if (likely(dport >= 0)) {
		*c = (struct pkt_cls){.l2_len = ETH_LEN};
	} else {
		uint32_t l2;

		*c = (struct pkt_cls){0};
		l2 = l3_walk(w, mp, c, pass, &l, tsc);
		if (l2 == 0)
			return;
		c->l2_len = (uint8_t)l2;
		dport = udp_port(*mp, &l, c);
		if (dport < 0)
			return;
	}
	if (!(sh->sip_port_map[dport >> 6] & (UINT64_C(1) << (dport & 63)))) {
		pass_through(c, pass, USH_CTR_FWD_NON_SIP_PORT);
		return;
	}
	sip_lane(w, *mp, c, &l, lane, lin_used);
}

/*
 * Ethernet header and VLAN tags of a reply: the request's, addresses swapped, same tags.
 * Fixed-size copies (each tag is 4 bytes): a copy of the variable length would be a libc call.
 */
static inline void
reply_l2(uint8_t *dst, const uint8_t *req, uint32_t l2_len)
{
	memcpy(dst, req + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(dst + RTE_ETHER_ADDR_LEN, req, RTE_ETHER_ADDR_LEN);
	for (uint32_t off = 2 * RTE_ETHER_ADDR_LEN; off + 2 < l2_len; off += VLAN_LEN)
		memcpy(dst + off, req + off, VLAN_LEN);
	memcpy(dst + l2_len - 2, req + l2_len - 2, 2);
}

static inline void
reply_ip4(struct rte_ipv4_hdr *ip, const struct rte_ipv4_hdr *req_ip, uint16_t ip_payload,
	  uint16_t id, uint16_t frag)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = req_ip->type_of_service & 0xfc; /* same DSCP, no ECN */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP_LEN + ip_payload));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = req_ip->dst_addr;
	ip->dst_addr = req_ip->src_addr;
	ip->hdr_checksum = 0;
}

static inline void
reply_ip6(struct rte_ipv6_hdr *ip6, const struct rte_ipv6_hdr *req, uint16_t plen, uint8_t proto)
{
	uint32_t dscp = rte_be_to_cpu_32(req->vtc_flow) & RTE_IPV6_HDR_DSCP_MASK; /* no ECN */

	ip6->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28 | dscp);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = proto;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, req->dst_addr, 16);
	memcpy(ip6->dst_addr, req->src_addr, 16);
}

/*
 * UDP checksum of a datagram whose IP header is in place, from the partial sum of its payload
 * (the reply text, summed while it was copied).
 */
static inline uint16_t
udp_cksum_sum(const uint8_t *l3, bool v6, const struct rte_udp_hdr *udp, uint64_t payload_sum)
{
	uint64_t sum = cksum_partial(udp, UDP_LEN, payload_sum);
	uint16_t ck;

	if (v6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;

		sum = cksum_partial(ip6->src_addr, 32, sum);
		/* upper-layer length (the UDP length field) and next header, as 16-bit words */
		sum = cksum_add(sum, (uint64_t)udp->dgram_len + rte_cpu_to_be_16(IPPROTO_UDP));
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		sum = cksum_partial(&ip->src_addr, 8, sum);
		sum = cksum_add(sum, (uint64_t)udp->dgram_len + rte_cpu_to_be_16(IPPROTO_UDP));
	}
	ck = (uint16_t)~cksum_fold(sum);
	/* a computed 0 is sent as all ones: 0 means "no checksum" (RFC 768) */
	return ck == 0 ? 0xffff : ck;
}

/*
 * Checksums of a reply frame whose headers and payload are in place: the IPv4 header's, and
 * the UDP one of an unfragmented reply (fragments carry theirs precomputed), by the device when
 * it can; payload_sum is the partial sum of the UDP payload.
 */
static inline void
reply_cksum(struct rte_mbuf *m, const struct ush_dp_port *port, uint32_t l2_len, bool v6,
	    bool whole, uint64_t payload_sum)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, l2_len);

	m->l2_len = l2_len;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);

		m->l3_len = IP6_LEN;
		if (!whole)
			return;
		if (port->tx_cksum_offload) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
		} else {
			udp->dgram_cksum = udp_cksum_sum(l3, true, udp, payload_sum);
		}
		return;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	m->l3_len = IP_LEN;
	if (port->tx_cksum_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		if (whole) {
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		}
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (whole)
			udp->dgram_cksum = udp_cksum_sum(l3, false, udp, payload_sum);
	}
}

/*
 * A reply larger than the MTU goes out as IP fragments (RFC 3261 §18.1.1 leaves large UDP
 * responses to IP fragmentation; IPv6 with a fragment header, RFC 8200 §4.5). The UDP checksum
 * spans all fragments: computed here.
 */
static unsigned int
reply_fragments(struct ush_dp_worker *w, const struct rte_mbuf *req, const struct pkt_cls *c,
		const struct ush_auth_pkt *p, struct rte_mbuf **out)
{
	const struct ush_dp_port *port = &w->sh->port[USH_DP_OUTSIDE];
	const uint8_t *rq = rte_pktmbuf_mtod(req, const uint8_t *);
	const uint8_t *req_l3 = rq + c->l2_len;
	const struct rte_udp_hdr *req_udp = (const struct rte_udp_hdr *)(rq + c->l4_off);
	uint32_t l2 = c->l2_len, hl = c->v6 ? IP6_LEN + FH6_LEN : IP_LEN;
	uint32_t dlen = UDP_LEN + p->reply_len, chunk = (port->mtu - hl) & ~7u, done = 0, id;
	struct rte_udp_hdr udp;
	unsigned int n = 0;
	uint32_t sum;

	udp.src_port = req_udp->dst_port;
	udp.dst_port = rte_cpu_to_be_16(p->reply_port);
	udp.dgram_len = rte_cpu_to_be_16((uint16_t)dlen);
	udp.dgram_cksum = 0;
	if (c->v6) {
		const struct rte_ipv6_hdr *req6 = (const struct rte_ipv6_hdr *)req_l3;
		struct {
			uint8_t src[16], dst[16];
			rte_be32_t len;
			uint8_t zero[3], proto;
		} __rte_packed psd6 = {.len = rte_cpu_to_be_32(dlen), .proto = IPPROTO_UDP};

		memcpy(psd6.src, req6->dst_addr, 16);
		memcpy(psd6.dst, req6->src_addr, 16);
		sum = rte_raw_cksum(&psd6, sizeof(psd6));
		id = w->ip6_frag_id++;
	} else {
		const struct rte_ipv4_hdr *req_ip = (const struct rte_ipv4_hdr *)req_l3;
		struct {
			rte_be32_t src, dst;
			uint8_t zero, proto;
			rte_be16_t len;
		} __rte_packed psd = {req_ip->src_addr, req_ip->dst_addr, 0, IPPROTO_UDP,
				      rte_cpu_to_be_16((uint16_t)dlen)};

		sum = rte_raw_cksum(&psd, sizeof(psd));
		id = w->ip_id++;
	}
	sum += (uint32_t)rte_raw_cksum(&udp, UDP_LEN) +
	       cksum_fold(cksum_partial(p->reply, p->reply_len, 0));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* partial sums add up only at even offsets: the text starts at offset 8 */
	udp.dgram_cksum = (uint16_t)~sum == 0 ? 0xffff : (uint16_t)~sum;

	while (done < dlen) {
		uint32_t len = RTE_MIN(chunk, dlen - done), hdr_part;
		bool more = done + len < dlen;
		struct rte_mbuf *m;
		uint8_t *dst;

		m = rte_pktmbuf_alloc(port->pool);
		if (m == NULL)
			goto out_free_frags;
		dst = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + hl + len));
		if (dst == NULL) {
			rte_pktmbuf_free(m);
			goto out_free_frags;
		}
		out[n++] = m;
		reply_l2(dst, rq, l2);
		if (c->v6) {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(dst + l2);
			struct rte_ipv6_fragment_ext *fh =
				(struct rte_ipv6_fragment_ext *)(ip6 + 1);

			reply_ip6(ip6, (const struct rte_ipv6_hdr *)req_l3,
				  (uint16_t)(FH6_LEN + len), IPPROTO_FRAGMENT);
			fh->next_header = IPPROTO_UDP;
			fh->reserved = 0;
			fh->frag_data = rte_cpu_to_be_16((uint16_t)(done | (more ? 1u : 0u)));
			fh->id = rte_cpu_to_be_32(id);
		} else {
			reply_ip4((struct rte_ipv4_hdr *)(dst + l2),
				  (const struct rte_ipv4_hdr *)req_l3, (uint16_t)len, (uint16_t)id,
				  (uint16_t)((done >> 3) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		}
		reply_cksum(m, port, l2, c->v6, false, 0);
		dst += l2 + hl;
		hdr_part = done < UDP_LEN ? RTE_MIN(UDP_LEN - done, len) : 0;
		if (hdr_part > 0)
			memcpy(dst, (const uint8_t *)&udp + done, hdr_part);
		memcpy(dst + hdr_part, p->reply + (done + hdr_part - UDP_LEN), len - hdr_part);
		done += len;
	}
	return n;

out_free_frags:
	rte_pktmbuf_free_bulk(out, n);
	return 0;
}

/*
 * UDP checksum of a reply from the values its headers get, not from the headers once stored:
 * a wide load over the narrow stores that just wrote them waits for them (store forwarding).
 * The addresses are the request's (their sum does not depend on their order); payload_sum is
 * the partial sum of the reply text. Every value is added as it is on the wire.
 */
static inline rte_be16_t
reply_udp_cksum(const uint8_t *req_l3, bool v6, rte_be16_t sport, rte_be16_t dport,
		rte_be16_t dgram_len, uint64_t payload_sum)
{
	uint64_t sum = cksum_add(payload_sum, (uint64_t)sport + dport + 2u * (uint64_t)dgram_len);
	uint16_t ck;

	ck = (uint16_t)~cksum_fold(pseudo_sum(req_l3, v6, 0, sum));
	/* a computed 0 is sent as all ones: 0 means "no checksum" (RFC 768) */
	return ck == 0 ? 0xffff : ck;
}

/* IPv4 header checksum of reply_ip4()'s header, from its values: rte_ipv4_cksum()'s result. */
static inline rte_be16_t
reply_ip4_cksum(const struct rte_ipv4_hdr *req_ip, uint8_t tos, uint16_t total, uint16_t id,
		uint16_t frag)
{
	uint32_t src = rte_be_to_cpu_32(req_ip->src_addr), dst = rte_be_to_cpu_32(req_ip->dst_addr);
	uint32_t sum = (uint32_t)RTE_IPV4_VHL_DEF << 8 | tos;
	uint16_t ck;

	sum += (uint32_t)total + id + frag + (64u << 8 | IPPROTO_UDP);
	sum += (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* as rte_ipv4_cksum(): a sum of all ones is sent as is, not as 0 */
	ck = sum == 0xffff ? (uint16_t)sum : (uint16_t)~sum;
	return rte_cpu_to_be_16(ck);
}

/*
 * The reply to a request: Ethernet addresses (same VLAN tags) and IP addresses swapped, UDP
 * from the port the request was sent to, to the port the pipeline chose. Returns the number of
 * frames (fragments), 0 when no mbuf was free.
 */
static inline unsigned int
build_reply(struct ush_dp_worker *w, const struct rte_mbuf *req, const struct pkt_cls *c,
	    const struct ush_auth_pkt *p, struct rte_mbuf **out)
{
	const struct ush_dp_port *port = &w->sh->port[USH_DP_OUTSIDE];
	const uint8_t *rq = rte_pktmbuf_mtod(req, const uint8_t *);
	const struct rte_udp_hdr *req_udp = (const struct rte_udp_hdr *)(rq + c->l4_off);
	const uint8_t *req_l3 = rq + c->l2_len;
	uint32_t l2 = c->l2_len, l3 = c->v6 ? IP6_LEN : IP_LEN, ulen = UDP_LEN + p->reply_len;
	rte_be16_t sport = req_udp->dst_port, dport = rte_cpu_to_be_16(p->reply_port);
	rte_be16_t dlen = rte_cpu_to_be_16((uint16_t)ulen);
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint8_t *frame;
	uint64_t sum;

	if (unlikely(l3 + ulen > port->mtu))
		return reply_fragments(w, req, c, p, out);
	m = rte_pktmbuf_alloc(port->pool);
	if (unlikely(m == NULL))
		return 0;
	/* rte_pktmbuf_append() on a fresh mbuf, without its chain walk */
	if (unlikely(l2 + l3 + ulen > rte_pktmbuf_tailroom(m))) {
		rte_pktmbuf_free(m);
		return 0;
	}
	m->data_len = (uint16_t)(l2 + l3 + ulen);
	m->pkt_len = l2 + l3 + ulen;
	frame = rte_pktmbuf_mtod(m, uint8_t *);
	reply_l2(frame, rq, l2);
	udp = (struct rte_udp_hdr *)(frame + l2 + l3);
	udp->src_port = sport;
	udp->dst_port = dport;
	udp->dgram_len = dlen;
	udp->dgram_cksum = 0;
	out[0] = m;
	if (port->tx_cksum_offload) {
		memcpy(udp + 1, p->reply, p->reply_len);
		if (c->v6)
			reply_ip6((struct rte_ipv6_hdr *)(frame + l2),
				  (const struct rte_ipv6_hdr *)req_l3, (uint16_t)ulen, IPPROTO_UDP);
		else
			reply_ip4((struct rte_ipv4_hdr *)(frame + l2),
				  (const struct rte_ipv4_hdr *)req_l3, (uint16_t)ulen, w->ip_id++,
				  RTE_IPV4_HDR_DF_FLAG);
		reply_cksum(m, port, l2, c->v6, true, 0);
		return 1;
	}

	/* without offload, the checksums are summed on the way: the text is read once */
	sum = cksum_copy(udp + 1, p->reply, p->reply_len, 0);
	udp->dgram_cksum = reply_udp_cksum(req_l3, c->v6, sport, dport, dlen, sum);
	m->l2_len = l2;
	m->l3_len = l3;
	if (c->v6) {
		reply_ip6((struct rte_ipv6_hdr *)(frame + l2), (const struct rte_ipv6_hdr *)req_l3,
			  (uint16_t)ulen, IPPROTO_UDP);
	} else {
		const struct rte_ipv4_hdr *req_ip = (const struct rte_ipv4_hdr *)req_l3;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2);
		uint16_t id = w->ip_id++;

		reply_ip4(ip, req_ip, (uint16_t)ulen, id, RTE_IPV4_HDR_DF_FLAG);
		ip->hdr_checksum =
			reply_ip4_cksum(req_ip, req_ip->type_of_service & 0xfc,
					(uint16_t)(IP_LEN + ulen), id, RTE_IPV4_HDR_DF_FLAG);
	}
	return 1;
}

/* Forward inward: a reassembled datagram as its original fragments. */
static inline void
send_inward(struct ush_dp_worker *w, struct ush_dp_txbuf *b, struct rte_mbuf *m,
	    const struct pkt_cls *c)
{
	struct rte_mbuf *frags[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
	unsigned int nf;

	if (likely(!c->reasm)) {
		send_one(w, b, m);
		return;
	}
	nf = frag_split(w, m, c->v6, frags);
	for (unsigned int k = 0; k < nf; k++)
		send_one(w, b, frags[k]);
}

/* ---- STIR/SHAKEN: held INVITEs (usher_priv.h draws the rings) ---- */

/*
 * Put the marked request (out, len bytes of SIP) in place of the frame's payload: IPv4 without
 * options or IPv6 without extension headers, one segment, room in the mbuf, within the inside
 * port's MTU. Lengths and checksums are fixed (by the device when it offloads them).
 * Returns false, the frame untouched, when it cannot be done.
 */
static bool
ident_rewrite(struct ush_dp_worker *w, struct rte_mbuf *m, const struct ush_dp_pend *h,
	      const char *out, uint32_t len)
{
	const struct ush_dp_port *port = &w->sh->port[USH_DP_INSIDE];
	uint32_t l3_len = h->v6 ? IP6_LEN : IP_LEN, frame = h->l4_off + UDP_LEN + len;
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, h->l2_len);
	struct rte_udp_hdr *udp;
	uint64_t sum;

	if (m->nb_segs != 1 || h->l4_off != h->l2_len + l3_len ||
	    (!h->v6 && (l3[0] & RTE_IPV4_HDR_IHL_MASK) != IP_LEN / 4) ||
	    l3_len + UDP_LEN + len > port->mtu ||
	    frame > (uint32_t)m->data_len + rte_pktmbuf_tailroom(m))
		return false;
	udp = (struct rte_udp_hdr *)(l3 + l3_len);
	m->data_len = (uint16_t)frame;
	m->pkt_len = frame;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(UDP_LEN + len));
	udp->dgram_cksum = 0;
	/* without offload the checksum is summed on the way, as for replies */
	if (port->tx_cksum_offload) {
		memcpy(udp + 1, out, len);
		sum = 0;
	} else {
		sum = cksum_copy(udp + 1, out, len, 0);
	}
	if (h->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(UDP_LEN + len));
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)(IP_LEN + UDP_LEN + len));
		ip->hdr_checksum = 0;
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	reply_cksum(m, port, h->l2_len, h->v6, true, sum);
	return true;
}

/* Send the reply the verdict asked for; consumes m. */
static void
ident_reply(struct ush_dp_worker *w, struct rte_mbuf *m, const struct ush_dp_pend *h,
	    const struct ush_auth_ident_res *res)
{
	struct pkt_cls c = {.l2_len = h->l2_len, .v6 = h->v6, .l4_off = h->l4_off};
	struct ush_auth_pkt p = {.reply = w->id_buf, .reply_len = (uint16_t)res->len,
				 .reply_port = res->reply_port};
	struct rte_mbuf *frames[REPLY_FRAGS_MAX];
	unsigned int nf = build_reply(w, m, &c, &p, frames);

	if (unlikely(nf == 0)) {
		w->ctr.c[USH_CTR_DROP_NO_MBUF]++;
	} else {
		w->ctr.c[res->ctr]++;
		for (unsigned int k = 0; k < nf; k++)
			send_one(w, &w->tx[USH_DP_OUTSIDE], frames[k]);
	}
	rte_pktmbuf_free(m);
}

/*
 * Apply a verdict (enum ush_ctl_idv; INTERNAL for no verdict) to the request sip (plen bytes)
 * of the frame m: reply, or forward inward marked with verstat. A request that cannot be
 * marked in place gets the unavailable policy instead (id_too_big), and is forwarded
 * unchanged when that policy forwards (a reassembled one as its fragments: c, or NULL for a
 * held frame, which is always one segment). Consumes m.
 */
static void
ident_apply(struct ush_dp_worker *w, struct rte_mbuf *m, const struct ush_dp_pend *h,
	    const struct pkt_cls *c, const char *sip, uint16_t plen, uint8_t idv,
	    const char *reason)
{
	struct ush_auth_ident_res res;

	ush_auth_ident_apply(w->auth, sip, plen, &h->src, idv, reason, w->id_buf, USH_DP_ID_BUF,
			     &res);
	if (unlikely(res.len < 0)) {
		w->ctr.c[USH_CTR_DROP_SIP_MALFORMED]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (res.reply) {
		ident_reply(w, m, h, &res);
		return;
	}
	if (likely((c == NULL || !c->reasm) && ident_rewrite(w, m, h, w->id_buf,
							      (uint32_t)res.len))) {
		w->ctr.c[USH_CTR_ID_VERSTAT_STRIPPED] += res.stripped;
		w->ctr.c[res.ctr]++;
		send_one(w, &w->tx[USH_DP_INSIDE], m);
		return;
	}
	w->ctr.c[USH_CTR_ID_TOO_BIG]++;
	ush_auth_ident_apply(w->auth, sip, plen, &h->src, USH_CTL_IDV_INTERNAL, NULL, w->id_buf,
			     USH_DP_ID_BUF, &res);
	if (res.len >= 0 && res.reply) {
		ident_reply(w, m, h, &res);
		return;
	}
	w->ctr.c[USH_CTR_ID_FWD_NO_VALIDATION]++;
	if (c != NULL)
		send_inward(w, &w->tx[USH_DP_INSIDE], m, c);
	else
		send_one(w, &w->tx[USH_DP_INSIDE], m);
}

/* The request of a held (one-segment) frame. */
static inline const char *
held_sip(const struct rte_mbuf *m, const struct ush_dp_pend *h, uint16_t *plen)
{
	const struct rte_udp_hdr *udp =
		rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, h->l4_off);

	*plen = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - UDP_LEN);
	return (const char *)(udp + 1);
}

static inline void
held_unlink(struct ush_dp_worker *w, uint32_t s)
{
	struct ush_dp_pend *h = &w->pend[s];

	if (h->prev != USH_DP_PEND_NONE)
		w->pend[h->prev].next = h->next;
	else
		w->held_head = h->next;
	if (h->next != USH_DP_PEND_NONE)
		w->pend[h->next].prev = h->prev;
	else
		w->held_tail = h->prev;
	h->m = NULL;
	h->gen++;
	w->pend_free[w->n_free++] = s;
	w->n_held--;
}

/*
 * An INVITE the pipeline gave USH_AUTH_PUNT: hold it in the pending table and queue its punt
 * record for the main lcore. Without a verifier, a free slot, a record buffer or room on the
 * ring, the unavailable policy applies now. Consumes m.
 */
static void
ident_punt(struct ush_dp_worker *w, struct rte_mbuf *m, const struct pkt_cls *c,
	   const struct ush_auth_pkt *p, uint64_t tsc)
{
	const struct ush_dp_shared *sh = w->sh;
	struct ush_dp_pend tmp = {.l2_len = c->l2_len, .v6 = c->v6, .l4_off = c->l4_off,
				  .src = p->src};
	struct ush_ctl_punt rec;
	struct ush_dp_punt *buf;
	struct ush_dp_pend *h;
	size_t off = 0;
	uint32_t s;

	/* a reassembled or chained datagram cannot be marked in place, so it is not held */
	if (unlikely(c->reasm || m->nb_segs != 1)) {
		w->ctr.c[USH_CTR_ID_TOO_BIG]++;
		goto out_unavailable;
	}
	if (!atomic_load_explicit(&sh->ident_peer, memory_order_relaxed)) {
		w->ctr.c[USH_CTR_ID_UNAVAILABLE]++;
		goto out_unavailable;
	}
	if (unlikely(w->n_free == 0)) {
		w->ctr.c[USH_CTR_ID_TABLE_FULL]++;
		goto out_unavailable;
	}
	if (unlikely(rte_mempool_get(sh->punt_pool, (void **)&buf) != 0)) {
		w->ctr.c[USH_CTR_ID_RING_FULL]++;
		goto out_unavailable;
	}
	s = w->pend_free[w->n_free - 1];
	h = &w->pend[s];
	rec = (struct ush_ctl_punt){
		.id = (uint64_t)w->id << 48 | (uint64_t)s << 32 | h->gen,
		.identity = p->sip + p->id_off[USH_AUTH_PUNT_IDENTITY],
		.identity_len = p->id_len[USH_AUTH_PUNT_IDENTITY],
		.from = p->sip + p->id_off[USH_AUTH_PUNT_FROM],
		.from_len = p->id_len[USH_AUTH_PUNT_FROM],
		.pai = p->sip + p->id_off[USH_AUTH_PUNT_PAI],
		.pai_len = p->id_len[USH_AUTH_PUNT_PAI],
		.to = p->sip + p->id_off[USH_AUTH_PUNT_TO],
		.to_len = p->id_len[USH_AUTH_PUNT_TO],
	};
	/* the pipeline checked every length against the record's limits */
	if (unlikely(ush_ctl_punt_put(buf->rec, sizeof(buf->rec), &off, &rec) < 0)) {
		rte_mempool_put(sh->punt_pool, buf);
		w->ctr.c[USH_CTR_ID_RING_FULL]++;
		goto out_unavailable;
	}
	buf->len = (uint32_t)off;
	if (unlikely(rte_ring_mp_enqueue(sh->punt_ring, buf) != 0)) {
		rte_mempool_put(sh->punt_pool, buf);
		w->ctr.c[USH_CTR_ID_RING_FULL]++;
		goto out_unavailable;
	}
	w->n_free--;
	tmp.gen = h->gen;
	tmp.m = m;
	tmp.deadline = tsc + sh->ident_timeout_tsc;
	tmp.next = USH_DP_PEND_NONE;
	tmp.prev = w->held_tail;
	*h = tmp;
	if (w->held_tail != USH_DP_PEND_NONE)
		w->pend[w->held_tail].next = s;
	else
		w->held_head = s;
	w->held_tail = s;
	w->n_held++;
	w->ctr.c[USH_CTR_ID_PUNTED]++;
	return;

out_unavailable:
	ident_apply(w, m, &tmp, c, p->sip, p->sip_len, USH_CTL_IDV_INTERNAL, NULL);
}

/* Release a held INVITE with a verdict (the slot is free again before the frame goes). */
static void
ident_release(struct ush_dp_worker *w, uint32_t s, uint8_t idv, const char *reason)
{
	struct ush_dp_pend h = w->pend[s];
	const char *sip;
	uint16_t plen;

	held_unlink(w, s);
	sip = held_sip(h.m, &h, &plen);
	ident_apply(w, h.m, &h, NULL, sip, plen, idv, reason);
}

/*
 * Verdicts that came back, then the held INVITEs past their deadline (the oldest first: held
 * in deadline order, so the check stops at the first one still in time). Called per loop
 * turn while something is held.
 */
static void
ident_poll(struct ush_dp_worker *w, uint64_t tsc)
{
	struct ush_dp_verdict v[USH_DP_BURST];
	char reason[USH_CTL_VERDICT_REASON_MAX + 1];
	unsigned int n;

	n = rte_ring_sc_dequeue_burst_elem(w->verdict_ring, v, sizeof(v[0]), USH_DP_BURST, NULL);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t s = (uint32_t)(v[i].id >> 32) & 0xffff;

		if (unlikely(s >= w->sh->ident_pending_max || w->pend[s].m == NULL ||
			     w->pend[s].gen != (uint32_t)v[i].id)) {
			w->ctr.c[USH_CTR_ID_VERDICT_LATE]++;
			continue;
		}
		memcpy(reason, v[i].reason, v[i].reason_len);
		reason[v[i].reason_len] = '\0';
		ident_release(w, s, v[i].idv, reason);
	}
	while (w->held_head != USH_DP_PEND_NONE && w->pend[w->held_head].deadline <= tsc) {
		w->ctr.c[USH_CTR_ID_TIMEOUT]++;
		ident_release(w, w->held_head, USH_CTL_IDV_INTERNAL, NULL);
	}
}

/*
 * Free the fragments of trains older than [reassembly] timeout_ms, counted drop_frag_timeout.
 * Returns how many. tsc = UINT64_MAX flushes the table (at most a death row at a time).
 */
static unsigned int
frag_expire(struct ush_dp_worker *w, uint64_t tsc)
{
	unsigned int n;

	if (w->frag_tbl == NULL)
		return 0;
	rte_ip_frag_table_del_expired_entries(w->frag_tbl, w->frag_dr, tsc);
	if (likely(w->frag_dr->cnt == 0))
		return 0;
	n = frag_account(w, 0, NULL);
	rte_ip_frag_free_death_row(w->frag_dr, USH_DP_PREFETCH);
	return n;
}

static inline uint32_t
now_seconds(const struct ush_dp_shared *sh, uint64_t tsc)
{
	return atomic_load_explicit(&sh->base_time, memory_order_relaxed) +
	       (uint32_t)((tsc - sh->base_tsc) / sh->tsc_hz);
}

void
ush_dp_clock_sync(struct ush_dp_shared *sh)
{
	struct timespec ts;
	uint64_t tsc;
	double anchor;
	uint32_t cur;

	clock_gettime(CLOCK_REALTIME, &ts);
	tsc = rte_rdtsc();
	/* the wall clock at base_tsc as it reads now; rounding flips only at the half second */
	anchor = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 -
		 (double)(tsc - sh->base_tsc) / (double)sh->tsc_hz;
	cur = atomic_load_explicit(&sh->base_time, memory_order_relaxed);
	if ((uint32_t)(anchor + 0.5) != cur)
		atomic_store_explicit(&sh->base_time, (uint32_t)(anchor + 0.5),
				      memory_order_relaxed);
}

static void
outside_burst(struct ush_dp_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc)
{
	struct ush_dp_txbuf *in_tx = &w->tx[USH_DP_INSIDE], *out_tx = &w->tx[USH_DP_OUTSIDE];
	struct ush_auth_pkt lanes[USH_DP_BURST];
	struct pkt_cls cls[USH_DP_BURST];
	uint32_t lin_used = 0;
	unsigned int n_lanes = 0, n_port = 0, n_non_udp = 0;
	uint8_t pass;
	uint16_t i;

	w->ctr.c[USH_CTR_RX_OUTSIDE] += n;
	/* [policy] passthrough, for this burst: what becomes of frames that are not SIP */
	pass = atomic_load_explicit(&w->sh->passthrough, memory_order_relaxed);
	pass = pass == USH_DP_PASS_FORWARD ? PKT_FWD : PKT_DROP;
	for (i = 0; i < n && i < USH_DP_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + USH_DP_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + USH_DP_PREFETCH], void *));
		classify(w, &pkts[i], &cls[i], pass, &lanes[n_lanes], &lin_used, tsc);
		if (cls[i].kind == PKT_SIP) {
			cls[i].lane = (uint8_t)n_lanes++;
		} else if (cls[i].kind == PKT_FWD && !cls[i].reasm) {
			n_port += cls[i].ctr == USH_CTR_FWD_NON_SIP_PORT;
			n_non_udp += cls[i].ctr == USH_CTR_FWD_NON_UDP;
		}
	}
	/* fragments of invalid, expired or unplaceable trains, counted already */
	if (unlikely(w->frag_dr != NULL && w->frag_dr->cnt > 0))
		rte_ip_frag_free_death_row(w->frag_dr, USH_DP_PREFETCH);
	if (n_port + n_non_udp == n) {
		/* all forwarded as they are (RTP, ...): count and hand over in one go */
		w->ctr.c[USH_CTR_FWD_NON_SIP_PORT] += n_port;
		w->ctr.c[USH_CTR_FWD_NON_UDP] += n_non_udp;
		send_many(w, in_tx, pkts, n);
		return;
	}
	if (n_lanes > 0) {
		/* facts the pipeline decides on: [lists] (lists.c) and [overload] */
		ush_dp_lists_lookup(atomic_load_explicit(&w->sh->lists, memory_order_acquire),
				    lanes, n_lanes);
		if (ush_dp_overloaded(w, n))
			ush_dp_shed(lanes, n_lanes);
		ush_auth_process_burst(w->auth, lanes, n_lanes, now_seconds(w->sh, tsc));
	}

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct ush_auth_pkt *p;
		struct rte_mbuf *frames[REPLY_FRAGS_MAX];
		unsigned int nf;

		switch (cls[i].kind) {
		case PKT_FWD:
			w->ctr.c[cls[i].ctr]++;
			send_inward(w, in_tx, m, &cls[i]);
			continue;
		case PKT_DROP:
			w->ctr.c[cls[i].ctr]++;
			rte_pktmbuf_free(m);
			continue;
		case PKT_GONE:
			continue;
		default:
			break;
		}
		p = &lanes[cls[i].lane];
		w->ctr.c[p->event]++; /* USH_CTR_COUNT, a spare slot, when there is no event */
		switch (p->action) {
		case USH_AUTH_FORWARD:
			w->ctr.c[p->ctr]++;
			send_inward(w, in_tx, m, &cls[i]);
			break;
		case USH_AUTH_REPLY:
			nf = build_reply(w, m, &cls[i], p, frames);
			if (unlikely(nf == 0)) {
				/* the outcome is what happened to the frame: no reply left */
				w->ctr.c[USH_CTR_DROP_NO_MBUF]++;
				USH_DP_LOG_DP(DEBUG, "worker %u: no mbuf for a %u-byte reply",
					      w->id, p->reply_len);
			} else {
				w->ctr.c[p->ctr]++;
				for (unsigned int k = 0; k < nf; k++)
					send_one(w, out_tx, frames[k]);
			}
			rte_pktmbuf_free(m);
			break;
		case USH_AUTH_PUNT:
			ident_punt(w, m, &cls[i], p, tsc);
			break;
		case USH_AUTH_IDENT: {
			struct ush_dp_pend h = {.l2_len = cls[i].l2_len, .v6 = cls[i].v6,
						.l4_off = cls[i].l4_off, .src = p->src};

			/* the lane's text: contiguous even when the frame is not */
			ident_apply(w, m, &h, &cls[i], p->sip, p->sip_len, p->idv, p->id_reason);
			break;
		}
		default:
			w->ctr.c[p->ctr]++;
			rte_pktmbuf_free(m);
			break;
		}
	}
}

static inline void
inside_burst(struct ush_dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct ush_dp_txbuf *out_tx = &w->tx[USH_DP_OUTSIDE];

	w->ctr.c[USH_CTR_RX_INSIDE] += n;
	w->ctr.c[USH_CTR_FWD_OUTWARD] += n;
	send_many(w, out_tx, pkts, n);
}

int
ush_dp_worker_main(void *arg)
{
	struct ush_dp_worker *w = arg;
	const struct ush_dp_shared *sh = w->sh;
	uint16_t out_port = sh->port[USH_DP_OUTSIDE].port_id;
	uint16_t in_port = sh->port[USH_DP_INSIDE].port_id;
	uint16_t q = w->id;
	struct rte_mbuf *pkts[USH_DP_BURST];
	uint64_t prev_tsc = rte_rdtsc();
	int rc;

	rc = rte_rcu_qsbr_thread_register(sh->rcu, w->id);
	if (rc != 0) {
		USH_DP_LOG(ERR, "worker %u: RCU register: %s", w->id, rte_strerror(rte_errno));
		atomic_store(&ush_dp_stop, true);
		return -EINVAL;
	}
	rte_rcu_qsbr_thread_online(sh->rcu, w->id);
	USH_DP_LOG(INFO, "worker %u on lcore %u (socket %u): queue %u on ports %u and %u", w->id,
		   w->lcore_id, rte_socket_id(), q, out_port, in_port);

	while (!atomic_load_explicit(&ush_dp_stop, memory_order_relaxed)) {
		uint64_t cur = rte_rdtsc();
		uint16_t n;

		if (unlikely(cur - prev_tsc > w->drain_tsc)) {
			for (unsigned int d = 0; d < USH_DP_NPORTS; d++)
				if (w->tx[d].len > 0)
					send_burst(w, &w->tx[d]);
			frag_expire(w, cur);
			prev_tsc = cur;
		}
		n = rte_eth_rx_burst(out_port, q, pkts, USH_DP_BURST);
		if (n > 0)
			outside_burst(w, pkts, n, cur);
		n = rte_eth_rx_burst(in_port, q, pkts, USH_DP_BURST);
		if (n > 0)
			inside_burst(w, pkts, n);
		if (unlikely(w->n_held > 0))
			ident_poll(w, cur);
		/* no reference to the credential table, nonce keys or lists survives this point */
		rte_rcu_qsbr_quiescent(sh->rcu, w->id);
	}

	/* INVITEs still held get the unavailable policy, as at a timeout */
	while (w->held_head != USH_DP_PEND_NONE) {
		w->ctr.c[USH_CTR_ID_TIMEOUT]++;
		ident_release(w, w->held_head, USH_CTL_IDV_INTERNAL, NULL);
	}
	for (unsigned int d = 0; d < USH_DP_NPORTS; d++)
		if (w->tx[d].len > 0)
			send_burst(w, &w->tx[d]);
	/* trains still incomplete: dropped and counted before the exit report */
	while (frag_expire(w, UINT64_MAX) > 0)
		;
	rte_rcu_qsbr_thread_offline(sh->rcu, w->id);
	rte_rcu_qsbr_thread_unregister(sh->rcu, w->id);
	return 0;
}

/* The worker's reassembly table ([reassembly]), on its socket; none when max_flows is 0. */
static int
frag_setup(struct ush_dp_worker *w)
{
	const struct ush_dp_shared *sh = w->sh;
	int socket = (int)rte_socket_id();
	uint64_t cycles;

	w->ip6_frag_id = (uint32_t)w->id << 24;
	if (sh->reasm_max_flows == 0)
		return 0;
	w->frag_off = rte_mbuf_dynfield_register(&frag_saved_desc);
	if (w->frag_off < 0)
		return -rte_errno;
	cycles = rte_get_tsc_hz() * sh->reasm_timeout_ms / 1000;
	/* buckets of 4, two per key: 4 slots per train keep a full bucket rare below max_flows */
	w->frag_tbl = rte_ip_frag_table_create(sh->reasm_max_flows, 4, sh->reasm_max_flows, cycles,
					       socket);
	if (w->frag_tbl == NULL)
		return -ENOMEM;
	w->frag_dr =
		rte_zmalloc_socket("ush_frag_dr", sizeof(*w->frag_dr), RTE_CACHE_LINE_SIZE, socket);
	if (w->frag_dr == NULL) {
		rte_ip_frag_table_destroy(w->frag_tbl);
		w->frag_tbl = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The pending table, the verdict ring and the rewrite scratch ([identity]). */
static int
ident_setup(struct ush_dp_worker *w)
{
	uint32_t max = w->sh->ident_pending_max;
	int socket = (int)rte_socket_id();
	char name[RTE_RING_NAMESIZE];

	w->held_head = w->held_tail = USH_DP_PEND_NONE;
	w->pend = rte_zmalloc_socket("ush_pend", sizeof(*w->pend) * max, RTE_CACHE_LINE_SIZE,
				     socket);
	w->pend_free = rte_malloc_socket("ush_pend_free", sizeof(uint32_t) * max, 0, socket);
	w->id_buf = rte_malloc_socket("ush_id_buf", USH_DP_ID_BUF, RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "ush_verdict_%u", w->id);
	/* a verdict per held slot at most: the ring cannot overflow with well-formed input */
	w->verdict_ring = rte_ring_create_elem(name, sizeof(struct ush_dp_verdict),
					       rte_align32pow2(max + 1), socket,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->pend == NULL || w->pend_free == NULL || w->id_buf == NULL ||
	    w->verdict_ring == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < max; i++)
		w->pend_free[i] = max - 1 - i;
	w->n_free = max;
	return 0;
}

static void
ident_free(struct ush_dp_worker *w)
{
	rte_ring_free(w->verdict_ring);
	w->verdict_ring = NULL;
	rte_free(w->id_buf);
	w->id_buf = NULL;
	rte_free(w->pend_free);
	w->pend_free = NULL;
	rte_free(w->pend);
	w->pend = NULL;
}

int
ush_dp_worker_setup(void *arg)
{
	struct ush_dp_worker *w = arg;
	const struct ush_dp_shared *sh = w->sh;
	int rc;

	/* runs on the worker's lcore so that what the pipeline allocates is local to it */
	w->lin = rte_malloc_socket("ush_lin", LIN_SIZE, RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (w->lin == NULL) {
		w->create_err = ENOMEM;
		return -ENOMEM;
	}
	w->lin_size = LIN_SIZE;
	w->drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * USH_DP_TX_DRAIN_US;
	w->ip_id = (uint16_t)(w->id << 12);
	for (unsigned int d = 0; d < USH_DP_NPORTS; d++) {
		w->tx[d].port = sh->port[d].port_id;
		w->tx[d].queue = w->id;
		w->tx[d].ctr_tx = d == USH_DP_OUTSIDE ? USH_CTR_TX_OUTSIDE : USH_CTR_TX_INSIDE;
	}
	w->auth = ush_auth_worker_create(w->auth_conf, &ush_dp_sh.auth, w->id, w->n_workers,
					 w->dconf);
	if (w->auth == NULL) {
		w->create_err = errno != 0 ? errno : ENOMEM;
		rte_free(w->lin);
		w->lin = NULL;
		return -w->create_err;
	}
	rc = frag_setup(w);
	if (rc == 0)
		rc = ident_setup(w);
	if (rc < 0) {
		w->create_err = -rc;
		ident_free(w);
		ush_auth_worker_free(w->auth);
		w->auth = NULL;
		rte_free(w->lin);
		w->lin = NULL;
		return rc;
	}
	return 0;
}

void
ush_dp_worker_free(struct ush_dp_worker *w)
{
	if (w == NULL)
		return;
	ush_auth_worker_free(w->auth);
	ident_free(w);
	if (w->frag_tbl != NULL)
		rte_ip_frag_table_destroy(w->frag_tbl);
	rte_free(w->frag_dr);
	rte_free(w->lin);
	rte_free(w);
}
