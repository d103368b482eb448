#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "clock.h"
#include "errors.h"
#include "ids.h"
#include "message_post.h"
#include "presence.h"
#include "state.h"

/* The model requires clientTimestamp: a message without one gets its
 * serverReceivedAt. */
static int stamp(struct message *m)
{
	char iso[ISO_TIME_LEN + 1];
	int rc = clock_iso(m->server_received_ms, iso);

	if (rc < 0)
		return rc;
	m->client_timestamp = strdup(iso);
	return m->client_timestamp ? 0 : ERR_NOMEM;
}

int message_post(struct app *app, struct message *m, const char *request_id,
    struct cJSON **out)
{
	struct storage *s;
	struct state *st;
	int rc;

	*out = NULL;
	if ((rc = app_storage(app, &s)) < 0 || (rc = app_state(app, &st)) < 0 ||
	    (rc = ids_uuid4(m->message_id)) < 0 ||
	    (rc = state_next_message_ms(st, m->conversation_id, clock_now_ms(),
	    &m->server_received_ms)) < 0)
		return rc;
	if (m->client_timestamp == NULL && (rc = stamp(m)) < 0)
		return rc;
	if ((rc = message_to_json(m, out)) < 0)
		return rc;
	if ((rc = message_store_append(s, st, m, 1)) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return rc;
	}
	presence_publish(app, m->conversation_id, "new-message", m->sender_user_id,
	    cJSON_Duplicate(*out, 1), request_id);
	return 0;
}
