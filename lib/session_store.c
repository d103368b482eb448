#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "errors.h"
#include "escape.h"
#include "ids.h"
#include "session_name.h"
#include "session_store.h"
#include "state.h"

static int is_token(const char *t, size_t n)
{
	return n == SESSION_TOKEN_LEN && escape_is_lower_hex(t, n);
}

/* A new token and its hash, and out's id and times. */
static int mint(struct state *st, const struct session *in,
    char token[SESSION_TOKEN_LEN + 1], unsigned char hash[STATE_HASH_LEN],
    struct session *out)
{
	int rc;

	*out = *in;
	out->created_at = out->last_active_at = clock_now_ms();
	out->expires_at = out->created_at + state_session_ttl_ms(st);
	if ((rc = ids_token_hex(token, SESSION_TOKEN_LEN + 1, SESSION_TOKEN_LEN / 2)) < 0 ||
	    (in->user_id[0] == '\0' && (rc = ids_uuid4(out->user_id)) < 0))
		return rc;
	return ids_sha256(token, SESSION_TOKEN_LEN, hash);
}

int session_store_create(struct state *st, const struct session *in,
    char token[SESSION_TOKEN_LEN + 1], struct session *out)
{
	char name_key[SESSION_NAME_KEY_MAX + 1];
	unsigned char hash[STATE_HASH_LEN];
	int rc;

	if (strlen(in->display_name) > SESSION_NAME_MAX ||
	    session_name_key(in->display_name, name_key, sizeof name_key) < 0)
		return ERR_INVAL;
	if ((rc = mint(st, in, token, hash, out)) < 0 ||
	    (rc = state_session_create(st, out, hash, name_key)) < 0)
		OPENSSL_cleanse(token, SESSION_TOKEN_LEN + 1);
	return rc;
}

/* Moves the session's activity to now when a minute has passed. */
static int touch(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t now, struct session *s)
{
	if (now - s->last_active_at < SESSION_TOUCH_MS)
		return 0;
	s->last_active_at = now;
	s->expires_at = now + state_session_ttl_ms(st);
	return state_session_touch(st, hash, s->last_active_at, s->expires_at);
}

/* The live session of t[0..n) at now into out, its hash into hash. */
static int find(struct state *st, const char *t, size_t n, int64_t now,
    unsigned char hash[STATE_HASH_LEN], struct session *out)
{
	int rc;

	if (!is_token(t, n))
		return ERR_NOTFOUND;
	if ((rc = ids_sha256(t, n, hash)) < 0)
		return rc;
	return state_session_get(st, hash, now, out);
}

int session_store_lookup(struct state *st, const char *t, size_t n,
    struct session *out)
{
	unsigned char hash[STATE_HASH_LEN];
	int64_t now = clock_now_ms();
	int rc;

	if ((rc = find(st, t, n, now, hash, out)) < 0)
		return rc;
	return touch(st, hash, now, out);
}

int session_store_peek(struct state *st, const char *t, size_t n, struct session *out)
{
	unsigned char hash[STATE_HASH_LEN];

	return find(st, t, n, clock_now_ms(), hash, out);
}

int session_store_delete(struct state *st, const char *t, size_t n,
    struct session *gone)
{
	char user_id[UUID_STRLEN + 1];
	unsigned char hash[STATE_HASH_LEN];
	int rc;

	if (ids_is_uuid4(t, n)) {
		memcpy(user_id, t, n);
		user_id[n] = '\0';
		return state_session_delete_user(st, user_id, gone);
	}
	if (!is_token(t, n))
		return ERR_NOTFOUND;
	if ((rc = ids_sha256(t, n, hash)) < 0)
		return rc;
	return state_session_delete_token(st, hash, gone);
}

int session_store_list(struct state *st, const char *conversation_id,
    session_each_fn each, void *ctx)
{
	return state_session_list(st, conversation_id, clock_now_ms(), each, ctx);
}

int session_store_count(struct state *st, const char *conversation_id,
    long *n)
{
	return state_session_count(st, conversation_id, clock_now_ms(), n);
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
	    add_time(o, "lastActiveAt", s->last_active_at) &&
	    (s->origin[0] == '\0' || cJSON_AddStringToObject(o, "origin", s->origin) != NULL);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
