#include <stddef.h>
#include <stdio.h>

#include "clock.h"
#include "db.h"
#include "errors.h"
#include "ratelimit.h"

/* Buckets of windows that ended: removed 100 at a time, when a bucket
 * starts a new window (about once a minute per client). */
static int sweep(struct db *db, int64_t window)
{
	static const char sql[] = "DELETE FROM rate_limits WHERE bucket IN (SELECT "
	    "bucket FROM rate_limits WHERE window_start < ?1 LIMIT 100)";
	sqlite3_stmt *q = db_stmt(db, sql);
	int rc;

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_int64(q, 1, window);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : ERR_DB;
	db_done(q);
	return rc;
}

int ratelimit_hit(struct db *db, const char *bucket, long limit, int64_t now_ms,
    long *retry_after)
{
	static const char sql[] = "INSERT INTO rate_limits (bucket, window_start, count) "
	    "VALUES (?1, ?2, 1) ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN "
	    "window_start = excluded.window_start THEN count + 1 ELSE 1 END, "
	    "window_start = excluded.window_start RETURNING count";
	int64_t window = now_ms - now_ms % RATELIMIT_WINDOW_MS, count = -1;
	sqlite3_stmt *q = db_stmt(db, sql);

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, window);
	if (sqlite3_step(q) == SQLITE_ROW)
		count = sqlite3_column_int64(q, 0);
	/* RETURNING: the change is made when the statement has run to the end. */
	if (count < 0 || sqlite3_step(q) != SQLITE_DONE) {
		db_done(q);
		return ERR_DB;
	}
	db_done(q);
	if (count == 1 && sweep(db, window) < 0)
		return ERR_DB;
	*retry_after = (long)((window + RATELIMIT_WINDOW_MS - now_ms + 999) / 1000);
	return count > limit ? 1 : 0;
}
