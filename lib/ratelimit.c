#include <stddef.h>

#include "clock.h"
#include "errors.h"
#include "ratelimit.h"
#include "state.h"

int ratelimit_hit(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after)
{
	return ratelimit_hit_in(st, bucket, limit, RATELIMIT_WINDOW_MS, now_ms, retry_after);
}

int ratelimit_spent(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after)
{
	return ratelimit_spent_in(st, bucket, limit, RATELIMIT_WINDOW_MS, now_ms, retry_after);
}

int ratelimit_spent_in(struct state *st, const char *bucket, long limit, int64_t window_ms,
    int64_t now_ms, long *retry_after)
{
	int64_t end;
	long count;
	int rc;

	if ((rc = state_bucket_peek(st, bucket, now_ms, window_ms, &count, &end)) < 0)
		return rc;
	*retry_after = (long)((end - now_ms + 999) / 1000);
	return count >= limit ? 1 : 0;
}

int ratelimit_hit_in(struct state *st, const char *bucket, long limit, int64_t window_ms,
    int64_t now_ms, long *retry_after)
{
	int64_t end;
	long count;
	int rc;

	if ((rc = state_bucket_hit(st, bucket, now_ms, window_ms, &count, &end)) < 0)
		return rc;
	*retry_after = (long)((end - now_ms + 999) / 1000);
	return count > limit ? 1 : 0;
}

int ratelimit_charge_in(struct state *st, const char *bucket, long hits, int64_t window_ms,
    int64_t now_ms)
{
	int64_t end;
	long count;

	if (hits == 0)
		return 0;
	return state_bucket_add(st, bucket, hits, now_ms, window_ms, &count, &end);
}
