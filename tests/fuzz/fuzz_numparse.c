/*
 * fuzz_numparse: numparse_long, the one text-to-number parser of lib/, on
 * arbitrary bytes against a few ranges. It accepts exactly an optional '-'
 * and 1..19 digits whose value strtoll reads without overflow and lies in
 * the range, and then gives that value.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "numparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static const long ranges[][2] = {
	{ LONG_MIN, LONG_MAX },
	{ 0, LONG_MAX },
	{ 0, 9999999999999L },
	{ -5, 5 },
	{ 1, 1 },
};

/* 1 when s[0..n) is an optional '-' and 1..19 digits. */
static int well_formed(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-';

	if (i == n || n - i > 19)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* What numparse_long must answer, by strtol on a NUL-terminated copy. */
static int expected(const char *s, size_t n, long min, long max, long *v)
{
	char copy[24];

	if (!well_formed(s, n))
		return ERR_INVAL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	errno = 0;
	*v = strtol(copy, NULL, 10);
	return errno == 0 && *v >= min && *v <= max ? 0 : ERR_INVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		long got = 42, want = 0;
		int rc = numparse_long(s, size, ranges[i][0], ranges[i][1], &got);

		must(rc == expected(s, size, ranges[i][0], ranges[i][1], &want));
		must(rc == 0 ? got == want : got == 42);
	}
	return 0;
}
