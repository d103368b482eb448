/*
 * session: flow 1, the manual join, and the caller's own session.
 *   POST /api/v1/join          conversationId, joinCode, displayName, avatarUrl?
 *   GET  /api/v1/session       the caller's session and conversation
 *   POST /api/v1/leave         ends the session, clears the cookie
 *   GET  /api/v1/participants?limit=&cursor=  the live sessions of the
 *                              caller's conversation, a page at a time
 *                              (X-Next-Cursor: the next page's cursor)
 */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "conversation.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "session_flow.h"
#include "session_page.h"
#include "session_store.h"
#include "validate.h"

struct join_form {
	char *conversation_id;
	char *join_code;
	char *display_name;
	char *avatar_url;
};

static const struct vfield join_fields[] = {
	{ "conversationId", v_conversation_id, 1, 0, 0, offsetof(struct join_form, conversation_id), 0 },
	{ "joinCode", v_text, 1, 1, 16, offsetof(struct join_form, join_code), 0 },
	{ "displayName", v_display_name, 1, 0, 0, offsetof(struct join_form, display_name), 0 },
	{ "avatarUrl", v_avatar_url, 0, 0, SESSION_URL_MAX, offsetof(struct join_form, avatar_url), 0 },
};

static const struct vform join_form = {
	join_fields, sizeof join_fields / sizeof join_fields[0], sizeof(struct join_form),
	"Invalid join request", NULL
};

/* The client as the cap of sessions per address counts it, into net: ""
 * (not counted) for loopback, which is this host or a proxy in front that
 * is not among CHATS3_TRUSTED_PROXIES, where every user shares one address. */
static void capped_net(const struct request *r, char net[AUTH_ADDR_MAX + 1])
{
	auth_client_net(r, net);
	if (auth_client_is_loopback(r))
		net[0] = '\0';
}

/* 201 with the new session and its cookie. */
static int join(struct request *r)
{
	const struct join_form *f = r->form_values;
	char net[AUTH_ADDR_MAX + 1];
	const struct session_join in = {
		f->conversation_id, f->join_code, f->display_name, f->avatar_url, "user", NULL, NULL,
		net
	};
	char token[SESSION_TOKEN_LEN + 1];
	struct conversation c;
	struct session s;
	cJSON *data = NULL;
	long retry = 0;
	int rc;

	capped_net(r, net);
	if ((rc = session_join_code(r->app, &in, r->id, token, &s, &c, &retry)) == 0 &&
	    (rc = session_join_json(&s, token, &c, &data)) == 0 &&
	    (rc = auth_set_cookie(r, token, r->app->cfg.session_ttl_seconds)) == 0)
		rc = response_ok(r, 201, data);
	else
		cJSON_Delete(data);
	OPENSSL_cleanse(token, sizeof token);
	return rc == ERR_LOCKED ? emit_err_after(r, rc, retry) : rc;
}

static int session(struct request *r)
{
	struct conversation c;
	cJSON *data;
	int rc;

	if ((rc = conversation_get(r->app, r->session->conversation_id, &c)) < 0 ||
	    (rc = session_join_json(r->session, auth_token(r), &c, &data)) < 0)
		return rc;
	return response_ok(r, 200, data);
}

static int leave(struct request *r)
{
	const char *t = auth_token(r);
	/* cleared as it was set: an embed session's cookie may be partitioned */
	enum http_cookie_kind kind = r->session->origin[0] ? HTTP_COOKIE_EMBED : HTTP_COOKIE_DIRECT;
	cJSON *data;
	int rc;

	if ((rc = session_leave(r->app, t, strlen(t), r->id)) < 0 ||
	    (rc = auth_set_cookie_for(r, NULL, 0, kind)) < 0)
		return rc;
	data = cJSON_CreateObject();
	if (data == NULL || cJSON_AddBoolToObject(data, "left", 1) == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	return response_ok(r, 200, data);
}

/* {"participants":[...]}, the contract's list, a page of it: the next
 * page's cursor (when there is one) in X-Next-Cursor. */
static int participants(struct request *r)
{
	char next[SESSION_PAGE_CURSOR_MAX];
	struct state *st;
	cJSON *data = cJSON_CreateObject(), *list;
	int rc;

	list = cJSON_AddArrayToObject(data, "participants");
	if (list == NULL) {
		cJSON_Delete(data);
		return ERR_NOMEM;
	}
	if ((rc = app_state(r->app, &st)) == 0)
		rc = session_page_json(st, r->session->conversation_id, r->query_values, list, next);
	if (rc == 0 && next[0])
		rc = request_add_header(r, "X-Next-Cursor", next);
	if (rc < 0) {
		cJSON_Delete(data);
		return rc;
	}
	return response_ok(r, 200, data);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/join", join, 0, BODY_JSON, 0, NULL, &join_form, RATE_JOIN },
	{ "GET", "/api/v1/session", session, R_SESSION, BODY_NONE, 0, NULL, NULL, RATE_NONE },
	{ "POST", "/api/v1/leave", leave, R_SESSION, BODY_NONE, 0, NULL, NULL, RATE_NONE },
	{ "GET", "/api/v1/participants", participants, R_SESSION, BODY_NONE, 0,
	  &session_page_form, NULL, RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
