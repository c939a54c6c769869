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
	    h->type < USH_CTL_REQUEST || h->type > USH_CTL_CREDS)
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
ush_ctl_call(int fd, const json_t *req, char *err, size_t errlen)
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
	rc = ush_ctl_recv(&rx, fd);
	if (rc < 0)
		snprintf(err, errlen, "%s",
			 rc == -EAGAIN ? "no reply in time"
			 : rc == -EPIPE ? "connection closed by the peer"
			 : rc == -EPROTO || rc == -EMSGSIZE ? "protocol error in the reply"
							    : strerror(-rc));
	else if (rx.hdr.type != USH_CTL_REPLY || rx.hdr.seq != seq)
		snprintf(err, errlen, "protocol error: expected the reply to request %u", seq);
	else
		reply = ush_ctl_parse(rx.payload, rx.hdr.len, err, errlen);
	ush_ctl_rx_free(&rx);
	return reply;
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
