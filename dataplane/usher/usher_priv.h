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
#include <pthread.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
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
/** Most fragments of one reassembled datagram (DPDK's RTE_LIBRTE_IP_FRAG_MAX_FRAG) */
#define USH_DP_FRAG_MAX RTE_LIBRTE_IP_FRAG_MAX_FRAG

static_assert(USH_DP_BURST <= USH_AUTH_BURST_MAX, "one rx burst must fit one pipeline call");

/** Where a configuration value came from, for `file:line: message` errors. */
struct ush_dp_origin {
	char where[USH_DP_PATH_MAX + 64];
};

/** Where a [lists] entry came from (struct ush_dp_cidr.src). */
enum ush_dp_list_src {
	USH_DP_LIST_BLOCK = 0, /**< [lists] block */
	USH_DP_LIST_BLOCK_FILE,
	USH_DP_LIST_ALLOW,
	USH_DP_LIST_ALLOW_FILE,
	USH_DP_LIST_NSRC,
	USH_DP_LIST_LIVE = USH_DP_LIST_NSRC, /**< added through the control socket (list.add) */
};

/** Keys of the configuration table (config.c), an upper bound for per-key arrays. */
#define USH_DP_CONF_KEYS_MAX 64
/** Longest value of a key (rte_cfgfile's CFG_VALUE_LEN, NUL included). */
#define USH_DP_CONF_VALUE_MAX 256

/** One prefix of the block or allow list, as read from the configuration. */
struct ush_dp_cidr {
	uint8_t addr[16]; /**< network byte order; IPv4 in the first 4 bytes */
	uint8_t af;       /**< AF_INET or AF_INET6 */
	uint8_t depth;    /**< prefix length: 1..32 or 1..128 */
	uint8_t flag;     /**< USH_AUTH_PKT_BLOCK or USH_AUTH_PKT_ALLOW */
	uint8_t src;      /**< enum ush_dp_list_src */
	uint32_t line;    /**< line in the list file; 0 for the inline keys */
};

/** How a worker tells it is overloaded ([overload], docs/configuration.md). */
enum ush_dp_shed_mode {
	USH_DP_SHED_OFF = 0,
	USH_DP_SHED_QUEUE_COUNT, /**< rte_eth_rx_queue_count() at or above a threshold */
	USH_DP_SHED_FULL_BURSTS, /**< that many full rx bursts in a row (driver cannot count) */
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

	/* [reassembly] */
	uint32_t reasm_max_flows;  /**< fragment trains per worker; 0 = no reassembly */
	uint32_t reasm_timeout_ms; /**< a train incomplete this long is dropped */

	/* [credentials] */
	char creds_file[USH_DP_PATH_MAX];

	/* [protection]: the policies are in auth (ban_src, ban_user, rate, *_action) */
	unsigned int guard_table_order;

	/* [lists]: every prefix of the inline keys and files, malloc'd (ush_dp_conf_free) */
	struct ush_dp_cidr *cidrs;
	unsigned int n_cidrs;
	unsigned int cap_cidrs;
	struct ush_dp_origin list_at[USH_DP_LIST_NSRC]; /**< where each key was set */
	char list_file[USH_DP_LIST_NSRC][USH_DP_PATH_MAX]; /**< *_FILE slots: the paths */

	/* [overload] */
	bool shed;
	uint16_t shed_full_bursts;
	uint8_t shed_queue_fill; /**< percent of the RX ring */

	/* [identity]: the policy is in auth.ident (live) */
	uint32_t ident_pending_max; /**< held INVITEs per worker */
	uint32_t ident_timeout_ms;  /**< a held INVITE waits this long for its verdict */

	/* [log] */
	uint32_t log_level; /**< RTE_LOG_* */

	/* [control] */
	char ctl_socket[USH_DP_PATH_MAX]; /**< "" = no control socket */
	char ctl_group[64];               /**< "" = root only */
	char node[64];                    /**< "" = the host name */
	uint32_t ctl_wait_sync; /**< seconds to wait for usherd's first full push; 0 = none */

	/** The text of each key given as a parser function's input (ush_dp_conf_get()). */
	char raw[USH_DP_CONF_KEYS_MAX][USH_DP_CONF_VALUE_MAX];
};

/**
 * Read and check the configuration file, then apply the overrides. Needs no EAL.
 * @param err  "file:line: message" on error
 * @return 0, or -EINVAL (err filled).
 */
int
ush_dp_conf_load(struct ush_dp_conf *conf, const char *path, const char *const *overrides,
		 unsigned int n_overrides, char *err, size_t errlen);

/** Free what ush_dp_conf_load() allocated (the [lists] prefixes). */
void
ush_dp_conf_free(struct ush_dp_conf *conf);

/**
 * Apply one key to conf (a copy of the running configuration), through the same parser as
 * the file, for the control socket's "set". Needs no EAL.
 * @param name  "section.key"
 * @param err   the message the file would give for this value, less its "file:line: "
 * @return 0, -ENOENT (no such key), -EPERM (the key needs a restart), -EINVAL (bad value).
 */
int
ush_dp_conf_set(struct ush_dp_conf *conf, const char *name, const char *value, char *err,
		size_t errlen);

/** Number of configuration keys (for ush_dp_conf_get()). */
unsigned int
ush_dp_conf_nkeys(void);

/**
 * The i-th key of the table: its "section.key" name, its value in conf as text, whether
 * "set" may change it while running.
 * @return 0, or -ENOENT past the last key.
 */
int
ush_dp_conf_get(const struct ush_dp_conf *conf, unsigned int i, char *name, size_t nlen,
		char *value, size_t vlen, bool *live);

/** Index of key "section.key" for ush_dp_conf_get(), or -ENOENT. */
int
ush_dp_conf_find(const char *name);

/**
 * Parse a prefix as [lists] does ("192.0.2.0/24", "2001:db8::/32", an address alone).
 * @return 0, or -EINVAL with msg set.
 */
int
ush_dp_cidr_parse(const char *text, struct ush_dp_cidr *c, char *msg, size_t len);

struct rte_lpm;
struct rte_lpm6;
struct rte_ip_frag_tbl;
struct rte_ip_frag_death_row;

/** The block and allow lists: longest prefix wins, next hop = the lane flag to set. */
struct ush_dp_lists {
	struct rte_lpm *v4;   /**< NULL without IPv4 prefixes */
	struct rte_lpm6 *v6;  /**< NULL without IPv6 prefixes */
	uint32_t n_v4;
	uint32_t n_v6;
};

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

/*
 * STIR/SHAKEN punts (docs/identity.md): workers hold an initial INVITE in their pending table
 * and put a punt record on punt_ring; the main lcore sends the records to usherd (PUNT frames)
 * and puts each verdict that comes back on the worker's verdict ring.
 *
 *   worker (many) --rte_ring MP/SC: struct ush_dp_punt *--> main lcore --PUNT--> usherd
 *   worker <--rte_ring SP/SC: struct ush_dp_verdict-- main lcore <--VERDICT-- usherd
 *
 * The record buffers come from punt_pool (a mempool: a worker takes, the main lcore gives
 * back), so nothing on the packet path allocates; a full ring or empty pool, like a full
 * pending table, applies the [identity] unavailable policy at once.
 */
#define USH_DP_PUNT_RING 1024 /**< punt records in flight to the main lcore */

/** A punt record on its way (the wire record, include/usher_ctl.h, ready to send). */
struct ush_dp_punt {
	uint32_t len;
	uint8_t rec[USH_CTL_PUNT_REC_MAX];
};

/** A verdict for one held INVITE (rte_ring element: a multiple of 4 bytes). */
struct ush_dp_verdict {
	uint64_t id;    /**< worker << 48 | slot << 32 | generation */
	uint8_t idv;    /**< enum ush_ctl_idv */
	uint8_t attest;
	uint8_t reason_len;
	uint8_t pad;
	char reason[USH_CTL_VERDICT_REASON_MAX];
};

static_assert(sizeof(struct ush_dp_verdict) % 4 == 0, "rte_ring element size");

/** One held INVITE: slot of a worker's pending table. */
struct ush_dp_pend {
	struct rte_mbuf *m; /**< NULL: the slot is free */
	uint64_t deadline;  /**< TSC after which the unavailable policy applies */
	uint32_t gen;       /**< bumped when the slot is freed: late verdicts are told apart */
	uint32_t prev;      /**< held slots in the order they were taken (= deadline order) */
	uint32_t next;
	uint16_t l4_off;
	uint8_t l2_len;
	uint8_t v6;
	struct ush_reply_source src;
};

/** Read-only state every worker uses. Set up by main before the workers start. */
struct ush_dp_shared {
	struct ush_dp_port port[USH_DP_NPORTS];
	uint64_t sip_port_map[65536 / 64]; /**< bit per UDP destination port */
	_Atomic uint8_t passthrough; /**< [policy] passthrough: live, read relaxed once per burst */
	uint32_t reasm_max_flows;  /**< [reassembly], per worker */
	uint32_t reasm_timeout_ms;
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
	/**
	 * The block and allow lists in force: swapped whole by the control socket (list.add,
	 * list.del), freed after an RCU grace period; workers load the pointer once per burst.
	 */
	const struct ush_dp_lists *_Atomic lists;
	/* [overload], live: each read relaxed, a burst may see a mix of old and new values */
	_Atomic uint8_t shed_mode;          /**< enum ush_dp_shed_mode */
	_Atomic uint16_t shed_full_bursts;  /**< USH_DP_SHED_FULL_BURSTS: full bursts in a row */
	_Atomic uint16_t shed_rxq_fill;     /**< USH_DP_SHED_QUEUE_COUNT: descriptors in use */
	/* [identity] */
	struct rte_ring *punt_ring;     /**< workers -> main lcore (MP/SC) */
	struct rte_mempool *punt_pool;  /**< struct ush_dp_punt buffers */
	/** A verifier (usherd, hello "identity": true) is connected: workers may punt. */
	atomic_bool ident_peer;
	uint32_t ident_pending_max;     /**< slots per worker */
	uint64_t ident_timeout_tsc;
};

/** The one shared state of the process (usher.c). */
extern struct ush_dp_shared ush_dp_sh;

/** Seconds on the workers' clock (the now they give the pipeline), from any thread. */
static inline uint32_t
ush_dp_now(const struct ush_dp_shared *sh)
{
	return atomic_load_explicit(&sh->base_time, memory_order_relaxed) +
	       (uint32_t)((rte_rdtsc() - sh->base_tsc) / sh->tsc_hz);
}

/** A worker lcore's context, allocated on its own socket. */
struct ush_dp_worker {
	/* hot, read-mostly */
	const struct ush_dp_shared *sh;
	struct ush_auth_worker *auth;
	unsigned int lcore_id;
	uint16_t id; /**< worker index = queue id on both ports = RCU thread id */
	uint16_t ip_id;
	uint32_t ip6_frag_id; /**< Identification of the next fragmented IPv6 reply */
	uint16_t full_run; /**< consecutive full outside rx bursts (overload detection) */
	uint64_t drain_tsc;

	struct ush_dp_txbuf tx[USH_DP_NPORTS];

	struct ush_dp_counters ctr;

	/* payload copies of SIP frames whose UDP payload spans several segments */
	char *lin;

	/* [identity]: held INVITEs, their verdicts; the rewrite scratch */
	struct ush_dp_pend *pend;
	uint32_t *pend_free;      /**< stack of free slots */
	uint32_t n_free;
	uint32_t n_held;          /**< 0: the loop skips the verdict ring and the timeouts */
	uint32_t held_head;       /**< oldest held slot, USH_DP_PEND_NONE when none */
	uint32_t held_tail;
	struct rte_ring *verdict_ring; /**< main lcore -> this worker (SP/SC) */
	char *id_buf;             /**< a marked request or a reply is written here */

	/* IP reassembly, NULL with [reassembly] max_flows = 0; the death row is emptied per burst */
	struct rte_ip_frag_tbl *frag_tbl;
	struct rte_ip_frag_death_row *frag_dr;
	int frag_off; /**< offset of the mbuf dynamic field saving what reassembly rewrites */
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
		  unsigned int n_workers, uint16_t peer_txq_desc, unsigned int held_mbufs,
		  char *err, size_t errlen);
int
ush_dp_port_resolve(const char *name, uint16_t *port_id);
void
ush_dp_port_close(struct ush_dp_port *p);

/* worker.c */
#define USH_DP_PEND_NONE UINT32_MAX
#define USH_DP_ID_BUF (USH_SIP_MAX_MSG + 1024) /**< a request plus what marking adds */
extern atomic_bool ush_dp_stop;
int
ush_dp_worker_setup(void *arg);
int
ush_dp_worker_main(void *arg);
void
ush_dp_worker_free(struct ush_dp_worker *w);
void
ush_dp_clock_sync(struct ush_dp_shared *sh);

/* lists.c */
int
ush_dp_lists_create(struct ush_dp_lists *l, const struct ush_dp_cidr *v, unsigned int n,
		    int socket, char *err, size_t errlen);
void
ush_dp_lists_free(struct ush_dp_lists *l);
/**
 * Build lists from v and publish them to the workers; the lists in force before are freed
 * after an RCU grace period (main lcore; the first call, before workers, publishes only).
 * @return 0, or -errno with err filled (the lists in force are kept).
 */
int
ush_dp_lists_swap(const struct ush_dp_cidr *v, unsigned int n, char *err, size_t errlen);
/** Free the lists in force (at exit, workers stopped). */
void
ush_dp_lists_release(void);
void
ush_dp_lists_lookup(const struct ush_dp_lists *l, struct ush_auth_pkt *lanes, unsigned int n);

/*
 * Overload: is the worker falling behind on its outside RX queue? Called once per outside
 * burst that has SIP lanes, with the burst's size n. A burst short of USH_DP_BURST means the
 * ring was drained, so the (driver-dependent, possibly slow) descriptor count is asked only
 * after full bursts.
 */
static inline bool
ush_dp_overloaded(struct ush_dp_worker *w, uint16_t n)
{
	const struct ush_dp_shared *sh = w->sh;
	uint8_t mode;
	int used;

	if (likely(n < USH_DP_BURST)) {
		w->full_run = 0;
		return false;
	}
	mode = atomic_load_explicit(&sh->shed_mode, memory_order_relaxed);
	if (mode == USH_DP_SHED_OFF) {
		w->full_run = 0;
		return false;
	}
	if (mode == USH_DP_SHED_QUEUE_COUNT) {
		used = rte_eth_rx_queue_count(sh->port[USH_DP_OUTSIDE].port_id, w->id);
		return used >= (int)atomic_load_explicit(&sh->shed_rxq_fill, memory_order_relaxed);
	}
	if (w->full_run < UINT16_MAX)
		w->full_run++;
	return w->full_run >= atomic_load_explicit(&sh->shed_full_bursts, memory_order_relaxed);
}

/** Mark every lane of an overloaded burst: the pipeline sheds new challenges first. */
static inline void
ush_dp_shed(struct ush_auth_pkt *lanes, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		lanes[i].flags |= USH_AUTH_PKT_SHED;
}

/* usher.c: what a live configuration change needs besides the pipeline's conf */
/** [overload] from conf into ush_dp_sh (start-up, and "set" of an [overload] key). */
void
ush_dp_shed_setup(const struct ush_dp_conf *conf);
/**
 * Allocate the [protection] tables conf needs and the process lacks (a policy enabled live).
 * @return 0, or -ENOMEM with err filled.
 */
int
ush_dp_guard_ensure(const struct ush_dp_conf *conf, char *err, size_t errlen);

/* control.c: the control socket ([control], include/usher_ctl.h) */
/**
 * Open the control socket of [control] socket, if any (after the workers were created).
 * conf is the running configuration: "set" updates it in place.
 * @return 0, or -errno with err filled.
 */
int
ush_dp_ctl_init(struct ush_dp_conf *conf, const struct ush_digest_conf *dconf,
		struct ush_dp_worker *const *w, unsigned int n, char *err, size_t errlen);
/**
 * The main lcore's wait of one management period: serves the control socket meanwhile
 * (without one, sleeps). Returns after at most period_us.
 */
void
ush_dp_ctl_wait(unsigned int period_us);
/**
 * Before the workers start: serve the control socket until a full credentials transfer
 * has been committed, or seconds have passed ([control] wait_sync).
 * @return true when the credentials arrived, false on time-out or a stop signal.
 */
bool
ush_dp_ctl_wait_sync(unsigned int seconds, const atomic_bool *stop);
/** Close every connection (aborting a credentials transfer) and the socket. */
void
ush_dp_ctl_close(void);
/**
 * The running configuration is read by telemetry (its own thread) and written by "set" (the
 * main lcore): both hold this lock meanwhile.
 */
extern pthread_mutex_t ush_dp_conf_lock;

/* telemetry.c */
int
ush_dp_telemetry_init(const struct ush_dp_conf *conf, struct ush_dp_worker *const *w,
		      unsigned int n);
void
ush_dp_telemetry_stop(void);

/*
 * creds_file.c: needs no EAL, so usher-explain links it with config.c (the usher_conf
 * library of meson.build) to load a configuration exactly as usher does.
 */
/** Load a credentials file ("" gives an empty table). @return 0 or -errno, err filled. */
int
ush_dp_creds_load(const char *path, struct ush_credtab **out, char *err, size_t errlen);
/**
 * Read a nonce secret file: its bytes less trailing CR/LF, at least USH_NONCE_SECRET_MIN.
 * @param loose  set when group or others may read the file
 * @return 0 or -errno, err filled.
 */
int
ush_dp_secret_load(const char *path, uint8_t *buf, size_t cap, size_t *len, bool *loose,
		   char *err, size_t errlen);

/* creds.c */
int
ush_dp_creds_swap(struct ush_credtab *fresh);
/** ush_dp_secret_load(), with a warning in the log when the file is readable by others. */
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
