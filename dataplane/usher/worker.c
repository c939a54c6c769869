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
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "usher_priv.h"

atomic_bool ush_dp_stop;

#define ETH_LEN ((uint32_t)sizeof(struct rte_ether_hdr))
#define IP_LEN	((uint32_t)sizeof(struct rte_ipv4_hdr))
#define UDP_LEN ((uint32_t)sizeof(struct rte_udp_hdr))
/* a reply of USH_REPLY_MAX bytes on the smallest MTU we accept (576) */
#define REPLY_FRAGS_MAX 8
/* multi-segment SIP payloads are copied here, bump-allocated per burst */
#define LIN_SIZE (128 * 1024)

static_assert(USH_REPLY_MAX + UDP_LEN <= REPLY_FRAGS_MAX * ((576 - IP_LEN) & ~7u),
	      "a reply must fit REPLY_FRAGS_MAX fragments at MTU 576");

/* What the L2-L4 stage decided for one outside frame. */
enum pkt_kind {
	PKT_SIP = 0, /* to the pipeline, lane in pkt_cls.lane */
	PKT_FWD,     /* forward inward as is, count pkt_cls.ctr */
	PKT_DROP,    /* free, count pkt_cls.ctr */
};

struct pkt_cls {
	uint8_t kind;
	uint8_t ctr;
	uint8_t lane;
	uint8_t ihl; /* IPv4 header bytes, for the reply */
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

static inline uint8_t
passthrough(const struct ush_dp_shared *sh, uint8_t ctr, uint8_t *kind)
{
	if (likely(sh->passthrough == USH_DP_PASS_FORWARD)) {
		*kind = PKT_FWD;
		return ctr;
	}
	*kind = PKT_DROP;
	return USH_CTR_DROP_PASSTHROUGH;
}

/* Ones' complement sum of the UDP datagram and its pseudo-header is 0xffff when intact. */
static inline bool
udp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp,
	     uint32_t l4_off, uint16_t ulen)
{
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed psd = {ip->src_addr, ip->dst_addr, 0, IPPROTO_UDP, rte_cpu_to_be_16(ulen)};
	uint32_t sum;
	uint16_t raw;

	if (likely(l4_off + ulen <= m->data_len))
		raw = rte_raw_cksum(udp, ulen);
	else if (rte_raw_cksum_mbuf(m, l4_off, ulen, &raw) != 0)
		return false;
	sum = (uint32_t)raw + rte_raw_cksum(&psd, sizeof(psd));
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * L2-L4 of one outside frame (IPv4/UDP only in this version: VLAN, IPv6 and fragments follow
 * the pass-through policy). Fills the lane when the frame goes to the pipeline.
 */
static inline void
classify(struct ush_dp_worker *w, struct rte_mbuf *m, struct pkt_cls *c, struct ush_auth_pkt *lane,
	 uint32_t *lin_used)
{
	const struct ush_dp_shared *sh = w->sh;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint32_t ihl, tot, l4_off, off, ulen, plen;
	uint64_t fl;
	uint16_t dport;

	if (unlikely(m->data_len < ETH_LEN) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		c->ctr = passthrough(sh, USH_CTR_FWD_NON_UDP, &c->kind);
		return;
	}
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (unlikely(m->data_len < ETH_LEN + IP_LEN))
		goto malformed;
	ihl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	tot = rte_be_to_cpu_16(ip->total_length);
	/* frames may carry Ethernet padding after the datagram, never less than it */
	if (unlikely((ip->version_ihl >> 4) != 4 || ihl < IP_LEN || tot < ihl ||
		     tot > m->pkt_len - ETH_LEN || m->data_len < ETH_LEN + ihl))
		goto malformed;
	if (unlikely((ip->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) ||
	    ip->next_proto_id != IPPROTO_UDP) {
		c->ctr = passthrough(sh, USH_CTR_FWD_NON_UDP, &c->kind);
		return;
	}
	l4_off = ETH_LEN + ihl;
	if (unlikely(tot < ihl + UDP_LEN || m->data_len < l4_off + UDP_LEN))
		goto malformed;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen < UDP_LEN || ulen > tot - ihl))
		goto malformed;
	dport = rte_be_to_cpu_16(udp->dst_port);
	if (!(sh->sip_port_map[dport >> 6] & (UINT64_C(1) << (dport & 63)))) {
		c->ctr = passthrough(sh, USH_CTR_FWD_NON_SIP_PORT, &c->kind);
		return;
	}

	/* headed for the pipeline: the checksums must hold */
	fl = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(fl == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		     (fl != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, ihl) != 0xffff)))
		goto malformed;
	fl = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (unlikely(fl == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		     (fl != RTE_MBUF_F_RX_L4_CKSUM_GOOD && udp->dgram_cksum != 0 &&
		      !udp_cksum_ok(m, ip, udp, l4_off, (uint16_t)ulen)))) {
		c->kind = PKT_DROP;
		c->ctr = USH_CTR_DROP_UDP_CHECKSUM;
		return;
	}

	off = l4_off + UDP_LEN;
	plen = ulen - UDP_LEN;
	if (likely(off + plen <= m->data_len)) {
		lane->sip = rte_pktmbuf_mtod_offset(m, const char *, off);
	} else {
		/* payload spans segments: the pipeline wants it contiguous */
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
	lane->src.af = AF_INET;
	memcpy(lane->src.addr, &ip->src_addr, 4);
	lane->src.port = rte_be_to_cpu_16(udp->src_port);
	c->kind = PKT_SIP;
	c->ihl = (uint8_t)ihl;
	return;
malformed:
	c->kind = PKT_DROP;
	c->ctr = USH_CTR_DROP_IP_MALFORMED;
}

/* Ethernet and IPv4 headers of a reply frame (or fragment) whose payload is in place. */
static inline void
reply_l2l3(struct rte_mbuf *m, const struct ush_dp_port *port, const struct rte_ether_hdr *req_eth,
	   const struct rte_ipv4_hdr *req_ip, uint16_t ip_payload, uint16_t id, uint16_t frag,
	   bool has_udp)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	rte_ether_addr_copy(&req_eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&req_eth->dst_addr, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
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
	m->l2_len = ETH_LEN;
	m->l3_len = IP_LEN;
	if (port->tx_cksum_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		if (has_udp) {
			struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		}
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

/*
 * A reply larger than the MTU goes out as IPv4 fragments (RFC 3261 §18.1.1 leaves large UDP
 * responses to IP fragmentation). The UDP checksum spans all fragments: computed here.
 */
static unsigned int
reply_fragments(struct ush_dp_worker *w, const struct rte_mbuf *req, uint32_t ihl,
		const struct ush_auth_pkt *p, struct rte_mbuf **out)
{
	const struct ush_dp_port *port = &w->sh->port[USH_DP_OUTSIDE];
	const struct rte_ether_hdr *req_eth = rte_pktmbuf_mtod(req, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *req_ip = (const struct rte_ipv4_hdr *)(req_eth + 1);
	const struct rte_udp_hdr *req_udp =
		(const struct rte_udp_hdr *)((const uint8_t *)req_ip + ihl);
	uint32_t dlen = UDP_LEN + p->reply_len, chunk = (port->mtu - IP_LEN) & ~7u, done = 0;
	struct rte_udp_hdr udp;
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed psd = {req_ip->src_addr, req_ip->dst_addr, 0, IPPROTO_UDP,
			      rte_cpu_to_be_16((uint16_t)dlen)};
	unsigned int n = 0;
	uint32_t sum;

	udp.src_port = req_udp->dst_port;
	udp.dst_port = rte_cpu_to_be_16(p->reply_port);
	udp.dgram_len = rte_cpu_to_be_16((uint16_t)dlen);
	udp.dgram_cksum = 0;
	sum = (uint32_t)rte_raw_cksum(&psd, sizeof(psd)) + rte_raw_cksum(&udp, UDP_LEN) +
	      rte_raw_cksum(p->reply, p->reply_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	/* partial sums add up only at even offsets: the text starts at offset 8 */
	udp.dgram_cksum = (uint16_t)~sum == 0 ? 0xffff : (uint16_t)~sum;

	w->ip_id++;
	while (done < dlen) {
		uint32_t len = RTE_MIN(chunk, dlen - done);
		uint16_t frag = (uint16_t)(done >> 3);
		struct rte_mbuf *m;
		uint8_t *dst;
		uint32_t hdr_part;

		if (done + len < dlen)
			frag |= RTE_IPV4_HDR_MF_FLAG;
		m = rte_pktmbuf_alloc(port->pool);
		if (m == NULL)
			goto out_free_frags;
		dst = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH_LEN + IP_LEN + len));
		if (dst == NULL) {
			rte_pktmbuf_free(m);
			goto out_free_frags;
		}
		out[n++] = m;
		reply_l2l3(m, port, req_eth, req_ip, (uint16_t)len, w->ip_id, frag, false);
		dst += ETH_LEN + IP_LEN;
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
 * The reply to a request: Ethernet and IPv4 addresses swapped, UDP from the port the request
 * was sent to, to the port the pipeline chose. Returns the number of frames (fragments), 0 when
 * no mbuf was free.
 */
static inline unsigned int
build_reply(struct ush_dp_worker *w, const struct rte_mbuf *req, uint32_t ihl,
	    const struct ush_auth_pkt *p, struct rte_mbuf **out)
{
	const struct ush_dp_port *port = &w->sh->port[USH_DP_OUTSIDE];
	const struct rte_ether_hdr *req_eth = rte_pktmbuf_mtod(req, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *req_ip = (const struct rte_ipv4_hdr *)(req_eth + 1);
	const struct rte_udp_hdr *req_udp =
		(const struct rte_udp_hdr *)((const uint8_t *)req_ip + ihl);
	uint32_t ulen = UDP_LEN + p->reply_len;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	char *frame;

	if (unlikely(IP_LEN + ulen > port->mtu))
		return reply_fragments(w, req, ihl, p, out);
	m = rte_pktmbuf_alloc(port->pool);
	if (unlikely(m == NULL))
		return 0;
	frame = rte_pktmbuf_append(m, (uint16_t)(ETH_LEN + IP_LEN + ulen));
	if (unlikely(frame == NULL)) {
		rte_pktmbuf_free(m);
		return 0;
	}
	ip = (struct rte_ipv4_hdr *)(frame + ETH_LEN);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = req_udp->dst_port;
	udp->dst_port = rte_cpu_to_be_16(p->reply_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)ulen);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, p->reply, p->reply_len);
	/* the IPv4 header first: the UDP checksum covers its addresses */
	reply_l2l3(m, port, req_eth, req_ip, (uint16_t)ulen, w->ip_id++, RTE_IPV4_HDR_DF_FLAG,
		   true);
	if (!port->tx_cksum_offload)
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	out[0] = m;
	return 1;
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
	unsigned int n_lanes = 0;
	uint16_t i;

	w->ctr.c[USH_CTR_RX_OUTSIDE] += n;
	for (i = 0; i < n && i < USH_DP_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + USH_DP_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + USH_DP_PREFETCH], void *));
		classify(w, pkts[i], &cls[i], &lanes[n_lanes], &lin_used);
		if (cls[i].kind == PKT_SIP)
			cls[i].lane = (uint8_t)n_lanes++;
	}
	if (n_lanes > 0)
		ush_auth_process_burst(w->auth, lanes, n_lanes, now_seconds(w->sh, tsc));

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct ush_auth_pkt *p;
		struct rte_mbuf *frames[REPLY_FRAGS_MAX];
		unsigned int nf;

		switch (cls[i].kind) {
		case PKT_FWD:
			w->ctr.c[cls[i].ctr]++;
			send_one(w, in_tx, m);
			continue;
		case PKT_DROP:
			w->ctr.c[cls[i].ctr]++;
			rte_pktmbuf_free(m);
			continue;
		default:
			break;
		}
		p = &lanes[cls[i].lane];
		w->ctr.c[p->event]++; /* USH_CTR_COUNT, a spare slot, when there is no event */
		switch (p->action) {
		case USH_AUTH_FORWARD:
			w->ctr.c[p->ctr]++;
			send_one(w, in_tx, m);
			break;
		case USH_AUTH_REPLY:
			nf = build_reply(w, m, cls[i].ihl, p, frames);
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
	for (uint16_t i = 0; i < n; i++)
		send_one(w, out_tx, pkts[i]);
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
			prev_tsc = cur;
		}
		n = rte_eth_rx_burst(out_port, q, pkts, USH_DP_BURST);
		if (n > 0)
			outside_burst(w, pkts, n, cur);
		n = rte_eth_rx_burst(in_port, q, pkts, USH_DP_BURST);
		if (n > 0)
			inside_burst(w, pkts, n);
		/* no reference to the credential table survives this point */
		rte_rcu_qsbr_quiescent(sh->rcu, w->id);
	}

	for (unsigned int d = 0; d < USH_DP_NPORTS; d++)
		if (w->tx[d].len > 0)
			send_burst(w, &w->tx[d]);
	rte_rcu_qsbr_thread_offline(sh->rcu, w->id);
	rte_rcu_qsbr_thread_unregister(sh->rcu, w->id);
	return 0;
}

int
ush_dp_worker_setup(void *arg)
{
	struct ush_dp_worker *w = arg;
	const struct ush_dp_shared *sh = w->sh;

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
	return 0;
}

void
ush_dp_worker_free(struct ush_dp_worker *w)
{
	if (w == NULL)
		return;
	ush_auth_worker_free(w->auth);
	rte_free(w->lin);
	rte_free(w);
}
