/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Credential table and loaders: HA1 bytes checked against OpenSSL, every error kind, 200k users. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "ush_credtab.h"

#define DATA(f) AUTH_DATA_DIR "/" f

static struct ush_credtab *tab;
static char tmp_path[64];

static void
teardown(void)
{
	ush_credtab_free(tab);
	tab = NULL;
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	tmp_path[0] = '\0';
}

TestSuite(credtab, .fini = teardown);

/* HA1 = H(user:realm:password), computed by OpenSSL. */
static void
ref_ha1(enum ush_hash hash, const char *user, const char *realm, const char *pass, uint8_t *out)
{
	const EVP_MD *md = hash == USH_HASH_MD5	     ? EVP_md5()
			   : hash == USH_HASH_SHA256 ? EVP_sha256()
						     : EVP_sha512_256();
	char buf[512];
	unsigned int len = 0;
	int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);

	cr_assert(n > 0 && (size_t)n < sizeof(buf));
	cr_assert(EVP_Digest(buf, (size_t)n, out, &len, md, NULL));
	cr_assert_eq(len, ush_hash_len(hash));
}

static const uint8_t *
lookup(const char *user, const char *realm, enum ush_hash hash)
{
	return ush_credtab_lookup(tab, user, strlen(user), realm, strlen(realm), hash);
}

static void
expect_ha1(enum ush_hash hash, const char *user, const char *realm, const char *pass)
{
	uint8_t want[32];
	const uint8_t *got = lookup(user, realm, hash);

	ref_ha1(hash, user, realm, pass, want);
	cr_assert_not_null(got, "%s@%s hash %d missing", user, realm, hash);
	cr_assert_arr_eq(got, want, ush_hash_len(hash), "%s@%s hash %d", user, realm, hash);
}

static const char *
write_tmp(const char *content)
{
	int fd;
	FILE *fp;

	strcpy(tmp_path, "/tmp/ush_credtab_XXXXXX");
	fd = mkstemp(tmp_path);
	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "w");
	cr_assert_not_null(fp);
	fputs(content, fp);
	cr_assert_eq(fclose(fp), 0);
	return tmp_path;
}

Test(credtab, htdigest_fixture)
{
	char err[256] = "junk";

	tab = ush_credtab_create(16);
	cr_assert_not_null(tab);
	cr_assert_eq(ush_credtab_load(tab, DATA("htdigest.txt"), err, sizeof(err)), 5, "%s", err);
	cr_assert_str_eq(err, "");
	cr_assert_eq(ush_credtab_count(tab), 5);
	expect_ha1(USH_HASH_MD5, "alice", "example.com", "wonderland");
	expect_ha1(USH_HASH_MD5, "bob", "example.com", "builder");
	expect_ha1(USH_HASH_MD5, "alice", "Other Realm", "looking-glass");
	expect_ha1(USH_HASH_MD5, "carol", "example.com", "crlf-line");
	expect_ha1(USH_HASH_MD5, "dave.o-brien+sip@corp", "example.com", "p@ss:w0rd");
}

Test(credtab, htdigest_bytes_match_md5sum)
{
	/* printf 'alice:example.com:wonderland' | md5sum */
	static const uint8_t alice[16] = {0x93, 0xdf, 0xce, 0x8d, 0xfe, 0xbf, 0xae, 0x8a,
					  0xf4, 0xa7, 0x26, 0x98, 0x24, 0x29, 0xd2, 0x3a};
	const uint8_t *got;

	tab = ush_credtab_create(16);
	cr_assert_eq(ush_credtab_load(tab, DATA("htdigest.txt"), NULL, 0), 5);
	got = lookup("alice", "example.com", USH_HASH_MD5);
	cr_assert_not_null(got);
	cr_assert_arr_eq(got, alice, 16);
}

Test(credtab, usher_format_fixture)
{
	char err[256];

	tab = ush_credtab_create(8);
	cr_assert_eq(ush_credtab_load(tab, DATA("usher.txt"), err, sizeof(err)), 7, "%s", err);
	cr_assert_eq(ush_credtab_count(tab), 4);
	expect_ha1(USH_HASH_MD5, "alice", "example.com", "wonderland");
	expect_ha1(USH_HASH_SHA256, "alice", "example.com", "wonderland");
	expect_ha1(USH_HASH_SHA512_256, "alice", "example.com", "wonderland");
	expect_ha1(USH_HASH_SHA256, "bob", "example.com", "builder");
	expect_ha1(USH_HASH_SHA512_256, "bob", "example.com", "builder");
	expect_ha1(USH_HASH_MD5, "erin", "example.com", "only-md5");
	expect_ha1(USH_HASH_SHA512_256, "frank", "sip.example.org", "only-sha512-256");
	/* The user exists, but has no HA1 for that hash function. */
	cr_assert_null(lookup("bob", "example.com", USH_HASH_MD5));
	cr_assert_null(lookup("erin", "example.com", USH_HASH_SHA256));
	cr_assert_null(lookup("erin", "example.com", USH_HASH_SHA512_256));
	cr_assert_null(lookup("frank", "sip.example.org", USH_HASH_MD5));
	cr_assert_null(lookup("frank", "sip.example.org", USH_HASH_SHA256));
	cr_assert_null(lookup("alice", "example.com", USH_HASH_COUNT));
}

Test(credtab, unknown_users_and_exact_match)
{
	tab = ush_credtab_create(8);
	cr_assert_eq(ush_credtab_load(tab, DATA("htdigest.txt"), NULL, 0), 5);
	cr_assert_null(lookup("mallory", "example.com", USH_HASH_MD5));
	cr_assert_null(lookup("Alice", "example.com", USH_HASH_MD5), "case-sensitive user");
	cr_assert_null(lookup("alice", "EXAMPLE.COM", USH_HASH_MD5), "case-sensitive realm");
	cr_assert_null(lookup("alice", "other realm", USH_HASH_MD5));
	cr_assert_null(lookup("bob", "Other Realm", USH_HASH_MD5), "user in another realm only");
	cr_assert_null(lookup("alic", "example.com", USH_HASH_MD5));
	cr_assert_null(lookup("alicee", "example.com", USH_HASH_MD5));
	cr_assert_null(lookup("alice", "example.co", USH_HASH_MD5));
	cr_assert_null(lookup("carol\r", "example.com", USH_HASH_MD5));
	cr_assert_null(lookup("", "example.com", USH_HASH_MD5));
	/* The same bytes split differently between user and realm are another key. */
	cr_assert_null(lookup("aliceexample", ".com", USH_HASH_MD5));
	cr_assert_null(ush_credtab_lookup(NULL, "alice", 5, "example.com", 11, USH_HASH_MD5));
}

Test(credtab, set_api)
{
	uint8_t ha1[32], ha1b[32];
	char user[USH_CRED_USER_MAX + 2];
	char realm[USH_CRED_REALM_MAX + 2];

	memset(ha1, 0x11, sizeof(ha1));
	memset(ha1b, 0x22, sizeof(ha1b));
	memset(user, 'u', sizeof(user));
	memset(realm, 'r', sizeof(realm));
	tab = ush_credtab_create(2);
	cr_assert_eq(ush_credtab_set(tab, "", 0, "r", 1, USH_HASH_MD5, ha1), -EINVAL);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "", 0, USH_HASH_MD5, ha1), -EINVAL);
	cr_assert_eq(ush_credtab_set(tab, user, USH_CRED_USER_MAX + 1, "r", 1, USH_HASH_MD5, ha1),
		     -EINVAL);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, realm, USH_CRED_REALM_MAX + 1, USH_HASH_MD5, ha1),
		     -EINVAL);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "r", 1, USH_HASH_COUNT, ha1), -EINVAL);
	cr_assert_eq(ush_credtab_count(tab), 0);
	cr_assert_eq(ush_credtab_set(tab, user, USH_CRED_USER_MAX, realm, USH_CRED_REALM_MAX,
				     USH_HASH_SHA256, ha1),
		     0, "names at the limit");
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "r", 1, USH_HASH_MD5, ha1), 0);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "r", 1, USH_HASH_SHA512_256, ha1b), 0);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "r", 1, USH_HASH_MD5, ha1b), 0, "overwrite");
	cr_assert_eq(ush_credtab_count(tab), 2);
	cr_assert_eq(ush_credtab_set(tab, "v", 1, "r", 1, USH_HASH_MD5, ha1), -ENOSPC);
	cr_assert_eq(ush_credtab_set(tab, "u", 1, "r2", 2, USH_HASH_MD5, ha1), -ENOSPC);
	cr_assert_arr_eq(ush_credtab_lookup(tab, "u", 1, "r", 1, USH_HASH_MD5), ha1b, 16);
	cr_assert_arr_eq(ush_credtab_lookup(tab, "u", 1, "r", 1, USH_HASH_SHA512_256), ha1b, 32);
	cr_assert_null(ush_credtab_lookup(tab, "u", 1, "r", 1, USH_HASH_SHA256));
	cr_assert_arr_eq(ush_credtab_lookup(tab, user, USH_CRED_USER_MAX, realm, USH_CRED_REALM_MAX,
					    USH_HASH_SHA256),
			 ha1, 32);
	cr_assert_null(ush_credtab_lookup(tab, user, USH_CRED_USER_MAX + 1, realm,
					  USH_CRED_REALM_MAX, USH_HASH_SHA256));
}

Test(credtab, create_arguments)
{
	errno = 0;
	cr_assert_null(ush_credtab_create(0));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(ush_credtab_create(0xffffffffu));
	cr_assert_eq(errno, EINVAL);
	ush_credtab_free(NULL);
}

/* ---- malformed files: each error kind, on line 4 behind a comment and a blank line ---- */

#define H32 "0123456789abcdef0123456789abcdef"
#define H64 H32 H32
#define U129                                                                                       \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
	"u"                                                                                        \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"

_Static_assert(sizeof(U129) == USH_CRED_USER_MAX + 2, "129 characters");

static const struct bad_line {
	const char *line;
	int rc;
	const char *msg; /* expected in the message */
} bad_lines[] = {
	{"alice:example.com", -EINVAL, "2 fields"},
	{"alice", -EINVAL, "1 fields"},
	{"a:b:MD5:" H32 ":extra", -EINVAL, "5 fields"},
	{"a:b:c:d:e:f:g", -EINVAL, "7 fields"},
	{":example.com:" H32, -EINVAL, "empty username"},
	{":example.com:MD5:" H32, -EINVAL, "empty username"},
	{"alice::" H32, -EINVAL, "empty realm"},
	{U129 ":example.com:" H32, -EINVAL, "username too long"},
	{"alice:" U129 ":" H32, -EINVAL, "realm too long"},
	{"alice:example.com:" H32 "0", -EINVAL, "32 hex digits"},
	{"alice:example.com:0123456789abcdef0123456789abcde", -EINVAL, "32 hex digits"},
	{"alice:example.com:", -EINVAL, "32 hex digits"},
	{"alice:example.com:0123456789abcdef0123456789abcdeg", -EINVAL, "not hex"},
	{"alice:example.com: 123456789abcdef0123456789abcdef", -EINVAL, "not hex"},
	{"alice:example.com:MD5:" H64, -EINVAL, "32 hex digits"},
	{"alice:example.com:SHA-256:" H32, -EINVAL, "64 hex digits"},
	{"alice:example.com:SHA-512-256:" H32, -EINVAL, "64 hex digits"},
	{"alice:example.com:SHA-256:" H32 "0123456789abcdef0123456789abcdeX", -EINVAL, "not hex"},
	{"alice:example.com:SHA-1:" H32 "01234567", -EINVAL, "unknown algorithm"},
	{"alice:example.com:MD5-sess:" H32, -EINVAL, "unknown algorithm"},
	{"alice:example.com::" H32, -EINVAL, "unknown algorithm"},
	{"alice:example.com:SHA256:" H64, -EINVAL, "unknown algorithm"},
	{"alice:example.com:" H32 " ", -EINVAL, "32 hex digits"},
	{"alice:example.com:" H32 "\r\r", -EINVAL, "32 hex digits"},
};

Test(credtab, every_malformed_line_kind)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		const struct bad_line *b = &bad_lines[i];
		char content[1024], err[512], prefix[128];
		const char *path;

		snprintf(content, sizeof(content), "# header\nok:example.com:%s\n\n%s\nz:z:%s\n",
			 H32, b->line, H32);
		path = write_tmp(content);
		tab = ush_credtab_create(16);
		cr_assert_eq(ush_credtab_load(tab, path, err, sizeof(err)), b->rc, "case %zu: %s",
			     i, err);
		snprintf(prefix, sizeof(prefix), "%s:4: ", path);
		cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "case %zu: '%s'", i, err);
		cr_assert_not_null(strstr(err, b->msg), "case %zu: '%s' lacks '%s'", i, err,
				   b->msg);
		teardown();
	}
}

Test(credtab, duplicates)
{
	static const char *const files[] = {
		/* htdigest twice */
		"# x\nalice:r:" H32 "\nbob:r:" H32 "\nalice:r:" H32 "\n",
		/* htdigest then the same in Usher format */
		"# x\nalice:r:" H32 "\nbob:r:" H32 "\nalice:r:md5:" H32 "\n",
		/* SHA-256 twice, case differing */
		"# x\nalice:r:SHA-256:" H64 "\n\nalice:r:sha-256:" H64 "\n",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char prefix[128];
		const char *path = write_tmp(files[i]);

		tab = ush_credtab_create(4);
		cr_assert_eq(ush_credtab_load(tab, path, err, sizeof(err)), -EINVAL, "case %zu", i);
		snprintf(prefix, sizeof(prefix), "%s:4: ", path);
		cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "case %zu: %s", i, err);
		cr_assert_not_null(strstr(err, "duplicate"), "%s", err);
		teardown();
	}
	/* Not duplicates: other realm, other hash function, other case of the user. */
	tab = ush_credtab_create(4);
	cr_assert_eq(ush_credtab_load(tab,
				      write_tmp("alice:r:" H32 "\nalice:r2:" H32
						"\nalice:r:SHA-256:" H64 "\nAlice:r:" H32 "\n"),
				      err, sizeof(err)),
		     4, "%s", err);
	cr_assert_eq(ush_credtab_count(tab), 3);
}

Test(credtab, capacity_full)
{
	char err[256], prefix[128];
	const char *path = write_tmp("a:r:" H32 "\na:r:SHA-256:" H64 "\nb:r:SHA-512-256:" H64
				     "\nb:r:" H32 "\n# more\nc:r:" H32 "\n");

	tab = ush_credtab_create(2);
	cr_assert_eq(ush_credtab_load(tab, path, err, sizeof(err)), -ENOSPC, "%s", err);
	snprintf(prefix, sizeof(prefix), "%s:6: ", path);
	cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "%s", err);
	cr_assert_not_null(strstr(err, "full"), "%s", err);
	teardown();
	/* The same minus the last line fits exactly. */
	tab = ush_credtab_create(2);
	cr_assert_eq(ush_credtab_load(tab,
				      write_tmp("a:r:" H32 "\na:r:SHA-256:" H64
						"\nb:r:SHA-512-256:" H64 "\nb:r:" H32 "\n"),
				      err, sizeof(err)),
		     4, "%s", err);
}

Test(credtab, missing_file_and_error_truncation)
{
	char err[256], small[8];

	tab = ush_credtab_create(2);
	cr_assert_eq(ush_credtab_load(tab, "/nonexistent/creds.txt", err, sizeof(err)), -ENOENT);
	cr_assert_eq(strncmp(err, "/nonexistent/creds.txt: ", 24), 0, "%s", err);
	cr_assert_eq(ush_credtab_load(tab, AUTH_DATA_DIR, err, sizeof(err)), -EISDIR, "%s", err);
	cr_assert_eq(ush_credtab_load(tab, write_tmp("x\n"), small, sizeof(small)), -EINVAL);
	cr_assert_eq(strlen(small), sizeof(small) - 1, "truncated and terminated");
	cr_assert_eq(strncmp(small, tmp_path, sizeof(small) - 1), 0);
}

Test(credtab, empty_and_comment_only_files)
{
	tab = ush_credtab_create(2);
	cr_assert_eq(ush_credtab_load(tab, write_tmp(""), NULL, 0), 0);
	unlink(tmp_path);
	cr_assert_eq(ush_credtab_load(tab, write_tmp("# only\n\n  \n\t\r\n#x:y:z\n"), NULL, 0), 0);
	unlink(tmp_path);
	/* No newline at the end of the last line. */
	cr_assert_eq(ush_credtab_load(tab, write_tmp("u:r:" H32), NULL, 0), 1);
	cr_assert_eq(ush_credtab_count(tab), 1);
}

/* ---- scale: 200,000 users written to a temp file, every one looked up ---- */

#define BIG_USERS 200000u

static void
big_ha1(uint32_t i, enum ush_hash hash, uint8_t *out)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ull + hash;

	for (size_t k = 0; k < ush_hash_len(hash); k++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		out[k] = (uint8_t)(x >> 56);
	}
}

static void
hex(const uint8_t *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

Test(credtab, two_hundred_thousand_users, .timeout = 30)
{
	char err[256], user[32], h[65];
	uint8_t ha1[32];
	struct timespec t0, t1, t2;
	double load_s, lookup_s;
	FILE *fp;
	int fd;

	strcpy(tmp_path, "/tmp/ush_credtab_big_XXXXXX");
	fd = mkstemp(tmp_path);
	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "w");
	for (uint32_t i = 0; i < BIG_USERS; i++) {
		big_ha1(i, USH_HASH_MD5, ha1);
		hex(ha1, 16, h);
		fprintf(fp, "user%u:%s:%s\n", i, i % 10 ? "example.com" : "other.example", h);
		if (i % 4 == 0) {
			big_ha1(i, USH_HASH_SHA256, ha1);
			hex(ha1, 32, h);
			fprintf(fp, "user%u:%s:SHA-256:%s\n", i,
				i % 10 ? "example.com" : "other.example", h);
		}
	}
	cr_assert_eq(fclose(fp), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	tab = ush_credtab_create(BIG_USERS);
	cr_assert_not_null(tab);
	cr_assert_eq(ush_credtab_load(tab, tmp_path, err, sizeof(err)),
		     (int)(BIG_USERS + BIG_USERS / 4), "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(ush_credtab_count(tab), BIG_USERS);
	for (uint32_t i = 0; i < BIG_USERS; i++) {
		const char *realm = i % 10 ? "example.com" : "other.example";
		size_t ulen = (size_t)snprintf(user, sizeof(user), "user%u", i);
		const uint8_t *got =
			ush_credtab_lookup(tab, user, ulen, realm, strlen(realm), USH_HASH_MD5);

		big_ha1(i, USH_HASH_MD5, ha1);
		cr_assert(got != NULL && memcmp(got, ha1, 16) == 0, "user%u MD5", i);
		got = ush_credtab_lookup(tab, user, ulen, realm, strlen(realm), USH_HASH_SHA256);
		if (i % 4 == 0) {
			big_ha1(i, USH_HASH_SHA256, ha1);
			cr_assert(got != NULL && memcmp(got, ha1, 32) == 0, "user%u SHA-256", i);
		} else {
			cr_assert_null(got, "user%u SHA-256", i);
		}
		/* and the wrong realm */
		cr_assert_null(ush_credtab_lookup(tab, user, ulen, "x", 1, USH_HASH_MD5));
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	load_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	lookup_s = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
	cr_log_info("200k users: load %.3f s, 600k lookups %.3f s", load_s, lookup_s);
	cr_assert_lt(load_s + lookup_s, 2.0, "load %.3f s + lookups %.3f s", load_s, lookup_s);
}

/* Live changes: delete, clone, walk. */

struct walk {
	unsigned int n;
	unsigned int per_hash[USH_HASH_COUNT];
	unsigned int stop_at;
};

static int
walk_fn(void *arg, const char *user, size_t user_len, const char *realm, size_t realm_len,
	enum ush_hash hash, const uint8_t *ha1)
{
	struct walk *wk = arg;
	const uint8_t *x = ush_credtab_lookup(tab, user, user_len, realm, realm_len, hash);

	cr_assert(x == ha1, "the walk gives the table's own HA1");
	wk->n++;
	wk->per_hash[hash]++;
	return wk->stop_at != 0 && wk->n == wk->stop_at ? 42 : 0;
}

static void
set_user(struct ush_credtab *t, const char *user, const char *realm, enum ush_hash h, int rc)
{
	uint8_t ha1[32];

	ref_ha1(h, user, realm, "pw", ha1);
	cr_assert_eq(ush_credtab_set(t, user, strlen(user), realm, strlen(realm), h, ha1), rc,
		     "set %s", user);
}

Test(credtab, delete_keeps_every_other_entry_reachable)
{
	char u[32];
	uint8_t ha1[32];

	tab = ush_credtab_create(600);
	cr_assert_not_null(tab);
	/* enough users that probes chain: deletions must shift the chains back */
	for (unsigned int i = 0; i < 600; i++) {
		snprintf(u, sizeof(u), "user%u", i);
		set_user(tab, u, "r", USH_HASH_MD5, 0);
	}
	for (unsigned int i = 0; i < 600; i += 3) {
		snprintf(u, sizeof(u), "user%u", i);
		cr_assert_eq(ush_credtab_del(tab, u, strlen(u), "r", 1), 0);
		cr_assert_eq(ush_credtab_del(tab, u, strlen(u), "r", 1), -ENOENT);
	}
	cr_assert_eq(ush_credtab_count(tab), 400u);
	for (unsigned int i = 0; i < 600; i++) {
		snprintf(u, sizeof(u), "user%u", i);
		if (i % 3 == 0) {
			cr_assert_null(lookup(u, "r", USH_HASH_MD5), "%s deleted", u);
			continue;
		}
		ref_ha1(USH_HASH_MD5, u, "r", "pw", ha1);
		cr_assert_not_null(lookup(u, "r", USH_HASH_MD5), "%s kept", u);
		cr_assert(memcmp(lookup(u, "r", USH_HASH_MD5), ha1, 16) == 0);
	}
	cr_assert_eq(ush_credtab_del(tab, "", 0, "r", 1), -EINVAL);
	/* the room deleted users left is usable again */
	for (unsigned int i = 0; i < 200; i++) {
		snprintf(u, sizeof(u), "new%u", i);
		set_user(tab, u, "r", USH_HASH_SHA256, 0);
	}
	cr_assert_eq(ush_credtab_count(tab), 600u);
	set_user(tab, "one-too-many", "r", USH_HASH_MD5, -ENOSPC);
}

Test(credtab, clone_copies_grows_and_compacts)
{
	struct ush_credtab *c;
	struct walk wk = {0};
	char u[32];

	tab = ush_credtab_create(4);
	cr_assert_not_null(tab);
	set_user(tab, "alice", "a.example", USH_HASH_MD5, 0);
	set_user(tab, "alice", "a.example", USH_HASH_SHA256, 0);
	set_user(tab, "bob", "b.example", USH_HASH_SHA512_256, 0);
	set_user(tab, "carol", "a.example", USH_HASH_MD5, 0);
	cr_assert_eq(ush_credtab_del(tab, "bob", 3, "b.example", 9), 0);
	errno = 0;
	cr_assert_null(ush_credtab_clone(tab, 1));
	cr_assert_eq(errno, EINVAL);
	c = ush_credtab_clone(tab, 100);
	cr_assert_not_null(c);
	cr_assert_eq(ush_credtab_capacity(c), 100u);
	cr_assert_eq(ush_credtab_count(c), 2u);
	/* the copy is independent of the original */
	cr_assert_eq(ush_credtab_del(tab, "alice", 5, "a.example", 9), 0);
	ush_credtab_free(tab);
	tab = c;
	expect_ha1(USH_HASH_MD5, "alice", "a.example", "pw");
	expect_ha1(USH_HASH_SHA256, "alice", "a.example", "pw");
	expect_ha1(USH_HASH_MD5, "carol", "a.example", "pw");
	cr_assert_null(lookup("bob", "b.example", USH_HASH_SHA512_256));
	cr_assert_null(lookup("carol", "a.example", USH_HASH_SHA256));
	for (unsigned int i = 0; i < 98; i++) {
		snprintf(u, sizeof(u), "u%u", i);
		set_user(tab, u, "a.example", USH_HASH_MD5, 0);
	}
	cr_assert_eq(ush_credtab_foreach(tab, walk_fn, &wk), 0);
	cr_assert_eq(wk.n, 101u);
	cr_assert_eq(wk.per_hash[USH_HASH_MD5], 100u);
	cr_assert_eq(wk.per_hash[USH_HASH_SHA256], 1u);
	wk = (struct walk){.stop_at = 7};
	cr_assert_eq(ush_credtab_foreach(tab, walk_fn, &wk), 42, "fn's value stops the walk");
	cr_assert_eq(wk.n, 7u);
}

Test(credtab, arena_full_after_churn_is_enospc_and_clone_fixes_it)
{
	char u[USH_CRED_USER_MAX + 1], r[USH_CRED_REALM_MAX + 1];
	struct ush_credtab *c;
	unsigned int i;
	int rc = 0;

	memset(u, 'u', USH_CRED_USER_MAX);
	u[USH_CRED_USER_MAX] = '\0';
	tab = ush_credtab_create(2);
	cr_assert_not_null(tab);
	/* longest names, each realm distinct: every set uses the most arena, delete frees none */
	for (i = 0; i < 10 && rc == 0; i++) {
		memset(r, 'a' + (int)i, USH_CRED_REALM_MAX);
		r[USH_CRED_REALM_MAX] = '\0';
		uint8_t ha1[16] = {0};

		rc = ush_credtab_set(tab, u, strlen(u), r, strlen(r), USH_HASH_MD5, ha1);
		if (rc == 0)
			cr_assert_eq(ush_credtab_del(tab, u, strlen(u), r, strlen(r)), 0);
	}
	cr_assert_eq(rc, -ENOSPC, "the arena filled after %u rounds", i);
	cr_assert_eq(ush_credtab_count(tab), 0u);
	c = ush_credtab_clone(tab, 2);
	cr_assert_not_null(c);
	ush_credtab_free(tab);
	tab = c;
	set_user(tab, "x", "y", USH_HASH_MD5, 0);
}
