/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The control channel: Unix sockets, frames, JSON payloads, credential records. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "ush_ctl.h"

/* ---- sockets ---- */

static int
sun_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static int
group_id(const char *group, gid_t *gid)
{
	struct group *g;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(group, &end, 10);
	if (*end == '\0' && errno == 0 && v <= UINT32_MAX) {
		*gid = (gid_t)v;
		return 0;
	}
	g = getgrnam(group);
	if (g == NULL)
		return -ENOENT;
	*gid = g->gr_gid;
	return 0;
}

int
ush_ctl_listen(const char *path, const char *group, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	gid_t gid = 0;
	int fd, rc;

	rc = sun_fill(&sa, path);
	if (rc < 0) {
		snprintf(err, errlen, "%s: socket path empty or too long", path ? path : "");
		return rc;
	}
	if (group != NULL && group[0] != '\0' && group_id(group, &gid) < 0) {
		snprintf(err, errlen, "group %s: no such group", group);
		return -ENOENT;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	/*
	 * A socket file left by a process that died is replaced; a live one is not, so two
	 * processes never silently share a path.
	 */
	if (access(path, F_OK) == 0) {
		int probe = ush_ctl_connect(path, 200);

		if (probe >= 0) {
			close(probe);
			close(fd);
			snprintf(err, errlen, "%s: another process is listening there", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	/* bind under a umask that keeps others out from the start; then chown + chmod 0660 */
	mode_t old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if ((group != NULL && group[0] != '\0' && chown(path, (uid_t)-1, gid) < 0) ||
	    chmod(path, 0660) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}

int
ush_ctl_connect(const char *path, unsigned int timeout_ms)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = sun_fill(&sa, path);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (timeout_ms > 0) {
		struct timeval tv = {
			.tv_sec = timeout_ms / 1000,
			.tv_usec = (timeout_ms % 1000) * 1000,
		};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* ---- frames ---- */

void
ush_ctl_hdr_encode(uint8_t out[USH_CTL_HDR_LEN], const struct ush_ctl_hdr *h)
{
	uint32_t w[4] = {
		htonl(h->magic),
		htonl((uint32_t)h->version << 24 | (uint32_t)h->type << 16 | h->flags),
		htonl(h->seq),
		htonl(h->len),
	};

	memcpy(out, w, sizeof(w));
}

int
ush_ctl_hdr_decode(const uint8_t in[USH_CTL_HDR_LEN], struct ush_ctl_hdr *h)
{
	uint32_t w[4];

	memcpy(w, in, sizeof(w));
	h->magic = ntohl(w[0]);
	h->version = (uint8_t)(ntohl(w[1]) >> 24);
	h->type = (uint8_t)(ntohl(w[1]) >> 16);
	h->flags = (uint16_t)ntohl(w[1]);
	h->seq = ntohl(w[2]);
	h->len = ntohl(w[3]);
	if (h->magic != USH_CTL_MAGIC || h->version != USH_CTL_VERSION || h->flags != 0 ||
	    h->type < USH_CTL_REQUEST || h->type > USH_CTL_VERDICT)
		return -EPROTO;
	if (h->len > USH_CTL_PAYLOAD_MAX)
		return -EMSGSIZE;
	return 0;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
ush_ctl_send(int fd, uint8_t type, uint32_t seq, const void *payload, uint32_t len)
{
	struct ush_ctl_hdr h = {
		.magic = USH_CTL_MAGIC,
		.version = USH_CTL_VERSION,
		.type = type,
		.seq = seq,
		.len = len,
	};
	uint8_t hb[USH_CTL_HDR_LEN];
	int rc;

	if (len > USH_CTL_PAYLOAD_MAX)
		return -EMSGSIZE;
	ush_ctl_hdr_encode(hb, &h);
	rc = write_all(fd, hb, sizeof(hb));
	if (rc == 0 && len > 0)
		rc = write_all(fd, payload, len);
	return rc;
}

int
ush_ctl_send_json(int fd, uint8_t type, uint32_t seq, const json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	size_t len;
	int rc;

	if (text == NULL)
		return -ENOMEM;
	len = strlen(text);
	rc = len > USH_CTL_PAYLOAD_MAX ? -EMSGSIZE
				       : ush_ctl_send(fd, type, seq, text, (uint32_t)len);
	/* nonce.keys carries secrets, users.add a password: no copy left in freed memory */
	explicit_bzero(text, len);
	free(text);
	return rc;
}

int
ush_ctl_rx_feed(struct ush_ctl_rx *rx, int fd)
{
	for (;;) {
		uint8_t *dst;
		size_t want;
		ssize_t r;

		if (rx->have < USH_CTL_HDR_LEN) {
			dst = rx->hb + rx->have;
			want = USH_CTL_HDR_LEN - rx->have;
		} else {
			dst = rx->payload + (rx->have - USH_CTL_HDR_LEN);
			want = rx->hdr.len - (rx->have - USH_CTL_HDR_LEN);
		}
		if (want > 0) {
			r = recv(fd, dst, want, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
			}
			if (r == 0)
				return -EPIPE;
			rx->have += (size_t)r;
			if ((size_t)r < want)
				continue;
		}
		if (rx->have == USH_CTL_HDR_LEN) {
			int rc = ush_ctl_hdr_decode(rx->hb, &rx->hdr);

			if (rc < 0)
				return rc;
			/* one byte more than the payload: a NUL, so JSON text can be parsed in place */
			if (rx->cap < (size_t)rx->hdr.len + 1) {
				uint8_t *p = realloc(rx->payload, (size_t)rx->hdr.len + 1);

				if (p == NULL)
					return -ENOMEM;
				rx->payload = p;
				rx->cap = (size_t)rx->hdr.len + 1;
			}
			if (rx->hdr.len > 0)
				continue;
		}
		/* a whole frame */
		rx->payload[rx->hdr.len] = '\0';
		rx->have = 0;
		return 1;
	}
}

void
ush_ctl_rx_free(struct ush_ctl_rx *rx)
{
	if (rx->payload != NULL)
		explicit_bzero(rx->payload, rx->cap);
	free(rx->payload);
	memset(rx, 0, sizeof(*rx));
}

int
ush_ctl_recv(struct ush_ctl_rx *rx, int fd)
{
	/*
	 * On a blocking fd, the feed loops until the frame is whole; it sees EAGAIN only when
	 * the receive timeout expired, and then the stream is cut mid-frame: the caller closes.
	 */
	int rc = ush_ctl_rx_feed(rx, fd);

	if (rc == 0)
		return -EAGAIN;
	return rc < 0 ? rc : 0;
}

json_t *
ush_ctl_parse(const uint8_t *payload, uint32_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o;

	o = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(err, errlen, "not JSON: %s (byte %d)", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	return o;
}

json_t *
ush_ctl_call_ex(int fd, const json_t *req, ush_ctl_frame_fn on_frame, void *arg, char *err,
		size_t errlen)
{
	static uint32_t next_seq;
	struct ush_ctl_rx rx = {0};
	uint32_t seq = ++next_seq;
	json_t *reply = NULL;
	int rc;

	rc = ush_ctl_send_json(fd, USH_CTL_REQUEST, seq, req);
	if (rc < 0) {
		snprintf(err, errlen, "send: %s", strerror(-rc));
		return NULL;
	}
	for (;;) {
		rc = ush_ctl_recv(&rx, fd);
		if (rc < 0) {
			snprintf(err, errlen, "%s",
				 rc == -EAGAIN ? "no reply in time"
				 : rc == -EPIPE ? "connection closed by the peer"
				 : rc == -EPROTO || rc == -EMSGSIZE ? "protocol error in the reply"
								    : strerror(-rc));
			break;
		}
		/* a node's punts go on while usherd waits: handed over, then wait on */
		if (rx.hdr.type == USH_CTL_PUNT && on_frame != NULL) {
			if (on_frame(arg, &rx.hdr, rx.payload) == 0)
				continue;
			snprintf(err, errlen, "protocol error: bad PUNT frame");
			break;
		}
		if (rx.hdr.type != USH_CTL_REPLY || rx.hdr.seq != seq)
			snprintf(err, errlen, "protocol error: expected the reply to request %u",
				 seq);
		else
			reply = ush_ctl_parse(rx.payload, rx.hdr.len, err, errlen);
		break;
	}
	ush_ctl_rx_free(&rx);
	return reply;
}

json_t *
ush_ctl_call(int fd, const json_t *req, char *err, size_t errlen)
{
	return ush_ctl_call_ex(fd, req, NULL, NULL, err, errlen);
}

json_t *
ush_ctl_reply_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

json_t *
ush_ctl_reply_err(enum ush_ctl_code code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:s,s:i}", "ok", 0, "error", msg, "code", (int)code);
}

/* ---- credential records ---- */

static bool
cred_valid(const struct ush_ctl_cred *c)
{
	if (c->user_len == 0 || c->user_len > 128 || c->realm_len == 0 || c->realm_len > 128)
		return false;
	switch (c->op) {
	case USH_CTL_CRED_SET:
		return c->hash < USH_HASH_COUNT &&
		       c->ha1_len == ush_hash_len((enum ush_hash)c->hash);
	case USH_CTL_CRED_DEL:
		return c->hash == 0 && c->ha1_len == 0;
	default:
		return false;
	}
}

int
ush_ctl_cred_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_cred *c)
{
	size_t need = USH_CTL_CRED_HDR_LEN + c->user_len + c->realm_len + c->ha1_len;
	uint8_t *p;

	if (!cred_valid(c))
		return -EINVAL;
	if (*off > cap || cap - *off < need)
		return -ENOSPC;
	p = buf + *off;
	p[0] = c->op;
	p[1] = c->hash;
	p[2] = c->user_len;
	p[3] = c->realm_len;
	p[4] = c->ha1_len;
	p += USH_CTL_CRED_HDR_LEN;
	memcpy(p, c->user, c->user_len);
	p += c->user_len;
	memcpy(p, c->realm, c->realm_len);
	p += c->realm_len;
	if (c->ha1_len > 0)
		memcpy(p, c->ha1, c->ha1_len);
	*off += need;
	return 0;
}

int
ush_ctl_cred_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_cred *c)
{
	const uint8_t *p;
	size_t need;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < USH_CTL_CRED_HDR_LEN)
		return -EPROTO;
	p = buf + *off;
	c->op = p[0];
	c->hash = p[1];
	c->user_len = p[2];
	c->realm_len = p[3];
	c->ha1_len = p[4];
	if (!cred_valid(c))
		return -EPROTO;
	need = USH_CTL_CRED_HDR_LEN + c->user_len + c->realm_len + c->ha1_len;
	if (len - *off < need)
		return -EPROTO;
	p += USH_CTL_CRED_HDR_LEN;
	c->user = (const char *)p;
	c->realm = (const char *)p + c->user_len;
	c->ha1 = c->ha1_len > 0 ? p + c->user_len + c->realm_len : NULL;
	*off += need;
	return 1;
}

/* ---- identity punts and verdicts ---- */

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool
punt_lens_ok(uint16_t il, uint16_t fl, uint16_t pl, uint16_t tl)
{
	return il >= 1 && il <= USH_CTL_PUNT_IDENTITY_MAX && fl >= 1 &&
	       fl <= USH_CTL_PUNT_ADDR_MAX && pl <= USH_CTL_PUNT_ADDR_MAX && tl >= 1 &&
	       tl <= USH_CTL_PUNT_ADDR_MAX;
}

int
ush_ctl_punt_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_punt *p)
{
	size_t need = USH_CTL_PUNT_HDR_LEN + (size_t)p->identity_len + p->from_len + p->pai_len +
		      p->to_len;
	uint8_t *o;

	if (!punt_lens_ok(p->identity_len, p->from_len, p->pai_len, p->to_len))
		return -EINVAL;
	if (*off > cap || cap - *off < need)
		return -ENOSPC;
	o = buf + *off;
	put_be64(o, p->id);
	put_be16(o + 8, p->identity_len);
	put_be16(o + 10, p->from_len);
	put_be16(o + 12, p->pai_len);
	put_be16(o + 14, p->to_len);
	o += USH_CTL_PUNT_HDR_LEN;
	memcpy(o, p->identity, p->identity_len);
	o += p->identity_len;
	memcpy(o, p->from, p->from_len);
	o += p->from_len;
	if (p->pai_len > 0)
		memcpy(o, p->pai, p->pai_len);
	o += p->pai_len;
	memcpy(o, p->to, p->to_len);
	*off += need;
	return 0;
}

int
ush_ctl_punt_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_punt *p)
{
	const uint8_t *r;
	size_t need;

	if (*off >= len)
		return 0;
	if (len - *off < USH_CTL_PUNT_HDR_LEN)
		return -EPROTO;
	r = buf + *off;
	p->id = get_be64(r);
	p->identity_len = get_be16(r + 8);
	p->from_len = get_be16(r + 10);
	p->pai_len = get_be16(r + 12);
	p->to_len = get_be16(r + 14);
	if (!punt_lens_ok(p->identity_len, p->from_len, p->pai_len, p->to_len))
		return -EPROTO;
	need = USH_CTL_PUNT_HDR_LEN + (size_t)p->identity_len + p->from_len + p->pai_len +
	       p->to_len;
	if (len - *off < need)
		return -EPROTO;
	r += USH_CTL_PUNT_HDR_LEN;
	p->identity = (const char *)r;
	r += p->identity_len;
	p->from = (const char *)r;
	r += p->from_len;
	p->pai = p->pai_len > 0 ? (const char *)r : NULL;
	r += p->pai_len;
	p->to = (const char *)r;
	*off += need;
	return 1;
}

static bool
verdict_ok(uint8_t verdict, char attest, const char *reason, size_t rlen)
{
	if (verdict >= USH_CTL_IDV_COUNT || rlen > USH_CTL_VERDICT_REASON_MAX)
		return false;
	if (verdict == USH_CTL_IDV_PASSED ? (attest < 'A' || attest > 'C') : attest != 0)
		return false;
	for (size_t i = 0; i < rlen; i++) {
		char c = reason[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

int
ush_ctl_verdict_put(uint8_t *buf, size_t cap, size_t *off, const struct ush_ctl_verdict *v)
{
	size_t need = USH_CTL_VERDICT_HDR_LEN + (size_t)v->reason_len;
	uint8_t *o;

	if (!verdict_ok(v->verdict, v->attest, v->reason, v->reason_len))
		return -EINVAL;
	if (*off > cap || cap - *off < need)
		return -ENOSPC;
	o = buf + *off;
	put_be64(o, v->id);
	o[8] = v->verdict;
	o[9] = (uint8_t)v->attest;
	o[10] = v->reason_len;
	o[11] = 0;
	if (v->reason_len > 0)
		memcpy(o + USH_CTL_VERDICT_HDR_LEN, v->reason, v->reason_len);
	*off += need;
	return 0;
}

int
ush_ctl_verdict_next(const uint8_t *buf, size_t len, size_t *off, struct ush_ctl_verdict *v)
{
	const uint8_t *r;

	if (*off >= len)
		return 0;
	if (len - *off < USH_CTL_VERDICT_HDR_LEN)
		return -EPROTO;
	r = buf + *off;
	v->id = get_be64(r);
	v->verdict = r[8];
	v->attest = (char)r[9];
	v->reason_len = r[10];
	v->reason = (const char *)r + USH_CTL_VERDICT_HDR_LEN;
	if (r[11] != 0 || len - *off - USH_CTL_VERDICT_HDR_LEN < v->reason_len ||
	    !verdict_ok(v->verdict, v->attest, v->reason, v->reason_len))
		return -EPROTO;
	*off += USH_CTL_VERDICT_HDR_LEN + v->reason_len;
	return 1;
}

/* ---- small helpers ---- */

void
ush_ctl_hex(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
ush_ctl_unhex(uint8_t *out, size_t n, const char *hex, size_t hex_len)
{
	if (hex_len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
