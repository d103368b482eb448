#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "errors.h"
#include "metrics.h"

#define DB_STMT_CACHE 64
#define DB_BUSY_MS 5000
#define DB_RETRY_MS 10

struct cached {
	const char *sql;
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	int want_version;
	struct cached cache[DB_STMT_CACHE];
};

static int exec(sqlite3 *h, const char *sql)
{
	return sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ERR_DB;
}

/* The default VFS with its xSleep counted in the metrics: SQLite's busy
 * timeout sleeps through it, in steps of 1 to 100 ms, while another
 * process holds the lock. Registered once per process. */
static sqlite3_vfs counted_vfs;
static sqlite3_vfs *base_vfs;

static int counted_sleep(sqlite3_vfs *vfs, int us)
{
	int slept = base_vfs->xSleep(base_vfs, us);

	(void)vfs;
	metrics_add(METRIC_SQLITE_BUSY_WAITS, NULL, 1);
	metrics_add(METRIC_SQLITE_BUSY_SECONDS, NULL, slept > 0 ? (uint64_t)slept : 0);
	return slept;
}

/* The name of the counted VFS, or NULL (the default) when it cannot be had. */
static const char *vfs_name(void)
{
	if (base_vfs == NULL) {
		if ((base_vfs = sqlite3_vfs_find(NULL)) == NULL)
			return NULL;
		counted_vfs = *base_vfs;
		counted_vfs.zName = "chats3-counted";
		counted_vfs.xSleep = counted_sleep;
		if (sqlite3_vfs_register(&counted_vfs, 0) != SQLITE_OK) {
			base_vfs = NULL;
			return NULL;
		}
	}
	return counted_vfs.zName;
}

/* Switching a new file to WAL takes a lock that the busy timeout does not
 * wait for: while another process creates the same file, SQLite answers
 * SQLITE_BUSY at once. Retried for as long as the busy timeout. */
static int use_wal(sqlite3 *h)
{
	const struct timespec pause = { 0, DB_RETRY_MS * 1000000L };
	int rc;

	for (int waited = 0; ; waited += DB_RETRY_MS) {
		rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY || waited >= DB_BUSY_MS)
			return rc == SQLITE_OK ? 0 : ERR_DB;
		nanosleep(&pause, NULL);
	}
}

static int read_version(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int v = ERR_DB;

	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(sqlite3 *h, const struct db_migration *m, int n)
{
	char pragma[64];
	int v, rc;

	if ((v = read_version(h)) < 0)
		return v;
	if (v >= n)
		return 0;
	if ((rc = exec(h, "BEGIN IMMEDIATE")) < 0)
		return rc;
	/* Another process may have upgraded while we waited for the lock. */
	if ((v = read_version(h)) < 0) {
		rc = v;
		goto rollback;
	}
	for (; v < n; v++) {
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		if ((rc = exec(h, m[v].sql)) < 0 || (rc = exec(h, pragma)) < 0)
			goto rollback;
	}
	return exec(h, "COMMIT");
rollback:
	exec(h, "ROLLBACK");
	return rc;
}

/* Creates path as an empty file of mode 0600 unless it exists, so that
 * SQLite, which gives its -wal and -shm files the database's mode, keeps
 * all three to their owner. */
static int create_private(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return ERR_DB;
	return close(fd) == 0 ? 0 : ERR_DB;
}

int db_open(struct db **out, const char *path,
    const struct db_migration *migrations, int n)
{
	struct db *db;
	int rc;

	*out = NULL;
	if ((db = calloc(1, sizeof *db)) == NULL)
		return ERR_NOMEM;
	db->want_version = n;
	if ((rc = create_private(path)) < 0)
		goto err;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, vfs_name()) != SQLITE_OK) {
		rc = ERR_DB;
		goto err;
	}
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	if ((rc = use_wal(db->h)) < 0 ||
	    (rc = exec(db->h, "PRAGMA synchronous=NORMAL")) < 0 ||
	    (rc = exec(db->h, "PRAGMA foreign_keys=ON")) < 0 ||
	    (rc = migrate(db->h, migrations, n)) < 0)
		goto err;
	*out = db;
	return 0;
err:
	db_close(db);
	return rc;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	struct cached *c = NULL;
	size_t i;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].sql == sql)
			return db->cache[i].st;
		if (db->cache[i].sql == NULL && c == NULL)
			c = &db->cache[i];
	}
	if (c == NULL)
		return NULL;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(c->st);
		c->st = NULL;
		return NULL;
	}
	c->sql = sql;
	return c->st;
}

void db_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int db_version(struct db *db)
{
	static const char sql[] = "PRAGMA user_version";
	sqlite3_stmt *st = db_stmt(db, sql);
	int v = ERR_DB;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	db_done(st);
	return v;
}

/* Takes the write lock and rewrites the schema version it holds, then
 * rolls back: fails on a file this process may only read. */
static int try_write(struct db *db)
{
	char pragma[64];
	int rc;

	if (sqlite3_db_readonly(db->h, "main") != 0)
		return ERR_DB;
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", db->want_version);
	if ((rc = exec(db->h, "BEGIN IMMEDIATE")) < 0)
		return rc;
	rc = exec(db->h, pragma);
	return exec(db->h, "ROLLBACK") < 0 ? ERR_DB : rc;
}

int db_check(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM sqlite_schema";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = ERR_DB;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    db_version(db) == db->want_version)
		rc = 0;
	db_done(st);
	return rc == 0 ? try_write(db) : rc;
}

sqlite3 *db_handle(struct db *db) { return db->h; }

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	free(db);
}
