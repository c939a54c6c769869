/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usherd.ini: rte_cfgfile for the values, our own scan of the text for line numbers. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>

#include "ush_ini_scan.h"
#include "usherd_priv.h"

#define CONF_COMMENT   '#'
#define CONF_MAX_LINES 1024

struct conf_ctx {
	struct ushd_conf *conf;
	struct ush_ini_line lines[CONF_MAX_LINES];
	unsigned int n_lines;
	char *err;
	size_t errlen;
};

static int conf_fail(struct conf_ctx *cx, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conf_fail(struct conf_ctx *cx, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(cx->err, cx->errlen, "%s:%u: %s", cx->conf->path, line, msg);
	else
		snprintf(cx->err, cx->errlen, "%s: %s", cx->conf->path, msg);
	return -EINVAL;
}

static unsigned int
conf_line_of(const struct conf_ctx *cx, const char *section, const char *key)
{
	return ush_ini_line_of(cx->lines, cx->n_lines, section, key);
}

/*
 * rte_cfgfile skips lines it does not understand and knows no line numbers: this strict scan
 * of the same text rejects them and remembers where each key is.
 */
static int
conf_scan(struct conf_ctx *cx)
{
	return ush_ini_scan(cx->conf->path, 0, cx->lines, CONF_MAX_LINES, &cx->n_lines, cx->err,
			    cx->errlen);
}

/* ush_ini_uint() into an unsigned int (every bound here fits one) */
static int
parse_uint(const char *v, unsigned long min, unsigned long max, unsigned int *out, char *msg,
	   size_t len)
{
	unsigned long x;
	int rc = ush_ini_uint(v, min, max, &x, msg, len);

	if (rc == 0)
		*out = (unsigned int)x;
	return rc;
}

static int
copy_path(char *dst, size_t dlen, const char *v, char *msg, size_t len)
{
	if (*v == '\0' || strlen(v) >= dlen) {
		snprintf(msg, len, "expected a path of 1 to %zu characters", dlen - 1);
		return -EINVAL;
	}
	snprintf(dst, dlen, "%s", v);
	return 0;
}

static int
parse_nodes(struct ushd_conf *c, const char *v, char *msg, size_t len)
{
	char tmp[CFG_VALUE_LEN], *save = NULL, *tok;

	c->n_nodes = 0;
	snprintf(tmp, sizeof(tmp), "%s", v);
	if (*ush_ini_trim(tmp) == '\0')
		return 0; /* no node: usherd only keeps the source and the secret */
	if (tmp[strlen(tmp) - 1] == ',' || tmp[0] == ',' || strstr(tmp, ",,") != NULL) {
		snprintf(msg, len, "empty list item");
		return -EINVAL;
	}
	for (tok = strtok_r(tmp, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = ush_ini_trim(tok);
		if (*tok == '\0') {
			snprintf(msg, len, "empty list item");
			return -EINVAL;
		}
		if (c->n_nodes == USHD_MAX_NODES) {
			snprintf(msg, len, "more than %d nodes", USHD_MAX_NODES);
			return -EINVAL;
		}
		if (strlen(tok) >= USHD_SOCK_MAX) {
			snprintf(msg, len, "socket path '%s' longer than %zu characters", tok,
				 USHD_SOCK_MAX - 1);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < c->n_nodes; i++) {
			if (strcmp(c->nodes[i], tok) == 0) {
				snprintf(msg, len, "node '%s' listed twice", tok);
				return -EINVAL;
			}
		}
		snprintf(c->nodes[c->n_nodes++], USHD_SOCK_MAX, "%s", tok);
	}
	return 0;
}

static int
parse_level(const char *v, enum ushd_log_level *out, char *msg, size_t len)
{
	static const char *const names[] = {"error", "warning", "notice", "info", "debug"};

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(v, names[i]) == 0) {
			*out = (enum ushd_log_level)i;
			return 0;
		}
	}
	snprintf(msg, len, "'%s' is not one of error, warning, notice, info, debug", v);
	return -EINVAL;
}

static int
conf_apply(struct conf_ctx *cx, const char *section, const char *key, const char *v)
{
	struct ushd_conf *c = cx->conf;
	unsigned int line = conf_line_of(cx, section, key);
	char msg[512] = "";
	int rc;

	if (strcmp(section, "usherd") == 0) {
		if (strcmp(key, "socket") == 0)
			rc = copy_path(c->socket, sizeof(c->socket), v, msg, sizeof(msg));
		else if (strcmp(key, "group") == 0) {
			rc = 0;
			if (strlen(v) >= sizeof(c->group)) {
				snprintf(msg, sizeof(msg), "group name too long");
				rc = -EINVAL;
			} else {
				snprintf(c->group, sizeof(c->group), "%s", v);
			}
		} else if (strcmp(key, "state_dir") == 0)
			rc = copy_path(c->state_dir, sizeof(c->state_dir), v, msg, sizeof(msg));
		else if (strcmp(key, "log_level") == 0)
			rc = parse_level(v, &c->log_level, msg, sizeof(msg));
		else
			return conf_fail(cx, line, "unknown key '%s' in [usherd]", key);
	} else if (strcmp(section, "dataplane") == 0) {
		if (strcmp(key, "nodes") == 0)
			rc = parse_nodes(c, v, msg, sizeof(msg));
		else if (strcmp(key, "reconnect_ms") == 0)
			rc = parse_uint(v, 10, 3600000, &c->reconnect_ms, msg, sizeof(msg));
		else if (strcmp(key, "timeout_ms") == 0)
			rc = parse_uint(v, 10, 600000, &c->timeout_ms, msg, sizeof(msg));
		else
			return conf_fail(cx, line, "unknown key '%s' in [dataplane]", key);
	} else if (strcmp(section, "identity") == 0) {
		/* the verifier's own keys (docs/identity.md); its message starts with the key */
		c->ident_on = true;
		rc = ushd_identity_conf_set(&c->ident, key, v, msg, sizeof(msg));
		if (rc < 0)
			return conf_fail(cx, line, "identity.%s", msg);
	} else if (strcmp(section, "source") == 0) {
		/* its message already starts with the key */
		rc = ushd_source_conf_set(&c->source, key, v, msg, sizeof(msg));
		if (rc < 0)
			return conf_fail(cx, line, "%s", msg);
	} else {
		return conf_fail(cx, conf_line_of(cx, section, ""), "unknown section [%s]",
				 section);
	}
	if (rc < 0)
		return conf_fail(cx, line, "%s.%s: %s", section, key, msg);
	return 0;
}

static void
conf_defaults(struct ushd_conf *c)
{
	snprintf(c->socket, sizeof(c->socket), "/run/usher/usherd.sock");
	c->group[0] = '\0';
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/usherd");
	c->log_level = USHD_LOG_INFO;
	c->n_nodes = 0;
	c->reconnect_ms = 1000;
	c->timeout_ms = 5000;
	ushd_source_conf_defaults(&c->source);
	c->ident_on = false;
	ushd_identity_conf_defaults(&c->ident);
}

int
ushd_conf_load(struct ushd_conf *c, const char *path, char *err, size_t errlen)
{
	struct rte_cfgfile_parameters params = {.comment_character = CONF_COMMENT};
	struct rte_cfgfile *cfg;
	struct conf_ctx *cx;
	int n_sections, rc;

	cx = calloc(1, sizeof(*cx));
	if (cx == NULL)
		return -ENOMEM;
	cx->conf = c;
	cx->err = err;
	cx->errlen = errlen;
	conf_defaults(c);
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		rc = -EINVAL;
		goto out_free_ctx;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	rc = conf_scan(cx);
	if (rc < 0)
		goto out_free_ctx;
	cfg = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES, &params);
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: cannot read", path);
		rc = -EIO;
		goto out_free_ctx;
	}
	n_sections = rte_cfgfile_num_sections(cfg, NULL, 0);
	for (int s = 0; s < n_sections && rc == 0; s++) {
		struct rte_cfgfile_entry entries[64];
		char section[CFG_NAME_LEN];
		int n;

		n = rte_cfgfile_section_entries_by_index(cfg, s, section, entries, 64);
		if (n < 0) {
			rc = conf_fail(cx, 0, "cannot read section %d", s);
			break;
		}
		if (strcmp(section, "usherd") != 0 && strcmp(section, "dataplane") != 0 &&
		    strcmp(section, "source") != 0 && strcmp(section, "identity") != 0) {
			rc = conf_fail(cx, conf_line_of(cx, section, ""), "unknown section [%s]",
				       section);
			break;
		}
		if (strcmp(section, "identity") == 0)
			c->ident_on = true; /* even empty: ushd_ident_start() says what is missing */
		for (int e = 0; e < n && rc == 0; e++)
			rc = conf_apply(cx, section, entries[e].name, entries[e].value);
	}
	rte_cfgfile_close(cfg);
	if (rc == 0) {
		char msg[512];

		/* the keys together: a path for the kind, a realm from somewhere */
		rc = ushd_source_conf_check(&c->source, msg, sizeof(msg));
		if (rc < 0)
			conf_fail(cx, conf_line_of(cx, "source", ""), "%s", msg);
	}
out_free_ctx:
	free(cx);
	return rc;
}
