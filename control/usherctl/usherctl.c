/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usherctl: the operator's command line. Every command is one request to usherd (stats
 * --watch is several); the reply is printed as text, or as JSON with --json, and its code
 * becomes the exit status.
 */

#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ush_ctl.h"
#include "usherctl_priv.h"

#define DEFAULT_SOCKET	   "/run/usher/usherd.sock"
#define DEFAULT_TIMEOUT_MS 10000

static struct {
	const char *socket;
	bool json;
	unsigned int timeout_ms;
	int fd;
} g = {.socket = DEFAULT_SOCKET, .timeout_ms = DEFAULT_TIMEOUT_MS, .fd = -1};

struct command {
	const char *name; /* one or two words */
	const char *args;
	const char *summary;
	const char *help;
	/* argv[0] is the command's last word; cmd is the table entry itself */
	int (*fn)(int argc, char **argv, const struct command *cmd);
};

static const struct command commands[];

static const struct command *
cmd_named(const char *name)
{
	const struct command *c = commands;

	while (c->name != NULL && strcmp(c->name, name) != 0)
		c++;
	return c;
}

static void
usage_line(FILE *f, const struct command *c)
{
	fprintf(f, "usage: usherctl [--socket PATH] [--json] [--timeout MS] %s%s%s\n", c->name,
		c->args[0] ? " " : "", c->args);
}

static int usage_error(const struct command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "usherctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage_line(stderr, c);
	return USHCTL_EXIT_USAGE;
}

/* ---- talking to usherd ---- */

static json_t *
call(json_t *req)
{
	char err[256];
	json_t *reply;

	if (g.fd < 0) {
		g.fd = ush_ctl_connect(g.socket, g.timeout_ms);
		if (g.fd < 0) {
			fprintf(stderr, "usherctl: cannot reach usherd at %s: %s\n", g.socket,
				strerror(-g.fd));
			json_decref(req);
			exit(USHCTL_EXIT_USHERD);
		}
	}
	reply = ush_ctl_call(g.fd, req, err, sizeof(err));
	json_decref(req);
	if (reply == NULL) {
		fprintf(stderr, "usherctl: usherd at %s: %s\n", g.socket, err);
		exit(USHCTL_EXIT_USHERD);
	}
	return reply;
}

static int
exit_code(const json_t *reply)
{
	if (json_is_true(json_object_get(reply, "ok")))
		return USHCTL_EXIT_OK;
	return json_integer_value(json_object_get(reply, "code")) == USH_CTL_ENODE
		       ? USHCTL_EXIT_NODE
		       : USHCTL_EXIT_REFUSED;
}

/* Print the reply (JSON, or the command's text), its error, and give the exit status. */
static int
finish(json_t *reply, void (*human)(const json_t *reply))
{
	int rc = exit_code(reply);

	if (g.json) {
		char *s = json_dumps(reply, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		if (human != NULL && (rc == USHCTL_EXIT_OK || json_object_get(reply, "nodes")))
			human(reply);
		if (rc != USHCTL_EXIT_OK)
			fprintf(stderr, "usherctl: %s\n",
				json_string_value(json_object_get(reply, "error")) ?: "failed");
	}
	json_decref(reply);
	return rc;
}

/* Overwrite the "text" string of an import request (HA1 hex) before it is freed. */
static void
import_text_wipe(json_t *req)
{
	json_t *t = json_object_get(req, "text");

	if (json_is_string(t))
		explicit_bzero((char *)(uintptr_t)json_string_value(t), json_string_length(t));
}

/* ---- formatting helpers ---- */

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
node_up(const json_t *e)
{
	const char *st = jstr(e, "state");

	return st != NULL && strcmp(st, "up") == 0 && json_object_get(e, "reply") != NULL &&
	       json_object_get(e, "error") == NULL;
}

static void
node_title(const json_t *e, char *out, size_t len)
{
	const char *name = jstr(e, "name");

	if (name != NULL && name[0] != '\0')
		snprintf(out, len, "%s (%s)", jstr(e, "path") ?: "?", name);
	else
		snprintf(out, len, "%s", jstr(e, "path") ?: "?");
}

/* One line per node that is down or refused. */
static void
print_node_problems(const json_t *reply)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		if (json_object_get(e, "error") != NULL &&
		    !json_is_null(json_object_get(e, "error"))) {
			char t[256];

			node_title(e, t, sizeof(t));
			printf("node %s: %s: %s\n", t,
			       strcmp(jstr(e, "state") ?: "", "down") == 0 ? "down" : "refused",
			       jstr(e, "error") ?: "?");
		}
	}
}

static size_t
node_count(const json_t *reply)
{
	return json_array_size(json_object_get(reply, "nodes"));
}

/* ---- status ---- */

static void
h_status(const json_t *reply)
{
	const json_t *me = json_object_get(reply, "usherd"), *src = json_object_get(me, "source");
	const json_t *nonce = json_object_get(me, "nonce"), *e;
	struct ushctl_table t;
	char up[32], prev[32] = "";
	size_t i;

	ushctl_duration(up, sizeof(up), json_integer_value(json_object_get(me, "uptime")));
	if (json_is_integer(json_object_get(nonce, "prev_kid")))
		snprintf(prev, sizeof(prev), ", previous %lld",
			 (long long)json_integer_value(json_object_get(nonce, "prev_kid")));
	printf("usherd: pid %lld, up %s, %lld users from %s %s, nonce key %lld%s, %lld live "
	       "changes kept\n",
	       (long long)json_integer_value(json_object_get(me, "pid")), up,
	       (long long)json_integer_value(json_object_get(reply, "users")),
	       jstr(src, "kind") ?: "?", jstr(src, "where") ?: "?",
	       (long long)json_integer_value(json_object_get(nonce, "kid")), prev,
	       (long long)json_integer_value(json_object_get(me, "live_changes")));
	if (node_count(reply) == 0) {
		printf("no dataplane node configured\n");
		return;
	}
	ushctl_table_init(&t, 9);
	ushctl_table_row(&t, (const char *const[]){"NODE", "STATE", "NAME", "PID", "UPTIME",
						   "WORKERS", "USERS", "KEYS", "NOTE"});
	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		const json_t *s = json_object_get(e, "reply");
		char *pid = NULL, *wk = NULL, *us = NULL, upt[32] = "-", note[300] = "";
		char keys[32] = "-";
		bool ok = node_up(e);

		if (ok) {
			const json_t *w = json_object_get(s, "workers");

			pid = ushctl_scalar(json_object_get(s, "pid"));
			wk = json_is_array(w) ? NULL : ushctl_scalar(w);
			if (json_is_array(w)) {
				char b[16];

				snprintf(b, sizeof(b), "%zu", json_array_size(w));
				wk = strdup(b);
			}
			us = ushctl_scalar(json_object_get(s, "users"));
			ushctl_duration(upt, sizeof(upt),
					json_integer_value(json_object_get(s, "uptime")));
			/* nonce key ids in force: current, then previous */
			{
				const json_t *nk = json_object_get(s, "nonce");
				const json_t *cur = json_object_get(nk, "cur_kid");
				const json_t *prv = json_object_get(nk, "prev_kid");

				if (json_is_integer(cur) && json_is_integer(prv))
					snprintf(keys, sizeof(keys), "%lld,%lld",
						 (long long)json_integer_value(cur),
						 (long long)json_integer_value(prv));
				else if (json_is_integer(cur))
					snprintf(keys, sizeof(keys), "%lld",
						 (long long)json_integer_value(cur));
			}
			snprintf(note, sizeof(note), "synced %lld times",
				 (long long)json_integer_value(json_object_get(e, "syncs")));
		} else {
			snprintf(note, sizeof(note), "%s", jstr(e, "error") ?: "");
		}
		ushctl_table_row(&t, (const char *const[]){jstr(e, "path"), ok ? "up" : "down",
							   ok ? jstr(s, "node") : NULL, pid,
							   ok ? upt : NULL, wk, us, keys, note});
		free(pid);
		free(wk);
		free(us);
	}
	ushctl_table_print(&t, stdout);
}

static int
c_status(int argc, char **argv, const struct command *cmd)
{
	(void)argv;
	if (argc != 1)
		return usage_error(cmd, "status takes no argument");
	return finish(call(json_pack("{s:s}", "cmd", "status")), h_status);
}

/* ---- stats ---- */

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Per-second rates of every counter between two samples of one node's stats reply. */
static json_t *
stats_rates(const json_t *prev, const json_t *cur, double dt)
{
	json_t *out = json_object(), *tot = json_object(), *workers = json_array(), *w;
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(json_object_get(cur, "total"), k, v) {
		json_int_t before =
			json_integer_value(json_object_get(json_object_get(prev, "total"), k));

		json_object_set_new(tot, k,
				    json_real((double)(json_integer_value(v) - before) / dt));
	}
	json_array_foreach(json_object_get(cur, "workers"), i, w) {
		const json_t *pw = json_array_get(json_object_get(prev, "workers"), i);
		json_t *rw = json_object();

		json_object_foreach(json_object_get(w, "counters"), k, v) {
			json_int_t before = json_integer_value(
				json_object_get(json_object_get(pw, "counters"), k));

			json_object_set_new(
				rw, k, json_real((double)(json_integer_value(v) - before) / dt));
		}
		json_array_append_new(workers,
				      json_pack("{s:O, s:o}", "lcore", json_object_get(w, "lcore"),
						"counters", rw));
	}
	json_object_set_new(out, "interval", json_real(dt));
	json_object_set_new(out, "total", tot);
	json_object_set_new(out, "workers", workers);
	return out;
}

static void
print_stats_node(const json_t *e)
{
	const json_t *s = json_object_get(e, "reply"), *rates = json_object_get(e, "rates");
	const json_t *workers = json_object_get(s, "workers"), *w;
	unsigned int nw = (unsigned int)json_array_size(workers), hidden = 0;
	unsigned int ncols = 2 + nw + (rates ? 1 + nw : 0), c;
	const char *cells[64];
	char title[256], buf[64][32];
	struct ushctl_table t;
	const char *k;
	json_t *v;
	size_t i;

	node_title(e, title, sizeof(title));
	printf("node %s\n", title);
	if (ncols > 64) {
		/* more workers than a terminal can show side by side: the first ones */
		nw = rates ? 30 : 62;
		ncols = 2 + nw + (rates ? 1 + nw : 0);
	}
	ushctl_table_init(&t, ncols);
	cells[0] = "COUNTER";
	cells[1] = "TOTAL";
	c = 2;
	if (rates)
		cells[c++] = "/s";
	json_array_foreach(workers, i, w) {
		if (i >= nw)
			break;
		snprintf(buf[c], sizeof(buf[c]), "lcore %lld",
			 (long long)json_integer_value(json_object_get(w, "lcore")));
		cells[c] = buf[c];
		c++;
		if (rates) {
			snprintf(buf[c], sizeof(buf[c]), "lcore %lld /s",
				 (long long)json_integer_value(json_object_get(w, "lcore")));
			cells[c] = buf[c];
			c++;
		}
	}
	ushctl_table_row(&t, cells);
	json_object_foreach(json_object_get(s, "total"), k, v) {
		const json_t *rt = json_object_get(json_object_get(rates, "total"), k);

		/* counters that never moved say nothing: leave them to --json */
		if (json_integer_value(v) == 0 && (rt == NULL || json_real_value(rt) == 0)) {
			hidden++;
			continue;
		}
		c = 0;
		cells[c++] = k;
		snprintf(buf[1], sizeof(buf[1]), "%lld", (long long)json_integer_value(v));
		cells[c++] = buf[1];
		if (rates) {
			snprintf(buf[2], sizeof(buf[2]), "%.1f", json_real_value(rt));
			cells[c++] = buf[2];
		}
		json_array_foreach(workers, i, w) {
			if (i >= nw)
				break;
			snprintf(buf[c], sizeof(buf[c]), "%lld",
				 (long long)json_integer_value(
					 json_object_get(json_object_get(w, "counters"), k)));
			cells[c] = buf[c];
			c++;
			if (rates) {
				const json_t *rw = json_object_get(
					json_object_get(
						json_array_get(json_object_get(rates, "workers"),
							       i),
						"counters"),
					k);

				snprintf(buf[c], sizeof(buf[c]), "%.1f", json_real_value(rw));
				cells[c] = buf[c];
				c++;
			}
		}
		ushctl_table_row(&t, cells);
	}
	ushctl_table_print(&t, stdout);
	if (hidden > 0)
		printf("(%u counters at zero not shown)\n", hidden);
}

static void
h_stats(const json_t *reply)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		if (i > 0)
			printf("\n");
		if (node_up(e))
			print_stats_node(e);
	}
	print_node_problems(reply);
	if (node_count(reply) == 0)
		printf("no dataplane node configured\n");
}

static int
c_stats(int argc, char **argv, const struct command *cmd)
{
	static const struct option lo[] = {
		{"watch", no_argument, NULL, 'w'},
		{"interval", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	double interval = 1.0, t_prev = 0;
	long count = 0;
	bool watch = false;
	json_t *prev = NULL;
	int o, rc = 0;

	optind = 0;
	while ((o = getopt_long(argc, argv, "wi:n:", lo, NULL)) != -1) {
		char *end;

		switch (o) {
		case 'w':
			watch = true;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end != '\0' || !(interval >= 0.1 && interval <= 3600))
				return usage_error(
					cmd, "--interval: '%s' is not 0.1 to 3600 seconds", optarg);
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end != '\0' || count < 1)
				return usage_error(cmd, "--count: '%s' is not a positive number",
						   optarg);
			break;
		default:
			usage_line(stderr, cmd);
			return USHCTL_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!watch)
		return finish(call(json_pack("{s:s}", "cmd", "stats")), h_stats);
	for (long n = 0; count == 0 || n < count; n++) {
		json_t *reply, *e;
		double t;
		size_t i;

		if (n > 0)
			usleep((useconds_t)(interval * 1e6));
		reply = call(json_pack("{s:s}", "cmd", "stats"));
		t = mono_now();
		if (prev != NULL) {
			json_array_foreach(json_object_get(reply, "nodes"), i, e) {
				const json_t *pe =
					json_array_get(json_object_get(prev, "nodes"), i);

				if (node_up(e) && pe != NULL && node_up(pe))
					json_object_set_new(
						e, "rates",
						stats_rates(json_object_get(pe, "reply"),
							    json_object_get(e, "reply"),
							    t - t_prev));
			}
		}
		json_decref(prev);
		prev = json_incref(reply);
		t_prev = t;
		if (g.json) {
			char *s = json_dumps(reply, JSON_COMPACT | JSON_SORT_KEYS);

			printf("%s\n", s ? s : "{}");
			free(s);
			rc = exit_code(reply);
			json_decref(reply);
		} else {
			time_t now = time(NULL);
			char ts[32];

			strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
			printf("%s---- %s\n", n > 0 ? "\n" : "", ts);
			rc = finish(reply, h_stats);
		}
		fflush(stdout);
	}
	json_decref(prev);
	return rc;
}

/* ---- users ---- */

static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL)
		return -EIO;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static int
prompt_password(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int rc;

	/* echo off before the prompt shows: nothing typed ahead of it is echoed either */
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -errno;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	rc = read_line(stdin, buf, len);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fprintf(stderr, "\n");
	return rc;
}

/* The password: --password P, --password-stdin, or asked twice on a terminal. */
static int
get_password(const struct command *cmd, const char *given, bool from_stdin, char *buf, size_t len)
{
	char again[1024];

	if (given != NULL) {
		snprintf(buf, len, "%s", given);
	} else if (from_stdin) {
		if (read_line(stdin, buf, len) < 0) {
			fprintf(stderr, "usherctl: no password on standard input\n");
			return USHCTL_EXIT_USAGE;
		}
	} else if (isatty(STDIN_FILENO)) {
		if (prompt_password("password: ", buf, len) < 0 ||
		    prompt_password("again: ", again, sizeof(again)) < 0)
			return USHCTL_EXIT_USAGE;
		if (strcmp(buf, again) != 0) {
			fprintf(stderr, "usherctl: the passwords differ\n");
			explicit_bzero(again, sizeof(again));
			return USHCTL_EXIT_USAGE;
		}
		explicit_bzero(again, sizeof(again));
	} else {
		return usage_error(cmd, "standard input is not a terminal: use --password-stdin");
	}
	if (buf[0] == '\0') {
		fprintf(stderr, "usherctl: empty password\n");
		return USHCTL_EXIT_USAGE;
	}
	return 0;
}

static void
h_users_list(const json_t *reply)
{
	const json_t *u, *h;
	struct ushctl_table t;
	size_t i, j;

	ushctl_table_init(&t, 3);
	ushctl_table_row(&t, (const char *const[]){"USER", "REALM", "HASHES"});
	json_array_foreach(json_object_get(reply, "users"), i, u) {
		char hashes[64] = "";

		json_array_foreach(json_object_get(u, "hashes"), j, h) {
			snprintf(hashes + strlen(hashes), sizeof(hashes) - strlen(hashes), "%s%s",
				 j ? "," : "", json_string_value(h));
		}
		ushctl_table_row(&t,
				 (const char *const[]){jstr(u, "user"), jstr(u, "realm"), hashes});
	}
	if (t.nrows > 1)
		ushctl_table_print(&t, stdout);
	else
		ushctl_table_free(&t);
	printf("%zu of %lld users shown\n", json_array_size(json_object_get(reply, "users")),
	       (long long)json_integer_value(json_object_get(reply, "total")));
}

static void
h_nodes_pushed(const json_t *reply)
{
	const json_t *e;
	size_t i, up = 0;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		if (strcmp(jstr(e, "state") ?: "", "up") == 0)
			up++;
	}
	printf("pushed to %zu of %zu nodes\n", up, node_count(reply));
	print_node_problems(reply);
}

static void
h_users_change(const json_t *reply)
{
	const json_t *h;
	char hashes[64] = "";
	size_t j;

	json_array_foreach(json_object_get(reply, "hashes"), j, h) {
		snprintf(hashes + strlen(hashes), sizeof(hashes) - strlen(hashes), "%s%s",
			 j ? ", " : " (", json_string_value(h));
	}
	if (hashes[0])
		strncat(hashes, ")", sizeof(hashes) - strlen(hashes) - 1);
	printf("%s@%s%s: done; ", jstr(reply, "user") ?: "?", jstr(reply, "realm") ?: "?", hashes);
	h_nodes_pushed(reply);
}

static int
c_users(int argc, char **argv, const struct command *cmd)
{
	static const struct option lo[] = {
		{"realm", required_argument, NULL, 'r'},
		{"limit", required_argument, NULL, 'l'},
		{"offset", required_argument, NULL, 'o'},
		{"password", required_argument, NULL, 'p'},
		{"password-stdin", no_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	const char *realm = NULL, *password = NULL, *what = argv[0];
	long limit = -1, offset = 0;
	bool from_stdin = false;
	char pw[1024];
	json_t *req;
	int o, rc;

	optind = 0;
	while ((o = getopt_long(argc, argv, "r:l:o:p:s", lo, NULL)) != -1) {
		char *end;

		switch (o) {
		case 'r':
			realm = optarg;
			break;
		case 'l':
		case 'o': {
			long *dst = o == 'l' ? &limit : &offset;

			*dst = strtol(optarg, &end, 10);
			if (*end != '\0' || *optarg == '\0' || *dst < 0)
				return usage_error(cmd, "'%s' is not a number", optarg);
			if (strcmp(what, "list") != 0)
				return usage_error(cmd, "--limit and --offset are for users list");
			break;
		}
		case 'p':
			password = optarg;
			break;
		case 's':
			from_stdin = true;
			break;
		default:
			usage_line(stderr, cmd);
			return USHCTL_EXIT_USAGE;
		}
	}
	if ((password != NULL || from_stdin) && strcmp(what, "add") != 0 &&
	    strcmp(what, "passwd") != 0)
		return usage_error(cmd, "a password is only for users add and users passwd");
	if (password != NULL && from_stdin)
		return usage_error(cmd, "--password and --password-stdin exclude each other");
	if (strcmp(what, "list") == 0) {
		if (optind != argc)
			return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		req = json_pack("{s:s}", "cmd", "users.list");
		if (realm)
			json_object_set_new(req, "realm", json_string(realm));
		if (limit >= 0)
			json_object_set_new(req, "limit", json_integer(limit));
		json_object_set_new(req, "offset", json_integer(offset));
		return finish(call(req), h_users_list);
	}
	if (optind + 1 != argc)
		return usage_error(cmd, "expected one USER");
	req = json_pack("{s:s, s:s}", "cmd",
			strcmp(what, "add") == 0   ? "users.add"
			: strcmp(what, "del") == 0 ? "users.del"
						   : "users.passwd",
			"user", argv[optind]);
	if (realm)
		json_object_set_new(req, "realm", json_string(realm));
	if (strcmp(what, "del") != 0) {
		rc = get_password(cmd, password, from_stdin, pw, sizeof(pw));
		if (rc != 0) {
			json_decref(req);
			return rc;
		}
		json_object_set_new(req, "password", json_string(pw));
		explicit_bzero(pw, sizeof(pw));
	}
	return finish(call(req), h_users_change);
}

/* The file to import, whole; "-" is standard input. NULL with a message on failure. */
static char *
read_import(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = USH_CTL_PAYLOAD_MAX + 1, n = 0;
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "usherctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	/* one byte more than a frame can carry proves the file too large: no need for more */
	buf = malloc(cap);
	if (buf == NULL) {
		fprintf(stderr, "usherctl: out of memory\n");
		goto out_close;
	}
	while (n < cap && !feof(f) && !ferror(f))
		n += fread(buf + n, 1, cap - n, f);
	if (ferror(f)) {
		fprintf(stderr, "usherctl: %s: %s\n", path, strerror(errno));
		explicit_bzero(buf, n);
		free(buf);
		buf = NULL;
	}
	*len = n;
out_close:
	if (f != stdin)
		fclose(f);
	return buf;
}

static void
h_users_import(const json_t *reply)
{
	printf("imported %s: %lld added, %lld replaced, %lld users in force; ",
	       jstr(reply, "name") ?: "?",
	       (long long)json_integer_value(json_object_get(reply, "added")),
	       (long long)json_integer_value(json_object_get(reply, "replaced")),
	       (long long)json_integer_value(json_object_get(reply, "users")));
	h_nodes_pushed(reply);
}

static void
wipe_free(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * The file goes to usherd as text in one request, parsed there (usherd reads no file of
 * the operator's: usherctl may run elsewhere). One request is one frame: a file whose
 * request would exceed USH_CTL_PAYLOAD_MAX is refused here, before anything is sent.
 */
static int
c_users_import(int argc, char **argv, const struct command *cmd)
{
	static const struct option lo[] = {
		{"replace", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	bool replace = false;
	size_t len = 0, wire;
	json_t *req, *text, *reply;
	char *buf, *dump;
	int o, rc;

	optind = 0;
	while ((o = getopt_long(argc, argv, "r", lo, NULL)) != -1) {
		if (o != 'r') {
			usage_line(stderr, cmd);
			return USHCTL_EXIT_USAGE;
		}
		replace = true;
	}
	if (optind + 1 != argc)
		return usage_error(cmd, "expected one FILE ('-' for standard input)");
	buf = read_import(argv[optind], &len);
	if (buf == NULL)
		return USHCTL_EXIT_USAGE;
	if (len > USH_CTL_PAYLOAD_MAX) {
		explicit_bzero(buf, len);
		free(buf);
		fprintf(stderr,
			"usherctl: %s: more than %u bytes: too large for one request to usherd "
			"(one control frame is at most 1 MiB); split it and import the parts in "
			"turn (each part is all or nothing)\n",
			argv[optind], USH_CTL_PAYLOAD_MAX);
		return USHCTL_EXIT_REFUSED;
	}
	text = json_stringn(buf, len);
	explicit_bzero(buf, len);
	free(buf);
	if (text == NULL) {
		fprintf(stderr, "usherctl: %s: not UTF-8 text\n", argv[optind]);
		return USHCTL_EXIT_REFUSED;
	}
	req = json_pack("{s:s, s:s, s:o, s:b}", "cmd", "users.import", "name", argv[optind], "text",
			text, "replace", replace);
	if (req == NULL) {
		fprintf(stderr, "usherctl: out of memory\n");
		return USHCTL_EXIT_REFUSED;
	}
	/* JSON escapes newlines and quotes: the request is what must fit, not the file */
	dump = json_dumps(req, JSON_COMPACT);
	wire = dump ? strlen(dump) : SIZE_MAX;
	wipe_free(dump);
	if (wire > USH_CTL_PAYLOAD_MAX) {
		import_text_wipe(req);
		json_decref(req);
		fprintf(stderr,
			"usherctl: %s: %zu bytes once encoded as a request, more than the %u a "
			"control frame carries; split it and import the parts in turn (each part "
			"is all or nothing)\n",
			argv[optind], wire, USH_CTL_PAYLOAD_MAX);
		return USHCTL_EXIT_REFUSED;
	}
	json_incref(req);
	reply = call(req);
	import_text_wipe(req);
	json_decref(req);
	rc = finish(reply, h_users_import);
	return rc;
}

/* ---- reload ---- */

static void
h_reload(const json_t *reply)
{
	printf("reloaded: %lld users; ",
	       (long long)json_integer_value(json_object_get(reply, "users")));
	h_nodes_pushed(reply);
}

static int
c_reload(int argc, char **argv, const struct command *cmd)
{
	(void)argv;
	if (argc != 1)
		return usage_error(cmd, "reload takes no argument");
	return finish(call(json_pack("{s:s}", "cmd", "reload")), h_reload);
}

/* ---- get / set ---- */

/* One row per key, one value column per node (one column when every node agrees). */
static void
h_get(const json_t *reply)
{
	const json_t *nodes = json_object_get(reply, "nodes"), *e, *first = NULL;
	struct ushctl_table t;
	size_t i, n_up = 0;
	bool same = true;
	const char *k;
	json_t *v;

	json_array_foreach(nodes, i, e) {
		const json_t *vals = json_object_get(json_object_get(e, "reply"), "values");

		if (!node_up(e))
			continue;
		n_up++;
		if (first == NULL)
			first = vals;
		else if (!json_equal((json_t *)(uintptr_t)first, (json_t *)(uintptr_t)vals))
			same = false;
	}
	if (first != NULL) {
		unsigned int cols = same ? 2 : (unsigned int)(1 + n_up);
		const char *cells[33];
		char titles[32][256];
		unsigned int c = 1;

		if (cols > 33)
			cols = 33;
		ushctl_table_init(&t, cols);
		cells[0] = "KEY";
		if (same) {
			cells[1] = "VALUE";
		} else {
			json_array_foreach(nodes, i, e) {
				if (!node_up(e) || c >= cols)
					continue;
				node_title(e, titles[c - 1], sizeof(titles[0]));
				cells[c] = titles[c - 1];
				c++;
			}
		}
		ushctl_table_row(&t, cells);
		json_object_foreach((json_t *)(uintptr_t)first, k, v) {
			char *vals[33] = {0};

			c = 1;
			cells[0] = k;
			json_array_foreach(nodes, i, e) {
				if (!node_up(e) || c >= cols)
					continue;
				vals[c] = ushctl_scalar(json_object_get(
					json_object_get(json_object_get(e, "reply"), "values"), k));
				cells[c] = vals[c];
				c++;
			}
			ushctl_table_row(&t, cells);
			for (c = 1; c < cols; c++)
				free(vals[c]);
		}
		ushctl_table_print(&t, stdout);
	}
	print_node_problems(reply);
}

static int
c_get(int argc, char **argv, const struct command *cmd)
{
	json_t *req = json_pack("{s:s}", "cmd", "get");

	if (argc > 2) {
		json_decref(req);
		return usage_error(cmd, "get takes at most one KEY");
	}
	if (argc == 2)
		json_object_set_new(req, "key", json_string(argv[1]));
	return finish(call(req), h_get);
}

static void
h_set(const json_t *reply)
{
	const json_t *e;
	size_t i, ok = 0;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		const json_t *r = json_object_get(e, "reply");

		if (node_up(e)) {
			char *v = ushctl_scalar(json_object_get(r, "value"));

			if (ok++ == 0)
				printf("%s = %s\n", jstr(r, "key") ?: "?", v);
			free(v);
		}
	}
	printf("in force on %zu of %zu nodes%s\n", ok, node_count(reply),
	       json_is_true(json_object_get(reply, "ok")) ? "; kept by usherd" : "");
	print_node_problems(reply);
}

static int
c_set(int argc, char **argv, const struct command *cmd)
{
	if (argc != 3)
		return usage_error(cmd, "set needs KEY and VALUE");
	return finish(
		call(json_pack("{s:s, s:s, s:s}", "cmd", "set", "key", argv[1], "value", argv[2])),
		h_set);
}

/* ---- block / allow ---- */

/* "node NAME: N what" for every node up, N its reply's integer field; then the problems. */
static void
print_node_counts(const json_t *reply, const char *field, const char *what)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		char t[256];

		if (!node_up(e))
			continue;
		node_title(e, t, sizeof(t));
		printf("node %s: %lld %s\n", t,
		       (long long)json_integer_value(
			       json_object_get(json_object_get(e, "reply"), field)),
		       what);
	}
	print_node_problems(reply);
}

static void
h_list_change(const json_t *reply)
{
	print_node_counts(reply, "entries", "entries");
}

static void
h_list_show(const json_t *reply)
{
	const json_t *e, *x;
	size_t i, j;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		struct ushctl_table t;
		char title[256];

		if (!node_up(e))
			continue;
		node_title(e, title, sizeof(title));
		if (node_count(reply) > 1)
			printf("%snode %s\n", i ? "\n" : "", title);
		ushctl_table_init(&t, 2);
		ushctl_table_row(&t, (const char *const[]){"CIDR", "ORIGIN"});
		json_array_foreach(json_object_get(json_object_get(e, "reply"), "entries"), j, x) {
			ushctl_table_row(&t,
					 (const char *const[]){jstr(x, "cidr"), jstr(x, "origin")});
		}
		if (t.nrows == 1) {
			printf("(empty)\n");
			ushctl_table_free(&t);
		} else {
			ushctl_table_print(&t, stdout);
		}
	}
	print_node_problems(reply);
}

static int
c_list(int argc, char **argv, const struct command *cmd)
{
	/* "block add", "allow list", ...: the list is the first word, the action argv[0] */
	const char *list = strncmp(cmd->name, "block", 5) == 0 ? "block" : "allow";
	const char *what = argv[0];

	if (strcmp(what, "list") == 0) {
		if (argc != 1)
			return usage_error(cmd, "%s list takes no argument", list);
		return finish(call(json_pack("{s:s, s:s}", "cmd", "list.show", "list", list)),
			      h_list_show);
	}
	if (argc != 2)
		return usage_error(cmd, "expected one CIDR");
	return finish(call(json_pack("{s:s, s:s, s:s}", "cmd",
				     strcmp(what, "add") == 0 ? "list.add" : "list.del", "list",
				     list, "cidr", argv[1])),
		      h_list_change);
}

/* ---- bans ---- */

static void
h_bans_list(const json_t *reply)
{
	const json_t *e, *b;
	size_t i, j;

	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		const json_t *bans = json_object_get(json_object_get(e, "reply"), "bans");
		struct ushctl_table t;
		const char *k, *keys[16];
		unsigned int nk = 0;
		char title[256];
		json_t *v;

		if (!node_up(e))
			continue;
		node_title(e, title, sizeof(title));
		if (node_count(reply) > 1)
			printf("%snode %s\n", i ? "\n" : "", title);
		if (json_array_size(bans) == 0) {
			printf("no bans\n");
			continue;
		}
		/* the columns are the fields usher reports, in its order */
		json_object_foreach((json_t *)(uintptr_t)json_array_get(bans, 0), k, v) {
			if (nk < 16)
				keys[nk++] = k;
		}
		ushctl_table_init(&t, nk);
		{
			char up[16][64];
			const char *cells[16];

			for (unsigned int c = 0; c < nk; c++) {
				snprintf(up[c], sizeof(up[c]), "%s", keys[c]);
				for (char *p = up[c]; *p; p++)
					*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
				cells[c] = up[c];
			}
			ushctl_table_row(&t, cells);
		}
		json_array_foreach(bans, j, b) {
			char *vals[16];

			for (unsigned int c = 0; c < nk; c++)
				vals[c] = ushctl_scalar(json_object_get(b, keys[c]));
			ushctl_table_row(&t, (const char *const *)vals);
			for (unsigned int c = 0; c < nk; c++)
				free(vals[c]);
		}
		ushctl_table_print(&t, stdout);
	}
	print_node_problems(reply);
}

static void
h_bans_clear(const json_t *reply)
{
	print_node_counts(reply, "cleared", "bans cleared");
}

static int
c_bans_list(int argc, char **argv, const struct command *cmd)
{
	(void)argv;
	if (argc != 1)
		return usage_error(cmd, "bans list takes no argument");
	return finish(call(json_pack("{s:s}", "cmd", "bans.list")), h_bans_list);
}

static int
c_bans_clear(int argc, char **argv, const struct command *cmd)
{
	json_t *req;

	if (argc > 2)
		return usage_error(cmd, "at most one SOURCE address");
	req = json_pack("{s:s}", "cmd", "bans.clear");
	if (argc == 2)
		json_object_set_new(req, "source", json_string(argv[1]));
	return finish(call(req), h_bans_clear);
}

/* ---- nonce ---- */

static void
h_nonce(const json_t *reply)
{
	printf("nonce key %lld is current; key %lld still verifies the nonces handed out "
	       "before; ",
	       (long long)json_integer_value(json_object_get(reply, "kid")),
	       (long long)json_integer_value(json_object_get(reply, "prev_kid")));
	h_nodes_pushed(reply);
}

static int
c_nonce_rotate(int argc, char **argv, const struct command *cmd)
{
	(void)argv;
	if (argc != 1)
		return usage_error(cmd, "nonce rotate takes no argument");
	return finish(call(json_pack("{s:s}", "cmd", "nonce.rotate")), h_nonce);
}

/* ---- identity (STIR/SHAKEN verifier in usherd) ---- */

/* "name N, name N" of an object's integer members, the zero ones left out. */
static void
print_counts(const char *title, const json_t *o)
{
	const char *k;
	json_t *v;
	bool any = false;

	printf("%s:", title);
	json_object_foreach((json_t *)(uintptr_t)o, k, v) {
		if (json_integer_value(v) == 0)
			continue;
		printf("%s %s %lld", any ? "," : "", k, (long long)json_integer_value(v));
		any = true;
	}
	printf("%s\n", any ? "" : " none");
}

static long long
ival(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
h_identity_stats(const json_t *reply)
{
	const json_t *c = json_object_get(reply, "cache"), *p = json_object_get(reply, "punts");
	const json_t *e;
	size_t i;

	print_counts("verdicts", json_object_get(reply, "verdicts"));
	print_counts("reasons", json_object_get(reply, "reasons"));
	printf("certificate cache: %lld cached, %lld hits, %lld misses, %lld chains built\n",
	       ival(c, "cert_cached"), ival(c, "cert_hit"), ival(c, "cert_miss"),
	       ival(c, "chain_builds"));
	printf("result cache: %lld cached, %lld hits, %lld misses; %lld ES256 verifications, "
	       "%lld flushes\n",
	       ival(c, "result_cached"), ival(c, "result_hit"), ival(c, "result_miss"),
	       ival(c, "sig_verifies"), ival(c, "flushes"));
	c = json_object_get(reply, "fetch");
	printf("x5u fetches (HTTPS): %lld, %lld refused, %lld failed, %lld too big, %lld timed "
	       "out, %lld bytes\n",
	       ival(c, "fetches"), ival(c, "refused"), ival(c, "failed"), ival(c, "too_big"),
	       ival(c, "timeout"), ival(c, "bytes"));
	printf("punts: %lld received, %lld answered, %lld refused (overload), %lld in flight, "
	       "%lld for nodes gone\n",
	       ival(p, "received"), ival(p, "answered"), ival(p, "overload"), ival(p, "in_flight"),
	       ival(p, "dropped"));
	json_array_foreach(json_object_get(reply, "nodes"), i, e)
		printf("node %s: %s, %lld punts\n",
		       json_string_value(json_object_get(e, "path")),
		       json_is_true(json_object_get(e, "punting")) ? "punting" : "not punting",
		       ival(e, "punts"));
}

static void
h_identity_cache(const json_t *reply)
{
	struct ushctl_table t;
	long long now = ival(reply, "now");
	const json_t *e;
	size_t i;

	if (json_array_size(json_object_get(reply, "certificates")) == 0) {
		printf("no certificate cached\n");
		return;
	}
	ushctl_table_init(&t, 5);
	ushctl_table_row(&t, (const char *const[]){"X5U", "SUBJECT", "TNAUTH", "VALID", "CACHED"});
	json_array_foreach(json_object_get(reply, "certificates"), i, e) {
		char tn[32], valid[32], cached[32];

		if (json_is_true(json_object_get(e, "spc")))
			snprintf(tn, sizeof(tn), "SPC");
		else
			snprintf(tn, sizeof(tn), "%lld TN", ival(e, "tn_entries"));
		ushctl_duration(valid, sizeof(valid), ival(e, "valid_until") - now);
		ushctl_duration(cached, sizeof(cached), ival(e, "expires") - now);
		ushctl_table_row(&t, (const char *const[]){
					     json_string_value(json_object_get(e, "x5u")),
					     json_string_value(json_object_get(e, "subject")), tn,
					     valid, cached});
	}
	ushctl_table_print(&t, stdout);
}

static void
h_identity_done(const json_t *reply)
{
	(void)reply;
	printf("done: both caches are empty\n");
}

static int
c_identity_stats(int argc, char **argv, const struct command *cmd)
{
	(void)argv;
	if (argc != 1)
		return usage_error(cmd, "identity stats takes no argument");
	return finish(call(json_pack("{s:s}", "cmd", "identity.stats")), h_identity_stats);
}

static int
c_identity_cache(int argc, char **argv, const struct command *cmd)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return finish(call(json_pack("{s:s}", "cmd", "identity.cache")), h_identity_cache);
	if (argc == 2 && strcmp(argv[1], "flush") == 0)
		return finish(call(json_pack("{s:s}", "cmd", "identity.flush")), h_identity_done);
	return usage_error(cmd, "expected list or flush");
}

static int
c_identity_trust(int argc, char **argv, const struct command *cmd)
{
	if (argc != 2 || strcmp(argv[1], "reload") != 0)
		return usage_error(cmd, "expected reload");
	return finish(call(json_pack("{s:s}", "cmd", "identity.reload")), h_identity_done);
}

/* ---- explain ---- */

/* usher-explain beside this program (installed), in the build tree, or in PATH. */
static void
find_explain(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(out, len, "%s/usher-explain", self);
			if (access(out, X_OK) == 0)
				return;
			snprintf(out, len, "%s/../explain/usher-explain", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "usher-explain");
}

/* Whether the node reports key as live (usher's "get": "live": [names]). */
static bool
live_key(const json_t *node, const char *key)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(node, "live"), i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), key) == 0)
			return true;
	}
	return false;
}

static int
c_explain(int argc, char **argv, const struct command *cmd)
{
	static const struct option lo[] = {
		{"node", required_argument, NULL, 'n'},
		{"dry-run", no_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const char *want = NULL, *config = NULL;
	const json_t *node = NULL, *e;
	char exe[PATH_MAX + 32], cwd[PATH_MAX], abs_config[2 * PATH_MAX];
	bool dry = false;
	json_t *reply;
	char **args;
	size_t i, na = 0;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "+n:d", lo, NULL)) != -1) {
		if (o == 'n') {
			want = optarg;
		} else if (o == 'd') {
			dry = true;
		} else {
			usage_line(stderr, cmd);
			return USHCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error(cmd, "expected a CAPTURE (pcap or SIP message file)");
	reply = call(json_pack("{s:s}", "cmd", "config"));
	json_array_foreach(json_object_get(reply, "nodes"), i, e) {
		if (json_object_get(e, "values") == NULL)
			continue;
		if (want == NULL || strcmp(want, jstr(e, "path") ?: "") == 0 ||
		    strcmp(want, jstr(e, "name") ?: "") == 0) {
			node = e;
			break;
		}
	}
	if (node == NULL || (config = jstr(node, "config")) == NULL) {
		int rc = exit_code(reply);

		if (want != NULL)
			fprintf(stderr, "usherctl: no node %s up\n", want);
		else
			fprintf(stderr, "usherctl: no dataplane node up to read the configuration "
					"from\n");
		if (rc != USHCTL_EXIT_OK)
			fprintf(stderr, "usherctl: %s\n", jstr(reply, "error") ?: "failed");
		json_decref(reply);
		return want != NULL && rc == USHCTL_EXIT_OK ? USHCTL_EXIT_USAGE : USHCTL_EXIT_NODE;
	}
	/* usher reports the path it was given: a relative one is relative to its directory */
	if (config[0] != '/' && json_is_integer(json_object_get(node, "pid"))) {
		char link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%lld/cwd",
			 (long long)json_integer_value(json_object_get(node, "pid")));
		n = readlink(link, cwd, sizeof(cwd) - 1);
		if (n > 0) {
			cwd[n] = '\0';
			if (snprintf(abs_config, sizeof(abs_config), "%s/%s", cwd, config) <
			    (int)sizeof(abs_config))
				config = abs_config;
		}
	}
	find_explain(exe, sizeof(exe));
	args = calloc(2 * json_object_size(json_object_get(node, "values")) +
			      (size_t)(argc - optind) + 8,
		      sizeof(*args));
	if (args == NULL)
		return USHCTL_EXIT_REFUSED;
	args[na++] = exe;
	if (g.json)
		args[na++] = (char *)(uintptr_t) "--json";
	args[na++] = (char *)(uintptr_t) "--config";
	args[na++] = (char *)(uintptr_t)config;
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(node, "values"), k, v) {
			char *val, *a;

			/*
			 * Only the live keys: the others cannot have changed since usher read
			 * usher.ini, and their text is as written there, so a relative path would
			 * be taken relative to this process's directory as a --set (usher's rule)
			 * instead of the file's. An empty value is a key nobody gave: the default
			 * applies without a --set (and the parser refuses "" for most keys).
			 */
			if (!live_key(node, k) || !json_is_string(v) || json_string_length(v) == 0)
				continue;
			val = ushctl_scalar(v);
			if (val == NULL || asprintf(&a, "%s=%s", k, val) < 0)
				return USHCTL_EXIT_REFUSED;
			free(val);
			args[na++] = (char *)(uintptr_t) "--set";
			args[na++] = a;
		}
	}
	for (int k = optind; k < argc; k++)
		args[na++] = argv[k];
	args[na] = NULL;
	if (dry) {
		for (i = 0; i < na; i++)
			printf("%s%s", i ? " " : "", args[i]);
		printf("\n");
		return 0;
	}
	fflush(stdout);
	if (strchr(exe, '/') != NULL)
		execv(exe, args);
	else
		execvp(exe, args);
	fprintf(stderr, "usherctl: cannot run %s: %s\n", exe, strerror(errno));
	return USHCTL_EXIT_USAGE;
}

/* ---- help ---- */

static void
global_usage(FILE *f)
{
	fprintf(f,
		"usage: usherctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS]\n"
		"       usherctl help [COMMAND]\n"
		"\n"
		"Talks to usherd, which relays to every usher node.\n"
		"\n"
		"  -s, --socket PATH  usherd's socket (default %s, or $USHERD_SOCKET)\n"
		"  -j, --json         print usherd's reply as JSON\n"
		"  -t, --timeout MS   how long to wait for usherd (default %d)\n"
		"\n"
		"commands:\n",
		DEFAULT_SOCKET, DEFAULT_TIMEOUT_MS);
}

static int c_help(int argc, char **argv, const struct command *cmd);

static const struct command commands[] = {
	{"status", "", "usherd and every node: up or down, users, nonce key",
	 "Shows usherd (its source, user count, nonce key, live changes kept) and each node:\n"
	 "up or down (with the reason), its name, pid, uptime, workers and users.",
	 c_status},
	{"stats", "[--watch [--interval S] [--count N]]", "counters of every node, per worker",
	 "Prints each node's counters (non-zero ones; --json has them all), total and per\n"
	 "worker lcore. With --watch, samples every S seconds (default 1) N times (default:\n"
	 "until interrupted) and adds rates per second computed between samples.",
	 c_stats},
	{"users list", "[--realm R] [--limit N] [--offset N]", "subscribers in usherd's set",
	 "Lists the subscribers usherd pushes (user, realm, the hashes it has HA1s for).",
	 c_users},
	{"users add", "USER [--realm R] [--password-stdin | --password P]",
	 "add a subscriber to the source and every node",
	 "Writes the subscriber to the source (file, SQLite or PostgreSQL) and pushes its HA1s\n"
	 "to every node at once. The password is asked twice on a terminal, or read as one line\n"
	 "with --password-stdin. --password P works but leaks into ps and shell history.\n"
	 "The realm defaults to [source] realm, else to the nodes' auth.realm.",
	 c_users},
	{"users del", "USER [--realm R]", "remove a subscriber from the source and every node",
	 "Deletes the subscriber from the source and from every node at once.", c_users},
	{"users passwd", "USER [--realm R] [--password-stdin | --password P]",
	 "change a subscriber's password", "As users add, for a subscriber that exists.",
	 c_users},
	{"users import", "FILE [--replace]", "add subscribers' HA1s from an htdigest file",
	 "Reads FILE (an Apache htdigest file, user:realm:HA1, or Usher's user:realm:ALGORITHM:\n"
	 "HA1 lines; '-' is standard input) and sends it to usherd, which parses it as usher\n"
	 "parses its credentials file, all or nothing (a bad line: 'FILE:LINE: message', exit 1,\n"
	 "nothing written). The HA1s are written to the source in one transaction (or one\n"
	 "rewrite of the file), then every node gets a full transfer. A subscriber that\n"
	 "exists fails the import (exit 1) unless --replace: then its HA1s are replaced.\n"
	 "One request carries at most 1 MiB: split larger files.",
	 c_users_import},
	{"reload", "", "re-read the whole source and push it to every node",
	 "Loads the source again, all or nothing: on any error the set in force is kept and the\n"
	 "error is printed (exit 1). On success every node gets a full transfer.",
	 c_reload},
	{"get", "[KEY]", "live settings (section.key) of every node",
	 "Prints the settings in force, one column per node when nodes differ.", c_get},
	{"set", "KEY VALUE", "change a live setting on every node",
	 "Sets section.key on every node. usherd keeps the change (state_dir/live.json) when no\n"
	 "node refused it, and replays it to nodes that restart. A value a node refuses is\n"
	 "reported with that node's message (exit 1).",
	 c_set},
	{"block add", "CIDR", "add a prefix to the block list of every node", "", c_list},
	{"block del", "CIDR", "remove a prefix from the block list", "", c_list},
	{"block list", "", "show the block list of every node", "", c_list},
	{"allow add", "CIDR", "add a prefix to the allow list of every node", "", c_list},
	{"allow del", "CIDR", "remove a prefix from the allow list", "", c_list},
	{"allow list", "", "show the allow list of every node", "", c_list},
	{"bans list", "", "sources and users banned now", "", c_bans_list},
	{"bans clear", "[SOURCE]", "lift every ban, or the bans of one source address", "",
	 c_bans_clear},
	{"nonce rotate", "", "new nonce secret on every node; the old one keeps verifying",
	 "usherd makes a new current secret (key id + 1), keeps the old one as previous, saves\n"
	 "both, and pushes them to every node: nonces handed out before stay valid, nobody is\n"
	 "challenged again.",
	 c_nonce_rotate},
	{"identity stats", "", "STIR/SHAKEN verifier: verdicts, reasons, caches, punts",
	 "Counters of usherd's verifier ([identity] in usherd.ini): verdicts and reasons since\n"
	 "start, certificate and result cache hits and misses, chains built, ES256 runs, punts\n"
	 "received from the nodes and answered, and which nodes punt to it.",
	 c_identity_stats},
	{"identity cache", "list|flush", "certificates cached by the verifier, or drop both caches",
	 "list: every cached certificate (x5u, leaf subject, TNAuthList, time left valid and in\n"
	 "the cache). flush: empty the certificate and the result cache (the next punt of each\n"
	 "x5u reads the repository and builds the chain again).",
	 c_identity_cache},
	{"identity trust", "reload", "re-read trust anchors, CRLs and the repository index",
	 "Reloads ca_file/ca_dir, crl_file/crl_dir and repo_dir's index, all or nothing (an\n"
	 "error keeps the trust in force, exit 1), and flushes both caches.",
	 c_identity_trust},
	{"explain", "[--node PATH|NAME] [--dry-run] CAPTURE",
	 "usher-explain on a capture, with a node's live configuration",
	 "Runs usher-explain --config <the node's usher.ini> --set <each live key's value> CAPTURE,\n"
	 "so the verdicts use the configuration in force. --dry-run prints the command.\n"
	 "Exit status is usher-explain's.",
	 c_explain},
	{"help", "[COMMAND]", "this list, or one command's help", "", c_help},
	{NULL, NULL, NULL, NULL, NULL},
};

static const struct command *
find_command(int argc, char **argv, int *words)
{
	for (const struct command *c = commands; c->name != NULL; c++) {
		const char *sp = strchr(c->name, ' ');

		if (sp == NULL) {
			if (strcmp(c->name, argv[0]) == 0) {
				*words = 1;
				return c;
			}
		} else if (strncmp(c->name, argv[0], (size_t)(sp - c->name)) == 0 &&
			   argv[0][sp - c->name] == '\0' && argc > 1 &&
			   strcmp(sp + 1, argv[1]) == 0) {
			*words = 2;
			return c;
		}
	}
	return NULL;
}

static int
c_help(int argc, char **argv, const struct command *cmd)
{
	const struct command *c;
	int words;

	(void)cmd; /* help is about the other commands */

	if (argc == 1) {
		global_usage(stdout);
		for (c = commands; c->name != NULL; c++)
			printf("  %-14s %s\n", c->name, c->summary);
		printf("\nexit status: 0 done, 1 refused (bad value, unknown user...), 2 usage, "
		       "3 usherd unreachable,\n4 a dataplane node down or failed.\n");
		return 0;
	}
	c = find_command(argc - 1, argv + 1, &words);
	if (c == NULL || words != argc - 1) {
		fprintf(stderr, "usherctl: no command '%s'; 'usherctl help' lists them\n", argv[1]);
		return USHCTL_EXIT_USAGE;
	}
	usage_line(stdout, c);
	printf("\n%s\n", c->summary);
	if (c->help[0])
		printf("\n%s\n", c->help);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct command *c;
	int o, words;

	if (getenv("USHERD_SOCKET") != NULL && getenv("USHERD_SOCKET")[0] != '\0')
		g.socket = getenv("USHERD_SOCKET");
	while ((o = getopt_long(argc, argv, "+s:jt:h", lo, NULL)) != -1) {
		char *end;
		long t;

		switch (o) {
		case 's':
			g.socket = optarg;
			break;
		case 'j':
			g.json = true;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*end != '\0' || t < 1 || t > 3600000) {
				fprintf(stderr,
					"usherctl: --timeout: '%s' is not 1 to 3600000 ms\n",
					optarg);
				return USHCTL_EXIT_USAGE;
			}
			g.timeout_ms = (unsigned int)t;
			break;
		case 'h':
			return c_help(1, argv, cmd_named("help"));
		default:
			global_usage(stderr);
			return USHCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		global_usage(stderr);
		return USHCTL_EXIT_USAGE;
	}
	c = find_command(argc - optind, argv + optind, &words);
	if (c == NULL) {
		fprintf(stderr, "usherctl: unknown command '%s%s%s'; 'usherctl help' lists them\n",
			argv[optind], optind + 1 < argc ? " " : "",
			optind + 1 < argc ? argv[optind + 1] : "");
		return USHCTL_EXIT_USAGE;
	}
	return c->fn(argc - optind - words + 1, argv + optind + words - 1, c);
}
