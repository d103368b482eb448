/*
 * presence: what the others in a conversation hear when someone leaves,
 * by their own request or an operator's kick: a peer-leave event through
 * the relay. Telling them never fails the request; a relay that is not
 * running is normal, anything else is logged.
 */
#ifndef CHATS3_PRESENCE_H
#define CHATS3_PRESENCE_H

struct app;
struct session;

/* Broadcasts peer-leave for s in its conversation; request_id (may be
 * NULL) ties a log line to the request. */
void presence_left(struct app *app, const struct session *s, const char *request_id);

#endif
