/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* [source] keys of usherd.ini, whole-configuration checks, and a PostgreSQL that is down. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ushd_source.h"

static struct ushd_source_conf conf;
static char err[512];

static void
setup(void)
{
	ushd_source_conf_defaults(&conf);
	err[0] = '\0';
}

TestSuite(conf, .init = setup);

static int
set(const char *key, const char *value)
{
	return ushd_source_conf_set(&conf, key, value, err, sizeof(err));
}

Test(conf, defaults)
{
	cr_assert_eq(conf.kind, USHD_SRC_HTDIGEST);
	cr_assert_str_eq(conf.table, "subscriber");
	cr_assert_str_eq(conf.col_user, "username");
	cr_assert_str_eq(conf.col_domain, "domain");
	cr_assert_str_eq(conf.col_password, "password");
	cr_assert_str_eq(conf.col_ha1, "ha1");
	cr_assert_str_eq(conf.col_ha1_sha256, "ha1_sha256");
	cr_assert_str_eq(conf.col_ha1_sha512t256, "ha1_sha512t256");
	cr_assert_str_eq(conf.col_ha1b, "ha1b");
	cr_assert_eq(conf.set_keys, 0);
	cr_assert_str_eq(conf.realm, "");
	cr_assert_eq(conf.derive_mask, 7);
	cr_assert_eq(conf.store_password, false);
}

Test(conf, every_key)
{
	cr_assert_eq(set("kind", "sqlite"), 0);
	cr_assert_eq(conf.kind, USHD_SRC_SQLITE);
	cr_assert_eq(set("kind", "PgSQL"), 0);
	cr_assert_eq(conf.kind, USHD_SRC_PGSQL);
	cr_assert_eq(set("path", "/var/lib/kamailio/kamailio.db"), 0);
	cr_assert_str_eq(conf.path, "/var/lib/kamailio/kamailio.db");
	cr_assert_eq(set("conninfo", "host=/run/postgresql dbname=kamailio"), 0);
	cr_assert_str_eq(conf.conninfo, "host=/run/postgresql dbname=kamailio");
	cr_assert_eq(set("table", "subs_2"), 0);
	cr_assert_str_eq(conf.table, "subs_2");
	cr_assert_eq(set("col_user", "user_name"), 0);
	cr_assert_str_eq(conf.col_user, "user_name");
	cr_assert_eq(set("col_domain", "realm"), 0);
	cr_assert_str_eq(conf.col_domain, "realm");
	cr_assert_eq(set("col_password", ""), 0);
	cr_assert_str_eq(conf.col_password, "");
	cr_assert_eq(set("col_ha1", "HA1"), 0);
	cr_assert_str_eq(conf.col_ha1, "HA1");
	cr_assert_eq(set("col_ha1_sha256", ""), 0);
	cr_assert_str_eq(conf.col_ha1_sha256, "");
	cr_assert_eq(set("col_ha1_sha512t256", "_x9"), 0);
	cr_assert_str_eq(conf.col_ha1_sha512t256, "_x9");
	cr_assert_eq(set("col_ha1b", ""), 0);
	cr_assert_str_eq(conf.col_ha1b, "");
	cr_assert_eq(set("col_ha1b", "HA1B"), 0);
	cr_assert_str_eq(conf.col_ha1b, "HA1B");
	cr_assert_eq(set("realm", "sip.example.com"), 0);
	cr_assert_str_eq(conf.realm, "sip.example.com");
	cr_assert_eq(set("derive", "md5"), 0);
	cr_assert_eq(conf.derive_mask, 1u << USH_HASH_MD5);
	cr_assert_eq(set("derive", " SHA-512-256 , md5"), 0);
	cr_assert_eq(conf.derive_mask, (1u << USH_HASH_MD5) | (1u << USH_HASH_SHA512_256));
	cr_assert_eq(set("derive", "none"), 0);
	cr_assert_eq(conf.derive_mask, 0);
	cr_assert_eq(set("derive", "md5,sha-256,sha-512-256"), 0);
	cr_assert_eq(conf.derive_mask, 7);
	cr_assert_eq(set("store_password", "yes"), 0);
	cr_assert_eq(conf.store_password, true);
	cr_assert_eq(set("store_password", "no"), 0);
	cr_assert_eq(conf.store_password, false);
}

/* A key set, even to its default, is recorded: the column is no longer auto-detected. */
Test(conf, set_keys_recorded)
{
	struct ushd_source_conf fresh;

	ushd_source_conf_defaults(&fresh);
	cr_assert_eq(set("col_ha1_sha256", "ha1_sha256"), 0);
	cr_assert_neq(conf.set_keys, 0);
	conf.set_keys = 0;
	cr_assert_eq(memcmp(&conf, &fresh, sizeof(conf)), 0, "only set_keys changes");
	cr_assert_eq(set("col_ha1b", "x;y"), -EINVAL);
	cr_assert_eq(conf.set_keys, 0, "a refused value records nothing");
	cr_assert_eq(set("col_ha1b", "ha1b"), 0);
	cr_assert_eq(set("col_ha1_sha512t256", "ha1_sha512t256"), 0);
	cr_assert_eq(__builtin_popcount(conf.set_keys), 2);
}

Test(conf, unknown_key)
{
	cr_assert_eq(set("colour", "blue"), -ENOENT);
	cr_assert(strstr(err, "colour: unknown key") != NULL, "%s", err);
}

/* A bad value leaves the field as it was and names the key. */
Test(conf, bad_values)
{
	static const char *const bad[][2] = {
		{"kind", "mysql"},
		{"table", ""},
		{"col_user", ""},
		{"col_ha1", "ha1; DROP TABLE subscriber"},
		{"col_domain", "1domain"},
		{"col_password", "pass-word"},
		{"table", "kamailio.subscriber"},
		{"col_ha1_sha256", "\"ha1\""},
		{"col_ha1b", "ha1b "},
		{"derive", "sha1"},
		{"derive", "md5,"},
		{"store_password", "maybe"},
		{"realm", "bad\nrealm"},
	};
	struct ushd_source_conf before;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(&before, &conf, sizeof(conf));
		err[0] = '\0';
		cr_assert_eq(set(bad[i][0], bad[i][1]), -EINVAL, "%s = %s", bad[i][0], bad[i][1]);
		cr_assert_eq(memcmp(&before, &conf, sizeof(conf)), 0, "%s changed", bad[i][0]);
		cr_assert_eq(strncmp(err, bad[i][0], strlen(bad[i][0])), 0, "%s", err);
	}
}

Test(conf, too_long)
{
	char v[300];

	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	cr_assert_eq(set("table", v), -EINVAL);
	cr_assert(strstr(err, "too long") != NULL, "%s", err);
	cr_assert_eq(set("realm", v), -EINVAL);
	v[128] = '\0';
	cr_assert_eq(set("realm", v), 0);
	v[63] = '\0';
	cr_assert_eq(set("col_user", v), 0);
}

/* The struct can be filled without conf_set: load checks it again before any SQL is built. */
Test(conf, check_catches_direct_writes)
{
	struct ushd_credset set = {0};

	conf.kind = USHD_SRC_SQLITE;
	strcpy(conf.path, "/nonexistent/db");
	strcpy(conf.col_ha1, "ha1\" FROM x; --");
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "col_ha1") != NULL && strstr(err, "SQL identifier") != NULL, "%s",
		  err);
	cr_assert_eq(set.n, 0);

	setup();
	conf.kind = USHD_SRC_SQLITE;
	cr_assert_eq(ushd_source_load(&conf, &set, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "source: path is not set");

	setup();
	conf.kind = USHD_SRC_PGSQL;
	conf.col_domain[0] = '\0';
	cr_assert_eq(ushd_source_conf_check(&conf, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "no realm") != NULL, "%s", err);
	strcpy(conf.realm, "example.com");
	cr_assert_eq(ushd_source_conf_check(&conf, err, sizeof(err)), 0);

	conf.kind = 9;
	cr_assert_eq(ushd_source_conf_check(&conf, err, sizeof(err)), -EINVAL);
}

/* A socket directory without a server: a clear libpq error, and no subscriber. */
Test(conf, pgsql_down)
{
	struct ushd_source_conf c;
	struct ushd_credset set = {0};
	struct ushd_cred cred;
	char dir[] = "/tmp/ushd_pgdown_XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	ushd_source_conf_defaults(&c);
	c.kind = USHD_SRC_PGSQL;
	snprintf(c.conninfo, sizeof(c.conninfo),
		 "host=%s dbname=kamailio user=kamailio "
		 "password=s3cret connect_timeout=2",
		 dir);
	cr_assert_eq(ushd_source_load(&c, &set, err, sizeof(err)), -ECONNREFUSED);
	cr_assert_eq(set.n, 0);
	cr_assert_eq(strncmp(err, "pgsql: connect: ", 16), 0, "%s", err);
	cr_assert(strstr(err, dir) != NULL, "names the socket: %s", err);
	cr_assert(strstr(err, "s3cret") == NULL, "never the password: %s", err);
	cr_assert(strchr(err, '\n') == NULL, "one line: %s", err);

	err[0] = '\0';
	cr_assert_eq(
		ushd_source_put(&c, "alice", "example.com", "pw", false, &cred, err, sizeof(err)),
		-ECONNREFUSED);
	cr_assert_eq(strncmp(err, "pgsql: connect: ", 16), 0, "%s", err);
	cr_assert_eq(ushd_source_del(&c, "alice", "example.com", err, sizeof(err)), -ECONNREFUSED);
	rmdir(dir);
}

Test(conf, pgsql_bad_conninfo)
{
	struct ushd_source_conf c;
	struct ushd_credset set = {0};

	ushd_source_conf_defaults(&c);
	c.kind = USHD_SRC_PGSQL;
	strcpy(c.conninfo, "hots=/tmp");
	cr_assert_lt(ushd_source_load(&c, &set, err, sizeof(err)), 0);
	cr_assert(strstr(err, "hots") != NULL, "%s", err);
}
