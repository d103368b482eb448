/*
 * messages: the conversation's messages, for its participants (R_SESSION).
 *   POST /api/v1/messages  {"body","clientTimestamp"?,"clientMessageId"?}
 *                          (or an Idempotency-Key header) -> 201, or 200 with
 *                          the first message for a key already used
 *   GET  /api/v1/messages?limit=&before=   newest page, oldest first
 *   GET  /api/v1/messages?since=<messageId>&limit=   catch-up
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "clock.h"
#include "conversation.h"
#include "errors.h"
#include "ids.h"
#include "idempotency.h"
#include "message_post.h"
#include "message_store.h"
#include "numparse.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "session_store.h"
#include "validate.h"

#define PAGE_DEFAULT 50
#define BAD_QUERY "Invalid query parameter"
#define STILL_STORING "A message with this key is still being stored; retry later"
#define WAIT_POLLS 100          /* a racing send waits at most this many */
#define WAIT_POLL_NS 50000000L  /* 50 ms each: 5 s */

struct send_form {
	char *body;
	char *client_timestamp;
	char *client_message_id;
};

static const struct vfield send_fields[] = {
	{ "body", v_message_body, 1, 1, MESSAGE_BODY_CHARS, offsetof(struct send_form, body) },
	{ "clientTimestamp", v_iso_time, 0, 1, 64, offsetof(struct send_form, client_timestamp) },
	{ "clientMessageId", v_text, 0, 1, IDEMPOTENCY_KEY_MAX,
	  offsetof(struct send_form, client_message_id) },
};
#define NSEND (sizeof send_fields / sizeof send_fields[0])

/* {"message": m} with status; takes m. */
static int answer_message(struct request *r, int status, cJSON *m)
{
	cJSON *data = m ? cJSON_CreateObject() : NULL;

	if (data == NULL || !cJSON_AddItemToObject(data, "message", m)) {
		cJSON_Delete(m);
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	return response_ok(r, status, data);
}

/* Waits for the request owning key to record its message: 200 with it;
 * 0 with *retry when the owner gave up (the caller claims again); 409. */
static int await_owner(struct request *r, struct state *st, const char *key, int *retry)
{
	const struct timespec ts = { 0, WAIT_POLL_NS };
	char *json = NULL;
	int rc = 1;

	for (int i = 0; i < WAIT_POLLS && rc == 1; i++) {
		rc = idempotency_result(st, r->session->user_id, key, &json);
		if (rc == 1)
			nanosleep(&ts, NULL);
	}
	*retry = rc == ERR_NOTFOUND;
	if (rc == 0) {
		rc = answer_message(r, 200, cJSON_Parse(json));
		free(json);
		return rc;
	}
	if (rc == 1)
		return emit_error(r, 409, STILL_STORING, NULL);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

/* The message of the form from the caller's session (strings copied). */
static int draft(const struct request *r, struct send_form *f, struct message *m)
{
	const struct session *s = r->session;

	memset(m, 0, sizeof *m);
	if (strlen(s->conversation_id) >= sizeof m->conversation_id)
		return ERR_INTERNAL;
	memcpy(m->conversation_id, s->conversation_id, strlen(s->conversation_id) + 1);
	m->sender_role = strcmp(s->role, "admin") == 0 ? MESSAGE_ROLE_ADMIN : MESSAGE_ROLE_USER;
	m->type = MESSAGE_TEXT;
	m->sender_user_id = strdup(s->user_id);
	m->sender_display_name = strdup(s->display_name);
	m->sender_avatar_url = s->avatar_url[0] ? strdup(s->avatar_url) : NULL;
	m->body = f->body;
	m->client_timestamp = f->client_timestamp;
	f->body = f->client_timestamp = NULL;
	if (m->sender_user_id == NULL || m->sender_display_name == NULL ||
	    (s->avatar_url[0] && m->sender_avatar_url == NULL))
		return ERR_NOMEM;
	return 0;
}

/* Stores the form's message; records it under key (NULL: none), or drops
 * the claim when it was not stored. Answers 201. */
static int store(struct request *r, struct state *st, struct send_form *f, const char *key)
{
	struct message m;
	cJSON *json = NULL;
	char *text = NULL;
	int rc = draft(r, f, &m);

	if (rc == 0)
		rc = message_post(r->app, &m, r->id, &json);
	message_free(&m);
	if (rc == 0 && key != NULL && (text = cJSON_PrintUnformatted(json)) == NULL)
		rc = ERR_NOMEM;
	if (key != NULL && rc == 0)
		rc = idempotency_record(st, r->session->user_id, key, text);
	else if (key != NULL && idempotency_release(st, r->session->user_id, key) < 0)
		rc = rc < 0 ? rc : ERR_DB;
	cJSON_free(text);
	if (rc < 0) {
		cJSON_Delete(json);
		return rc;
	}
	return answer_message(r, 201, json);
}

/* 400 with message and one detail. */
static int bad_request(struct request *r, const char *message, const char *field,
    const char *why)
{
	cJSON *details = NULL;
	int rc = response_detail(&details, field, why);

	return rc < 0 ? rc : emit_error(r, 400, message, details);
}

/* The key of a send: clientMessageId, else the Idempotency-Key header
 * (checked like it), else NULL. *bad when the header is not acceptable. */
static const char *send_key(struct request *r, const struct send_form *f, int *bad)
{
	const char *h = request_header(r, "idempotency-key"), *start;
	size_t len;

	*bad = 0;
	if (f->client_message_id != NULL || h == NULL)
		return f->client_message_id;
	*bad = validate_text(h, strlen(h), 1, IDEMPOTENCY_KEY_MAX, &start, &len) != NULL ||
	    len != strlen(h);
	return h;
}

/* Claims key, waiting for a racing owner; stores and answers. */
static int send_once(struct request *r, struct send_form *f, const char *key)
{
	struct state *st;
	int rc, retry = 1;

	if ((rc = app_state(r->app, &st)) < 0)
		return rc;
	if (key == NULL)
		return store(r, st, f, NULL);
	for (int tries = 0; tries < 3 && retry; tries++) {
		rc = idempotency_claim(st, r->session->user_id, key, clock_now_ms());
		if (rc == 0)
			return store(r, st, f, key);
		if (rc < 0 || (rc = await_owner(r, st, key, &retry)) != 0 || !retry)
			return rc;
	}
	return emit_error(r, 409, STILL_STORING, NULL);
}

/* 0 when the caller's conversation takes messages; else answered 410. */
static int open_conversation(struct request *r, int *closed)
{
	struct conversation c;
	int rc = conversation_get(r->app, r->session->conversation_id, &c);

	*closed = rc == 0 && c.closed;
	if (*closed)
		return emit_error(r, 410, "This conversation is closed", NULL);
	return rc;
}

static int send_checked(struct request *r, struct send_form *f)
{
	const char *key;
	int rc, bad, closed;

	key = send_key(r, f, &bad);
	if (bad)
		return bad_request(r, "Invalid message", "Idempotency-Key",
		    "must be 1 to 128 characters without control characters");
	if ((rc = open_conversation(r, &closed)) < 0 || closed)
		return rc;
	return send_once(r, f, key);
}

static int send(struct request *r)
{
	struct send_form f = { 0 };
	char bucket[UUID_STRLEN + 8];
	cJSON *details = NULL;
	int rc;

	if (snprintf(bucket, sizeof bucket, "write:%s", r->session->user_id) >= (int)sizeof bucket)
		return ERR_INTERNAL;
	if (ratelimit_request(r, bucket, r->app->cfg.write_rate,
	    "Too many messages; try again later") < 0)
		return 0;
	rc = validate_object(r->json, send_fields, NSEND, &f, &details);
	if (rc == ERR_INVAL)
		rc = emit_error(r, 400, "Invalid message", details);
	else if (rc == 0)
		rc = send_checked(r, &f);
	else
		cJSON_Delete(details);
	validate_free(send_fields, NSEND, &f);
	return rc;
}

struct list_query {
	const char *before;
	const char *since;
	long limit;
};

/* Reads ?limit=&before=&since= into q; adds a detail per bad one. */
static int list_query(struct request *r, struct list_query *q, cJSON **details)
{
	const char *limit;
	int rc;

	q->limit = PAGE_DEFAULT;
	limit = request_query(r, "limit", &rc);
	if (rc < 0)
		return response_detail(details, "query", "is not a valid query string");
	q->before = request_query(r, "before", NULL);
	q->since = request_query(r, "since", NULL);
	if (limit && numparse_long(limit, strlen(limit), 1, MESSAGE_LIMIT_MAX, &q->limit) < 0 &&
	    (rc = response_detail(details, "limit", "must be a whole number from 1 to 200")) < 0)
		return rc;
	if (q->before && q->since &&
	    (rc = response_detail(details, "since", "cannot be used with before")) < 0)
		return rc;
	if (q->since && !ids_is_uuid4(q->since, strlen(q->since)) &&
	    (rc = response_detail(details, "since", "must be a messageId")) < 0)
		return rc;
	return 0;
}

/* {"messages":[...],"nextCursor":...,"hasMore"?} of page p. */
static int page_json(const struct message_page *p, int since, cJSON **out)
{
	cJSON *data = cJSON_CreateObject(), *arr, *m;
	int rc = 0;

	*out = data;
	arr = cJSON_AddArrayToObject(data, "messages");
	if (arr == NULL)
		rc = ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		if ((rc = message_to_json(&p->v[i], &m)) == 0 && !cJSON_AddItemToArray(arr, m))
			rc = ERR_NOMEM;
	if (rc == 0 && (p->next_cursor
	    ? cJSON_AddStringToObject(data, "nextCursor", p->next_cursor)
	    : cJSON_AddNullToObject(data, "nextCursor")) == NULL)
		rc = ERR_NOMEM;
	if (rc == 0 && since && cJSON_AddBoolToObject(data, "hasMore", p->more) == NULL)
		rc = ERR_NOMEM;
	if (rc < 0) {
		cJSON_Delete(data);
		*out = NULL;
	}
	return rc;
}

/* The page of q; ERR_INVAL (bad cursor) and ERR_NOTFOUND (since) as is. */
static int read_page(struct request *r, const struct list_query *q, struct message_page *p)
{
	const char *conv = r->session->conversation_id;
	struct storage *s;
	struct state *st;
	int rc;

	if ((rc = app_storage(r->app, &s)) < 0 || (rc = app_state(r->app, &st)) < 0)
		return rc;
	if (q->since)
		return message_store_since(s, st, conv, q->since, (int)q->limit, p);
	return message_store_history(s, st, conv, (int)q->limit, q->before, p);
}

static int list(struct request *r)
{
	struct list_query q = { 0 };
	struct message_page p = { 0 };
	cJSON *details = NULL, *data = NULL;
	int rc;

	rc = list_query(r, &q, &details);
	if ((rc = emit_query_details(r, rc, details)) != 0)
		return rc < 0 ? rc : 0;
	rc = read_page(r, &q, &p);
	if (rc == 0)
		rc = page_json(&p, q.since != NULL, &data);
	message_page_free(&p);
	if (rc == ERR_INVAL)
		return bad_request(r, BAD_QUERY, "before", "is not a cursor from this list");
	if (rc == ERR_NOTFOUND)
		return bad_request(r, BAD_QUERY, "since", "is not a recent message of this conversation");
	return rc < 0 ? rc : response_ok(r, 200, data);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/messages", send, R_SESSION | R_JSON, 0 },
	{ "GET", "/api/v1/messages", list, R_SESSION, 0 },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
