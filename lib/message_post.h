/*
 * message_post: how a program stores one new message (a user's text, an
 * admin's or the system's notice) and tells the relay about it: durable
 * in storage (through the app's index) first, then a new-message event
 * that never fails the request. The relay hears of the message while its
 * clock is held (a reserve frame) and so puts the new-message events of
 * racing sends in history order (docs/relay.md).
 */
#ifndef CHATS3_MESSAGE_POST_H
#define CHATS3_MESSAGE_POST_H

#include "message_store.h"

struct app;
struct cJSON;

#define MESSAGE_BODY_CHARS 4000 /* characters of a body a client sends */

/* The claim of a keyed send, held by owner: the post notes the message as
 * its pending one with the clock and the index key (state_message_begin),
 * so that a retry can finish it should this process die. */
struct message_post_claim {
	const char *user_id, *key, *owner;
};

/* Gives m (filled by the caller but for messageId and serverReceivedAt)
 * a new id and the conversation's next millisecond from now on
 * (state_message_begin: a message sent after another was answered reads
 * back after it), and clientTimestamp when NULL (serverReceivedAt: the
 * model requires one); notes it under claim (NULL: none), stores m as its
 * own batch and publishes new-message. 0 with *out the message's JSON
 * (caller frees), or an enum err (nothing stored, *out NULL): ERR_BUSY
 * when the claim was taken over. m stays the caller's. */
int message_post(struct app *app, struct message *m, const char *request_id,
    const struct message_post_claim *claim, struct cJSON **out);

/* Stores again message_json, the JSON a post noted under its claim that may
 * not have finished (its process was killed): under the same id, time and
 * batch key, create-only, so that it is stored once whether or not the
 * first post had stored it; then publishes new-message (again, maybe:
 * clients know messages by id). 0 with *out its JSON (caller frees) and
 * *stored 1 when this call stored it, 0 when it was there already;
 * ERR_INVAL when message_json is not a message, or a storage error. */
int message_post_again(struct app *app, const char *message_json, const char *request_id,
    struct cJSON **out, int *stored);

#endif
