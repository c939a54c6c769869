/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Ethernet port set-up: one RX and one TX queue per worker, RSS, checksum offloads, mbuf pool. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "usher_priv.h"

int
ush_dp_port_resolve(const char *name, uint16_t *port_id)
{
	char *end;
	unsigned long id;

	id = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && *end == '\0') {
		if (id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)id))
			return -ENODEV;
		*port_id = (uint16_t)id;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

/* Smallest 2^k - 1 >= n: the size a ring-backed mempool uses best. */
static unsigned int
pool_size(unsigned int n)
{
	return rte_align32pow2(n + 1) - 1;
}

int
ush_dp_port_setup(struct ush_dp_port *p, uint16_t port_id, uint16_t n_queues,
		  unsigned int n_workers, uint16_t peer_txq_desc, unsigned int held_mbufs,
		  char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	uint16_t nb_rxd = USH_DP_RX_DESC, nb_txd = USH_DP_TX_DESC;
	uint64_t want;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	unsigned int n_mbufs;
	int socket, rc;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: cannot get device info: %s", port_id,
			 rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(port_id, p->name);
	if (info.max_rx_queues < n_queues || info.max_tx_queues < n_queues) {
		snprintf(err, errlen,
			 "port %u (%s): %u workers need %u RX and TX queues, the device "
			 "has %u RX and %u TX (net_pcap: one rx_pcap/tx_pcap per worker; or use "
			 "fewer worker lcores)",
			 port_id, p->name, n_workers, n_queues, info.max_rx_queues,
			 info.max_tx_queues);
		return -ENOTSUP;
	}

	if (n_queues > 1) {
		/* spreading is only for load: any worker verifies any nonce */
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf != 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		else
			/* vdevs (net_pcap, net_ring, net_null): each queue is its own source */
			USH_DP_LOG(WARNING,
				   "port %u (%s): no RSS on IP/UDP: each of the %u queues "
				   "gets only what the device puts on it",
				   port_id, p->name, n_queues);
	}
	/* RX checksum flags save the software check; TX offload only when the device does both */
	conf.rxmode.offloads = info.rx_offload_capa &
			       (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if ((info.tx_offload_capa & want) == want) {
		conf.txmode.offloads |= want;
		p->tx_cksum_offload = true;
	}
	/* forwarded frames may be chained (jumbo captures on net_pcap) */
	conf.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): configure: %s", port_id, p->name,
			 rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): descriptors: %s", port_id, p->name,
			 rte_strerror(-rc));
		return rc;
	}

	/*
	 * Where this pool's mbufs can be at once: its RX rings, its own TX rings (replies), the
	 * peer's TX rings (forwarded), each worker's rx burst and two TX buffers, the
	 * per-lcore caches (workers and the main lcore), and the fragments the reassembly tables
	 * may hold (held_mbufs).
	 */
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	n_mbufs = n_queues * (nb_rxd + nb_txd + peer_txq_desc) + n_workers * 3 * USH_DP_BURST +
		  (n_workers + 1) * USH_DP_MBUF_CACHE + held_mbufs;
	n_mbufs = pool_size(n_mbufs);
	snprintf(pool_name, sizeof(pool_name), "ush_mbuf_p%u", port_id);
	p->pool = rte_pktmbuf_pool_create(pool_name, n_mbufs, USH_DP_MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (p->pool == NULL) {
		snprintf(err, errlen,
			 "port %u (%s): cannot create a pool of %u mbufs: %s "
			 "(more memory: -m with --no-huge, or more hugepages)",
			 port_id, p->name, n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}

	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket, &rxconf,
					    p->pool);
		if (rc != 0) {
			snprintf(err, errlen, "port %u (%s): RX queue %u: %s", port_id, p->name, q,
				 rte_strerror(-rc));
			goto out_free_pool;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket, &txconf);
		if (rc != 0) {
			snprintf(err, errlen, "port %u (%s): TX queue %u: %s", port_id, p->name, q,
				 rte_strerror(-rc));
			goto out_free_pool;
		}
	}
	if (rte_eth_dev_get_mtu(port_id, &p->mtu) != 0 || p->mtu < 576)
		p->mtu = RTE_ETHER_MTU;
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): start: %s", port_id, p->name,
			 rte_strerror(-rc));
		goto out_free_pool;
	}
	rc = rte_eth_promiscuous_enable(port_id);
	if (rc != 0 && rc != -ENOTSUP)
		USH_DP_LOG(WARNING, "port %u (%s): promiscuous mode: %s", port_id, p->name,
			   rte_strerror(-rc));
	USH_DP_LOG(INFO,
		   "port %u (%s): %u queue pair(s)%s, %u/%u descriptors, %u mbufs, MTU %u, "
		   "TX checksum %s",
		   port_id, p->name, n_queues,
		   conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? " with RSS" : "", nb_rxd, nb_txd,
		   n_mbufs, p->mtu, p->tx_cksum_offload ? "offloaded" : "in software");
	return 0;

out_free_pool:
	rte_eth_dev_close(port_id);
	rte_mempool_free(p->pool);
	p->pool = NULL;
	return rc;
}

void
ush_dp_port_close(struct ush_dp_port *p)
{
	int rc;

	rc = rte_eth_dev_stop(p->port_id);
	if (rc != 0)
		USH_DP_LOG(WARNING, "port %u (%s): stop: %s", p->port_id, p->name,
			   rte_strerror(-rc));
	rte_eth_dev_close(p->port_id);
}
