/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* SQLite source: Kamailio's and OpenSIPS' subscriber tables, errors, put and del. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "source_test.h"
#include "ushd_source.h"

/* Kamailio 5.x auth_db (utils/kamctl/sqlite), and OpenSIPS 3.x with its SHA-2 HA1 columns. */
#define KAMAILIO_DDL                                                                               \
	"CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL,"                                \
	" username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,"       \
	" password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL,"         \
	" ha1b VARCHAR(128) DEFAULT '' NOT NULL,"                                                  \
	" CONSTRAINT subscriber_account_idx UNIQUE (username, domain));"
#define OPENSIPS_DDL                                                                               \
	"CREATE TABLE subscriber (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,"                  \
	" username CHAR(64) DEFAULT '' NOT NULL, domain CHAR(64) DEFAULT '' NOT NULL,"             \
	" password CHAR(25) DEFAULT '' NOT NULL, ha1 CHAR(64) DEFAULT '' NOT NULL,"                \
	" ha1_sha256 CHAR(64) DEFAULT '' NOT NULL, ha1_sha512t256 CHAR(64) DEFAULT '' NOT NULL,"   \
	" CONSTRAINT subscriber_account_idx UNIQUE (username, domain));"
/* Hand-made tables: nullable, no unique key. */
#define LOOSE_DDL                                                                                  \
	"CREATE TABLE subscriber (username TEXT, domain TEXT, password TEXT, ha1 TEXT,"            \
	" ha1_sha256 TEXT, ha1_sha512t256 TEXT);"

/* printf 'bob:example.com:bobpass' | md5sum */
#define BOB_MD5	     "d494896bcfe9f00043fdbe76ccb2c887"
#define BOB_MD5_PASS "bobpass"

/*
 * Kamailio's ha1b, computed outside Usher as kamctl does (MD5 of "user@domain:realm:pw"):
 * python3 -c "import hashlib; print(hashlib.md5(b'alice@example.com:example.com:new').hexdigest())"
 */
#define ALICE_HA1B_COL	 "0781217ac7105043cfdf30b371b51206" /* ...:Circle of Life */
#define ALICE_HA1B_NEW	 "6743cc2f02683fec2a69071e790e15f8" /* ...:new */
#define ALICE_HA1B_NEWER "7c16b106453804f2f99b7303f31a14c5" /* ...:newer */
#define C_HA1B_FIXED	 "48e6f70db38aa480fb54d1a635c1d885" /* c@sip.example.com:sip.example.com:p */

static struct ushd_source_conf conf;
static struct ushd_credset set;
static char path[64];
static char err[512];
static sqlite3 *db;

static void
setup(void)
{
	int fd;

	strcpy(path, "/tmp/ushd_sqlite_XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	ushd_source_conf_defaults(&conf);
	conf.kind = USHD_SRC_SQLITE;
	strcpy(conf.path, path);
	err[0] = '\0';
}

static void
teardown(void)
{
	ushd_credset_free(&set);
	sqlite3_close(db);
	unlink(path);
}

TestSuite(sqlite, .init = setup, .fini = teardown);

static void
sql(const char *text)
{
	char *msg = NULL;

	cr_assert_eq(sqlite3_exec(db, text, NULL, NULL, &msg), SQLITE_OK, "%s: %s", text, msg);
}

/* One text value of a query on the test's own connection; "(none)" for no row, "(null)". */
static const char *
sql_value(const char *text)
{
	static char buf[256];
	sqlite3_stmt *st;

	cr_assert_eq(sqlite3_prepare_v2(db, text, -1, &st, NULL), SQLITE_OK, "%s", text);
	if (sqlite3_step(st) != SQLITE_ROW)
		strcpy(buf, "(none)");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		strcpy(buf, "(null)");
	else
		snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
kamailio_conf(void)
{
	conf.col_ha1_sha256[0] = '\0';
	conf.col_ha1_sha512t256[0] = '\0';
}

static const struct ushd_cred *
find(const char *user, const char *realm)
{
	return cred_loaded(&set, user, realm);
}

static int
load(void)
{
	return ushd_source_load(&conf, &set, err, sizeof(err));
}

Test(sqlite, kamailio_rows)
{
	sql(KAMAILIO_DDL);
	/* password only; ha1 only; both (with an ha1 of another password: the column wins) */
	sql("INSERT INTO subscriber (username, domain, password) VALUES "
	    "('alice', 'example.com', 'Circle of Life');"
	    "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES "
	    "('bob', 'example.com', '" BOB_MD5 "', 'ffffffffffffffffffffffffffffffff');"
	    "INSERT INTO subscriber (username, domain, password, ha1) VALUES "
	    "('carol', 'sip.example.org', 'now', '" BOB_MD5 "');");
	kamailio_conf();
	cr_assert_eq(load(), 3, "%s", err);
	cr_assert_str_eq(set.v[0].user, "alice");
	cr_assert_eq(set.v[0].have, 7);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++)
		expect_ha1(find("alice", "example.com"), h, "Circle of Life");
	cr_assert_eq(find("bob", "example.com")->have, 1);
	expect_ha1(find("bob", "example.com"), USH_HASH_MD5, BOB_MD5_PASS);
	/* carol: MD5 from the ha1 column (bob's value, not derived), SHA-2 from 'now' */
	cr_assert_eq(find("carol", "sip.example.org")->have, 7);
	cr_assert_arr_eq(find("carol", "sip.example.org")->ha1[USH_HASH_MD5],
			 find("bob", "example.com")->ha1[USH_HASH_MD5], 16);
	expect_ha1(find("carol", "sip.example.org"), USH_HASH_SHA256, "now");
	expect_ha1(find("carol", "sip.example.org"), USH_HASH_SHA512_256, "now");
}

/*
 * The defaults name OpenSIPS' SHA-2 columns; left at the default they are looked up, and
 * Kamailio's table (which has none) loads as it is.
 */
Test(sqlite, kamailio_table_all_defaults)
{
	sql(KAMAILIO_DDL);
	sql("INSERT INTO subscriber (username, domain, password, ha1b) VALUES "
	    "('alice', 'example.com', 'Circle of Life', '" ALICE_HA1B_COL "');"
	    "INSERT INTO subscriber (username, domain, ha1) VALUES "
	    "('bob', 'example.com', '" BOB_MD5 "');");
	cr_assert_eq(load(), 2, "%s", err);
	cr_assert_eq(find("alice", "example.com")->have, 7);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++)
		expect_ha1(find("alice", "example.com"), h, "Circle of Life");
	/* ha1b is never read: bob has his ha1 only */
	cr_assert_eq(find("bob", "example.com")->have, 1u << USH_HASH_MD5);
	expect_ha1(find("bob", "example.com"), USH_HASH_MD5, BOB_MD5_PASS);
}

/* A row with only ha1b is a row with nothing Usher can use. */
Test(sqlite, ha1b_is_never_read)
{
	sql(KAMAILIO_DDL);
	sql("INSERT INTO subscriber (username, domain, ha1b) VALUES "
	    "('alice', 'example.com', '" ALICE_HA1B_COL "')");
	cr_assert_eq(load(), -EINVAL);
	cr_assert(strstr(err, "row 1 (alice@example.com): neither password nor HA1") != NULL, "%s",
		  err);
}

/* Said in the configuration, a column must exist, even under its default name. */
Test(sqlite, explicit_missing_column)
{
	struct ushd_cred out;

	sql(KAMAILIO_DDL);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1_sha256", "ha1_sha256", err, sizeof(err)),
		     0);
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "no such column: ha1_sha256") != NULL, "%s", err);
	/* the auto-detected one that is missing is not in the statement */
	cr_assert(strstr(err, "SELECT \"username\", \"domain\", \"password\", \"ha1\", "
			      "\"ha1_sha256\" FROM \"subscriber\"") != NULL,
		  "names the query: %s", err);
	cr_assert_eq(strncmp(err, path, strlen(path)), 0, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "has no column named ha1_sha256") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "0");

	/* a name written straight into the struct, other than the default, is explicit too */
	ushd_source_conf_defaults(&conf);
	conf.kind = USHD_SRC_SQLITE;
	strcpy(conf.path, path);
	strcpy(conf.col_ha1_sha512t256, "ha1_sha512");
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "no such column: ha1_sha512") != NULL, "%s", err);

	/* ha1b is never read, so an explicit one that is missing fails the writes only */
	sql("DROP TABLE subscriber");
	sql(OPENSIPS_DDL);
	ushd_source_conf_defaults(&conf);
	conf.kind = USHD_SRC_SQLITE;
	strcpy(conf.path, path);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1b", "ha1b", err, sizeof(err)), 0);
	cr_assert_eq(load(), 0, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "has no column named ha1b") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "0");
	/* and the auto-detected default on the same table: not written, no error */
	ushd_source_conf_defaults(&conf);
	conf.kind = USHD_SRC_SQLITE;
	strcpy(conf.path, path);
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(out.have, 7);
}

/* SQLite matches names case-insensitively: so does the detection. */
Test(sqlite, detection_ignores_case)
{
	sql("CREATE TABLE subscriber (username TEXT, domain TEXT, password TEXT, ha1 TEXT,"
	    " HA1_SHA256 TEXT)");
	sql("INSERT INTO subscriber VALUES ('a', 'r', '', '', "
	    "'"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "')");
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(set.v[0].have, 1u << USH_HASH_SHA256);
}

Test(sqlite, opensips_rows)
{
	uint8_t sha[32];
	char hex[65];

	sql(OPENSIPS_DDL);
	cr_assert_eq(ushd_ha1(USH_HASH_SHA256, "dave", "example.com", "d4ve", sha), 0);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02X", sha[i]); /* upper case is hex too */
	char ins[512];
	snprintf(ins, sizeof(ins),
		 "INSERT INTO subscriber (username, domain, ha1_sha256) VALUES "
		 "('dave', 'example.com', '%s');",
		 hex);
	sql(ins);
	sql("INSERT INTO subscriber (username, domain, password) VALUES "
	    "('erin', 'example.com', 'e');");
	cr_assert_eq(load(), 2, "%s", err);
	cr_assert_eq(find("dave", "example.com")->have, 1u << USH_HASH_SHA256);
	expect_ha1(find("dave", "example.com"), USH_HASH_SHA256, "d4ve");
	cr_assert_eq(find("erin", "example.com")->have, 7);
	expect_ha1(find("erin", "example.com"), USH_HASH_SHA512_256, "e");
}

/* NULL and '' are both absent; a row with nothing usable names itself. */
Test(sqlite, nothing_usable)
{
	sql(LOOSE_DDL);
	sql("INSERT INTO subscriber VALUES ('a', 'r', 'p', NULL, '', NULL);"
	    "INSERT INTO subscriber VALUES ('ghost', 'example.com', NULL, '', NULL, '');");
	cr_assert_eq(load(), -EINVAL);
	cr_assert_eq(set.n, 0);
	cr_assert(strstr(err, ": table subscriber row 2 (ghost@example.com): neither password "
			      "nor HA1") != NULL,
		  "%s", err);
}

Test(sqlite, malformed_rows)
{
	static const struct {
		const char *values;
		const char *msg;
	} bad[] = {
		{"('bob', 'example.com', '', '37593d991414f52c30246c60c779843g', '', '')",
		 "row 1 (bob@example.com): ha1 is not a MD5 HA1 (32 hex digits)"},
		{"('bob', 'example.com', '', '', '37593d991414f52c30246c60c7798431', '')",
		 "row 1 (bob@example.com): ha1_sha256 is not a SHA-256 HA1 (64 hex digits)"},
		{"('', 'example.com', 'p', '', '', '')", "row 1: empty username"},
		{"('bob', '', 'p', '', '', '')", "row 1 (bob): empty domain (the realm)"},
		{"('bob', 'r', 'p', '', '', ''), ('bob', 'r', '', '" BOB_MD5 "', '', '')",
		 "row 2: duplicate user 'bob' in realm 'r'"},
	};
	char text[512];

	sql(LOOSE_DDL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sql("DELETE FROM subscriber");
		snprintf(text, sizeof(text), "INSERT INTO subscriber VALUES %s", bad[i].values);
		sql(text);
		cr_assert_eq(load(), -EINVAL, "case %zu", i);
		cr_assert_eq(set.n, 0);
		snprintf(text, sizeof(text), "%s: table subscriber %s", path, bad[i].msg);
		cr_assert_str_eq(err, text);
	}
}

Test(sqlite, derive_none)
{
	sql(LOOSE_DDL);
	sql("INSERT INTO subscriber (username, domain, password) VALUES ('a', 'r', 'p')");
	conf.derive_mask = 0;
	cr_assert_eq(load(), -EINVAL);
	cr_assert(strstr(err, "row 1 (a@r): only a password, and derive is none") != NULL, "%s",
		  err);
	conf.derive_mask = 1u << USH_HASH_SHA256;
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(set.v[0].have, 1u << USH_HASH_SHA256);
}

Test(sqlite, put_del_kamailio)
{
	struct ushd_cred out;

	sql(KAMAILIO_DDL);
	sql("INSERT INTO subscriber (username, domain, password) VALUES ('old', 'r', 'x')");
	/* all defaults: the SHA-2 columns are found missing, ha1b is found */
	cr_assert_eq(ushd_source_put(&conf, "alice", "example.com", "Circle of Life", false, &out,
				     err, sizeof(err)),
		     0, "%s", err);
	/* no SHA-2 columns and no stored password: only MD5 survives a reload */
	cr_assert_eq(out.have, 1);
	expect_ha1(&out, USH_HASH_MD5, "Circle of Life");
	cr_assert_str_eq(sql_value("SELECT password FROM subscriber WHERE username = 'alice'"), "");
	/* printf 'alice:example.com:Circle of Life' | md5sum */
	cr_assert_str_eq(sql_value("SELECT ha1 FROM subscriber WHERE username = 'alice'"),
			 "5d63aace79644831cf1ded8600ab8c95");
	cr_assert_str_eq(sql_value("SELECT ha1b FROM subscriber WHERE username = 'alice'"),
			 ALICE_HA1B_COL);
	cr_assert_eq(load(), 2, "%s", err);
	cr_assert_eq(memcmp(find("alice", "example.com"), &out, sizeof(out)), 0);

	cr_assert_eq(
		ushd_source_put(&conf, "alice", "example.com", "x", false, &out, err, sizeof(err)),
		-EEXIST);
	cr_assert(strstr(err, "user 'alice' in realm 'example.com' exists in table subscriber"),
		  "%s", err);
	cr_assert_eq(
		ushd_source_put(&conf, "alice", "other.org", "x", true, &out, err, sizeof(err)),
		-ENOENT);

	conf.store_password = true;
	cr_assert_eq(
		ushd_source_put(&conf, "alice", "example.com", "new", true, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(out.have, 7);
	cr_assert_str_eq(sql_value("SELECT password FROM subscriber WHERE username = 'alice'"),
			 "new");
	/* passwd rewrites ha1b: Kamailio no longer accepts the old password through it */
	cr_assert_str_eq(sql_value("SELECT ha1b FROM subscriber WHERE username = 'alice'"),
			 ALICE_HA1B_NEW);
	cr_assert_eq(load(), 2, "%s", err);
	cr_assert_eq(memcmp(find("alice", "example.com"), &out, sizeof(out)), 0);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++)
		expect_ha1(find("alice", "example.com"), h, "new");

	/* passwd without store_password clears the plaintext, which no longer matches */
	conf.store_password = false;
	cr_assert_eq(ushd_source_put(&conf, "alice", "example.com", "newer", true, &out, err,
				     sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT password FROM subscriber WHERE username = 'alice'"), "");
	cr_assert_str_eq(sql_value("SELECT ha1b FROM subscriber WHERE username = 'alice'"),
			 ALICE_HA1B_NEWER);
	/* the other row is untouched */
	cr_assert_str_eq(sql_value("SELECT ha1b FROM subscriber WHERE username = 'old'"), "");

	cr_assert_eq(ushd_source_del(&conf, "alice", "example.com", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "1");
	cr_assert_eq(ushd_source_del(&conf, "alice", "example.com", err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "no user 'alice' in realm 'example.com'") != NULL, "%s", err);
}

/* The HA1 written is the one the RFC 2617 example computes. */
Test(sqlite, put_writes_hex)
{
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	conf.derive_mask = 1u << USH_HASH_MD5;
	cr_assert_eq(ushd_source_put(&conf, "Mufasa", "testrealm@host.com", "Circle Of Life", false,
				     &out, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT ha1 || '/' || ha1_sha256 || '/' || ha1_sha512t256 || "
				   "'/' || password FROM subscriber"),
			 "939e7578ed9e3c518a452acee763bce9///");
}

/* Values travel as parameters: quotes and SQL in a name are just bytes. */
Test(sqlite, hostile_names_are_data)
{
	const char *user = "o'brien\"; DROP TABLE subscriber; --";
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	cr_assert_eq(
		ushd_source_put(&conf, user, "ex'ample.com", "p'w", false, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_str_eq(set.v[0].user, user);
	expect_ha1(&set.v[0], USH_HASH_SHA256, "p'w");
	cr_assert_eq(ushd_source_del(&conf, user, "ex'ample.com", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "0");
}

/* A fixed realm: the domain column is not the key (Kamailio's use_domain = 0). */
Test(sqlite, fixed_realm)
{
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	sql("INSERT INTO subscriber (username, domain, password) VALUES ('a', '', 'p'),"
	    " ('b', 'whatever', 'q')");
	strcpy(conf.realm, "sip.example.com");
	cr_assert_eq(load(), 2, "%s", err);
	cr_assert_str_eq(set.v[1].realm, "sip.example.com");
	expect_ha1(&set.v[1], USH_HASH_MD5, "q");
	cr_assert_eq(ushd_source_put(&conf, "c", "other", "p", false, &out, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "not the source's fixed realm") != NULL, "%s", err);
	cr_assert_eq(
		ushd_source_put(&conf, "c", "sip.example.com", "p", false, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT domain FROM subscriber WHERE username = 'c'"),
			 "sip.example.com");
	cr_assert_eq(ushd_source_del(&conf, "b", "sip.example.com", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "2");
	/* a username twice is a duplicate once the domain no longer tells them apart */
	sql("INSERT INTO subscriber (username, domain, password) VALUES ('a', 'x', 'p')");
	cr_assert_eq(load(), -EINVAL);
	cr_assert(strstr(err, "duplicate user 'a' in realm 'sip.example.com'") != NULL, "%s", err);
}

/* Fixed realm: ha1b uses the domain the column gets (the realm); none without the column. */
Test(sqlite, ha1b_fixed_realm)
{
	struct ushd_cred out;

	sql(KAMAILIO_DDL);
	strcpy(conf.realm, "sip.example.com");
	cr_assert_eq(
		ushd_source_put(&conf, "c", "sip.example.com", "p", false, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT domain || '/' || ha1b FROM subscriber"),
			 "sip.example.com/" C_HA1B_FIXED);
	/* without a domain column there is no domain: ha1b is emptied, not left stale */
	cr_assert_eq(ushd_source_conf_set(&conf, "col_domain", "", err, sizeof(err)), 0);
	cr_assert_eq(
		ushd_source_put(&conf, "c", "sip.example.com", "q", true, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT domain || '/' || ha1b FROM subscriber"),
			 "sip.example.com/");
	/* col_ha1b = "": never touched */
	sql("UPDATE subscriber SET ha1b = 'keep'");
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1b", "", err, sizeof(err)), 0);
	cr_assert_eq(
		ushd_source_put(&conf, "c", "sip.example.com", "r", true, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT ha1b FROM subscriber"), "keep");
}

/* Other names, configured: nothing of the defaults is assumed. */
Test(sqlite, custom_columns)
{
	sql("CREATE TABLE accounts (login TEXT, zone TEXT, secret_md5 TEXT)");
	sql("INSERT INTO accounts VALUES ('bob', 'example.com', '" BOB_MD5 "')");
	cr_assert_eq(ushd_source_conf_set(&conf, "table", "accounts", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_user", "login", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_domain", "zone", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_password", "", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1", "secret_md5", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1_sha256", "", err, sizeof(err)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1_sha512t256", "", err, sizeof(err)), 0);
	cr_assert_eq(load(), 1, "%s", err);
	expect_ha1(&set.v[0], USH_HASH_MD5, BOB_MD5_PASS);
}

Test(sqlite, bad_column_name)
{
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	strcpy(conf.col_password, "password FROM subscriber; --");
	cr_assert_eq(load(), -EINVAL);
	cr_assert(strstr(err, "source: col_password") != NULL, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "0");
	/* a valid name that is not in the table: the database says so */
	strcpy(conf.col_password, "passwd");
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "no such column: passwd") != NULL, "%s", err);
}

Test(sqlite, missing_file)
{
	struct ushd_cred out;
	char want[128];

	strcpy(conf.path, "/tmp/ushd_no_such_dir/kamailio.db");
	cr_assert_eq(load(), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", conf.path);
	cr_assert_str_eq(err, want);
	/* put never creates a database */
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), -ENOENT);
}

Test(sqlite, missing_table)
{
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "no such table: subscriber") != NULL, "%s", err);
}

/* Another writer holds the lock past the busy timeout: -EBUSY, and nothing changes. */
Test(sqlite, locked)
{
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	sql("INSERT INTO subscriber (username, domain, password) VALUES ('a', 'r', 'p')");
	sql("BEGIN EXCLUSIVE");
	cr_assert_eq(load(), -EBUSY);
	cr_assert(strstr(err, "database is locked") != NULL, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "b", "r", "p", false, &out, err, sizeof(err)), -EBUSY);
	cr_assert(strstr(err, "BEGIN IMMEDIATE: database is locked") != NULL, "%s", err);
	sql("COMMIT");
	cr_assert_eq(load(), 1, "%s", err);
}

Test(sqlite, corrupt)
{
	FILE *fp;
	struct ushd_cred out;

	sqlite3_close(db);
	db = NULL;
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("this is not an SQLite database\n", fp);
	fclose(fp);
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "file is not a database") != NULL, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "b", "r", "p", false, &out, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "file is not a database") != NULL, "%s", err);
}

Test(sqlite, store_password_needs_column)
{
	struct ushd_cred out;

	sql(OPENSIPS_DDL);
	conf.store_password = true;
	conf.col_password[0] = '\0';
	cr_assert_eq(ushd_source_put(&conf, "b", "r", "p", false, &out, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "store_password needs col_password");
}

/* ---- HA1 writes (users import): no password known ---- */

/*
 * Kamailio's table: the HA1 goes to ha1, the password and ha1b are emptied (neither can be
 * kept consistent without the password), and a reload yields exactly what was written.
 */
Test(sqlite, put_ha1_kamailio)
{
	struct ushd_cred c = cred_of("alice", "example.com", 1, "new"), out;

	sql(KAMAILIO_DDL);
	cr_assert_eq(ushd_source_put(&conf, "alice", "example.com", "Circle of Life", false, &out,
				     err, sizeof(err)),
		     0, "%s", err);
	conf.store_password = true; /* ignored: no password to store */
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, true, err, sizeof(err)), 0, "%s", err);
	/* printf 'alice:example.com:new' | md5sum */
	cr_assert_str_eq(sql_value("SELECT ha1 || '/' || password || '/' || ha1b FROM subscriber"),
			 "a40588e98b8f9b50f2b8df86a2b7469f//");
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &c, sizeof(c)), 0);

	/* a SHA-256 HA1 has no column in Kamailio's table: refused, nothing written */
	c = cred_of("bob", "example.com", 3, "b");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "user 'bob' in realm 'example.com' has a SHA-256 HA1 but table "
			      "subscriber has no column for it (col_ha1_sha256)") != NULL,
		  "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "1");
	c = cred_of("alice", "example.com", 1, "x");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "user 'alice' in realm 'example.com' exists") != NULL, "%s", err);
	c = cred_of("zed", "example.com", 1, "x");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, true, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "1");
}

/* OpenSIPS' table: every hash has its column; one the subscriber lacks is emptied. */
Test(sqlite, put_ha1_opensips)
{
	struct ushd_cred c = cred_of("Mufasa", "testrealm@host.com", 7, "Circle Of Life"), out;

	sql(OPENSIPS_DDL);
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT ha1 FROM subscriber"),
			 "939e7578ed9e3c518a452acee763bce9");
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &c, sizeof(c)), 0);
	c = cred_of("Mufasa", "testrealm@host.com", 2, "other");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, true, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT ha1 || '/' || ha1_sha512t256 || '/' || password FROM "
				   "subscriber"),
			 "//");
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &c, sizeof(c)), 0);
	/* the same through put with a password: still consistent */
	cr_assert_eq(ushd_source_put(&conf, "Mufasa", "testrealm@host.com", "p", true, &out, err,
				     sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(out.have, 7);
}

Test(sqlite, import_one_transaction)
{
	struct ushd_credset in = {0};
	struct ushd_import_count n = {0, 0};
	struct ushd_cred c;

	sql(KAMAILIO_DDL);
	sql("INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES "
	    "('carol', 'example.com', 'old', 'x', 'y')");
	c = cred_of("erin", "example.com", 1, "e");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("carol", "example.com", 1, "c2");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("frank", "other.org", 1, "f");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);

	/* erin would be inserted before carol clashes: the rollback takes her back */
	cr_assert_eq(ushd_source_import(&conf, &in, false, &n, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "user 'carol' in realm 'example.com' exists") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "1");
	cr_assert_str_eq(sql_value("SELECT password FROM subscriber"), "old");

	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n.added, 2);
	cr_assert_eq(n.replaced, 1);
	cr_assert_str_eq(sql_value("SELECT password || '/' || ha1b FROM subscriber WHERE "
				   "username = 'carol'"),
			 "/");
	cr_assert_eq(load(), 3, "%s", err);
	for (size_t i = 0; i < in.n; i++)
		cr_assert_eq(memcmp(find(in.v[i].user, in.v[i].realm), &in.v[i], sizeof(in.v[i])),
			     0, "%s", in.v[i].user);

	/* a statement failing half-way (a trigger here) rolls back the rows before it */
	sql("CREATE TRIGGER no_boom BEFORE INSERT ON subscriber WHEN NEW.username = 'boom' "
	    "BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
	in.n = 0;
	c = cred_of("gina", "example.com", 1, "g");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("boom", "example.com", 1, "b");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "boom refused") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber"), "3");
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM subscriber WHERE username = 'gina'"), "0");
	ushd_credset_free(&in);
}

/* With a fixed realm the key is the username; the realm must be the fixed one. */
Test(sqlite, put_ha1_fixed_realm)
{
	struct ushd_cred c = cred_of("c", "sip.example.com", 1, "p");

	sql(KAMAILIO_DDL);
	strcpy(conf.realm, "sip.example.com");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT domain FROM subscriber"), "sip.example.com");
	c = cred_of("c", "elsewhere.org", 1, "p");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "fixed realm") != NULL, "%s", err);
}
