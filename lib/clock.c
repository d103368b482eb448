#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "errors.h"

static int64_t (*now_fn)(void);

void clock_set_now_fn(int64_t (*fn)(void)) { now_fn = fn; }

int64_t clock_now_ms(void)
{
	struct timespec ts;

	if (now_fn != NULL)
		return now_fn();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void put_digits(char *p, int64_t v, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Proleptic Gregorian calendar from days since 1970-01-01 (>= 0), after
 * H. Hinnant's days_from_civil inverse; no time zone, no locking. */
int clock_iso(int64_t ms, char out[ISO_TIME_LEN + 1])
{
	int64_t secs, days, z, era, doe, yoe, doy, mp, y, m, d;

	if (ms < 0 || ms > INT64_C(253402300799999))
		return ERR_INVAL;
	secs = ms / 1000;
	days = secs / 86400;
	secs %= 86400;
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	/* YYYY-MM-DDTHH:MM:SS.mmmZ */
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = '.';
	put_digits(out + 20, ms % 1000, 3);
	out[23] = 'Z';
	out[24] = '\0';
	return 0;
}

/* The n digits at p as a number, or -1. */
static int64_t get_digits(const char *p, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int clock_parse_iso(const char *s, int64_t *ms)
{
	static const int at[] = { 0, 5, 8, 11, 14, 17, 20 }, width[] = { 4, 2, 2, 2, 2, 2, 3 };
	static const char seps[] = "--T::.Z";
	int64_t v[7];
	char check[ISO_TIME_LEN + 1];

	if (strlen(s) != ISO_TIME_LEN)
		return ERR_INVAL;
	for (int i = 0; i < 7; i++) {
		if ((v[i] = get_digits(s + at[i], width[i])) < 0 ||
		    s[at[i] + width[i]] != seps[i])
			return ERR_INVAL;
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return ERR_INVAL;
	*ms = ((days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 +
	    v[5]) * 1000) + v[6];
	/* A date like 02-31 or 25:00 does not print back the same. */
	if (clock_iso(*ms, check) < 0 || strcmp(check, s) != 0)
		return ERR_INVAL;
	return 0;
}

int clock_http_date(int64_t ms, char out[HTTP_DATE_LEN + 1])
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t t;
	struct tm tm;
	int n;

	if (ms < 0 || ms > INT64_C(253402300799999))
		return ERR_INVAL;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return ERR_INVAL;
	n = snprintf(out, HTTP_DATE_LEN + 1, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
	    days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n == HTTP_DATE_LEN ? 0 : ERR_INTERNAL;
}
