/*
 * messages: the conversation's messages, for its participants (R_SESSION).
 *   POST /api/v1/messages  {"body","clientTimestamp"?,"clientMessageId"?}
 *                          (or an Idempotency-Key header) -> 201, or 200 with
 *                          the first message for a key already used
 *   GET  /api/v1/messages?limit=&before=   newest page, oldest first
 *   GET  /api/v1/messages?since=<messageId>&limit=   catch-up
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "ids.h"
#include "idempotency.h"
#include "json.h"
#include "message_post.h"
#include "message_send.h"
#include "message_store.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "validate.h"

#define PAGE_DEFAULT 50
#define BAD_QUERY "Invalid query parameter"
#define INVALID_MESSAGE "Invalid message"

struct send_form {
	char *body;
	char *client_timestamp;
	char *client_message_id;
};

static const struct vfield send_fields[] = {
	{ "body", v_message_body, 1, 1, MESSAGE_BODY_CHARS, offsetof(struct send_form, body), 0 },
	{ "clientTimestamp", v_iso_time, 0, 1, 64, offsetof(struct send_form, client_timestamp), 0 },
	{ "clientMessageId", v_text, 0, 1, IDEMPOTENCY_KEY_MAX,
	  offsetof(struct send_form, client_message_id), 0 },
};

static const struct vform send_form = {
	send_fields, sizeof send_fields / sizeof send_fields[0], sizeof(struct send_form),
	INVALID_MESSAGE, NULL
};

static int send_as(struct request *r, const struct send_form *f, const char *key)
{
	const struct message_send o = { key, 1, r->id, NULL, NULL };
	struct message m;
	cJSON *sent = NULL, *data;
	int rc, replayed;

	if ((rc = message_draft(&m, r->session, f->body, f->client_timestamp)) == 0 &&
	    (rc = message_send(r->app, &m, &o, &sent, &replayed)) == 0 &&
	    (rc = json_wrap("message", sent, &data)) == 0)
		rc = response_ok(r, replayed ? 200 : 201, data);
	message_free(&m);
	return rc;
}

static int send(struct request *r)
{
	const struct send_form *f = r->form_values;
	char *key = NULL;
	const char *field, *why = message_send_key(f->client_message_id,
	    request_header(r, "idempotency-key"), &key, &field);
	int rc = why ? emit_invalid(r, INVALID_MESSAGE, field, why) : send_as(r, f, key);

	free(key);
	return rc;
}

struct list_query {
	char *before;
	char *since;
	long limit;
};

static int is_message_id(const char *s)
{
	return ids_is_uuid4(s, strlen(s));
}

static const struct vpredicate a_cursor = {
	message_store_cursor_valid, "is not a cursor from this list"
};
static const struct vpredicate a_message_id = { is_message_id, "must be a messageId" };

static const struct vfield list_fields[] = {
	{ "limit", v_integer, 0, 1, MESSAGE_LIMIT_MAX, offsetof(struct list_query, limit), 0 },
	{ "before", v_matching, 0, 1, MESSAGE_CURSOR_MAX, offsetof(struct list_query, before),
	  &a_cursor },
	{ "since", v_matching, 0, 1, UUID_STRLEN, offsetof(struct list_query, since),
	  &a_message_id },
};

static const char *one_direction(const void *values, const char **field)
{
	const struct list_query *q = values;

	*field = "since";
	return q->before && q->since ? "cannot be used with before" : NULL;
}

static const struct vform list_form = {
	list_fields, sizeof list_fields / sizeof list_fields[0], sizeof(struct list_query),
	BAD_QUERY, one_direction
};

/* The page q asks for; ERR_NOTFOUND when since is not a recent message. */
static int read_page(struct request *r, const struct list_query *q, struct message_page *p)
{
	const char *conv = r->session->conversation_id;
	int limit = q->limit ? (int)q->limit : PAGE_DEFAULT;
	struct storage *s;
	struct state *db;
	int rc;

	if ((rc = app_storage(r->app, &s)) < 0 || (rc = app_state(r->app, &db)) < 0)
		return rc;
	if (q->since)
		return message_store_since(s, db, conv, q->since, limit, p);
	return message_store_history(s, db, conv, limit, q->before, p);
}

static int list(struct request *r)
{
	const struct list_query *q = r->query_values;
	struct message_page p = { 0 };
	cJSON *data = NULL;
	int rc = read_page(r, q, &p);

	r->storage_reads = (long)p.reads;
	if (rc == 0 && (rc = message_page_json(&p, q->since != NULL, &data)) == 0)
		rc = response_ok(r, 200, data);
	message_page_free(&p);
	if (rc == ERR_NOTFOUND && q->since)
		return emit_invalid(r, BAD_QUERY, "since", "is not a recent message of this conversation");
	return rc;
}

static const struct route routes[] = {
	{ "POST", "/api/v1/messages", send, R_SESSION, BODY_JSON, 0, NULL, &send_form, RATE_WRITE },
	{ "GET", "/api/v1/messages", list, R_SESSION, BODY_NONE, 0, &list_form, NULL, RATE_READ },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
