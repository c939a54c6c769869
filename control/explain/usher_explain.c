/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usher-explain: show what Usher's SIP parser sees in raw messages and pcap captures, and with
 * --config what the workers would decide on each.
 */

#define _GNU_SOURCE /* fopencookie */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "explain_priv.h"
#include "ush_digest.h"

/* Bytes read to tell a capture from a raw message. */
#define MAGIC_LEN 4

enum {
	EXIT_PARSED = 0,   /* every message was accepted */
	EXIT_REJECTED = 1, /* at least one message was rejected */
	EXIT_USAGE = 2,	   /* bad usage or an unreadable input */
};

/* Long options without a short form. */
enum {
	OPT_SET = 0x100,
};

/*
 * The magic number is read before we know what the input is; a pipe cannot seek back, so a
 * capture is handed to libpcap through a stream that replays those bytes, then the rest.
 */
struct replay {
	unsigned char head[MAGIC_LEN];
	size_t head_len;
	size_t pos;
	FILE *fp;
};

static ssize_t
replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *r = cookie;
	size_t n;

	if (r->pos < r->head_len) {
		n = r->head_len - r->pos;
		if (n > size)
			n = size;
		memcpy(buf, r->head + r->pos, n);
		r->pos += n;
		return (ssize_t)n;
	}
	n = fread(buf, 1, size, r->fp);
	if (n == 0 && ferror(r->fp))
		return -1;
	return (ssize_t)n;
}

static int
replay_close(void *cookie)
{
	struct replay *r = cookie;
	int ret = 0;

	if (r->fp != stdin)
		ret = fclose(r->fp);
	free(r);
	return ret;
}

static FILE *
replay_open(const unsigned char *head, size_t len, FILE *fp)
{
	cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
	struct replay *r;
	FILE *s;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	memcpy(r->head, head, len);
	r->head_len = len;
	r->fp = fp;
	s = fopencookie(r, "r", io);
	if (s == NULL)
		free(r);
	return s;
}

/*
 * A raw message: the whole input is one SIP message. At most USH_SIP_MAX_MSG bytes are kept
 * (no UDP datagram is longer); one byte more proves the input too large.
 */
static int
explain_raw(struct ush_explain_ctx *ctx, const char *name, FILE *fp, const unsigned char *head,
	    size_t head_len, char *buf)
{
	struct ush_explain_origin org = {.source = name};
	size_t len = head_len;

	memcpy(buf, head, head_len);
	while (len < USH_SIP_MAX_MSG + 1 && !feof(fp) && !ferror(fp))
		len += fread(buf + len, 1, USH_SIP_MAX_MSG + 1 - len, fp);
	if (ferror(fp)) {
		fprintf(stderr, "usher-explain: %s: %s\n", name, strerror(errno));
		return -EIO;
	}
	if (len > USH_SIP_MAX_MSG) {
		fprintf(stderr,
			"usher-explain: %s: larger than %d bytes: not one SIP message "
			"(a pcap file must start with a pcap or pcapng magic number)\n",
			name, USH_SIP_MAX_MSG);
		return -EFBIG;
	}
	return ush_explain_message(ctx, &org, buf, len);
}

static int
explain_input(struct ush_explain_ctx *ctx, const char *name, char *buf)
{
	bool is_stdin = strcmp(name, "-") == 0;
	unsigned char head[MAGIC_LEN];
	size_t head_len;
	FILE *fp, *cap;
	int ret;

	fp = is_stdin ? stdin : fopen(name, "rb");
	if (fp == NULL) {
		fprintf(stderr, "usher-explain: %s: %s\n", name, strerror(errno));
		return -EIO;
	}
	head_len = fread(head, 1, sizeof(head), fp);
	if (ferror(fp)) {
		fprintf(stderr, "usher-explain: %s: %s\n", name, strerror(errno));
		ret = -EIO;
		goto out_close;
	}
	if (ush_explain_is_pcap(head, head_len)) {
		cap = replay_open(head, head_len, fp);
		if (cap == NULL) {
			fprintf(stderr, "usher-explain: %s: %s\n", name, strerror(errno));
			ret = -EIO;
			goto out_close;
		}
		return ush_explain_pcap(ctx, name, cap); /* closes cap, which closes fp */
	}
	ret = explain_raw(ctx, name, fp, head, head_len, buf);
out_close:
	if (!is_stdin)
		fclose(fp);
	return ret;
}

/* "192.0.2.1:5060" or "[2001:db8::1]:5060" (--src). */
static int
parse_src(const char *arg, struct ush_reply_source *src)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = arg;
	size_t hlen;
	char *end;
	unsigned long port;

	colon = strrchr(arg, ':');
	if (colon == NULL || colon == arg)
		return -EINVAL;
	hlen = (size_t)(colon - arg);
	if (arg[0] == '[') {
		if (hlen < 2 || arg[hlen - 1] != ']')
			return -EINVAL;
		h = arg + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || port == 0 || port > 65535)
		return -EINVAL;
	memset(src, 0, sizeof(*src));
	src->af = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(src->af, host, src->addr) != 1)
		return -EINVAL;
	src->port = (uint16_t)port;
	return 0;
}

/* --config: read usher.ini like usher and build the pipeline. */
static int
setup_engine(struct ush_explain_ctx *ctx)
{
	static struct ush_explain_setup setup; /* holds a 4 KiB secret buffer */
	char err[4096];
	int rc;

	rc = ush_explain_conf_load(ctx->opts.config, ctx->opts.overrides, ctx->opts.n_overrides,
				   &setup, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "usher-explain: %s\n", err);
		return rc;
	}
	if (setup.secret_len == 0)
		fprintf(stderr,
			"usher-explain: %s: no [auth] nonce_secret_file: usher then runs with a "
			"random secret, and the nonces of a capture cannot be verified offline "
			"(they show as challenge_nonce_invalid). See docs/explain.md.\n",
			ctx->opts.config);
	ctx->eng = ush_explain_engine_create(&setup);
	rc = ctx->eng == NULL ? -errno : 0;
	if (rc < 0)
		fprintf(stderr, "usher-explain: %s: cannot set up the pipeline: %s\n",
			ctx->opts.config, strerror(-rc));
	ush_explain_setup_free(&setup);
	return rc;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: usher-explain [--json] [--password PASSWORD | --ha1 HEX]\n"
		"                     [--config usher.ini [--set SECTION.KEY=VALUE]...\n"
		"                                     [--now SECONDS] [--src ADDR:PORT]]\n"
		"                     [--help] FILE...\n"
		"\n"
		"Show what Usher's SIP parser sees in each message: the parsed fields and\n"
		"credentials, or the reason the message is rejected.\n"
		"\n"
		"FILE is a raw SIP message (one per file, CRLF or LF line ends) or a pcap/pcapng\n"
		"capture whose UDP payloads are SIP messages; '-' reads standard input.\n"
		"\n"
		"  -j, --json           one JSON object per message per line, then a summary line\n"
		"  -p, --password PASS  recompute every Authorization / Proxy-Authorization\n"
		"                       response with this password and say match or mismatch\n"
		"                       (the usual cause of a 401 loop is a mistyped password)\n"
		"  -a, --ha1 HEX        the same with a stored HA1 (32 hex digits for MD5, 64 for\n"
		"                       SHA-256 and SHA-512-256) instead of a password\n"
		"  -c, --config FILE    decide on every message as usher's workers would with\n"
		"                       this usher.ini (its credentials and nonce_secret_file):\n"
		"                       verdict (forward, reply, drop), the counter that says\n"
		"                       why, and the reply (status, algorithms, stale); in\n"
		"                       capture order, at each frame's capture time. Nonces\n"
		"                       verify only with the nonce_secret_file usher ran with\n"
		"      --set SECTION.KEY=VALUE\n"
		"                       with --config: override one key after the file, as\n"
		"                       usher's --set does (repeatable, the last one of a key\n"
		"                       wins), e.g. --set auth.algorithms=MD5\n"
		"  -n, --now SECONDS    clock for raw messages (default: now; pcaps use the\n"
		"                       capture timestamps)\n"
		"  -s, --src ADDR:PORT  source of raw messages (default 192.0.2.1:5060)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 every message parsed, 1 a message was rejected,\n"
		"2 bad usage or an unreadable input. See docs/explain.md.\n");
}

static int
explain_main(int argc, char **argv, const char **overrides)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"password", required_argument, NULL, 'p'},
		{"ha1", required_argument, NULL, 'a'},
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, OPT_SET},
		{"now", required_argument, NULL, 'n'},
		{"src", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct ush_explain_ctx ctx;
	bool now_set = false;
	unsigned long long now;
	int c, i, ret = 0;
	char *buf, *end;

	memset(&ctx, 0, sizeof(ctx));
	parse_src("192.0.2.1:5060", &ctx.opts.raw_src);
	ctx.opts.overrides = overrides;
	while ((c = getopt_long(argc, argv, "jp:a:c:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.opts.json = true;
			break;
		case 'p':
			ctx.opts.password = optarg;
			break;
		case 'a':
			ctx.opts.ha1_hex = optarg;
			break;
		case 'c':
			ctx.opts.config = optarg;
			break;
		case OPT_SET:
			/* argv outlives the run: keep pointers, as usher does */
			overrides[ctx.opts.n_overrides++] = optarg;
			break;
		case 'n':
			errno = 0;
			now = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '\0' || optarg[0] == '-' ||
			    now > UINT32_MAX) {
				fprintf(stderr, "usher-explain: --now %s: not a time in seconds\n",
					optarg);
				return EXIT_USAGE;
			}
			ctx.opts.now = (uint32_t)now;
			now_set = true;
			break;
		case 's':
			if (parse_src(optarg, &ctx.opts.raw_src) < 0) {
				fprintf(stderr,
					"usher-explain: --src %s: not ADDR:PORT "
					"(192.0.2.1:5060 or [2001:db8::1]:5060)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_PARSED;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usher-explain: no FILE given ('-' reads standard input)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ctx.opts.n_overrides > 0 && ctx.opts.config == NULL) {
		fprintf(stderr, "usher-explain: --set needs --config (it overrides usher.ini)\n");
		return EXIT_USAGE;
	}
	if (ctx.opts.password != NULL && ctx.opts.ha1_hex != NULL) {
		fprintf(stderr, "usher-explain: --password and --ha1 exclude each other\n");
		return EXIT_USAGE;
	}
	if (ctx.opts.password != NULL || ctx.opts.ha1_hex != NULL) {
		ctx.dctx = ush_digest_ctx_create(NULL);
		if (ctx.dctx == NULL) {
			fprintf(stderr, "usher-explain: digest engine: %s\n", strerror(errno));
			return EXIT_USAGE;
		}
	}
	ctx.opts.multi = argc - optind > 1;
	if (!now_set)
		ctx.opts.now = (uint32_t)time(NULL);
	if (ctx.opts.config != NULL && setup_engine(&ctx) < 0) {
		ush_digest_ctx_free(ctx.dctx);
		return EXIT_USAGE;
	}
	buf = malloc(USH_SIP_MAX_MSG + 1);
	if (buf == NULL) {
		fprintf(stderr, "usher-explain: out of memory\n");
		ush_explain_engine_free(ctx.eng);
		ush_digest_ctx_free(ctx.dctx);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		ret = explain_input(&ctx, argv[i], buf);
		if (ret == -ENOMEM)
			break;
		if (ret < 0)
			ctx.input_errors++;
	}
	free(buf);
	ush_digest_ctx_free(ctx.dctx);
	ush_explain_summary(&ctx);
	ush_explain_engine_free(ctx.eng);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "usher-explain: writing the output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (ctx.input_errors || ret == -ENOMEM)
		return EXIT_USAGE;
	return ctx.rejected ? EXIT_REJECTED : EXIT_PARSED;
}

int
main(int argc, char **argv)
{
	const char **overrides;
	int rc;

	/* every --set fits: there are fewer than argc of them */
	overrides = calloc((size_t)argc + 1, sizeof(*overrides));
	if (overrides == NULL) {
		fprintf(stderr, "usher-explain: out of memory\n");
		return EXIT_USAGE;
	}
	rc = explain_main(argc, argv, overrides);
	free(overrides);
	return rc;
}
