#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "clock.h"
#include "errors.h"
#include "ratelimit.h"
#include "session_store.h"
#include "signal_send.h"

#define TYPING_WINDOW_MS 1000

const char *const signal_types[] = {
	"peer-join", "peer-leave", "offer", "answer", "ice-candidate", "end-call", "typing", NULL
};

/* 1 when data is {"typing":true|false} and nothing else. */
static int is_typing_data(const cJSON *data)
{
	const cJSON *typing = cJSON_GetObjectItemCaseSensitive(data, "typing");

	return cJSON_IsObject(data) && cJSON_GetArraySize(data) == 1 && cJSON_IsBool(typing);
}

const char *signal_data_invalid(const char *type, const cJSON *data)
{
	char *text;
	size_t n;

	if (data == NULL)
		return "is required";
	if (strcmp(type, "typing") == 0)
		return is_typing_data(data) ? NULL : "must be {\"typing\":true} or {\"typing\":false}";
	if ((text = cJSON_PrintUnformatted(data)) == NULL)
		return "could not be read";
	n = strlen(text);
	cJSON_free(text);
	return n > SIGNAL_DATA_MAX ? "must be at most 65536 bytes of JSON" : NULL;
}

/* 0 when s's user may send one more typing event now, 1 when over (with
 * *retry_after), ERR_DB. */
static int typing_allowed(struct app *app, const struct session *s, long *retry_after)
{
	char bucket[UUID_STRLEN + 16];
	struct state *st;
	int rc;

	if (snprintf(bucket, sizeof bucket, "typing:%s", s->user_id) >= (int)sizeof bucket)
		return ERR_INTERNAL;
	if ((rc = app_state(app, &st)) < 0)
		return rc;
	return ratelimit_hit_in(st, bucket, SIGNAL_TYPING_PER_SECOND, TYPING_WINDOW_MS,
	    clock_now_ms(), retry_after);
}

static int err_of(enum relay_status st)
{
	switch (st) {
	case RELAY_SENT:
		return 0;
	case RELAY_ABSENT:
	case RELAY_BUSY:
		return ERR_UNAVAILABLE;
	case RELAY_TOOBIG:
		return ERR_TOOBIG;
	default:
		return ERR_INTERNAL;
	}
}

/* The event, handed to the relay: 0 with *out, or an enum err. */
static int publish(struct app *app, const struct session *s, const char *type,
    const char *to_user_id, const cJSON *data, cJSON **out)
{
	cJSON *copy = cJSON_Duplicate(data, 1);
	cJSON *ev = copy ? relay_event(type, s->user_id, to_user_id, copy) : NULL;
	struct relay *relay;
	int rc = ev ? app_relay(app, &relay) : ERR_NOMEM;

	if (rc == 0 && (rc = err_of(relay_publish(relay, s->conversation_id, ev))) == 0) {
		*out = ev;
		return 0;
	}
	cJSON_Delete(ev);
	return rc;
}

int signal_send(struct app *app, const struct session *s, const char *type,
    const char *to_user_id, const cJSON *data, cJSON **out, long *retry_after)
{
	int rc;

	*out = NULL;
	*retry_after = 0;
	if (strcmp(type, "typing") == 0 && (rc = typing_allowed(app, s, retry_after)) != 0)
		return rc;
	return publish(app, s, type, to_user_id, data, out);
}
