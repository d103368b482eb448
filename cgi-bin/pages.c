/*
 * pages: the HTML pages.
 *   GET /join?conversationId=&joinCode=&displayName=
 *                                  the join form, prefilled from the query
 *                                  (code= is taken for joinCode too); its
 *                                  script posts to /api/v1/join
 *   GET /embed?ticket=&signature=  flow 2: a session from a signed ticket,
 *                                  302 to /room/<id>#session=<id>, or an
 *                                  error page (400, 401, 403, 409, 410)
 *   GET /room/<conversationId>     the room's page shell (issue 17 fills
 *                                  it in), frameable only by the origin of
 *                                  a ticket's session; without a session
 *                                  of that conversation: 302 to /join,
 *                                  but a frame without any (its cookie
 *                                  blocked) gets the shell, whose script
 *                                  has the session from the fragment
 */
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "escape.h"
#include "page.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "session_embed.h"
#include "storage_keys.h"
#include "ticket.h"

/* 302 to path + escaped id + tail (id and tail may be NULL). */
static int redirect(struct request *r, const char *path, const char *id, const char *tail)
{
	struct buf to;
	int rc;

	buf_init(&to, REQUEST_MAX_PATH + 256);
	if ((rc = buf_puts(&to, path)) == 0 && id != NULL)
		rc = escape_url_query(&to, id, strlen(id));
	if (rc == 0 && tail != NULL)
		rc = buf_puts(&to, tail);
	if (rc == 0)
		rc = response_redirect(r, 302, to.data);
	OPENSSL_cleanse(to.data, to.len);
	buf_free(&to);
	return rc;
}

static int embed(struct request *r)
{
	const char *ticket = request_query(r, "ticket", NULL);
	const char *sig = request_query(r, "signature", NULL);
	char token[SESSION_TOKEN_LEN + 1], detail[TICKET_DETAIL_MAX], tail[96];
	struct conversation c;
	struct session s;
	int rc;

	if (ticket == NULL || sig == NULL)
		return page_embed_error(r, TICKET_MISSING, NULL);
	rc = session_embed(r->app, ticket, strlen(ticket), sig, clock_now_ms(), r->id, detail,
	    token, &s, &c);
	if (rc != 0)
		return page_embed_error(r, rc, detail);
	snprintf(tail, sizeof tail, "#session=%s", token);
	if ((rc = auth_set_cookie_for(r, token, r->app->cfg.session_ttl_seconds,
	    HTTP_COOKIE_EMBED)) == 0)
		rc = redirect(r, "/room/", c.id, tail);
	OPENSSL_cleanse(token, sizeof token);
	OPENSSL_cleanse(tail, sizeof tail);
	return rc;
}

static int join(struct request *r)
{
	const char *code = request_query(r, "joinCode", NULL);

	if (code == NULL)
		code = request_query(r, "code", NULL);
	return page_join(r, request_query(r, "conversationId", NULL), code,
	    request_query(r, "displayName", NULL));
}

/* 1 when r loads a frame's document (Sec-Fetch-Dest). */
static int in_frame(const struct request *r)
{
	const char *dest = request_header(r, "sec-fetch-dest");

	return dest != NULL && (strcmp(dest, "iframe") == 0 || strcmp(dest, "frame") == 0);
}

static int room(struct request *r)
{
	const char *id = r->captures[0];
	int rc = auth_session(r);

	if (rc < 0)
		return rc;
	if (!keys_valid_conversation_id(id))
		return redirect(r, "/join", NULL, NULL);
	if (rc == 0 && strcmp(r->session->conversation_id, id) == 0)
		return page_room(r, id, r->session);
	if (rc == 401 && in_frame(r))
		return page_room(r, id, NULL);
	return redirect(r, "/join?conversationId=", id, NULL);
}

static const struct route routes[] = {
	{ "GET", "/embed", embed, 0, BODY_NONE, 0, NULL, NULL, RATE_JOIN },
	{ "GET", "/join", join, 0, BODY_NONE, 0, NULL, NULL, RATE_NONE },
	{ "GET", "/room/*", room, 0, BODY_NONE, 0, NULL, NULL, RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
