/*
 * state: the backend named by the configuration, and the argument checks
 * every backend relies on (so none sees a NULL, an empty or an oversized
 * string, or an invalid conversation id) before the call goes through ops.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "state_backend.h"
#include "storage_keys.h"

static int (*const openers[])(struct state *, const struct config *) = {
	[STATE_SQLITE] = state_sqlite_open,
	[STATE_REDIS] = state_redis_open,
};

int state_open(struct state **out, const struct config *cfg)
{
	struct state *st;
	int rc;

	*out = NULL;
	if ((unsigned)cfg->state >= sizeof openers / sizeof openers[0])
		return ERR_CONFIG;
	if ((st = calloc(1, sizeof *st)) == NULL)
		return ERR_NOMEM;
	st->session_ttl_ms = (int64_t)cfg->session_ttl_seconds * 1000;
	st->sessions_per_conversation = cfg->sessions_per_conversation;
	st->sessions_per_client = cfg->sessions_per_client;
	if ((rc = openers[cfg->state](st, cfg)) < 0) {
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void state_close(struct state *st)
{
	if (st == NULL)
		return;
	st->ops->close(st);
	free(st);
}

int state_check(struct state *st) { return st->ops->check(st); }

void state_no_wait(struct state *st) { st->ops->no_wait(st); }

int state_sweep(struct state *st, int64_t now) { return st->ops->sweep(st, now); }

int64_t state_session_ttl_ms(const struct state *st) { return st->session_ttl_ms; }

/* 1 when s is a string of 1..max bytes. */
static int bounded(const char *s, size_t max)
{
	size_t n;

	return s != NULL && (n = strnlen(s, max + 1)) > 0 && n <= max;
}

static int name_ok(const char *s) { return bounded(s, STATE_NAME_MAX); }

static int conv_ok(const char *id) { return id != NULL && keys_valid_conversation_id(id); }

static int session_ok(const struct session *s)
{
	return s != NULL && conv_ok(s->conversation_id) && name_ok(s->user_id);
}

/* ---- sessions ---- */

int state_session_create(struct state *st, const struct session *s,
    const unsigned char hash[STATE_HASH_LEN], const char *name_key)
{
	if (!session_ok(s) || hash == NULL || !bounded(name_key, SESSION_NAME_KEY_MAX))
		return ERR_INVAL;
	return st->ops->session_create(st, s, hash, name_key);
}

int state_session_get(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t now, struct session *out)
{
	return hash == NULL ? ERR_INVAL : st->ops->session_get(st, hash, now, out);
}

int state_session_touch(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t last_active_at, int64_t expires_at)
{
	if (hash == NULL)
		return ERR_INVAL;
	return st->ops->session_touch(st, hash, last_active_at, expires_at);
}

int state_session_delete_token(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    struct session *gone)
{
	return hash == NULL ? ERR_INVAL : st->ops->session_delete_token(st, hash, gone);
}

int state_session_delete_user(struct state *st, const char *user_id, struct session *gone)
{
	return !name_ok(user_id) ? ERR_INVAL : st->ops->session_delete_user(st, user_id, gone);
}

int state_session_list(struct state *st, const char *conversation_id, int64_t now,
    session_each_fn each, void *ctx)
{
	if (!conv_ok(conversation_id) || each == NULL)
		return ERR_INVAL;
	return st->ops->session_list(st, conversation_id, now, each, ctx);
}

int state_session_count(struct state *st, const char *conversation_id, int64_t now,
    long *n)
{
	return !conv_ok(conversation_id) ? ERR_INVAL :
	    st->ops->session_count(st, conversation_id, now, n);
}

int state_session_sweep(struct state *st, int64_t now, session_each_fn each, void *ctx)
{
	return each == NULL ? ERR_INVAL : st->ops->session_sweep(st, now, each, ctx);
}

/* ---- nonces, buckets, idempotency keys ---- */

int state_nonce_claim(struct state *st, const char *nonce, int64_t now, int64_t until)
{
	return !name_ok(nonce) ? ERR_INVAL : st->ops->nonce_claim(st, nonce, now, until);
}

int state_bucket_hit(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end)
{
	return state_bucket_add(st, bucket, 1, now, window_ms, count, end);
}

int state_bucket_add(struct state *st, const char *bucket, long hits, int64_t now,
    int64_t window_ms, long *count, int64_t *end)
{
	if (!name_ok(bucket) || hits < 1 || window_ms <= 0 || now < 0)
		return ERR_INVAL;
	return st->ops->bucket_add(st, bucket, hits, now, window_ms, count, end);
}

int state_bucket_peek(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end)
{
	if (!name_ok(bucket) || window_ms <= 0 || now < 0)
		return ERR_INVAL;
	return st->ops->bucket_peek(st, bucket, now, window_ms, count, end);
}

static int key_ok(const char *user_id, const char *key)
{
	return name_ok(user_id) && name_ok(key);
}

int state_idempotency_claim(struct state *st, const char *user_id, const char *key,
    int64_t now, int64_t ttl_ms, const char *owner)
{
	if (!key_ok(user_id, key) || !name_ok(owner) || ttl_ms <= 0)
		return ERR_INVAL;
	return st->ops->idempotency_claim(st, user_id, key, now, ttl_ms, owner);
}

int state_idempotency_get(struct state *st, const char *user_id, const char *key,
    struct state_claim *out)
{
	memset(out, 0, sizeof *out);
	if (!key_ok(user_id, key))
		return ERR_INVAL;
	return st->ops->idempotency_get(st, user_id, key, out);
}

int state_idempotency_takeover(struct state *st, const char *user_id, const char *key,
    const char *from, const char *owner, int64_t now, int64_t ttl_ms)
{
	if (!key_ok(user_id, key) || from == NULL || !name_ok(owner) || ttl_ms <= 0)
		return ERR_INVAL;
	return st->ops->idempotency_takeover(st, user_id, key, from, owner, now, ttl_ms);
}

int state_idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json)
{
	if (!key_ok(user_id, key) || message_json == NULL)
		return ERR_INVAL;
	return st->ops->idempotency_record(st, user_id, key, message_json);
}

int state_idempotency_release(struct state *st, const char *user_id, const char *key,
    const char *owner)
{
	if (!key_ok(user_id, key) || !name_ok(owner))
		return ERR_INVAL;
	return st->ops->idempotency_release(st, user_id, key, owner);
}

int state_idempotency_result(struct state *st, const char *user_id, const char *key,
    char **out)
{
	struct state_claim c;
	int rc = state_idempotency_get(st, user_id, key, &c);

	*out = NULL;
	free(c.pending);
	if (rc < 0)
		return rc;
	*out = c.message;
	return c.message != NULL ? 0 : 1;
}

/* ---- the conversation cache ---- */

int state_conversation_get(struct state *st, const char *id, struct conversation *out)
{
	return !conv_ok(id) ? ERR_NOTFOUND : st->ops->conversation_get(st, id, out);
}

int state_conversation_put(struct state *st, const struct conversation *c)
{
	if (c == NULL || !conv_ok(c->id) || strlen(c->join_code) < JOIN_CODE_MIN ||
	    strlen(c->join_code) > JOIN_CODE_MAX ||
	    c->revision < 0)
		return ERR_INVAL;
	return st->ops->conversation_put(st, c);
}

int state_conversation_list(struct state *st, enum state_status status, const char *after,
    int limit, state_conversation_fn each, void *ctx)
{
	if ((unsigned)status > STATE_CLOSED || limit < 1 || each == NULL ||
	    (after != NULL && after[0] != '\0' && !conv_ok(after)))
		return ERR_INVAL;
	return st->ops->conversation_list(st, status, after ? after : "", limit, each, ctx);
}

/* ---- the message index ---- */

int state_index_add(struct state *st, const char *conversation_id, const char *const *keys,
    size_t n)
{
	if (!conv_ok(conversation_id) || (n > 0 && keys == NULL))
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!bounded(keys[i], STATE_INDEX_KEY_MAX))
			return ERR_INVAL;
	return n == 0 ? 0 : st->ops->index_add(st, conversation_id, keys, n);
}

int state_index_replace(struct state *st, const char *conversation_id,
    const char *const *old, size_t n, const char *new_key)
{
	if (!conv_ok(conversation_id) || (n > 0 && old == NULL) ||
	    !bounded(new_key, STATE_INDEX_KEY_MAX))
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!bounded(old[i], STATE_INDEX_KEY_MAX))
			return ERR_INVAL;
	return st->ops->index_replace(st, conversation_id, old, n, new_key);
}

int state_index_covered(struct state *st, const char *conversation_id, int *covered)
{
	return !conv_ok(conversation_id) ? ERR_INVAL :
	    st->ops->index_covered(st, conversation_id, covered);
}

int state_index_cover(struct state *st, const char *conversation_id)
{
	return !conv_ok(conversation_id) ? ERR_INVAL : st->ops->index_cover(st, conversation_id);
}

int state_index_newest(struct state *st, const char *conversation_id, const char *before,
    size_t n, state_key_fn fn, void *ctx)
{
	if (!conv_ok(conversation_id) || fn == NULL ||
	    (before != NULL && !bounded(before, STATE_INDEX_KEY_MAX)))
		return ERR_INVAL;
	return n == 0 ? 0 : st->ops->index_newest(st, conversation_id, before, n, fn, ctx);
}

/* The caller's fill, whose note is checked before a backend writes it. */
struct checked_fill {
	state_note_fn *fill;
	void *ctx;
};

static int note_ok(const struct state_note *n)
{
	if (n->index_key != NULL && !bounded(n->index_key, STATE_INDEX_KEY_MAX))
		return 0;
	return n->user_id == NULL ||
	    (key_ok(n->user_id, n->key) && name_ok(n->owner) && n->pending != NULL);
}

static int fill_checked(void *ctx, const char *conversation_id, int64_t ms,
    struct state_note *note)
{
	const struct checked_fill *c = ctx;
	int rc;

	memset(note, 0, sizeof *note);
	if ((rc = c->fill(c->ctx, conversation_id, ms, note)) < 0)
		return rc;
	return note_ok(note) ? 0 : ERR_INVAL;
}

int state_message_begin(struct state *st, const char *conversation_id, int64_t now,
    state_note_fn *fill, void *ctx, int64_t *ms, int *covered)
{
	struct checked_fill c = { fill, ctx };

	if (!conv_ok(conversation_id) || now < 0 || fill == NULL || covered == NULL)
		return ERR_INVAL;
	return st->ops->message_begin(st, conversation_id, now, fill_checked, &c, ms, covered);
}

int state_next_message_ms(struct state *st, const char *conversation_id, int64_t now,
    int64_t *ms)
{
	if (!conv_ok(conversation_id) || now < 0)
		return ERR_INVAL;
	return st->ops->message_begin(st, conversation_id, now, NULL, NULL, ms, NULL);
}
