#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "log.h"
#include "presence.h"
#include "relay_client.h"
#include "session_store.h"

/* Publishes ev (taken; NULL when building it failed) of type from
 * from_user_id, logging what went wrong. */
static void publish_event(struct app *app, const char *conversation_id, const char *type,
    const char *from_user_id, cJSON *ev, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	if (ev != NULL && app_relay(app, &relay) == 0)
		st = relay_publish(relay, conversation_id, ev);
	if (st != RELAY_SENT && st != RELAY_ABSENT)
		log_error(request_id, "%s from %s: relay %s", type, from_user_id,
		    relay_status_str(st));
	cJSON_Delete(ev);
}

void presence_publish(struct app *app, const char *conversation_id, const char *type,
    const char *from_user_id, cJSON *data, const char *request_id)
{
	publish_event(app, conversation_id, type, from_user_id,
	    data ? relay_event(type, from_user_id, NULL, data) : NULL, request_id);
}

void presence_joined(struct app *app, const struct session *s, const char *request_id)
{
	publish_event(app, s->conversation_id, "peer-join", s->user_id,
	    relay_peer_event("peer-join", s), request_id);
}

void presence_left(struct app *app, const struct session *s, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;

	publish_event(app, s->conversation_id, "peer-leave", s->user_id,
	    relay_peer_event("peer-leave", s), request_id);
	if (app_relay(app, &relay) == 0)
		st = relay_close_user(relay, s->user_id);
	if (st != RELAY_SENT && st != RELAY_ABSENT)
		log_error(request_id, "closing the streams of %s: relay %s", s->user_id,
		    relay_status_str(st));
}
