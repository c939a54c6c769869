/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain: the model of one message, a jansson object whose keys docs/explain.md lists. */

#include <stdlib.h>
#include <string.h>

#include "explain_priv.h"

/*
 * Allocation failures are not checked call by call: jansson's constructors return NULL and
 * json_object_set_new() / json_array_append_new() accept a NULL value (and fail), so an
 * out-of-memory run loses keys instead of crashing. The object itself is checked.
 */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when the byte there starts none. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, surrogates and code points above U+10FFFF are invalid. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n > len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

json_t *
ush_explain_text(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n;
	json_t *j;
	char *out;

	/* Worst case every byte becomes the four characters "\xNN". */
	out = malloc(len * 4 + 1);
	if (out == NULL)
		return NULL;
	while (i < len) {
		n = utf8_seq(u + i, len - i);
		if (n == 1 && u[i] >= 0x20 && u[i] != 0x7f) {
			out[o++] = (char)u[i++];
		} else if (n > 1) {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
		} else if (u[i] == '\r' || u[i] == '\n') {
			out[o++] = '\\';
			out[o++] = u[i++] == '\r' ? 'r' : 'n';
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[u[i] >> 4];
			out[o++] = hex[u[i++] & 0xf];
		}
	}
	j = json_stringn(out, o);
	free(out);
	return j;
}

/* A span as a string; JSON null when absent or (defensively) outside the buffer. */
static json_t *
span_json(const char *buf, size_t buflen, struct ush_sip_span s)
{
	if (!ush_sip_span_present(s) || (size_t)s.off + s.len > buflen)
		return json_null();
	return ush_explain_text(ush_sip_span_ptr(buf, s), s.len);
}

static json_t *
port_json(struct ush_sip_span port_str, uint16_t port)
{
	return ush_sip_span_present(port_str) ? json_integer(port) : json_null();
}

static json_t *
uri_json(const char *buf, size_t buflen, const struct ush_sip_uri *uri)
{
	json_t *o;

	if (!ush_sip_span_present(uri->raw))
		return json_null();
	o = json_object();
	json_object_set_new(o, "raw", span_json(buf, buflen, uri->raw));
	json_object_set_new(o, "scheme", span_json(buf, buflen, uri->scheme));
	json_object_set_new(o, "user", span_json(buf, buflen, uri->user));
	json_object_set_new(o, "host", span_json(buf, buflen, uri->host));
	json_object_set_new(o, "port", port_json(uri->port_str, uri->port));
	json_object_set_new(o, "params", span_json(buf, buflen, uri->params));
	json_object_set_new(o, "headers", span_json(buf, buflen, uri->headers));
	return o;
}

static json_t *
nameaddr_json(const char *buf, size_t buflen, const struct ush_sip_nameaddr *na)
{
	json_t *o;

	if (!ush_sip_span_present(na->raw))
		return json_null();
	o = json_object();
	json_object_set_new(o, "raw", span_json(buf, buflen, na->raw));
	json_object_set_new(o, "display", span_json(buf, buflen, na->display));
	json_object_set_new(o, "uri", uri_json(buf, buflen, &na->uri));
	json_object_set_new(o, "tag", span_json(buf, buflen, na->tag));
	return o;
}

static json_t *
via_json(const char *buf, size_t buflen, const struct ush_sip_msg *msg)
{
	const struct ush_sip_via *v = &msg->via_top;
	json_t *o = json_object();

	json_object_set_new(o, "raw", span_json(buf, buflen, v->raw));
	json_object_set_new(o, "transport", span_json(buf, buflen, v->transport));
	json_object_set_new(o, "host", span_json(buf, buflen, v->host));
	json_object_set_new(o, "port", port_json(v->port_str, v->port));
	json_object_set_new(o, "branch", span_json(buf, buflen, v->branch));
	json_object_set_new(o, "received", span_json(buf, buflen, v->received));
	json_object_set_new(o, "rport", span_json(buf, buflen, v->rport));
	return o;
}

/* A credentials value, unescaped when it was a quoted-string with backslash escapes. */
static json_t *
cred_value(const char *buf, size_t buflen, const struct ush_sip_cred *cred, struct ush_sip_span s,
	   uint16_t field)
{
	json_t *j;
	char *tmp;
	int n;

	if (!(cred->escaped & field) || !ush_sip_span_present(s) || (size_t)s.off + s.len > buflen)
		return span_json(buf, buflen, s);
	/* Unescaping only removes bytes: the raw length is enough room. */
	tmp = malloc((size_t)s.len + 1);
	if (tmp == NULL)
		return NULL;
	n = ush_sip_unescape(buf, s, tmp, (size_t)s.len + 1);
	j = n < 0 ? span_json(buf, buflen, s) : ush_explain_text(tmp, (size_t)n);
	free(tmp);
	return j;
}

json_t *
ush_explain_auth_json(const struct ush_explain_ctx *ctx, const char *buf, size_t buflen,
		      const struct ush_sip_msg *msg, const struct ush_sip_auth *auth)
{
	struct ush_sip_cred cred;
	enum ush_sip_err err;
	json_t *o;

	o = json_object();
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "kind",
			    json_string(auth->kind == USH_SIP_AUTH_PROXY ? "proxy-authorization"
									 : "authorization"));
	json_object_set_new(o, "value", span_json(buf, buflen, auth->value));
	memset(&cred, 0, sizeof(cred));
	if ((size_t)auth->value.off + auth->value.len > buflen)
		err = USH_SIP_ECRED_SYNTAX;
	else
		err = ush_sip_cred_parse(buf, auth->value, &cred);
	json_object_set_new(o, "ok", json_boolean(err == USH_SIP_EOK));
	if (err != USH_SIP_EOK) {
		json_object_set_new(o, "error", json_string(ush_sip_errname(err)));
		json_object_set_new(o, "reason", json_string(ush_sip_strerror(err)));
		if (ctx->dctx != NULL) {
			json_object_set_new(o, "match", json_null());
			json_object_set_new(o, "check", json_string("malformed header"));
		}
		return o;
	}
	json_object_set_new(o, "error", json_null());
	json_object_set_new(o, "reason", json_null());
#define CRED(key, field, bit)                                                                      \
	json_object_set_new(o, key,                                                                \
			    cred_value(buf, buflen, &cred, cred.field, USH_SIP_CRED_F_##bit))
	CRED("username", username, USERNAME);
	CRED("realm", realm, REALM);
	CRED("nonce", nonce, NONCE);
	CRED("uri", uri, URI);
	CRED("algorithm", algorithm, ALGORITHM);
	json_object_set_new(o, "algorithm_id",
			    json_string(ush_algo_name((enum ush_algo)cred.algo)));
	CRED("qop", qop, QOP);
	CRED("nc", nc, NC);
	CRED("cnonce", cnonce, CNONCE);
	CRED("opaque", opaque, OPAQUE);
	CRED("response", response, RESPONSE);
	CRED("userhash", userhash, USERHASH);
#undef CRED
	json_object_set_new(o, "unknown_params", json_integer(cred.unknown_params));
	ush_explain_check_json(ctx, o, buf, msg, &cred);
	return o;
}

/* Fields of an accepted message, in the order docs/explain.md lists them. */
static void
msg_fields(const struct ush_explain_ctx *ctx, json_t *o, const char *buf, size_t len,
	   const struct ush_sip_msg *msg)
{
	json_t *a;
	unsigned int i;

	if (msg->is_request) {
		json_object_set_new(o, "method", span_json(buf, len, msg->method_str));
		json_object_set_new(
			o, "method_id",
			json_string(ush_sip_method_name((enum ush_sip_method)msg->method)));
		json_object_set_new(o, "status", json_null());
		json_object_set_new(o, "status_text", json_null());
		json_object_set_new(o, "ruri", uri_json(buf, len, &msg->ruri));
	} else {
		json_object_set_new(o, "method", json_null());
		json_object_set_new(o, "method_id", json_null());
		json_object_set_new(o, "status", json_integer(msg->status));
		json_object_set_new(o, "status_text", span_json(buf, len, msg->reason));
		json_object_set_new(o, "ruri", json_null());
	}
	json_object_set_new(o, "version", span_json(buf, len, msg->version));
	json_object_set_new(o, "via_count", json_integer(msg->via_count));
	json_object_set_new(o, "via_top", via_json(buf, len, msg));
	a = json_array();
	for (i = 0; i < msg->via_count && i < USH_SIP_MAX_VIA; i++)
		json_array_append_new(a, span_json(buf, len, msg->via[i]));
	json_object_set_new(o, "via", a);
	json_object_set_new(o, "from", nameaddr_json(buf, len, &msg->from));
	json_object_set_new(o, "to", nameaddr_json(buf, len, &msg->to));
	json_object_set_new(o, "call_id", span_json(buf, len, msg->call_id));
	json_object_set_new(o, "cseq", json_integer(msg->cseq));
	json_object_set_new(o, "cseq_method", span_json(buf, len, msg->cseq_method_str));
	json_object_set_new(o, "max_forwards",
			    msg->max_forwards < 0 ? json_null() : json_integer(msg->max_forwards));
	json_object_set_new(o, "content_type", span_json(buf, len, msg->content_type));
	json_object_set_new(o, "content_length",
			    msg->content_length < 0 ? json_null()
						    : json_integer(msg->content_length));
	json_object_set_new(o, "body_length", json_integer(msg->body.len));
	json_object_set_new(o, "contact", span_json(buf, len, msg->contact));
	json_object_set_new(o, "expires",
			    msg->expires < 0 ? json_null() : json_integer(msg->expires));
	json_object_set_new(o, "user_agent", span_json(buf, len, msg->user_agent));
	json_object_set_new(o, "identity", json_boolean(ush_sip_span_present(msg->identity)));
	json_object_set_new(o, "header_count", json_integer(msg->hdr_count));
	json_object_set_new(o, "message_length", json_integer(msg->msg_len));
	a = json_array();
	for (i = 0; i < msg->auth_count && i < USH_SIP_MAX_AUTH; i++)
		json_array_append_new(a, ush_explain_auth_json(ctx, buf, len, msg, &msg->auth[i]));
	json_object_set_new(o, "auth", a);
	if (ctx->dctx != NULL && msg->auth_count == 0)
		json_object_set_new(o, "check", json_string("no credentials"));
}

json_t *
ush_explain_msg_json(const struct ush_explain_ctx *ctx, const struct ush_explain_origin *org,
		     const char *buf, size_t len, bool *parsed)
{
	struct ush_sip_msg msg;
	enum ush_sip_err err;
	json_t *o;

	o = json_object();
	if (o == NULL)
		return NULL;
	/* A file name is bytes too: it need not be UTF-8. */
	json_object_set_new(o, "source", ush_explain_text(org->source, strlen(org->source)));
	json_object_set_new(o, "frame",
			    org->frame ? json_integer((json_int_t)org->frame) : json_null());
	json_object_set_new(o, "src", org->src ? json_string(org->src) : json_null());
	json_object_set_new(o, "dst", org->dst ? json_string(org->dst) : json_null());
	json_object_set_new(o, "length", json_integer((json_int_t)len));

	err = ush_sip_parse(buf, len, &msg);
	*parsed = err == USH_SIP_EOK;
	json_object_set_new(o, "ok", json_boolean(*parsed));
	json_object_set_new(o, "error", *parsed ? json_null() : json_string(ush_sip_errname(err)));
	json_object_set_new(o, "reason",
			    *parsed ? json_null() : json_string(ush_sip_strerror(err)));
	/* On a rejection only the start line is shown: the rest may be half-read. */
	json_object_set_new(o, "type",
			    !*parsed ? json_null()
				     : json_string(msg.is_request ? "request" : "response"));
	json_object_set_new(o, "start_line", span_json(buf, len, msg.start_line));
	if (*parsed)
		msg_fields(ctx, o, buf, len, &msg);
	return o;
}
