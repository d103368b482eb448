#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "errors.h"
#include "idempotency.h"

/* Runs a prepared statement binding user_id, key and an optional text. */
static int exec3(struct db *db, const char *sql, const char *user_id, const char *key,
    const char *text)
{
	sqlite3_stmt *q = db_stmt(db, sql);
	int rc;

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : ERR_DB;
	db_done(q);
	return rc;
}

static int sweep(struct db *db, int64_t now_ms)
{
	static const char sql[] = "DELETE FROM idempotency WHERE (user_id, key) IN "
	    "(SELECT user_id, key FROM idempotency WHERE created_at < ?1 LIMIT 100)";
	sqlite3_stmt *q = db_stmt(db, sql);
	int rc;

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_int64(q, 1, now_ms - IDEMPOTENCY_TTL_MS);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : ERR_DB;
	db_done(q);
	return rc;
}

int idempotency_claim(struct db *db, const char *user_id, const char *key, int64_t now_ms)
{
	static const char sql[] = "INSERT INTO idempotency (user_id, key, message, "
	    "created_at) VALUES (?1, ?2, NULL, ?3) ON CONFLICT (user_id, key) DO NOTHING";
	sqlite3_stmt *q;
	int rc;

	if ((rc = sweep(db, now_ms)) < 0)
		return rc;
	if ((q = db_stmt(db, sql)) == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now_ms);
	if (sqlite3_step(q) != SQLITE_DONE)
		rc = ERR_DB;
	else
		rc = sqlite3_changes(db_handle(db)) == 1 ? 0 : 1;
	db_done(q);
	return rc;
}

int idempotency_record(struct db *db, const char *user_id, const char *key,
    const char *message_json)
{
	static const char sql[] = "UPDATE idempotency SET message = ?3 "
	    "WHERE user_id = ?1 AND key = ?2";

	return exec3(db, sql, user_id, key, message_json);
}

int idempotency_release(struct db *db, const char *user_id, const char *key)
{
	static const char sql[] = "DELETE FROM idempotency WHERE user_id = ?1 AND key = ?2";

	return exec3(db, sql, user_id, key, NULL);
}

int idempotency_result(struct db *db, const char *user_id, const char *key, char **out)
{
	static const char sql[] = "SELECT message FROM idempotency "
	    "WHERE user_id = ?1 AND key = ?2";
	sqlite3_stmt *q = db_stmt(db, sql);
	const unsigned char *t;
	int rc, step;

	*out = NULL;
	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else if (step != SQLITE_ROW) {
		rc = ERR_DB;
	} else if ((t = sqlite3_column_text(q, 0)) == NULL) {
		rc = 1;
	} else {
		*out = strdup((const char *)t);
		rc = *out ? 0 : ERR_NOMEM;
	}
	db_done(q);
	return rc;
}
