/*
 * state: what every program process shares besides storage, behind one
 * interface that two backends fill without callers knowing which: SQLite
 * for one host (state_sqlite.c over db.c and schema.c) and Redis for
 * several (state_redis.c), chosen by CHATS3_STATE (redis when
 * CHATS3_REDIS_URL is set, else sqlite). docs/state.md is the contract for
 * whoever writes a backend.
 *
 *   sessions        found by the SHA-256 of their token; a display name
 *                   (case-folded: name_key) is held by at most one live
 *                   session of a conversation
 *   nonces          each used once, until it expires
 *   rate buckets    hits per fixed window
 *   idempotency     the keys of sends, per user, for a TTL
 *   conversations   the cache of meta.json, with its revision: never set
 *                   back to an older one; the admin list reads it
 *   message index   batch keys per conversation (complete once covered),
 *                   and a per-conversation clock for serverReceivedAt
 *
 * Each call is atomic by itself, across every process sharing the state;
 * no caller brackets several. Times are epoch milliseconds given by the
 * caller (now, until): a backend decides expiry by them, never by a clock
 * of its own, so the same tests drive every backend.
 *
 * Failures are enum err values: ERR_DB (the store failed or cannot be
 * reached), ERR_NOMEM, ERR_INVAL (an argument out of its bounds), and those
 * named per call. A struct state belongs to one process (app_state) and is
 * reused across requests; state_close frees it. Records (struct session,
 * struct conversation) are flat values the caller owns; strings a call
 * returns are the caller's to free.
 */
#ifndef CHATS3_STATE_H
#define CHATS3_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "conversation.h"
#include "ids.h"
#include "session_store.h"

struct config;
struct state;

#define STATE_HASH_LEN IDS_SHA256_LEN /* bytes of a token's hash */
#define STATE_NAME_MAX 256            /* bytes of a bucket, nonce, key or user id */
#define STATE_INDEX_KEY_MAX 1024      /* bytes of a batch key (STORAGE_MAX_KEY) */

/* Which conversations state_conversation_list walks. */
enum state_status { STATE_ANY, STATE_ACTIVE, STATE_CLOSED };

/* Called per record of a walk; non-zero stops it (< 0: returned as the
 * walk's error). */
typedef int (*state_conversation_fn)(void *ctx, const struct conversation *c);
typedef int (*state_key_fn)(void *ctx, const char *key);

/* Opens the backend cfg names (sqlite: <data_dir>/chats3.db, created and
 * upgraded; on the first open after the host booted, every conversation
 * uncovered: docs/state.md, Durability). ERR_DB, ERR_CONFIG or ERR_NOMEM;
 * *out is NULL on failure. */
int state_open(struct state **out, const struct config *cfg);

/* Frees st and its connection. NULL is fine. */
void state_close(struct state *st);

/* Proves the state answers and is current (health): 0 or ERR_DB. */
int state_check(struct state *st);

/* From now on a call that would wait for another process's lock fails at
 * once (ERR_DB) instead: for the relay's loop, which must never block. */
void state_no_wait(struct state *st);

/* Removes up to a batch each of the nonces, rate buckets and idempotency
 * keys expired at now (writes that add them sweep too; this is for a
 * process that runs on while nobody writes). */
int state_sweep(struct state *st, int64_t now);

/* The sliding TTL of sessions (CHATS3_SESSION_TTL_SECONDS), for
 * session_store's policy. */
int64_t state_session_ttl_ms(const struct state *st);

/* ---- sessions ---- */

/* Stores s under its token's hash, unless a session of s's conversation
 * live at s->created_at holds name_key: ERR_CONFLICT (also for a hash or
 * user id in use). Two racing creates of one name: one 0, one ERR_CONFLICT.
 * ERR_CONV_FULL when the conversation already has
 * CHATS3_SESSIONS_PER_CONVERSATION live sessions, ERR_CLIENT_FULL when
 * s->client_net (not "") has CHATS3_SESSIONS_PER_CLIENT (racing creates
 * never pass a cap). */
int state_session_create(struct state *st, const struct session *s,
    const unsigned char hash[STATE_HASH_LEN], const char *name_key);

/* The session of hash live at now (expires_at > now) into out; ERR_NOTFOUND. */
int state_session_get(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t now, struct session *out);

/* Sets the activity times of the session of hash (gone: nothing happens). */
int state_session_touch(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t last_active_at, int64_t expires_at);

/* Removes the session of hash, or of user_id (an expired one too, while
 * the backend still holds it), copying it into gone (may be NULL).
 * ERR_NOTFOUND when there was none. */
int state_session_delete_token(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    struct session *gone);
int state_session_delete_user(struct state *st, const char *user_id, struct session *gone);

/* Calls each for every session of conversation_id live at now, oldest
 * first (by created_at, then user_id: the order session_page's cursors
 * follow); a negative return stops the walk and is returned. */
int state_session_list(struct state *st, const char *conversation_id, int64_t now,
    session_each_fn each, void *ctx);

/* Removes up to a batch (100) of the sessions expired at now, calling each
 * for every one removed (its return is not a stop: they are gone). The
 * relay's sweep: it tells the others and closes the streams. */
int state_session_sweep(struct state *st, int64_t now, session_each_fn each, void *ctx);

/* The number of sessions of conversation_id live at now into *n. */
int state_session_count(struct state *st, const char *conversation_id, int64_t now,
    long *n);

/* ---- nonces ---- */

/* Marks nonce used until until: 0 when it was fresh (or its last use has
 * expired by now), 1 when it is still in use. */
int state_nonce_claim(struct state *st, const char *nonce, int64_t now, int64_t until);

/* ---- rate buckets ---- */

/* Counts one hit on bucket in the window of window_ms that holds now
 * (windows start at multiples of window_ms): the hits of that window so
 * far, this one included, into *count, and the window's end into *end. */
int state_bucket_hit(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end);

/* The same for hits (1 or more) at once: a read costing that many. */
int state_bucket_add(struct state *st, const char *bucket, long hits, int64_t now,
    int64_t window_ms, long *count, int64_t *end);

/* The same without counting a hit: the hits of now's window so far (0
 * for none) into *count, and its end into *end. */
int state_bucket_peek(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end);

/* ---- idempotency keys ---- */

/* A claim as the state holds it. owner names the process that holds it
 * (lib/owner.h); pending and message are the caller's to free. */
struct state_claim {
	char owner[STATE_NAME_MAX + 1];
	int64_t claimed_at;
	char *pending; /* the message the owner is storing, or NULL */
	char *message; /* the message it recorded once stored, or NULL */
};

/* Claims (user_id, key) at now for owner: 0 when owner holds it now (a
 * fresh key, or one claimed more than ttl_ms before now, whose pending and
 * recorded messages are dropped), 1 when another claim within ttl_ms holds
 * it. */
int state_idempotency_claim(struct state *st, const char *user_id, const char *key,
    int64_t now, int64_t ttl_ms, const char *owner);

/* The claim of (user_id, key) into *out: 0, or ERR_NOTFOUND when there is
 * none (out is then empty). */
int state_idempotency_get(struct state *st, const char *user_id, const char *key,
    struct state_claim *out);

/* Gives the claim of (user_id, key) that from holds, unrecorded, to owner
 * at now, held until now + ttl_ms, its pending message kept: 0; 1 when
 * another owner holds it, it is recorded or it is gone. */
int state_idempotency_takeover(struct state *st, const char *user_id, const char *key,
    const char *from, const char *owner, int64_t now, int64_t ttl_ms);

/* Records the stored message (JSON text) of a claim (a claim that is gone:
 * nothing happens). */
int state_idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json);

/* Drops the claim owner holds (another owner's: nothing happens). */
int state_idempotency_release(struct state *st, const char *user_id, const char *key,
    const char *owner);

/* The recorded message of (user_id, key): 0 with *out (caller frees),
 * 1 while only claimed, ERR_NOTFOUND when there is no claim. */
int state_idempotency_result(struct state *st, const char *user_id, const char *key,
    char **out);

/* ---- the conversation cache ---- */

/* The cached conversation id into out; ERR_NOTFOUND. */
int state_conversation_get(struct state *st, const char *id, struct conversation *out);

/* Caches c when nothing is cached for its id or the cached revision is
 * older: 0; 1 when the cache holds c->revision or a newer one (it stays). */
int state_conversation_put(struct state *st, const struct conversation *c);

/* Calls each for the cached conversations of status after the id after
 * ("" or NULL: from the first), in byte order of id, at most limit. */
int state_conversation_list(struct state *st, enum state_status status, const char *after,
    int limit, state_conversation_fn each, void *ctx);

/* ---- the message index ---- */

/* Adds keys[0..n) (batch keys of conversation_id) at once; keys it holds
 * already are fine. */
int state_index_add(struct state *st, const char *conversation_id, const char *const *keys,
    size_t n);

/* Removes old[0..n) (keys it does not hold are fine) and adds new_key
 * (held already: fine), all at once: a reader of the index sees either
 * every old key or new_key, never neither (the compactor's switch). */
int state_index_replace(struct state *st, const char *conversation_id,
    const char *const *old, size_t n, const char *new_key);

/* *covered = 1 when the index has been told it holds every key of
 * conversation_id (state_index_cover), else 0. */
int state_index_covered(struct state *st, const char *conversation_id, int *covered);
int state_index_cover(struct state *st, const char *conversation_id);

/* Calls fn with conversation_id's keys before before (NULL: all), newest
 * first (byte order), at most n of them, until fn returns non-zero. */
int state_index_newest(struct state *st, const char *conversation_id, const char *before,
    size_t n, state_key_fn fn, void *ctx);

/* The serverReceivedAt of conversation_id's next message: now, or one
 * more than the last one it gave when that is not before now, so every
 * call for a conversation gets a later millisecond than the calls before. */
int state_next_message_ms(struct state *st, const char *conversation_id, int64_t now,
    int64_t *ms);

/* What a send writes with its millisecond (state_message_begin): its
 * batch key into the index and, for a keyed send, its message as the
 * pending one of the claim owner holds (user_id NULL: no claim). The
 * strings stay the filler's. reserved: the host's relay took the reserve
 * frame of the millisecond; a state shared by several hosts (Redis) then
 * tells every host's relay, in clock order (docs/relay.md). */
struct state_note {
	const char *index_key;
	const char *user_id, *key, *owner;
	const char *pending; /* message JSON */
	int reserved;
};

/* Fills note for the millisecond ms, while no other call for
 * conversation_id can take a later one (a datagram to the relay sent here
 * goes out in clock order); a negative enum err stops the send. Must be
 * quick and must not call the state. */
typedef int state_note_fn(void *ctx, const char *conversation_id, int64_t ms,
    struct state_note *note);

/* state_next_message_ms, then fill(ctx, conversation_id, *ms, &note) and
 * what note says written, all before any later call for conversation_id
 * can return: one write for the clock, the pending message and the index
 * key of a send, which also reads state_index_covered's answer into
 * *covered. 0; ERR_CONFLICT when note's owner does not hold its claim
 * (any longer), or fill's error: nothing noted, *ms stays given, *covered
 * is not set. ERR_DB: maybe nothing given. */
int state_message_begin(struct state *st, const char *conversation_id, int64_t now,
    state_note_fn *fill, void *ctx, int64_t *ms, int *covered);

#endif
