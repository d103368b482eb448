/*
 * session: flow 1, the manual join, and the caller's own session.
 *   POST /api/v1/join          conversationId, joinCode, displayName, avatarUrl?
 *   GET  /api/v1/session       the caller's session and conversation
 *   POST /api/v1/leave         ends the session, clears the cookie
 *   GET  /api/v1/participants  the live sessions of the caller's conversation
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "conversation.h"
#include "errors.h"
#include "presence.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "session_store.h"
#include "validate.h"

/* One sentence for both: a wrong guess must not tell which part was wrong. */
#define NO_ENTRY "Unknown conversation or wrong join code"

struct join_form {
	char *conversation_id;
	char *join_code;
	char *display_name;
	char *avatar_url;
};

static const struct vfield join_fields[] = {
	{ "conversationId", v_conversation_id, 1, 0, 0, offsetof(struct join_form, conversation_id) },
	{ "joinCode", v_text, 1, 1, 16, offsetof(struct join_form, join_code) },
	{ "displayName", v_display_name, 1, 0, 0, offsetof(struct join_form, display_name) },
	{ "avatarUrl", v_url, 0, 0, SESSION_URL_MAX, offsetof(struct join_form, avatar_url) },
};
#define NJOIN (sizeof join_fields / sizeof join_fields[0])

/* 0 when the client may try to join now; else answered 429 (or failed). */
static int join_allowed(struct request *r)
{
	char addr[AUTH_ADDR_MAX + 1], bucket[AUTH_ADDR_MAX + 8];

	auth_client_addr(r, addr);
	if (snprintf(bucket, sizeof bucket, "join:%s", addr[0] ? addr : "-") >= (int)sizeof bucket) {
		emit_err(r, ERR_INTERNAL, "join bucket");
		return -1;
	}
	return ratelimit_request(r, bucket, r->app->cfg.join_rate,
	    "Too many join attempts; try again later");
}

/* {"session":..., "conversation":...} with status; the session carries
 * its id (the token), and the answer sets the cookie when set_cookie. */
static int answer(struct request *r, int status, const struct session *s,
    const char *token, int set_cookie, const struct conversation *c)
{
	cJSON *data = cJSON_CreateObject(), *so = session_store_json(s, token);
	cJSON *co = conversation_json(c, 0);
	int rc = 0;

	if (data == NULL || so == NULL || co == NULL ||
	    !cJSON_AddItemToObject(data, "session", so) ||
	    !cJSON_AddItemToObject(data, "conversation", co)) {
		cJSON_Delete(data);
		cJSON_Delete(so);
		cJSON_Delete(co);
		return ERR_NOMEM;
	}
	if (set_cookie)
		rc = auth_set_cookie(r, token, r->app->cfg.session_ttl_seconds);
	if (rc < 0) {
		cJSON_Delete(data);
		return rc;
	}
	return response_ok(r, status, data);
}

/* Creates the session of a validated form; answers. */
static int enter(struct request *r, const struct join_form *f)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct session in = { .role = "user" }, s;
	struct conversation c;
	struct state *st;
	int rc;

	rc = conversation_get(r->app, f->conversation_id, &c);
	if (rc == ERR_NOTFOUND || (rc == 0 && !conversation_code_matches(&c, f->join_code)))
		return emit_error(r, 403, NO_ENTRY, NULL);
	if (rc < 0)
		return rc;
	if (c.closed)
		return emit_error(r, 410, "This conversation is closed", NULL);
	snprintf(in.conversation_id, sizeof in.conversation_id, "%s", c.id);
	snprintf(in.display_name, sizeof in.display_name, "%s", f->display_name);
	snprintf(in.avatar_url, sizeof in.avatar_url, "%s", f->avatar_url ? f->avatar_url : "");
	if ((rc = app_state(r->app, &st)) < 0)
		return rc;
	rc = session_store_create(st, &in, token, &s);
	if (rc == ERR_CONFLICT)
		return emit_error(r, 409, "That display name is already in use in this "
		    "conversation", NULL);
	if (rc < 0)
		return rc;
	rc = answer(r, 201, &s, token, 1, &c);
	OPENSSL_cleanse(token, sizeof token);
	return rc;
}

static int join(struct request *r)
{
	struct join_form f = { 0 };
	cJSON *details = NULL;
	int rc;

	if (join_allowed(r) < 0)
		return 0;
	rc = validate_object(r->json, join_fields, NJOIN, &f, &details);
	if (rc == ERR_INVAL)
		rc = emit_error(r, 400, "Invalid join request", details);
	else if (rc == 0)
		rc = enter(r, &f);
	else
		cJSON_Delete(details);
	validate_free(join_fields, NJOIN, &f);
	return rc;
}

static int session(struct request *r)
{
	struct conversation c;
	int rc;

	if ((rc = conversation_get(r->app, r->session->conversation_id, &c)) < 0)
		return rc;
	return answer(r, 200, r->session, auth_token(r), 0, &c);
}

static int leave(struct request *r)
{
	struct state *st;
	struct session gone;
	const char *t = auth_token(r);
	cJSON *data;
	int rc;

	if ((rc = app_state(r->app, &st)) < 0)
		return rc;
	/* A session ended between the lookup and now has left all the same. */
	if ((rc = session_store_delete(st, t, strlen(t), &gone)) == 0)
		presence_left(r->app, &gone, r->id);
	else if (rc != ERR_NOTFOUND)
		return rc;
	if ((rc = auth_set_cookie(r, NULL, 0)) < 0)
		return rc;
	data = cJSON_CreateObject();
	if (data == NULL || cJSON_AddBoolToObject(data, "left", 1) == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	return response_ok(r, 200, data);
}

static int participants(struct request *r)
{
	struct state *st;
	cJSON *data = cJSON_CreateObject(), *list;
	int rc;

	list = cJSON_AddArrayToObject(data, "participants");
	if (list == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	if ((rc = app_state(r->app, &st)) < 0 ||
	    (rc = session_store_list_json(st, r->session->conversation_id, list)) < 0) {
		cJSON_Delete(data);
		return rc;
	}
	return response_ok(r, 200, data);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/join", join, R_JSON, 0 },
	{ "GET", "/api/v1/session", session, R_SESSION, 0 },
	{ "POST", "/api/v1/leave", leave, R_SESSION, 0 },
	{ "GET", "/api/v1/participants", participants, R_SESSION, 0 },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
