/*
 * test_db: WAL on a real file, migrations applied once and in one
 * transaction, the statement cache, db_check's schema and write checks, and
 * the file's mode (0600, its WAL files too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "db.h"
#include "errors.h"

#define STEP1 "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"
#define STEP2 "CREATE TABLE b (y TEXT);"
#define STEP3 "CREATE TABLE c (z TEXT);"

static const struct db_migration good[] = { { STEP1 }, { STEP2 }, { STEP3 } };
/* Step 4 fails after step 3 worked: both must roll back. */
static const struct db_migration bad[] = { { STEP1 }, { STEP2 }, { STEP3 },
	{ "CREATE TABLE d (w TEXT); THIS IS NOT SQL;" } };

static char dir[4096], path[4096];

/* One integer from sql, or -1. */
static int query_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The version on disk, read through an open that applies nothing. */
static int version_on_disk(void)
{
	struct db *db;
	int v;

	if (db_open(&db, path, NULL, 0) < 0)
		return ERR_DB;
	v = db_version(db);
	db_close(db);
	return v;
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const struct db_migration *m;
	int n;
	int version; /* on disk afterwards */
} steps[] = {
	{ __LINE__, 0, "a new file gets step 1", good, 1, 1 },
	{ __LINE__, 0, "reopening applies nothing", good, 1, 1 },
	{ __LINE__, 0, "one more step applies only it", good, 2, 2 },
	{ __LINE__, 0, "fewer steps than the file holds", good, 1, 2 },
	{ __LINE__, ERR_DB, "a failing step rolls back", bad, 4, 2 },
	{ __LINE__, 0, "step 3 again: its table was rolled back", good, 3, 3 },
};

static void test_migrations(void)
{
	struct db *db;
	int rc;

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		int line = steps[i].line;

		rc = db_open(&db, path, steps[i].m, steps[i].n);
		CHECK_AT(line, rc == steps[i].rc);
		CHECK_AT(line, (db != NULL) == (rc == 0));
		if (db != NULL)
			CHECK_AT(line, query_int(db, "SELECT count(*) FROM a") == 1);
		db_close(db);
		CHECK_AT(line, version_on_disk() == steps[i].version);
	}
}

/* The permission bits of file p, or -1. */
static int mode_of(const char *p)
{
	struct stat s;

	return stat(p, &s) == 0 ? (int)(s.st_mode & 07777) : -1;
}

static int mode_of_suffixed(const char *suffix)
{
	char p[4096 + 8];

	return snprintf(p, sizeof p, "%s%s", path, suffix) < (int)sizeof p ? mode_of(p) : -1;
}

/* A new database and its WAL files are their owner's only (0600), whatever
 * the umask: the test widens it. */
static void test_connection(void)
{
	static const char q1[] = "SELECT 1", q2[] = "SELECT 1";
	static const char broken[] = "SELECT FROM WHERE";
	sqlite3_stmt *st;
	struct db *db;
	const unsigned char *mode;

	CHECK(db_open(&db, path, good, 3) == 0);
	if (db == NULL)
		return;
	CHECK(db_version(db) == 3);
	st = NULL;
	mode = NULL;
	if (sqlite3_prepare_v2(db_handle(db), "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		mode = sqlite3_column_text(st, 0);
	CHECK_STR(__LINE__, (const char *)mode, "wal");
	sqlite3_finalize(st);
	CHECK(query_int(db, "PRAGMA foreign_keys") == 1);
	CHECK(query_int(db, "PRAGMA busy_timeout") > 0);
	CHECK(mode_of(path) == 0600);
	CHECK(mode_of_suffixed("-wal") == 0600 && mode_of_suffixed("-shm") == 0600);

	st = db_stmt(db, q1);
	CHECK(st != NULL);
	CHECK(db_stmt(db, q1) == st);
	CHECK(db_stmt(db, q2) != NULL && db_stmt(db, q2) != st);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
	db_done(st);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	db_done(st);
	db_done(NULL);
	CHECK(db_stmt(db, broken) == NULL);
	CHECK(db_stmt(db, broken) == NULL);

	CHECK(db_check(db) == 0);
	CHECK(sqlite3_exec(db_handle(db), "PRAGMA user_version = 7", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db_check(db) == ERR_DB);
	CHECK(sqlite3_exec(db_handle(db), "PRAGMA user_version = 3", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db_check(db) == 0);
	/* A database this process may only read is not healthy. */
	CHECK(sqlite3_exec(db_handle(db), "PRAGMA query_only = 1", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db_check(db) == ERR_DB);
	CHECK(sqlite3_exec(db_handle(db), "PRAGMA query_only = 0", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(db_check(db) == 0);
	db_close(db);

	/* A program built for fewer steps than the file holds is not current. */
	CHECK(db_open(&db, path, good, 2) == 0);
	if (db != NULL)
		CHECK(db_check(db) == ERR_DB);
	db_close(db);
	db_close(NULL);
}

static void test_unopenable(void)
{
	char missing[4200];
	struct db *db;
	int n = snprintf(missing, sizeof missing, "%s/no-such-dir/x.db", dir);

	CHECK(n > 0 && (size_t)n < sizeof missing);
	CHECK(db_open(&db, missing, good, 1) == ERR_DB);
	CHECK(db == NULL);
}

/* Removes the database, its WAL files and the directory. */
static void cleanup(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[4200];
	int n;

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		n = snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		CHECK(n > 0 && (size_t)n < sizeof p);
		CHECK(unlink(p) == 0 || errno == ENOENT);
	}
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, sizeof dir, "%s/test_db.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if (n < 0 || (size_t)n >= sizeof dir || mkdtemp(dir) == NULL) {
		perror("test_db: temporary directory");
		return 1;
	}
	n = snprintf(path, sizeof path, "%s/chats3.db", dir);
	if (n < 0 || (size_t)n >= sizeof path) {
		fprintf(stderr, "test_db: path too long\n");
		return 1;
	}
	umask(022);
	test_migrations();
	test_connection();
	test_unopenable();
	cleanup();
	return check_done("test_db");
}
