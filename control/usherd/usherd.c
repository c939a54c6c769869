/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usherd: owns the credentials (from a source) and the nonce secret, keeps every dataplane
 * node in sync, and answers usherctl. One thread, one poll loop; requests to nodes are
 * blocking with a timeout ([dataplane] timeout_ms), so one usherctl command is served at a
 * time, which also orders every change the nodes see.
 */

#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "usherd_priv.h"

enum ushd_log_level ushd_log_max = USHD_LOG_INFO;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};

void
ushd_log(enum ushd_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > ushd_log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "usherd: %s: %s\n", level_names[level], msg);
}

struct client {
	int fd;
	struct ush_ctl_rx rx;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: usherd --config FILE [--foreground] [--check]\n"
		   "       usherd --help\n"
		   "\n"
		   "Keeps the credentials of a source (htdigest file, SQLite, PostgreSQL) and the\n"
		   "nonce secret in sync on every usher node, and answers usherctl.\n"
		   "\n"
		   "  -c, --config FILE   usherd.ini (docs/operations.md lists every key)\n"
		   "  -f, --foreground    accepted for init systems; usherd always stays in the\n"
		   "                      foreground and logs to standard error\n"
		   "      --check         read the configuration and the source, then exit\n"
		   "  -h, --help          this text\n"
		   "\n"
		   "Signals: SIGHUP reloads the source (as 'usherctl reload'); SIGTERM, SIGINT "
		   "stop.\n");
}

static int
client_send(struct client *c, uint32_t seq, const json_t *reply, unsigned int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fl = fcntl(c->fd, F_GETFL), rc;

	/* a reply can exceed the socket buffer: send it blocking, bounded by the timeout */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	rc = ush_ctl_send_json(c->fd, USH_CTL_REPLY, seq, reply);
	fcntl(c->fd, F_SETFL, fl);
	return rc;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	ush_ctl_rx_free(&c->rx);
	c->fd = -1;
}

/* Feed a readable client; answer each whole request. */
static void
client_readable(struct ushd *d, struct client *c)
{
	for (;;) {
		char err[256];
		json_t *req, *reply;
		int rc = ush_ctl_rx_feed(&c->rx, c->fd);

		if (rc == 0)
			return;
		if (rc < 0) {
			if (rc != -EPIPE)
				ushd_log(USHD_LOG_WARNING, "usherctl connection: %s",
					 strerror(-rc));
			client_close(c);
			return;
		}
		if (c->rx.hdr.type != USH_CTL_REQUEST) {
			ushd_log(USHD_LOG_WARNING, "usherctl connection: frame type %u: closed",
				 c->rx.hdr.type);
			client_close(c);
			return;
		}
		req = ush_ctl_parse(c->rx.payload, c->rx.hdr.len, err, sizeof(err));
		if (req == NULL)
			reply = ush_ctl_reply_err(USH_CTL_EINVAL, "%s", err);
		else
			reply = ushd_cmd(d, req);
		/* passwords of users.add/passwd */
		ushd_json_wipe(req);
		OPENSSL_cleanse(c->rx.payload, c->rx.hdr.len);
		if (reply == NULL)
			reply = ush_ctl_reply_err(USH_CTL_EINTERNAL, "out of memory");
		rc = reply ? client_send(c, c->rx.hdr.seq, reply, d->conf.timeout_ms) : -ENOMEM;
		json_decref(reply);
		if (rc < 0) {
			ushd_log(USHD_LOG_WARNING, "usherctl connection: reply: %s", strerror(-rc));
			client_close(c);
			return;
		}
	}
}

static int
state_dir_make(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int rc = -errno;

		snprintf(err, errlen, "state_dir %s: %s", dir, strerror(errno));
		return rc;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state_dir %s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

static void
socket_dir_make(const char *path)
{
	char dir[USHD_SOCK_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	/* others may traverse: the socket itself is 0660 with the group */
	if (mkdir(dir, 0755) == 0)
		ushd_log(USHD_LOG_INFO, "created %s", dir);
}

static int
run(struct ushd *d, int lfd, int sfd)
{
	struct client clients[USHD_MAX_CLIENTS];
	struct pollfd pfd[3 + USHD_MAX_NODES + USHD_MAX_CLIENTS];

	for (unsigned int i = 0; i < USHD_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		unsigned int np = 0, node_at, client_at, ident_at;
		uint64_t now, next = UINT64_MAX;
		int timeout, rc;

		ushd_nodes_tick(d, false);
		pfd[np++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		pfd[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		/* the verifier pool's eventfd (-1 without [identity]: poll ignores it) */
		ident_at = np;
		pfd[np++] = (struct pollfd){.fd = ushd_ident_fd(d), .events = POLLIN};
		node_at = np;
		for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
			/* only PUNT frames come unasked; else readable means closed */
			pfd[np++] = (struct pollfd){.fd = d->nodes[i].fd, .events = POLLIN};
			if (d->nodes[i].fd < 0 && d->nodes[i].next_try_ms < next)
				next = d->nodes[i].next_try_ms;
		}
		client_at = np;
		for (unsigned int i = 0; i < USHD_MAX_CLIENTS; i++)
			pfd[np++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
		now = ushd_now_ms();
		timeout = next == UINT64_MAX ? -1 : next <= now ? 0 : (int)(next - now);
		rc = poll(pfd, np, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			ushd_log(USHD_LOG_ERROR, "poll: %s", strerror(errno));
			return -errno;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					ushd_log(USHD_LOG_NOTICE, "SIGHUP: reloading the source");
					json_decref(ushd_reload(d));
				} else {
					ushd_log(USHD_LOG_NOTICE, "%s: stopping",
						 strsignal((int)si.ssi_signo));
					for (unsigned int i = 0; i < USHD_MAX_CLIENTS; i++)
						if (clients[i].fd >= 0)
							client_close(&clients[i]);
					return 0;
				}
			}
		}
		for (unsigned int i = 0; i < d->conf.n_nodes; i++) {
			struct ushd_node *n = &d->nodes[i];

			if (n->fd >= 0 && pfd[node_at + i].fd == n->fd && pfd[node_at + i].revents)
				ushd_node_readable(d, n);
		}
		if (pfd[ident_at].revents & POLLIN)
			ushd_ident_collect(d);
		for (unsigned int i = 0; i < USHD_MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && pfd[client_at + i].revents)
				client_readable(d, &clients[i]);
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			unsigned int i;

			if (fd < 0)
				continue;
			for (i = 0; i < USHD_MAX_CLIENTS && clients[i].fd >= 0; i++)
				;
			if (i == USHD_MAX_CLIENTS) {
				ushd_log(USHD_LOG_WARNING,
					 "more than %d usherctl connections: "
					 "refusing one",
					 USHD_MAX_CLIENTS);
				close(fd);
				continue;
			}
			clients[i].fd = fd;
			memset(&clients[i].rx, 0, sizeof(clients[i].rx));
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct ushd d; /* large (source config, node table): not on the stack */
	const char *config = NULL;
	bool check = false;
	char err[2 * USHD_PATH_MAX] = "";
	sigset_t mask;
	int c, rc, lfd, sfd;

	while ((c = getopt_long(argc, argv, "c:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config == NULL || optind != argc) {
		fprintf(stderr, "usherd: %s\n",
			config == NULL ? "--config FILE is required" : "unexpected argument");
		usage(stderr);
		return 2;
	}

	/* everything that can be wrong in the configuration is reported before any effect */
	rc = ushd_conf_load(&d.conf, config, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "usherd: %s\n", err);
		return 1;
	}
	ushd_log_max = d.conf.log_level;
	d.started = time(NULL);
	for (unsigned int i = 0; i < d.conf.n_nodes; i++) {
		snprintf(d.nodes[i].path, sizeof(d.nodes[i].path), "%s", d.conf.nodes[i]);
		d.nodes[i].fd = -1;
		snprintf(d.nodes[i].why, sizeof(d.nodes[i].why), "not connected yet");
	}
	/*
	 * The source must load at start: an empty set pushed to running nodes would lock every
	 * subscriber out. A failure here leaves the nodes on what they have.
	 */
	rc = ushd_source_load(&d.conf.source, &d.creds, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "usherd: source: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	d.creds_loaded = time(NULL);
	/* the verifier loads its anchors and repository index now: errors before any effect */
	if (ushd_ident_start(&d, err, sizeof(err)) < 0) {
		fprintf(stderr, "usherd: %s: [identity] %s\n", config, err);
		ushd_credset_free(&d.creds);
		return 1;
	}
	if (check) {
		printf("%s: OK, %zu users in the source%s\n", config, d.creds.n,
		       d.id != NULL ? ", identity verifier ready" : "");
		ushd_ident_stop(&d);
		ushd_credset_free(&d.creds);
		return 0;
	}
	if (state_dir_make(d.conf.state_dir, err, sizeof(err)) < 0 ||
	    ushd_keys_load(d.conf.state_dir, &d.keys, err, sizeof(err)) < 0 ||
	    ushd_live_load(d.conf.state_dir, &d.live, err, sizeof(err)) < 0) {
		fprintf(stderr, "usherd: %s\n", err);
		ushd_credset_free(&d.creds);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	socket_dir_make(d.conf.socket);
	lfd = ush_ctl_listen(d.conf.socket, d.conf.group, err, sizeof(err));
	if (sfd < 0 || lfd < 0) {
		fprintf(stderr, "usherd: %s\n", lfd < 0 ? err : strerror(errno));
		rc = 1;
		goto out_free;
	}
	ushd_log(USHD_LOG_NOTICE, "started: %zu users, nonce key %u, %u nodes, listening on %s",
		 d.creds.n, d.keys.cur_kid, d.conf.n_nodes, d.conf.socket);
	rc = run(&d, lfd, sfd) < 0 ? 1 : 0;
	close(lfd);
	unlink(d.conf.socket);
out_free:
	if (sfd >= 0)
		close(sfd);
	for (unsigned int i = 0; i < d.conf.n_nodes; i++)
		if (d.nodes[i].fd >= 0)
			close(d.nodes[i].fd);
	ushd_ident_stop(&d);
	ushd_credset_free(&d.creds);
	json_decref(d.live);
	OPENSSL_cleanse(&d.keys, sizeof(d.keys));
	return rc;
}
