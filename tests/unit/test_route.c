/*
 * test_route: literal and "*" segments, captures decoded into the request,
 * and what never matches (empty segments, trailing slashes, bad escapes).
 */
#include "check.h"
#include "errors.h"
#include "request.h"
#include "route.h"

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *pattern, *path;
	const char *cap0, *cap1; /* captures on a match */
} cases[] = {
	{ __LINE__, 1, "same literal path", "/api/v1/health", "/api/v1/health", NULL, NULL },
	{ __LINE__, 1, "root", "/", "/", NULL, NULL },
	{ __LINE__, 0, "different literal", "/api/v1/health", "/api/v1/healthz", NULL, NULL },
	{ __LINE__, 0, "path is a prefix", "/api/v1/health", "/api/v1", NULL, NULL },
	{ __LINE__, 0, "pattern is a prefix", "/api/v1", "/api/v1/health", NULL, NULL },
	{ __LINE__, 0, "literals are case-sensitive", "/api", "/API", NULL, NULL },
	{ __LINE__, 0, "literals are not decoded", "/a b", "/a%20b", NULL, NULL },
	{ __LINE__, 0, "trailing slash", "/api/v1/health", "/api/v1/health/", NULL, NULL },
	{ __LINE__, 0, "missing trailing slash", "/api/", "/api", NULL, NULL },
	{ __LINE__, 0, "doubled slash", "/api/v1", "/api//v1", NULL, NULL },
	{ __LINE__, 0, "empty path", "/", "", NULL, NULL },
	{ __LINE__, 0, "relative path", "/a", "a", NULL, NULL },
	{ __LINE__, 0, "relative pattern", "a", "a", NULL, NULL },
	{ __LINE__, 1, "one capture", "/c/*", "/c/abc", "abc", NULL },
	{ __LINE__, 1, "two captures", "/c/*/m/*", "/c/1/m/2", "1", "2" },
	{ __LINE__, 1, "capture decoded", "/c/*", "/c/hello%20w%C3%B6rld", "hello w\xc3\xb6rld", NULL },
	{ __LINE__, 1, "'+' is not a space in a path", "/c/*", "/c/a+b", "a+b", NULL },
	{ __LINE__, 1, "decoded slash stays in the capture", "/c/*", "/c/a%2Fb", "a/b", NULL },
	{ __LINE__, 1, "a capture at the root", "/*", "/x", "x", NULL },
	{ __LINE__, 0, "empty segment not captured", "/c/*", "/c/", NULL, NULL },
	{ __LINE__, 0, "empty inner segment", "/c/*/m", "/c//m", NULL, NULL },
	{ __LINE__, 0, "nothing to capture", "/c/*", "/c", NULL, NULL },
	{ __LINE__, 0, "capture then trailing slash", "/c/*", "/c/abc/", NULL, NULL },
	{ __LINE__, 0, "capture is one segment", "/c/*", "/c/a/b", NULL, NULL },
	{ __LINE__, 0, "literal after a capture differs", "/c/*/m", "/c/1/n", NULL, NULL },
	{ __LINE__, 0, "'*' inside a segment is literal", "/c/*x", "/c/ax", NULL, NULL },
	{ __LINE__, 1, "'*' inside a segment matches itself", "/c/*x", "/c/*x", NULL, NULL },
	{ __LINE__, 0, "a literal pattern does not match '*'", "/c/x", "/c/*", NULL, NULL },
	{ __LINE__, ERR_INVAL, "bad escape in a capture", "/c/*", "/c/%zz", NULL, NULL },
	{ __LINE__, ERR_INVAL, "truncated escape in a capture", "/c/*", "/c/%4", NULL, NULL },
	{ __LINE__, ERR_INVAL, "decoded NUL in a capture", "/c/*", "/c/a%00", NULL, NULL },
	{ __LINE__, 0, "bad escape outside captures", "/c/*", "/d/%zz", NULL, NULL },
	{ __LINE__, 0, "bad escape in a path that does not match", "/c/*/m", "/c/%zz", NULL, NULL },
	{ __LINE__, 0, "bad escape, then a mismatch", "/c/*/m", "/c/%zz/n", NULL, NULL },
};

static void test_cases(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", NULL };
	struct io io = { NULL, NULL, NULL };
	struct request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int line = cases[i].line;

		memset(&r, 0, sizeof r);
		CHECK_AT(line, request_init(&r, NULL, env, io) == 0);
		CHECK_AT(line, route_match(cases[i].pattern, cases[i].path, &r) == cases[i].rc);
		if (cases[i].cap0 != NULL)
			CHECK_STR(line, r.captures[0], cases[i].cap0);
		if (cases[i].cap1 != NULL)
			CHECK_STR(line, r.captures[1], cases[i].cap1);
		if (cases[i].rc < 0)
			CHECK_AT(line, r.captures[0] == NULL);
		/* Without a request only the answer counts; nothing is decoded. */
		CHECK_AT(line, route_match(cases[i].pattern, cases[i].path, NULL) ==
		    (cases[i].rc < 0 ? 1 : cases[i].rc));
		request_free(&r);
	}
}

/* A pattern with more '*' than REQUEST_MAX_CAPTURES is our bug. */
static void test_too_many_captures(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", NULL };
	struct io io = { NULL, NULL, NULL };
	struct request r;

	CHECK(request_init(&r, NULL, env, io) == 0);
	CHECK(route_match("/*/*/*/*", "/a/b/c/d", &r) == 1);
	CHECK_STR(__LINE__, r.captures[3], "d");
	CHECK(route_match("/*/*/*/*/*", "/a/b/c/d/e", &r) == ERR_INTERNAL);
	request_free(&r);
}

int main(void)
{
	test_cases();
	test_too_many_captures();
	return check_done("test_route");
}
