/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The usher.ini reader: rte_cfgfile for the values, our own scan of the text for line numbers. */

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>
#include <rte_string_fns.h>

#include "ush_ini_scan.h"
#include "usher_priv.h"

/* '#' rather than rte_cfgfile's default ';': the credentials files use '#' too. */
#define CONF_COMMENT   '#'
#define CONF_MAX_LINES 4096
/* [lists]: prefixes over all keys and files; each costs an LPM rule (a few bytes) */
#define CONF_MAX_CIDRS (1u << 20)
/* a parser that wrote its own "file:line: message" (a list file) into cx->err */
#define CONF_ERR_OWN EBADMSG

struct conf_ctx {
	struct ush_dp_conf *conf;
	const char *path;
	char dir[USH_DP_PATH_MAX]; /* directory of the file, for relative paths */
	struct ush_ini_line *lines;
	unsigned int n_lines;
	const char *const *overrides;
	unsigned int n_overrides;
	char *err;
	size_t errlen;
};

/* Where a value was set: "--set section.key=value" or "file:line". */
static void
conf_origin(const struct conf_ctx *cx, const char *section, const char *key,
	    struct ush_dp_origin *o)
{
	size_t sl = strlen(section), kl = strlen(key);

	/* the last override of a key wins, as when applied */
	for (unsigned int i = cx->n_overrides; i-- > 0;) {
		const char *a = cx->overrides[i];

		if (strncmp(a, section, sl) == 0 && a[sl] == '.' &&
		    strncmp(a + sl + 1, key, kl) == 0 && a[sl + 1 + kl] == '=') {
			snprintf(o->where, sizeof(o->where), "--set %s", a);
			return;
		}
	}
	for (unsigned int i = 0; i < cx->n_lines; i++) {
		if (strcmp(cx->lines[i].section, section) == 0 &&
		    strcmp(cx->lines[i].key, key) == 0) {
			snprintf(o->where, sizeof(o->where), "%s:%u", cx->path, cx->lines[i].line);
			return;
		}
	}
	snprintf(o->where, sizeof(o->where), "%s", cx->path);
}

static int conf_fail(struct conf_ctx *cx, const char *where, const char *fmt, ...)
	__rte_format_printf(3, 4);

static int
conf_fail(struct conf_ctx *cx, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(cx->err, cx->errlen, "%s: %s", where, msg);
	return -EINVAL;
}

/*
 * Scan the text the way rte_cfgfile reads it, but strictly: every line that is not blank or a
 * comment must be a [section] or a key = value inside one, sections and keys appear once, names
 * and values fit rte_cfgfile's buffers. rte_cfgfile skips lines without '=' silently and
 * reports nothing with a line number, so this is where typos are caught.
 */
static int
conf_scan(struct conf_ctx *cx)
{
	cx->lines = calloc(CONF_MAX_LINES, sizeof(*cx->lines));
	if (cx->lines == NULL)
		return -ENOMEM;
	return ush_ini_scan(cx->path, USH_INI_ESCAPED_COMMENT, cx->lines, CONF_MAX_LINES,
			    &cx->n_lines, cx->err, cx->errlen);
}

/* ---- value parsers: return 0, or -EINVAL with msg set (no location) ---- */

typedef int (*conf_parse_fn)(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o,
			     char *msg, size_t len);

static int
parse_bool(const char *v, bool *out, char *msg, size_t len)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (unsigned int i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	snprintf(msg, len, "'%s' is not a boolean (true or false)", v);
	return -EINVAL;
}

/* Splits a comma-separated list in place; empty items are an error. */
static int
split_list(char *s, char **items, unsigned int max, unsigned int *n, char *msg, size_t len)
{
	char *save = NULL, *tok;

	*n = 0;
	if (*ush_ini_trim(s) == '\0' || s[strlen(s) - 1] == ',' || strstr(s, ",,") != NULL) {
		snprintf(msg, len, "empty list item");
		return -EINVAL;
	}
	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = ush_ini_trim(tok);
		if (*tok == '\0') {
			snprintf(msg, len, "empty list item");
			return -EINVAL;
		}
		if (*n == max) {
			snprintf(msg, len, "more than %u items", max);
			return -EINVAL;
		}
		items[(*n)++] = tok;
	}
	return 0;
}

static int
conf_port_name(char *dst, size_t dlen, const char *v, char *msg, size_t len)
{
	if (*v == '\0' || strlen(v) >= dlen) {
		snprintf(msg, len, "expected a port id or an ethdev name");
		return -EINVAL;
	}
	strlcpy(dst, v, dlen);
	return 0;
}

static int
p_outside(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	cx->conf->outside_at = *o;
	return conf_port_name(cx->conf->outside_name, sizeof(cx->conf->outside_name), v, msg, len);
}

static int
p_inside(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	cx->conf->inside_at = *o;
	return conf_port_name(cx->conf->inside_name, sizeof(cx->conf->inside_name), v, msg, len);
}

static int
p_lcores(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	struct ush_dp_conf *c = cx->conf;
	char tmp[CFG_VALUE_LEN], *items[USH_DP_MAX_WORKERS];
	unsigned int n;

	c->lcores_at = *o;
	c->lcores_set = true;
	c->n_lcores = 0;
	strlcpy(tmp, v, sizeof(tmp));
	if (split_list(tmp, items, RTE_DIM(items), &n, msg, len) < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		unsigned long lo, hi;
		char *dash = strchr(items[i], '-');

		if (dash != NULL)
			*dash = '\0';
		if (ush_ini_uint(ush_ini_trim(items[i]), 0, RTE_MAX_LCORE - 1, &lo, msg, len) < 0)
			return -EINVAL;
		hi = lo;
		if (dash != NULL &&
		    ush_ini_uint(ush_ini_trim(dash + 1), lo, RTE_MAX_LCORE - 1, &hi, msg, len) < 0)
			return -EINVAL;
		for (unsigned long l = lo; l <= hi; l++) {
			for (unsigned int k = 0; k < c->n_lcores; k++) {
				if (c->lcores[k] == l) {
					snprintf(msg, len, "lcore %lu listed twice", l);
					return -EINVAL;
				}
			}
			if (c->n_lcores == USH_DP_MAX_WORKERS) {
				snprintf(msg, len, "more than %d worker lcores",
					 USH_DP_MAX_WORKERS);
				return -EINVAL;
			}
			c->lcores[c->n_lcores++] = (uint16_t)l;
		}
	}
	return 0;
}

static int
p_sip_ports(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	    size_t len)
{
	struct ush_dp_conf *c = cx->conf;
	char tmp[CFG_VALUE_LEN], *items[USH_DP_MAX_SIP_PORTS];
	unsigned int n;

	RTE_SET_USED(o);
	strlcpy(tmp, v, sizeof(tmp));
	if (split_list(tmp, items, RTE_DIM(items), &n, msg, len) < 0)
		return -EINVAL;
	c->n_sip_ports = 0;
	for (unsigned int i = 0; i < n; i++) {
		unsigned long p;

		if (ush_ini_uint(items[i], 1, 65535, &p, msg, len) < 0)
			return -EINVAL;
		for (unsigned int k = 0; k < c->n_sip_ports; k++) {
			if (c->sip_ports[k] == p) {
				snprintf(msg, len, "port %lu listed twice", p);
				return -EINVAL;
			}
		}
		c->sip_ports[c->n_sip_ports++] = (uint16_t)p;
	}
	return 0;
}

static int
p_realm(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	RTE_SET_USED(o);
	if (strlen(v) > USH_CRED_REALM_MAX) {
		snprintf(msg, len, "realm longer than %d bytes", USH_CRED_REALM_MAX);
		return -EINVAL;
	}
	/* it is sent inside a quoted-string: no quote, backslash or control character */
	for (const char *s = v; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\') {
			snprintf(msg, len,
				 "realm may not contain quotes, backslashes or control "
				 "characters");
			return -EINVAL;
		}
	}
	strlcpy(cx->conf->auth.realm, v, sizeof(cx->conf->auth.realm));
	return 0;
}

static int
p_algorithms(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	struct ush_auth_conf *a = &cx->conf->auth;
	char tmp[CFG_VALUE_LEN], *items[USH_ALGO_COUNT];
	unsigned int n;

	RTE_SET_USED(o);
	strlcpy(tmp, v, sizeof(tmp));
	if (split_list(tmp, items, USH_ALGO_UNKNOWN, &n, msg, len) < 0)
		return -EINVAL;
	a->n_algos = 0;
	for (unsigned int i = 0; i < n; i++) {
		enum ush_algo algo = ush_algo_from_token(items[i], strlen(items[i]));

		if (algo == USH_ALGO_UNKNOWN) {
			snprintf(msg, len,
				 "unknown algorithm '%s' (MD5, MD5-sess, SHA-256, "
				 "SHA-256-sess, SHA-512-256, SHA-512-256-sess)",
				 items[i]);
			return -EINVAL;
		}
		for (unsigned int k = 0; k < a->n_algos; k++) {
			if (a->algos[k] == algo) {
				snprintf(msg, len, "algorithm %s listed twice", items[i]);
				return -EINVAL;
			}
		}
		a->algos[a->n_algos++] = (uint8_t)algo;
	}
	return 0;
}

static int
p_qop(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	char tmp[CFG_VALUE_LEN], *items[2];
	unsigned int n;
	uint8_t mask = 0;

	RTE_SET_USED(o);
	if (strcasecmp(v, "none") == 0) {
		cx->conf->auth.qop_mask = 0;
		return 0;
	}
	strlcpy(tmp, v, sizeof(tmp));
	if (split_list(tmp, items, RTE_DIM(items), &n, msg, len) < 0)
		goto bad;
	for (unsigned int i = 0; i < n; i++) {
		if (strcasecmp(items[i], "auth") == 0)
			mask |= 1u << USH_QOP_AUTH;
		else if (strcasecmp(items[i], "auth-int") == 0)
			mask |= 1u << USH_QOP_AUTH_INT;
		else
			goto bad;
	}
	cx->conf->auth.qop_mask = mask;
	return 0;
bad:
	snprintf(msg, len, "qop must be auth, auth-int, auth,auth-int or none");
	return -EINVAL;
}

/* Relative paths in the file are relative to the file; on the command line, to the cwd. */
static int
conf_path(struct conf_ctx *cx, char *dst, size_t dlen, const char *v, const struct ush_dp_origin *o,
	  char *msg, size_t len)
{
	int n;

	if (*v == '\0' || v[0] == '/' || strcmp(cx->dir, ".") == 0 ||
	    strncmp(o->where, "--set ", 6) == 0)
		n = snprintf(dst, dlen, "%s", v);
	else
		n = snprintf(dst, dlen, "%s/%s", cx->dir, v);
	if (n < 0 || (size_t)n >= dlen) {
		snprintf(msg, len, "path too long");
		return -EINVAL;
	}
	return 0;
}

static int
p_nonce_secret_file(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
		    size_t len)
{
	cx->conf->nonce_secret_at = *o;
	return conf_path(cx, cx->conf->nonce_secret_file, sizeof(cx->conf->nonce_secret_file), v, o,
			 msg, len);
}

/* A keyword among a few (case-insensitive), as its enum value. */
struct conf_choice {
	const char *word;
	uint8_t value;
};

/* Sets *dst from choices (NULL-terminated); else "NAME must be a, b or c". */
static int
conf_choice(const char *v, const struct conf_choice *choices, uint8_t *dst, const char *name,
	    char *msg, size_t len)
{
	size_t n = 0, used;

	for (const struct conf_choice *c = choices; c->word != NULL; c++, n++) {
		if (strcasecmp(v, c->word) == 0) {
			*dst = c->value;
			return 0;
		}
	}
	used = (size_t)snprintf(msg, len, "%s must be", name);
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(msg + used, len - used, "%s %s",
					 i == 0 ? "" : i + 1 == n ? " or" : ",", choices[i].word);
	return -EINVAL;
}

static int
p_tag_prefix(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	size_t n = strlen(v);

	RTE_SET_USED(o);
	/* letters and digits only: a subset of RFC 3261 token that needs no escaping */
	if (n == 0 || n >= sizeof(cx->conf->auth.tag_prefix))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9')))
			goto bad;
	}
	strlcpy(cx->conf->auth.tag_prefix, v, sizeof(cx->conf->auth.tag_prefix));
	return 0;
bad:
	snprintf(msg, len, "tag_prefix must be 1 to %zu letters or digits",
		 sizeof(cx->conf->auth.tag_prefix) - 1);
	return -EINVAL;
}

/* Sent as is in our replies' Server header; empty: none (ush_reply_server_ok()). */
static int
p_server_header(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
		size_t len)
{
	size_t n = strlen(v);

	RTE_SET_USED(o);
	if (n != 0 && !ush_reply_server_ok(v, n)) {
		snprintf(msg, len,
			 "server_header must be empty or 1 to %d printable ASCII characters, "
			 "without leading or trailing space",
			 USH_REPLY_SERVER_MAX);
		return -EINVAL;
	}
	strlcpy(cx->conf->auth.server, v, sizeof(cx->conf->auth.server));
	return 0;
}

static int
p_creds_file(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	return conf_path(cx, cx->conf->creds_file, sizeof(cx->conf->creds_file), v, o, msg, len);
}

static int
p_log_level(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	    size_t len)
{
	static const struct {
		const char *name;
		uint32_t level;
	} levels[] = {
		{"emerg", RTE_LOG_EMERG},   {"alert", RTE_LOG_ALERT}, {"crit", RTE_LOG_CRIT},
		{"error", RTE_LOG_ERR},	    {"err", RTE_LOG_ERR},     {"warning", RTE_LOG_WARNING},
		{"notice", RTE_LOG_NOTICE}, {"info", RTE_LOG_INFO},   {"debug", RTE_LOG_DEBUG},
	};

	RTE_SET_USED(o);
	for (unsigned int i = 0; i < RTE_DIM(levels); i++) {
		if (strcasecmp(v, levels[i].name) == 0) {
			cx->conf->log_level = levels[i].level;
			return 0;
		}
	}
	snprintf(msg, len,
		 "level must be emerg, alert, crit, error, warning, notice, info or debug");
	return -EINVAL;
}

/* ---- [control] ---- */

static int
p_ctl_socket(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	return conf_path(cx, cx->conf->ctl_socket, sizeof(cx->conf->ctl_socket), v, o, msg, len);
}

static int
p_ctl_group(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	    size_t len)
{
	RTE_SET_USED(o);
	if (strlen(v) >= sizeof(cx->conf->ctl_group)) {
		snprintf(msg, len, "group longer than %zu characters",
			 sizeof(cx->conf->ctl_group) - 1);
		return -EINVAL;
	}
	strlcpy(cx->conf->ctl_group, v, sizeof(cx->conf->ctl_group));
	return 0;
}

static int
p_node(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	size_t n = strlen(v);

	RTE_SET_USED(o);
	/* it names the node in usherd's replies and logs: keep it printable, no spaces */
	if (n >= sizeof(cx->conf->node))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || v[i] == '"' ||
		    v[i] == '\\')
			goto bad;
	strlcpy(cx->conf->node, v, sizeof(cx->conf->node));
	return 0;
bad:
	snprintf(msg, len, "node must be up to %zu printable characters without spaces or quotes",
		 sizeof(cx->conf->node) - 1);
	return -EINVAL;
}

/* ---- [lists] ---- */

/* "192.0.2.0/24", "2001:db8::/32", or an address alone (a host). Host bits must be zero. */
int
ush_dp_cidr_parse(const char *text, struct ush_dp_cidr *c, char *msg, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8], net[INET6_ADDRSTRLEN];
	unsigned long depth, max;
	char *slash;
	bool bad = false;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(msg, len, "'%.48s...' is not an IPv4 or IPv6 prefix", text);
		return -EINVAL;
	}
	strlcpy(buf, text, sizeof(buf));
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	c->af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	max = c->af == AF_INET ? 32 : 128;
	if (inet_pton(c->af, buf, c->addr) != 1) {
		snprintf(msg, len, "'%s' is not an IPv4 or IPv6 address", buf);
		return -EINVAL;
	}
	depth = max;
	if (slash != NULL && ush_ini_uint(slash + 1, 1, max, &depth, msg, len) < 0) {
		/* rte_lpm takes 1..32, rte_lpm6 1..128: a /0 would cover everyone anyway */
		snprintf(msg, len, "'%s': prefix length must be 1 to %lu", text, max);
		return -EINVAL;
	}
	c->depth = (uint8_t)depth;
	for (unsigned long b = depth; b < max; b++) {
		uint8_t bit = (uint8_t)(0x80u >> (b & 7));

		if (c->addr[b >> 3] & bit) {
			bad = true;
			c->addr[b >> 3] &= (uint8_t)~bit;
		}
	}
	if (bad) {
		inet_ntop(c->af, c->addr, net, sizeof(net));
		snprintf(msg, len, "'%s' has host bits set (the network is %s/%lu)", text, net,
			 depth);
		return -EINVAL;
	}
	return 0;
}

static int
conf_cidr_add(struct ush_dp_conf *c, const struct ush_dp_cidr *x, char *msg, size_t len)
{
	if (c->n_cidrs == c->cap_cidrs) {
		unsigned int cap = c->cap_cidrs == 0 ? 64 : c->cap_cidrs * 2;
		struct ush_dp_cidr *v;

		if (c->n_cidrs == CONF_MAX_CIDRS) {
			snprintf(msg, len, "more than %u prefixes in [lists]", CONF_MAX_CIDRS);
			return -EINVAL;
		}
		v = realloc(c->cidrs, sizeof(*v) * cap);
		if (v == NULL) {
			snprintf(msg, len, "out of memory");
			return -EINVAL;
		}
		c->cidrs = v;
		c->cap_cidrs = cap;
	}
	c->cidrs[c->n_cidrs++] = *x;
	return 0;
}

static int
conf_list_inline(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o,
		 enum ush_dp_list_src src, uint8_t flag, char *msg, size_t len)
{
	char tmp[CFG_VALUE_LEN], *items[CFG_VALUE_LEN / 2];
	unsigned int n;

	cx->conf->list_at[src] = *o;
	if (*v == '\0')
		return 0;
	strlcpy(tmp, v, sizeof(tmp));
	if (split_list(tmp, items, RTE_DIM(items), &n, msg, len) < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		struct ush_dp_cidr c;

		if (ush_dp_cidr_parse(items[i], &c, msg, len) < 0)
			return -EINVAL;
		c.flag = flag;
		c.src = (uint8_t)src;
		if (conf_cidr_add(cx->conf, &c, msg, len) < 0)
			return -EINVAL;
	}
	return 0;
}

/* One prefix per line, '#' comments; errors are the list file's own "file:line: message". */
static int
conf_list_file(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o,
	       enum ush_dp_list_src src, uint8_t flag, char *msg, size_t len)
{
	char *path = cx->conf->list_file[src], buf[512], m[400];
	unsigned int lineno = 0;
	FILE *f;
	int rc = 0;

	cx->conf->list_at[src] = *o;
	if (conf_path(cx, path, sizeof(cx->conf->list_file[src]), v, o, msg, len) < 0)
		return -EINVAL;
	if (*path == '\0')
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct ush_dp_cidr c;
		char *s, *hash;

		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			snprintf(cx->err, cx->errlen, "%s:%u: line longer than %zu characters",
				 path, lineno, sizeof(buf) - 2);
			rc = -CONF_ERR_OWN;
			break;
		}
		hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		s = ush_ini_trim(buf);
		if (*s == '\0')
			continue;
		if (ush_dp_cidr_parse(s, &c, m, sizeof(m)) == 0) {
			c.flag = flag;
			c.src = (uint8_t)src;
			c.line = lineno;
			if (conf_cidr_add(cx->conf, &c, m, sizeof(m)) == 0)
				continue;
		}
		snprintf(cx->err, cx->errlen, "%s:%u: %s", path, lineno, m);
		rc = -CONF_ERR_OWN;
		break;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(msg, len, "%s: read error", path);
		rc = -EINVAL;
	}
	fclose(f);
	return rc;
}

static int
p_block(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	return conf_list_inline(cx, v, o, USH_DP_LIST_BLOCK, USH_AUTH_PKT_BLOCK, msg, len);
}

static int
p_allow(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg, size_t len)
{
	return conf_list_inline(cx, v, o, USH_DP_LIST_ALLOW, USH_AUTH_PKT_ALLOW, msg, len);
}

static int
p_block_file(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	return conf_list_file(cx, v, o, USH_DP_LIST_BLOCK_FILE, USH_AUTH_PKT_BLOCK, msg, len);
}

static int
p_allow_file(struct conf_ctx *cx, const char *v, const struct ush_dp_origin *o, char *msg,
	     size_t len)
{
	return conf_list_file(cx, v, o, USH_DP_LIST_ALLOW_FILE, USH_AUTH_PKT_ALLOW, msg, len);
}

static void
cidr_where(const struct ush_dp_conf *c, const struct ush_dp_cidr *x, char *buf, size_t len)
{
	if (x->line != 0)
		snprintf(buf, len, "%s:%u", c->list_file[x->src], x->line);
	else
		snprintf(buf, len, "%s", c->list_at[x->src].where);
}

static int
cidr_cmp(const void *a, const void *b)
{
	const struct ush_dp_cidr *x = a, *y = b;
	int d;

	if (x->af != y->af)
		return x->af - y->af;
	if (x->depth != y->depth)
		return x->depth - y->depth;
	d = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (d != 0)
		return d;
	return x->flag - y->flag;
}

/*
 * The longest prefix decides (a /32 allowed inside a blocked /8 is allowed); the same prefix
 * on both lists has no answer and is an error, reported at the block entry.
 */
static int
conf_lists_check(struct conf_ctx *cx)
{
	struct ush_dp_conf *c = cx->conf;
	struct ush_dp_cidr *v;
	char a[USH_DP_PATH_MAX + 64], b[USH_DP_PATH_MAX + 64], net[INET6_ADDRSTRLEN];
	int rc = 0;

	if (c->n_cidrs < 2)
		return 0;
	v = malloc(sizeof(*v) * c->n_cidrs);
	if (v == NULL)
		return conf_fail(cx, c->path, "out of memory checking [lists]");
	memcpy(v, c->cidrs, sizeof(*v) * c->n_cidrs);
	qsort(v, c->n_cidrs, sizeof(*v), cidr_cmp);
	for (unsigned int i = 1; i < c->n_cidrs; i++) {
		const struct ush_dp_cidr *x = &v[i - 1], *y = &v[i];

		if (x->af != y->af || x->depth != y->depth ||
		    memcmp(x->addr, y->addr, sizeof(x->addr)) != 0 || x->flag == y->flag)
			continue;
		cidr_where(c, x, a, sizeof(a));
		cidr_where(c, y, b, sizeof(b));
		inet_ntop(x->af, x->addr, net, sizeof(net));
		rc = conf_fail(cx, b, "%s/%u is on the block list and the allow list (also %s)",
			       net, x->depth, a);
		break;
	}
	free(v);
	return rc;
}

/* ---- the key table ---- */

/* Thresholds count in the guard slot's 8-bit field; times must stay below 2^15 s (ush_guard.h). */
#define GUARD_TIME_MAX 32767

/*
 * Every key. Most are a number in a range, a boolean or a keyword stored straight into a
 * field of struct ush_dp_conf; the others have a parser of their own.
 */
enum conf_kind {
	CONF_FN,     /* parse() */
	CONF_UINT,   /* a number from min to max, into a field of 1, 2 or 4 bytes */
	CONF_BOOL,   /* true/false, yes/no, on/off, 1/0 */
	CONF_CHOICE, /* one of choices[], as its uint8_t value */
};

struct conf_key {
	const char *section;
	const char *key;
	uint8_t kind;
	uint8_t size; /* bytes of the field */
	bool live;    /* "set" may change it while running (control.c applies it) */
	size_t off;   /* offset of the field in struct ush_dp_conf */
	unsigned long min, max;
	conf_parse_fn parse;
	const struct conf_choice *choices;
	const char *def; /* CONF_FN: the default as text ("get" of a key never given) */
};

#define CONF_FIELD(f, live) \
	sizeof(((struct ush_dp_conf *)0)->f), live, offsetof(struct ush_dp_conf, f)
#define KEY_FN(sec, key, fn, d) {sec, key, CONF_FN, 0, false, 0, 0, 0, fn, NULL, d}
#define KEY_UINT(sec, key, f, lo, hi) \
	{sec, key, CONF_UINT, CONF_FIELD(f, false), lo, hi, NULL, NULL, NULL}
#define KEY_BOOL(sec, key, f) {sec, key, CONF_BOOL, CONF_FIELD(f, false), 0, 0, NULL, NULL, NULL}
#define KEY_CHOICE(sec, key, f, ch) \
	{sec, key, CONF_CHOICE, CONF_FIELD(f, false), 0, 0, NULL, ch, NULL}
/* the same, changeable while running: "set" through the control socket */
#define LIVE_FN(sec, key, fn, d) {sec, key, CONF_FN, 0, true, 0, 0, 0, fn, NULL, d}
#define LIVE_UINT(sec, key, f, lo, hi) \
	{sec, key, CONF_UINT, CONF_FIELD(f, true), lo, hi, NULL, NULL, NULL}
#define LIVE_BOOL(sec, key, f) {sec, key, CONF_BOOL, CONF_FIELD(f, true), 0, 0, NULL, NULL, NULL}
#define LIVE_CHOICE(sec, key, f, ch) \
	{sec, key, CONF_CHOICE, CONF_FIELD(f, true), 0, 0, NULL, ch, NULL}

static const struct conf_choice challenge_codes[] = {
	{"auto", USH_AUTH_CODE_AUTO}, {"401", USH_AUTH_CODE_401}, {"407", USH_AUTH_CODE_407},
	{NULL, 0},
};
static const struct conf_choice in_dialog_modes[] = {
	{"forward", USH_AUTH_IN_DIALOG_FORWARD}, {"challenge", USH_AUTH_IN_DIALOG_CHALLENGE},
	{NULL, 0},
};
static const struct conf_choice passthrough_policies[] = {
	{"forward", USH_DP_PASS_FORWARD}, {"drop", USH_DP_PASS_DROP}, {NULL, 0},
};
static const struct conf_choice deny_actions[] = {
	{"reply", USH_AUTH_DENY_REPLY}, {"drop", USH_AUTH_DENY_DROP}, {NULL, 0},
};

static const struct conf_choice ident_unavail[] = {
	{"forward", USH_IDENT_UNAVAIL_FORWARD}, {"503", USH_IDENT_UNAVAIL_503},
	{"500", USH_IDENT_UNAVAIL_500}, {NULL, 0},
};
static const struct conf_choice ident_policies[] = {
	{"reject", USH_IDENT_REJECT}, {"mark", USH_IDENT_MARK}, {NULL, 0},
};

static const struct conf_key conf_keys[] = {
	KEY_FN("ports", "outside", p_outside, "0"),
	KEY_FN("ports", "inside", p_inside, "1"),
	KEY_FN("workers", "lcores", p_lcores, ""),
	KEY_FN("sip", "ports", p_sip_ports, "5060"),
	LIVE_FN("auth", "realm", p_realm, ""),
	LIVE_FN("auth", "algorithms", p_algorithms, "SHA-256,MD5"),
	LIVE_FN("auth", "qop", p_qop, "auth"),
	LIVE_BOOL("auth", "accept_no_qop", auth.accept_no_qop),
	LIVE_UINT("auth", "nonce_lifetime", auth.nonce_lifetime, 1, 86400),
	LIVE_UINT("auth", "retransmission_window", auth.retransmission_window, 0, 300),
	KEY_FN("auth", "nonce_secret_file", p_nonce_secret_file, ""),
	KEY_UINT("auth", "nc_table_order", nc_table_order, 4, 28),
	LIVE_CHOICE("auth", "challenge_code", auth.challenge_code, challenge_codes),
	LIVE_CHOICE("auth", "in_dialog", auth.in_dialog, in_dialog_modes),
	KEY_BOOL("auth", "sess_binary_ha1", auth.sess_binary_ha1),
	KEY_FN("auth", "tag_prefix", p_tag_prefix, "ush1"),
	LIVE_FN("auth", "server_header", p_server_header, ""),
	LIVE_CHOICE("policy", "passthrough", passthrough, passthrough_policies),
	KEY_UINT("reassembly", "max_flows", reasm_max_flows, 0, 1u << 20),
	KEY_UINT("reassembly", "timeout_ms", reasm_timeout_ms, 1, 60000),
	KEY_FN("credentials", "file", p_creds_file, ""),
	LIVE_UINT("protection", "ban_threshold", auth.ban_src.threshold, 0, 255),
	LIVE_UINT("protection", "ban_window", auth.ban_src.window, 1, GUARD_TIME_MAX),
	LIVE_UINT("protection", "ban_time", auth.ban_src.ban_time, 1, GUARD_TIME_MAX),
	LIVE_UINT("protection", "user_ban_threshold", auth.ban_user.threshold, 0, 255),
	LIVE_UINT("protection", "user_ban_window", auth.ban_user.window, 1, GUARD_TIME_MAX),
	LIVE_UINT("protection", "user_ban_time", auth.ban_user.ban_time, 1, GUARD_TIME_MAX),
	LIVE_CHOICE("protection", "deny_action", auth.deny_action, deny_actions),
	LIVE_UINT("protection", "rate", auth.rate.rate, 0, 65535),
	LIVE_UINT("protection", "rate_burst", auth.rate.burst, 1, 255),
	LIVE_CHOICE("protection", "rate_action", auth.rate_action, deny_actions),
	LIVE_UINT("protection", "retry_after", auth.retry_after, 0, 3600),
	KEY_UINT("protection", "table_order", guard_table_order, 4, 24),
	/* live through list.add / list.del, not "set": the entries are what changes */
	KEY_FN("lists", "block", p_block, ""),
	KEY_FN("lists", "allow", p_allow, ""),
	KEY_FN("lists", "block_file", p_block_file, ""),
	KEY_FN("lists", "allow_file", p_allow_file, ""),
	LIVE_BOOL("overload", "shed", shed),
	LIVE_UINT("overload", "full_bursts", shed_full_bursts, 0, 1000),
	LIVE_UINT("overload", "queue_fill", shed_queue_fill, 1, 100),
	LIVE_FN("log", "level", p_log_level, "info"),
	KEY_FN("control", "socket", p_ctl_socket, ""),
	KEY_FN("control", "group", p_ctl_group, ""),
	KEY_FN("control", "node", p_node, ""),
	KEY_UINT("control", "wait_sync", ctl_wait_sync, 0, 3600),
	LIVE_BOOL("identity", "enabled", auth.ident.enabled),
	LIVE_BOOL("identity", "require", auth.ident.require),
	KEY_UINT("identity", "pending_max", ident_pending_max, 1, 65536),
	KEY_UINT("identity", "timeout_ms", ident_timeout_ms, 1, 60000),
	LIVE_CHOICE("identity", "unavailable", auth.ident.unavailable, ident_unavail),
	LIVE_CHOICE("identity", "on_bad_info", auth.ident.policy[USH_CTL_IDV_BAD_INFO],
		    ident_policies),
	LIVE_CHOICE("identity", "on_unsupported_credential",
		    auth.ident.policy[USH_CTL_IDV_UNSUPPORTED], ident_policies),
	LIVE_CHOICE("identity", "on_invalid", auth.ident.policy[USH_CTL_IDV_INVALID],
		    ident_policies),
	LIVE_CHOICE("identity", "on_stale", auth.ident.policy[USH_CTL_IDV_STALE],
		    ident_policies),
	LIVE_BOOL("identity", "reason_header", auth.ident.reason_header),
};

static_assert(RTE_DIM(conf_keys) <= USH_DP_CONF_KEYS_MAX, "raw[] has a slot per key");
static_assert(USH_DP_CONF_VALUE_MAX >= CFG_VALUE_LEN, "raw[] holds any value");

/* Stores an unsigned value into a field of size bytes (the table's ranges make it fit). */
static void
conf_store(void *field, uint8_t size, unsigned long x)
{
	switch (size) {
	case 1: {
		uint8_t v = (uint8_t)x;

		memcpy(field, &v, 1);
		break;
	}
	case 2: {
		uint16_t v = (uint16_t)x;

		memcpy(field, &v, 2);
		break;
	}
	default: {
		uint32_t v = (uint32_t)x;

		memcpy(field, &v, 4);
		break;
	}
	}
}

static int
conf_apply(const struct conf_key *k, struct conf_ctx *cx, const char *v,
	   const struct ush_dp_origin *o, char *msg, size_t len)
{
	void *field = (char *)cx->conf + k->off;
	unsigned long x;
	uint8_t choice;
	bool b;

	switch (k->kind) {
	case CONF_UINT:
		if (ush_ini_uint(v, k->min, k->max, &x, msg, len) < 0)
			return -EINVAL;
		conf_store(field, k->size, x);
		return 0;
	case CONF_BOOL:
		if (parse_bool(v, &b, msg, len) < 0)
			return -EINVAL;
		memcpy(field, &b, sizeof(b));
		return 0;
	case CONF_CHOICE:
		if (conf_choice(v, k->choices, &choice, k->key, msg, len) < 0)
			return -EINVAL;
		memcpy(field, &choice, 1);
		return 0;
	default:
		/* parsed values keep their text: "get" answers with what was given */
		strlcpy(cx->conf->raw[k - conf_keys], v, sizeof(cx->conf->raw[0]));
		return k->parse(cx, v, o, msg, len);
	}
}

static int
conf_find_key(const char *section, const char *key)
{
	for (unsigned int i = 0; i < RTE_DIM(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

static bool
conf_known_section(const char *section)
{
	for (unsigned int i = 0; i < RTE_DIM(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0)
			return true;
	return false;
}

static void
conf_defaults(struct ush_dp_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->outside_name, "0", sizeof(c->outside_name));
	strlcpy(c->inside_name, "1", sizeof(c->inside_name));
	c->n_sip_ports = 1;
	c->sip_ports[0] = 5060;
	c->auth.algos[0] = USH_ALGO_SHA256;
	c->auth.algos[1] = USH_ALGO_MD5;
	c->auth.n_algos = 2;
	c->auth.qop_mask = 1u << USH_QOP_AUTH;
	c->auth.accept_no_qop = true;
	c->auth.nonce_lifetime = 300;
	c->auth.retransmission_window = 32; /* 64*T1: a UDP transaction's lifetime */
	c->auth.in_dialog = USH_AUTH_IN_DIALOG_FORWARD;
	c->auth.challenge_code = USH_AUTH_CODE_AUTO;
	c->auth.sess_binary_ha1 = false;
	strlcpy(c->auth.tag_prefix, "ush1", sizeof(c->auth.tag_prefix));
	c->nc_table_order = 20;
	c->passthrough = USH_DP_PASS_FORWARD;
	c->reasm_max_flows = 1024;
	c->reasm_timeout_ms = 2000;
	c->log_level = RTE_LOG_INFO;
	c->auth.ban_src =
		(struct ush_guard_ban_conf){.threshold = 10, .window = 60, .ban_time = 600};
	c->auth.ban_user =
		(struct ush_guard_ban_conf){.threshold = 5, .window = 60, .ban_time = 300};
	c->auth.deny_action = USH_AUTH_DENY_REPLY;
	c->auth.rate = (struct ush_guard_rate_conf){.rate = 0, .burst = 50};
	c->auth.rate_action = USH_AUTH_DENY_REPLY;
	c->auth.retry_after = 5;
	c->guard_table_order = 16;
	c->shed = true;
	c->shed_full_bursts = 0;
	c->shed_queue_fill = 50;
	c->ident_pending_max = 1024;
	c->ident_timeout_ms = 1000;
	for (unsigned int i = 0; i < RTE_DIM(conf_keys); i++)
		if (conf_keys[i].def != NULL)
			strlcpy(c->raw[i], conf_keys[i].def, sizeof(c->raw[i]));
}

void
ush_dp_conf_free(struct ush_dp_conf *conf)
{
	free(conf->cidrs);
	conf->cidrs = NULL;
	conf->n_cidrs = 0;
	conf->cap_cidrs = 0;
}

/* Applies one --set section.key=value to the loaded file. */
static int
conf_apply_override(struct conf_ctx *cx, struct rte_cfgfile *cfg, const char *arg)
{
	char section[CFG_NAME_LEN], key[CFG_NAME_LEN], where[CFG_NAME_LEN * 2 + CFG_VALUE_LEN + 8];
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	size_t sl, kl;

	snprintf(where, sizeof(where), "--set %s", arg);
	if (dot == NULL || eq == NULL || eq < dot)
		return conf_fail(cx, where, "expected section.key=value");
	sl = (size_t)(dot - arg);
	kl = (size_t)(eq - dot - 1);
	if (sl == 0 || sl >= sizeof(section) || kl == 0 || kl >= sizeof(key))
		return conf_fail(cx, where, "expected section.key=value");
	if (strlen(eq + 1) >= CFG_VALUE_LEN)
		return conf_fail(cx, where, "value longer than %d characters", CFG_VALUE_LEN - 1);
	memcpy(section, arg, sl);
	section[sl] = '\0';
	memcpy(key, dot + 1, kl);
	key[kl] = '\0';
	if (conf_find_key(section, key) < 0)
		return conf_fail(cx, where, "unknown key %s.%s", section, key);
	if (!rte_cfgfile_has_section(cfg, section) && rte_cfgfile_add_section(cfg, section) < 0)
		return -ENOMEM;
	if (rte_cfgfile_has_entry(cfg, section, key)) {
		if (rte_cfgfile_set_entry(cfg, section, key, eq + 1) < 0)
			return -ENOMEM;
	} else if (rte_cfgfile_add_entry(cfg, section, key, eq + 1) < 0) {
		return -ENOMEM;
	}
	return 0;
}

/* The line of a [section] header, for "unknown section" errors. */
static void
conf_section_origin(const struct conf_ctx *cx, const char *section, struct ush_dp_origin *o)
{
	conf_origin(cx, section, "", o);
}

int
ush_dp_conf_load(struct ush_dp_conf *conf, const char *path, const char *const *overrides,
		 unsigned int n_overrides, char *err, size_t errlen)
{
	struct rte_cfgfile_parameters params = {.comment_character = CONF_COMMENT};
	struct conf_ctx cx = {
		.conf = conf,
		.path = path,
		.overrides = overrides,
		.n_overrides = n_overrides,
		.err = err,
		.errlen = errlen,
	};
	struct rte_cfgfile *cfg;
	const char *slash;
	int n_sections, rc;

	conf_defaults(conf);
	if (strlen(path) >= sizeof(conf->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -EINVAL;
	}
	strlcpy(conf->path, path, sizeof(conf->path));
	slash = strrchr(path, '/');
	if (slash == NULL)
		strlcpy(cx.dir, ".", sizeof(cx.dir));
	else if (slash == path)
		strlcpy(cx.dir, "/", sizeof(cx.dir));
	else
		snprintf(cx.dir, sizeof(cx.dir), "%.*s", (int)(slash - path), path);

	rc = conf_scan(&cx);
	if (rc < 0)
		goto out_free_lines;

	cfg = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
	if (cfg == NULL) {
		/* conf_scan accepts only what rte_cfgfile reads: this is an I/O failure */
		snprintf(err, errlen, "%s: cannot read", path);
		rc = -EINVAL;
		goto out_free_lines;
	}
	for (unsigned int i = 0; i < n_overrides; i++) {
		rc = conf_apply_override(&cx, cfg, overrides[i]);
		if (rc < 0)
			goto out_close_cfg;
	}

	n_sections = rte_cfgfile_num_sections(cfg, NULL, 0);
	for (int s = 0; s < n_sections; s++) {
		struct rte_cfgfile_entry entries[64];
		char section[CFG_NAME_LEN];
		struct ush_dp_origin o;
		int n;

		n = rte_cfgfile_section_entries_by_index(cfg, s, section, entries,
							 RTE_DIM(entries));
		if (!conf_known_section(section)) {
			conf_section_origin(&cx, section, &o);
			rc = conf_fail(&cx, o.where, "unknown section [%s]", section);
			goto out_close_cfg;
		}
		for (int e = 0; e < n; e++) {
			char msg[400];
			int k = conf_find_key(section, entries[e].name);

			conf_origin(&cx, section, entries[e].name, &o);
			if (k < 0) {
				rc = conf_fail(&cx, o.where, "unknown key '%s' in [%s]",
					       entries[e].name, section);
				goto out_close_cfg;
			}
			rc = conf_apply(&conf_keys[k], &cx, entries[e].value, &o, msg, sizeof(msg));
			if (rc == -CONF_ERR_OWN) {
				rc = -EINVAL;
				goto out_close_cfg;
			}
			if (rc < 0) {
				rc = conf_fail(&cx, o.where, "%s.%s: %s", section, entries[e].name,
					       msg);
				goto out_close_cfg;
			}
		}
	}
	if (conf->auth.realm[0] == '\0') {
		rc = conf_fail(&cx, path, "[auth] realm must be set");
		goto out_close_cfg;
	}
	rc = conf_lists_check(&cx);
out_close_cfg:
	rte_cfgfile_close(cfg);
out_free_lines:
	free(cx.lines);
	if (rc < 0)
		ush_dp_conf_free(conf);
	return rc;
}

/* ---- the control socket's get and set ---- */

int
ush_dp_conf_find(const char *name)
{
	const char *dot = strchr(name, '.');
	char section[CFG_NAME_LEN];
	int k;

	if (dot == NULL || (size_t)(dot - name) >= sizeof(section))
		return -ENOENT;
	memcpy(section, name, (size_t)(dot - name));
	section[dot - name] = '\0';
	k = conf_find_key(section, dot + 1);
	return k < 0 ? -ENOENT : k;
}

unsigned int
ush_dp_conf_nkeys(void)
{
	return RTE_DIM(conf_keys);
}

int
ush_dp_conf_get(const struct ush_dp_conf *conf, unsigned int i, char *name, size_t nlen,
		char *value, size_t vlen, bool *live)
{
	const struct conf_key *k;
	const void *field;

	if (i >= RTE_DIM(conf_keys))
		return -ENOENT;
	k = &conf_keys[i];
	field = (const char *)conf + k->off;
	snprintf(name, nlen, "%s.%s", k->section, k->key);
	*live = k->live;
	switch (k->kind) {
	case CONF_UINT: {
		uint32_t x;

		if (k->size == 1) {
			x = *(const uint8_t *)field;
		} else if (k->size == 2) {
			uint16_t v;

			memcpy(&v, field, 2);
			x = v;
		} else {
			memcpy(&x, field, 4);
		}
		snprintf(value, vlen, "%u", x);
		break;
	}
	case CONF_BOOL: {
		bool b;

		memcpy(&b, field, sizeof(b));
		snprintf(value, vlen, "%s", b ? "true" : "false");
		break;
	}
	case CONF_CHOICE: {
		uint8_t x = *(const uint8_t *)field;

		snprintf(value, vlen, "?");
		for (const struct conf_choice *c = k->choices; c->word != NULL; c++) {
			if (c->value == x) {
				snprintf(value, vlen, "%s", c->word);
				break;
			}
		}
		break;
	}
	default:
		snprintf(value, vlen, "%s", conf->raw[i]);
		break;
	}
	return 0;
}

int
ush_dp_conf_set(struct ush_dp_conf *conf, const char *name, const char *value, char *err,
		size_t errlen)
{
	struct conf_ctx cx = {.conf = conf, .path = conf->path, .err = err, .errlen = errlen};
	struct ush_dp_origin o;
	char msg[400];
	int k = ush_dp_conf_find(name), rc;

	if (k < 0) {
		snprintf(err, errlen, "unknown key %s", name);
		return -ENOENT;
	}
	if (!conf_keys[k].live) {
		snprintf(err, errlen, "%s cannot change while running: restart usher", name);
		return -EPERM;
	}
	/* what the file would have to hold: rte_cfgfile's limit, and no line breaks */
	if (strlen(value) >= CFG_VALUE_LEN || strpbrk(value, "\r\n") != NULL) {
		snprintf(err, errlen, "%s: value longer than %d characters or with a line break",
			 name, CFG_VALUE_LEN - 1);
		return -EINVAL;
	}
	snprintf(o.where, sizeof(o.where), "control");
	strlcpy(cx.dir, ".", sizeof(cx.dir));
	rc = conf_apply(&conf_keys[k], &cx, value, &o, msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", name, msg);
		return -EINVAL;
	}
	/* the checks of the whole file that a live key can break */
	if (conf->auth.realm[0] == '\0') {
		snprintf(err, errlen, "[auth] realm must be set");
		return -EINVAL;
	}
	return 0;
}
