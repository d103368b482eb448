#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_ops.h"
#include "app.h"
#include "conversation.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "message_post.h"
#include "message_send.h"
#include "message_store.h"
#include "presence.h"
#include "session_page.h"
#include "session_store.h"
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
