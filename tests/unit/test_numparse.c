/*
 * test_numparse: the only text-to-number path; overflow, sign, empty input,
 * stray bytes and the caller's range.
 */
#include <limits.h>

#include "check.h"
#include "errors.h"
#include "numparse.h"

_Static_assert(LONG_MAX == 9223372036854775807L, "the cases assume a 64-bit long");

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *s;
	size_t n;
	long min, max;
	long want;
} cases[] = {
	{ __LINE__, 0, "zero", S("0"), 0, 10, 0 },
	{ __LINE__, 0, "plain", S("42"), 0, 100, 42 },
	{ __LINE__, 0, "negative", S("-42"), -100, 100, -42 },
	{ __LINE__, 0, "minus zero", S("-0"), 0, 1, 0 },
	{ __LINE__, 0, "leading zeros", S("007"), 0, 10, 7 },
	{ __LINE__, 0, "19 digits", S("0000000000000000001"), 0, 10, 1 },
	{ __LINE__, 0, "LONG_MAX", S("9223372036854775807"), LONG_MIN, LONG_MAX, LONG_MAX },
	{ __LINE__, 0, "LONG_MIN", S("-9223372036854775808"), LONG_MIN, LONG_MAX, LONG_MIN },
	{ __LINE__, 0, "at min", S("1"), 1, 5, 1 },
	{ __LINE__, 0, "at max", S("5"), 1, 5, 5 },
	{ __LINE__, 0, "only the first n bytes", "12x", 2, 0, 100, 12 },
	{ __LINE__, ERR_INVAL, "empty", S(""), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "a lone minus", S("-"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "a plus sign", S("+1"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "two minus signs", S("--1"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "leading space", S(" 1"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "trailing space", S("1 "), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "trailing letter", S("1a"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "hex", S("0x10"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "decimal point", S("1.0"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "embedded NUL", S("1\0002"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "LONG_MAX + 1", S("9223372036854775808"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "LONG_MIN - 1", S("-9223372036854775809"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "19 nines", S("9999999999999999999"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "20 digits", S("00000000000000000001"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "20 nines", S("99999999999999999999"), LONG_MIN, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "below min", S("0"), 1, 5, 0 },
	{ __LINE__, ERR_INVAL, "above max", S("6"), 1, 5, 0 },
	{ __LINE__, ERR_INVAL, "negative when min is 0", S("-1"), 0, LONG_MAX, 0 },
	{ __LINE__, ERR_INVAL, "LONG_MIN below min", S("-9223372036854775808"), LONG_MIN + 1, 0, 0 },
};

static void test_cases(void)
{
	const long untouched = 12345;
	long out;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int line = cases[i].line;

		out = untouched;
		CHECK_AT(line, numparse_long(cases[i].s, cases[i].n, cases[i].min,
		    cases[i].max, &out) == cases[i].rc);
		CHECK_AT(line, out == (cases[i].rc == 0 ? cases[i].want : untouched));
	}
}

int main(void)
{
	test_cases();
	return check_done("test_numparse");
}
