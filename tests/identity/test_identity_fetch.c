/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * x5u over HTTPS (fetch = yes) against a local test peer (https_server.py, started per test
 * and stopped by PID): fetched chain verifies and is cached, fetch off, scheme/port/address
 * refusals, size cap (with and without Content-Length), timeout, 404, untrusted server.
 * The PKI comes from gen_pki.sh (USHD_TEST_PKI), the peer's path from USHD_TEST_HTTPS_SERVER.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "id_test.h"
#include "identity_priv.h"
static pid_t server_pid = -1;
static unsigned int server_port;

static void
set(struct ushd_identity_conf *c, const char *k, const char *v)
{
	char err[256] = "";

	cr_assert_eq(ushd_identity_conf_set(c, k, v, err, sizeof(err)), 0, "%s=%s: %s", k, v, err);
}

/* Repository as in test_identity.c, fetch on, test mode: any port, 127.0.0.1 allowed. */
static void
fetch_conf(struct ushd_identity_conf *c)
{
	ushd_identity_conf_defaults(c);
	set(c, "ca_file", pki("root.pem"));
	set(c, "crl_dir", pki("crl"));
	set(c, "repo_dir", pki("repo"));
	set(c, "fetch", "yes");
	set(c, "fetch_allow_private", "yes");
	set(c, "allow_http", "yes");
	set(c, "fetch_ca", pki("tls_ca.pem"));
}

static void
teardown(void)
{
	id_test_teardown();
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

TestSuite(identity_fetch, .init = id_test_setup, .fini = teardown);

/* Start https_server.py in mode ("serve" or "hang") and read its port. */
static void
start_server(const char *mode)
{
	const char *script = getenv("USHD_TEST_HTTPS_SERVER");
	char line[32] = "";
	int fd[2];
	FILE *f;

	cr_assert_not_null(script, "USHD_TEST_HTTPS_SERVER unset");
	cr_assert_eq(pipe(fd), 0);
	server_pid = fork();
	cr_assert_geq(server_pid, 0);
	if (server_pid == 0) {
		/* a test that crashes before its fini must not leave the server running */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, mode, pki("tls_srv.pem"), pki("tls_srv.key"),
		       pki("www"), (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f), "test server printed no port");
	fclose(f);
	server_port = (unsigned int)strtoul(line, NULL, 10);
	cr_assert_gt(server_port, 0u);
}

static const char *
url(const char *host, const char *path)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "https://%s:%u/%s", host, server_port, path);
	return buf[i];
}

static struct ushd_identity_result
run(const char *x5u, long long iat)
{
	struct ushd_identity_result res;
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX];

	cr_assert_eq(ids_shaken(sp_key, x5u, ORIG, DEST, iat, 'A', hdr, sizeof(hdr)), 0);
	req.identity = hdr;
	cr_assert_eq(ushd_identity_verify(id, &req, &res), 0);
	return res;
}

static struct ushd_identity_stats
stats(void)
{
	struct ushd_identity_stats st;

	ushd_identity_stats(id, &st);
	return st;
}

Test(identity_fetch, fetched_chain_verifies_and_is_cached)
{
	struct ushd_identity_conf c;
	struct ushd_identity_result r;
	struct ushd_identity_stats st;
	struct stat sb;

	start_server("serve");
	fetch_conf(&c);
	open_ctx(&c);
	r = run(url("localhost", "sp.pem"), now);
	expect(r, USHD_ID_R_OK, 0);
	cr_assert(!r.cert_cached);
	cr_assert_eq(stat(pki("www/sp.pem"), &sb), 0);
	st = stats();
	cr_assert_eq(st.fetches, 1);
	cr_assert_eq(st.fetch_bytes, (uint64_t)sb.st_size);
	cr_assert_eq(st.chain_builds, 1);
	cr_assert_eq(st.cert_cached, 1);
	cr_assert_eq(st.fetch_refused + st.fetch_failed + st.fetch_too_big + st.fetch_timeout, 0);

	/* another PASSporT (other iat: the result cache misses), same x5u: no second fetch */
	r = run(url("localhost", "sp.pem"), now - 1);
	expect(r, USHD_ID_R_OK, 0);
	cr_assert(r.cert_cached);
	cr_assert(!r.result_cached);
	st = stats();
	cr_assert_eq(st.fetches, 1);
	cr_assert_eq(st.chain_builds, 1);
	cr_assert_eq(st.cert_hit, 1);

	/* a flush drops the fetched chain like a repository one: the next miss fetches again */
	ushd_identity_flush(id);
	expect(run(url("localhost", "sp.pem"), now - 2), USHD_ID_R_OK, 0);
	cr_assert_eq(stats().fetches, 2);
}

/* usherd's path: the fetch runs on a pool worker, the loop only polls the eventfd */
Test(identity_fetch, through_the_pool)
{
	struct ushd_identity_conf c;
	struct ushd_identity_pool *p;
	struct ushd_identity_result out[2];
	struct ushd_identity_req req = {.now = now};
	char hdr[USHD_ID_HDR_MAX];
	unsigned int got = 0;

	start_server("serve");
	fetch_conf(&c);
	open_ctx(&c);
	p = ushd_identity_pool_create(id, 2, 8);
	cr_assert_not_null(p);
	cr_assert_eq(ids_shaken(sp_key, url("localhost", "sp.pem"), ORIG, DEST, now, 'B', hdr,
				sizeof(hdr)),
		     0);
	req.identity = hdr;
	cr_assert_eq(ushd_identity_pool_submit(p, &req, 42), 0);
	while (got == 0) {
		struct pollfd pfd = {.fd = ushd_identity_pool_fd(p), .events = POLLIN};

		cr_assert_eq(poll(&pfd, 1, 5000), 1, "no completion within 5 s");
		got = ushd_identity_pool_collect(p, out, 2);
	}
	ushd_identity_pool_free(p);
	cr_assert_eq(got, 1);
	cr_assert_eq(out[0].cookie, 42);
	expect(out[0], USHD_ID_R_OK, 0);
	cr_assert_eq(out[0].attest, 'B');
	cr_assert_eq(stats().fetches, 1);
}

Test(identity_fetch, repository_first)
{
	struct ushd_identity_conf c;

	/* an x5u the repository holds is never fetched, even with fetch = yes */
	fetch_conf(&c);
	open_ctx(&c);
	expect(run("https://cert.example.test/sp.pem", now), USHD_ID_R_OK, 0);
	cr_assert_eq(stats().fetches, 0);
}

Test(identity_fetch, fetch_off_is_repository_only)
{
	struct ushd_identity_conf c;

	start_server("serve");
	fetch_conf(&c);
	set(&c, "fetch", "no");
	open_ctx(&c);
	expect(run(url("localhost", "sp.pem"), now), USHD_ID_R_X5U_UNKNOWN, 436);
	cr_assert_eq(stats().fetches, 0);
}

Test(identity_fetch, scheme_and_port_refused)
{
	struct ushd_identity_conf c;
	struct ushd_identity_result r;
	char u[128];

	start_server("serve");
	/* production rules (allow_http no): refused by the x5u policy, before any fetch */
	fetch_conf(&c);
	set(&c, "allow_http", "no");
	open_ctx(&c);
	snprintf(u, sizeof(u), "http://localhost:%u/sp.pem", server_port);
	expect(run(u, now), USHD_ID_R_X5U_BAD_URL, 436);
	expect(run("https://localhost:8080/sp.pem", now), USHD_ID_R_X5U_BAD_URL, 436);
	cr_assert_eq(stats().fetches, 0);

	/* allow_http (tests) lifts the policy's scheme rule, never the fetcher's https-only */
	fetch_conf(&c);
	open_ctx(&c);
	r = run(u, now);
	expect(r, USHD_ID_R_X5U_FETCH_REFUSED, 436);
	cr_assert(strstr(r.detail, "https") != NULL, "%s", r.detail);
	cr_assert_eq(stats().fetches, 1);
	cr_assert_eq(stats().fetch_refused, 1);
}

Test(identity_fetch, loopback_refused_by_default)
{
	struct ushd_identity_conf c;
	struct ushd_identity_result r;

	start_server("serve");
	/* default fetch_allow_private: the connected address 127.0.0.1 is refused */
	fetch_conf(&c);
	set(&c, "fetch_allow_private", "no");
	open_ctx(&c);
	r = run(url("127.0.0.1", "sp.pem"), now);
	expect(r, USHD_ID_R_X5U_FETCH_REFUSED, 436);
	cr_assert(strstr(r.detail, "127.0.0.1") != NULL, "%s", r.detail);
	/* by name too: the check is on the resolved address, not on the URL's host */
	r = run(url("localhost", "sp.pem"), now);
	expect(r, USHD_ID_R_X5U_FETCH_REFUSED, 436);
	cr_assert_eq(stats().fetch_refused, 2);
	cr_assert_eq(stats().fetch_bytes, 0);

	/* all production defaults but fetch: https on port 443 to a loopback name */
	fetch_conf(&c);
	set(&c, "allow_http", "no");
	set(&c, "fetch_allow_private", "no");
	set(&c, "fetch_ca", "");
	open_ctx(&c);
	expect(run("https://localhost/sp.pem", now), USHD_ID_R_X5U_FETCH_REFUSED, 436);

	/* the same server is reachable once private targets are allowed */
	fetch_conf(&c);
	open_ctx(&c);
	expect(run(url("127.0.0.1", "sp.pem"), now), USHD_ID_R_OK, 0);
}

Test(identity_fetch, body_over_the_cap)
{
	struct ushd_identity_conf c;
	struct ushd_identity_stats st;

	start_server("serve");
	fetch_conf(&c);
	open_ctx(&c);
	/* 70 000 bytes announced by Content-Length, default cap 64 KiB */
	expect(run(url("localhost", "big.pem"), now), USHD_ID_R_X5U_FETCH_TOO_BIG, 436);
	/* 200 000 bytes without Content-Length: cut while receiving */
	expect(run(url("localhost", "stream"), now), USHD_ID_R_X5U_FETCH_TOO_BIG, 436);
	st = stats();
	cr_assert_eq(st.fetch_too_big, 2);
	cr_assert_leq(st.fetch_bytes, 65536);

	/* a smaller cap refuses the real bundle too */
	fetch_conf(&c);
	set(&c, "fetch_max_bytes", "1024");
	open_ctx(&c);
	expect(run(url("localhost", "sp.pem"), now), USHD_ID_R_X5U_FETCH_TOO_BIG, 436);
	cr_assert_leq(stats().fetch_bytes, 1024);
}

Test(identity_fetch, silent_server_times_out)
{
	struct ushd_identity_conf c;
	struct timespec t0, t1;
	double ms;

	start_server("hang");
	fetch_conf(&c);
	set(&c, "fetch_timeout_ms", "300");
	open_ctx(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect(run(url("127.0.0.1", "sp.pem"), now), USHD_ID_R_X5U_FETCH_TIMEOUT, 436);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert(ms >= 250 && ms < 2000, "took %.0f ms", ms);
	cr_assert_eq(stats().fetch_timeout, 1);
}

Test(identity_fetch, not_found_fails)
{
	struct ushd_identity_conf c;
	struct ushd_identity_result r;

	start_server("serve");
	fetch_conf(&c);
	open_ctx(&c);
	r = run(url("localhost", "nosuch.pem"), now);
	expect(r, USHD_ID_R_X5U_FETCH_FAILED, 436);
	cr_assert(strstr(r.detail, "404") != NULL, "%s", r.detail);
	cr_assert_eq(stats().fetch_failed, 1);
	cr_assert_eq(stats().cert_cached, 0);
}

Test(identity_fetch, untrusted_server_certificate_fails)
{
	struct ushd_identity_conf c;

	start_server("serve");
	fetch_conf(&c);
	set(&c, "fetch_ca", pki("evil_root.pem")); /* not the TLS CA that signed the server */
	open_ctx(&c);
	expect(run(url("localhost", "sp.pem"), now), USHD_ID_R_X5U_FETCH_FAILED, 436);
	cr_assert_eq(stats().fetch_failed, 1);
	cr_assert_eq(stats().fetch_bytes, 0);
}

Test(identity_fetch, config_keys)
{
	struct ushd_identity_conf c;
	char err[128];

	ushd_identity_conf_defaults(&c);
	cr_assert(!c.fetch);
	cr_assert(!c.fetch_allow_private);
	cr_assert_eq(c.fetch_timeout_ms, 2000);
	cr_assert_eq(c.fetch_max_bytes, 65536);
	cr_assert_eq(c.fetch_ca[0], '\0');
	cr_assert_eq(ushd_identity_conf_set(&c, "fetch", "maybe", err, sizeof(err)), -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "fetch_max_bytes", "65537", err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "fetch_max_bytes", "100", err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(ushd_identity_conf_set(&c, "fetch_timeout_ms", "0", err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(c.fetch_max_bytes, 65536);
	/* a fetch_ca that cannot be read fails create, not the first fetch */
	fetch_conf(&c);
	set(&c, "fetch_ca", pki("nosuch.pem"));
	id = ushd_identity_create(&c, err, sizeof(err));
	cr_assert_null(id);
	cr_assert(strstr(err, "fetch_ca") != NULL, "%s", err);
}

static bool
pub(const char *ip)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

	if (inet_pton(AF_INET, ip, &a4.sin_addr) == 1)
		return id_fetch_addr_public((const struct sockaddr *)&a4);
	cr_assert_eq(inet_pton(AF_INET6, ip, &a6.sin6_addr), 1, "%s", ip);
	return id_fetch_addr_public((const struct sockaddr *)&a6);
}

Test(identity_fetch, address_classes)
{
	static const char *const refused[] = {
		"0.0.0.0",
		"10.1.2.3",
		"100.64.0.1",
		"127.0.0.1",
		"169.254.169.254",
		"172.16.0.1",
		"172.31.255.255",
		"192.168.1.1",
		"192.0.0.8",
		"198.18.0.1",
		"224.0.0.1",
		"255.255.255.255",
		"::",
		"::1",
		"::ffff:127.0.0.1",
		"::ffff:10.0.0.1",
		"64:ff9b::a00:1",
		"fc00::1",
		"fd12::1",
		"fe80::1",
		"fec0::1",
		"ff02::1",
		"2001:db8::1",
		"::127.0.0.1",
	};
	static const char *const allowed[] = {
		"8.8.8.8",     "1.1.1.1",      "172.32.0.1",	 "100.128.0.1",
		"192.169.0.1", "2606:4700::1", "::ffff:8.8.8.8", "2001:4860::8888",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		cr_assert(!pub(refused[i]), "%s taken as public", refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		cr_assert(pub(allowed[i]), "%s taken as private", allowed[i]);
}
