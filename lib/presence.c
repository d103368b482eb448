#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "log.h"
#include "presence.h"
#include "relay_client.h"
#include "session_store.h"

void presence_publish(struct app *app, const char *conversation_id, const char *type,
    const char *from_user_id, cJSON *data, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;
	cJSON *ev = data ? relay_event(type, from_user_id, NULL, data) : NULL;

	if (ev != NULL && app_relay(app, &relay) == 0)
		st = relay_publish(relay, conversation_id, ev);
	if (st != RELAY_SENT && st != RELAY_ABSENT)
		log_error(request_id, "%s from %s: relay %s", type, from_user_id,
		    relay_status_str(st));
	cJSON_Delete(ev);
}

void presence_left(struct app *app, const struct session *s, const char *request_id)
{
	cJSON *data = cJSON_CreateObject();

	if (cJSON_AddStringToObject(data, "userId", s->user_id) == NULL ||
	    cJSON_AddStringToObject(data, "displayName", s->display_name) == NULL) {
		cJSON_Delete(data);
		data = NULL;
	}
	presence_publish(app, s->conversation_id, "peer-leave", s->user_id, data, request_id);
}
