#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "errors.h"

int64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int clock_iso(int64_t ms, char out[ISO_TIME_LEN + 1])
{
	struct tm tm;
	time_t secs;
	int n;

	if (ms < 0 || ms > INT64_C(253402300799999))
		return ERR_INVAL;
	secs = (time_t)(ms / 1000);
	if (gmtime_r(&secs, &tm) == NULL)
		return ERR_INVAL;
	n = snprintf(out, ISO_TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return n == ISO_TIME_LEN ? 0 : ERR_INTERNAL;
}
