#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "log.h"
#include "presence.h"
#include "relay_client.h"
#include "session_store.h"

/* Logs st ("<what> <whose>: relay busy") unless the relay took the frame
 * or is not running. */
static void note(enum relay_status st, const char *request_id, const char *what,
    const char *whose)
{
	if (st != RELAY_SENT && st != RELAY_ABSENT)
		log_error(request_id, "%s %s: relay %s", what, whose, relay_status_str(st));
}

/* Publishes ev (taken; NULL when building it failed) of type from
 * from_user_id with seq (0: none), logging what went wrong. */
static void publish_event(struct app *app, const char *conversation_id, int64_t seq,
    const char *type, const char *from_user_id, cJSON *ev, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	if (ev != NULL && app_relay(app, &relay) == 0)
		st = relay_publish_at(relay, conversation_id, seq, ev);
	note(st, request_id, type, from_user_id);
	cJSON_Delete(ev);
}

void presence_message(struct app *app, const char *conversation_id, int64_t seq,
    const char *from_user_id, cJSON *data, const char *request_id)
{
	publish_event(app, conversation_id, seq, "new-message", from_user_id,
	    data ? relay_event("new-message", from_user_id, NULL, data) : NULL, request_id);
}

void presence_joined(struct app *app, const struct session *s, const char *request_id)
{
	publish_event(app, s->conversation_id, 0, "peer-join", s->user_id,
	    relay_peer_event("peer-join", s), request_id);
}

void presence_left(struct app *app, const struct session *s, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	publish_event(app, s->conversation_id, 0, "peer-leave", s->user_id,
	    relay_peer_event("peer-leave", s), request_id);
	if (app_relay(app, &relay) == 0)
		st = relay_close_user(relay, s->user_id);
	note(st, request_id, "closing the streams of", s->user_id);
}

void presence_closed(struct app *app, const char *conversation_id, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	if (app_relay(app, &relay) == 0)
		st = relay_close_conversation(relay, conversation_id);
	note(st, request_id, "closing the streams of conversation", conversation_id);
}

typedef enum relay_status seq_frame_fn(struct relay *r, const char *conversation_id,
    int64_t seq);

/* Sends a reserve or release frame (send) for seq: 1 when the relay took it. */
static int send_seq(struct app *app, seq_frame_fn *send, const char *what,
    const char *conversation_id, int64_t seq, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	if (app_relay(app, &relay) == 0)
		st = send(relay, conversation_id, seq);
	note(st, request_id, what, conversation_id);
	return st == RELAY_SENT;
}

int presence_reserve(struct app *app, const char *conversation_id, int64_t seq,
    const char *request_id)
{
	return send_seq(app, relay_reserve, "reserving a message of", conversation_id, seq,
	    request_id);
}

void presence_release(struct app *app, const char *conversation_id, int64_t seq,
    const char *request_id)
{
	send_seq(app, relay_release, "releasing a message of", conversation_id, seq, request_id);
}
