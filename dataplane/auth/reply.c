/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* SIP responses built from a parsed request (RFC 3261 §8.2.6, RFC 3581): copies, no printf. */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ush_reply.h"
#include "usher_copy.h"

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

/*
 * memcpy for the short, variable lengths a reply is made of (header values, nonces): inline,
 * in 16-byte moves with an overlapping last one (below 16: ush_copy_lt16()), where a libc call
 * and its size dispatch cost about as much as the copy itself. Touches nothing outside
 * [src, src + n) and [dst, dst + n).
 */
static inline void
copy_short(char *dst, const char *src, size_t n)
{
	if (n < 16) {
		ush_copy_lt16(dst, src, n);
		return;
	}
	if (unlikely(n > 256)) {
		memcpy(dst, src, n);
		return;
	}
	for (size_t i = 0; i + 16 < n; i += 16)
		memcpy(dst + i, src + i, 16);
	memcpy(dst + n - 16, src + n - 16, 16);
}

/* Whether n more bytes fit; when not, the writer is marked full and writes nothing more. */
static inline bool
room(struct wr *w, size_t n)
{
	if (unlikely(n > (size_t)(w->end - w->p))) {
		w->full = true;
		w->end = w->p;
		return false;
	}
	return true;
}

static inline void
put(struct wr *w, const void *s, size_t n)
{
	if (room(w, n)) {
		copy_short(w->p, s, n);
		w->p += n;
	}
}

/* put() for the composition of templates, once per configuration: a plain memcpy */
static void
put_cold(struct wr *w, const void *s, size_t n)
{
	if (room(w, n)) {
		memcpy(w->p, s, n);
		w->p += n;
	}
}

/* A literal: a copy of constant size, which the compiler turns into a few moves. */
#define PUT_LIT(w, lit)                                                                            \
	do {                                                                                       \
		struct wr *w_ = (w);                                                               \
                                                                                                   \
		if (room(w_, sizeof(lit) - 1)) {                                                   \
			memcpy(w_->p, (lit), sizeof(lit) - 1);                                     \
			w_->p += sizeof(lit) - 1;                                                  \
		}                                                                                  \
	} while (0)

static inline void
put_span(struct wr *w, const char *buf, struct ush_sip_span s)
{
	put(w, buf + s.off, s.len);
}

/*
 * Decimal text of v, written in place from its last digit back: digits staged in a scratch
 * and copied out would be read back by wide loads over the byte stores that wrote them, which
 * wait for those stores to retire.
 */
static inline void
put_u32(struct wr *w, uint32_t v)
{
	size_t n = 1;

	for (uint32_t t = v; t >= 10; t /= 10)
		n++;
	if (!room(w, n))
		return;
	for (size_t i = n; i-- > 0; v /= 10)
		w->p[i] = (char)('0' + v % 10);
	w->p += n;
}

/*
 * Decimal text of every byte value: up to three digits, then the digit count. An IPv4 source
 * is written for most challenges (received=), so each byte is one 4-byte copy from here
 * instead of divisions and branches on its digit count.
 */
struct dec_byte {
	char d[3];
	uint8_t len;
};

#define DEC_D0(n) (char)('0' + ((n) >= 100 ? (n) / 100 : (n) >= 10 ? (n) / 10 : (n)))
#define DEC_D1(n) (char)((n) >= 100 ? '0' + (n) / 10 % 10 : (n) >= 10 ? '0' + (n) % 10 : 0)
#define DEC_D2(n) (char)((n) >= 100 ? '0' + (n) % 10 : 0)
#define DEC(n)                                                                                     \
	{                                                                                          \
		{DEC_D0(n), DEC_D1(n), DEC_D2(n)}, (n) >= 100 ? 3 : (n) >= 10 ? 2 : 1              \
	}
#define DEC4(n)	 DEC(n), DEC((n) + 1), DEC((n) + 2), DEC((n) + 3)
#define DEC16(n) DEC4(n), DEC4((n) + 4), DEC4((n) + 8), DEC4((n) + 12)
#define DEC64(n) DEC16(n), DEC16((n) + 16), DEC16((n) + 32), DEC16((n) + 48)

static const struct dec_byte dec_byte[256] = {DEC64(0), DEC64(64), DEC64(128), DEC64(192)};

static_assert(sizeof(struct dec_byte) == 4, "one 4-byte copy per address byte");

/* Longest dotted quad, and what put_addr() may write past it (the last entry's spare byte) */
#define IP4_TEXT_MAX  15
#define IP4_TEXT_ROOM 16

/*
 * The source address as text, in place: a dotted quad by hand (glibc's inet_ntop formats IPv4
 * through sprintf), or IPv6 through inet_ntop, without brackets. Each byte's table entry is
 * copied whole (4 bytes): what follows its digits is overwritten by the next dot, or left past
 * the end of the text, within the output (the room is checked for it).
 */
static void
put_addr(struct wr *w, const struct ush_reply_source *src)
{
	char tmp[INET6_ADDRSTRLEN];

	if (likely(src->af == AF_INET && (size_t)(w->end - w->p) >= IP4_TEXT_ROOM)) {
		char *p = w->p;

		for (int i = 0; i < 4; i++) {
			const struct dec_byte *e = &dec_byte[src->addr[i]];

			memcpy(p, e, sizeof(*e));
			p += e->len;
			*p++ = '.';
		}
		w->p = p - 1;
		return;
	}
	/* IPv6, or the end of the output: formatted aside, copied exactly */
	if (inet_ntop(src->af, src->addr, tmp, sizeof(tmp)) == NULL)
		return;
	put(w, tmp, strlen(tmp));
}

/*
 * True when the Via sent-by host is the source address itself. IPv4: our dotted quad is the
 * only spelling of an address inet_pton accepts (no leading zeros), so the host must be
 * exactly that text: it is read as four decimal bytes in that one spelling, without formatting
 * the source. IPv6 has many spellings, so its literal is parsed.
 */
static bool
host_is_source(const char *buf, struct ush_sip_span host, const struct ush_reply_source *src)
{
	const char *h = buf + host.off;
	char tmp[INET6_ADDRSTRLEN];
	uint8_t bin[16];

	if (src->af == AF_INET) {
		size_t i = 0;

		if (host.len > IP4_TEXT_MAX)
			return false;
		for (int k = 0; k < 4; k++) {
			unsigned int v = 0, nd = 0;

			if (k > 0 && (i >= host.len || h[i++] != '.'))
				return false;
			for (; i < host.len && nd < 3 && h[i] >= '0' && h[i] <= '9'; i++, nd++)
				v = v * 10 + (unsigned int)(h[i] - '0');
			if (nd == 0 || v != src->addr[k] || (nd > 1 && h[i - nd] == '0'))
				return false;
		}
		return i == host.len;
	}
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

/*
 * A splice into the top Via value: del bytes at off replaced by the source address, or by
 * "=" and the source port (a bare ";rport" being filled).
 */
struct via_edit {
	size_t off; /* relative to the start of the Via value */
	size_t del;
	bool port;
};

static void
put_top_via(struct wr *w, const char *buf, const struct ush_sip_via *via,
	    const struct ush_reply_source *src)
{
	const char *v = buf + via->raw.off;
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
	add_received = rport || has_received || !host_is_source(buf, via->host, src);
	if (has_received)
		ed[n_ed++] = (struct via_edit){(size_t)via->received.off - via->raw.off,
					       via->received.len, false};
	if (rport && via->rport.len == 0)
		ed[n_ed++] = (struct via_edit){(size_t)via->rport.off - via->raw.off, 0, true};
	if (n_ed == 2 && ed[1].off < ed[0].off) {
		struct via_edit t = ed[0];

		ed[0] = ed[1];
		ed[1] = t;
	}

	PUT_LIT(w, "Via: ");
	for (unsigned int i = 0; i < n_ed; i++) {
		put(w, v + at, ed[i].off - at);
		if (ed[i].port) {
			PUT_LIT(w, "=");
			put_u32(w, src->port);
		} else {
			put_addr(w, src);
		}
		at = ed[i].off + ed[i].del;
	}
	put(w, v + at, via->raw.len - at);
	if (add_received && !has_received) {
		PUT_LIT(w, ";received=");
		put_addr(w, src);
	}
	PUT_LIT(w, "\r\n");
}

/*
 * One challenge header of a template, its nonce left blank: *nonce_off gets where the nonce
 * goes, from the start of the tail.
 */
static void
put_challenge(struct wr *w, const char *tail, const struct ush_reply_challenge *ch, unsigned int i,
	      uint16_t *nonce_off)
{
	const char *name = ush_algo_name((enum ush_algo)ch->algos[i]);
	unsigned int q = ch->qop_mask & ((1u << USH_QOP_AUTH) | (1u << USH_QOP_AUTH_INT));

	if (ch->proxy)
		PUT_LIT(w, "Proxy-Authenticate: Digest realm=\"");
	else
		PUT_LIT(w, "WWW-Authenticate: Digest realm=\"");
	if (ch->realm_len != 0)
		put_cold(w, ch->realm, ch->realm_len);
	PUT_LIT(w, "\", nonce=\"");
	*nonce_off = (uint16_t)(w->p - tail);
	if (room(w, ch->nonce_len)) {
		memset(w->p, 0, ch->nonce_len);
		w->p += ch->nonce_len;
	}
	PUT_LIT(w, "\", algorithm=");
	put_cold(w, name, strlen(name));
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

/* The challenge rules of ush_reply_build(); the nonces are checked only when given. */
static bool
challenge_ok(const struct ush_reply_challenge *ch, uint16_t code, bool with_nonces)
{
	if (ch->n_algos == 0)
		return true;
	if (ch->n_algos > USH_REPLY_CHALLENGES_MAX || code != (ch->proxy ? 407 : 401) ||
	    ch->algos == NULL || (with_nonces && ch->nonces == NULL) ||
	    (ch->realm == NULL && ch->realm_len != 0))
		return false;
	for (unsigned int i = 0; i < ch->n_algos; i++)
		if (ch->algos[i] >= USH_ALGO_UNKNOWN || (with_nonces && ch->nonces[i] == NULL))
			return false;
	return true;
}

int
ush_reply_tmpl_make(struct ush_reply_tmpl *t, uint16_t code, const struct ush_reply_challenge *ch,
		    uint32_t retry_after, const char *server, size_t server_len)
{
	struct wr w;
	const char *reason;
	size_t reason_len;
	uint16_t head_len;
	unsigned int n_ch = ch != NULL ? ch->n_algos : 0;

	if (unlikely(t == NULL))
		return -EINVAL;
	t->head_len = 0; /* unusable until the end */
	if (unlikely(code < 100 || code > 699))
		return -EINVAL;
	if (ch != NULL && unlikely(!challenge_ok(ch, code, false)))
		return -EINVAL;
	if (unlikely(server_len != 0 &&
		     (server == NULL || !ush_reply_server_ok(server, server_len))))
		return -EINVAL;
	if (unlikely(n_ch != 0 && ch->nonce_len > USH_REPLY_MAX))
		return -ENOSPC;

	reason = reason_phrase(code, &reason_len);
	w = (struct wr){t->head, t->head + sizeof(t->head), false};
	PUT_LIT(&w, "SIP/2.0 ");
	*w.p++ = (char)('0' + code / 100);
	*w.p++ = (char)('0' + code / 10 % 10);
	*w.p++ = (char)('0' + code % 10);
	PUT_LIT(&w, " ");
	put_cold(&w, reason, reason_len);
	PUT_LIT(&w, "\r\n");
	if (unlikely(w.full))
		return -ENOSPC;
	head_len = (uint16_t)(w.p - t->head);

	w = (struct wr){t->tail, t->tail + sizeof(t->tail), false};
	for (unsigned int i = 0; i < n_ch; i++)
		put_challenge(&w, t->tail, ch, i, &t->nonce_off[i]);
	t->n_nonces = (uint8_t)n_ch;
	t->nonce_len = n_ch != 0 ? (uint16_t)ch->nonce_len : 0;
	if (retry_after > 0) {
		PUT_LIT(&w, "Retry-After: ");
		put_u32(&w, retry_after);
		PUT_LIT(&w, "\r\n");
	}
	/* RFC 3261 §20.35: Server is optional; without one, scanners learn nothing of us */
	if (server_len != 0) {
		PUT_LIT(&w, "Server: ");
		put_cold(&w, server, server_len);
		PUT_LIT(&w, "\r\n");
	}
	PUT_LIT(&w, "Content-Length: 0\r\n\r\n");
	if (unlikely(w.full))
		return -ENOSPC;
	t->tail_len = (uint16_t)(w.p - t->tail);
	t->head_len = head_len;
	return 0;
}

/* What every reply needs of its request and arguments (the headers it copies). */
static inline bool
request_ok(const char *out, const char *buf, const struct ush_sip_msg *msg, const char *to_tag,
	   size_t to_tag_len, const struct ush_reply_source *src)
{
	return out != NULL && buf != NULL && msg != NULL && src != NULL &&
	       (src->af == AF_INET || src->af == AF_INET6) && msg->via_count != 0 &&
	       ush_sip_span_present(msg->via_top.raw) && ush_sip_span_present(msg->from.raw) &&
	       ush_sip_span_present(msg->to.raw) && ush_sip_span_present(msg->call_id) &&
	       ush_sip_span_present(msg->cseq_raw) && (to_tag != NULL || to_tag_len == 0);
}

int
ush_reply_build_tmpl(char *out, size_t cap, const char *buf, const struct ush_sip_msg *msg,
		     const struct ush_reply_tmpl *t, const char *to_tag, size_t to_tag_len,
		     const struct ush_reply_source *src, const char *const *nonces)
{
	struct wr w;
	char *tail;

	if (unlikely(t == NULL || t->head_len == 0 ||
		     !request_ok(out, buf, msg, to_tag, to_tag_len, src)))
		return -EINVAL;
	if (unlikely(t->n_nonces != 0 && nonces == NULL))
		return -EINVAL;
	for (unsigned int i = 0; i < t->n_nonces; i++)
		if (unlikely(nonces[i] == NULL))
			return -EINVAL;

	w = (struct wr){out, out + (cap > USH_REPLY_MAX ? USH_REPLY_MAX : cap), false};
	put(&w, t->head, t->head_len);

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

	/* the constant rest in one copy, then each nonce in its place */
	tail = w.p;
	if (unlikely(t->tail_len > (size_t)(w.end - w.p))) {
		w.full = true;
	} else {
		memcpy(tail, t->tail, t->tail_len);
		w.p += t->tail_len;
		for (unsigned int i = 0; i < t->n_nonces; i++)
			copy_short(tail + t->nonce_off[i], nonces[i], t->nonce_len);
	}

	if (unlikely(w.full))
		return -ENOSPC;
	return (int)(w.p - out);
}

int
ush_reply_build(char *out, size_t cap, const char *buf, const struct ush_sip_msg *msg,
		uint16_t code, const char *to_tag, size_t to_tag_len,
		const struct ush_reply_source *src, const struct ush_reply_challenge *ch,
		uint32_t retry_after, const char *server, size_t server_len)
{
	struct ush_reply_tmpl t;
	const char *const *nonces = NULL;
	int rc;

	if (unlikely(code < 100 || code > 699 ||
		     !request_ok(out, buf, msg, to_tag, to_tag_len, src)))
		return -EINVAL;
	if (ch != NULL && unlikely(!challenge_ok(ch, code, true)))
		return -EINVAL;
	/* the one composition code: the template of this reply, used once */
	rc = ush_reply_tmpl_make(&t, code, ch, retry_after, server, server_len);
	if (rc < 0)
		return rc;
	if (ch != NULL && ch->n_algos != 0)
		nonces = ch->nonces;
	return ush_reply_build_tmpl(out, cap, buf, msg, &t, to_tag, to_tag_len, src, nonces);
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
