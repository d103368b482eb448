/*
 * admin: the operator's control of conversations, under /api/v1/admin,
 * for the admin token or an admin's session (R_ADMIN):
 *   POST   /conversations                  {"conversationId"?} -> 201
 *   GET    /conversations?status=&limit=&cursor=
 *   GET    /conversations/<id>             with joinCode, participantCount
 *   POST   /conversations/<id>/close
 *   POST   /conversations/<id>/join-code   a new code; the old one stops working
 *   GET    /conversations/<id>/sessions
 *   POST   /conversations/<id>/messages    {"body"} -> 201, a system message
 *   GET    /conversations/<id>/export      the transcript as NDJSON, streamed
 *   DELETE /sessions/<sessionId or userId> kick
 */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_ops.h"
#include "app.h"
#include "errors.h"
#include "log.h"
#include "message_post.h"
#include "message_store.h"
#include "numparse.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "validate.h"

struct create_form {
	char *conversation_id;
};

static const struct vfield create_fields[] = {
	{ "conversationId", v_conversation_id, 0, 0, 0, offsetof(struct create_form, conversation_id) },
};
#define NCREATE (sizeof create_fields / sizeof create_fields[0])

struct notice_form {
	char *body;
};

static const struct vfield notice_fields[] = {
	{ "body", v_message_body, 1, 1, MESSAGE_BODY_CHARS, offsetof(struct notice_form, body) },
};
#define NNOTICE (sizeof notice_fields / sizeof notice_fields[0])

/* Answers the outcome of an admin_ops call: data with status, or the
 * error (404 and 409 with sentences of their own). */
static int finish(struct request *r, int rc, int status, cJSON *data)
{
	if (rc == 0)
		return response_ok(r, status, data);
	cJSON_Delete(data);
	if (rc == ERR_NOTFOUND)
		return emit_error(r, 404, "No such conversation or session", NULL);
	if (rc == ERR_CONFLICT)
		return emit_error(r, 409, "A conversation with that id exists already", NULL);
	return rc;
}

static int create(struct request *r)
{
	struct create_form f = { 0 };
	cJSON *details = NULL, *data = NULL;
	int rc = validate_object(r->json, create_fields, NCREATE, &f, &details);

	if (rc == 0) {
		rc = admin_create(r->app, f.conversation_id, &data);
		rc = finish(r, rc, 201, data);
	} else if (rc == ERR_INVAL) {
		rc = emit_error(r, 400, "Invalid conversation", details);
	} else {
		cJSON_Delete(details);
	}
	validate_free(create_fields, NCREATE, &f);
	return rc;
}

/* Reads ?status=&limit=&cursor= into q; adds a detail per bad one. */
static int list_query(struct request *r, struct admin_list_query *q, cJSON **details)
{
	const char *limit;
	long n = ADMIN_LIST_DEFAULT;
	int rc;

	q->status = request_query(r, "status", &rc);
	if (rc < 0)
		return response_detail(details, "query", "is not a valid query string");
	limit = request_query(r, "limit", NULL);
	q->cursor = request_query(r, "cursor", NULL);
	if (q->status && strcmp(q->status, "active") && strcmp(q->status, "closed") &&
	    (rc = response_detail(details, "status", "must be active or closed")) < 0)
		return rc;
	if (limit && numparse_long(limit, strlen(limit), 1, ADMIN_LIST_MAX, &n) < 0 &&
	    (rc = response_detail(details, "limit", "must be a whole number from 1 to 200")) < 0)
		return rc;
	if (q->cursor && admin_valid_cursor(q->cursor) == 0 &&
	    (rc = response_detail(details, "cursor", "is not a cursor from this list")) < 0)
		return rc;
	q->limit = (int)n;
	return 0;
}

static int list(struct request *r)
{
	struct admin_list_query q = { 0 };
	cJSON *details = NULL, *data = NULL;
	int rc;

	rc = list_query(r, &q, &details);
	if ((rc = emit_query_details(r, rc, details)) != 0)
		return rc < 0 ? rc : 0;
	rc = admin_list(r->app, &q, &data);
	return finish(r, rc, 200, data);
}

/* Runs op on the path's id and answers 200 with its data. */
static int on_capture(struct request *r,
    int (*op)(struct app *, const char *, cJSON **))
{
	cJSON *data = NULL;
	int rc = op(r->app, r->captures[0], &data);

	return finish(r, rc, 200, data);
}

static int show(struct request *r) { return on_capture(r, admin_show); }
static int close_conversation(struct request *r) { return on_capture(r, admin_close); }
static int new_code(struct request *r) { return on_capture(r, admin_new_code); }
static int sessions(struct request *r) { return on_capture(r, admin_sessions); }
static int kick(struct request *r) { return on_capture(r, admin_kick); }

static int post_message(struct request *r)
{
	struct notice_form f = { 0 };
	cJSON *details = NULL, *data = NULL;
	int rc = validate_object(r->json, notice_fields, NNOTICE, &f, &details);

	if (rc == 0) {
		rc = admin_post_message(r->app, r->captures[0], f.body, &data);
		rc = finish(r, rc, 201, data);
	} else if (rc == ERR_INVAL) {
		rc = emit_error(r, 400, "Invalid message", details);
	} else {
		cJSON_Delete(details);
	}
	validate_free(notice_fields, NNOTICE, &f);
	return rc;
}

static int export_begin(void *ctx)
{
	struct request *r = ctx;
	int rc = response_stream_begin(r, 200, "application/x-ndjson; charset=utf-8");

	/* HEAD: the headers are the whole answer; 1 stops before reading. */
	return rc < 0 ? rc : strcmp(r->method, "HEAD") == 0;
}

static int export_write(void *ctx, const char *p, size_t n)
{
	return response_stream_write(ctx, p, n) < 0 ? -1 : 0;
}

static int export(struct request *r)
{
	const struct message_writer w = { export_write, r };
	int rc = admin_export(r->app, r->captures[0], export_begin, &w);

	if (rc < 0 && !r->answered)
		return finish(r, rc, 200, NULL);
	if (rc < 0)
		log_error(r->id, "export of %s cut short: %s", r->captures[0], err_str(rc));
	return 0;
}

#define CONV "/api/v1/admin/conversations"

static const struct route routes[] = {
	{ "POST", CONV, create, R_ADMIN | R_JSON, 0 },
	{ "GET", CONV, list, R_ADMIN, 0 },
	{ "GET", CONV "/*", show, R_ADMIN, 0 },
	{ "POST", CONV "/*/close", close_conversation, R_ADMIN, 0 },
	{ "POST", CONV "/*/join-code", new_code, R_ADMIN, 0 },
	{ "GET", CONV "/*/sessions", sessions, R_ADMIN, 0 },
	{ "POST", CONV "/*/messages", post_message, R_ADMIN | R_JSON, 0 },
	{ "GET", CONV "/*/export", export, R_ADMIN, 0 },
	{ "DELETE", "/api/v1/admin/sessions/*", kick, R_ADMIN, 0 },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
