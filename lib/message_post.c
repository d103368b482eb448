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

/* While the clock is held: the relay hears of the message's seq. */
struct reservation {
	struct app *app;
	const char *request_id;
	int64_t seq; /* 0 until the relay took the reserve frame */
};

static void reserve(void *ctx, const char *conversation_id, int64_t ms)
{
	struct reservation *r = ctx;

	if (presence_reserve(r->app, conversation_id, ms, r->request_id))
		r->seq = ms;
}

/* The clock, the id and clientTimestamp for m, then its store. */
static int store(struct app *app, struct message *m, struct reservation *r,
    const struct message_post_hook *hook, cJSON **out)
{
	struct storage *s;
	struct state *st;
	int rc;

	if ((rc = app_storage(app, &s)) < 0 || (rc = app_state(app, &st)) < 0 ||
	    (rc = ids_uuid4(m->message_id)) < 0 ||
	    (rc = state_hold_message_ms(st, m->conversation_id, clock_now_ms(), reserve, r,
	    &m->server_received_ms)) < 0)
		return rc;
	if (m->client_timestamp == NULL && (rc = stamp(m)) < 0)
		return rc;
	if ((rc = message_to_json(m, out)) < 0 ||
	    (hook != NULL && (rc = hook->before_store(hook->ctx, *out)) < 0))
		return rc;
	return message_store_append(s, st, m, 1);
}

int message_post(struct app *app, struct message *m, const char *request_id,
    const struct message_post_hook *hook, struct cJSON **out)
{
	struct reservation r = { app, request_id, 0 };
	int rc;

	*out = NULL;
	if ((rc = store(app, m, &r, hook, out)) < 0) {
		if (r.seq != 0)
			presence_release(app, m->conversation_id, r.seq, request_id);
		cJSON_Delete(*out);
		*out = NULL;
		return rc;
	}
	presence_message(app, m->conversation_id, m->server_received_ms, m->sender_user_id,
	    cJSON_Duplicate(*out, 1), request_id);
	return 0;
}

/* m stored once under its own key: 0 also when it is there already
 * (*stored 0 then). */
static int store_again(struct app *app, const struct message *m, int *stored)
{
	struct storage *s;
	struct state *st;
	int rc;

	if ((rc = app_storage(app, &s)) < 0 || (rc = app_state(app, &st)) < 0)
		return rc;
	rc = message_store_append(s, st, m, 1);
	*stored = rc == 0;
	return rc == ERR_CONFLICT ? 0 : rc;
}

int message_post_again(struct app *app, const char *message_json, const char *request_id,
    struct cJSON **out, int *stored)
{
	struct message m;
	int rc;

	*stored = 0;
	if ((*out = cJSON_Parse(message_json)) == NULL)
		return ERR_INVAL;
	if ((rc = message_from_json(*out, &m)) == 0 && (rc = store_again(app, &m, stored)) == 0)
		presence_message(app, m.conversation_id, m.server_received_ms, m.sender_user_id,
		    cJSON_Duplicate(*out, 1), request_id);
	message_free(&m);
	if (rc < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}
