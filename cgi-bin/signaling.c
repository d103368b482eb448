/*
 * signaling: a participant's event for the others of the conversation
 * (R_SESSION); the stream itself (GET) is the relay's (sse-relay/).
 *   POST /api/v1/signaling  {"type","toUserId"?,"data"} -> 202 {"event"}
 *                           503 + Retry-After while the relay is down
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ids.h"
#include "json.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "signal_send.h"
#include "validate.h"

#define INVALID_EVENT "Invalid signaling event"

struct event_form {
	char *type;
	char *to_user_id;
};

/* A user id as the server writes them (lowercase): the relay matches
 * targets byte for byte. */
static int is_user_id(const char *s)
{
	size_t n = strlen(s);

	return ids_is_uuid4(s, n) && strspn(s, "0123456789abcdef-") == n;
}

static const struct vpredicate a_user_id = { is_user_id, "must be a userId" };

static const struct vfield event_fields[] = {
	{ "type", v_one_of, 1, 1, SIGNAL_TYPE_MAX, offsetof(struct event_form, type), signal_types },
	{ "toUserId", v_matching, 0, 1, UUID_STRLEN, offsetof(struct event_form, to_user_id),
	  &a_user_id },
};

static const struct vform event_form = {
	event_fields, sizeof event_fields / sizeof event_fields[0], sizeof(struct event_form),
	INVALID_EVENT, NULL
};

static int too_fast(struct request *r, long retry_after)
{
	char after[24];
	int rc;

	snprintf(after, sizeof after, "%ld", retry_after);
	if ((rc = request_add_header(r, "Retry-After", after)) < 0)
		return rc;
	return emit_error(r, 429, "Too many typing events; try again later", NULL);
}

static int post(struct request *r)
{
	const struct event_form *f = r->form_values;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	const char *why = signal_data_invalid(f->type, data);
	cJSON *ev = NULL, *body;
	long retry_after;
	int rc;

	if (why != NULL)
		return emit_invalid(r, INVALID_EVENT, "data", why);
	rc = signal_send(r->app, r->session, f->type, f->to_user_id, data, &ev, &retry_after);
	if (rc == 1)
		return too_fast(r, retry_after);
	if (rc == 0 && (rc = json_wrap("event", ev, &body)) == 0)
		rc = response_ok(r, 202, body);
	return rc;
}

static const struct route routes[] = {
	{ "POST", "/api/v1/signaling", post, R_SESSION, BODY_JSON, SIGNAL_BODY_MAX, NULL,
	  &event_form, RATE_WRITE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
