#include <stddef.h>

#include "clock.h"
#include "errors.h"
#include "ratelimit.h"
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
