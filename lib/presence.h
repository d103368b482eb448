/*
 * presence: what the others in a conversation hear: an event through the
 * relay, such as peer-join when someone joins, peer-leave when someone
 * leaves (by their own request or an operator's kick; their open streams
 * are closed then too) or new-message. Telling them never fails the
 * request; a relay that is not running is normal, anything else is logged.
 */
#ifndef CHATS3_PRESENCE_H
#define CHATS3_PRESENCE_H

struct app;
struct cJSON;
struct session;

/* Broadcasts an event of type from from_user_id with data (taken; NULL
 * when building it failed, which is logged) to conversation_id;
 * request_id (may be NULL) ties a log line to the request. */
void presence_publish(struct app *app, const char *conversation_id, const char *type,
    const char *from_user_id, struct cJSON *data, const char *request_id);

/* Broadcasts peer-join for s in its conversation. */
void presence_joined(struct app *app, const struct session *s, const char *request_id);

/* Broadcasts peer-leave for s in its conversation and has the relay close
 * every stream of s's user. */
void presence_left(struct app *app, const struct session *s, const char *request_id);

#endif
