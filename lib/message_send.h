/*
 * message_send: the idempotent send, the one way a message enters a
 * conversation on someone's behalf: POST /messages (a participant's text),
 * the admin's system message and, with attachments, the file message.
 *
 * With a key (clientMessageId or Idempotency-Key, per sender), a send
 * claims the key before it writes storage, stores and publishes the
 * message (message_post), then records it; a repeat within
 * IDEMPOTENCY_TTL_MS gets the first message back instead. A racing twin
 * (same key, while the first is storing) waits at most
 * MESSAGE_SEND_WAIT_MS for the first to record, then gets ERR_BUSY (409,
 * Retry-After): a worker is never held for seconds. When the first fails,
 * its claim is released and the twin claims again. The message is noted
 * in the claim just before it is stored; when the first's process is gone
 * (killed mid-send), the next send of the key takes the claim over and
 * stores that noted message under its own key, once: *replayed 0 when it
 * stored it now, 1 when the owner had (lib/idempotency.h, docs/state.md).
 * Either way the message is the first attempt's (its id and time, and an
 * attachment the first attempt's prepare stored).
 *
 * The caller owns the message and the draft's strings; *out is a new
 * cJSON the caller frees.
 */
#ifndef CHATS3_MESSAGE_SEND_H
#define CHATS3_MESSAGE_SEND_H

#include "message_store.h"

struct app;
struct cJSON;
struct session;

#define MESSAGE_SEND_WAIT_MS 400

struct message_send {
	const char *key;        /* idempotency key, or NULL for none */
	int open_only;          /* ERR_CLOSED when the conversation is closed */
	const char *request_id; /* for log lines; may be NULL */
	/* Runs just before the message is stored, under the key's claim (so
	 * once per key): stores what the message refers to, an attachment's
	 * objects. NULL: nothing. A negative enum err stops the send. */
	int (*prepare)(void *ctx);
	void *prepare_ctx;
};

/* The idempotency key of a send into *key (a copy the caller frees; NULL
 * for none): client_message_id (the clientMessageId a client sent, or
 * NULL), else header (the Idempotency-Key header's value, or NULL), each
 * checked as text of 1..IDEMPOTENCY_KEY_MAX characters. NULL, or the
 * reason the value is refused with *field naming where it came from. */
const char *message_send_key(const char *client_message_id, const char *header, char **key,
    const char **field);

/* Fills m from the session s (conversation, sender) as a text message
 * with body and client_timestamp (NULL: none); both are copied. 0 or
 * ERR_NOMEM (m is then to be message_free'd all the same). */
int message_draft(struct message *m, const struct session *s, const char *body,
    const char *client_timestamp);

/* Sends m as o says. 0 with *out the message and *replayed 0 (stored
 * now: 201) or 1 (the key's first message: 200); ERR_CLOSED, ERR_BUSY,
 * ERR_NOTFOUND (no such conversation), storage and state errors (nothing
 * stored). */
int message_send(struct app *app, struct message *m, const struct message_send *o,
    struct cJSON **out, int *replayed);

/* Sends a system message (senderRole and type "system") with body to
 * conversation_id, open or closed, without a key; as message_send. */
int message_send_system(struct app *app, const char *conversation_id, const char *body,
    const char *request_id, struct cJSON **out);

#endif
