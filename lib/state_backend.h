/*
 * state_backend: what a backend implements behind lib/state.h (the
 * internal side; callers include state.h only). state.c checks arguments
 * once (lengths, NULLs), then calls through ops; each op has the meaning
 * and atomicity its state_* function documents, and docs/state.md says what
 * callers rely on. A backend fills ops and backend in its constructor;
 * close frees the backend's part only.
 */
#ifndef CHATS3_STATE_BACKEND_H
#define CHATS3_STATE_BACKEND_H

#include "state.h"

struct state_ops {
	int (*session_create)(struct state *st, const struct session *s,
	    const unsigned char hash[STATE_HASH_LEN], const char *name_key);
	int (*session_get)(struct state *st, const unsigned char hash[STATE_HASH_LEN],
	    int64_t now, struct session *out);
	int (*session_touch)(struct state *st, const unsigned char hash[STATE_HASH_LEN],
	    int64_t last_active_at, int64_t expires_at);
	int (*session_delete_token)(struct state *st, const unsigned char hash[STATE_HASH_LEN],
	    struct session *gone);
	int (*session_delete_user)(struct state *st, const char *user_id, struct session *gone);
	int (*session_list)(struct state *st, const char *conversation_id, int64_t now,
	    session_each_fn each, void *ctx);
	int (*session_count)(struct state *st, const char *conversation_id, int64_t now,
	    long *n);
	int (*nonce_claim)(struct state *st, const char *nonce, int64_t now, int64_t until);
	int (*bucket_add)(struct state *st, const char *bucket, long hits, int64_t now,
	    int64_t window_ms, long *count, int64_t *end);
	int (*bucket_peek)(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
	    long *count, int64_t *end);
	int (*idempotency_claim)(struct state *st, const char *user_id, const char *key,
	    int64_t now, int64_t ttl_ms, const char *owner);
	int (*idempotency_get)(struct state *st, const char *user_id, const char *key,
	    struct state_claim *out);
	int (*idempotency_takeover)(struct state *st, const char *user_id, const char *key,
	    const char *from, const char *owner, int64_t now, int64_t ttl_ms);
	int (*idempotency_record)(struct state *st, const char *user_id, const char *key,
	    const char *message_json);
	int (*idempotency_release)(struct state *st, const char *user_id, const char *key,
	    const char *owner);
	int (*conversation_get)(struct state *st, const char *id, struct conversation *out);
	int (*conversation_put)(struct state *st, const struct conversation *c);
	int (*conversation_list)(struct state *st, enum state_status status, const char *after,
	    int limit, state_conversation_fn each, void *ctx);
	int (*index_add)(struct state *st, const char *conversation_id,
	    const char *const *keys, size_t n);
	int (*index_replace)(struct state *st, const char *conversation_id,
	    const char *const *old, size_t n, const char *new_key);
	int (*index_covered)(struct state *st, const char *conversation_id, int *covered);
	int (*index_cover)(struct state *st, const char *conversation_id);
	int (*index_newest)(struct state *st, const char *conversation_id, const char *before,
	    size_t n, state_key_fn fn, void *ctx);
	int (*message_begin)(struct state *st, const char *conversation_id, int64_t now,
	    state_note_fn *fill, void *ctx, int64_t *ms,
	    int *covered); /* fill, covered: NULL for none (both or neither) */
	int (*session_sweep)(struct state *st, int64_t now, session_each_fn each, void *ctx);
	int (*sweep)(struct state *st, int64_t now);
	void (*no_wait)(struct state *st);
	int (*check)(struct state *st);
	void (*close)(struct state *st);
};

struct state {
	const struct state_ops *ops;
	void *backend;
	int64_t session_ttl_ms;
	long sessions_per_conversation; /* the caps session_create keeps */
	long sessions_per_client;
};

/* Backend constructors: fill st->ops and st->backend. */
int state_sqlite_open(struct state *st, const struct config *cfg);
int state_redis_open(struct state *st, const struct config *cfg);

#endif
