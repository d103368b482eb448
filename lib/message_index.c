#include <limits.h>

#include "db.h"
#include "errors.h"
#include "message_index.h"

static const char add_sql[] =
    "INSERT OR IGNORE INTO message_batches (conversation_id, key) VALUES (?1, ?2)";
static const char covered_sql[] = "SELECT 1 FROM message_covered WHERE conversation_id = ?1";
static const char cover_sql[] = "INSERT OR IGNORE INTO message_covered (conversation_id) VALUES (?1)";
static const char newest_sql[] =
    "SELECT key FROM message_batches WHERE conversation_id = ?1 AND (?2 IS NULL OR key < ?2)"
    " ORDER BY key DESC LIMIT ?3";

/* Binds the texts args[0..n) to st's first parameters. */
static int bind_texts(sqlite3_stmt *st, const char *const *args, int n)
{
	for (int i = 0; i < n; i++)
		if (sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC) != SQLITE_OK)
			return ERR_DB;
	return 0;
}

/* Runs sql (no rows wanted) with the texts args[0..n). */
static int run(struct db *ix, const char *sql, const char *const *args, int n)
{
	sqlite3_stmt *st = db_stmt(ix, sql);
	int rc;

	if (st == NULL)
		return ERR_DB;
	rc = bind_texts(st, args, n) == 0 && sqlite3_step(st) == SQLITE_DONE ? 0 : ERR_DB;
	db_done(st);
	return rc;
}

int message_index_add(struct db *ix, const char *conversation_id, const char *key)
{
	const char *args[] = { conversation_id, key };

	return run(ix, add_sql, args, 2);
}

int message_index_cover(struct db *ix, const char *conversation_id)
{
	return run(ix, cover_sql, &conversation_id, 1);
}

int message_index_covered(struct db *ix, const char *conversation_id, int *covered)
{
	sqlite3_stmt *st = db_stmt(ix, covered_sql);
	int rc = ERR_DB, step;

	if (st == NULL)
		return ERR_DB;
	if (bind_texts(st, &conversation_id, 1) == 0 &&
	    ((step = sqlite3_step(st)) == SQLITE_ROW || step == SQLITE_DONE)) {
		*covered = step == SQLITE_ROW;
		rc = 0;
	}
	db_done(st);
	return rc;
}

int message_index_newest(struct db *ix, const char *conversation_id, const char *before,
    size_t n, int (*fn)(void *ctx, const char *key), void *ctx)
{
	const char *args[] = { conversation_id, before };
	sqlite3_stmt *st = db_stmt(ix, newest_sql);
	const char *key;
	int rc = 0, step = SQLITE_DONE;

	if (st == NULL)
		return ERR_DB;
	if (bind_texts(st, args, before != NULL ? 2 : 1) < 0 ||
	    sqlite3_bind_int64(st, 3, n > INT_MAX ? INT_MAX : (sqlite3_int64)n) != SQLITE_OK)
		rc = ERR_DB;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = (key = (const char *)sqlite3_column_text(st, 0)) != NULL ? fn(ctx, key) : ERR_NOMEM;
	if (rc == 0 && step != SQLITE_DONE)
		rc = ERR_DB;
	db_done(st);
	return rc < 0 ? rc : 0;
}

int message_index_begin(struct db *ix)
{
	return sqlite3_exec(db_handle(ix), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ?
	    0 : ERR_DB;
}

int message_index_end(struct db *ix, int ok)
{
	return sqlite3_exec(db_handle(ix), ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : ERR_DB;
}
