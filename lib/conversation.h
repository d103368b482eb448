/*
 * conversation: the conversations, whose truth is
 * conversations/<id>/meta.json in storage
 *   {"conversationId","joinCode","status","createdAt","closedAt","revision"}
 * (created once with STORAGE_CREATE_ONLY; close and a new join code
 * rewrite it), with a copy in the state's conversation cache that keeps
 * lookups off storage. Nothing is cached per process: every lookup reads
 * the shared cache, so a change one process made holds in all the others
 * once it has answered.
 *
 * revision counts the writes of meta.json (1 at create, or one more than
 * a copy the cache still held of a removed meta.json). A write goes to
 * storage first, then to the cache, which only ever takes a newer revision
 * (state_conversation_put): a cache miss filled from storage cannot bring
 * an older one back, and of two racing changes the one that finds the
 * cache moved on starts again from it, so neither is lost. Listing reads
 * the cache.
 *
 * Ids are conv-<uuid> when generated, or custom ids that pass
 * keys_valid_conversation_id. Join codes are CHATS3_JOIN_CODE_LENGTH
 * characters (a conversation keeps the code it was given, whatever the
 * setting says later) of an unambiguous alphabet from the CSPRNG,
 * compared in constant time.
 * A struct conversation is a flat value the caller owns.
 */
#ifndef CHATS3_CONVERSATION_H
#define CHATS3_CONVERSATION_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct cJSON;

#define CONV_ID_MAX 64
#define JOIN_CODE_MIN 6  /* CHATS3_JOIN_CODE_LENGTH's range; codes made before it are 6 */
#define JOIN_CODE_MAX 16
#define CONV_LIST_MAX 200
#define CONV_ABSENT_MS 10000 /* window of conversation_find's note of an unknown id */

struct conversation {
	char id[CONV_ID_MAX + 1];
	char join_code[JOIN_CODE_MAX + 1];
	int closed;
	int64_t created_at; /* epoch ms */
	int64_t closed_at;  /* 0 while active */
	int64_t revision;   /* meta.json's writes; 0 for one written before revisions */
};

/* Creates a conversation with id, or a generated one when id is NULL.
 * ERR_INVAL for an invalid id, ERR_CONFLICT when it exists, storage and
 * state errors (ERR_UNAVAILABLE, ERR_STORAGE, ERR_DB). */
int conversation_create(struct app *app, const char *id, struct conversation *out);

/* The conversation id, from the cache or else storage. ERR_NOTFOUND. */
int conversation_get(struct app *app, const char *id, struct conversation *out);

/* The lookup of a guest (a join by code), that answers an unknown id and
 * a store that cannot say alike and as fast: as conversation_get, but
 * storage gets GUEST_PATIENCE_MS at most (no 9 s of retries), any storage
 * failure is ERR_NOTFOUND (logged), and an id storage did not give is
 * noted in the state's bucket "absent:<id>" for the rest of a window of
 * CONV_ABSENT_MS, so asking again costs no storage read. Conversations
 * are cached when created, so a guest's lookup of one that exists reads
 * no storage either. ERR_NOTFOUND, or a state error (ERR_DB) for every
 * id alike. */
int conversation_find(struct app *app, const char *id, struct conversation *out);

/* Marks it closed (closedAt now) in storage and the cache; closing a
 * closed conversation changes nothing. ERR_UNAVAILABLE when racing
 * changes kept it from settling. */
int conversation_close(struct app *app, const char *id, struct conversation *out);

/* Gives it a new join code in storage and the cache. */
int conversation_new_code(struct app *app, const char *id, struct conversation *out);

/* 1 when code (as typed; letters of either case) is c's join code,
 * compared in constant time. */
int conversation_code_matches(const struct conversation *c, const char *code);

/* {conversationId, status, createdAt, closedAt, joinCode when with_code}:
 * a new object the caller owns, or NULL on ENOMEM. */
struct cJSON *conversation_json(const struct conversation *c, int with_code);

/* Appends to array the conversations after cursor (NULL: from the
 * start) in id order, at most limit (1..CONV_LIST_MAX), with status
 * "active", "closed" or NULL for both; next (CONV_ID_MAX + 1 bytes) gets
 * the cursor of the next page, or "" at the end. */
int conversation_list(struct app *app, const char *status, const char *cursor,
    int limit, struct cJSON *array, char *next);

#endif
