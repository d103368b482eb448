/*
 * message_store: the seed's Message model and the conversation history
 * kept in storage as NDJSON batches (one object per batch, one message per
 * line) under storage_keys.h's keys_message_batch. See docs/history.md for
 * how history is read at a cost that does not grow with the conversation.
 *
 * Order: messages are ordered by serverReceivedAt, then batch key, then
 * their line in the batch. A batch's key carries its serverReceivedAt (all
 * its messages share it) and the messageId of its last message. Batches
 * of one millisecond go by their random messageIds: a writer that needs
 * sending order takes each batch's time from state_next_message_ms or
 * state_message_begin (message_post does, adding the key to the index
 * with it), which never give a conversation one millisecond twice.
 *
 * The index: append, history and since take an optional struct state
 * (NULL: none) whose message index then holds the batch keys, so that
 * history reads the newest keys from it instead of listing storage. It is a
 * hint kept complete, never the record (objects in storage are): once a
 * conversation is covered, every batch key of it is in the index, because
 * append adds a key before putting its object and a conversation is
 * covered only after every key it has was listed into it (none, when it is
 * new). That holds while every writer of the storage uses the same state
 * with its index; a key whose put failed holds no messages.
 *
 * Ownership: a struct message owns its strings (message_free); a struct
 * message_page owns its messages and cursor (message_page_free). Storage
 * and index are borrowed. Failures are enum err values: ERR_INVAL (a client's
 * cursor or message id that is not one), ERR_ARG (a bad argument of ours:
 * a limit, a conversation id, a batch), ERR_CONFLICT (the batch key
 * exists), ERR_NOTFOUND (since: no such
 * message within reach), ERR_STORAGE (an object that is not a valid batch,
 * where one is needed), and whatever storage.h returns. History and since
 * pass over a damaged batch object (logged, as holding no messages), so a
 * conversation still reads; the export copies objects as they are.
 */
#ifndef CHATS3_MESSAGE_STORE_H
#define CHATS3_MESSAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "ids.h"

struct cJSON;
struct state;
struct storage;

#define MESSAGE_LIMIT_MAX 200          /* messages per history page */
#define MESSAGE_BATCH_MAX 100          /* messages per batch */
#define MESSAGE_BATCH_BYTES (1 << 20)  /* bytes per batch object */
#define MESSAGE_COMPACT_MAX 1000       /* messages per compacted batch */
#define MESSAGE_SINCE_SCAN_MAX 1000    /* batches since() looks back through */
#define MESSAGE_CURSOR_MAX 160         /* bytes of a cursor, NUL included */
#define MESSAGE_CONVERSATION_ID_MAX 64
#define MESSAGE_STRING_MAX 16384       /* bytes of any string field but body */
#define MESSAGE_BODY_MAX 16000         /* bytes of a body (4000 characters) */

enum message_type { MESSAGE_TEXT, MESSAGE_SYSTEM, MESSAGE_FILE };
enum message_role { MESSAGE_ROLE_USER, MESSAGE_ROLE_ADMIN, MESSAGE_ROLE_SYSTEM };

struct message {
	char message_id[UUID_STRLEN + 1];
	char conversation_id[MESSAGE_CONVERSATION_ID_MAX + 1];
	char *sender_user_id;
	char *sender_display_name;
	char *sender_avatar_url;   /* NULL: none */
	enum message_role sender_role;
	enum message_type type;
	char *body;
	char *client_timestamp;    /* as the client sent it (ISO 8601) */
	int64_t server_received_ms; /* serverReceivedAt, epoch ms */
	char *attachment_id;       /* file messages; NULL otherwise */
	char *filename;
	char *mimetype;
	char *url;
};

/* History read back: messages oldest to newest. */
struct message_page {
	struct message *v;
	size_t n;
	char *next_cursor; /* history: older messages exist; NULL otherwise */
	int more;          /* since: more messages follow the last one */
	size_t reads;      /* the storage objects the page asked for */
};

/* Where export writes: every chunk in order; 0, or -1 to stop (ERR_IO). */
struct message_writer {
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};

/* Frees m's strings and leaves it empty. */
void message_free(struct message *m);

/* m as the seed's JSON object (serverReceivedAt as ISO 8601 UTC with
 * milliseconds; optional fields left out when NULL). Caller frees *out. */
int message_to_json(const struct message *m, struct cJSON **out);

/* Fills m from j, checking every field (types, UUIDs, enums, sizes,
 * serverReceivedAt exactly in the contract's format). ERR_INVAL when j is
 * not a valid message; m is then empty. */
int message_from_json(const struct cJSON *j, struct message *m);

/* Stores msgs[0..n) (1..MESSAGE_BATCH_MAX of one conversation, one
 * serverReceivedAt) as one create-only batch object; durable when it
 * returns 0. ERR_CONFLICT when the key is taken (nothing is overwritten). */
int message_store_append(struct storage *s, struct state *index, const struct message *msgs,
    size_t n);

/* The newest limit (1..MESSAGE_LIMIT_MAX) messages before cursor (NULL or
 * "": the newest of all), oldest first. A cursor comes from a previous
 * page's next_cursor; anything else is ERR_INVAL. */
int message_store_history(struct storage *s, struct state *index, const char *conversation_id,
    int limit, const char *cursor, struct message_page *out);

/* 1 when cursor can be a next_cursor of message_store_history (its
 * syntax: whether it points into a given conversation is not known). */
int message_store_cursor_valid(const char *cursor);

/* The oldest limit messages after message_id, oldest first; out->more
 * when further ones follow. The message must be the last of its batch (as
 * every message the API stores alone is) and among the newest
 * MESSAGE_SINCE_SCAN_MAX batches: ERR_NOTFOUND otherwise. */
int message_store_since(struct storage *s, struct state *index, const char *conversation_id,
    const char *message_id, int limit, struct message_page *out);

/* Makes index cover conversation_id (lists its keys into it, once). */
int message_store_index_ready(struct storage *s, struct state *index,
    const char *conversation_id);

/* The same, told whether index covers conversation_id already (covered:
 * the answer of state_index_covered, or of the send's state_message_begin,
 * which asks in the write that adds the send's key): lists its keys into
 * it only when not. */
int message_store_index_cover(struct storage *s, struct state *index,
    const char *conversation_id, int covered);

/* The messages of the batch object p[0..n) stored at key into *v, *n
 * (caller frees each with message_free, then *v): ERR_STORAGE when it is
 * not a valid batch of conversation_id. */
int message_batch_parse(const char *key, const char *p, size_t n,
    const char *conversation_id, struct message **v, size_t *count);

/* Writes the whole conversation to w as NDJSON, oldest first, object by
 * object in constant memory. */
int message_store_export(struct storage *s, const char *conversation_id,
    const struct message_writer *w);

/* {"messages":[...], "nextCursor": string or null, "hasMore" (since
 * only)} of p into *out (caller frees): 0 or ERR_NOMEM. */
int message_page_json(const struct message_page *p, int since, struct cJSON **out);

void message_page_free(struct message_page *p);

#endif
