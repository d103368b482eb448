/*
 * admin: the operator's control of conversations, under /api/v1/admin,
 * for the admin token or an admin's session (R_ADMIN):
 *   POST   /conversations                  {"conversationId"?} -> 201
 *   GET    /conversations?status=&limit=&cursor=
 *   GET    /conversations/<id>             with joinCode, participantCount
 *   POST   /conversations/<id>/close
 *   POST   /conversations/<id>/join-code   a new code; the old one stops working
 *   GET    /conversations/<id>/sessions?limit=&cursor=   with nextCursor
 *   POST   /conversations/<id>/messages    {"body"} -> 201, a system message
 *   GET    /conversations/<id>/export      the transcript as NDJSON, streamed
 *   DELETE /sessions/<sessionId or userId> kick
 *   DELETE /conversations/<id>/participants/<userId> kick that user
 */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_ops.h"
#include "app.h"
#include "errors.h"
#include "log.h"
#include "message_store.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "session_page.h"
#include "validate.h"

struct create_form {
	char *conversation_id;
};

static const struct vfield create_fields[] = {
	{ "conversationId", v_conversation_id, 0, 0, 0, offsetof(struct create_form, conversation_id),
	  0 },
};

static const struct vform create_form = {
	create_fields, 1, sizeof(struct create_form), "Invalid conversation", NULL
};

static const struct vform notice_form = {
	admin_notice_fields, 1, sizeof(struct admin_notice), "Invalid message", NULL
};

struct list_form {
	char *status;
	char *cursor;
	long limit;
};

static const char *const statuses[] = { "active", "closed", NULL };

static const struct vpredicate a_cursor = { admin_valid_cursor, "is not a cursor from this list" };

static const struct vfield list_fields[] = {
	{ "status", v_one_of, 0, 1, 16, offsetof(struct list_form, status), statuses },
	{ "limit", v_integer, 0, 1, ADMIN_LIST_MAX, offsetof(struct list_form, limit), 0 },
	{ "cursor", v_matching, 0, 1, 64, offsetof(struct list_form, cursor), &a_cursor },
};

static const struct vform list_form = {
	list_fields, sizeof list_fields / sizeof list_fields[0], sizeof(struct list_form),
	"Invalid query parameter", NULL
};

/* Answers the outcome of an admin_ops call: data with status, or the
 * error (404 and 409 with sentences of their own). */
static int finish(struct request *r, int rc, int status, cJSON *data)
{
	if (rc == 0)
		return response_ok(r, status, data);
	cJSON_Delete(data);
	if (rc == ERR_NOTFOUND || rc == ERR_CONFLICT)
		return emit_error(r, err_http_status(rc), admin_error_message(rc), NULL);
	return rc;
}

static int create(struct request *r)
{
	const struct create_form *f = r->form_values;
	cJSON *data = NULL;
	int rc = admin_create(r->app, f->conversation_id, &data);

	return finish(r, rc, 201, data);
}

static int list(struct request *r)
{
	const struct list_form *f = r->query_values;
	const struct admin_list_query q = {
		f->status, f->cursor, f->limit ? (int)f->limit : ADMIN_LIST_DEFAULT
	};
	cJSON *data = NULL;
	int rc = admin_list(r->app, &q, &data);

	return finish(r, rc, 200, data);
}

static int post_message(struct request *r)
{
	const struct admin_notice *f = r->form_values;
	cJSON *data = NULL;
	int rc = admin_post_message(r->app, r->captures[0], f->body, &data);

	return finish(r, rc, 201, data);
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
static int sessions(struct request *r)
{
	cJSON *data = NULL;
	int rc = admin_sessions_page(r->app, r->captures[0], r->query_values, &data);

	return finish(r, rc, 200, data);
}
static int kick(struct request *r) { return on_capture(r, admin_kick); }

static int kick_participant(struct request *r)
{
	cJSON *data = NULL;
	int rc = admin_kick_participant(r->app, r->captures[0], r->captures[1], &data);

	return finish(r, rc, 200, data);
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
#define ADMIN(m, path, fn) { m, path, fn, R_ADMIN, BODY_NONE, 0, NULL, NULL, RATE_NONE }

static const struct route routes[] = {
	{ "POST", CONV, create, R_ADMIN, BODY_JSON, 0, NULL, &create_form, RATE_NONE },
	{ "GET", CONV, list, R_ADMIN, BODY_NONE, 0, &list_form, NULL, RATE_NONE },
	ADMIN("GET", CONV "/*", show),
	ADMIN("POST", CONV "/*/close", close_conversation),
	ADMIN("POST", CONV "/*/join-code", new_code),
	{ "GET", CONV "/*/sessions", sessions, R_ADMIN, BODY_NONE, 0, &session_page_form, NULL,
	  RATE_NONE },
	{ "POST", CONV "/*/messages", post_message, R_ADMIN, BODY_JSON, 0, NULL, &notice_form,
	  RATE_NONE },
	ADMIN("GET", CONV "/*/export", export),
	ADMIN("DELETE", CONV "/*/participants/*", kick_participant),
	ADMIN("DELETE", "/api/v1/admin/sessions/*", kick),
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
