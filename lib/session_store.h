/*
 * session_store: what a session is and how long it lives, over the
 * state's sessions (lib/state.h), so every backend gets the same policy.
 *
 * A session is found by its token, 32 random bytes written as 64
 * lowercase hex digits, which only its holder knows: the state keeps its
 * SHA-256 alone. A session lives the state's session TTL after its last
 * activity (sliding); lastActiveAt is written at most once a minute, so
 * most lookups only read. Display names are unique per conversation among
 * live sessions, compared by their key (session_name_key: full case
 * folding, invisible characters dropped): the state refuses a
 * second live holder of a name, so two racing joins under one name give
 * one success and one ERR_CONFLICT.
 *
 * struct state belongs to the process (app_state); struct session is a
 * flat value the caller owns.
 */
#ifndef CHATS3_SESSION_STORE_H
#define CHATS3_SESSION_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "utf8.h"

struct cJSON;
struct state;

#define SESSION_TOKEN_LEN 64     /* hex digits of a token */
#define SESSION_NAME_MAX 256     /* bytes of a 64-character display name */
#define SESSION_NAME_KEY_MAX (UTF8_FOLD_GROWTH * SESSION_NAME_MAX) /* bytes of its key */
#define SESSION_URL_MAX 2048     /* bytes of an avatar URL */
#define SESSION_CONV_MAX 64      /* bytes of a conversation id */
#define SESSION_TOUCH_MS 60000   /* lastActiveAt is written at most this often */
#define SESSION_ORIGIN_MAX 300   /* bytes of an origin (HTTP_ORIGIN_MAX) */
#define SESSION_NET_MAX 64       /* bytes of a client address (AUTH_ADDR_MAX) */

struct session {
	char user_id[UUID_STRLEN + 1];
	char display_name[SESSION_NAME_MAX + 1];
	char avatar_url[SESSION_URL_MAX + 1]; /* "" for none */
	char role[8];                         /* "user" or "admin" */
	char conversation_id[SESSION_CONV_MAX + 1];
	char origin[SESSION_ORIGIN_MAX + 1];  /* the embedding page's, from a
	                                         ticket; "" for a direct join */
	char client_net[SESSION_NET_MAX + 1]; /* the client as auth_client_net
	                                         counts it; "" when not known */
	int64_t created_at;                   /* epoch ms */
	int64_t last_active_at;
	int64_t expires_at;
};

/* Called by session_store_list for each session, oldest first; a negative
 * return stops the walk and is returned. */
typedef int (*session_each_fn)(void *ctx, const struct session *s);

/* Creates a session for in's display_name, avatar_url, role,
 * conversation_id, origin and user_id ("": a new one); fills out (the
 * user id, times) and token (a new secret, NUL-terminated). ERR_CONFLICT when a live session of that
 * conversation has the same case-folded name; ERR_INVAL; ERR_DB; ERR_IO. */
int session_store_create(struct state *st, const struct session *in,
    char token[SESSION_TOKEN_LEN + 1], struct session *out);

/* The live session whose token is t[0..n) into out, refreshing its
 * activity when a minute has passed. ERR_NOTFOUND for a malformed,
 * unknown or expired token; ERR_DB. */
int session_store_lookup(struct state *st, const char *t, size_t n,
    struct session *out);

/* The same without the refresh: one read, never a write (the relay's
 * lookup, which must not wait for a writer). */
int session_store_peek(struct state *st, const char *t, size_t n, struct session *out);

/* Ends the session of token t[0..n) or, when t is a UUID, the session of
 * that user id, copying it into gone (may be NULL). ERR_NOTFOUND when
 * there was none; ERR_DB. */
int session_store_delete(struct state *st, const char *t, size_t n,
    struct session *gone);

/* Calls each for every live session of conversation_id, oldest first
 * (then by user id). */
int session_store_list(struct state *st, const char *conversation_id,
    session_each_fn each, void *ctx);

/* The number of live sessions of conversation_id into *n. */
int session_store_count(struct state *st, const char *conversation_id,
    long *n);

/* {sessionId (only when token is not NULL), userId, displayName,
 * avatarUrl (null for none), role, conversationId, createdAt,
 * lastActiveAt, and origin for a session from /embed: the embedding
 * page's, where the room posts its unread count}: a new object the caller owns, or NULL on ENOMEM. */
struct cJSON *session_store_json(const struct session *s, const char *token);

#endif
