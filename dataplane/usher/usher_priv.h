/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Private header of the usher program: the EAL glue around the authentication pipeline
 * (configuration, ports, worker loop, credentials swap, counters).
 */

#ifndef USHER_PRIV_H
#define USHER_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "usher_counters.h"
#include "ush_auth.h"

extern int ush_dp_logtype;
extern int ush_dp_logtype_worker;
#define RTE_LOGTYPE_USHER ush_dp_logtype
#define RTE_LOGTYPE_USHER_WORKER ush_dp_logtype_worker

/** Control-path log line (start-up, reload, shutdown): "USHER: ...". */
#define USH_DP_LOG(level, fmt, ...) RTE_LOG(level, USHER, fmt "\n", ##__VA_ARGS__)
/** Packet-path log line: compiled out above RTE_LOG_DP_LEVEL. */
#define USH_DP_LOG_DP(level, fmt, ...) RTE_LOG_DP(level, USHER_WORKER, fmt "\n", ##__VA_ARGS__)

#define USH_DP_BURST 32          /**< rx burst and TX buffer size */
#define USH_DP_PREFETCH 3        /**< packets prefetched ahead */
#define USH_DP_TX_DRAIN_US 100   /**< longest time a frame waits in a TX buffer */
#define USH_DP_RX_DESC 1024
#define USH_DP_TX_DESC 1024
#define USH_DP_MBUF_CACHE 256
#define USH_DP_MAX_WORKERS 128
#define USH_DP_MAX_SIP_PORTS 32
#define USH_DP_PATH_MAX 1024

static_assert(USH_DP_BURST <= USH_AUTH_BURST_MAX, "one rx burst must fit one pipeline call");

/** Where a configuration value came from, for `file:line: message` errors. */
struct ush_dp_origin {
	char where[USH_DP_PATH_MAX + 64];
};

/** What to do with traffic that is not IPv4/UDP to a SIP port. */
enum ush_dp_passthrough {
	USH_DP_PASS_FORWARD = 0,
	USH_DP_PASS_DROP,
};

/** The parsed configuration file (docs/configuration.md). */
struct ush_dp_conf {
	char path[USH_DP_PATH_MAX];

	/* [ports]: ids, or names resolved after EAL init */
	char outside_name[64];
	char inside_name[64];
	struct ush_dp_origin outside_at;
	struct ush_dp_origin inside_at;

	/* [workers] */
	bool lcores_set;
	uint16_t n_lcores;
	uint16_t lcores[USH_DP_MAX_WORKERS];
	struct ush_dp_origin lcores_at;

	/* [sip] */
	uint16_t n_sip_ports;
	uint16_t sip_ports[USH_DP_MAX_SIP_PORTS];

	/* [auth] */
	struct ush_auth_conf auth;
	char nonce_secret_file[USH_DP_PATH_MAX];
	struct ush_dp_origin nonce_secret_at;
	unsigned int nc_table_order;

	/* [policy] */
	uint8_t passthrough; /**< enum ush_dp_passthrough */

	/* [credentials] */
	char creds_file[USH_DP_PATH_MAX];

	/* [log] */
	uint32_t log_level; /**< RTE_LOG_* */
};

/**
 * Read and check the configuration file, then apply the overrides. Needs no EAL.
 * @param err  "file:line: message" on error
 * @return 0, or -EINVAL (err filled).
 */
int
ush_dp_conf_load(struct ush_dp_conf *conf, const char *path, const char *const *overrides,
		 unsigned int n_overrides, char *err, size_t errlen);

/** Per-lcore counters: written by the owning worker only, read by the main lcore. */
struct ush_dp_counters {
	/* one spare slot at USH_CTR_COUNT: "no event" is counted there, without a branch */
	uint64_t c[USH_CTR_COUNT + 1];
} __rte_cache_aligned;

/** A TX buffer of one port on one worker (l3fwd's mbuf table). */
struct ush_dp_txbuf {
	uint16_t port;
	uint16_t queue;
	uint16_t len;
	uint8_t ctr_tx;  /**< USH_CTR_TX_INSIDE or USH_CTR_TX_OUTSIDE */
	struct rte_mbuf *m[USH_DP_BURST];
};

enum ush_dp_dir {
	USH_DP_OUTSIDE = 0,
	USH_DP_INSIDE,
	USH_DP_NPORTS,
};

/** Per-port facts the packet path needs. */
struct ush_dp_port {
	uint16_t port_id;
	uint16_t mtu;
	bool tx_cksum_offload; /**< IPv4 + UDP checksum computed by the device */
	struct rte_mempool *pool;
	char name[RTE_ETH_NAME_MAX_LEN];
};

/** Read-only state every worker uses. Set up by main before the workers start. */
struct ush_dp_shared {
	struct ush_dp_port port[USH_DP_NPORTS];
	uint64_t sip_port_map[65536 / 64]; /**< bit per UDP destination port */
	uint8_t passthrough;
	/**
	 * Wall clock (seconds) at base_tsc. The main lcore re-anchors it when the TSC and the
	 * (NTP-disciplined) wall clock drift a second apart, so that nodes keep agreeing on
	 * nonce timestamps; workers load it once per burst.
	 */
	_Atomic uint32_t base_time;
	uint64_t base_tsc;
	uint64_t tsc_hz;
	struct rte_rcu_qsbr *rcu;
	struct ush_auth_shared auth;
};

/** The one shared state of the process (usher.c). */
extern struct ush_dp_shared ush_dp_sh;

/** A worker lcore's context, allocated on its own socket. */
struct ush_dp_worker {
	/* hot, read-mostly */
	const struct ush_dp_shared *sh;
	struct ush_auth_worker *auth;
	unsigned int lcore_id;
	uint16_t id; /**< worker index = queue id on both ports = RCU thread id */
	uint16_t ip_id;
	uint64_t drain_tsc;

	struct ush_dp_txbuf tx[USH_DP_NPORTS];

	struct ush_dp_counters ctr;

	/* payload copies of SIP frames whose UDP payload spans several segments */
	char *lin;
	uint32_t lin_size;

	/* start-up only */
	const struct ush_auth_conf *auth_conf;
	const struct ush_digest_conf *dconf;
	uint16_t n_workers;
	int create_err; /**< errno of the set-up run on the lcore */
} __rte_cache_aligned;

/* port.c */
int
ush_dp_port_setup(struct ush_dp_port *p, uint16_t port_id, uint16_t n_queues,
		  unsigned int n_workers, uint16_t peer_txq_desc, char *err, size_t errlen);
int
ush_dp_port_resolve(const char *name, uint16_t *port_id);
void
ush_dp_port_close(struct ush_dp_port *p);

/* worker.c */
extern atomic_bool ush_dp_stop;
int
ush_dp_worker_setup(void *arg);
int
ush_dp_worker_main(void *arg);
void
ush_dp_worker_free(struct ush_dp_worker *w);
void
ush_dp_clock_sync(struct ush_dp_shared *sh);

/* creds.c */
int
ush_dp_creds_load(const char *path, struct ush_credtab **out, char *err, size_t errlen);
int
ush_dp_creds_swap(struct ush_credtab *fresh);
int
ush_dp_secret_read(const char *path, uint8_t *buf, size_t cap, size_t *len, char *err,
		   size_t errlen);

/* stats.c */
void
ush_dp_counters_sum(struct ush_dp_worker *const *w, unsigned int n, uint64_t *total);
void
ush_dp_stats_print(FILE *f, struct ush_dp_worker *const *w, unsigned int n);
int
ush_dp_stats_json(const char *path, struct ush_dp_worker *const *w, unsigned int n,
		  uint64_t mbufs, uint64_t mbufs_returned);

#endif /* USHER_PRIV_H */
