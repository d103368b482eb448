/*
 * admin_ops: the operator's operations on conversations and sessions, each
 * giving the JSON data the admin API answers with. Shared by the admin
 * program (cgi-bin/admin.c) and the chats3-admin command, so both do and
 * show exactly the same. Each fills *out with a new object the caller owns
 * (NULL on failure) and returns 0 or a negative enum err: ERR_NOTFOUND
 * (no such conversation or session), ERR_CONFLICT (create: the id is
 * taken), ERR_INVAL (create: an invalid id), storage and database errors.
 */
#ifndef CHATS3_ADMIN_OPS_H
#define CHATS3_ADMIN_OPS_H

#include "validate.h"

struct app;
struct cJSON;
struct session_page_query;
struct message_writer;

#define ADMIN_LIST_DEFAULT 50
#define ADMIN_LIST_MAX 200
#define ADMIN_CLOSED_NOTICE "Conversation closed"

struct admin_list_query {
	const char *status; /* "active", "closed" or NULL for both */
	const char *cursor; /* nextCursor of the previous page, or NULL */
	int limit;          /* 1..ADMIN_LIST_MAX */
};

/* The body of a system message ({"body"}, admin_post_message): the
 * field table both the admin API and chats3-admin check it with. */
struct admin_notice {
	char *body;
};
extern const struct vfield admin_notice_fields[1];

/* The sentence the admin API answers a failed operation's rc with. */
const char *admin_error_message(int rc);

/* 1 when c can be a cursor of admin_list. */
int admin_valid_cursor(const char *c);

/* {"conversation":{..., "joinCode"}}; id NULL generates one. */
int admin_create(struct app *app, const char *id, struct cJSON **out);

/* {"conversations":[...], "nextCursor": string or null}. */
int admin_list(struct app *app, const struct admin_list_query *q, struct cJSON **out);

/* {"conversation":{..., "joinCode", "participantCount"}}. */
int admin_show(struct app *app, const char *id, struct cJSON **out);

/* {"conversation":{...}}, closed; closing an open one first stores and
 * broadcasts the system message ADMIN_CLOSED_NOTICE. */
int admin_close(struct app *app, const char *id, struct cJSON **out);

/* {"message":{...}}: body (checked by the caller) stored and broadcast
 * as a system message of conversation id, open or closed. */
int admin_post_message(struct app *app, const char *id, const char *body, struct cJSON **out);

/* The whole transcript of conversation id to w as NDJSON, oldest first:
 * begin(w->ctx) runs once the conversation is known (non-zero stops
 * there and is returned); failures after it cut the transcript short. */
int admin_export(struct app *app, const char *id, int (*begin)(void *ctx),
    const struct message_writer *w);

/* {"conversation":{..., "joinCode"}} with a new code. */
int admin_new_code(struct app *app, const char *id, struct cJSON **out);

/* {"sessions":[...],"nextCursor"}: a page of the live sessions of
 * conversation id as q asks (session_page.h; NULL: the first), the
 * cursor of the next one or null. ERR_INVAL for a cursor that is not one. */
int admin_sessions_page(struct app *app, const char *id, const struct session_page_query *q,
    struct cJSON **out);

/* admin_sessions_page's first page. */
int admin_sessions(struct app *app, const char *id, struct cJSON **out);

/* {"kicked":true}: ends the session whose token or user id is id. */
int admin_kick(struct app *app, const char *id, struct cJSON **out);

/* {"kicked":true}: ends the session of user_id (a user holds one) when it
 * is a live participant of conversation_id; ERR_NOTFOUND otherwise (a
 * user of another conversation included). */
int admin_kick_participant(struct app *app, const char *conversation_id, const char *user_id,
    struct cJSON **out);

/* {"compacted":{"conversations","batchesWritten","batchesReplaced",
 * "objectsDeleted","objectsKept","busy":[ids]}}: message_compact of
 * conversation id (NULL: every conversation) for the batches older than
 * older_than_s seconds; "busy" names those another compactor held. */
#define ADMIN_COMPACT_GRACE_MS 2000 /* between the index switch and deletes */
#define ADMIN_COMPACT_OLDER_THAN 3600
int admin_compact(struct app *app, const char *id, long older_than_s, struct cJSON **out);

#endif
