/*
 * presence: what the others in a conversation hear: an event through the
 * relay, such as peer-join when someone joins, peer-leave when someone
 * leaves (by their own request or an operator's kick; their open streams
 * are closed then too) or new-message (kept in history order by the
 * relay: reserve and release), and the end of a closed conversation's
 * streams. Telling them never fails the
 * request; a relay that is not running is normal, anything else is logged.
 */
#ifndef CHATS3_PRESENCE_H
#define CHATS3_PRESENCE_H

#include <stdint.h>

struct app;
struct cJSON;
struct session;

/* Broadcasts new-message from from_user_id with data (the message, taken;
 * NULL when building it failed, which is logged) to conversation_id, with
 * seq (its serverReceivedAt; 0: none) for the relay's history order;
 * request_id (may be NULL) ties a log line to the request. */
void presence_message(struct app *app, const char *conversation_id, int64_t seq,
    const char *from_user_id, struct cJSON *data, const char *request_id);

/* Tells the relay a message of conversation_id with seq is being stored
 * (call it while the message clock is held): 1 when the relay took it,
 * else 0. presence_release takes it back when the message will not come. */
int presence_reserve(struct app *app, const char *conversation_id, int64_t seq,
    const char *request_id);
void presence_release(struct app *app, const char *conversation_id, int64_t seq,
    const char *request_id);

/* Has the relay close every stream of conversation_id (after it closed). */
void presence_closed(struct app *app, const char *conversation_id, const char *request_id);

/* Broadcasts peer-join for s in its conversation. */
void presence_joined(struct app *app, const struct session *s, const char *request_id);

/* Broadcasts peer-leave for s in its conversation and has the relay close
 * every stream of s's user. */
void presence_left(struct app *app, const struct session *s, const char *request_id);

#endif
