/*
 * test_validate: the text rules on bytes (UTF-8, control characters,
 * trimming, length in characters) and the field table over JSON bodies,
 * with the details[] it produces.
 */
#include <stddef.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "errors.h"
#include "json.h"
#include "validate.h"

static const struct {
	int line;
	const char *want;   /* trimmed value, or NULL when rejected */
	long min, max;
	const char *s;
	size_t n;
} text_cases[] = {
	{ __LINE__, "Alice", 1, 64, S("Alice") },
	{ __LINE__, "Alice", 1, 64, S("  Alice  ") },
	{ __LINE__, "A b", 1, 64, S(" A b ") },
	{ __LINE__, NULL, 1, 64, S("") },
	{ __LINE__, NULL, 1, 64, S("   ") },
	{ __LINE__, "\xc3\xa9t\xc3\xa9", 1, 3, S("\xc3\xa9t\xc3\xa9") },
	{ __LINE__, NULL, 1, 2, S("\xc3\xa9t\xc3\xa9") },
	{ __LINE__, "\xf0\x9f\x98\x80", 1, 1, S("\xf0\x9f\x98\x80") },
	{ __LINE__, NULL, 1, 64, S("bad\xff") },
	{ __LINE__, NULL, 1, 64, S("\xc0\xaf") },
	{ __LINE__, NULL, 1, 64, S("nul\0inside") },
	{ __LINE__, NULL, 1, 64, S("tab\there") },
	{ __LINE__, NULL, 1, 64, S("line\nbreak") },
	{ __LINE__, NULL, 1, 64, S("del\x7f") },
	{ __LINE__, NULL, 1, 64, S("c1\xc2\x85") },
	{ __LINE__, "\xc2\xa0x", 1, 64, S("\xc2\xa0x") },
};

static void test_text(void)
{
	for (size_t i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
		const char *start = NULL;
		size_t len = 0;
		const char *why = validate_text(text_cases[i].s, text_cases[i].n,
		    text_cases[i].min, text_cases[i].max, &start, &len);

		if (text_cases[i].want == NULL) {
			CHECK_AT(text_cases[i].line, why != NULL);
			continue;
		}
		CHECK_AT(text_cases[i].line, why == NULL);
		CHECK_AT(text_cases[i].line, why == NULL &&
		    len == strlen(text_cases[i].want) &&
		    memcmp(start, text_cases[i].want, len) == 0);
	}
}

struct join_form {
	char *conversation_id;
	char *display_name;
	char *avatar_url;
	long limit;
};

static const struct vfield fields[] = {
	{ "conversationId", v_conversation_id, 1, 0, 0, offsetof(struct join_form, conversation_id) },
	{ "displayName", v_display_name, 1, 0, 0, offsetof(struct join_form, display_name) },
	{ "avatarUrl", v_url, 0, 0, 0, offsetof(struct join_form, avatar_url) },
	{ "limit", v_integer, 0, 1, 200, offsetof(struct join_form, limit) },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const struct {
	int line;
	int want;           /* 0 or ERR_INVAL */
	const char *bad;    /* the field of the first detail, or NULL */
	int ndetails;
	const char *json;
} obj_cases[] = {
	{ __LINE__, 0, NULL, 0, "{\"conversationId\":\"c1\",\"displayName\":\" Al \"}" },
	{ __LINE__, 0, NULL, 0, "{\"conversationId\":\"c1\",\"displayName\":\"Al\",\"avatarUrl\":null,\"limit\":5}" },
	{ __LINE__, 0, NULL, 0, "{\"conversationId\":\"c1\",\"displayName\":\"Al\",\"avatarUrl\":\"https://x/a.png\"}" },
	{ __LINE__, ERR_INVAL, "body", 1, "[]" },
	{ __LINE__, ERR_INVAL, "body", 1, "\"x\"" },
	{ __LINE__, ERR_INVAL, "conversationId", 2, "{}" },
	{ __LINE__, ERR_INVAL, "conversationId", 1, "{\"conversationId\":5,\"displayName\":\"Al\"}" },
	{ __LINE__, ERR_INVAL, "conversationId", 1, "{\"conversationId\":\"../x\",\"displayName\":\"Al\"}" },
	{ __LINE__, ERR_INVAL, "conversationId", 1, "{\"conversationId\":null,\"displayName\":\"Al\"}" },
	{ __LINE__, ERR_INVAL, "displayName", 1, "{\"conversationId\":\"c\",\"displayName\":\"a\\u0001b\"}" },
	{ __LINE__, ERR_INVAL, "displayName", 1, "{\"conversationId\":\"c\",\"displayName\":true}" },
	{ __LINE__, ERR_INVAL, "displayName", 1,
	  "{\"conversationId\":\"c\",\"displayName\":\"12345678901234567890123456789012345678901234567890123456789012345\"}" },
	{ __LINE__, ERR_INVAL, "avatarUrl", 1, "{\"conversationId\":\"c\",\"displayName\":\"A\",\"avatarUrl\":\"javascript:x\"}" },
	{ __LINE__, ERR_INVAL, "limit", 1, "{\"conversationId\":\"c\",\"displayName\":\"A\",\"limit\":1.5}" },
	{ __LINE__, ERR_INVAL, "limit", 1, "{\"conversationId\":\"c\",\"displayName\":\"A\",\"limit\":201}" },
	{ __LINE__, ERR_INVAL, "limit", 1, "{\"conversationId\":\"c\",\"displayName\":\"A\",\"limit\":\"5\"}" },
};

static void test_object(void)
{
	for (size_t i = 0; i < sizeof obj_cases / sizeof obj_cases[0]; i++) {
		struct join_form form = { 0 };
		cJSON *doc = NULL, *details = NULL, *first;
		int line = obj_cases[i].line, rc;

		CHECK_AT(line, json_parse(obj_cases[i].json, strlen(obj_cases[i].json), &doc) == 0);
		rc = validate_object(doc, fields, NFIELDS, &form, &details);
		CHECK_AT(line, rc == obj_cases[i].want);
		CHECK_AT(line, cJSON_GetArraySize(details) == obj_cases[i].ndetails);
		if (obj_cases[i].bad != NULL) {
			first = cJSON_GetArrayItem(details, 0);
			CHECK_STR(line, cJSON_GetStringValue(cJSON_GetObjectItem(first, "field")),
			    obj_cases[i].bad);
		}
		if (rc == 0)
			CHECK_AT(line, form.display_name != NULL && form.display_name[0] != ' ');
		validate_free(fields, NFIELDS, &form);
		CHECK_AT(line, form.display_name == NULL && form.conversation_id == NULL);
		cJSON_Delete(details);
		cJSON_Delete(doc);
	}
}

/* v_message_body (at most 5 characters here) and v_iso_time: JSON text
 * of the value, and the stored string or NULL when refused. */
static const struct {
	int line;
	const char *(*fn)(const cJSON *, const struct vfield *, void *);
	const char *json;
	const char *want;
} value_cases[] = {
	{ __LINE__, v_message_body, "\"hi\"", "hi" },
	{ __LINE__, v_message_body, "\" a\\n\\t\"", " a\n\t" },
	{ __LINE__, v_message_body, "\"a\\u0001b\\u007fc\\u0085d\"", "abcd" },
	{ __LINE__, v_message_body, "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" },
	{ __LINE__, v_message_body, "\"<b>\\\"\"", "<b>\"" },
	{ __LINE__, v_message_body, "\"\"", NULL },
	{ __LINE__, v_message_body, "\" \\n\\t\"", NULL },
	{ __LINE__, v_message_body, "\"\\u0001\\u0002\"", NULL },
	{ __LINE__, v_message_body, "\"123456\"", NULL },
	{ __LINE__, v_message_body, "5", NULL },
	{ __LINE__, v_iso_time, "\"2026-01-02T03:04:05.678Z\"", "2026-01-02T03:04:05.678Z" },
	{ __LINE__, v_iso_time, "\"yesterday\"", NULL },
	{ __LINE__, v_iso_time, "12", NULL },
};

static void test_values(void)
{
	for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++) {
		const struct vfield f = { "v", value_cases[i].fn, 1, 1, 5, 0 };
		int line = value_cases[i].line;
		cJSON *doc = NULL;
		char *out = NULL;
		const char *why;

		CHECK_AT(line, json_parse(value_cases[i].json, strlen(value_cases[i].json), &doc) == 0);
		why = value_cases[i].fn(doc, &f, &out);
		if (value_cases[i].want == NULL)
			CHECK_AT(line, why != NULL);
		else
			CHECK_AT(line, why == NULL && out != NULL &&
			    strcmp(out, value_cases[i].want) == 0);
		free(out);
		cJSON_Delete(doc);
	}
}

int main(void)
{
	test_text();
	test_object();
	test_values();
	return check_done("test_validate");
}
