#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "clock.h"
#include "conversation.h"
#include "errors.h"
#include "idempotency.h"
#include "message_post.h"
#include "message_send.h"
#include "owner.h"
#include "session_store.h"
#include "validate.h"

#define WAIT_POLL_MS 10
#define CLAIM_TRIES 3

static const struct vfield key_fields[] = {
	{ "clientMessageId", v_text, 0, 1, IDEMPOTENCY_KEY_MAX, 0, 0 },
	{ "Idempotency-Key", v_text, 0, 1, IDEMPOTENCY_KEY_MAX, 0, 0 },
};

const char *message_send_key(const char *client_message_id, const char *header, char **key,
    const char **field)
{
	const struct vfield *f = &key_fields[client_message_id == NULL];
	const char *text = client_message_id != NULL ? client_message_id : header;
	const struct vvalue v = { text, text ? strlen(text) : 0, V_TEXT, 0 };

	*key = NULL;
	*field = f->name;
	return text != NULL ? f->fn(&v, f, key) : NULL;
}

int message_draft(struct message *m, const struct session *s, const char *body,
    const char *client_timestamp)
{
	memset(m, 0, sizeof *m);
	if (strlen(s->conversation_id) >= sizeof m->conversation_id)
		return ERR_ARG;
	memcpy(m->conversation_id, s->conversation_id, strlen(s->conversation_id) + 1);
	m->sender_role = strcmp(s->role, "admin") == 0 ? MESSAGE_ROLE_ADMIN : MESSAGE_ROLE_USER;
	m->type = MESSAGE_TEXT;
	m->sender_user_id = strdup(s->user_id);
	m->sender_display_name = strdup(s->display_name);
	m->sender_avatar_url = s->avatar_url[0] ? strdup(s->avatar_url) : NULL;
	m->body = strdup(body);
	m->client_timestamp = client_timestamp ? strdup(client_timestamp) : NULL;
	if (m->sender_user_id == NULL || m->sender_display_name == NULL || m->body == NULL ||
	    (s->avatar_url[0] && m->sender_avatar_url == NULL) ||
	    (client_timestamp && m->client_timestamp == NULL))
		return ERR_NOMEM;
	return 0;
}

static void pause_ms(long ms)
{
	const struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* The message the key's owner recorded, waiting up to MESSAGE_SEND_WAIT_MS:
 * 0 with *out; ERR_NOTFOUND when the owner gave up (claim again); ERR_BUSY. */
static int await_owner(struct state *st, const char *user_id, const char *key, cJSON **out)
{
	char *json = NULL;
	int rc = 1;

	for (long waited = 0; rc == 1 && waited <= MESSAGE_SEND_WAIT_MS; waited += WAIT_POLL_MS) {
		if ((rc = idempotency_result(st, user_id, key, &json)) == 1)
			pause_ms(WAIT_POLL_MS);
	}
	if (rc == 1)
		return ERR_BUSY;
	if (rc < 0)
		return rc;
	*out = cJSON_Parse(json);
	free(json);
	return *out ? 0 : ERR_NOMEM;
}

/* A keyed send's claim. */
struct claimed {
	struct state *st;
	const char *user_id, *key;
};

/* Stores what m refers to, then m itself, under claim (NULL: none). */
static int post(struct app *app, struct message *m, const struct message_send *o,
    const struct message_post_claim *claim, cJSON **out)
{
	int rc = o->prepare != NULL ? o->prepare(o->prepare_ctx) : 0;

	return rc < 0 ? rc : message_post(app, m, o->request_id, claim, out);
}

/* Records *out, the message stored under the owned claim c when rc is 0;
 * else gives the claim up. On failure *out is freed. */
static int settle(const struct claimed *c, int rc, cJSON **out)
{
	char *text = NULL;

	if (rc == 0 && (text = cJSON_PrintUnformatted(*out)) == NULL)
		rc = ERR_NOMEM;
	if (rc == 0)
		rc = idempotency_record(c->st, c->user_id, c->key, text);
	else if (idempotency_release(c->st, c->user_id, c->key) < 0)
		rc = rc < 0 ? rc : ERR_DB;
	cJSON_free(text);
	if (rc < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* Claims the key (again when a racing owner gave up), then stores, finishes
 * the pending message of a gone owner (201 when this send stored it, 200
 * when the owner had), or replays. */
static int send_keyed(struct app *app, struct message *m, const struct message_send *o,
    cJSON **out, int *replayed)
{
	struct claimed c = { NULL, m->sender_user_id, o->key };
	char me[OWNER_MAX];
	const struct message_post_claim claim = { c.user_id, c.key, me };
	char *pending = NULL;
	int rc, stored;

	if ((rc = app_state(app, &c.st)) < 0 || (rc = owner_self(me)) < 0)
		return rc;
	for (int tries = 0; tries < CLAIM_TRIES; tries++) {
		rc = idempotency_claim(c.st, c.user_id, c.key, clock_now_ms(), &pending);
		if (rc == 0 && pending != NULL) {
			rc = message_post_again(app, pending, o->request_id, out, &stored);
			*replayed = !stored;
			free(pending);
			return settle(&c, rc, out);
		}
		if (rc == 0)
			return settle(&c, post(app, m, o, &claim, out), out);
		if (rc < 0)
			return rc;
		if ((rc = await_owner(c.st, c.user_id, c.key, out)) != ERR_NOTFOUND) {
			*replayed = rc == 0;
			return rc;
		}
	}
	return ERR_BUSY;
}

int message_send(struct app *app, struct message *m, const struct message_send *o,
    cJSON **out, int *replayed)
{
	struct conversation c;
	int rc;

	*out = NULL;
	*replayed = 0;
	if ((rc = conversation_get(app, m->conversation_id, &c)) < 0)
		return rc;
	if (o->open_only && c.closed)
		return ERR_CLOSED;
	if (o->key == NULL)
		return post(app, m, o, NULL, out);
	return send_keyed(app, m, o, out, replayed);
}

int message_send_system(struct app *app, const char *conversation_id, const char *body,
    const char *request_id, struct cJSON **out)
{
	struct message m = { .sender_role = MESSAGE_ROLE_SYSTEM, .type = MESSAGE_SYSTEM };
	const struct message_send o = { NULL, 0, request_id, NULL, NULL };
	int rc = ERR_NOMEM, replayed;

	*out = NULL;
	if (strlen(conversation_id) >= sizeof m.conversation_id)
		return ERR_NOTFOUND;
	memcpy(m.conversation_id, conversation_id, strlen(conversation_id) + 1);
	m.sender_user_id = strdup("system");
	m.sender_display_name = strdup("System");
	m.body = strdup(body);
	if (m.sender_user_id != NULL && m.sender_display_name != NULL && m.body != NULL)
		rc = message_send(app, &m, &o, out, &replayed);
	message_free(&m);
	return rc;
}
