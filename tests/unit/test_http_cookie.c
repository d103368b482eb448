/*
 * test_http_cookie: the Set-Cookie value a browser gets for each kind of
 * session, over HTTP and HTTPS, set and cleared, and what no cookie may
 * hold.
 */
#include "check.h"
#include "errors.h"
#include "http_cookie.h"

#define DIRECT HTTP_COOKIE_DIRECT
#define EMBED HTTP_COOKIE_EMBED

static const struct {
	int line;
	const char *want; /* NULL: rc */
	int rc;
	const char *desc;
	const char *name, *value;
	long max_age;
	enum http_cookie_kind kind;
	int https;
} cases[] = {
	{ __LINE__, "sessionId=ab12; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax", 0,
	    "direct over HTTP", "sessionId", "ab12", 86400, DIRECT, 0 },
	{ __LINE__, "sessionId=ab12; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax; Secure", 0,
	    "direct over HTTPS", "sessionId", "ab12", 86400, DIRECT, 1 },
	{ __LINE__, "sessionId=ab12; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=None; Partitioned",
	    0, "embed over HTTPS", "sessionId", "ab12", 60, EMBED, 1 },
	{ __LINE__, "sessionId=ab12; Path=/; Max-Age=60; HttpOnly; SameSite=Lax", 0,
	    "embed over HTTP: None would be refused without Secure", "sessionId", "ab12", 60, EMBED, 0 },
	{ __LINE__, "sessionId=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax", 0,
	    "clearing a direct cookie", "sessionId", NULL, 86400, DIRECT, 0 },
	{ __LINE__, "sessionId=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None; Partitioned", 0,
	    "clearing a partitioned cookie takes Partitioned", "sessionId", NULL, 60, EMBED, 1 },
	{ __LINE__, "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax", 0, "an empty value",
	    "s", "", 0, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "a semicolon would add an attribute", "sessionId", "a; Domain=x",
	    60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "CR LF", "sessionId", "a\r\nSet-Cookie: x", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "space", "sessionId", "a b", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "quote", "sessionId", "a\"b", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "comma", "sessionId", "a,b", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "backslash", "sessionId", "a\\b", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "non-ASCII", "sessionId", "\xc3\xa9", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "a name with =", "a=b", "v", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "an empty name", "", "v", 60, DIRECT, 0 },
	{ __LINE__, NULL, ERR_INVAL, "negative Max-Age", "s", "v", -1, DIRECT, 0 },
};

static void test_cases(void)
{
	char out[HTTP_COOKIE_MAX];
	int rc;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int line = cases[i].line;

		rc = http_cookie_session(out, cases[i].name, cases[i].value, cases[i].max_age,
		    cases[i].kind, cases[i].https);
		if (cases[i].want == NULL) {
			CHECK_AT(line, rc == cases[i].rc);
		} else {
			CHECK_AT(line, rc == 0);
			CHECK_STR(line, out, cases[i].want);
		}
	}
}

static void test_too_long(void)
{
	char out[HTTP_COOKIE_MAX], value[HTTP_COOKIE_MAX];

	memset(value, 'a', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	CHECK(http_cookie_session(out, "s", value, 60, DIRECT, 0) == ERR_TOOBIG);
}

int main(void)
{
	test_cases();
	test_too_long();
	return check_done("test_http_cookie");
}
