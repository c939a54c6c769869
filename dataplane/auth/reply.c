/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* SIP responses built from a parsed request (RFC 3261 §8.2.6, RFC 3581): copies, no printf. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_reply.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Output cursor. On the first write that does not fit, end is pulled back to p so every later
 * write fails too: the caller checks once, at the end, and nothing past cap is ever touched.
 */
struct wr {
	char *p;
	char *end;
	bool full;
};

static inline void
put(struct wr *w, const void *s, size_t n)
{
	if (unlikely(n > (size_t)(w->end - w->p))) {
		w->full = true;
		w->end = w->p;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

static inline void
put_span(struct wr *w, const char *buf, struct ush_sip_span s)
{
	put(w, buf + s.off, s.len);
}

/* Decimal digits of v at the end of a 10-byte scratch; returns where they start. */
static inline char *
u32_digits(char tmp[10], uint32_t v)
{
	char *d = tmp + 10;

	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return d;
}

static inline void
put_u32(struct wr *w, uint32_t v)
{
	char tmp[10];
	const char *d = u32_digits(tmp, v);

	put(w, d, (size_t)(tmp + 10 - d));
}

/* Longest text of an address: INET6_ADDRSTRLEN counts a NUL we never write. */
#define ADDR_TEXT_MAX INET6_ADDRSTRLEN

/*
 * Dotted quad by hand: glibc's inet_ntop formats IPv4 through sprintf, which is most of the
 * cost of a challenge reply. IPv6 is rare enough to go through inet_ntop.
 */
static size_t
addr_text(const struct ush_reply_source *src, char out[ADDR_TEXT_MAX])
{
	if (src->af == AF_INET) {
		char *p = out;

		for (int i = 0; i < 4; i++) {
			unsigned int b = src->addr[i];

			if (b >= 100)
				*p++ = (char)('0' + b / 100);
			if (b >= 10)
				*p++ = (char)('0' + b / 10 % 10);
			*p++ = (char)('0' + b % 10);
			*p++ = '.';
		}
		return (size_t)(p - 1 - out);
	}
	if (inet_ntop(AF_INET6, src->addr, out, ADDR_TEXT_MAX) == NULL)
		return 0;
	return strlen(out);
}

/*
 * True when the Via sent-by host is the source address itself. IPv4 text is compared as is:
 * our dotted quad is the only spelling inet_pton accepts for an address (it refuses leading
 * zeros), so equal text is equal address. IPv6 has many spellings, so its literal is parsed.
 */
static bool
host_is_source(const char *buf, struct ush_sip_span host, const struct ush_reply_source *src,
	       const char *text, size_t text_len)
{
	const char *h = buf + host.off;
	char tmp[ADDR_TEXT_MAX];
	uint8_t bin[16];

	if (src->af == AF_INET)
		return host.len == text_len && memcmp(h, text, text_len) == 0;
	if (host.len < 4 || h[0] != '[' || h[host.len - 1] != ']' ||
	    (size_t)host.len - 2 >= sizeof(tmp))
		return false;
	memcpy(tmp, h + 1, host.len - 2u);
	tmp[host.len - 2u] = '\0';
	return inet_pton(AF_INET6, tmp, bin) == 1 && memcmp(bin, src->addr, 16) == 0;
}

static const char *
reason_phrase(uint16_t code, size_t *len)
{
	const char *r;

	switch (code) {
	case 400:
		r = "Bad Request";
		break;
	case 401:
		r = "Unauthorized";
		break;
	case 403:
		r = "Forbidden";
		break;
	case 428:
		r = "Use Identity Header";
		break;
	case 436:
		r = "Bad Identity Info";
		break;
	case 437:
		r = "Unsupported Credential";
		break;
	case 438:
		r = "Invalid Identity Header";
		break;
	case 407:
		r = "Proxy Authentication Required";
		break;
	case 500:
		r = "Server Internal Error";
		break;
	case 503:
		r = "Service Unavailable";
		break;
	default:
		r = "Unknown";
		break;
	}
	*len = strlen(r);
	return r;
}

/* A splice into the top Via value: replace del bytes at off with ins (ins_len bytes). */
struct via_edit {
	size_t off; /* relative to the start of the Via value */
	size_t del;
	const char *ins;
	size_t ins_len;
	bool eq; /* write '=' before ins (a bare ";rport" being filled) */
};

static void
put_top_via(struct wr *w, const char *buf, const struct ush_sip_via *via,
	    const struct ush_reply_source *src)
{
	const char *v = buf + via->raw.off;
	char addr[ADDR_TEXT_MAX];
	char ptmp[10];
	size_t addr_len = 0;
	struct via_edit ed[2];
	unsigned int n_ed = 0;
	bool rport = ush_sip_span_present(via->rport);
	bool has_received = ush_sip_span_present(via->received);
	bool add_received;
	size_t at = 0;

	/*
	 * A received= already in the request is rewritten whatever the host: only the packet
	 * source is known to be true, and the Via must not carry the parameter twice.
	 */
	if (src->af == AF_INET)
		addr_len = addr_text(src, addr);
	add_received =
		rport || has_received || !host_is_source(buf, via->host, src, addr, addr_len);
	if (add_received && src->af != AF_INET)
		addr_len = addr_text(src, addr);
	if (has_received)
		ed[n_ed++] = (struct via_edit){(size_t)via->received.off - via->raw.off,
					       via->received.len, addr, addr_len, false};
	if (rport && via->rport.len == 0) {
		const char *d = u32_digits(ptmp, src->port);

		ed[n_ed++] = (struct via_edit){(size_t)via->rport.off - via->raw.off, 0, d,
					       (size_t)(ptmp + 10 - d), true};
	}
	if (n_ed == 2 && ed[1].off < ed[0].off) {
		struct via_edit t = ed[0];

		ed[0] = ed[1];
		ed[1] = t;
	}

	PUT_LIT(w, "Via: ");
	for (unsigned int i = 0; i < n_ed; i++) {
		put(w, v + at, ed[i].off - at);
		if (ed[i].eq)
			PUT_LIT(w, "=");
		put(w, ed[i].ins, ed[i].ins_len);
		at = ed[i].off + ed[i].del;
	}
	put(w, v + at, via->raw.len - at);
	if (add_received && !has_received) {
		PUT_LIT(w, ";received=");
		put(w, addr, addr_len);
	}
	PUT_LIT(w, "\r\n");
}

static void
put_challenge(struct wr *w, const struct ush_reply_challenge *ch, unsigned int i)
{
	const char *name = ush_algo_name((enum ush_algo)ch->algos[i]);
	unsigned int q = ch->qop_mask & ((1u << USH_QOP_AUTH) | (1u << USH_QOP_AUTH_INT));

	if (ch->proxy)
		PUT_LIT(w, "Proxy-Authenticate: Digest realm=\"");
	else
		PUT_LIT(w, "WWW-Authenticate: Digest realm=\"");
	put(w, ch->realm, ch->realm_len);
	PUT_LIT(w, "\", nonce=\"");
	put(w, ch->nonces[i], ch->nonce_len);
	PUT_LIT(w, "\", algorithm=");
	put(w, name, strlen(name));
	if (q == (1u << USH_QOP_AUTH))
		PUT_LIT(w, ", qop=\"auth\"");
	else if (q == (1u << USH_QOP_AUTH_INT))
		PUT_LIT(w, ", qop=\"auth-int\"");
	else if (q != 0)
		PUT_LIT(w, ", qop=\"auth,auth-int\"");
	if (ch->stale)
		PUT_LIT(w, ", stale=true");
	PUT_LIT(w, "\r\n");
}

static bool
challenge_ok(const struct ush_reply_challenge *ch, uint16_t code)
{
	if (ch->n_algos == 0)
		return true;
	if (code != (ch->proxy ? 407 : 401) || ch->algos == NULL || ch->nonces == NULL ||
	    (ch->realm == NULL && ch->realm_len != 0))
		return false;
	for (unsigned int i = 0; i < ch->n_algos; i++)
		if (ch->algos[i] >= USH_ALGO_UNKNOWN || ch->nonces[i] == NULL)
			return false;
	return true;
}

int
ush_reply_build(char *out, size_t cap, const char *buf, const struct ush_sip_msg *msg,
		uint16_t code, const char *to_tag, size_t to_tag_len,
		const struct ush_reply_source *src, const struct ush_reply_challenge *ch,
		uint32_t retry_after, const char *server, size_t server_len)
{
	struct wr w;
	char digits[3];
	const char *reason;
	size_t reason_len;

	if (unlikely(out == NULL || buf == NULL || msg == NULL || src == NULL))
		return -EINVAL;
	if (unlikely(code < 100 || code > 699 || (src->af != AF_INET && src->af != AF_INET6)))
		return -EINVAL;
	if (unlikely(msg->via_count == 0 || !ush_sip_span_present(msg->via_top.raw) ||
		     !ush_sip_span_present(msg->from.raw) || !ush_sip_span_present(msg->to.raw) ||
		     !ush_sip_span_present(msg->call_id) || !ush_sip_span_present(msg->cseq_raw)))
		return -EINVAL;
	if (unlikely(to_tag == NULL && to_tag_len != 0))
		return -EINVAL;
	if (ch != NULL && unlikely(!challenge_ok(ch, code)))
		return -EINVAL;
	if (unlikely(server_len != 0 &&
		     (server == NULL || !ush_reply_server_ok(server, server_len))))
		return -EINVAL;

	w = (struct wr){out, out + (cap > USH_REPLY_MAX ? USH_REPLY_MAX : cap), false};
	reason = reason_phrase(code, &reason_len);
	digits[0] = (char)('0' + code / 100);
	digits[1] = (char)('0' + code / 10 % 10);
	digits[2] = (char)('0' + code % 10);
	PUT_LIT(&w, "SIP/2.0 ");
	put(&w, digits, 3);
	PUT_LIT(&w, " ");
	put(&w, reason, reason_len);
	PUT_LIT(&w, "\r\n");

	put_top_via(&w, buf, &msg->via_top, src);
	for (unsigned int i = 1; i < msg->via_count; i++) {
		PUT_LIT(&w, "Via: ");
		put_span(&w, buf, msg->via[i]);
		PUT_LIT(&w, "\r\n");
	}

	PUT_LIT(&w, "From: ");
	put_span(&w, buf, msg->from.raw);
	PUT_LIT(&w, "\r\nTo: ");
	put_span(&w, buf, msg->to.raw);
	if (to_tag_len != 0 && !ush_sip_span_present(msg->to.tag)) {
		PUT_LIT(&w, ";tag=");
		put(&w, to_tag, to_tag_len);
	}
	PUT_LIT(&w, "\r\nCall-ID: ");
	put_span(&w, buf, msg->call_id);
	PUT_LIT(&w, "\r\nCSeq: ");
	put_span(&w, buf, msg->cseq_raw);
	PUT_LIT(&w, "\r\n");

	if (ch != NULL)
		for (unsigned int i = 0; i < ch->n_algos; i++)
			put_challenge(&w, ch, i);
	if (retry_after > 0) {
		PUT_LIT(&w, "Retry-After: ");
		put_u32(&w, retry_after);
		PUT_LIT(&w, "\r\n");
	}
	/* RFC 3261 §20.35: Server is optional; without one, scanners learn nothing of us */
	if (server_len != 0) {
		PUT_LIT(&w, "Server: ");
		put(&w, server, server_len);
		PUT_LIT(&w, "\r\n");
	}
	PUT_LIT(&w, "Content-Length: 0\r\n\r\n");

	if (unlikely(w.full))
		return -ENOSPC;
	return (int)(w.p - out);
}

bool
ush_reply_server_ok(const char *server, size_t len)
{
	if (len == 0 || len > USH_REPLY_SERVER_MAX || server[0] == ' ' || server[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)server[i] < 0x20 || (unsigned char)server[i] > 0x7e)
			return false;
	return true;
}

uint16_t
ush_reply_dest_port(const char *buf, const struct ush_sip_msg *msg, uint16_t src_port)
{
	(void)buf;
	if (msg->via_count == 0 || ush_sip_span_present(msg->via_top.rport))
		return src_port;
	return msg->via_top.port != 0 ? msg->via_top.port : 5060;
}
