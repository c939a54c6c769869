/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* PostgreSQL source: a Kamailio or OpenSIPS subscriber table through libpq. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "ushd_source.h"
#include "ushd_source_priv.h"

/*
 * Messages never show the conninfo: it may hold a password. libpq's own text names the host
 * or socket, which is what an operator needs.
 */
static int
pg_fail(int rc, const char *what, const char *msg, char *err, size_t errlen)
{
	char one[512];
	size_t n = 0;
	bool space = false;

	/* libpq's text spans lines (hints, tabs); a log line must not. */
	for (const char *p = msg ? msg : ""; *p != '\0' && n < sizeof(one) - 1; p++) {
		if (*p == '\n' || *p == '\t' || *p == ' ') {
			space = n > 0;
			continue;
		}
		if (space)
			one[n++] = ' ';
		space = false;
		if (n < sizeof(one) - 1)
			one[n++] = *p;
	}
	one[n] = '\0';
	return ushd_err(err, errlen, rc, "pgsql: %s: %s", what, one);
}

/* A failed statement: severity and primary message, without the LINE/caret excerpt. */
static int
pg_fail_res(const char *what, PGconn *conn, const PGresult *res, char *err, size_t errlen)
{
	const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY) : NULL;
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[512];

	if (prim == NULL)
		return pg_fail(-EIO, what, res ? PQresultErrorMessage(res) : PQerrorMessage(conn),
			       err, errlen);
	snprintf(msg, sizeof(msg), "%s: %s", sev ? sev : "ERROR", prim);
	return pg_fail(-EIO, what, msg, err, errlen);
}

static int
pg_connect(const struct ushd_source_conf *c, PGconn **conn, char *err, size_t errlen)
{
	*conn = PQconnectdb(c->conninfo);
	if (*conn == NULL)
		return ushd_err(err, errlen, -ENOMEM, "pgsql: connect: out of memory");
	if (PQstatus(*conn) != CONNECTION_OK) {
		pg_fail(-ECONNREFUSED, "connect", PQerrorMessage(*conn), err, errlen);
		PQfinish(*conn);
		*conn = NULL;
		return -ECONNREFUSED;
	}
	return 0;
}

/* Run q with its values as parameters, never pasted into the text. */
static PGresult *
pg_exec(PGconn *conn, const struct ushd_sql *q, ExecStatusType want, char *err, size_t errlen)
{
	PGresult *res = PQexecParams(conn, q->text, q->n, NULL, q->val, NULL, NULL, 0);

	if (res == NULL || PQresultStatus(res) != want) {
		pg_fail_res(q->text, conn, res, err, errlen);
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * *eff: c less the auto-detected columns that the table lacks. Quoted names are
 * case-sensitive in PostgreSQL, so is the match. No such table: no row, every auto column
 * dropped, and the statement that follows says "relation ... does not exist".
 */
static int
pg_columns(const struct ushd_source_conf *c, PGconn *conn, struct ushd_source_conf *eff, char *err,
	   size_t errlen)
{
	unsigned int missing = ushd_cols_auto(c);
	struct ushd_sql q;
	PGresult *res;
	int rc;

	*eff = *c;
	if (missing == 0)
		return 0;
	rc = ushd_sql_columns(c, '$', &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "pgsql: query too long");
	res = pg_exec(conn, &q, PGRES_TUPLES_OK, err, errlen);
	if (res == NULL)
		return -EIO;
	for (int i = 0; i < PQntuples(res); i++)
		ushd_cols_seen(c, PQgetvalue(res, i, 0), false, &missing);
	PQclear(res);
	ushd_cols_drop(eff, missing);
	return 0;
}

int
ushd_pgsql_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		size_t errlen)
{
	struct ushd_source_conf eff;
	struct ushd_index idx = {0};
	struct ushd_sql q;
	struct ushd_cred cred;
	struct ushd_row row;
	PGresult *res;
	PGconn *conn;
	int map[USHD_F_COUNT];
	char msg[512];
	int rc, rows;

	rc = pg_connect(c, &conn, err, errlen);
	if (rc < 0)
		return rc;
	rc = pg_columns(c, conn, &eff, err, errlen);
	if (rc < 0)
		goto out_finish;
	rc = ushd_sql_select(&eff, '$', &q, map);
	if (rc < 0) {
		ushd_err(err, errlen, rc, "pgsql: query too long");
		goto out_finish;
	}
	res = pg_exec(conn, &q, PGRES_TUPLES_OK, err, errlen);
	if (res == NULL) {
		rc = -EIO;
		goto out_finish;
	}
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		for (int f = 0; f < USHD_F_COUNT; f++)
			row.f[f] = map[f] < 0 || PQgetisnull(res, i, map[f])
					   ? NULL
					   : PQgetvalue(res, i, map[f]);
		rc = ushd_cred_from_row(&eff, &row, (unsigned long)i + 1, &cred, msg, sizeof(msg));
		if (rc < 0) {
			ushd_err(err, errlen, rc, "pgsql: table %s %s", c->table, msg);
			goto out_clear;
		}
		if (ushd_index_find(&idx, set, cred.user, cred.realm) >= 0) {
			rc = ushd_err(err, errlen, -EINVAL,
				      "pgsql: table %s row %d: duplicate user '%s' in realm '%s'",
				      c->table, i + 1, cred.user, cred.realm);
			goto out_clear;
		}
		rc = ushd_credset_push(set, &cred);
		if (rc == 0)
			rc = ushd_index_add(&idx, set, set->n - 1);
		if (rc < 0) {
			ushd_err(err, errlen, rc, "pgsql: out of memory");
			goto out_clear;
		}
	}
	rc = 0;
out_clear:
	explicit_bzero(&cred, sizeof(cred));
	PQclear(res);
out_finish:
	ushd_index_free(&idx);
	PQfinish(conn);
	return rc;
}

static int
pg_simple(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail_res(sql, conn, res, err, errlen);
	PQclear(res);
	return rc;
}

int
ushd_pgsql_write(const struct ushd_source_conf *c, const char *user, const char *realm,
		 const char *password, bool del, bool replace, struct ushd_put *p, char *err,
		 size_t errlen)
{
	enum ushd_sql_op op = del ? USHD_SQL_DELETE : replace ? USHD_SQL_UPDATE : USHD_SQL_INSERT;
	struct ushd_source_conf eff;
	struct ushd_sql q;
	PGresult *res;
	PGconn *conn;
	long count;
	int rc;

	rc = pg_connect(c, &conn, err, errlen);
	if (rc < 0)
		return rc;
	rc = pg_simple(conn, "BEGIN", err, errlen);
	if (rc < 0)
		goto out_finish;
	if (del) {
		eff = *c;
		rc = ushd_put_prepare(&eff, user, realm, NULL, p, err, errlen);
	} else {
		rc = pg_columns(c, conn, &eff, err, errlen);
		if (rc == 0)
			rc = ushd_put_prepare(&eff, user, realm, password, p, err, errlen);
	}
	if (rc < 0)
		goto out_rollback;
	if (op == USHD_SQL_INSERT) {
		/*
		 * Kamailio's table has a UNIQUE (username, domain), which settles a race with
		 * another writer; the check is here for tables without it and for a clear -EEXIST.
		 */
		rc = ushd_sql_write(&eff, '$', USHD_SQL_EXISTS, p, &q);
		if (rc < 0)
			goto out_rollback;
		res = pg_exec(conn, &q, PGRES_TUPLES_OK, err, errlen);
		if (res == NULL) {
			rc = -EIO;
			goto out_rollback;
		}
		count = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		if (count > 0) {
			rc = ushd_err(err, errlen, -EEXIST,
				      "pgsql: user '%s' in realm '%s' exists in table %s", p->user,
				      p->realm, c->table);
			goto out_rollback;
		}
	}
	rc = ushd_sql_write(&eff, '$', op, p, &q);
	if (rc < 0) {
		ushd_err(err, errlen, rc, "pgsql: cannot build the %s statement",
			 del	   ? "DELETE"
			 : replace ? "UPDATE"
				   : "INSERT");
		goto out_rollback;
	}
	res = pg_exec(conn, &q, PGRES_COMMAND_OK, err, errlen);
	if (res == NULL) {
		rc = -EIO;
		goto out_rollback;
	}
	count = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	if (count == 0) {
		rc = ushd_err(err, errlen, -ENOENT, "pgsql: no user '%s' in realm '%s' in table %s",
			      p->user, p->realm, c->table);
		goto out_rollback;
	}
	rc = pg_simple(conn, "COMMIT", err, errlen);
	goto out_finish;
out_rollback:
	/* Best effort: closing the connection rolls back as well. */
	PQclear(PQexec(conn, "ROLLBACK"));
out_finish:
	PQfinish(conn);
	return rc;
}

/* One subscriber of an import: does it exist, may it be written, INSERT or UPDATE. */
static int
pg_put_one(PGconn *conn, const struct ushd_source_conf *eff, const struct ushd_put *p,
	   enum ushd_ha1_mode mode, struct ushd_import_count *n, char *err, size_t errlen)
{
	struct ushd_sql q;
	PGresult *res;
	bool exists;
	int rc;

	rc = ushd_sql_write(eff, '$', USHD_SQL_EXISTS, p, &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "pgsql: cannot build the SELECT statement");
	res = pg_exec(conn, &q, PGRES_TUPLES_OK, err, errlen);
	if (res == NULL)
		return -EIO;
	exists = strtol(PQgetvalue(res, 0, 0), NULL, 10) > 0;
	PQclear(res);
	rc = ushd_ha1_decide(mode, exists, &p->cred, "pgsql", n, err, errlen);
	if (rc < 0)
		return rc;
	rc = ushd_sql_write(eff, '$', exists ? USHD_SQL_UPDATE : USHD_SQL_INSERT, p, &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "pgsql: cannot build the %s statement",
				exists ? "UPDATE" : "INSERT");
	res = pg_exec(conn, &q, PGRES_COMMAND_OK, err, errlen);
	if (res == NULL)
		return -EIO;
	PQclear(res);
	return 0;
}

/* A whole import in one transaction: a failed statement or a clash rolls all of it back. */
int
ushd_pgsql_put_ha1(const struct ushd_source_conf *c, const struct ushd_credset *set,
		   enum ushd_ha1_mode mode, struct ushd_import_count *n, char *err, size_t errlen)
{
	struct ushd_source_conf eff;
	struct ushd_put p;
	PGconn *conn;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = pg_connect(c, &conn, err, errlen);
	if (rc < 0)
		return rc;
	rc = pg_simple(conn, "BEGIN", err, errlen);
	if (rc < 0)
		goto out_finish;
	rc = pg_columns(c, conn, &eff, err, errlen);
	for (size_t i = 0; rc == 0 && i < set->n; i++) {
		rc = ushd_put_from_cred(&eff, &set->v[i], "pgsql", &p, err, errlen);
		if (rc == 0)
			rc = pg_put_one(conn, &eff, &p, mode, n, err, errlen);
		ushd_put_wipe(&p);
	}
	if (rc == 0) {
		rc = pg_simple(conn, "COMMIT", err, errlen);
		goto out_finish;
	}
	/* best effort: closing the connection rolls back as well */
	PQclear(PQexec(conn, "ROLLBACK"));
out_finish:
	PQfinish(conn);
	return rc;
}
