/*
 * test_json: one well-formed value, valid UTF-8, nesting up to
 * JSON_MAX_DEPTH, nothing after the value but white space, and no string
 * that cJSON would silently cut at a NUL.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "json.h"

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
} cases[] = {
	{ __LINE__, 0, "empty object", S("{}") },
	{ __LINE__, 0, "empty array", S("[]") },
	{ __LINE__, 0, "number", S("-1.5e3") },
	{ __LINE__, 0, "string", S("\"s\"") },
	{ __LINE__, 0, "literals", S("[true,false,null]") },
	{ __LINE__, 0, "white space around", S(" \t\r\n{\"a\":[1,2]} \t\r\n") },
	{ __LINE__, 0, "UTF-8 text", S("{\"name\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}") },
	{ __LINE__, 0, "escapes", S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"") },
	{ __LINE__, 0, "surrogate pair escape", S("\"\\ud83d\\ude00\"") },
	{ __LINE__, 0, "brackets inside a string", S("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]") },
	{ __LINE__, 0, "escaped quote keeps the string open", S("[\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]") },
	{ __LINE__, ERR_INVAL, "empty", S("") },
	{ __LINE__, ERR_INVAL, "white space only", S(" \n") },
	{ __LINE__, ERR_INVAL, "trailing garbage", S("{} x") },
	{ __LINE__, ERR_INVAL, "two values", S("{}{}") },
	{ __LINE__, ERR_INVAL, "two numbers", S("1 2") },
	{ __LINE__, ERR_INVAL, "extra bracket", S("[1]]") },
	{ __LINE__, ERR_INVAL, "trailing NUL", S("{}\0") },
	{ __LINE__, ERR_INVAL, "unterminated object", S("{\"a\":1") },
	{ __LINE__, ERR_INVAL, "unterminated string", S("\"abc") },
	{ __LINE__, ERR_INVAL, "trailing comma", S("[1,]") },
	{ __LINE__, ERR_INVAL, "single quotes", S("{'a':1}") },
	{ __LINE__, ERR_INVAL, "bare word", S("nope") },
	{ __LINE__, ERR_INVAL, "invalid byte in a string", S("\"\xff\"") },
	{ __LINE__, ERR_INVAL, "overlong in a string", S("\"\xc0\xaf\"") },
	{ __LINE__, ERR_INVAL, "surrogate bytes in a string", S("\"\xed\xa0\x80\"") },
	{ __LINE__, ERR_INVAL, "past U+10FFFF in a string", S("\"\xf4\x90\x80\x80\"") },
	{ __LINE__, ERR_INVAL, "invalid byte outside strings", S("[1]\xff") },
	{ __LINE__, ERR_INVAL, "lone surrogate escape", S("\"\\ud800\"") },
	{ __LINE__, ERR_INVAL, "raw NUL in a string", S("\"a\0b\"") },
	{ __LINE__, ERR_INVAL, "raw newline in a string", S("\"a\nb\"") },
	{ __LINE__, ERR_INVAL, "raw tab in a string", S("\"a\tb\"") },
	{ __LINE__, ERR_INVAL, "escaped NUL", S("{\"a\":\"x\\u0000y\"}") },
	{ __LINE__, ERR_INVAL, "escaped NUL in a name", S("{\"\\u0000\":1}") },
};

static void test_cases(void)
{
	cJSON *v;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int line = cases[i].line;
		int rc = json_parse(cases[i].in, cases[i].n, &v);

		CHECK_AT(line, rc == cases[i].rc);
		CHECK_AT(line, (v != NULL) == (rc == 0));
		cJSON_Delete(v);
	}
}

/* An escaped backslash before "u0000" is not a \u0000 escape. */
static void test_backslash_then_u0000(void)
{
	static const char text[] = "\"\\\\u0000\"";
	cJSON *v;

	CHECK(json_parse(text, sizeof text - 1, &v) == 0);
	CHECK(cJSON_IsString(v) && strcmp(cJSON_GetStringValue(v), "\\u0000") == 0);
	cJSON_Delete(v);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	int depth;
	char open, close;
} depth_cases[] = {
	{ __LINE__, 0, "arrays at the limit", JSON_MAX_DEPTH, '[', ']' },
	{ __LINE__, ERR_INVAL, "arrays one past", JSON_MAX_DEPTH + 1, '[', ']' },
	{ __LINE__, ERR_INVAL, "arrays far past", 100000, '[', ']' },
	{ __LINE__, 0, "objects at the limit", JSON_MAX_DEPTH, '{', '}' },
	{ __LINE__, ERR_INVAL, "objects one past", JSON_MAX_DEPTH + 1, '{', '}' },
	{ __LINE__, 0, "sequential, not nested", -2 * JSON_MAX_DEPTH, '[', ']' },
};

/* depth nested brackets, objects as {"k":...}; a negative depth writes
 * that many sibling arrays inside one array instead. */
static int nested(struct buf *b, int depth, char open, char close)
{
	int rc = 0;

	if (depth < 0) {
		rc = buf_putc(b, '[');
		for (int i = 0; i < -depth && rc == 0; i++)
			rc = buf_puts(b, i ? ",[]" : "[]");
		return rc == 0 ? buf_putc(b, ']') : rc;
	}
	for (int i = 0; i < depth && rc == 0; i++)
		rc = open == '{' ? buf_puts(b, "{\"k\":") : buf_putc(b, open);
	if (rc == 0)
		rc = buf_putc(b, '1');
	for (int i = 0; i < depth && rc == 0; i++)
		rc = buf_putc(b, close);
	return rc;
}

static void test_depth(void)
{
	struct buf b;
	cJSON *v;

	for (size_t i = 0; i < sizeof depth_cases / sizeof depth_cases[0]; i++) {
		int line = depth_cases[i].line;

		buf_init(&b, 0);
		CHECK_AT(line, nested(&b, depth_cases[i].depth, depth_cases[i].open,
		    depth_cases[i].close) == 0);
		CHECK_AT(line, json_parse(b.data, b.len, &v) == depth_cases[i].rc);
		cJSON_Delete(v);
		buf_free(&b);
	}
}

/* The text is read up to n only: no NUL terminator is needed. */
static void test_unterminated_input(void)
{
	char *p = malloc(2);
	cJSON *v;

	CHECK(p != NULL);
	if (p == NULL)
		return;
	memcpy(p, "[]", 2);
	CHECK(json_parse(p, 2, &v) == 0 && cJSON_IsArray(v));
	cJSON_Delete(v);
	free(p);
}

int main(void)
{
	test_cases();
	test_backslash_then_u0000();
	test_depth();
	test_unterminated_input();
	return check_done("test_json");
}
