/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher: start-up, the main lcore's management loop, and the clean shutdown. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#ifdef RTE_LIB_PDUMP
#include <rte_pdump.h>
#endif

#include "usher_priv.h"

RTE_LOG_REGISTER_DEFAULT(ush_dp_logtype, INFO);
RTE_LOG_REGISTER_SUFFIX(ush_dp_logtype_worker, worker, INFO);

#define MAX_OVERRIDES	  64
#define SECRET_MAX	  4096
#define RANDOM_SECRET_LEN 32
#define MGMT_PERIOD_US	  10000
/* ush_guard.h wants a sweep at least every 2^15 - 16 s; often enough to keep tables lean */
#define GUARD_SWEEP_S 600

/* Exit status (docs/running.md). */
#define EXIT_USAGE 2
#define EXIT_LEAK  3

struct ush_dp_shared ush_dp_sh;

/* memory of the [protection] tables (usher_priv.h has the tables themselves in ush_dp_sh) */
static void *bans_mem, *rates_mem;

static atomic_bool reload_requested;
static atomic_bool stats_requested;

struct app_args {
	const char *config;
	const char *stats_json;
	unsigned long idle_exit; /* seconds, 0 = never */
	const char *overrides[MAX_OVERRIDES];
	unsigned int n_overrides;
	bool help;
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- --config FILE [options]\n"
		"\n"
		"Usher: SIP digest authentication at line rate. Requests arriving on the outside\n"
		"port are challenged (401/407) or verified; only authenticated ones reach the\n"
		"inside port. Everything from the inside port goes out unchanged.\n"
		"\n"
		"EAL options come first (DPDK 22.11 EAL parameters), e.g.\n"
		"  -l 0-2            main lcore 0 (management), worker lcores 1 and 2\n"
		"  --no-huge --no-shconf -m 256\n"
		"                    run without hugepages (tests, demos)\n"
		"  --vdev 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap'\n"
		"                    a port fed from a capture, writing one\n"
		"  -a 0000:3b:00.0   a real NIC bound to vfio-pci\n"
		"\n"
		"Options after '--':\n"
		"  --config FILE     configuration (INI), required: docs/configuration.md\n"
		"  --set SECTION.KEY=VALUE\n"
		"                    override one configuration key (repeatable, applied\n"
		"                    after the file), e.g. --set auth.realm=example.com\n"
		"  --idle-exit SECONDS\n"
		"                    stop after SECONDS without any received frame (both\n"
		"                    ports), counted from when the ports started: for tests\n"
		"                    and demos on net_pcap, whose rx ends with the file\n"
		"  --stats-json FILE at exit, write every counter (total and per worker) and\n"
		"                    the mbuf check as one JSON line to FILE\n"
		"  -h, --help        this text\n"
		"\n"
		"Signals: SIGINT/SIGTERM stop cleanly (counters printed, mbufs checked);\n"
		"SIGHUP reloads the [credentials] file (a bad file keeps the old table);\n"
		"SIGUSR1 prints the counters.\n"
		"\n"
		"Exit status: 0 clean stop; 1 start-up failure (configuration errors read\n"
		"'file:line: message'), EAL, ports; 2 usage error; 3 mbufs leaked at exit.\n"
		"Counters: docs/counters.md. Running on vdevs and real NICs: docs/running.md.\n",
		prog);
}

enum app_opt {
	OPT_CONFIG = 0,
	OPT_STATS_JSON,
	OPT_IDLE_EXIT,
	OPT_SET,
	OPT_COUNT,
};

static const char *const app_opt_names[OPT_COUNT] = {
	[OPT_CONFIG] = "--config",
	[OPT_STATS_JSON] = "--stats-json",
	[OPT_IDLE_EXIT] = "--idle-exit",
	[OPT_SET] = "--set",
};

/* Options after "--", each as "--opt value" or "--opt=value". Returns 0, or -1 (printed). */
static int
parse_app_args(int argc, char **argv, struct app_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i], *val = NULL;
		size_t ol = strcspn(opt, "=");
		unsigned int k;

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			a->help = true;
			continue;
		}
		for (k = 0; k < OPT_COUNT; k++)
			if (strlen(app_opt_names[k]) == ol &&
			    strncmp(opt, app_opt_names[k], ol) == 0)
				break;
		if (k == OPT_COUNT) {
			fprintf(stderr, "usher: unknown option '%s'\n", opt);
			return -1;
		}
		if (opt[ol] == '=')
			val = opt + ol + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		if (val == NULL) {
			fprintf(stderr, "usher: %s needs a value\n", opt);
			return -1;
		}
		switch ((enum app_opt)k) {
		case OPT_CONFIG:
			a->config = val;
			break;
		case OPT_STATS_JSON:
			a->stats_json = val;
			break;
		case OPT_IDLE_EXIT: {
			char *end;

			errno = 0;
			a->idle_exit = strtoul(val, &end, 10);
			if (*val < '0' || *val > '9' || *end != '\0' || errno != 0 ||
			    a->idle_exit == 0 || a->idle_exit > 86400) {
				fprintf(stderr,
					"usher: --idle-exit: '%s' is not a number of seconds "
					"from 1 to 86400\n",
					val);
				return -1;
			}
			break;
		}
		default:
			if (a->n_overrides == MAX_OVERRIDES) {
				fprintf(stderr, "usher: more than %d --set\n", MAX_OVERRIDES);
				return -1;
			}
			a->overrides[a->n_overrides++] = val;
			break;
		}
	}
	return 0;
}

static void
signal_handler(int sig)
{
	if (sig == SIGHUP)
		atomic_store(&reload_requested, true);
	else if (sig == SIGUSR1)
		atomic_store(&stats_requested, true);
	else
		atomic_store(&ush_dp_stop, true);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Nonce keys from the secret file, or a random secret when there is none. */
static int
setup_nonce_keys(const struct ush_dp_conf *conf, const struct ush_digest_conf *dconf, char *err,
		 size_t errlen)
{
	static uint8_t secret[SECRET_MAX];
	struct ush_digest_ctx *ctx;
	size_t len = 0;
	char msg[USH_DP_PATH_MAX + 64];
	int rc;

	if (conf->nonce_secret_file[0] != '\0') {
		rc = ush_dp_secret_read(conf->nonce_secret_file, secret, sizeof(secret), &len, msg,
					sizeof(msg));
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", conf->nonce_secret_at.where, msg);
			return rc;
		}
	} else {
		if (getrandom(secret, RANDOM_SECRET_LEN, 0) != RANDOM_SECRET_LEN) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return -EIO;
		}
		len = RANDOM_SECRET_LEN;
		if (conf->ctl_socket[0] != '\0')
			USH_DP_LOG(INFO, "no [auth] nonce_secret_file: a random nonce secret until "
					 "usherd pushes its keys");
		else
			USH_DP_LOG(WARNING, "no [auth] nonce_secret_file: random nonce secret; "
					    "nodes will not share nonces, a restart invalidates them");
	}
	ctx = ush_digest_ctx_create(dconf);
	if (ctx == NULL) {
		rc = -errno;
		snprintf(err, errlen, "digest engine: %s", strerror(errno));
		goto out_wipe;
	}
	rc = ush_nonce_keys_init(ctx, &ush_dp_sh.auth.keys, 1, secret, len, 0, NULL, 0);
	if (rc < 0)
		snprintf(err, errlen, "nonce keys: %s", strerror(-rc));
	ush_digest_ctx_free(ctx);
out_wipe:
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

static uint64_t
total_rx(struct ush_dp_worker *const *w, unsigned int n)
{
	uint64_t v[USH_CTR_COUNT];

	ush_dp_counters_sum(w, n, v);
	return v[USH_CTR_RX_OUTSIDE] + v[USH_CTR_RX_INSIDE];
}

static void
reload_credentials(const struct ush_dp_conf *conf)
{
	struct ush_credtab *t;
	char err[USH_DP_PATH_MAX + 256];

	if (conf->creds_file[0] == '\0') {
		USH_DP_LOG(WARNING, "SIGHUP: no [credentials] file configured, nothing to reload");
		return;
	}
	if (ush_dp_creds_load(conf->creds_file, &t, err, sizeof(err)) < 0) {
		USH_DP_LOG(ERR, "SIGHUP: %s (keeping the current credentials)", err);
		return;
	}
	ush_dp_creds_swap(t);
	USH_DP_LOG(INFO, "SIGHUP: %s reloaded, %u entries", conf->creds_file, ush_credtab_count(t));
}

/*
 * The ban and rate tables of [protection]: only those a policy uses, seeded from getrandom.
 * At start-up, and when "set" enables a policy live (the workers take the new table with the
 * conf published after this: ush_auth.h).
 */
int
ush_dp_guard_ensure(const struct ush_dp_conf *conf, char *err, size_t errlen)
{
	const struct ush_auth_conf *a = &conf->auth;
	size_t size = ush_guard_table_size(conf->guard_table_order);
	uint64_t seed[2];
	int socket = (int)rte_socket_id();

	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	if ((a->ban_src.threshold != 0 || a->ban_user.threshold != 0) && bans_mem == NULL) {
		bans_mem = rte_zmalloc_socket("ush_bans", size, RTE_CACHE_LINE_SIZE, socket);
		if (bans_mem == NULL)
			goto out_nomem;
		ush_dp_sh.auth.bans =
			ush_guard_table_init(bans_mem, conf->guard_table_order, seed[0]);
	}
	if (a->rate.rate != 0 && rates_mem == NULL) {
		rates_mem = rte_zmalloc_socket("ush_rates", size, RTE_CACHE_LINE_SIZE, socket);
		if (rates_mem == NULL)
			goto out_nomem;
		ush_dp_sh.auth.rates =
			ush_guard_table_init(rates_mem, conf->guard_table_order, seed[1]);
	}
	explicit_bzero(seed, sizeof(seed));
	if ((bans_mem != NULL && ush_dp_sh.auth.bans == NULL) ||
	    (rates_mem != NULL && ush_dp_sh.auth.rates == NULL)) {
		snprintf(err, errlen, "protection table initialisation failed");
		return -EINVAL;
	}
	return 0;

out_nomem:
	explicit_bzero(seed, sizeof(seed));
	snprintf(err, errlen,
		 "cannot allocate a protection table (%zu bytes for table_order %u): give EAL "
		 "more memory (-m with --no-huge)",
		 size, conf->guard_table_order);
	return -ENOMEM;
}

/* Clears the slots that no longer matter, before their 16-bit stamps could wrap. */
static void
sweep_guard(const struct ush_dp_conf *conf)
{
	const struct ush_auth_conf *a = &conf->auth;
	uint32_t now = ush_dp_now(&ush_dp_sh);
	uint64_t n;

	if (ush_dp_sh.auth.bans != NULL) {
		uint16_t age = a->ban_src.window;

		/* the policies share the table: the longer window or ban decides */
		age = RTE_MAX(age, a->ban_src.ban_time);
		age = RTE_MAX(age, a->ban_user.window);
		age = RTE_MAX(age, a->ban_user.ban_time);

		n = ush_guard_table_sweep(ush_dp_sh.auth.bans, now, age);
		USH_DP_LOG(DEBUG, "ban table: %" PRIu64 " stale slots cleared", n);
	}
	if (ush_dp_sh.auth.rates != NULL) {
		/* a bucket untouched for burst / rate seconds is full again: as good as absent */
		unsigned int burst = a->rate.burst > 0 ? a->rate.burst : 1;
		uint16_t age = (uint16_t)((burst + a->rate.rate - 1) / a->rate.rate);

		n = ush_guard_table_sweep(ush_dp_sh.auth.rates, now, age);
		USH_DP_LOG(DEBUG, "rate table: %" PRIu64 " stale slots cleared", n);
	}
}

/*
 * [overload]: the drivers that count RX descriptors in use (rte_eth_rx_queue_count) say how
 * full the ring is; for the others (net_pcap, virtio, ...) full bursts in a row stand in.
 */
void
ush_dp_shed_setup(const struct ush_dp_conf *conf)
{
	const struct ush_dp_port *p = &ush_dp_sh.port[USH_DP_OUTSIDE];
	struct rte_eth_rxq_info qi;
	uint8_t mode = USH_DP_SHED_OFF;
	uint16_t fill16 = 0;

	/* each value is read alone by the workers: a burst mixing old and new is harmless */
	atomic_store_explicit(&ush_dp_sh.shed_full_bursts, conf->shed_full_bursts,
			      memory_order_relaxed);
	if (!conf->shed) {
		atomic_store_explicit(&ush_dp_sh.shed_mode, mode, memory_order_relaxed);
		return;
	}
	mode = USH_DP_SHED_FULL_BURSTS;
	if (rte_eth_rx_queue_count(p->port_id, 0) >= 0 &&
	    rte_eth_rx_queue_info_get(p->port_id, 0, &qi) == 0 && qi.nb_desc > 0) {
		unsigned int fill = (unsigned int)qi.nb_desc * conf->shed_queue_fill / 100;

		mode = USH_DP_SHED_QUEUE_COUNT;
		fill16 = (uint16_t)(fill > 0 ? fill : 1);
		atomic_store_explicit(&ush_dp_sh.shed_rxq_fill, fill16, memory_order_relaxed);
		USH_DP_LOG(INFO,
			   "overload: shedding new challenges when %u of %u RX descriptors "
			   "are in use",
			   fill16, qi.nb_desc);
	} else if (conf->shed_full_bursts == 0) {
		/* A full burst alone does not mean overload: a busy worker that keeps up sees
		 * only full bursts. Without a queue count, shed only when told how to guess. */
		mode = USH_DP_SHED_OFF;
		USH_DP_LOG(INFO,
			   "overload: port %u cannot count RX descriptors and "
			   "[overload] full_bursts is 0: no shedding",
			   p->port_id);
	} else {
		USH_DP_LOG(INFO,
			   "overload: port %u cannot count RX descriptors: shedding new "
			   "challenges after %u full bursts in a row",
			   p->port_id, conf->shed_full_bursts);
	}
	atomic_store_explicit(&ush_dp_sh.shed_mode, mode, memory_order_relaxed);
}

/* Runs until a signal or --idle-exit stops the workers. */
static void
management_loop(const struct ush_dp_conf *conf, const struct app_args *args,
		struct ush_dp_worker *const *w, unsigned int n)
{
	uint64_t hz = rte_get_timer_hz(), last_rx = 0, last_change = rte_get_timer_cycles();
	uint64_t last_sync = last_change, last_sweep = last_change;

	while (!atomic_load(&ush_dp_stop)) {
		uint64_t now, rx;

		/* the control socket is served here, on this lcore, between the other duties */
		ush_dp_ctl_wait(MGMT_PERIOD_US);
		if (atomic_exchange(&reload_requested, false))
			reload_credentials(conf);
		if (atomic_exchange(&stats_requested, false)) {
			ush_dp_stats_print(stdout, w, n);
			fflush(stdout);
		}
		now = rte_get_timer_cycles();
		if (now - last_sync >= hz) {
			ush_dp_clock_sync(&ush_dp_sh);
			last_sync = now;
		}
		if (now - last_sweep >= GUARD_SWEEP_S * hz) {
			sweep_guard(conf);
			last_sweep = now;
		}
		rx = total_rx(w, n);
		if (rx != last_rx) {
			last_rx = rx;
			last_change = now;
		} else if (args->idle_exit != 0 && now - last_change >= args->idle_exit * hz) {
			USH_DP_LOG(INFO, "no frame received for %lu s: stopping (--idle-exit)",
				   args->idle_exit);
			atomic_store(&ush_dp_stop, true);
		}
	}
}

/* The worker lcores: [workers] lcores, or every worker lcore EAL has. */
static int
choose_workers(const struct ush_dp_conf *conf, unsigned int *lcores, unsigned int *n, char *err,
	       size_t errlen)
{
	unsigned int l;

	*n = 0;
	if (!conf->lcores_set) {
		/* RTE_LCORE_FOREACH_WORKER, spelt out: clang-format mangles the macro */
		for (l = rte_get_next_lcore(-1, 1, 0); l < RTE_MAX_LCORE && *n < USH_DP_MAX_WORKERS;
		     l = rte_get_next_lcore(l, 1, 0))
			lcores[(*n)++] = l;
		if (*n == 0) {
			snprintf(err, errlen,
				 "no worker lcore: give EAL the main lcore and at least "
				 "one more, e.g. -l 0-1");
			return -EINVAL;
		}
		return 0;
	}
	for (unsigned int i = 0; i < conf->n_lcores; i++) {
		l = conf->lcores[i];
		if (!rte_lcore_is_enabled(l) || l == rte_get_main_lcore()) {
			snprintf(err, errlen,
				 "%s: workers.lcores: lcore %u is not a worker lcore "
				 "(give it to EAL -l; the main lcore %u manages)",
				 conf->lcores_at.where, l, rte_get_main_lcore());
			return -EINVAL;
		}
		lcores[(*n)++] = l;
	}
	return 0;
}

static const char *
algos_text(const struct ush_auth_conf *a, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < a->n_algos && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
					ush_algo_name((enum ush_algo)a->algos[i]));
	return buf;
}

/* Every mbuf back in its pool? Returns the number missing. */
static uint64_t
check_pools(uint64_t *size, uint64_t *avail)
{
	*size = 0;
	*avail = 0;
	for (unsigned int d = 0; d < USH_DP_NPORTS; d++) {
		struct rte_mempool *mp = ush_dp_sh.port[d].pool;

		if (mp == NULL)
			continue;
		*size += mp->size;
		*avail += rte_mempool_avail_count(mp);
	}
	return *size - *avail;
}

int
main(int argc, char **argv)
{
	static struct ush_dp_conf conf;
	struct ush_digest_conf dconf = {0};
	struct app_args args = {0};
	struct ush_dp_worker *workers[USH_DP_MAX_WORKERS] = {0};
	unsigned int lcores[USH_DP_MAX_WORKERS], n_workers;
	uint16_t port_ids[USH_DP_NPORTS];
	struct ush_credtab *creds;
	char err[4096], algos[128];
	uint64_t size, avail, leaked;
	int eal_argc, rc, status = EXIT_SUCCESS;
	uint64_t nc_seed;
	size_t nc_size;
	void *nc_mem;

	/* our options first, so that --help and configuration errors need no EAL */
	for (eal_argc = 1; eal_argc < argc && strcmp(argv[eal_argc], "--") != 0; eal_argc++)
		if (strcmp(argv[eal_argc], "--help") == 0 || strcmp(argv[eal_argc], "-h") == 0)
			args.help = true;
	if (eal_argc < argc &&
	    parse_app_args(argc - eal_argc - 1, argv + eal_argc + 1, &args) < 0) {
		fprintf(stderr, "Try '%s -- --help'.\n", argv[0]);
		return EXIT_USAGE;
	}
	if (args.help) {
		usage(stdout, argv[0]);
		return EXIT_SUCCESS;
	}
	if (args.config == NULL) {
		fprintf(stderr,
			"usher: --config FILE is required (after '--')\nTry '%s -- --help'.\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (ush_dp_conf_load(&conf, args.config, args.overrides, args.n_overrides, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}

	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
	rte_log_set_level_pattern("usher*", conf.log_level);
	install_signals();

	/* ports and lcores exist only now: their errors still name the configuration line */
	if (ush_dp_port_resolve(conf.outside_name, &port_ids[USH_DP_OUTSIDE]) < 0)
		rte_exit(EXIT_FAILURE, "%s: ports.outside: no port '%s' (%u ports available)\n",
			 conf.outside_at.where[0] ? conf.outside_at.where : conf.path,
			 conf.outside_name, rte_eth_dev_count_avail());
	if (ush_dp_port_resolve(conf.inside_name, &port_ids[USH_DP_INSIDE]) < 0)
		rte_exit(EXIT_FAILURE, "%s: ports.inside: no port '%s' (%u ports available)\n",
			 conf.inside_at.where[0] ? conf.inside_at.where : conf.path,
			 conf.inside_name, rte_eth_dev_count_avail());
	if (port_ids[USH_DP_OUTSIDE] == port_ids[USH_DP_INSIDE])
		rte_exit(EXIT_FAILURE,
			 "%s: ports.inside: the inside port must differ from the "
			 "outside port (%u)\n",
			 conf.inside_at.where[0] ? conf.inside_at.where : conf.path,
			 port_ids[USH_DP_OUTSIDE]);
	if (choose_workers(&conf, lcores, &n_workers, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);

	for (unsigned int i = 0; i < conf.n_sip_ports; i++)
		ush_dp_sh.sip_port_map[conf.sip_ports[i] >> 6] |= UINT64_C(1)
								  << (conf.sip_ports[i] & 63);
	atomic_store_explicit(&ush_dp_sh.passthrough, conf.passthrough, memory_order_relaxed);
	ush_dp_sh.reasm_max_flows = conf.reasm_max_flows;
	ush_dp_sh.reasm_timeout_ms = conf.reasm_timeout_ms;
	ush_dp_sh.tsc_hz = rte_get_tsc_hz();
	ush_dp_sh.base_tsc = rte_rdtsc();
	ush_dp_clock_sync(&ush_dp_sh);
	ush_dp_sh.auth.boot_time = atomic_load(&ush_dp_sh.base_time);
	if (conf.auth.sess_binary_ha1)
		dconf.flags |= USH_DIGEST_F_SESS_BINARY_HA1;

	if (setup_nonce_keys(&conf, &dconf, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	nc_size = ush_nc_table_size(conf.nc_table_order);
	nc_mem = rte_zmalloc_socket("ush_nc", nc_size, RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (nc_mem == NULL)
		rte_exit(EXIT_FAILURE,
			 "cannot allocate the nonce-count table (%zu bytes for "
			 "nc_table_order %u): give EAL more memory (-m with --no-huge)\n",
			 nc_size, conf.nc_table_order);
	if (getrandom(&nc_seed, sizeof(nc_seed), 0) != (ssize_t)sizeof(nc_seed))
		rte_exit(EXIT_FAILURE, "getrandom: %s\n", strerror(errno));
	ush_dp_sh.auth.nc = ush_nc_table_init(nc_mem, conf.nc_table_order, nc_seed);
	explicit_bzero(&nc_seed, sizeof(nc_seed));
	if (ush_dp_sh.auth.nc == NULL)
		rte_exit(EXIT_FAILURE, "nonce-count table initialisation failed\n");
	if (ush_dp_guard_ensure(&conf, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (ush_dp_lists_swap(conf.cidrs, conf.n_cidrs, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (conf.creds_file[0] == '\0' && conf.ctl_socket[0] != '\0')
		USH_DP_LOG(INFO, "no [credentials] file: credentials come from usherd");
	else if (conf.creds_file[0] == '\0')
		USH_DP_LOG(WARNING, "no [credentials] file: every request will be challenged and "
				    "none verified");
	if (ush_dp_creds_load(conf.creds_file, &creds, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	atomic_store_explicit(&ush_dp_sh.auth.creds, creds, memory_order_release);

	{
		size_t sz = rte_rcu_qsbr_get_memsize(n_workers);

		ush_dp_sh.rcu = rte_zmalloc("ush_rcu", sz, RTE_CACHE_LINE_SIZE);
		if (ush_dp_sh.rcu == NULL || rte_rcu_qsbr_init(ush_dp_sh.rcu, n_workers) != 0)
			rte_exit(EXIT_FAILURE, "cannot set up RCU for %u workers\n", n_workers);
	}

	/* ports before worker set-up: the workers' TX buffers name them */
	rc = ush_dp_port_setup(&ush_dp_sh.port[USH_DP_OUTSIDE], port_ids[USH_DP_OUTSIDE],
			       (uint16_t)n_workers, n_workers, USH_DP_TX_DESC,
			       n_workers * (conf.reasm_max_flows * USH_DP_FRAG_MAX +
					    conf.ident_pending_max), err,
			       sizeof(err));
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	rc = ush_dp_port_setup(&ush_dp_sh.port[USH_DP_INSIDE], port_ids[USH_DP_INSIDE],
			       (uint16_t)n_workers, n_workers, USH_DP_TX_DESC, 0, err, sizeof(err));
	if (rc < 0) {
		ush_dp_port_close(&ush_dp_sh.port[USH_DP_OUTSIDE]);
		rte_exit(EXIT_FAILURE, "%s\n", err);
	}
	ush_dp_shed_setup(&conf);
	/* [identity]: punt ring and record pool, whether enabled or not (enabled is live) */
	ush_dp_sh.ident_pending_max = conf.ident_pending_max;
	ush_dp_sh.ident_timeout_tsc = rte_get_tsc_hz() * conf.ident_timeout_ms / 1000;
	ush_dp_sh.punt_ring = rte_ring_create("ush_punt", USH_DP_PUNT_RING, (int)rte_socket_id(),
					      RING_F_SC_DEQ);
	ush_dp_sh.punt_pool = rte_mempool_create("ush_punt_pool", USH_DP_PUNT_RING - 1,
						 sizeof(struct ush_dp_punt), 32, 0, NULL, NULL,
						 NULL, NULL, (int)rte_socket_id(), 0);
	if (ush_dp_sh.punt_ring == NULL || ush_dp_sh.punt_pool == NULL)
		rte_exit(EXIT_FAILURE,
			 "cannot allocate the identity punt ring and pool (%zu KiB): give EAL "
			 "more memory (-m with --no-huge)\n",
			 (size_t)USH_DP_PUNT_RING * sizeof(struct ush_dp_punt) / 1024);
#ifdef RTE_LIB_PDUMP
	/* dpdk-dumpcap / dpdk-pdump attach through EAL multi-process: no shared config, no IPC */
	if (rte_pdump_init() != 0)
		USH_DP_LOG(NOTICE, "pdump unavailable (%s): dpdk-dumpcap cannot attach",
			   rte_strerror(rte_errno));
#endif

	for (unsigned int i = 0; i < n_workers; i++) {
		struct ush_dp_worker *w;

		w = rte_zmalloc_socket("ush_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcores[i]));
		if (w == NULL)
			rte_exit(EXIT_FAILURE, "cannot allocate worker %u\n", i);
		w->sh = &ush_dp_sh;
		w->lcore_id = lcores[i];
		w->id = (uint16_t)i;
		w->n_workers = (uint16_t)n_workers;
		w->auth_conf = &conf.auth;
		w->dconf = &dconf;
		workers[i] = w;
		rte_eal_remote_launch(ush_dp_worker_setup, w, lcores[i]);
	}
	rte_eal_mp_wait_lcore();
	for (unsigned int i = 0; i < n_workers; i++)
		if (workers[i]->create_err != 0)
			rte_exit(EXIT_FAILURE,
				 "worker %u on lcore %u: pipeline set-up failed: %s\n", i,
				 lcores[i], strerror(workers[i]->create_err));

	if (ush_dp_telemetry_init(&conf, workers, n_workers) < 0)
		rte_exit(EXIT_FAILURE, "telemetry commands cannot be registered\n");
	if (ush_dp_ctl_init(&conf, &dconf, workers, n_workers, err, sizeof(err)) < 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	USH_DP_LOG(INFO,
		   "protection: source ban %u failures/%u s for %u s, user ban %u/%u s for %u s "
		   "(%s), rate %u/s burst %u (%s), block/allow lists: %u IPv4 and %u IPv6 prefixes",
		   conf.auth.ban_src.threshold, conf.auth.ban_src.window,
		   conf.auth.ban_src.ban_time, conf.auth.ban_user.threshold,
		   conf.auth.ban_user.window, conf.auth.ban_user.ban_time,
		   conf.auth.deny_action == USH_AUTH_DENY_DROP ? "drop" : "403",
		   conf.auth.rate.rate, conf.auth.rate.burst,
		   conf.auth.rate_action == USH_AUTH_DENY_DROP ? "drop" : "503",
		   atomic_load(&ush_dp_sh.lists)->n_v4, atomic_load(&ush_dp_sh.lists)->n_v6);
	USH_DP_LOG(INFO,
		   "realm \"%s\", algorithms %s, %u credential entries, %u worker(s), "
		   "outside port %u, inside port %u",
		   conf.auth.realm, algos_text(&conf.auth, algos, sizeof(algos)),
		   ush_credtab_count(creds), n_workers, port_ids[USH_DP_OUTSIDE],
		   port_ids[USH_DP_INSIDE]);
	/*
	 * With credentials from usherd, starting on an empty table would answer every honest
	 * REGISTER as a wrong password and count it toward bans: wait for the first push.
	 */
	if (conf.ctl_wait_sync > 0 && conf.ctl_socket[0] != '\0')
		ush_dp_ctl_wait_sync(conf.ctl_wait_sync, &ush_dp_stop);
	for (unsigned int i = 0; i < n_workers; i++)
		rte_eal_remote_launch(ush_dp_worker_main, workers[i], lcores[i]);

	management_loop(&conf, &args, workers, n_workers);
	USH_DP_LOG(INFO, "stopping: waiting for the workers");

	rte_eal_mp_wait_lcore();
	/* after the workers: it frees what was published through the socket */
	ush_dp_ctl_close();
#ifdef RTE_LIB_PDUMP
	rte_pdump_uninit();
#endif
	for (unsigned int d = 0; d < USH_DP_NPORTS; d++)
		ush_dp_port_close(&ush_dp_sh.port[d]);
	ush_dp_stats_print(stdout, workers, n_workers);
	/* the workers hold no mbuf once stopped and the ports closed: all must be back */
	leaked = check_pools(&size, &avail);
	if (leaked == 0) {
		printf("mbufs: all %" PRIu64 " returned\n", size);
	} else {
		printf("mbufs: %" PRIu64 " of %" PRIu64 " not returned (leak)\n", leaked, size);
		status = EXIT_LEAK;
	}
	if (args.stats_json != NULL) {
		rc = ush_dp_stats_json(args.stats_json, workers, n_workers, size, avail);
		if (rc < 0) {
			USH_DP_LOG(ERR, "--stats-json %s: %s", args.stats_json, strerror(-rc));
			if (status == EXIT_SUCCESS)
				status = EXIT_FAILURE;
		}
	}
	ush_dp_telemetry_stop();
	for (unsigned int i = 0; i < n_workers; i++)
		ush_dp_worker_free(workers[i]);
	fflush(stdout);

	ush_credtab_free((struct ush_credtab *)(uintptr_t)atomic_load(&ush_dp_sh.auth.creds));
	rte_free(ush_dp_sh.rcu);
	rte_ring_free(ush_dp_sh.punt_ring);
	rte_mempool_free(ush_dp_sh.punt_pool);
	rte_free(nc_mem);
	rte_free(bans_mem);
	rte_free(rates_mem);
	ush_dp_lists_release();
	ush_dp_conf_free(&conf);
	explicit_bzero(&ush_dp_sh.auth.keys, sizeof(ush_dp_sh.auth.keys));
	for (unsigned int d = 0; d < USH_DP_NPORTS; d++)
		rte_mempool_free(ush_dp_sh.port[d].pool);
	rte_eal_cleanup();
	return status;
}
