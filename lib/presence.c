#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "log.h"
#include "presence.h"
#include "relay_client.h"
#include "session_store.h"

void presence_left(struct app *app, const struct session *s, const char *request_id)
{
	enum relay_status st = RELAY_ERROR;
	struct relay *relay;
	cJSON *data = cJSON_CreateObject(), *ev;

	if (cJSON_AddStringToObject(data, "userId", s->user_id) == NULL ||
	    cJSON_AddStringToObject(data, "displayName", s->display_name) == NULL) {
		cJSON_Delete(data);
		data = NULL;
	}
	ev = data ? relay_event("peer-leave", s->user_id, NULL, data) : NULL;
	if (ev != NULL && app_relay(app, &relay) == 0)
		st = relay_publish(relay, s->conversation_id, ev);
	if (st != RELAY_SENT && st != RELAY_ABSENT)
		log_error(request_id, "peer-leave for %s: relay %s", s->user_id,
		    relay_status_str(st));
	cJSON_Delete(ev);
}
