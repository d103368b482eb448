/*
 * state_sqlite: the SQLite backend of lib/state.h: one file shared by every
 * process of the host (<data_dir>/chats3.db, WAL; schema.c's migrations),
 * over db.c's connection and statement cache (static SQL text; every
 * statement is reset before an op returns).
 *
 * Each op is one statement, or one BEGIN IMMEDIATE transaction where it
 * takes several, so it is atomic across processes. Expired rows are
 * removed in bounded batches by the op that next writes their table.
 *
 *   sessions        sessions (v2, origin v6): keyed by token_hash; the UNIQUE index
 *                   (conversation_id, name_key) makes one of two racing
 *                   creates under one name fail
 *   nonces          nonces (v5)
 *   rate buckets    rate_limits (v2, window_end v5)
 *   idempotency     idempotency (v4, expires_at v5, owner and pending v7)
 *   conversations   conversations (v2, revision v5)
 *   message index   message_batches and message_covered (v3; WITHOUT
 *                   ROWID, so the newest keys are one range seek), and
 *                   message_clock (v5)
 *   the host's boot chats3_info's boot_id row (v1's table): at open, a
 *                   boot since uncovers every conversation
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "errors.h"
#include "owner.h"
#include "schema.h"
#include "state_backend.h"

#define SWEEP_BATCH "100" /* expired rows an op removes at most */

/* Parameter lists for bound(): TEXTS("a", b), INTS(now), or NONE. */
#define TEXTS(...) (const char *const[]){ __VA_ARGS__ }, \
	(int)(sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))
#define INTS(...) (const int64_t[]){ __VA_ARGS__ }, \
	(int)(sizeof (const int64_t[]){ __VA_ARGS__ } / sizeof(int64_t))
#define NONE NULL, 0

static struct db *db_of(struct state *st) { return st->backend; }

static int exec(struct state *st, const char *sql)
{
	return sqlite3_exec(db_handle(db_of(st)), sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : ERR_DB;
}

/* The cached statement of sql with the texts[0..n) (NULL binds NULL) as
 * ?1..?n and the ints[0..m) as the parameters after them; NULL on ERR_DB. */
static sqlite3_stmt *bound(struct state *st, const char *sql, const char *const *texts,
    int n, const int64_t *ints, int m)
{
	sqlite3_stmt *q = db_stmt(db_of(st), sql);
	int ok = q != NULL;

	for (int i = 0; ok && i < n; i++)
		ok = sqlite3_bind_text(q, i + 1, texts[i], -1, SQLITE_STATIC) == SQLITE_OK;
	for (int i = 0; ok && i < m; i++)
		ok = sqlite3_bind_int64(q, n + i + 1, ints[i]) == SQLITE_OK;
	if (!ok && q != NULL) {
		db_done(q);
		q = NULL;
	}
	return q;
}

/* Runs q (NULL: ERR_DB) to its end and resets it: 0, ERR_CONFLICT on a
 * UNIQUE or PRIMARY KEY violation, ERR_DB. */
static int run(sqlite3_stmt *q)
{
	int rc, ext;

	if (q == NULL)
		return ERR_DB;
	rc = sqlite3_step(q);
	ext = sqlite3_extended_errcode(sqlite3_db_handle(q));
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = ERR_CONFLICT;
	else
		rc = ERR_DB;
	db_done(q);
	return rc;
}

/* run, then 0 when it changed a row, 1 when it changed none (an upsert
 * whose WHERE kept the row as it was). */
static int run_changed(struct state *st, sqlite3_stmt *q)
{
	int rc = run(q);

	return rc < 0 ? rc : sqlite3_changes(db_handle(db_of(st))) == 1 ? 0 : 1;
}

/* Runs q (NULL: ERR_DB), whose one row is one integer (RETURNING), into *v
 * and resets it: 0 or ERR_DB. */
static int run_int(sqlite3_stmt *q, int64_t *v)
{
	int rc = ERR_DB;

	if (q == NULL)
		return ERR_DB;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*v = sqlite3_column_int64(q, 0);
		/* RETURNING: the change is made when the statement has run to the end. */
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : ERR_DB;
	}
	db_done(q);
	return rc;
}

/* Steps q (NULL: ERR_DB) to its first row: 0 there (the caller reads it,
 * then db_done), ERR_NOTFOUND without one (q reset), ERR_DB. */
static int first_row(sqlite3_stmt *q)
{
	int step;

	if (q == NULL)
		return ERR_DB;
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		return 0;
	db_done(q);
	return step == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
}

/* Steps q (NULL: ERR_DB) through its rows, calling row(ctx, q) for each
 * until it returns non-zero (< 0: the walk's error); resets q. */
static int walk(sqlite3_stmt *q, int (*row)(void *ctx, sqlite3_stmt *q), void *ctx)
{
	int rc = 0, step = SQLITE_DONE;

	if (q == NULL)
		return ERR_DB;
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW)
		rc = row(ctx, q);
	if (rc == 0 && step != SQLITE_DONE)
		rc = ERR_DB;
	db_done(q);
	return rc < 0 ? rc : 0;
}

/* Copies text column i (NULL: "") into out[cap], cut to fit. */
static void text(sqlite3_stmt *q, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(q, i) : 0;

	if (n >= cap)
		n = cap - 1;
	memcpy(out, t ? (const char *)t : "", n);
	out[n] = '\0';
}

/* Runs body(st, arg) inside BEGIN IMMEDIATE ... COMMIT (the write lock up
 * front, so the busy timeout applies instead of a deadlock error on
 * upgrade); rolls back when it fails. body's return once committed. */
static int transaction(struct state *st, int (*body)(struct state *, const void *),
    const void *arg)
{
	int rc, commit = 0;

	if ((rc = exec(st, "BEGIN IMMEDIATE")) < 0)
		return rc;
	if ((rc = body(st, arg)) < 0 || (commit = exec(st, "COMMIT")) < 0)
		exec(st, "ROLLBACK");
	return rc < 0 ? rc : commit < 0 ? commit : rc;
}

/* ---- sessions ---- */

#define COLUMNS "user_id, display_name, avatar_url, role, conversation_id, " \
	"created_at, last_active_at, expires_at, origin, client_net"

/* Reads the COLUMNS of the current row, starting at column first. */
static void read_session(sqlite3_stmt *q, int first, struct session *s)
{
	text(q, first, s->user_id, sizeof s->user_id);
	text(q, first + 1, s->display_name, sizeof s->display_name);
	text(q, first + 2, s->avatar_url, sizeof s->avatar_url);
	text(q, first + 3, s->role, sizeof s->role);
	text(q, first + 4, s->conversation_id, sizeof s->conversation_id);
	s->created_at = sqlite3_column_int64(q, first + 5);
	s->last_active_at = sqlite3_column_int64(q, first + 6);
	s->expires_at = sqlite3_column_int64(q, first + 7);
	text(q, first + 8, s->origin, sizeof s->origin);
	text(q, first + 9, s->client_net, sizeof s->client_net);
}

/* A statement whose ?1 is a token hash, bound; NULL on ERR_DB. */
static sqlite3_stmt *by_hash(struct state *st, const char *sql,
    const unsigned char hash[STATE_HASH_LEN])
{
	sqlite3_stmt *q = db_stmt(db_of(st), sql);

	if (q != NULL && sqlite3_bind_blob(q, 1, hash, STATE_HASH_LEN, SQLITE_STATIC) != SQLITE_OK) {
		db_done(q);
		q = NULL;
	}
	return q;
}

struct new_session {
	const struct session *s;
	const unsigned char *hash;
	const char *name_key;
};

/* The number of sessions live at now whose column (in sql) is key, into *n. */
static int count_live(struct state *st, const char *sql, const char *key, int64_t now, long *n)
{
	sqlite3_stmt *q = bound(st, sql, TEXTS(key), INTS(now));
	int rc;

	if ((rc = first_row(q)) < 0)
		return rc;
	*n = (long)sqlite3_column_int64(q, 0);
	db_done(q);
	return 0;
}

static const char count_conversation[] = "SELECT count(*) FROM sessions WHERE "
    "conversation_id = ?1 AND expires_at > ?2";
static const char count_client[] = "SELECT count(*) FROM sessions WHERE "
    "client_net = ?1 AND expires_at > ?2";

/* 0 when s may be added under the caps; ERR_CONV_FULL, ERR_CLIENT_FULL. */
static int within_caps(struct state *st, const struct session *s)
{
	long n = 0;
	int rc;

	if ((rc = count_live(st, count_conversation, s->conversation_id, s->created_at, &n)) < 0)
		return rc;
	if (n >= st->sessions_per_conversation)
		return ERR_CONV_FULL;
	if (s->client_net[0] == '\0')
		return 0;
	if ((rc = count_live(st, count_client, s->client_net, s->created_at, &n)) < 0)
		return rc;
	return n >= st->sessions_per_client ? ERR_CLIENT_FULL : 0;
}

/* Removes up to a batch of expired sessions and any expired one holding
 * the name (so it cannot block it), then inserts the session within the
 * caps. */
static int sweep_and_insert(struct state *st, const void *arg)
{
	static const char batch[] = "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM "
	    "sessions WHERE expires_at <= ?1 LIMIT " SWEEP_BATCH ")";
	static const char same[] = "DELETE FROM sessions WHERE conversation_id = ?1 "
	    "AND name_key = ?2 AND expires_at <= ?3";
	static const char insert[] = "INSERT INTO sessions (token_hash, name_key, " COLUMNS
	    ") VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?9, ?10, ?11, ?7, ?8)";
	const struct new_session *n = arg;
	const struct session *s = n->s;
	sqlite3_stmt *q;
	int rc;

	if ((rc = run(bound(st, batch, NONE, INTS(s->created_at)))) < 0 ||
	    (rc = run(bound(st, same, TEXTS(s->conversation_id, n->name_key),
	    INTS(s->created_at)))) < 0 || (rc = within_caps(st, s)) < 0)
		return rc;
	q = bound(st, insert, TEXTS(n->name_key, s->user_id, s->display_name,
	    s->avatar_url[0] ? s->avatar_url : NULL, s->role, s->conversation_id,
	    s->origin[0] ? s->origin : NULL, s->client_net),
	    INTS(s->created_at, s->last_active_at, s->expires_at));
	if (q != NULL && sqlite3_bind_blob(q, 12, n->hash, STATE_HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK) {
		db_done(q);
		q = NULL;
	}
	return run(q);
}

static int session_create(struct state *st, const struct session *s,
    const unsigned char hash[STATE_HASH_LEN], const char *name_key)
{
	const struct new_session n = { s, hash, name_key };

	return transaction(st, sweep_and_insert, &n);
}

static int session_get(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t now, struct session *out)
{
	static const char sql[] = "SELECT token_hash, " COLUMNS " FROM sessions "
	    "WHERE token_hash = ?1 AND expires_at > ?2";
	sqlite3_stmt *q = by_hash(st, sql, hash);
	int rc;

	if (q != NULL && sqlite3_bind_int64(q, 2, now) != SQLITE_OK) {
		db_done(q);
		return ERR_DB;
	}
	if ((rc = first_row(q)) < 0)
		return rc;
	if (sqlite3_column_bytes(q, 0) != STATE_HASH_LEN ||
	    CRYPTO_memcmp(sqlite3_column_blob(q, 0), hash, STATE_HASH_LEN) != 0)
		rc = ERR_NOTFOUND;
	else
		read_session(q, 1, out);
	db_done(q);
	return rc;
}

static int session_touch(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t last_active_at, int64_t expires_at)
{
	static const char sql[] = "UPDATE sessions SET last_active_at = ?2, "
	    "expires_at = ?3 WHERE token_hash = ?1";
	sqlite3_stmt *q = by_hash(st, sql, hash);

	if (q != NULL && (sqlite3_bind_int64(q, 2, last_active_at) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 3, expires_at) != SQLITE_OK)) {
		db_done(q);
		return ERR_DB;
	}
	return run(q);
}

/* Runs a DELETE ... RETURNING COLUMNS (NULL: ERR_DB): the row into gone
 * (may be NULL), ERR_NOTFOUND when there was none. */
static int delete_returning(sqlite3_stmt *q, struct session *gone)
{
	int rc = first_row(q), step = SQLITE_ROW;

	if (rc < 0)
		return rc;
	if (gone != NULL)
		read_session(q, 0, gone);
	/* Stepping to the end finishes the statement, and with it the delete. */
	while (step == SQLITE_ROW)
		step = sqlite3_step(q);
	db_done(q);
	return step == SQLITE_DONE ? 0 : ERR_DB;
}

static int session_delete_token(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    struct session *gone)
{
	static const char sql[] = "DELETE FROM sessions WHERE token_hash = ?1 RETURNING " COLUMNS;

	return delete_returning(by_hash(st, sql, hash), gone);
}

static int session_delete_user(struct state *st, const char *user_id, struct session *gone)
{
	static const char sql[] = "DELETE FROM sessions WHERE user_id = ?1 RETURNING " COLUMNS;

	return delete_returning(bound(st, sql, TEXTS(user_id), NONE), gone);
}

struct session_walk {
	session_each_fn each;
	void *ctx;
};

static int session_row(void *ctx, sqlite3_stmt *q)
{
	struct session_walk *w = ctx;
	struct session s;

	read_session(q, 0, &s);
	return w->each(w->ctx, &s);
}

static int session_list(struct state *st, const char *conversation_id, int64_t now,
    session_each_fn each, void *ctx)
{
	static const char sql[] = "SELECT " COLUMNS " FROM sessions WHERE "
	    "conversation_id = ?1 AND expires_at > ?2 ORDER BY created_at, user_id, rowid";
	struct session_walk w = { each, ctx };

	return walk(bound(st, sql, TEXTS(conversation_id), INTS(now)), session_row, &w);
}

static int session_sweep(struct state *st, int64_t now, session_each_fn each, void *ctx)
{
	static const char sql[] = "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM "
	    "sessions WHERE expires_at <= ?1 LIMIT " SWEEP_BATCH ") RETURNING " COLUMNS;
	struct session_walk w = { each, ctx };

	/* RETURNING: every row is deleted at the first step, whatever each says. */
	return walk(bound(st, sql, NONE, INTS(now)), session_row, &w);
}

static int session_count(struct state *st, const char *conversation_id, int64_t now,
    long *n)
{
	return count_live(st, count_conversation, conversation_id, now, n);
}

/* Expired rows of nonces, rate buckets and idempotency keys, a batch each;
 * the writes that add rows run these too, and state_sweep on a timer. */
static const char nonce_sweep[] = "DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM "
    "nonces WHERE expires_at <= ?1 LIMIT " SWEEP_BATCH ")";
static const char rate_sweep[] = "DELETE FROM rate_limits WHERE bucket IN (SELECT bucket "
    "FROM rate_limits WHERE window_end <= ?1 LIMIT " SWEEP_BATCH ")";
static const char idempotency_sweep[] = "DELETE FROM idempotency WHERE (user_id, key) IN "
    "(SELECT user_id, key FROM idempotency WHERE expires_at <= ?1 LIMIT "
    SWEEP_BATCH ")";

static int sweep(struct state *st, int64_t now)
{
	int rc;

	if ((rc = run(bound(st, nonce_sweep, NONE, INTS(now)))) < 0 ||
	    (rc = run(bound(st, rate_sweep, NONE, INTS(now)))) < 0)
		return rc;
	return run(bound(st, idempotency_sweep, NONE, INTS(now)));
}

static void no_wait(struct state *st)
{
	sqlite3_busy_timeout(db_handle(db_of(st)), 0);
}

/* ---- nonces ---- */

static int nonce_claim(struct state *st, const char *nonce, int64_t now, int64_t until)
{
	static const char claim[] = "INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?3) "
	    "ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at "
	    "WHERE nonces.expires_at <= ?2";
	int rc;

	if ((rc = run(bound(st, nonce_sweep, NONE, INTS(now)))) < 0)
		return rc;
	return run_changed(st, bound(st, claim, TEXTS(nonce), INTS(now, until)));
}

/* ---- rate buckets ---- */

static int bucket_add(struct state *st, const char *bucket, long hits, int64_t now,
    int64_t window_ms, long *count, int64_t *end)
{
	static const char hit[] = "INSERT INTO rate_limits (bucket, window_start, window_end, "
	    "count) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (bucket) DO UPDATE SET count = CASE "
	    "WHEN window_start = excluded.window_start THEN count + excluded.count "
	    "ELSE excluded.count END, "
	    "window_start = excluded.window_start, window_end = excluded.window_end "
	    "RETURNING count";
	int64_t start = now - now % window_ms, n;
	int rc;

	*end = start + window_ms;
	if ((rc = run_int(bound(st, hit, TEXTS(bucket), INTS(start, *end, hits)), &n)) < 0)
		return rc;
	*count = n > LONG_MAX ? LONG_MAX : (long)n;
	/* A bucket starting a window: about once a window per client. */
	return n == hits ? run(bound(st, rate_sweep, NONE, INTS(now))) : 0;
}

static int bucket_peek(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end)
{
	static const char peek[] = "SELECT count FROM rate_limits WHERE bucket = ?1 "
	    "AND window_start = ?2";
	int64_t start = now - now % window_ms, n;
	sqlite3_stmt *q = bound(st, peek, TEXTS(bucket), INTS(start));
	int rc;

	*end = start + window_ms;
	*count = 0;
	if ((rc = first_row(q)) < 0)
		return rc == ERR_NOTFOUND ? 0 : rc;
	n = sqlite3_column_int64(q, 0);
	db_done(q);
	*count = n > LONG_MAX ? LONG_MAX : (long)n;
	return 0;
}

/* ---- idempotency keys ---- */

struct claim {
	const char *user_id, *key, *owner;
	int64_t now, ttl_ms;
};

/* The sweep and the claim under one write lock: one commit per claim. */
static int claim_key(struct state *st, const void *arg)
{
	static const char claim[] = "INSERT INTO idempotency (user_id, key, message, pending, "
	    "owner, created_at, expires_at) VALUES (?1, ?2, NULL, NULL, ?3, ?4, ?5) "
	    "ON CONFLICT (user_id, key) DO UPDATE SET message = NULL, pending = NULL, "
	    "owner = excluded.owner, created_at = excluded.created_at, "
	    "expires_at = excluded.expires_at WHERE idempotency.expires_at <= excluded.created_at";
	const struct claim *c = arg;
	int rc;

	if ((rc = run(bound(st, idempotency_sweep, NONE, INTS(c->now)))) < 0)
		return rc;
	return run_changed(st, bound(st, claim, TEXTS(c->user_id, c->key, c->owner),
	    INTS(c->now, c->now + c->ttl_ms)));
}

static int idempotency_claim(struct state *st, const char *user_id, const char *key,
    int64_t now, int64_t ttl_ms, const char *owner)
{
	const struct claim c = { user_id, key, owner, now, ttl_ms };

	return transaction(st, claim_key, &c);
}

/* Column i of q's row as a new string into *out (NULL stays NULL): 0 or ERR_NOMEM. */
static int column_copy(sqlite3_stmt *q, int i, char **out)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	*out = t != NULL ? strdup((const char *)t) : NULL;
	return t == NULL || *out != NULL ? 0 : ERR_NOMEM;
}

static int idempotency_get(struct state *st, const char *user_id, const char *key,
    struct state_claim *out)
{
	static const char sql[] = "SELECT owner, created_at, pending, message FROM idempotency "
	    "WHERE user_id = ?1 AND key = ?2";
	sqlite3_stmt *q = bound(st, sql, TEXTS(user_id, key), NONE);
	const unsigned char *owner;
	int rc;

	if ((rc = first_row(q)) < 0)
		return rc;
	if ((owner = sqlite3_column_text(q, 0)) != NULL)
		snprintf(out->owner, sizeof out->owner, "%s", (const char *)owner);
	out->claimed_at = sqlite3_column_int64(q, 1);
	if ((rc = column_copy(q, 2, &out->pending)) == 0)
		rc = column_copy(q, 3, &out->message);
	db_done(q);
	if (rc < 0) {
		free(out->pending);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

static int idempotency_takeover(struct state *st, const char *user_id, const char *key,
    const char *from, const char *owner, int64_t now, int64_t ttl_ms)
{
	static const char sql[] = "UPDATE idempotency SET owner = ?4, created_at = ?5, "
	    "expires_at = ?6 WHERE user_id = ?1 AND key = ?2 AND owner = ?3 AND message IS NULL";

	return run_changed(st, bound(st, sql, TEXTS(user_id, key, from, owner),
	    INTS(now, now + ttl_ms)));
}

static int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json)
{
	/* The pending copy is of no more use once recorded: a smaller row. */
	static const char sql[] = "UPDATE idempotency SET message = ?3, pending = NULL "
	    "WHERE user_id = ?1 AND key = ?2";

	return run(bound(st, sql, TEXTS(user_id, key, message_json), NONE));
}

static int idempotency_release(struct state *st, const char *user_id, const char *key,
    const char *owner)
{
	static const char sql[] = "DELETE FROM idempotency "
	    "WHERE user_id = ?1 AND key = ?2 AND owner = ?3";

	return run(bound(st, sql, TEXTS(user_id, key, owner), NONE));
}

/* ---- the conversation cache ---- */

#define ROW "SELECT conversation_id, join_code, status, created_at, closed_at, revision " \
	"FROM conversations "

static void read_conversation(sqlite3_stmt *q, struct conversation *c)
{
	char status[8];

	memset(c, 0, sizeof *c);
	text(q, 0, c->id, sizeof c->id);
	text(q, 1, c->join_code, sizeof c->join_code);
	text(q, 2, status, sizeof status);
	c->closed = strcmp(status, "closed") == 0;
	c->created_at = sqlite3_column_int64(q, 3);
	c->closed_at = sqlite3_column_int64(q, 4);
	c->revision = sqlite3_column_int64(q, 5);
}

static int cache_get(struct state *st, const char *id, struct conversation *out)
{
	static const char sql[] = ROW "WHERE conversation_id = ?1";
	sqlite3_stmt *q = bound(st, sql, TEXTS(id), NONE);
	int rc;

	if ((rc = first_row(q)) < 0)
		return rc;
	read_conversation(q, out);
	db_done(q);
	return 0;
}

static int cache_put(struct state *st, const struct conversation *c)
{
	static const char sql[] = "INSERT INTO conversations (conversation_id, join_code, "
	    "status, created_at, revision, closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (conversation_id) DO UPDATE SET join_code = excluded.join_code, "
	    "status = excluded.status, created_at = excluded.created_at, "
	    "closed_at = excluded.closed_at, revision = excluded.revision "
	    "WHERE excluded.revision > conversations.revision";
	sqlite3_stmt *q = bound(st, sql, TEXTS(c->id, c->join_code,
	    c->closed ? "closed" : "active"), INTS(c->created_at, c->revision));

	if (q != NULL && c->closed_at != 0 && sqlite3_bind_int64(q, 6, c->closed_at) != SQLITE_OK) {
		db_done(q);
		return ERR_DB;
	}
	return run_changed(st, q);
}

struct conversation_walk {
	state_conversation_fn each;
	void *ctx;
};

static int conversation_row(void *ctx, sqlite3_stmt *q)
{
	struct conversation_walk *w = ctx;
	struct conversation c;

	read_conversation(q, &c);
	return w->each(w->ctx, &c);
}

static int cache_list(struct state *st, enum state_status status, const char *after,
    int limit, state_conversation_fn each, void *ctx)
{
	static const char sql[] = ROW "WHERE (?1 IS NULL OR status = ?1) AND "
	    "conversation_id > ?2 ORDER BY conversation_id LIMIT ?3";
	const char *which = status == STATE_ANY ? NULL : status == STATE_CLOSED ? "closed" :
	    "active";
	struct conversation_walk w = { each, ctx };

	return walk(bound(st, sql, TEXTS(which, after), INTS(limit)), conversation_row, &w);
}

/* ---- the message index ---- */

struct new_keys {
	const char *conversation_id;
	const char *const *keys;
	size_t n;
};

static int add_keys(struct state *st, const void *arg)
{
	static const char sql[] = "INSERT OR IGNORE INTO message_batches (conversation_id, key) "
	    "VALUES (?1, ?2)";
	const struct new_keys *k = arg;
	int rc = 0;

	for (size_t i = 0; i < k->n && rc == 0; i++)
		rc = run(bound(st, sql, TEXTS(k->conversation_id, k->keys[i]), NONE));
	return rc;
}

static int index_add(struct state *st, const char *conversation_id, const char *const *keys,
    size_t n)
{
	const struct new_keys k = { conversation_id, keys, n };

	return n == 1 ? add_keys(st, &k) : transaction(st, add_keys, &k);
}

struct swap {
	const char *conversation_id;
	const char *const *old;
	size_t n;
	const char *new_key;
};

static int swap_keys(struct state *st, const void *arg)
{
	static const char sql[] = "DELETE FROM message_batches WHERE conversation_id = ?1 "
	    "AND key = ?2";
	const struct swap *w = arg;
	const struct new_keys k = { w->conversation_id, &w->new_key, 1 };
	int rc = 0;

	for (size_t i = 0; i < w->n && rc == 0; i++)
		rc = run(bound(st, sql, TEXTS(w->conversation_id, w->old[i]), NONE));
	return rc < 0 ? rc : add_keys(st, &k);
}

static int index_replace(struct state *st, const char *conversation_id,
    const char *const *old, size_t n, const char *new_key)
{
	const struct swap w = { conversation_id, old, n, new_key };

	return transaction(st, swap_keys, &w);
}

static int index_covered(struct state *st, const char *conversation_id, int *covered)
{
	static const char sql[] = "SELECT 1 FROM message_covered WHERE conversation_id = ?1";
	sqlite3_stmt *q = bound(st, sql, TEXTS(conversation_id), NONE);
	int rc = first_row(q);

	if (rc == ERR_NOTFOUND || rc == 0)
		*covered = rc == 0;
	if (rc == 0)
		db_done(q);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static int index_cover(struct state *st, const char *conversation_id)
{
	static const char sql[] = "INSERT OR IGNORE INTO message_covered (conversation_id) "
	    "VALUES (?1)";

	return run(bound(st, sql, TEXTS(conversation_id), NONE));
}

struct key_walk {
	state_key_fn fn;
	void *ctx;
};

static int key_row(void *ctx, sqlite3_stmt *q)
{
	struct key_walk *w = ctx;
	const char *key = (const char *)sqlite3_column_text(q, 0);

	return key != NULL ? w->fn(w->ctx, key) : ERR_NOMEM;
}

static int index_newest(struct state *st, const char *conversation_id, const char *before,
    size_t n, state_key_fn fn, void *ctx)
{
	static const char sql[] = "SELECT key FROM message_batches WHERE conversation_id = ?1 "
	    "AND (?2 IS NULL OR key < ?2) ORDER BY key DESC LIMIT ?3";
	struct key_walk w = { fn, ctx };

	return walk(bound(st, sql, TEXTS(conversation_id, before),
	    INTS(n > INT_MAX ? INT_MAX : (int64_t)n)), key_row, &w);
}

struct clock_tick {
	const char *conversation_id;
	int64_t now;
	state_note_fn *fill;
	void *ctx;
	int64_t *ms;
	int *covered;
	int *noted; /* what came of fill and its note */
};

/* Writes what n says: the claim's pending message, then the index key;
 * ERR_CONFLICT (nothing written) when n's owner does not hold its claim. */
static int note(struct state *st, const char *conversation_id, const struct state_note *n)
{
	static const char pending[] = "UPDATE idempotency SET pending = ?4 "
	    "WHERE user_id = ?1 AND key = ?2 AND owner = ?3";
	const struct new_keys k = { conversation_id, &n->index_key, 1 };
	int rc = 0;

	if (n->user_id != NULL)
		rc = run_changed(st, bound(st, pending, TEXTS(n->user_id, n->key, n->owner,
		    n->pending), NONE));
	if (rc == 1)
		return ERR_CONFLICT;
	return rc < 0 || n->index_key == NULL ? rc : add_keys(st, &k);
}

/* The clock's tick, then fill, its note and whether the index covers the
 * conversation, in the same transaction. A failed store rolls it all back;
 * a note refused (or a fill failing) keeps the millisecond given, as the
 * relay may have heard of it. */
static int clock_tick(struct state *st, const void *arg)
{
	static const char sql[] = "INSERT INTO message_clock (conversation_id, last_ms) "
	    "VALUES (?1, ?2) ON CONFLICT (conversation_id) DO UPDATE SET "
	    "last_ms = max(excluded.last_ms, last_ms + 1) RETURNING last_ms";
	const struct clock_tick *t = arg;
	struct state_note n;
	int rc = run_int(bound(st, sql, TEXTS(t->conversation_id), INTS(t->now)), t->ms);

	if (rc < 0 || t->fill == NULL)
		return rc;
	if ((rc = t->fill(t->ctx, t->conversation_id, *t->ms, &n)) == 0 &&
	    (rc = note(st, t->conversation_id, &n)) == 0)
		rc = index_covered(st, t->conversation_id, t->covered);
	*t->noted = rc;
	return rc == ERR_DB ? rc : 0;
}

/* With fill, the clock's row stays write-locked (the transaction) until
 * the note is written. */
static int message_begin(struct state *st, const char *conversation_id, int64_t now,
    state_note_fn *fill, void *ctx, int64_t *ms, int *covered)
{
	int noted = 0;
	const struct clock_tick t = { conversation_id, now, fill, ctx, ms, covered, &noted };
	int rc;

	if (fill == NULL)
		return clock_tick(st, &t);
	rc = transaction(st, clock_tick, &t);
	return rc < 0 ? rc : noted;
}

/* ---- the host's boot ---- */

/* chats3_info's boot_id names the host's boot the state last ran in. A
 * power cut may take the last commits from the WAL (synchronous=NORMAL)
 * while the objects they indexed are stored, so a process that finds the
 * host booted since uncovers every conversation (each is listed from
 * storage again on its next read: message_store.c's index_rebuild) and
 * records this boot, in one transaction. No row (an older build's
 * database, or an operator's delete after restoring a backup) counts as
 * another boot. */
static const char boot_recorded[] = "SELECT value FROM chats3_info WHERE key = 'boot_id'";

/* 1 when the boot recorded is boot, 0 when it is another or none, ERR_DB. */
static int booted_in(struct state *st, const char *boot)
{
	sqlite3_stmt *q = bound(st, boot_recorded, NONE, NONE);
	const unsigned char *v;
	int rc = first_row(q);

	if (rc < 0)
		return rc == ERR_NOTFOUND ? 0 : rc;
	v = sqlite3_column_text(q, 0);
	rc = v != NULL && strcmp((const char *)v, boot) == 0;
	db_done(q);
	return rc;
}

/* Under the write lock: another process may have done it while we waited. */
static int uncover_all(struct state *st, const void *boot)
{
	static const char record[] = "INSERT OR REPLACE INTO chats3_info (key, value) "
	    "VALUES ('boot_id', ?1)";
	int rc = booted_in(st, boot);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	if ((rc = exec(st, "DELETE FROM message_covered")) < 0)
		return rc;
	return run(bound(st, record, TEXTS(boot), NONE));
}

/* One read when the host has not booted since; nothing to tell a boot by
 * (OWNER_PART_UNKNOWN): the WAL's durability alone. */
static int boot_check(struct state *st, const struct config *cfg)
{
	char kernel[OWNER_BOOT_MAX];
	const char *boot = cfg->boot_id;
	int rc;

	if (boot == NULL) {
		owner_boot_id(kernel);
		boot = kernel;
	}
	if (strcmp(boot, OWNER_PART_UNKNOWN) == 0)
		return 0;
	if ((rc = booted_in(st, boot)) != 0)
		return rc < 0 ? rc : 0;
	return transaction(st, uncover_all, boot);
}

/* ---- the connection ---- */

static int check(struct state *st) { return db_check(db_of(st)); }

static void close_db(struct state *st)
{
	db_close(db_of(st));
	st->backend = NULL;
}

static const struct state_ops sqlite_ops = {
	.session_create = session_create,
	.session_get = session_get,
	.session_touch = session_touch,
	.session_delete_token = session_delete_token,
	.session_delete_user = session_delete_user,
	.session_list = session_list,
	.session_count = session_count,
	.nonce_claim = nonce_claim,
	.bucket_add = bucket_add,
	.bucket_peek = bucket_peek,
	.idempotency_claim = idempotency_claim,
	.idempotency_get = idempotency_get,
	.idempotency_takeover = idempotency_takeover,
	.idempotency_record = idempotency_record,
	.idempotency_release = idempotency_release,
	.conversation_get = cache_get,
	.conversation_put = cache_put,
	.conversation_list = cache_list,
	.index_add = index_add,
	.index_replace = index_replace,
	.index_covered = index_covered,
	.index_cover = index_cover,
	.index_newest = index_newest,
	.message_begin = message_begin,
	.session_sweep = session_sweep,
	.sweep = sweep,
	.no_wait = no_wait,
	.check = check,
	.close = close_db,
};

int state_sqlite_open(struct state *st, const struct config *cfg)
{
	struct db *db;
	int rc;

	if ((rc = schema_open(&db, cfg->data_dir)) < 0)
		return rc;
	st->ops = &sqlite_ops;
	st->backend = db;
	if ((rc = boot_check(st, cfg)) < 0)
		close_db(st);
	return rc;
}
