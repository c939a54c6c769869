/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* x5u over HTTPS (optional, fetch = yes): libcurl with an SSRF guard on the connected address. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "identity_priv.h"

/*
 * Why the address check sits in CURLOPT_OPENSOCKETFUNCTION: libcurl calls it with the very
 * sockaddr it is about to connect() to, after its own name resolution, once per candidate
 * address (happy eyeballs included). Checking a name resolved separately beforehand would
 * let a DNS answer change between the check and the connect (rebinding); here there is no
 * second resolution to race with. Proxies are disabled so the socket is the origin's.
 */

static bool
v4_public(const uint8_t a[4])
{
	return !(a[0] == 0 ||				       /* "this network" */
		 a[0] == 10 ||				       /* RFC 1918 */
		 (a[0] == 100 && (a[1] & 0xc0) == 64) ||       /* CGNAT 100.64/10 */
		 a[0] == 127 ||				       /* loopback */
		 (a[0] == 169 && a[1] == 254) ||	       /* link-local */
		 (a[0] == 172 && (a[1] & 0xf0) == 16) ||       /* RFC 1918 */
		 (a[0] == 192 && a[1] == 0 && a[2] == 0) ||    /* IETF protocol assignments */
		 (a[0] == 192 && a[1] == 0 && a[2] == 2) ||    /* TEST-NET-1 */
		 (a[0] == 192 && a[1] == 168) ||	       /* RFC 1918 */
		 (a[0] == 198 && (a[1] & 0xfe) == 18) ||       /* benchmarking 198.18/15 */
		 (a[0] == 198 && a[1] == 51 && a[2] == 100) || /* TEST-NET-2 */
		 (a[0] == 203 && a[1] == 0 && a[2] == 113) ||  /* TEST-NET-3 */
		 a[0] >= 224);				       /* multicast, reserved, broadcast */
}

bool
id_fetch_addr_public(const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t zero[12];
	const uint8_t *a;

	if (sa->sa_family == AF_INET)
		return v4_public(
			(const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return false;
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	/* an IPv4 address carried in IPv6 (mapped, NAT64 well-known prefix) is judged as IPv4 */
	if (memcmp(a, v4mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_public(a + 12);
	if (memcmp(a, zero, 12) == 0) /* ::, ::1 and the deprecated IPv4-compatible form */
		return false;
	if ((a[0] & 0xfe) == 0xfc ||		       /* ULA fc00::/7 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* link-local fe80::/10 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) || /* site-local fec0::/10 */
	    a[0] == 0xff ||			       /* multicast */
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || /* documentation */
	    (a[0] == 0x01 && a[1] == 0 && a[2] == 0 && a[3] == 0))	      /* discard 100::/64 */
		return false;
	return true;
}

struct fetch_ctx {
	const struct ushd_identity_conf *conf;
	char *buf;
	size_t len, max;
	bool refused, too_big;
	char refused_addr[INET6_ADDRSTRLEN];
};

static curl_socket_t
fetch_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch_ctx *f = arg;
	bool ip = a->family == AF_INET || a->family == AF_INET6;

	if (purpose != CURLSOCKTYPE_IPCXN || !ip ||
	    (!f->conf->fetch_allow_private && !id_fetch_addr_public(&a->addr))) {
		const void *in =
			a->family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)(void *)&a->addr)
					  ->sin6_addr
				: (const void *)&((struct sockaddr_in *)(void *)&a->addr)->sin_addr;

		f->refused = true;
		if (!ip ||
		    inet_ntop(a->family, in, f->refused_addr, sizeof(f->refused_addr)) == NULL)
			snprintf(f->refused_addr, sizeof(f->refused_addr), "family %d", a->family);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The cap holds while receiving, whatever Content-Length said (or did not say). */
static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *f = arg;
	size_t len = size * n;

	if (len > f->max - f->len) {
		f->too_big = true;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	memcpy(f->buf + f->len, p, len);
	f->len += len;
	return len;
}

int
id_fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

void
id_fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

enum ushd_id_reason
id_fetch(const struct ushd_identity_conf *c, const char *url, char *buf, size_t bufmax, size_t *len,
	 char *detail, size_t dlen)
{
	struct fetch_ctx f = {.conf = c, .buf = buf, .max = c->fetch_max_bytes};
	char cerr[CURL_ERROR_SIZE] = "";
	enum ushd_id_reason r;
	long status = 0;
	CURLcode e;
	CURL *h;

	*len = 0;
	if (f.max > bufmax)
		f.max = bufmax;
	/* https only, whatever allow_http says: it lifts the port rule (tests), never TLS */
	if (strncmp(url, "https://", 8) != 0) {
		snprintf(detail, dlen, "x5u fetch refused: not https");
		return USHD_ID_R_X5U_FETCH_REFUSED;
	}
	h = curl_easy_init();
	if (h == NULL)
		return USHD_ID_R_NOMEM;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->fetch_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->fetch_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f.max) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    (c->fetch_ca[0] != '\0' &&
	     curl_easy_setopt(h, CURLOPT_CAINFO, c->fetch_ca) != CURLE_OK) ||
	    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "usherd-identity") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &f) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &f) != CURLE_OK) {
		curl_easy_cleanup(h);
		return USHD_ID_R_NOMEM;
	}
	e = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* a refused address with a successful transfer means another address of the name was used
	 */
	if (e != CURLE_OK && f.refused) {
		r = USHD_ID_R_X5U_FETCH_REFUSED;
		snprintf(detail, dlen, "x5u fetch refused: address %s is not public",
			 f.refused_addr);
	} else if (f.too_big || e == CURLE_FILESIZE_EXCEEDED) {
		r = USHD_ID_R_X5U_FETCH_TOO_BIG;
		snprintf(detail, dlen, "x5u fetch: body over %zu bytes", f.max);
	} else if (e == CURLE_OPERATION_TIMEDOUT) {
		r = USHD_ID_R_X5U_FETCH_TIMEOUT;
		snprintf(detail, dlen, "x5u fetch: no answer within %u ms", c->fetch_timeout_ms);
	} else if (e != CURLE_OK) {
		r = USHD_ID_R_X5U_FETCH_FAILED;
		snprintf(detail, dlen, "x5u fetch: %s", cerr[0] ? cerr : curl_easy_strerror(e));
	} else if (status != 200) {
		r = USHD_ID_R_X5U_FETCH_FAILED;
		snprintf(detail, dlen, "x5u fetch: HTTP status %ld", status);
	} else {
		r = USHD_ID_R_OK;
	}
	*len = f.len;
	curl_easy_cleanup(h);
	return r;
}
