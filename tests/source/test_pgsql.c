/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * PostgreSQL source against a real server: test_pgsql.py starts one and passes its conninfo
 * in USHD_PG_CONNINFO. Each test has its own table, so order does not matter.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "source_test.h"
#include "ushd_source.h"

/* Kamailio 5.x auth_db for PostgreSQL (utils/kamctl/postgres), table name a parameter. */
#define KAMAILIO_DDL                                                                               \
	"CREATE TABLE %s (id SERIAL PRIMARY KEY NOT NULL,"                                         \
	" username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL,"       \
	" password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL,"         \
	" ha1b VARCHAR(128) DEFAULT '' NOT NULL, CONSTRAINT %s_account_idx"                        \
	" UNIQUE (username, domain))"

/*
 * Kamailio's ha1b, computed outside Usher as kamctl does (MD5 of "user@domain:realm:pw"):
 * python3 -c "import hashlib; print(hashlib.md5(b'alice@example.com:example.com:new').hexdigest())"
 */
#define ALICE_HA1B_COL "0781217ac7105043cfdf30b371b51206" /* ...:Circle of Life */
#define ALICE_HA1B_NEW "6743cc2f02683fec2a69071e790e15f8" /* ...:new */

static struct ushd_source_conf conf;
static struct ushd_credset set;
static char err[512];
static PGconn *pg;

static void
setup(void)
{
	const char *ci = getenv("USHD_PG_CONNINFO");

	cr_assert_not_null(ci, "USHD_PG_CONNINFO unset: run through tests/source/test_pgsql.py");
	pg = PQconnectdb(ci);
	cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	ushd_source_conf_defaults(&conf);
	conf.kind = USHD_SRC_PGSQL;
	snprintf(conf.conninfo, sizeof(conf.conninfo), "%s", ci);
	err[0] = '\0';
}

static void
teardown(void)
{
	ushd_credset_free(&set);
	PQfinish(pg);
}

TestSuite(pgsql, .init = setup, .fini = teardown);

__attribute__((format(printf, 1, 2))) static void
sql(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	PGresult *r;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r = PQexec(pg, text);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", text, PQresultErrorMessage(r));
	PQclear(r);
}

static const char *
sql_value(const char *text)
{
	static char buf[256];
	PGresult *r = PQexec(pg, text);

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", text, PQresultErrorMessage(r));
	if (PQntuples(r) == 0)
		strcpy(buf, "(none)");
	else if (PQgetisnull(r, 0, 0))
		strcpy(buf, "(null)");
	else
		snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

/*
 * A fresh Kamailio table named t, and the configuration that reads it: the defaults, whose
 * SHA-2 columns the table lacks and auto-detection drops.
 */
static void
kamailio_table(const char *t)
{
	sql("DROP TABLE IF EXISTS %s", t);
	sql(KAMAILIO_DDL, t, t);
	strcpy(conf.table, t);
}

static int
load(void)
{
	return ushd_source_load(&conf, &set, err, sizeof(err));
}

static const struct ushd_cred *
find(const char *user, const char *realm)
{
	return cred_loaded(&set, user, realm);
}

Test(pgsql, kamailio_rows)
{
	kamailio_table("sub_rows");
	/* printf 'bob:example.com:bobpass' | md5sum */
	sql("INSERT INTO sub_rows (username, domain, password, ha1) VALUES"
	    " ('alice', 'example.com', 'Circle of Life', ''),"
	    " ('bob', 'example.com', '', 'd494896bcfe9f00043fdbe76ccb2c887'),"
	    " ('carol', 'example.com', 'c', 'D494896BCFE9F00043FDBE76CCB2C887')");
	cr_assert_eq(load(), 3, "%s", err);
	cr_assert_eq(find("alice", "example.com")->have, 7);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++)
		expect_ha1(find("alice", "example.com"), h, "Circle of Life");
	cr_assert_eq(find("bob", "example.com")->have, 1);
	expect_ha1(find("bob", "example.com"), USH_HASH_MD5, "bobpass");
	cr_assert_arr_eq(find("carol", "example.com")->ha1[USH_HASH_MD5],
			 find("bob", "example.com")->ha1[USH_HASH_MD5], 16);
	expect_ha1(find("carol", "example.com"), USH_HASH_SHA256, "c");
}

/* NULLs, CHAR(n) blank padding, and an OpenSIPS-style SHA-256 column. */
Test(pgsql, nulls_and_padding)
{
	uint8_t sha[32];
	char hex[65];

	sql("DROP TABLE IF EXISTS sub_loose");
	sql("CREATE TABLE sub_loose (username TEXT, domain TEXT, password TEXT, ha1 CHAR(64),"
	    " ha1_sha256 TEXT, ha1_sha512t256 TEXT)");
	cr_assert_eq(ushd_ha1(USH_HASH_SHA256, "dave", "r", "d", sha), 0);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sha[i]);
	sql("INSERT INTO sub_loose VALUES ('bob', 'example.com', NULL,"
	    " 'd494896bcfe9f00043fdbe76ccb2c887', NULL, NULL),"
	    " ('dave', 'r', NULL, NULL, '%s', '')",
	    hex);
	strcpy(conf.table, "sub_loose");
	cr_assert_eq(load(), 2, "%s", err);
	expect_ha1(find("bob", "example.com"), USH_HASH_MD5, "bobpass");
	cr_assert_eq(find("dave", "r")->have, 1u << USH_HASH_SHA256);
	expect_ha1(find("dave", "r"), USH_HASH_SHA256, "d");
	sql("INSERT INTO sub_loose VALUES ('ghost', 'example.com', NULL, NULL, '', NULL)");
	cr_assert_eq(load(), -EINVAL);
	cr_assert_str_eq(
		err, "pgsql: table sub_loose row 3 (ghost@example.com): neither password nor HA1");
	cr_assert_eq(set.n, 0);
}

Test(pgsql, malformed)
{
	kamailio_table("sub_bad");
	sql("INSERT INTO sub_bad (username, domain, ha1) VALUES"
	    " ('bob', 'example.com', 'd494896bcfe9f00043fdbe76ccb2c88z')");
	cr_assert_eq(load(), -EINVAL);
	cr_assert_str_eq(err, "pgsql: table sub_bad row 1 (bob@example.com): ha1 is not a MD5 "
			      "HA1 (32 hex digits)");
	/* Kamailio's ha1 is MD5: a SHA-256 HA1 there is an error, not a guess */
	sql("UPDATE sub_bad SET ha1 = repeat('ab', 32)");
	cr_assert_eq(load(), -EINVAL);
	cr_assert(strstr(err, "ha1 is not a MD5 HA1") != NULL, "%s", err);

	sql("DROP TABLE IF EXISTS sub_dup");
	sql("CREATE TABLE sub_dup (username TEXT, domain TEXT, password TEXT, ha1 TEXT)");
	sql("INSERT INTO sub_dup VALUES ('a', 'r', 'p', NULL), ('a', 'r', 'q', NULL)");
	strcpy(conf.table, "sub_dup");
	cr_assert_eq(load(), -EINVAL);
	cr_assert_str_eq(err, "pgsql: table sub_dup row 2: duplicate user 'a' in realm 'r'");
}

/* The database's own message and the query that failed. */
Test(pgsql, missing_table_and_column)
{
	strcpy(conf.table, "no_such_table");
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "FROM \"no_such_table\": ERROR: relation \"no_such_table\" does "
			      "not exist") != NULL,
		  "%s", err);
	cr_assert_eq(strncmp(err, "pgsql: SELECT \"username\"", 24), 0, "%s", err);
	cr_assert(strchr(err, '\n') == NULL, "%s", err);

	/* a column set explicitly must exist, even under its default name */
	kamailio_table("sub_cols");
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1_sha256", "ha1_sha256", err, sizeof(err)),
		     0);
	cr_assert_eq(load(), -EIO);
	cr_assert(strstr(err, "column \"ha1_sha256\" does not exist") != NULL, "%s", err);
}

/* An explicit col_ha1b that the table lacks: load (never reads it) works, put fails. */
Test(pgsql, explicit_ha1b_missing)
{
	struct ushd_cred out;

	sql("DROP TABLE IF EXISTS sub_os");
	sql("CREATE TABLE sub_os (username TEXT, domain TEXT, password TEXT, ha1 TEXT,"
	    " ha1_sha256 TEXT, ha1_sha512t256 TEXT)");
	strcpy(conf.table, "sub_os");
	/* defaults on OpenSIPS' table: ha1b dropped, all three hashes written */
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(out.have, 7);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &out, sizeof(out)), 0);
	cr_assert_eq(ushd_source_conf_set(&conf, "col_ha1b", "ha1b", err, sizeof(err)), 0);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(ushd_source_put(&conf, "b", "r", "p", false, &out, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "column \"ha1b\" of relation \"sub_os\" does not exist") != NULL,
		  "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_os"), "1");
}

/* Quoted names are case-sensitive in PostgreSQL: "HA1B" is not ha1b, and is left alone. */
Test(pgsql, detection_is_case_sensitive)
{
	struct ushd_cred out;

	sql("DROP TABLE IF EXISTS sub_case");
	sql("CREATE TABLE sub_case (username TEXT, domain TEXT, password TEXT, ha1 TEXT,"
	    " \"HA1B\" TEXT DEFAULT 'untouched')");
	strcpy(conf.table, "sub_case");
	cr_assert_eq(ushd_source_put(&conf, "a", "r", "p", false, &out, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(sql_value("SELECT \"HA1B\" FROM sub_case"), "untouched");
	cr_assert_eq(load(), 1, "%s", err);
}

Test(pgsql, put_passwd_del)
{
	struct ushd_cred out;

	kamailio_table("sub_put");
	cr_assert_eq(ushd_source_put(&conf, "alice", "example.com", "Circle of Life", false, &out,
				     err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(out.have, 1);
	/* printf 'alice:example.com:Circle of Life' | md5sum */
	cr_assert_str_eq(sql_value("SELECT ha1 || '/' || password || '/' || ha1b FROM sub_put"),
			 "5d63aace79644831cf1ded8600ab8c95//" ALICE_HA1B_COL);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &out, sizeof(out)), 0);

	cr_assert_eq(
		ushd_source_put(&conf, "alice", "example.com", "x", false, &out, err, sizeof(err)),
		-EEXIST);
	cr_assert_str_eq(err, "pgsql: user 'alice' in realm 'example.com' exists in table "
			      "sub_put");
	cr_assert_eq(
		ushd_source_put(&conf, "zed", "example.com", "x", true, &out, err, sizeof(err)),
		-ENOENT);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_put"), "1");

	conf.store_password = true;
	cr_assert_eq(
		ushd_source_put(&conf, "alice", "example.com", "new", true, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(out.have, 7);
	cr_assert_str_eq(sql_value("SELECT password FROM sub_put"), "new");
	cr_assert_str_eq(sql_value("SELECT ha1b FROM sub_put"), ALICE_HA1B_NEW);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &out, sizeof(out)), 0);
	for (unsigned int h = 0; h < USH_HASH_COUNT; h++)
		expect_ha1(&set.v[0], h, "new");

	cr_assert_eq(ushd_source_del(&conf, "alice", "example.com", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_put"), "0");
	cr_assert_eq(ushd_source_del(&conf, "alice", "example.com", err, sizeof(err)), -ENOENT);
	cr_assert_eq(load(), 0, "%s", err);
}

/* Values are parameters ($1, $2): quotes and SQL in names are stored as they are. */
Test(pgsql, hostile_names_are_data)
{
	const char *user = "o'brien\"); DROP TABLE sub_hostile; --";
	struct ushd_cred out;

	kamailio_table("sub_hostile");
	cr_assert_eq(
		ushd_source_put(&conf, user, "ex'ample.com", "p$1w", false, &out, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_str_eq(set.v[0].user, user);
	cr_assert_str_eq(set.v[0].realm, "ex'ample.com");
	expect_ha1(&set.v[0], USH_HASH_MD5, "p$1w");
	cr_assert_eq(ushd_source_del(&conf, user, "ex'ample.com", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_hostile"), "0");
}

/* A failed write is rolled back: nothing half-written stays. */
Test(pgsql, failed_insert_rolls_back)
{
	struct ushd_cred out;

	kamailio_table("sub_rb");
	/* username is VARCHAR(64): a 100-byte name passes our check and fails in the database */
	char user[101];
	memset(user, 'u', 100);
	user[100] = '\0';
	cr_assert_eq(ushd_source_put(&conf, user, "r", "p", false, &out, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "INSERT INTO \"sub_rb\"") != NULL, "%s", err);
	cr_assert(strstr(err, "value too long") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_rb"), "0");
	cr_assert_eq(ushd_source_put(&conf, "ok", "r", "p", false, &out, err, sizeof(err)), 0, "%s",
		     err);
}

/* ---- HA1 writes (users import): no password known ---- */

Test(pgsql, put_ha1)
{
	struct ushd_cred c = cred_of("alice", "example.com", 1, "new"), out;

	kamailio_table("sub_ha1");
	cr_assert_eq(ushd_source_put(&conf, "alice", "example.com", "Circle of Life", false, &out,
				     err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, true, err, sizeof(err)), 0, "%s", err);
	/* printf 'alice:example.com:new' | md5sum; password and ha1b emptied */
	cr_assert_str_eq(sql_value("SELECT ha1 || '/' || password || '/' || ha1b FROM sub_ha1"),
			 "a40588e98b8f9b50f2b8df86a2b7469f//");
	cr_assert_eq(load(), 1, "%s", err);
	cr_assert_eq(memcmp(&set.v[0], &c, sizeof(c)), 0);
	c = cred_of("alice", "example.com", 1, "x");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EEXIST);
	cr_assert_str_eq(err, "pgsql: user 'alice' in realm 'example.com' exists");
	c = cred_of("bob", "example.com", 2, "b");
	cr_assert_eq(ushd_source_put_ha1(&conf, &c, false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "has a SHA-256 HA1 but table sub_ha1 has no column") != NULL, "%s",
		  err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_ha1"), "1");
}

/* One transaction: a clash or a failing statement leaves the table as it was. */
Test(pgsql, import_one_transaction)
{
	struct ushd_credset in = {0};
	struct ushd_import_count n = {0, 0};
	struct ushd_cred c;
	char user[101];

	kamailio_table("sub_imp");
	sql("INSERT INTO sub_imp (username, domain, password, ha1) VALUES "
	    "('carol', 'example.com', 'old', 'x')");
	c = cred_of("erin", "example.com", 1, "e");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of("carol", "example.com", 1, "c2");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	cr_assert_eq(ushd_source_import(&conf, &in, false, &n, err, sizeof(err)), -EEXIST);
	cr_assert_str_eq(err, "pgsql: user 'carol' in realm 'example.com' exists");
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_imp"), "1");

	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n.added, 1);
	cr_assert_eq(n.replaced, 1);
	cr_assert_str_eq(sql_value("SELECT password FROM sub_imp WHERE username = 'carol'"), "");
	cr_assert_eq(load(), 2, "%s", err);
	for (size_t i = 0; i < in.n; i++)
		cr_assert_eq(memcmp(find(in.v[i].user, in.v[i].realm), &in.v[i], sizeof(in.v[i])),
			     0, "%s", in.v[i].user);

	/* username is VARCHAR(64): the second INSERT fails in the database, the first goes too */
	memset(user, 'u', 100);
	user[100] = '\0';
	in.n = 0;
	c = cred_of("gina", "example.com", 1, "g");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	c = cred_of(user, "example.com", 1, "g");
	cr_assert_eq(ushd_credset_push(&in, &c), 0);
	cr_assert_eq(ushd_source_import(&conf, &in, true, &n, err, sizeof(err)), -EIO);
	cr_assert(strstr(err, "value too long") != NULL, "%s", err);
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_imp"), "2");
	cr_assert_str_eq(sql_value("SELECT COUNT(*) FROM sub_imp WHERE username = 'gina'"), "0");
	ushd_credset_free(&in);
}
