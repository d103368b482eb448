/*
 * test_ids: UUID v4 shape (version and variant bits), uniqueness, random
 * hex tokens and the UUID validator.
 */
#include <ctype.h>
#include <stdlib.h>

#include "check.h"
#include "errors.h"
#include "ids.h"

#define NUUIDS 1000

static int lowercase_hex_or_dash(const char *s)
{
	for (; *s; s++)
		if (!(*s == '-' || isdigit((unsigned char)*s) || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int cmp_uuid(const void *a, const void *b)
{
	return memcmp(a, b, UUID_STRLEN);
}

static void test_uuid4(void)
{
	static char ids[NUUIDS][UUID_STRLEN + 1];
	int ok = 1, distinct = 1;

	for (size_t i = 0; i < NUUIDS && ok; i++) {
		ok = ids_uuid4(ids[i]) == 0 && strlen(ids[i]) == UUID_STRLEN &&
		    ids_is_uuid4(ids[i], UUID_STRLEN) && lowercase_hex_or_dash(ids[i]) &&
		    ids[i][14] == '4' && strchr("89ab", ids[i][19]) != NULL;
		if (!ok)
			printf("  bad uuid \"%s\"\n", ids[i]);
	}
	CHECK(ok);
	qsort(ids, NUUIDS, sizeof ids[0], cmp_uuid);
	for (size_t i = 1; i < NUUIDS; i++)
		distinct &= cmp_uuid(ids[i - 1], ids[i]) != 0;
	CHECK(distinct);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	size_t outlen, nbytes;
} token_cases[] = {
	{ __LINE__, 0, "16 bytes", 33, 16 },
	{ __LINE__, 0, "the largest", 129, 64 },
	{ __LINE__, 0, "no bytes", 1, 0 },
	{ __LINE__, ERR_INTERNAL, "no room for the NUL", 32, 16 },
	{ __LINE__, ERR_INTERNAL, "more than 64 bytes", 200, 65 },
};

static void test_token_hex(void)
{
	char out[200];

	for (size_t i = 0; i < sizeof token_cases / sizeof token_cases[0]; i++) {
		int line = token_cases[i].line;

		memset(out, 'x', sizeof out);
		CHECK_AT(line, ids_token_hex(out, token_cases[i].outlen,
		    token_cases[i].nbytes) == token_cases[i].rc);
		if (token_cases[i].rc == 0)
			CHECK_AT(line, strlen(out) == 2 * token_cases[i].nbytes &&
			    lowercase_hex_or_dash(out) && strchr(out, '-') == NULL);
		else
			CHECK_AT(line, out[0] == 'x');
	}
}

static const struct {
	int line;
	int valid;
	const char *desc;
	const char *s;
} is_cases[] = {
	{ __LINE__, 1, "lowercase", "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ __LINE__, 1, "uppercase", "F47AC10B-58CC-4372-A567-0E02B2C3D479" },
	{ __LINE__, 1, "variant 8", "f47ac10b-58cc-4372-8567-0e02b2c3d479" },
	{ __LINE__, 1, "variant b", "f47ac10b-58cc-4372-b567-0e02b2c3d479" },
	{ __LINE__, 0, "version 1", "f47ac10b-58cc-1372-a567-0e02b2c3d479" },
	{ __LINE__, 0, "version 5", "f47ac10b-58cc-5372-a567-0e02b2c3d479" },
	{ __LINE__, 0, "variant c", "f47ac10b-58cc-4372-c567-0e02b2c3d479" },
	{ __LINE__, 0, "variant 7", "f47ac10b-58cc-4372-7567-0e02b2c3d479" },
	{ __LINE__, 0, "not hex", "g47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ __LINE__, 0, "no dashes", "f47ac10b58cc4372a5670e02b2c3d479xxxx" },
	{ __LINE__, 0, "dash moved", "f47ac10-b58cc-4372-a567-0e02b2c3d479" },
	{ __LINE__, 0, "one short", "f47ac10b-58cc-4372-a567-0e02b2c3d47" },
	{ __LINE__, 0, "one long", "f47ac10b-58cc-4372-a567-0e02b2c3d4790" },
	{ __LINE__, 0, "braces", "{47ac10b-58cc-4372-a567-0e02b2c3d47}" },
	{ __LINE__, 0, "empty", "" },
};

static void test_is_uuid4(void)
{
	for (size_t i = 0; i < sizeof is_cases / sizeof is_cases[0]; i++)
		CHECK_AT(is_cases[i].line, ids_is_uuid4(is_cases[i].s,
		    strlen(is_cases[i].s)) == is_cases[i].valid);
	/* The length given is what counts, not the NUL. */
	CHECK(!ids_is_uuid4("f47ac10b-58cc-4372-a567-0e02b2c3d479", 35));
}

static void test_random(void)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };

	CHECK(ids_random(a, 0) == 0);
	CHECK(ids_random(a, sizeof a) == 0 && ids_random(b, sizeof b) == 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
}

int main(void)
{
	test_uuid4();
	test_token_hex();
	test_is_uuid4();
	test_random();
	return check_done("test_ids");
}
