/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* htdigest source: fixtures cross-checked with the dataplane's loader, errors, rewrites. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ush_credtab.h"
#include "source_test.h"
#include "ushd_source.h"

#define DATA(f) SRC_AUTH_DATA_DIR "/" f

static struct ushd_source_conf conf;
static struct ushd_credset set;
static char dir[64];
static char path[128];
static char err[512];

static void
setup(void)
{
	strcpy(dir, "/tmp/ushd_htd_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users.htdigest", dir);
	ushd_source_conf_defaults(&conf);
	strcpy(conf.path, path);
	err[0] = '\0';
}

static void
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	ushd_credset_free(&set);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

TestSuite(htdigest, .init = setup, .fini = teardown);

static void
write_file(const char *content)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp);
	fputs(content, fp);
	cr_assert_eq(fclose(fp), 0);
}

static char *
read_file(void)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	cr_assert_not_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Files in the test directory: a leftover temporary file would show here. */
static int
dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static const struct ushd_cred *
find(const char *user, const char *realm)
{
	return cred_find(&set, user, realm);
}

/* What usher's own loader makes of the same file must be what usherd loaded. */
static void
cross_check(const char *file)
{
	struct ush_credtab *t = ush_credtab_create(64);

	cr_assert_not_null(t);
	cr_assert_geq(ush_credtab_load(t, file, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ush_credtab_count(t), set.n);
	for (size_t i = 0; i < set.n; i++) {
		const struct ushd_cred *c = &set.v[i];

		for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
			const uint8_t *want = ush_credtab_lookup(t, c->user, strlen(c->user),
								 c->realm, strlen(c->realm), h);

			cr_assert_eq(want != NULL, (c->have >> h) & 1, "%s@%s hash %u", c->user,
				     c->realm, h);
			if (want != NULL)
				cr_assert_arr_eq(c->ha1[h], want, ush_hash_len(h));
		}
	}
	ush_credtab_free(t);
}

static void
expect_password(const struct ushd_cred *c, unsigned int mask, const char *pass)
{
	uint8_t want[32];

	cr_assert_not_null(c);
	cr_assert_eq(c->have, mask, "%s@%s have %#x", c->user, c->realm, c->have);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++) {
		if (!(mask & (1u << h)))
			continue;
		cr_assert_eq(ushd_ha1(h, c->user, c->realm, pass, want), 0);
		cr_assert_arr_eq(c->ha1[h], want, ush_hash_len(h), "%s hash %u", c->user, h);
	}
}

Test(htdigest, apache_fixture)
{
	strcpy(conf.path, DATA("htdigest.txt"));
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 5, "%s", err);
	cr_assert_str_eq(set.v[0].user, "alice");
	cr_assert_str_eq(set.v[2].realm, "Other Realm");
	cr_assert_str_eq(set.v[4].user, "dave.o-brien+sip@corp");
	for (size_t i = 0; i < set.n; i++)
		cr_assert_eq(set.v[i].have, 1u << USH_HASH_MD5);
	cross_check(DATA("htdigest.txt"));
}

Test(htdigest, usher_fixture)
{
	strcpy(conf.path, DATA("usher.txt"));
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 4, "%s", err);
	cr_assert_eq(find("alice", "example.com")->have, 7);
	cr_assert_eq(find("bob", "example.com")->have, 6);
	cr_assert_eq(find("erin", "example.com")->have, 1);
	cr_assert_eq(find("frank", "sip.example.org")->have, 4);
	cross_check(DATA("usher.txt"));
}

/* Every malformed file: the message, the line, and the dataplane's loader agreeing. */
Test(htdigest, malformed)
{
	static const struct {
		const char *content;
		const char *msg; /* after "path:" */
	} bad[] = {
		{"a:r:93dfce8dfebfae8af4a726982429d23a\nbroken\n",
		 "2: expected user:realm:HA1 or user:realm:ALGORITHM:HA1, got 1 fields"},
		{"a:r:x:y:z\n", "1: expected user:realm:HA1 or user:realm:ALGORITHM:HA1, got 5 "
				"fields"},
		{":r:93dfce8dfebfae8af4a726982429d23a\n", "1: empty username"},
		{"a::93dfce8dfebfae8af4a726982429d23a\n", "1: empty realm"},
		{"# c\n\na:r:93dfce8dfebfae8af4a726982429d23g\n", "3: HA1 is not hexadecimal"},
		{"a:r:93dfce8dfebfae8af4a726982429d23\n",
		 "1: MD5 HA1 must be 32 hex digits, not 31"},
		{"a:r:SHA-256:93dfce8dfebfae8af4a726982429d23a\n",
		 "1: SHA-256 HA1 must be 64 hex digits, not 32"},
		{"a:r:SHA-1:93dfce8dfebfae8af4a726982429d23a\n",
		 "1: unknown algorithm 'SHA-1' (MD5, SHA-256 or SHA-512-256)"},
		{"a:r:93dfce8dfebfae8af4a726982429d23a\nb:r:93dfce8dfebfae8af4a726982429d23a\n"
		 "a:r:MD5:93dfce8dfebfae8af4a726982429d23a\n",
		 "3: duplicate MD5 entry for user 'a' in realm 'r'"},
	};
	struct ush_credtab *t;
	char want[256], other[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i].content);
		cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EINVAL, "case %zu",
			     i);
		cr_assert_eq(set.n, 0);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].msg);
		cr_assert_str_eq(err, want);
		t = ush_credtab_create(16);
		cr_assert_eq(ush_credtab_load(t, path, other, sizeof(other)), -EINVAL);
		cr_assert_str_eq(other, want, "usher says: %s", other);
		ush_credtab_free(t);
		/* the same text handed over as a buffer (users import): the same message */
		cr_assert_eq(ushd_source_parse(path, bad[i].content, strlen(bad[i].content), &set,
					       other, sizeof(other)),
			     -EINVAL, "case %zu", i);
		cr_assert_eq(set.n, 0);
		cr_assert_str_eq(other, want, "parse says: %s", other);
	}
}

Test(htdigest, long_names)
{
	char line[512];

	snprintf(line, sizeof(line), "%0129d:r:93dfce8dfebfae8af4a726982429d23a\n", 0);
	write_file(line);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, ":1: username too long (129 bytes, at most 128)") != NULL, "%s", err);
	snprintf(line, sizeof(line), "%0128d:r:93dfce8dfebfae8af4a726982429d23a\n", 0);
	write_file(line);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 1, "%s", err);
}

Test(htdigest, missing_and_directory)
{
	char want[256];

	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	cr_assert_str_eq(err, want);
	strcpy(conf.path, dir);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EISDIR);
}

/* A failed load leaves the set empty even when it held subscribers before. */
Test(htdigest, failed_load_empties)
{
	write_file("a:r:93dfce8dfebfae8af4a726982429d23a\n");
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 1);
	write_file("a:r:93dfce8dfebfae8af4a726982429d23a\nzz\n");
	cr_assert_lt(ushd_source_load(&conf, &set, err, sizeof(err)), 0);
	cr_assert_eq(set.n, 0);
	cr_assert_null(set.v);
}

static const char base[] = "# operators' comment\n"
			   "alice:example.com:93dfce8dfebfae8af4a726982429d23a\n"
			   "\n"
			   "bob:example.com:MD5:37593d991414f52c30246c60c7798431\n"
			   "bob:example.com:SHA-256:"
			   "3fba7dacda70953b18d4d31c976f0f5fc38653cf6867d048f2b12609eea574c4\n"
			   "carol:example.com:5796d89f5cca689b5d449e92f6ffd1ef\n";

Test(htdigest, add_then_load)
{
	struct ushd_cred out;
	char *text;

	write_file(base);
	cr_assert_eq(chmod(path, 0640), 0);
	cr_assert_eq(ushd_source_put(&conf, "dave", "example.com", "Circle of Life", false, &out,
				     err, sizeof(err)),
		     0, "%s", err);
	expect_password(&out, 7, "Circle of Life");
	text = read_file();
	/* Untouched text first, the new subscriber appended: MD5 in Apache's 3-field form. */
	cr_assert_eq(strncmp(text, base, strlen(base)), 0);
	cr_assert(strstr(text, "\ndave:example.com:") != NULL);
	cr_assert(strstr(text, "\ndave:example.com:SHA-256:") != NULL);
	cr_assert(strstr(text, "\ndave:example.com:SHA-512-256:") != NULL);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 4, "%s", err);
	cr_assert_eq(memcmp(find("dave", "example.com"), &out, sizeof(out)), 0);
	cross_check(path);

	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
	cr_assert_eq(dir_entries(), 1, "temporary file left behind");
}

Test(htdigest, add_existing_passwd_unknown)
{
	struct ushd_cred out;

	write_file(base);
	cr_assert_eq(
		ushd_source_put(&conf, "bob", "example.com", "x", false, &out, err, sizeof(err)),
		-EEXIST);
	cr_assert(strstr(err, "user 'bob' in realm 'example.com' exists") != NULL, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "bob", "other.com", "x", true, &out, err, sizeof(err)),
		     -ENOENT);
	cr_assert_eq(ushd_source_del(&conf, "zed", "example.com", err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(read_file(), base);
	cr_assert_eq(dir_entries(), 1);
}

/* passwd puts the new lines where the old ones were and keeps everything else as it was. */
Test(htdigest, passwd_in_place)
{
	struct ushd_cred out;
	const char *want_tail = "carol:example.com:5796d89f5cca689b5d449e92f6ffd1ef\n";
	char *text, *bob;

	write_file(base);
	conf.derive_mask = 1u << USH_HASH_SHA512_256;
	cr_assert_eq(ushd_source_put(&conf, "bob", "example.com", "new pass", true, &out, err,
				     sizeof(err)),
		     0, "%s", err);
	expect_password(&out, 1u << USH_HASH_SHA512_256, "new pass");
	text = read_file();
	bob = strstr(text, "bob:");
	cr_assert_not_null(bob);
	cr_assert_eq(strncmp(bob, "bob:example.com:SHA-512-256:", 28), 0);
	cr_assert_str_eq(strchr(bob, '\n') + 1, want_tail);
	cr_assert_eq(strncmp(text, base, (size_t)(strstr(base, "bob:") - base)), 0);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3);
	cr_assert_eq(find("bob", "example.com")->have, 1u << USH_HASH_SHA512_256);
}

Test(htdigest, del_all_lines)
{
	write_file(base);
	cr_assert_eq(ushd_source_del(&conf, "bob", "example.com", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(read_file(), "# operators' comment\n"
				      "alice:example.com:93dfce8dfebfae8af4a726982429d23a\n"
				      "\n"
				      "carol:example.com:5796d89f5cca689b5d449e92f6ffd1ef\n");
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 2);
	cr_assert_null(find("bob", "example.com"));
}

/* derive = md5 keeps the file one that Apache's tools read. */
Test(htdigest, apache_only)
{
	struct ushd_cred out;

	conf.derive_mask = 1u << USH_HASH_MD5;
	cr_assert_eq(ushd_source_put(&conf, "Mufasa", "testrealm@host.com", "Circle Of Life", false,
				     &out, err, sizeof(err)),
		     0, "%s", err);
	/* a missing file is created by the first add, like htdigest -c, mode 0600 */
	cr_assert_str_eq(read_file(),
			 "Mufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9\n");
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	conf.derive_mask = 0;
	cr_assert_eq(ushd_source_put(&conf, "x", "r", "p", false, &out, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "nothing to store") != NULL, "%s", err);
}

Test(htdigest, passwd_or_del_on_missing_file)
{
	struct ushd_cred out;

	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", true, &out, err, sizeof(err)), -ENOENT);
	cr_assert_eq(ushd_source_del(&conf, "a", "r", err, sizeof(err)), -ENOENT);
	cr_assert_eq(dir_entries(), 0);
}

/* Names that would corrupt the file, or vanish as a comment, are refused before writing. */
Test(htdigest, bad_names)
{
	static const char *const user[] = {"a:b", "#admin", "a\nb:r:00", "", "a\rb"};
	struct ushd_cred out;
	char long_user[200];

	write_file(base);
	for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++)
		cr_assert_eq(ushd_source_put(&conf, user[i], "example.com", "p", false, &out, err,
					     sizeof(err)),
			     -EINVAL, "%s", user[i]);
	cr_assert_eq(ushd_source_put(&conf, "u", "realm:x", "p", false, &out, err, sizeof(err)),
		     -EINVAL);
	cr_assert_eq(ushd_source_put(&conf, "u", "r", "", false, &out, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "empty password");
	memset(long_user, 'u', sizeof(long_user) - 1);
	long_user[sizeof(long_user) - 1] = '\0';
	cr_assert_eq(ushd_source_put(&conf, long_user, "r", "p", false, &out, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(read_file(), base);
}

/* A file usher would refuse is never rewritten: the load's error comes back. */
Test(htdigest, no_rewrite_of_broken_file)
{
	struct ushd_cred out;
	const char *broken = "a:r:93dfce8dfebfae8af4a726982429d23a\nnot a line\n";
	char want[256];

	write_file(broken);
	cr_assert_eq(ushd_source_put(&conf, "b", "r", "p", false, &out, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: expected", path);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	cr_assert_eq(ushd_source_del(&conf, "a", "r", err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(read_file(), broken);
}

/* CRLF lines are kept byte for byte; a last line without newline gets one before an add. */
Test(htdigest, crlf_and_no_final_newline)
{
	const char *want = "a:r:93dfce8dfebfae8af4a726982429d23a\r\n"
			   "b:r:93dfce8dfebfae8af4a726982429d23a\nc:r:";
	struct ushd_cred out;
	char *text;

	write_file("a:r:93dfce8dfebfae8af4a726982429d23a\r\nb:r:93dfce8dfebfae8af4a726982429d23a");
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 2, "%s", err);
	conf.derive_mask = 1;
	cr_assert_eq(ushd_source_put(&conf, "c", "r", "p", false, &out, err, sizeof(err)), 0, "%s",
		     err);
	text = read_file();
	cr_assert_eq(strncmp(text, want, strlen(want)), 0, "%s", text);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3, "%s", err);
}

/* Through a symlink, the file it points to is replaced and the link stays a link. */
Test(htdigest, symlink_target_replaced)
{
	struct ushd_cred out;
	char link_path[160];
	struct stat st;

	write_file(base);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	cr_assert_eq(symlink(path, link_path), 0);
	strcpy(conf.path, link_path);
	cr_assert_eq(ushd_source_del(&conf, "alice", "example.com", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(lstat(link_path, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_null(strstr(read_file(), "alice"));
	cr_assert_eq(
		ushd_source_put(&conf, "alice", "example.com", "p", false, &out, err, sizeof(err)),
		0);
	cr_assert_not_null(strstr(read_file(), "alice"));
}

/* 20000 subscribers: duplicates are found by the index, not a scan, and order is kept. */
Test(htdigest, many)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp);
	for (int i = 0; i < 20000; i++)
		fprintf(fp, "user%d:r%d:93dfce8dfebfae8af4a726982429d23a\n", i, i % 7);
	fprintf(fp, "user%d:r%d:MD5:93dfce8dfebfae8af4a726982429d23a\n", 12345, 12345 % 7);
	fclose(fp);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, ":20001: duplicate MD5 entry for user 'user12345'") != NULL, "%s",
		  err);
	fp = fopen(path, "w");
	for (int i = 0; i < 20000; i++)
		fprintf(fp, "user%d:r%d:93dfce8dfebfae8af4a726982429d23a\n", i, i % 7);
	fclose(fp);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 20000, "%s", err);
	cr_assert_str_eq(set.v[19999].user, "user19999");
}

/* ---- text parsing (users import) and HA1 writes ---- */

/* A buffer parses to exactly what a load of the same bytes as a file gives. */
Test(htdigest, parse_equals_load)
{
	struct ushd_credset parsed = {0};
	const char *text = base;

	write_file(text);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3, "%s", err);
	/* not NUL-terminated: the length is all there is */
	cr_assert_eq(ushd_source_parse("x", text, strlen(text), &parsed, err, sizeof(err)), 3, "%s",
		     err);
	cr_assert_eq(parsed.n, set.n);
	cr_assert_eq(memcmp(parsed.v, set.v, set.n * sizeof(set.v[0])), 0);
	/* a cut in the middle of a line is what it is: a short HA1 on line 2 */
	cr_assert_eq(ushd_source_parse("cut", text, 40, &parsed, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "cut:2: MD5 HA1 must be 32 hex digits, not 1");
	cr_assert_eq(parsed.n, 0);
	cr_assert_eq(ushd_source_parse("e", "", 0, &parsed, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ushd_source_parse("nul", "# a\na:r:9\0", 10, &parsed, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "nul:2: NUL byte: not a text line");
	ushd_credset_free(&parsed);
}

Test(htdigest, put_ha1_add_replace)
{
	struct ushd_cred dave = cred_of("dave", "example.com", 3, "d"), alice;
	char before[8192];

	write_file(base);
	cr_assert_eq(ushd_source_put_ha1(&conf, &dave, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 4, "%s", err);
	cr_assert_eq(memcmp(find("dave", "example.com"), &dave, sizeof(dave)), 0);
	cross_check(path);
	/* appended: MD5 as an htdigest line, SHA-256 as an Usher line; the rest untouched */
	cr_assert_eq(strncmp(read_file(), base, strlen(base)), 0);
	cr_assert(strstr(read_file(), "\ndave:example.com:") != NULL);
	cr_assert(strstr(read_file(), "\ndave:example.com:SHA-256:") != NULL);

	strcpy(before, read_file());
	cr_assert_eq(ushd_source_put_ha1(&conf, &dave, false, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "user 'dave' in realm 'example.com' exists") != NULL, "%s", err);
	alice = cred_of("zed", "example.com", 1, "z");
	cr_assert_eq(ushd_source_put_ha1(&conf, &alice, true, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "no user 'zed' in realm 'example.com'") != NULL, "%s", err);
	cr_assert_str_eq(read_file(), before);

	/* bob had MD5 and SHA-256: now SHA-512-256 only, in the place of his first line */
	alice = cred_of("bob", "example.com", 4, "b2");
	cr_assert_eq(ushd_source_put_ha1(&conf, &alice, true, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(read_file(), "\n\nbob:example.com:SHA-512-256:") != NULL, "%s",
		  read_file());
	cr_assert_null(strstr(read_file(), "bob:example.com:MD5"));
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 4, "%s", err);
	cr_assert_eq(memcmp(find("bob", "example.com"), &alice, sizeof(alice)), 0);
	cross_check(path);
	cr_assert_eq(dir_entries(), 1);
}

Test(htdigest, import_all_or_nothing)
{
	struct ushd_credset in = {0};
	struct ushd_import_count n = {9, 9};
	struct ushd_cred c, alice;
	char before[8192];

	write_file(base);
	strcpy(before, read_file());
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3, "%s", err);
	alice = *find("alice", "example.com");
	c = cred_of("erin", "example.com", 1, "e");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("carol", "example.com", 7, "c2");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("frank", "other.org", 2, "f");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);

	/* carol exists: without replace nothing at all is written, and the clash is named */
	cr_assert_eq(ushd_source_import(&conf, &in, false, &n, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "user 'carol' in realm 'example.com' exists") != NULL, "%s", err);
	cr_assert_str_eq(read_file(), before);
	cr_assert_eq(n.added, 9, "counts are filled only on success");

	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n.added, 2);
	cr_assert_eq(n.replaced, 1);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 5, "%s", err);
	for (size_t i = 0; i < in.n; i++)
		cr_assert_eq(memcmp(find(in.v[i].user, in.v[i].realm), &in.v[i], sizeof(in.v[i])),
			     0, "%s", in.v[i].user);
	cr_assert_eq(memcmp(find("alice", "example.com"), &alice, sizeof(alice)), 0);
	cross_check(path);
	/* every line before carol's is kept byte for byte; hers are replaced where they were */
	cr_assert_eq(strncmp(read_file(), before, (size_t)(strstr(before, "carol:") - before)), 0);
	cr_assert(strstr(read_file(), "\ncarol:example.com:SHA-512-256:") <
		  strstr(read_file(), "\nerin:"));
	cr_assert_eq(dir_entries(), 1);

	/* a missing file is created by an import (as by add) */
	unlink(path);
	cr_assert_eq(ushd_source_import(&conf, &in, false, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n.added, 3);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3, "%s", err);
	ushd_credset_free(&in);
}

/* Refused before the file is read: bad names, no HA1, one subscriber twice, fixed realm. */
Test(htdigest, import_checks)
{
	struct ushd_credset in = {0};
	struct ushd_cred c;
	struct ushd_import_count n;

	write_file(base);
	c = cred_of("gina", "example.com", 1, "g");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "user 'gina' in realm 'example.com' twice") != NULL, "%s", err);
	in.n = 1;
	in.v[0].have = 0;
	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "no HA1") != NULL, "%s", err);
	c = cred_of("a:b", "example.com", 1, "g");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "':' (the file's separator)") != NULL, "%s", err);
	strcpy(conf.realm, "fixed.org");
	c = cred_of("gina", "example.com", 1, "g");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not the source's fixed realm 'fixed.org'") != NULL, "%s", err);
	cr_assert_str_eq(read_file(), base);
	ushd_credset_free(&in);
}

Test(htdigest, merge)
{
	struct ushd_credset add = {0};
	struct ushd_cred c;

	write_file(base);
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), 3, "%s", err);
	c = cred_of("bob", "example.com", 4, "x");
	cr_assert_eq(ushd_credset_push(&add, &c), 0);
	c = cred_of("bob", "other.org", 1, "x");
	cr_assert_eq(ushd_credset_push(&add, &c), 0);
	cr_assert_eq(ushd_credset_merge(&set, &add), 0);
	cr_assert_eq(set.n, 4);
	cr_assert_str_eq(set.v[1].user, "bob");
	cr_assert_eq(memcmp(&set.v[1], &add.v[0], sizeof(c)), 0);
	cr_assert_eq(memcmp(&set.v[3], &add.v[1], sizeof(c)), 0);
	ushd_credset_free(&add);
}
