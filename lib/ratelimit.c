#include <stddef.h>
#include <stdio.h>

#include "app.h"
#include "clock.h"
#include "errors.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "state.h"

int ratelimit_hit(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after)
{
	int64_t end;
	long count;
	int rc;

	if ((rc = state_bucket_hit(st, bucket, now_ms, RATELIMIT_WINDOW_MS, &count, &end)) < 0)
		return rc;
	*retry_after = (long)((end - now_ms + 999) / 1000);
	return count > limit ? 1 : 0;
}

int ratelimit_request(struct request *r, const char *bucket, long limit,
    const char *message)
{
	char after[24];
	struct state *st;
	long retry = 0;
	int rc;

	if ((rc = app_state(r->app, &st)) == 0)
		rc = ratelimit_hit(st, bucket, limit, clock_now_ms(), &retry);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		emit_err(r, rc, bucket);
	} else {
		snprintf(after, sizeof after, "%ld", retry);
		if (request_add_header(r, "Retry-After", after) < 0)
			emit_err(r, ERR_NOMEM, bucket);
		else
			emit_error(r, 429, message, NULL);
	}
	return -1;
}
