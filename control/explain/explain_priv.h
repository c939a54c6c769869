/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * usher-explain internals: the run context shared by the CLI, the pcap walker, the message
 * model and the two output formats.
 *
 * One message goes through three steps, each in its own file:
 *
 *   input (usher_explain.c: raw file/stdin, explain_pcap.c: pcap frames)
 *     -> model (explain_msg.c: one jansson object per message, keys in docs/explain.md)
 *     -> output (explain_out.c: that object as one JSON line, or rendered for humans)
 *
 * The human output walks the same object, so a field added to the model (for instance a
 * digest verdict per Authorization header, in ush_explain_auth_json()) shows in both formats
 * without touching the renderers.
 *
 * With --config, each message also goes through the workers' decision pipeline
 * (explain_verdict.c: ush_auth_process_burst() one packet at a time, in capture order, with
 * the capture's clock), which adds the verdict keys to the model. The configuration is read
 * by usher's own reader (explain_conf.c, linked only when DPDK's rte_cfgfile is available).
 */

#ifndef EXPLAIN_PRIV_H
#define EXPLAIN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ush_auth.h"
#include "ush_sip.h"

/**
 * Why a pcap frame carried no SIP message. X(name, text): name is the JSON key of the
 * summary, text the human wording; both are documented in docs/explain.md.
 */
#define USH_EXPLAIN_SKIPS(X)                                                                       \
	X(non_ip, "not IPv4/IPv6")                                                                 \
	X(non_udp, "not UDP")                                                                      \
	X(fragment, "fragment, not reassembled")                                                   \
	X(truncated, "truncated by the capture")                                                   \
	X(malformed, "malformed link/IP/UDP header")                                               \
	X(keepalive, "keep-alive (whitespace only)")                                               \
	X(non_sip, "UDP payload is not SIP")

/* The x-macro expands to enumerators, which clang-format cannot see. */
/* clang-format off */
enum ush_explain_skip {
	USH_EXPLAIN_SKIP_NONE = 0,
#define USH_EXPLAIN_SKIP_ENUM(name, text) USH_EXPLAIN_SKIP_##name,
	USH_EXPLAIN_SKIPS(USH_EXPLAIN_SKIP_ENUM)
#undef USH_EXPLAIN_SKIP_ENUM
	USH_EXPLAIN_SKIP_COUNT
};
/* clang-format on */

/** Command-line options. */
struct ush_explain_opts {
	bool json;            /**< one JSON object per line instead of the human format */
	const char *password; /**< --password: check every response with this password */
	const char *ha1_hex;  /**< --ha1: check every response with this HA1 (hex) */
	const char *config;   /**< --config: decide on every message like a worker */
	const char **overrides;	  /**< --set section.key=value, in order (usher's --set) */
	unsigned int n_overrides; /**< entries of overrides */
	uint32_t now;	      /**< --now: clock of raw messages (default: time of the run) */
	struct ush_reply_source raw_src; /**< --src: source of raw messages */
	bool multi;	      /**< more than one FILE: name it on each verdict line */
};

struct ush_digest_ctx;

/** Run state: options and the counters of the final summary. */
struct ush_explain_ctx {
	struct ush_explain_opts opts;
	uint64_t messages; /**< messages handed to the parser */
	uint64_t parsed;   /**< ... that it accepted */
	uint64_t rejected; /**< ... that it rejected */
	uint64_t frames;   /**< pcap frames read */
	uint64_t skipped[USH_EXPLAIN_SKIP_COUNT];
	uint64_t input_errors; /**< inputs that could not be read: exit code 2 */
	struct ush_digest_ctx *dctx; /**< batch engine, only with --password or --ha1 */
	struct ush_explain_engine *eng; /**< decision pipeline, only with --config */
};

/** Where a message came from. Pcap fields are NULL / 0 for a raw file. */
struct ush_explain_origin {
	const char *source; /**< file name as given, "-" for stdin */
	uint64_t frame;	    /**< 1-based pcap frame number; 0 for a raw file */
	const char *src;    /**< "192.0.2.1:5060" or "[2001:db8::1]:5060" */
	const char *dst;
	/* for the decision pipeline (--config) */
	const struct ush_reply_source *from; /**< source address and port */
	int dport;	/**< UDP destination port; -1 for a raw message (always SIP) */
	uint32_t now;	/**< capture timestamp, seconds */
};

/** Longest "[ipv6%scope]:port" text, NUL included. */
#define USH_EXPLAIN_ADDR_LEN 64

/** One pcap frame decoded down to its UDP payload. */
struct ush_explain_frame {
	enum ush_explain_skip skip; /**< USH_EXPLAIN_SKIP_NONE when payload is a UDP payload */
	char src[USH_EXPLAIN_ADDR_LEN];
	char dst[USH_EXPLAIN_ADDR_LEN];
	const uint8_t *payload;
	size_t len;
	struct ush_reply_source from; /**< source address and UDP port, for the pipeline */
	uint16_t dport;		      /**< UDP destination port */
};

/* explain_pcap.c */

/**
 * True when the first bytes of a file are a pcap or pcapng magic number.
 * @param head  first bytes of the file; @param len their count (4 are needed).
 */
bool ush_explain_is_pcap(const uint8_t *head, size_t len);

/**
 * Decode one captured frame to its UDP payload. Reads only within [data, data + caplen).
 * @param linktype  pcap DLT_* of the capture.
 * @return 0, or -EPROTONOSUPPORT when the link type is not one the tool knows.
 */
int ush_explain_decode(int linktype, const uint8_t *data, size_t caplen,
		       struct ush_explain_frame *fr);

/** Whether a UDP payload is a SIP message, a keep-alive or something else. */
enum ush_explain_skip ush_explain_classify(const uint8_t *payload, size_t len);

/**
 * Explain every SIP message of a pcap stream. Takes ownership of @p fp (closed on return).
 * @return 0, or -EIO when the capture cannot be read (message already on stderr).
 */
int ush_explain_pcap(struct ush_explain_ctx *ctx, const char *name, FILE *fp);

/* explain_msg.c */

/**
 * Parse one message and build its model (keys in docs/explain.md).
 * @param parsed  set to whether ush_sip_parse() accepted it.
 * @return a new reference, or NULL when out of memory.
 */
json_t *ush_explain_msg_json(const struct ush_explain_ctx *ctx,
			     const struct ush_explain_origin *org, const char *buf, size_t len,
			     bool *parsed);

/**
 * Model of one Authorization / Proxy-Authorization header: kind, raw value, and the parsed
 * credentials or the error. The place to add per-header fields such as a digest check.
 */
json_t *ush_explain_auth_json(const struct ush_explain_ctx *ctx, const char *buf, size_t buflen,
			      const struct ush_sip_msg *msg, const struct ush_sip_auth *auth);

/**
 * With --password or --ha1: recompute the response of parsed credentials with the batch
 * engine (method, Request-URI and body from the message) and add "match" (true, false, or
 * null when it cannot be checked), "check" (match, mismatch or why not), "check_algorithm"
 * and "check_qop" to @p o. Without those options, adds nothing.
 */
void ush_explain_check_json(const struct ush_explain_ctx *ctx, json_t *o, const char *buf,
			    const struct ush_sip_msg *msg, const struct ush_sip_cred *cred);

/**
 * JSON string of @p len bytes, made printable: bytes of invalid UTF-8 and control characters
 * become the text "\xNN" (CR and LF "\r" and "\n"), so any byte reaches a terminal or a JSON
 * reader safely. Every other byte, backslash included, is kept as is.
 */
json_t *ush_explain_text(const char *s, size_t len);

/* explain_verdict.c: the workers' pipeline, EAL-free */

/** One [lists] prefix: flag is USH_AUTH_PKT_BLOCK or USH_AUTH_PKT_ALLOW. */
struct ush_explain_prefix {
	uint8_t addr[16]; /**< network byte order; IPv4 in the first 4 bytes */
	uint8_t af;	  /**< AF_INET or AF_INET6 */
	uint8_t depth;
	uint8_t flag;
};

/** Longest nonce secret read from nonce_secret_file (usher's own limit). */
#define USH_EXPLAIN_SECRET_MAX 4096

/** What the pipeline needs, as usher sets it up from usher.ini (explain_conf.c). */
struct ush_explain_setup {
	struct ush_auth_conf auth;
	struct ush_credtab *creds; /**< owned; NULL means an empty table */
	uint8_t secret[USH_EXPLAIN_SECRET_MAX];
	size_t secret_len;	      /**< 0: no nonce_secret_file, a random secret */
	unsigned int nc_table_order;
	unsigned int guard_table_order;
	uint64_t sip_port_map[65536 / 64]; /**< bit per UDP destination port of [sip] ports */
	bool passthrough_drop;		   /**< [policy] passthrough = drop */
	struct ush_explain_prefix *prefixes; /**< [lists], malloc'd */
	unsigned int n_prefixes;
};

/** Outcome of one message through the pipeline. */
struct ush_explain_verdict {
	uint8_t action;	     /**< enum ush_auth_action */
	uint8_t ctr;	     /**< enum ush_ctr */
	uint8_t event;	     /**< enum ush_ctr, USH_CTR_COUNT when none */
	uint16_t reply_port; /**< UDP destination port of the reply */
	const char *reply;   /**< reply text, valid until the next decision */
	uint16_t reply_len;
};

struct ush_explain_engine;

/**
 * Read @p path with usher's configuration reader, apply the overrides after the file exactly
 * as usher's `--set section.key=value` (same parser, same messages), and load the
 * credentials file and nonce secret file the result names. Without DPDK (-Ddpdk=disabled)
 * always fails with -ENOTSUP.
 * @param overrides    n_overrides "section.key=value" strings, applied in order
 * @param err  "file:line: message", or "--set section.key=value: message", on error
 * @return 0, or a negative errno (err filled).
 */
int ush_explain_conf_load(const char *path, const char *const *overrides, unsigned int n_overrides,
			  struct ush_explain_setup *s, char *err, size_t errlen);

/** Free and wipe what a setup holds (credentials, secret, prefixes). */
void ush_explain_setup_free(struct ush_explain_setup *s);

/**
 * Build the shared state (nonce keys, nc table, guard tables) and one worker, as usher does.
 * Takes the credentials table of @p s (s->creds becomes NULL).
 * @return the engine, or NULL with errno set.
 */
struct ush_explain_engine *ush_explain_engine_create(struct ush_explain_setup *s);

/** Free an engine. NULL is a no-op. */
void ush_explain_engine_free(struct ush_explain_engine *e);

/**
 * Decide on one UDP payload as the worker would at time @p now (seconds), and count it.
 * @param dport  UDP destination port, or -1 to skip the [sip] ports check (raw message)
 */
void ush_explain_engine_decide(struct ush_explain_engine *e, const char *sip, size_t len,
			       const struct ush_reply_source *from, int dport, uint32_t now,
			       struct ush_explain_verdict *v);

/** Add "verdict", "verdict_reason", "verdict_reason_text", "event" and "reply" to @p o. */
void ush_explain_verdict_json(const struct ush_explain_verdict *v, json_t *o);

/** Counters of every decision so far, indexed by enum ush_ctr. */
const uint64_t *ush_explain_engine_counters(const struct ush_explain_engine *e);

/** Decisions so far per enum ush_auth_action. */
const uint64_t *ush_explain_engine_actions(const struct ush_explain_engine *e);

/** "forward", "reply" or "drop". */
const char *ush_explain_action_name(unsigned int action);

/* explain_out.c */

/**
 * Explain one message: parse, print in the chosen format, count.
 * @return 0, or -ENOMEM / -EIO.
 */
int ush_explain_message(struct ush_explain_ctx *ctx, const struct ush_explain_origin *org,
			const char *buf, size_t len);

/** Print the end-of-run summary (stderr in human mode, a last JSON line in JSON mode). */
void ush_explain_summary(const struct ush_explain_ctx *ctx);

/** Human wording and JSON key of a skip reason. */
const char *ush_explain_skip_text(enum ush_explain_skip skip);
const char *ush_explain_skip_name(enum ush_explain_skip skip);

#endif /* EXPLAIN_PRIV_H */
