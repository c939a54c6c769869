/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* SQLite source: a Kamailio or OpenSIPS subscriber table in a database file. */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ushd_source.h"
#include "ushd_source_priv.h"

/*
 * How long to wait for a writer (Kamailio's own, or sqlite3 in a shell) before reporting the
 * database as locked: long enough for a normal transaction, short enough not to stall usherd.
 */
#define SQLITE_BUSY_MS 1000

static int
sqlite_errno(int code)
{
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static int
sqlite_open(const struct ushd_source_conf *c, bool rw, sqlite3 **db, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	/* SQLite's "unable to open database file" hides the reason; stat names it. */
	if (stat(c->path, &st) < 0) {
		rc = -errno;
		return ushd_err(err, errlen, rc, "%s: %s", c->path, strerror(-rc));
	}
	rc = sqlite3_open_v2(c->path, db, rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		ushd_err(err, errlen, sqlite_errno(rc), "%s: open: %s", c->path,
			 *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return sqlite_errno(rc);
	}
	/*
	 * SQLite's legacy "double-quoted string" rule reads "ha1_sha256" as a string literal
	 * when no such column exists: a misnamed column would load its own name as the HA1.
	 */
	sqlite3_db_config(*db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	sqlite3_db_config(*db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	sqlite3_busy_timeout(*db, SQLITE_BUSY_MS);
	return 0;
}

static int
sqlite_fail(const struct ushd_source_conf *c, sqlite3 *db, int code, const char *sql, char *err,
	    size_t errlen)
{
	return ushd_err(err, errlen, sqlite_errno(code), "%s: %s: %s", c->path, sql,
			sqlite3_errmsg(db));
}

static int
sqlite_prepare(const struct ushd_source_conf *c, sqlite3 *db, const struct ushd_sql *q,
	       sqlite3_stmt **st, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v2(db, q->text, -1, st, NULL);

	if (rc != SQLITE_OK)
		return sqlite_fail(c, db, rc, q->text, err, errlen);
	for (int i = 0; i < q->n; i++) {
		/* SQLITE_STATIC: the values outlive the statement. */
		rc = sqlite3_bind_text(*st, i + 1, q->val[i], -1, SQLITE_STATIC);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(*st);
			*st = NULL;
			return sqlite_fail(c, db, rc, q->text, err, errlen);
		}
	}
	return 0;
}

/*
 * *eff: c less the auto-detected columns that the table lacks (SQLite names are
 * case-insensitive, so is the match). No row at all (no such table) drops them all, and the
 * statement that follows reports the missing table in SQLite's words.
 */
static int
sqlite_columns(const struct ushd_source_conf *c, sqlite3 *db, struct ushd_source_conf *eff,
	       char *err, size_t errlen)
{
	unsigned int missing = ushd_cols_auto(c);
	struct ushd_sql q;
	sqlite3_stmt *st = NULL;
	int rc;

	*eff = *c;
	if (missing == 0)
		return 0;
	rc = ushd_sql_columns(c, '?', &q);
	if (rc < 0)
		return ushd_err(err, errlen, rc, "%s: query too long", c->path);
	rc = sqlite_prepare(c, db, &q, &st, err, errlen);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ushd_cols_seen(c, (const char *)sqlite3_column_text(st, 0), true, &missing);
	if (rc != SQLITE_DONE)
		rc = sqlite_fail(c, db, rc, q.text, err, errlen);
	else
		rc = 0;
	sqlite3_finalize(st);
	ushd_cols_drop(eff, missing);
	return rc;
}

int
ushd_sqlite_load(const struct ushd_source_conf *c, struct ushd_credset *set, char *err,
		 size_t errlen)
{
	struct ushd_source_conf eff;
	struct ushd_index idx = {0};
	struct ushd_sql q;
	struct ushd_cred cred;
	struct ushd_row row;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int map[USHD_F_COUNT];
	unsigned long n = 0;
	int rc;

	rc = sqlite_open(c, false, &db, err, errlen);
	if (rc < 0)
		return rc;
	rc = sqlite_columns(c, db, &eff, err, errlen);
	if (rc < 0)
		goto out_close;
	rc = ushd_sql_select(&eff, '?', &q, map);
	if (rc < 0) {
		ushd_err(err, errlen, rc, "%s: query too long", c->path);
		goto out_close;
	}
	rc = sqlite_prepare(c, db, &q, &st, err, errlen);
	if (rc < 0)
		goto out_close;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		for (int f = 0; f < USHD_F_COUNT; f++)
			row.f[f] =
				map[f] < 0 ? NULL : (const char *)sqlite3_column_text(st, map[f]);
		rc = ushd_load_row(&eff, c->path, &row, n, &idx, set, &cred, err, errlen);
		if (rc < 0)
			goto out_finalize;
	}
	if (rc != SQLITE_DONE) {
		rc = sqlite_fail(c, db, rc, q.text, err, errlen);
		goto out_finalize;
	}
	rc = 0;
out_finalize:
	explicit_bzero(&cred, sizeof(cred));
	sqlite3_finalize(st);
out_close:
	ushd_index_free(&idx);
	sqlite3_close(db);
	return rc;
}

/* ---- Writes: ushd_sqlite_ops for the driver in source.c; db is the sqlite3 handle ---- */

static int
sqlite_op_open(const struct ushd_source_conf *c, void **db, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	int rc = sqlite_open(c, true, &h, err, errlen);

	*db = h;
	return rc;
}

static void
sqlite_op_close(void *db)
{
	sqlite3_close(db);
}

static int
sqlite_exec(const struct ushd_source_conf *c, sqlite3 *db, const char *sql, char *err,
	    size_t errlen)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_fail(c, db, rc, sql, err, errlen);
}

/* IMMEDIATE takes the write lock now, so an existence check still holds at its write. */
static int
sqlite_op_begin(void *db, const struct ushd_source_conf *c, char *err, size_t errlen)
{
	return sqlite_exec(c, db, "BEGIN IMMEDIATE", err, errlen);
}

static int
sqlite_op_columns(void *db, const struct ushd_source_conf *c, struct ushd_source_conf *eff,
		  char *err, size_t errlen)
{
	return sqlite_columns(c, db, eff, err, errlen);
}

/* COUNT(*) comes as a row; the other statements return none and count sqlite3_changes(). */
static int
sqlite_op_run(void *db, const struct ushd_source_conf *c, const struct ushd_sql *q,
	      bool returns_row, long long *count, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	(void)returns_row;
	rc = sqlite_prepare(c, db, q, &st, err, errlen);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		*count = sqlite3_changes(db);
	}
	if (rc != SQLITE_DONE)
		rc = sqlite_fail(c, db, rc, q->text, err, errlen);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static void
sqlite_op_rollback(void *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* A failed COMMIT (SQLITE_BUSY) leaves the transaction open: end it here. */
static int
sqlite_op_commit(void *db, const struct ushd_source_conf *c, char *err, size_t errlen)
{
	int rc = sqlite_exec(c, db, "COMMIT", err, errlen);

	if (rc < 0)
		sqlite_op_rollback(db);
	return rc;
}

const struct ushd_sql_ops ushd_sqlite_ops = {
	.name = NULL, /* messages name the file */
	.ph = '?',
	.open = sqlite_op_open,
	.close = sqlite_op_close,
	.begin = sqlite_op_begin,
	.columns = sqlite_op_columns,
	.run = sqlite_op_run,
	.commit = sqlite_op_commit,
	.rollback = sqlite_op_rollback,
};
