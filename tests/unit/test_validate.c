/*
 * test_validate: the text rules on bytes (UTF-8, control characters,
 * trimming, length in characters) and the field table over JSON bodies
 * and over query strings (the same validators on bytes), with the
 * details[] it produces.
 */
#include <stddef.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "errors.h"
#include "json.h"
#include "kv.h"
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
	{ "conversationId", v_conversation_id, 1, 0, 0, offsetof(struct join_form, conversation_id), 0 },
	{ "displayName", v_display_name, 1, 0, 0, offsetof(struct join_form, display_name), 0 },
	{ "avatarUrl", v_avatar_url, 0, 0, 0, offsetof(struct join_form, avatar_url), 0 },
	{ "limit", v_integer, 0, 1, 200, offsetof(struct join_form, limit), 0 },
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
	validate_fn fn;
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
		const struct vfield f = { "v", value_cases[i].fn, 1, 1, 5, 0, 0 };
		int line = value_cases[i].line;
		cJSON *doc = NULL;
		char *out = NULL;
		const char *why;

		CHECK_AT(line, json_parse(value_cases[i].json, strlen(value_cases[i].json), &doc) == 0);
		why = validate_json(doc, &f, &out);
		if (value_cases[i].want == NULL)
			CHECK_AT(line, why != NULL);
		else
			CHECK_AT(line, why == NULL && out != NULL &&
			    strcmp(out, value_cases[i].want) == 0);
		free(out);
		cJSON_Delete(doc);
	}
}

struct list_form {
	char *status;
	char *before;
	char *since;
	long limit;
};

static const char *const statuses[] = { "active", "closed", NULL };

static int starts_with_c(const char *s) { return s[0] == 'c'; }

static const struct vpredicate a_c = { starts_with_c, "must start with c" };

static const struct vfield query_fields[] = {
	{ "status", v_one_of, 0, 1, 16, offsetof(struct list_form, status), statuses },
	{ "before", v_matching, 0, 1, 10, offsetof(struct list_form, before), &a_c },
	{ "since", v_text, 0, 1, 10, offsetof(struct list_form, since), 0 },
	{ "limit", v_integer, 0, 1, 200, offsetof(struct list_form, limit), 0 },
};
#define NQUERY (sizeof query_fields / sizeof query_fields[0])

static const char *one_way(const void *values, const char **field)
{
	const struct list_form *f = values;

	*field = "since";
	return f->before && f->since ? "cannot be used with before" : NULL;
}

static const struct vform query_form = {
	query_fields, NQUERY, sizeof(struct list_form), "Invalid query parameter", one_way
};

/* A query string, the first field with a detail (or NULL), the limit. */
static const struct {
	int line;
	const char *query;
	const char *bad;
	long limit;
} query_cases[] = {
	{ __LINE__, "", NULL, 0 },
	{ __LINE__, "limit=5&status=closed&before=c1", NULL, 5 },
	{ __LINE__, "limit=200&since=x", NULL, 200 },
	{ __LINE__, "limit=0", "limit", 0 },
	{ __LINE__, "limit=201", "limit", 0 },
	{ __LINE__, "limit=x", "limit", 0 },
	{ __LINE__, "limit=1.5", "limit", 0 },
	{ __LINE__, "limit=-1", "limit", 0 },
	{ __LINE__, "limit=", "limit", 0 },
	{ __LINE__, "limit=99999999999999999999999", "limit", 0 },
	{ __LINE__, "status=open", "status", 0 },
	{ __LINE__, "status=", "status", 0 },
	{ __LINE__, "before=d1", "before", 0 },
	{ __LINE__, "before=c12345678901", "before", 0 },
	{ __LINE__, "since=a%01b", "since", 0 },
	{ __LINE__, "since=%ff", "since", 0 },
	{ __LINE__, "before=c1&since=x", "since", 0 },
	{ __LINE__, "unknown=1&limit=7", NULL, 7 },
};

static void test_query(void)
{
	for (size_t i = 0; i < sizeof query_cases / sizeof query_cases[0]; i++) {
		struct list_form form = { 0 };
		struct kvlist kv = { .n = 0 };
		cJSON *details = NULL;
		const char *q = query_cases[i].query;
		int line = query_cases[i].line, rc;

		CHECK_AT(line, kv_parse_urlencoded(&kv, q, strlen(q)) == 0);
		rc = validate_kv(&kv, query_fields, NQUERY, &form, &details);
		if (rc == 0)
			rc = validate_rule(&query_form, &form, &details);
		CHECK_AT(line, rc == (query_cases[i].bad ? ERR_INVAL : 0));
		if (query_cases[i].bad != NULL)
			CHECK_STR(line, cJSON_GetStringValue(cJSON_GetObjectItem(
			    cJSON_GetArrayItem(details, 0), "field")), query_cases[i].bad);
		else
			CHECK_AT(line, details == NULL && form.limit == query_cases[i].limit);
		validate_free(query_fields, NQUERY, &form);
		cJSON_Delete(details);
		kv_free(&kv);
	}
}

int main(void)
{
	test_text();
	test_object();
	test_values();
	test_query();
	return check_done("test_validate");
}
