#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "presence.h"
#include "session_flow.h"
#include "session_guard.h"
#include "session_name.h"

/* The conversation in may enter, into *c. */
static int open_for(struct app *app, const struct session_join *in, struct conversation *c)
{
	/* A guest with a code must not learn which ids exist (conversation_find). */
	int rc = in->join_code ? conversation_find(app, in->conversation_id, c) :
	    conversation_get(app, in->conversation_id, c);

	if (rc == ERR_NOTFOUND ||
	    (rc == 0 && in->join_code && !conversation_code_matches(c, in->join_code)))
		return ERR_NO_ENTRY;
	if (rc < 0)
		return rc;
	return c->closed ? ERR_CLOSED : 0;
}

/* A struct session of in's fields for session_store_create, once they
 * pass session_name's rules (whoever checked them before). */
static int wanted(const struct session_join *in, const struct conversation *c,
    struct session *out)
{
	const char *url = in->avatar_url ? in->avatar_url : "";
	const char *user = in->user_id ? in->user_id : "";
	const char *origin = in->origin ? in->origin : "";
	const char *net = in->client_net ? in->client_net : "";

	memset(out, 0, sizeof *out);
	if (session_name_problem(in->display_name) != NULL ||
	    (url[0] && session_avatar_problem(url, SESSION_URL_MAX) != NULL))
		return ERR_INVAL;
	if (snprintf(out->conversation_id, sizeof out->conversation_id, "%s", c->id) >=
	    (int)sizeof out->conversation_id ||
	    snprintf(out->display_name, sizeof out->display_name, "%s", in->display_name) >=
	    (int)sizeof out->display_name ||
	    snprintf(out->avatar_url, sizeof out->avatar_url, "%s", url) >=
	    (int)sizeof out->avatar_url ||
	    snprintf(out->role, sizeof out->role, "%s", in->role) >= (int)sizeof out->role ||
	    snprintf(out->user_id, sizeof out->user_id, "%s", user) >= (int)sizeof out->user_id ||
	    snprintf(out->origin, sizeof out->origin, "%s", origin) >= (int)sizeof out->origin ||
	    snprintf(out->client_net, sizeof out->client_net, "%s", net) >=
	    (int)sizeof out->client_net)
		return ERR_ARG;
	return 0;
}

int session_join(struct app *app, const struct session_join *in,
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c)
{
	struct state *st;
	struct session want;
	int rc;

	if ((rc = open_for(app, in, c)) < 0 || (rc = wanted(in, c, &want)) < 0 ||
	    (rc = app_state(app, &st)) < 0)
		return rc;
	if ((rc = session_store_create(st, &want, token, s)) == 0)
		presence_joined(app, s, NULL);
	return rc == ERR_CONFLICT ? ERR_NAME_TAKEN : rc;
}

int session_join_code(struct app *app, const struct session_join *in, const char *request_id,
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c,
    long *retry_after)
{
	int rc, spent;

	if (in->join_code == NULL)
		return ERR_ARG;
	if ((rc = session_guard_check(app, in->conversation_id, retry_after)) < 0)
		return rc;
	if ((rc = session_join(app, in, token, s, c)) == ERR_NO_ENTRY &&
	    (spent = session_guard_failed(app, in->conversation_id, request_id)) < 0)
		return spent;
	return rc;
}

int session_join_json(const struct session *s, const char *token,
    const struct conversation *c, cJSON **out)
{
	cJSON *data = cJSON_CreateObject(), *so = session_store_json(s, token);
	cJSON *co = conversation_json(c, 0);

	*out = NULL;
	if (data != NULL && so != NULL && co != NULL && cJSON_AddItemToObject(data, "session", so)) {
		so = NULL;
		if (cJSON_AddItemToObject(data, "conversation", co)) {
			*out = data;
			return 0;
		}
	}
	cJSON_Delete(so);
	cJSON_Delete(co);
	cJSON_Delete(data);
	return ERR_NOMEM;
}

int session_leave(struct app *app, const char *t, size_t n, const char *request_id)
{
	struct state *st;
	struct session gone;
	int rc;

	if ((rc = app_state(app, &st)) < 0)
		return rc;
	/* A session ended between the lookup and now has left all the same. */
	if ((rc = session_store_delete(st, t, n, &gone)) == 0)
		presence_left(app, &gone, request_id);
	return rc == ERR_NOTFOUND ? 0 : rc;
}
