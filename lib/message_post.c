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
#include "storage_keys.h"

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

/* A post while the clock is held: the relay hears of the message's seq,
 * and the state notes the message under its batch key (and claim). */
struct reservation {
	struct app *app;
	const char *request_id;
	struct message *m;
	const struct message_post_claim *claim;
	int64_t seq; /* 0 until the relay took the reserve frame */
	cJSON *json;
	char *pending;
	char key[STORAGE_MAX_KEY + 1];
};

/* m, now at ms, as JSON, its batch key and the note of both. */
static int describe(struct reservation *r, struct state_note *note)
{
	struct message *m = r->m;
	int rc;

	if ((m->client_timestamp == NULL && (rc = stamp(m)) < 0) ||
	    (rc = message_to_json(m, &r->json)) < 0 ||
	    (rc = keys_message_batch(r->key, m->conversation_id, m->server_received_ms,
	    m->message_id)) < 0)
		return rc;
	note->index_key = r->key;
	if (r->claim == NULL)
		return 0;
	if ((r->pending = cJSON_PrintUnformatted(r->json)) == NULL)
		return ERR_NOMEM;
	note->user_id = r->claim->user_id;
	note->key = r->claim->key;
	note->owner = r->claim->owner;
	note->pending = r->pending;
	return 0;
}

static int reserve(void *ctx, const char *conversation_id, int64_t ms, struct state_note *note)
{
	struct reservation *r = ctx;

	if (presence_reserve(r->app, conversation_id, ms, r->request_id))
		r->seq = ms;
	note->reserved = r->seq != 0;
	r->m->server_received_ms = ms;
	return describe(r, note);
}

/* The id, the clock, clientTimestamp and the note for m, then its store.
 * The index has m's key before the conversation is made covered (a
 * rebuild lists the others; the note's write tells whether one is due),
 * and the object is put after both. */
static int store(struct app *app, struct message *m, struct reservation *r)
{
	struct storage *s;
	struct state *st;
	int64_t ms;
	int covered, rc;

	if ((rc = app_storage(app, &s)) < 0 || (rc = app_state(app, &st)) < 0 ||
	    (rc = ids_uuid4(m->message_id)) < 0)
		return rc;
	if ((rc = state_message_begin(st, m->conversation_id, clock_now_ms(), reserve, r,
	    &ms, &covered)) < 0)
		return rc == ERR_CONFLICT ? ERR_BUSY : rc;
	if ((rc = message_store_index_cover(s, st, m->conversation_id, covered)) < 0)
		return rc;
	return message_store_append(s, NULL, m, 1);
}

int message_post(struct app *app, struct message *m, const char *request_id,
    const struct message_post_claim *claim, struct cJSON **out)
{
	struct reservation r = { app, request_id, m, claim, 0, NULL, NULL, "" };
	int rc = store(app, m, &r);

	cJSON_free(r.pending);
	*out = r.json;
	if (rc < 0) {
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
