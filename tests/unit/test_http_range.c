/*
 * test_http_range: the Range header against entities of several lengths
 * (each form, the edges, malformed lists that are rejected, other units
 * that are ignored, more than one range, numbers past 64 bits), and the
 * entity-tag checks of If-None-Match and If-Range.
 */
#include <stdint.h>

#include "check.h"
#include "http_range.h"

#define WHOLE HTTP_RANGE_WHOLE
#define PARTIAL HTTP_RANGE_PARTIAL
#define UNSAT HTTP_RANGE_UNSATISFIABLE

static const struct {
	int line;
	enum http_range_kind want;
	uint64_t first, last; /* when PARTIAL */
	const char *desc;
	const char *h;
	size_t n;
	uint64_t length;
} range_cases[] = {
	{ __LINE__, PARTIAL, 0, 499, "first 500", S("bytes=0-499"), 10000 },
	{ __LINE__, PARTIAL, 500, 999, "second 500", S("bytes=500-999"), 10000 },
	{ __LINE__, PARTIAL, 9500, 9999, "from 9500", S("bytes=9500-"), 10000 },
	{ __LINE__, PARTIAL, 9500, 9999, "last 500", S("bytes=-500"), 10000 },
	{ __LINE__, PARTIAL, 0, 0, "first byte", S("bytes=0-0"), 10000 },
	{ __LINE__, PARTIAL, 9999, 9999, "last byte", S("bytes=-1"), 10000 },
	{ __LINE__, PARTIAL, 9999, 9999, "last byte by position", S("bytes=9999-9999"), 10000 },
	{ __LINE__, PARTIAL, 100, 9999, "end past the entity is cut", S("bytes=100-20000"), 10000 },
	{ __LINE__, PARTIAL, 0, 9, "suffix longer than the entity", S("bytes=-50"), 10 },
	{ __LINE__, PARTIAL, 0, 9, "the whole entity as a range", S("bytes=0-"), 10 },
	{ __LINE__, PARTIAL, 5, 7, "unit in capitals", S("BYTES=5-7"), 10 },
	{ __LINE__, PARTIAL, 5, 7, "blanks around the range", S("bytes= 5-7 \t"), 10 },
	{ __LINE__, PARTIAL, 5, 9, "end past 64 bits", S("bytes=5-999999999999999999999999"), 10 },
	{ __LINE__, PARTIAL, 0, 9, "suffix past 64 bits", S("bytes=-999999999999999999999999"), 10 },
	{ __LINE__, PARTIAL, 5, 7, "leading zeros", S("bytes=0005-0007"), 10 },
	{ __LINE__, UNSAT, 0, 0, "start at the end", S("bytes=10-"), 10 },
	{ __LINE__, UNSAT, 0, 0, "start past the end", S("bytes=20-30"), 10 },
	{ __LINE__, UNSAT, 0, 0, "start past 64 bits", S("bytes=999999999999999999999999-"), 10 },
	{ __LINE__, UNSAT, 0, 0, "suffix of zero", S("bytes=-0"), 10 },
	{ __LINE__, UNSAT, 0, 0, "suffix of an empty entity", S("bytes=-5"), 0 },
	{ __LINE__, UNSAT, 0, 0, "any start of an empty entity", S("bytes=0-"), 0 },
	{ __LINE__, UNSAT, 0, 0, "two ranges, neither satisfiable", S("bytes=20-30,40-"), 10 },
	{ __LINE__, UNSAT, 0, 0, "no range", S("bytes="), 10 },
	{ __LINE__, UNSAT, 0, 0, "only commas", S("bytes=, ,"), 10 },
	{ __LINE__, UNSAT, 0, 0, "a lone dash", S("bytes=-"), 10 },
	{ __LINE__, UNSAT, 0, 0, "end before start", S("bytes=5-4"), 10 },
	{ __LINE__, UNSAT, 0, 0, "negative start", S("bytes=--5"), 10 },
	{ __LINE__, UNSAT, 0, 0, "sign", S("bytes=+1-2"), 10 },
	{ __LINE__, UNSAT, 0, 0, "letters", S("bytes=abc"), 10 },
	{ __LINE__, UNSAT, 0, 0, "junk after", S("bytes=1-2x"), 10 },
	{ __LINE__, UNSAT, 0, 0, "space inside a number", S("bytes=1 0-20"), 10 },
	{ __LINE__, UNSAT, 0, 0, "NUL inside", "bytes=1\0-2", 10, 10 },
	{ __LINE__, UNSAT, 0, 0, "a good range, then junk", S("bytes=0-1,x"), 10 },
	{ __LINE__, UNSAT, 0, 0, "two ranges without a comma", S("bytes=0-1 3-4"), 10 },
	{ __LINE__, PARTIAL, 0, 1, "a range and an empty element", S("bytes=0-1,"), 10 },
	{ __LINE__, PARTIAL, 0, 1, "an empty element first", S("bytes=, 0-1"), 10 },
	{ __LINE__, WHOLE, 0, 0, "two ranges", S("bytes=0-1,5-6"), 10 },
	{ __LINE__, WHOLE, 0, 0, "two ranges, the second satisfiable", S("bytes=20-30, 1-2"), 10 },
	{ __LINE__, WHOLE, 0, 0, "no header", NULL, 0, 10 },
	{ __LINE__, WHOLE, 0, 0, "empty header", S(""), 10 },
	{ __LINE__, WHOLE, 0, 0, "another unit", S("items=0-4"), 10 },
	{ __LINE__, WHOLE, 0, 0, "no equals sign", S("bytes 0-4"), 10 },
	{ __LINE__, WHOLE, 0, 0, "the unit cut short", "bytes=0-4", 5, 10 },
};

static void test_range(void)
{
	struct http_range r;

	for (size_t i = 0; i < sizeof range_cases / sizeof range_cases[0]; i++) {
		int line = range_cases[i].line;

		r.first = r.last = 12345;
		CHECK_AT(line, http_range_parse(range_cases[i].h, range_cases[i].n,
		    range_cases[i].length, &r) == range_cases[i].want);
		if (range_cases[i].want == PARTIAL)
			CHECK_AT(line, r.first == range_cases[i].first && r.last == range_cases[i].last);
		else
			CHECK_AT(line, r.first == 12345 && r.last == 12345);
	}
}

/* A header past the cap is ignored even when it starts well. */
static void test_range_cap(void)
{
	char h[HTTP_RANGE_MAX_HEADER + 1];
	struct http_range r;

	memset(h, ' ', sizeof h);
	memcpy(h, "bytes=0-4", 9);
	CHECK(http_range_parse(h, HTTP_RANGE_MAX_HEADER, 10, &r) == PARTIAL);
	CHECK(http_range_parse(h, sizeof h, 10, &r) == WHOLE);
}

/* A validator header h[0..n) and what it says about the entity's etag
 * and last_modified (want 1: a match). */
struct tag_case {
	int line;
	int want;
	const char *desc;
	const char *h;
	size_t n;
	const char *etag, *last_modified;
};

static const struct tag_case inm_cases[] = {
	{ __LINE__, 1, "the same tag", S("\"abc\""), "\"abc\"", NULL },
	{ __LINE__, 1, "a weak one matches weakly", S("W/\"abc\""), "\"abc\"", NULL },
	{ __LINE__, 1, "one of a list", S("\"x\", \"abc\" ,\"y\""), "\"abc\"", NULL },
	{ __LINE__, 1, "empty list elements", S(",, \"abc\""), "\"abc\"", NULL },
	{ __LINE__, 1, "star", S("*"), "\"abc\"", NULL },
	{ __LINE__, 1, "star with blanks", S(" * "), "\"abc\"", NULL },
	{ __LINE__, 0, "another tag", S("\"abd\""), "\"abc\"", NULL },
	{ __LINE__, 0, "a prefix", S("\"ab\""), "\"abc\"", NULL },
	{ __LINE__, 0, "no quotes", S("abc"), "\"abc\"", NULL },
	{ __LINE__, 0, "unterminated", S("\"abc"), "\"abc\"", NULL },
	{ __LINE__, 0, "no comma between", S("\"x\" \"abc\""), "\"abc\"", NULL },
	{ __LINE__, 0, "star in a list", S("*, \"abc\""), "\"abc\"", NULL },
	{ __LINE__, 0, "control character", S("\"a\x01" "bc\""), "\"abc\"", NULL },
	{ __LINE__, 0, "lowercase w", S("w/\"abc\""), "\"abc\"", NULL },
	{ __LINE__, 0, "no header", NULL, 0, "\"abc\"", NULL },
	{ __LINE__, 0, "empty", S(""), "\"abc\"", NULL },
	{ __LINE__, 0, "our tag is not an entity-tag", S("*"), "abc", NULL },
	{ __LINE__, 0, "no tag of ours", S("*"), NULL, NULL },
};

static void test_if_none_match(void)
{
	for (size_t i = 0; i < sizeof inm_cases / sizeof inm_cases[0]; i++)
		CHECK_AT(inm_cases[i].line, http_if_none_match(inm_cases[i].h, inm_cases[i].n,
		    inm_cases[i].etag) == inm_cases[i].want);
}

#define DATE "Wed, 21 Oct 2026 07:28:00 GMT"

static const struct tag_case if_range_cases[] = {
	{ __LINE__, 1, "no If-Range", NULL, 0, "\"abc\"", NULL },
	{ __LINE__, 1, "the same strong tag", S("\"abc\""), "\"abc\"", NULL },
	{ __LINE__, 1, "blanks around it", S(" \"abc\"\t"), "\"abc\"", NULL },
	{ __LINE__, 1, "the same date", S(DATE), "\"abc\"", DATE },
	{ __LINE__, 0, "a weak tag never", S("W/\"abc\""), "\"abc\"", NULL },
	{ __LINE__, 0, "another tag", S("\"abd\""), "\"abc\"", NULL },
	{ __LINE__, 0, "a tag and no ETag", S("\"abc\""), NULL, DATE },
	{ __LINE__, 0, "another date", S("Thu, 22 Oct 2026 07:28:00 GMT"), "\"abc\"", DATE },
	{ __LINE__, 0, "a date and no Last-Modified", S(DATE), "\"abc\"", NULL },
	{ __LINE__, 0, "a list is not a validator", S("\"abc\", \"x\""), "\"abc\"", NULL },
	{ __LINE__, 0, "empty", S(""), "\"abc\"", NULL },
};

static void test_if_range(void)
{
	for (size_t i = 0; i < sizeof if_range_cases / sizeof if_range_cases[0]; i++)
		CHECK_AT(if_range_cases[i].line, http_if_range(if_range_cases[i].h,
		    if_range_cases[i].n, if_range_cases[i].etag,
		    if_range_cases[i].last_modified) == if_range_cases[i].want);
}

static void test_etag_valid(void)
{
	CHECK(http_etag_valid(S("\"\""), 1) == 1);
	CHECK(http_etag_valid(S("\"a-b_c\""), 1) == 1);
	CHECK(http_etag_valid(S("\"\xc3\xa9\""), 1) == 1);
	CHECK(http_etag_valid(S("W/\"a\""), 0) == 1);
	CHECK(http_etag_valid(S("W/\"a\""), 1) == 0);
	CHECK(http_etag_valid(S("\"a\"b"), 0) == 0);
	CHECK(http_etag_valid(S("\"a b\""), 0) == 0);
	CHECK(http_etag_valid(S("a"), 0) == 0);
	CHECK(http_etag_valid(NULL, 0, 0) == 0);
	CHECK(http_etag_valid(S(""), 0) == 0);
}

int main(void)
{
	test_range();
	test_range_cap();
	test_if_none_match();
	test_if_range();
	test_etag_valid();
	return check_done("test_http_range");
}
