#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "db.h"
#include "errors.h"
#include "escape.h"
#include "ids.h"
#include "session_store.h"
#include "utf8.h"

#define HASH_LEN IDS_SHA256_LEN

struct session_store {
	struct db *db;
	int64_t ttl_ms;
};

#define COLUMNS "user_id, display_name, avatar_url, role, conversation_id, " \
	"created_at, last_active_at, expires_at"

int session_store_open(struct session_store **out, struct db *db, long ttl_seconds)
{
	if ((*out = malloc(sizeof **out)) == NULL)
		return ERR_NOMEM;
	(*out)->db = db;
	(*out)->ttl_ms = (int64_t)ttl_seconds * 1000;
	return 0;
}

void session_store_close(struct session_store *st) { free(st); }

static int is_token(const char *t, size_t n)
{
	return n == SESSION_TOKEN_LEN && escape_is_lower_hex(t, n);
}

/* Copies column i (text, maybe NULL) into out[cap]. */
static void column_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= cap)
		n = cap - 1;
	memcpy(out, t ? (const char *)t : "", n);
	out[n] = '\0';
}

/* Reads the COLUMNS of the current row, starting at column first. */
static void read_row(sqlite3_stmt *st, int first, struct session *s)
{
	column_text(st, first, s->user_id, sizeof s->user_id);
	column_text(st, first + 1, s->display_name, sizeof s->display_name);
	column_text(st, first + 2, s->avatar_url, sizeof s->avatar_url);
	column_text(st, first + 3, s->role, sizeof s->role);
	column_text(st, first + 4, s->conversation_id, sizeof s->conversation_id);
	s->created_at = sqlite3_column_int64(st, first + 5);
	s->last_active_at = sqlite3_column_int64(st, first + 6);
	s->expires_at = sqlite3_column_int64(st, first + 7);
}

static int exec(struct session_store *st, const char *sql)
{
	return sqlite3_exec(db_handle(st->db), sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : ERR_DB;
}

/* Runs a bound statement to completion: 0, ERR_CONFLICT on a UNIQUE
 * violation, ERR_DB. Resets st. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && sqlite3_extended_errcode(sqlite3_db_handle(st)) ==
	    SQLITE_CONSTRAINT_UNIQUE)
		rc = ERR_CONFLICT;
	else
		rc = rc == SQLITE_DONE ? 0 : ERR_DB;
	db_done(st);
	return rc;
}

/* Removes up to 100 expired sessions, and any expired one holding
 * name_key in the conversation (so it cannot block the name). */
static int sweep(struct session_store *st, const struct session *in,
    const char *name_key, int64_t now)
{
	static const char batch[] = "DELETE FROM sessions WHERE rowid IN "
	    "(SELECT rowid FROM sessions WHERE expires_at <= ?1 LIMIT 100)";
	static const char same[] = "DELETE FROM sessions WHERE conversation_id = ?1 "
	    "AND name_key = ?2 AND expires_at <= ?3";
	sqlite3_stmt *a = db_stmt(st->db, batch), *b = db_stmt(st->db, same);
	int rc;

	if (a == NULL || b == NULL)
		return ERR_DB;
	sqlite3_bind_int64(a, 1, now);
	if ((rc = run(a)) < 0)
		return rc;
	sqlite3_bind_text(b, 1, in->conversation_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(b, 2, name_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(b, 3, now);
	return run(b);
}

static int insert(struct session_store *st, const struct session *s,
    const unsigned char hash[HASH_LEN], const char *name_key)
{
	static const char sql[] = "INSERT INTO sessions (token_hash, name_key, " COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	sqlite3_stmt *q = db_stmt(st->db, sql);

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, s->user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, s->display_name, -1, SQLITE_STATIC);
	if (s->avatar_url[0])
		sqlite3_bind_text(q, 5, s->avatar_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, s->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, s->conversation_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, s->created_at);
	sqlite3_bind_int64(q, 9, s->last_active_at);
	sqlite3_bind_int64(q, 10, s->expires_at);
	return run(q);
}

/* A new token and its hash, and out's id and times. */
static int mint(struct session_store *st, const struct session *in,
    char token[SESSION_TOKEN_LEN + 1], unsigned char hash[HASH_LEN],
    struct session *out)
{
	int rc;

	*out = *in;
	out->created_at = out->last_active_at = clock_now_ms();
	out->expires_at = out->created_at + st->ttl_ms;
	if ((rc = ids_token_hex(token, SESSION_TOKEN_LEN + 1, SESSION_TOKEN_LEN / 2)) < 0 ||
	    (rc = ids_uuid4(out->user_id)) < 0)
		return rc;
	return ids_sha256(token, SESSION_TOKEN_LEN, hash);
}

int session_store_create(struct session_store *st, const struct session *in,
    char token[SESSION_TOKEN_LEN + 1], struct session *out)
{
	char name_key[SESSION_NAME_MAX + 1];
	unsigned char hash[HASH_LEN];
	int rc;

	if (utf8_casefold(in->display_name, strlen(in->display_name), name_key,
	    sizeof name_key) < 0)
		return ERR_INVAL;
	if ((rc = mint(st, in, token, hash, out)) < 0)
		return rc;
	/* IMMEDIATE: the write lock up front, so the busy timeout applies
	 * instead of a deadlock error on upgrade. */
	if ((rc = exec(st, "BEGIN IMMEDIATE")) < 0)
		return rc;
	if ((rc = sweep(st, out, name_key, out->created_at)) < 0 ||
	    (rc = insert(st, out, hash, name_key)) < 0 ||
	    (rc = exec(st, "COMMIT")) < 0) {
		exec(st, "ROLLBACK");
		OPENSSL_cleanse(token, SESSION_TOKEN_LEN + 1);
	}
	return rc;
}

/* Moves the session's activity to now when a minute has passed. */
static int touch(struct session_store *st, const unsigned char hash[HASH_LEN],
    struct session *s)
{
	static const char sql[] = "UPDATE sessions SET last_active_at = ?2, "
	    "expires_at = ?3 WHERE token_hash = ?1";
	int64_t now = clock_now_ms();
	sqlite3_stmt *q;

	if (now - s->last_active_at < SESSION_TOUCH_MS)
		return 0;
	if ((q = db_stmt(st->db, sql)) == NULL)
		return ERR_DB;
	s->last_active_at = now;
	s->expires_at = now + st->ttl_ms;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, s->last_active_at);
	sqlite3_bind_int64(q, 3, s->expires_at);
	return run(q);
}

int session_store_lookup(struct session_store *st, const char *t, size_t n,
    struct session *out)
{
	static const char sql[] = "SELECT token_hash, " COLUMNS " FROM sessions "
	    "WHERE token_hash = ?1 AND expires_at > ?2";
	unsigned char hash[HASH_LEN];
	sqlite3_stmt *q;
	int rc, step;

	if (!is_token(t, n))
		return ERR_NOTFOUND;
	if ((rc = ids_sha256(t, n, hash)) < 0)
		return rc;
	if ((q = db_stmt(st->db, sql)) == NULL)
		return ERR_DB;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, clock_now_ms());
	step = sqlite3_step(q);
	rc = step == SQLITE_DONE ? ERR_NOTFOUND : step == SQLITE_ROW ? 0 : ERR_DB;
	if (rc == 0 && (sqlite3_column_bytes(q, 0) != HASH_LEN ||
	    CRYPTO_memcmp(sqlite3_column_blob(q, 0), hash, HASH_LEN) != 0))
		rc = ERR_NOTFOUND;
	if (rc == 0)
		read_row(q, 1, out);
	db_done(q);
	return rc == 0 ? touch(st, hash, out) : rc;
}

int session_store_delete(struct session_store *st, const char *t, size_t n,
    struct session *gone)
{
	static const char by_user[] = "DELETE FROM sessions WHERE user_id = ?1 RETURNING " COLUMNS;
	static const char by_token[] = "DELETE FROM sessions WHERE token_hash = ?1 RETURNING " COLUMNS;
	unsigned char hash[HASH_LEN];
	int uuid = ids_is_uuid4(t, n), rc, step;
	sqlite3_stmt *q;

	if (!uuid && !is_token(t, n))
		return ERR_NOTFOUND;
	if (!uuid && (rc = ids_sha256(t, n, hash)) < 0)
		return rc;
	if ((q = db_stmt(st->db, uuid ? by_user : by_token)) == NULL)
		return ERR_DB;
	if (uuid)
		sqlite3_bind_text(q, 1, t, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	if ((step = sqlite3_step(q)) == SQLITE_ROW && gone != NULL)
		read_row(q, 0, gone);
	rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
	/* Stepping to the end finishes the statement, and with it the delete. */
	while (step == SQLITE_ROW)
		step = sqlite3_step(q);
	if (step != SQLITE_DONE)
		rc = ERR_DB;
	db_done(q);
	return rc;
}

int session_store_list(struct session_store *st, const char *conversation_id,
    session_each_fn each, void *ctx)
{
	static const char sql[] = "SELECT " COLUMNS " FROM sessions WHERE "
	    "conversation_id = ?1 AND expires_at > ?2 ORDER BY created_at, rowid";
	sqlite3_stmt *q = db_stmt(st->db, sql);
	struct session s;
	int rc = 0, step;

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, conversation_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, clock_now_ms());
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		read_row(q, 0, &s);
		rc = each(ctx, &s);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ERR_DB;
	db_done(q);
	return rc;
}

int session_store_count(struct session_store *st, const char *conversation_id,
    long *n)
{
	static const char sql[] = "SELECT count(*) FROM sessions WHERE "
	    "conversation_id = ?1 AND expires_at > ?2";
	sqlite3_stmt *q = db_stmt(st->db, sql);
	int rc = ERR_DB;

	if (q == NULL)
		return ERR_DB;
	sqlite3_bind_text(q, 1, conversation_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, clock_now_ms());
	if (sqlite3_step(q) == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(q, 0);
		rc = 0;
	}
	db_done(q);
	return rc;
}

/* Adds name: the ISO time of ms. */
static int add_time(cJSON *o, const char *name, int64_t ms)
{
	char iso[ISO_TIME_LEN + 1];

	return clock_iso(ms, iso) == 0 && cJSON_AddStringToObject(o, name, iso) != NULL;
}

cJSON *session_store_json(const struct session *s, const char *token)
{
	cJSON *o = cJSON_CreateObject();
	int ok;

	ok = o != NULL && (token == NULL || cJSON_AddStringToObject(o, "sessionId", token)) &&
	    cJSON_AddStringToObject(o, "userId", s->user_id) &&
	    cJSON_AddStringToObject(o, "displayName", s->display_name) &&
	    (s->avatar_url[0] ? cJSON_AddStringToObject(o, "avatarUrl", s->avatar_url) != NULL :
	    cJSON_AddNullToObject(o, "avatarUrl") != NULL) &&
	    cJSON_AddStringToObject(o, "role", s->role) &&
	    cJSON_AddStringToObject(o, "conversationId", s->conversation_id) &&
	    add_time(o, "createdAt", s->created_at) &&
	    add_time(o, "lastActiveAt", s->last_active_at);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int append_json(void *ctx, const struct session *s)
{
	cJSON *o = session_store_json(s, NULL);

	if (o == NULL || !cJSON_AddItemToArray(ctx, o)) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	return 0;
}

int session_store_list_json(struct session_store *st, const char *conversation_id,
    cJSON *array)
{
	return session_store_list(st, conversation_id, append_json, array);
}
