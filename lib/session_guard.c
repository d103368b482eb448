#include <stdio.h>

#include "app.h"
#include "clock.h"
#include "conversation.h"
#include "errors.h"
#include "log.h"
#include "ratelimit.h"
#include "session_guard.h"
#include "state.h"

#define BUCKET_MAX (CONV_ID_MAX + 16)

/* The bucket of conversation_id's failed joins, and the state holding it. */
static int bucket_of(struct app *app, const char *conversation_id, char out[BUCKET_MAX],
    struct state **st)
{
	int n = snprintf(out, BUCKET_MAX, "joinfail:%s", conversation_id);

	return n < 0 || n >= BUCKET_MAX ? ERR_ARG : app_state(app, st);
}

int session_guard_check(struct app *app, const char *conversation_id, long *retry_after)
{
	char bucket[BUCKET_MAX];
	struct state *st;
	int rc;

	if ((rc = bucket_of(app, conversation_id, bucket, &st)) < 0 ||
	    (rc = ratelimit_spent(st, bucket, app->cfg.join_failures, clock_now_ms(),
	    retry_after)) < 0)
		return rc;
	return rc == 1 ? ERR_LOCKED : 0;
}

int session_guard_failed(struct app *app, const char *conversation_id, const char *request_id)
{
	char bucket[BUCKET_MAX];
	long budget = app->cfg.join_failures, left;
	struct state *st;
	int rc;

	/* Over budget - 1 means this failure was the budget's last. */
	if ((rc = bucket_of(app, conversation_id, bucket, &st)) < 0 ||
	    (rc = ratelimit_hit(st, bucket, budget - 1, clock_now_ms(), &left)) < 0)
		return rc;
	if (rc == 1)
		log_error(request_id, "join guard: conversation %s spent its %ld failed joins; "
		    "joins refused for %ld s", conversation_id, budget, left);
	return 0;
}
