/*
 * test_clock: the contract's timestamp format, its range, and parsing it
 * back; the HTTP date format.
 */
#include <stdint.h>

#include "check.h"
#include "clock.h"
#include "errors.h"

/* An instant and how one format writes it (want NULL: rc is an error). */
struct format_case {
	int line;
	int rc;
	const char *desc;
	int64_t ms;
	const char *want;
};

static const struct format_case iso_cases[] = {
	{ __LINE__, 0, "the epoch", 0, "1970-01-01T00:00:00.000Z" },
	{ __LINE__, 0, "one millisecond", 1, "1970-01-01T00:00:00.001Z" },
	{ __LINE__, 0, "a known instant", INT64_C(1700000000123), "2023-11-14T22:13:20.123Z" },
	{ __LINE__, 0, "a leap day", INT64_C(951782400000), "2000-02-29T00:00:00.000Z" },
	{ __LINE__, 0, "last millisecond of a day", INT64_C(86399999), "1970-01-01T23:59:59.999Z" },
	{ __LINE__, 0, "the largest four-digit year", INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
	{ __LINE__, ERR_INVAL, "year 10000", INT64_C(253402300800000), NULL },
	{ __LINE__, ERR_INVAL, "negative", -1, NULL },
	{ __LINE__, ERR_INVAL, "INT64_MIN", INT64_MIN, NULL },
	{ __LINE__, ERR_INVAL, "INT64_MAX", INT64_MAX, NULL },
};

/* Checks fmt, which writes into a buffer of at least 32 bytes, on cases. */
static void check_format(int (*fmt)(int64_t, char *), const struct format_case *cases,
    size_t n)
{
	char out[32];

	for (size_t i = 0; i < n; i++) {
		CHECK_AT(cases[i].line, fmt(cases[i].ms, out) == cases[i].rc);
		if (cases[i].want != NULL)
			CHECK_STR(cases[i].line, out, cases[i].want);
	}
}

static void test_iso(void)
{
	check_format(clock_iso, iso_cases, sizeof iso_cases / sizeof iso_cases[0]);
}

/* Parsing takes back every valid format and nothing else. */
static const struct {
	int line;
	int rc;
	const char *s;
} parse_cases[] = {
	{ __LINE__, ERR_INVAL, "2000-02-30T00:00:00.000Z" },
	{ __LINE__, ERR_INVAL, "2023-11-14T24:00:00.000Z" },
	{ __LINE__, ERR_INVAL, "2023-11-14T22:13:20Z" },
	{ __LINE__, ERR_INVAL, "2023-11-14 22:13:20.123Z" },
	{ __LINE__, ERR_INVAL, "2023-11-14T22:13:20.123+00" },
	{ __LINE__, ERR_INVAL, "1969-12-31T23:59:59.999Z" },
	{ __LINE__, ERR_INVAL, "" },
};

static void test_parse(void)
{
	int64_t ms = -1;

	for (size_t i = 0; i < sizeof iso_cases / sizeof iso_cases[0]; i++)
		if (iso_cases[i].want != NULL)
			CHECK_AT(iso_cases[i].line, clock_parse_iso(iso_cases[i].want, &ms) == 0 &&
			    ms == iso_cases[i].ms);
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++)
		CHECK_AT(parse_cases[i].line, clock_parse_iso(parse_cases[i].s, &ms) ==
		    parse_cases[i].rc);
}

static const struct format_case http_cases[] = {
	{ __LINE__, 0, "the epoch, a Thursday", 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ __LINE__, 0, "RFC 9110's example", INT64_C(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT" },
	{ __LINE__, 0, "milliseconds dropped", INT64_C(1700000000999), "Tue, 14 Nov 2023 22:13:20 GMT" },
	{ __LINE__, 0, "a leap day", INT64_C(951782400000), "Tue, 29 Feb 2000 00:00:00 GMT" },
	{ __LINE__, 0, "the last second of 9999", INT64_C(253402300799999), "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ __LINE__, ERR_INVAL, "negative", -1, NULL },
	{ __LINE__, ERR_INVAL, "year 10000", INT64_C(253402300800000), NULL },
};

static void test_http_date(void)
{
	check_format(clock_http_date, http_cases, sizeof http_cases / sizeof http_cases[0]);
}

static void test_clocks(void)
{
	char out[ISO_TIME_LEN + 1];
	int64_t a = clock_mono_us(), b = clock_mono_us();

	CHECK(clock_now_ms() > INT64_C(1577836800000)); /* after 2020 */
	CHECK(clock_iso(clock_now_ms(), out) == 0 && strlen(out) == ISO_TIME_LEN);
	CHECK(b >= a);
}

int main(void)
{
	test_iso();
	test_parse();
	test_http_date();
	test_clocks();
	return check_done("test_clock");
}
