/*
 * signal_send: a participant's own event for the others of the
 * conversation (POST /api/v1/signaling: WebRTC call set-up, presence,
 * typing), checked as the contract says and handed to the relay. Unlike
 * the server's own events (presence.h), a participant's event is the
 * whole point of the request: a relay that cannot take it fails it.
 *
 * Nothing here keeps state beyond a call; what signal_send returns is the
 * caller's to free.
 */
#ifndef CHATS3_SIGNAL_SEND_H
#define CHATS3_SIGNAL_SEND_H

#include "relay_client.h"

struct app;
struct cJSON;
struct session;

#define SIGNAL_DATA_MAX RELAY_EVENT_DATA_MAX      /* data's JSON text, in bytes */
#define SIGNAL_BODY_MAX (SIGNAL_DATA_MAX + 1024)  /* the request body around it */
#define SIGNAL_TYPE_MAX 16
#define SIGNAL_TYPING_PER_SECOND 3                /* typing events a user may send */

/* The types a participant may send, NULL-terminated (new-message is the
 * server's alone). */
extern const char *const signal_types[];

/* NULL when data (borrowed; NULL: absent) may go with an event of type,
 * else the reason (a static sentence): data is required, at most
 * SIGNAL_DATA_MAX bytes as JSON, and for typing exactly
 * {"typing":true|false}. */
const char *signal_data_invalid(const char *type, const struct cJSON *data);

/* Publishes the event type from s's user to to_user_id (NULL: everyone
 * in s's conversation) with a copy of data (borrowed, checked by
 * signal_data_invalid). 0 with *out the event as sent (caller frees);
 * 1 when s's user is over the typing rate, with *retry_after in seconds
 * (nothing sent); ERR_UNAVAILABLE when the relay is not running or its
 * queue is full, ERR_TOOBIG, ERR_DB (the typing rate could not be
 * counted), ERR_NOMEM or ERR_INTERNAL (nothing sent, *out NULL). */
int signal_send(struct app *app, const struct session *s, const char *type,
    const char *to_user_id, const struct cJSON *data, struct cJSON **out, long *retry_after);

#endif
