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

/* The failed joins of conversation_id in this minute's window into
 * *failed (one more first when spend), and the seconds left of the
 * window into *retry_after. */
static int tally(struct app *app, const char *conversation_id, int spend, long *failed,
    long *retry_after)
{
	char bucket[BUCKET_MAX];
	int64_t now = clock_now_ms(), end = now;
	struct state *st;
	int rc, n = snprintf(bucket, sizeof bucket, "joinfail:%s", conversation_id);

	if (n < 0 || n >= (int)sizeof bucket)
		return ERR_ARG;
	if ((rc = app_state(app, &st)) == 0)
		rc = (spend ? state_bucket_hit : state_bucket_peek)(st, bucket, now,
		    RATELIMIT_WINDOW_MS, failed, &end);
	*retry_after = (long)((end - now + 999) / 1000);
	return rc;
}

int session_guard_check(struct app *app, const char *conversation_id, long *retry_after)
{
	long failed;
	int rc = tally(app, conversation_id, 0, &failed, retry_after);

	if (rc < 0)
		return rc;
	return failed >= app->cfg.join_failures ? ERR_LOCKED : 0;
}

int session_guard_failed(struct app *app, const char *conversation_id, const char *request_id)
{
	long failed, left;
	int rc = tally(app, conversation_id, 1, &failed, &left);

	if (rc == 0 && failed == app->cfg.join_failures)
		log_error(request_id, "join guard: conversation %s spent its %ld failed joins; "
		    "joins refused for %ld s", conversation_id, failed, left);
	return rc;
}
