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
		rc = ushd_load_row(&eff, "pgsql", &row, (unsigned long)i + 1, &idx, set, &cred, err,
				   errlen);
		if (rc < 0)
			goto out_clear;
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

/* ---- Writes: ushd_pgsql_ops for the driver in source.c; db is the PGconn ---- */

static int
pg_op_open(const struct ushd_source_conf *c, void **db, char *err, size_t errlen)
{
	PGconn *conn = NULL;
	int rc = pg_connect(c, &conn, err, errlen);

	*db = conn;
	return rc;
}

static void
pg_op_close(void *db)
{
	PQfinish(db);
}

static int
pg_op_begin(void *db, const struct ushd_source_conf *c, char *err, size_t errlen)
{
	(void)c;
	return pg_simple(db, "BEGIN", err, errlen);
}

static int
pg_op_columns(void *db, const struct ushd_source_conf *c, struct ushd_source_conf *eff, char *err,
	      size_t errlen)
{
	return pg_columns(c, db, eff, err, errlen);
}

/* COUNT(*) comes as a row; the other statements report the rows changed in PQcmdTuples(). */
static int
pg_op_run(void *db, const struct ushd_source_conf *c, const struct ushd_sql *q, bool returns_row,
	  long long *count, char *err, size_t errlen)
{
	PGresult *res;

	(void)c;
	res = pg_exec(db, q, returns_row ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, err, errlen);
	if (res == NULL)
		return -EIO;
	*count = strtoll(returns_row ? PQgetvalue(res, 0, 0) : PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

/* A failed COMMIT ends the transaction in PostgreSQL: nothing is left to roll back. */
static int
pg_op_commit(void *db, const struct ushd_source_conf *c, char *err, size_t errlen)
{
	(void)c;
	return pg_simple(db, "COMMIT", err, errlen);
}

/* Best effort: closing the connection rolls back as well. */
static void
pg_op_rollback(void *db)
{
	PQclear(PQexec(db, "ROLLBACK"));
}

const struct ushd_sql_ops ushd_pgsql_ops = {
	.name = "pgsql", /* never the conninfo: it may hold a password */
	.ph = '$',
	.open = pg_op_open,
	.close = pg_op_close,
	.begin = pg_op_begin,
	.columns = pg_op_columns,
	.run = pg_op_run,
	.commit = pg_op_commit,
	.rollback = pg_op_rollback,
};
