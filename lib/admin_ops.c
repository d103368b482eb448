#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_ops.h"
#include "app.h"
#include "conversation.h"
#include "errors.h"
#include "clock.h"
#include "ids.h"
#include "json.h"
#include "message_post.h"
#include "message_compact.h"
#include "message_send.h"
#include "message_store.h"
#include "presence.h"
#include "session_page.h"
#include "session_store.h"
#include "state.h"
#include "storage_keys.h"

const struct vfield admin_notice_fields[1] = {
	{ "body", v_message_body, 1, 1, MESSAGE_BODY_CHARS, offsetof(struct admin_notice, body), 0 },
};

const char *admin_error_message(int rc)
{
	if (rc == ERR_NOTFOUND)
		return "No such conversation or session";
	if (rc == ERR_CONFLICT)
		return "A conversation with that id exists already";
	return err_public_message(rc);
}

int admin_valid_cursor(const char *c) { return keys_valid_conversation_id(c); }


/* *out = {"conversation": c} after op ran (its result rc). */
static int conversation_out(int rc, const struct conversation *c, int with_code,
    cJSON **out)
{
	*out = NULL;
	return rc < 0 ? rc : json_wrap("conversation", conversation_json(c, with_code), out);
}

int admin_create(struct app *app, const char *id, cJSON **out)
{
	struct conversation c;

	return conversation_out(conversation_create(app, id, &c), &c, 1, out);
}

int admin_close(struct app *app, const char *id, cJSON **out)
{
	struct conversation c;
	cJSON *m = NULL;
	int rc;

	/* The notice goes first: when it cannot be stored the conversation
	 * stays open, and closing again tries both again. */
	if ((rc = conversation_get(app, id, &c)) == 0 && !c.closed)
		rc = message_send_system(app, c.id, ADMIN_CLOSED_NOTICE, NULL, &m);
	cJSON_Delete(m);
	if (rc == 0 && (rc = conversation_close(app, id, &c)) == 0)
		presence_closed(app, c.id, NULL); /* after the notice: its streams end */
	return conversation_out(rc, &c, 0, out);
}

int admin_post_message(struct app *app, const char *id, const char *body, cJSON **out)
{
	cJSON *m = NULL;
	int rc;

	*out = NULL;
	if ((rc = message_send_system(app, id, body, NULL, &m)) < 0)
		return rc;
	return json_wrap("message", m, out);
}

int admin_export(struct app *app, const char *id, int (*begin)(void *ctx),
    const struct message_writer *w)
{
	struct conversation c;
	struct storage *s;
	int rc;

	if ((rc = conversation_get(app, id, &c)) < 0 || (rc = app_storage(app, &s)) < 0 ||
	    (rc = begin(w->ctx)) != 0)
		return rc;
	return message_store_export(s, c.id, w);
}

int admin_new_code(struct app *app, const char *id, cJSON **out)
{
	struct conversation c;

	return conversation_out(conversation_new_code(app, id, &c), &c, 1, out);
}

int admin_show(struct app *app, const char *id, cJSON **out)
{
	struct state *st;
	struct conversation c;
	long n = 0;
	int rc;

	*out = NULL;
	if ((rc = conversation_get(app, id, &c)) < 0 || (rc = app_state(app, &st)) < 0 ||
	    (rc = session_store_count(st, c.id, &n)) < 0 ||
	    (rc = conversation_out(0, &c, 1, out)) < 0)
		return rc;
	if (cJSON_AddNumberToObject(cJSON_GetObjectItem(*out, "conversation"),
	    "participantCount", (double)n) == NULL) {
		cJSON_Delete(*out);
		*out = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

/* {name: arr, "nextCursor": next or null ("")} into *out; arr is taken. */
static int page_json(const char *name, cJSON *arr, const char *next, cJSON **out)
{
	int rc;

	if ((rc = json_wrap(name, arr, out)) < 0)
		return rc;
	if ((next[0] ? cJSON_AddStringToObject(*out, "nextCursor", next) :
	    cJSON_AddNullToObject(*out, "nextCursor")) == NULL) {
		cJSON_Delete(*out);
		*out = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

int admin_list(struct app *app, const struct admin_list_query *q, cJSON **out)
{
	char next[CONV_ID_MAX + 1];
	cJSON *arr = cJSON_CreateArray();
	int rc;

	*out = NULL;
	if (arr == NULL)
		return ERR_NOMEM;
	if ((rc = conversation_list(app, q->status, q->cursor, q->limit, arr, next)) < 0) {
		cJSON_Delete(arr);
		return rc;
	}
	return page_json("conversations", arr, next, out);
}

int admin_sessions_page(struct app *app, const char *id, const struct session_page_query *q,
    cJSON **out)
{
	char next[SESSION_PAGE_CURSOR_MAX];
	struct state *st;
	struct conversation c;
	cJSON *arr;
	int rc;

	*out = NULL;
	if ((rc = conversation_get(app, id, &c)) < 0 || (rc = app_state(app, &st)) < 0)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL)
		return ERR_NOMEM;
	if ((rc = session_page_json(st, c.id, q, arr, next)) < 0) {
		cJSON_Delete(arr);
		return rc;
	}
	return page_json("sessions", arr, next, out);
}

int admin_sessions(struct app *app, const char *id, cJSON **out)
{
	return admin_sessions_page(app, id, NULL, out);
}

/* Ends the session gone was (its peer-leave sent): {"kicked":true}. */
static int kicked(struct app *app, const struct session *gone, cJSON **out)
{
	presence_left(app, gone, NULL);
	return json_wrap("kicked", cJSON_CreateTrue(), out);
}

int admin_kick(struct app *app, const char *id, cJSON **out)
{
	struct state *st;
	struct session gone;
	int rc;

	*out = NULL;
	if ((rc = app_state(app, &st)) < 0 ||
	    (rc = session_store_delete(st, id, strlen(id), &gone)) < 0)
		return rc;
	return kicked(app, &gone, out);
}

struct participant {
	const char *user_id;
	int found;
};

static int is_participant(void *ctx, const struct session *s)
{
	struct participant *p = ctx;

	p->found |= strcmp(s->user_id, p->user_id) == 0;
	return 0;
}

int admin_kick_participant(struct app *app, const char *conversation_id, const char *user_id,
    cJSON **out)
{
	struct participant p = { user_id, 0 };
	struct state *st;
	struct session gone;
	int rc;

	*out = NULL;
	if (!ids_is_uuid4(user_id, strlen(user_id)) || !keys_valid_conversation_id(conversation_id))
		return ERR_NOTFOUND;
	if ((rc = app_state(app, &st)) < 0 ||
	    (rc = session_store_list(st, conversation_id, is_participant, &p)) < 0)
		return rc;
	if (!p.found)
		return ERR_NOTFOUND;
	if ((rc = session_store_delete(st, user_id, strlen(user_id), &gone)) < 0)
		return rc;
	return kicked(app, &gone, out);
}

/* ---- compaction ---- */

#define COMPACT_PAGE 100

struct ids {
	char v[COMPACT_PAGE][CONV_ID_MAX + 1];
	int n;
};

static int take_id(void *ctx, const struct conversation *c)
{
	struct ids *ids = ctx;

	memcpy(ids->v[ids->n++], c->id, strlen(c->id) + 1);
	return 0;
}

static int compact_one(struct app *app, const char *id, int64_t before_ms,
    struct message_compact_report *r, cJSON *busy)
{
	struct storage *s;
	struct state *st;
	int rc;

	if ((rc = app_storage(app, &s)) < 0 || (rc = app_state(app, &st)) < 0)
		return rc;
	rc = message_compact(s, st, id, before_ms, ADMIN_COMPACT_GRACE_MS, r);
	if (rc == ERR_BUSY)
		rc = cJSON_AddItemToArray(busy, cJSON_CreateString(id)) ? 0 : ERR_NOMEM;
	return rc;
}

/* Every conversation of the cache, a page at a time. */
static int compact_all(struct app *app, int64_t before_ms, struct message_compact_report *r,
    cJSON *busy, double *count)
{
	char after[CONV_ID_MAX + 1] = "";
	struct ids *ids = malloc(sizeof *ids);
	struct state *st;
	int rc;

	if (ids == NULL)
		return ERR_NOMEM;
	do {
		ids->n = 0;
		if ((rc = app_state(app, &st)) == 0)
			rc = state_conversation_list(st, STATE_ANY, after, COMPACT_PAGE, take_id, ids);
		for (int i = 0; i < ids->n && rc == 0; i++, (*count)++)
			rc = compact_one(app, ids->v[i], before_ms, r, busy);
		if (ids->n > 0)
			memcpy(after, ids->v[ids->n - 1], sizeof after);
	} while (rc == 0 && ids->n == COMPACT_PAGE);
	free(ids);
	return rc;
}

/* busy goes into *out (or is freed on failure). */
static int compact_json(const struct message_compact_report *r, double count, cJSON *busy,
    cJSON **out)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToObject(o, "busy", busy)) {
		cJSON_Delete(o);
		cJSON_Delete(busy);
		return ERR_NOMEM;
	}
	if (!cJSON_AddNumberToObject(o, "conversations", count) ||
	    !cJSON_AddNumberToObject(o, "batchesWritten", (double)r->written) ||
	    !cJSON_AddNumberToObject(o, "batchesReplaced", (double)r->replaced) ||
	    !cJSON_AddNumberToObject(o, "objectsDeleted", (double)r->deleted) ||
	    !cJSON_AddNumberToObject(o, "objectsKept", (double)r->kept)) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	return json_wrap("compacted", o, out);
}

int admin_compact(struct app *app, const char *id, long older_than_s, cJSON **out)
{
	struct message_compact_report r = { 0, 0, 0, 0 };
	struct conversation c;
	cJSON *busy = cJSON_CreateArray();
	double count = 0;
	int64_t before_ms = clock_now_ms() - (int64_t)older_than_s * 1000;
	int rc;

	*out = NULL;
	if (busy == NULL)
		return ERR_NOMEM;
	if (id != NULL && (rc = conversation_get(app, id, &c)) == 0) {
		rc = compact_one(app, c.id, before_ms, &r, busy);
		count = 1;
	} else if (id == NULL) {
		rc = compact_all(app, before_ms, &r, busy, &count);
	}
	if (rc < 0) {
		cJSON_Delete(busy);
		return rc;
	}
	return compact_json(&r, count, busy, out);
}
