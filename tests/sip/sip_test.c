/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Helpers shared by the SIP parser unit tests (see sip_test.h). */

#define _GNU_SOURCE /* vasprintf */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sip_test.h"

char *t_buf;
size_t t_len;
struct ush_sip_msg t_msg;

static const char *const t_errnames[] = {
#define T_ERR_NAME(name, reason) #name,
	USH_SIP_ERRORS(T_ERR_NAME)
#undef T_ERR_NAME
};

const char *
t_errname(int err)
{
	if (err < 0 || err >= (int)(sizeof(t_errnames) / sizeof(t_errnames[0])))
		return "(out of range)";
	return t_errnames[err];
}

void
t_set_n(const void *s, size_t n)
{
	free(t_buf);
	/* malloc(0) may return NULL; keep one byte allocated but report length 0. */
	t_buf = malloc(n ? n : 1);
	cr_assert_not_null(t_buf);
	if (n)
		memcpy(t_buf, s, n);
	t_len = n;
}

void
t_set(const char *s)
{
	t_set_n(s, strlen(s));
}

enum ush_sip_err
t_parse_n(const void *s, size_t n)
{
	char why[160];
	enum ush_sip_err rc;

	t_set_n(s, n);
	memset(&t_msg, 0xa5, sizeof(t_msg)); /* the parser must reset everything itself */
	rc = ush_sip_parse(t_buf, t_len, &t_msg);
	/* On success and on failure alike, no span may point outside the datagram. */
	cr_expect(t_msg_spans_ok(&t_msg, t_len, why, sizeof(why)),
		  "span out of the buffer after parse (rc %s): %s", t_errname(rc), why);
	return rc;
}

enum ush_sip_err
t_parse(const char *s)
{
	return t_parse_n(s, strlen(s));
}

size_t
t_find_from(size_t from, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0 || t_len < n)
		return SIZE_MAX;
	for (size_t i = from; i + n <= t_len; i++)
		if (memcmp(t_buf + i, needle, n) == 0)
			return i;
	return SIZE_MAX;
}

size_t
t_find(const char *needle)
{
	return t_find_from(0, needle);
}

struct ush_sip_span
t_span_of(const char *needle)
{
	size_t at = t_find(needle);
	struct ush_sip_span s = {0, 0};

	cr_assert(at != SIZE_MAX, "test bug: \"%s\" not in the buffer", needle);
	s.off = (uint16_t)at;
	s.len = (uint16_t)strlen(needle);
	return s;
}

const char *
t_esc(const char *p, size_t n)
{
	static char ring[4][1024];
	static unsigned next;
	char *out = ring[next++ % 4];
	size_t o = 0;

	for (size_t i = 0; i < n && o + 8 < sizeof(ring[0]); i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (o + 8 >= sizeof(ring[0]))
		memcpy(out + o, "...", 4), o += 3;
	out[o] = '\0';
	return out;
}

bool
t_span_in(struct ush_sip_span s, size_t len)
{
	return (size_t)s.off + s.len <= len;
}

const char *
t_esc_span(struct ush_sip_span s)
{
	if (!t_span_in(s, t_len))
		return "(outside the buffer)";
	return t_esc(t_buf + s.off, s.len);
}

bool
t_span_eq(struct ush_sip_span s, const char *str)
{
	size_t n = strlen(str);

	return ush_sip_span_present(s) && t_span_in(s, t_len) && s.len == n &&
	       memcmp(t_buf + s.off, str, n) == 0;
}

static bool
uri_ok(const struct ush_sip_uri *u, size_t len)
{
	return t_span_in(u->raw, len) && t_span_in(u->scheme, len) && t_span_in(u->user, len) &&
	       t_span_in(u->password, len) && t_span_in(u->host, len) &&
	       t_span_in(u->port_str, len) && t_span_in(u->params, len) &&
	       t_span_in(u->headers, len);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(why, whycap, "%s", #cond);                                        \
			return false;                                                              \
		}                                                                                  \
	} while (0)

bool
t_msg_spans_ok(const struct ush_sip_msg *m, size_t len, char *why, size_t whycap)
{
	unsigned nvia = m->via_count < USH_SIP_MAX_VIA ? m->via_count : USH_SIP_MAX_VIA;
	unsigned nvh = m->via_hdr_count < USH_SIP_MAX_VIA ? m->via_hdr_count : USH_SIP_MAX_VIA;
	unsigned nauth = m->auth_count < USH_SIP_MAX_AUTH ? m->auth_count : USH_SIP_MAX_AUTH;

	CHECK(t_span_in(m->method_str, len));
	CHECK(uri_ok(&m->ruri, len));
	CHECK(t_span_in(m->version, len));
	CHECK(t_span_in(m->reason, len));
	CHECK(t_span_in(m->start_line, len));
	CHECK(t_span_in(m->via_top.raw, len));
	CHECK(t_span_in(m->via_top.transport, len));
	CHECK(t_span_in(m->via_top.host, len));
	CHECK(t_span_in(m->via_top.port_str, len));
	CHECK(t_span_in(m->via_top.branch, len));
	CHECK(t_span_in(m->via_top.received, len));
	CHECK(t_span_in(m->via_top.rport, len));
	for (unsigned i = 0; i < nvia; i++)
		CHECK(t_span_in(m->via[i], len));
	for (unsigned i = 0; i < nvh; i++)
		CHECK(t_span_in(m->via_hdr[i].name, len) && t_span_in(m->via_hdr[i].value, len));
	CHECK(t_span_in(m->from.raw, len) && t_span_in(m->from.display, len));
	CHECK(uri_ok(&m->from.uri, len) && t_span_in(m->from.tag, len));
	CHECK(t_span_in(m->to.raw, len) && t_span_in(m->to.display, len));
	CHECK(uri_ok(&m->to.uri, len) && t_span_in(m->to.tag, len));
	CHECK(t_span_in(m->call_id, len));
	CHECK(t_span_in(m->cseq_method_str, len) && t_span_in(m->cseq_raw, len));
	CHECK(t_span_in(m->content_type, len) && t_span_in(m->contact, len));
	CHECK(t_span_in(m->user_agent, len) && t_span_in(m->identity, len) && t_span_in(m->pai, len));
	for (unsigned i = 0; i < nauth; i++)
		CHECK(t_span_in(m->auth[i].value, len));
	CHECK(t_span_in(m->headers, len) && t_span_in(m->body, len));
	return true;
}

bool
t_cred_spans_ok(const struct ush_sip_cred *c, size_t len)
{
	return t_span_in(c->username, len) && t_span_in(c->realm, len) &&
	       t_span_in(c->nonce, len) && t_span_in(c->uri, len) && t_span_in(c->response, len) &&
	       t_span_in(c->algorithm, len) && t_span_in(c->cnonce, len) &&
	       t_span_in(c->opaque, len) && t_span_in(c->qop, len) && t_span_in(c->nc, len) &&
	       t_span_in(c->userhash, len);
}

char *
t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL)
		*len = (size_t)n;
	return buf;
}

void
t_load_corpus(const char *rel)
{
	char path[1024];
	size_t n = 0;
	char *data;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	data = t_read_file(path, &n);
	cr_assert_not_null(data, "cannot read corpus file %s", path);
	t_set_n(data, n);
	free(data);
}

char *
t_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && s != NULL);
	return s;
}
