/*
 * test_storage_keys: the seed's key layout (days at UTC midnight, 13-digit
 * milliseconds, lowercase UUIDs), the ids it accepts, and the key rules
 * every backend enforces.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "errors.h"
#include "storage_keys.h"

#define UUID "f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define ID64 "a123456789012345678901234567890123456789012345678901234567890123"

static const struct {
	int line;
	int valid;
	const char *desc;
	const char *id;
} conversation_cases[] = {
	{ __LINE__, 1, "one letter", "a" },
	{ __LINE__, 1, "one digit", "7" },
	{ __LINE__, 1, "generated", "conv-" UUID },
	{ __LINE__, 1, "dash and underscore", "Room_1-b" },
	{ __LINE__, 1, "64 characters", ID64 },
	{ __LINE__, 0, "65 characters", ID64 "4" },
	{ __LINE__, 0, "empty", "" },
	{ __LINE__, 0, "leading dash", "-room" },
	{ __LINE__, 0, "leading underscore", "_room" },
	{ __LINE__, 0, "dot", "room.1" },
	{ __LINE__, 0, "dot dot", ".." },
	{ __LINE__, 0, "slash", "room/1" },
	{ __LINE__, 0, "space", "room 1" },
	{ __LINE__, 0, "newline", "room\n" },
	{ __LINE__, 0, "non-ASCII", "r\xc3\xa9union" },
};

static void test_conversation_ids(void)
{
	for (size_t i = 0; i < sizeof conversation_cases / sizeof conversation_cases[0]; i++)
		CHECK_AT(conversation_cases[i].line,
		    keys_valid_conversation_id(conversation_cases[i].id) ==
		    conversation_cases[i].valid);
}

static char long_key[STORAGE_MAX_KEY + 2];

static const struct {
	int line;
	int valid;
	const char *desc;
	const char *key;
} key_cases[] = {
	{ __LINE__, 1, "one segment", "a" },
	{ __LINE__, 1, "the layout", "conversations/r1/messages/2024-01-01/0000000000001-" UUID ".ndjson" },
	{ __LINE__, 1, "dot first", ".hidden/a" },
	{ __LINE__, 1, "three dots", "a/..." },
	{ __LINE__, 1, "odd characters", "a b+c%d~e=f&g" },
	{ __LINE__, 1, "unicode and emoji", "\xc3\xbc/\xf0\x9f\x98\x80" },
	{ __LINE__, 0, "empty", "" },
	{ __LINE__, 0, "leading slash", "/a" },
	{ __LINE__, 0, "trailing slash", "a/" },
	{ __LINE__, 0, "empty segment", "a//b" },
	{ __LINE__, 0, "dot", "." },
	{ __LINE__, 0, "dot dot", ".." },
	{ __LINE__, 0, "dot segment", "a/./b" },
	{ __LINE__, 0, "dot dot segment", "a/../b" },
	{ __LINE__, 0, "dot dot last", "a/.." },
	{ __LINE__, 0, "C0 control", "a\x01" "b" },
	{ __LINE__, 0, "tab", "a\tb" },
	{ __LINE__, 0, "newline", "a\n" },
	{ __LINE__, 0, "DEL", "a\x7f" },
	{ __LINE__, 0, "C1 control U+0085", "a\xc2\x85" },
	{ __LINE__, 0, "invalid UTF-8", "a\xff" },
	{ __LINE__, 0, "overlong slash", "a\xc0\xaf.." },
	{ __LINE__, 0, "truncated sequence", "a\xe2\x82" },
};

static void test_keys_valid(void)
{
	for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++)
		CHECK_AT(key_cases[i].line, keys_valid(key_cases[i].key) == key_cases[i].valid);
	memset(long_key, 'k', STORAGE_MAX_KEY);
	long_key[STORAGE_MAX_KEY] = '\0';
	CHECK(keys_valid(long_key));
	long_key[STORAGE_MAX_KEY] = 'k';
	long_key[STORAGE_MAX_KEY + 1] = '\0';
	CHECK(!keys_valid(long_key));
}

static void test_fixed_keys(void)
{
	char out[STORAGE_MAX_KEY + 1];

	CHECK(keys_meta(out, "r1") == 0);
	CHECK_STR(__LINE__, out, "conversations/r1/meta.json");
	CHECK(keys_messages_prefix(out, "conv-" UUID) == 0);
	CHECK_STR(__LINE__, out, "conversations/conv-" UUID "/messages/");
	CHECK(keys_attachment_original(out, "r1", UUID) == 0);
	CHECK_STR(__LINE__, out, "conversations/r1/attachments/" UUID "/original");
	CHECK(keys_attachment_meta(out, "r1", UUID) == 0);
	CHECK_STR(__LINE__, out, "conversations/r1/attachments/" UUID "/meta.json");
	CHECK(keys_attachment_meta(out, "r1", "F47AC10B-58CC-4372-A567-0E02B2C3D479") == 0);
	CHECK_STR(__LINE__, out, "conversations/r1/attachments/" UUID "/meta.json");
	CHECK(keys_meta(out, ID64) == 0 && keys_valid(out));
	CHECK(keys_meta(out, ID64 "4") == ERR_INVAL);
	CHECK(keys_meta(out, "../x") == ERR_INVAL);
	CHECK(keys_messages_prefix(out, "") == ERR_INVAL);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	int64_t ms;
	const char *want;
} day_cases[] = {
	{ __LINE__, 0, "the epoch", 0, "conversations/r1/messages/1970-01-01/" },
	{ __LINE__, 0, "last ms of day one", INT64_C(86399999), "conversations/r1/messages/1970-01-01/" },
	{ __LINE__, 0, "midnight of day two", INT64_C(86400000), "conversations/r1/messages/1970-01-02/" },
	{ __LINE__, 0, "before a leap-year March", INT64_C(1709251199999), "conversations/r1/messages/2024-02-29/" },
	{ __LINE__, 0, "March 1st, 00:00 UTC", INT64_C(1709251200000), "conversations/r1/messages/2024-03-01/" },
	{ __LINE__, 0, "New Year 2025, 00:00 UTC", INT64_C(1735689600000), "conversations/r1/messages/2025-01-01/" },
	{ __LINE__, 0, "the largest 13 digits", INT64_C(9999999999999), "conversations/r1/messages/2286-11-20/" },
	{ __LINE__, ERR_INVAL, "14 digits", INT64_C(10000000000000), NULL },
	{ __LINE__, ERR_INVAL, "negative", -1, NULL },
	{ __LINE__, ERR_INVAL, "INT64_MIN", INT64_MIN, NULL },
	{ __LINE__, ERR_INVAL, "INT64_MAX", INT64_MAX, NULL },
};

static void test_day_prefix(void)
{
	char out[STORAGE_MAX_KEY + 1];

	for (size_t i = 0; i < sizeof day_cases / sizeof day_cases[0]; i++) {
		int line = day_cases[i].line;

		CHECK_AT(line, keys_messages_day_prefix(out, "r1", day_cases[i].ms) ==
		    day_cases[i].rc);
		if (day_cases[i].want != NULL)
			CHECK_STR(line, out, day_cases[i].want);
	}
	CHECK(keys_messages_day_prefix(out, "r 1", 0) == ERR_INVAL);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	int64_t ms;
	const char *uuid;
	const char *want;
} batch_cases[] = {
	{ __LINE__, 0, "zero", 0, UUID,
	    "conversations/r1/messages/1970-01-01/0000000000000-" UUID ".ndjson" },
	{ __LINE__, 0, "padded small ms", 5, UUID,
	    "conversations/r1/messages/1970-01-01/0000000000005-" UUID ".ndjson" },
	{ __LINE__, 0, "ten digits padded", INT64_C(1234567890), UUID,
	    "conversations/r1/messages/1970-01-15/0001234567890-" UUID ".ndjson" },
	{ __LINE__, 0, "midnight", INT64_C(1735689600000), UUID,
	    "conversations/r1/messages/2025-01-01/1735689600000-" UUID ".ndjson" },
	{ __LINE__, 0, "a millisecond before", INT64_C(1735689599999), UUID,
	    "conversations/r1/messages/2024-12-31/1735689599999-" UUID ".ndjson" },
	{ __LINE__, 0, "uppercase uuid, lowercase key", 1, "F47AC10B-58CC-4372-A567-0E02B2C3D479",
	    "conversations/r1/messages/1970-01-01/0000000000001-" UUID ".ndjson" },
	{ __LINE__, ERR_INVAL, "uuid version 1", 1, "f47ac10b-58cc-1372-a567-0e02b2c3d479", NULL },
	{ __LINE__, ERR_INVAL, "uuid one short", 1, "f47ac10b-58cc-4372-a567-0e02b2c3d47", NULL },
	{ __LINE__, ERR_INVAL, "uuid one long", 1, UUID "0", NULL },
	{ __LINE__, ERR_INVAL, "uuid with a slash", 1, "f47ac10b-58cc-4372-a567-0e02b2c3d/79", NULL },
	{ __LINE__, ERR_INVAL, "empty uuid", 1, "", NULL },
	{ __LINE__, ERR_INVAL, "negative ms", -5, UUID, NULL },
	{ __LINE__, ERR_INVAL, "14-digit ms", INT64_C(10000000000000), UUID, NULL },
};

static void test_message_batch(void)
{
	char out[STORAGE_MAX_KEY + 1];

	for (size_t i = 0; i < sizeof batch_cases / sizeof batch_cases[0]; i++) {
		int line = batch_cases[i].line;

		CHECK_AT(line, keys_message_batch(out, "r1", batch_cases[i].ms,
		    batch_cases[i].uuid) == batch_cases[i].rc);
		if (batch_cases[i].want != NULL)
			CHECK_STR(line, out, batch_cases[i].want);
	}
	CHECK(keys_message_batch(out, "-r1", 1, UUID) == ERR_INVAL);
	CHECK(keys_attachment_original(out, "r1", "../../meta.json") == ERR_INVAL);
	CHECK(keys_attachment_original(out, "r1", "f47ac10b-58cc-4372-c567-0e02b2c3d479") == ERR_INVAL);
}

#define DAY0 "conversations/r1/messages/1970-01-01/"

static void test_compacted(void)
{
	char out[STORAGE_MAX_KEY + 1], small[STORAGE_MAX_KEY + 1];
	int64_t first = 0, last = 0;

	CHECK(keys_message_compacted(out, "r1", INT64_C(1767225600000),
	    INT64_C(1767225600999)) == 0);
	CHECK_STR(__LINE__, out, "conversations/r1/messages/2026-01-01/1767225600000"
	    "-00000000-0000-4000-8000-fe6489255418.ndjson");
	CHECK(keys_valid(out));
	CHECK(keys_compacted_range(out, &first, &last) == 1);
	CHECK(first == INT64_C(1767225600000) && last == INT64_C(1767225600999));
	CHECK(keys_batch_ms(out, &first) == 0 && first == INT64_C(1767225600000));
	CHECK(keys_message_batch(small, "r1", INT64_C(1767225600000), UUID) == 0);
	CHECK(strcmp(out, small) < 0); /* before every key it replaces */
	CHECK(keys_compacted_range(small, NULL, NULL) == 0);
	CHECK(keys_batch_ms(small, &first) == 0 && first == INT64_C(1767225600000));
	CHECK(keys_batch_ms("conversations/r1/meta.json", &first) == ERR_INVAL);
	CHECK(keys_message_compacted(out, "r1", 10, 9) == ERR_INVAL);
	CHECK(keys_message_compacted(out, "r 1", 10, 19) == ERR_INVAL);
}

static const struct {
	int line;
	int covered;
	const char *desc;
	int64_t first, last; /* last < 0: a plain key at first */
} cover_cases[] = {
	{ __LINE__, 0, "a plain key before any compacted one", 50, -1 },
	{ __LINE__, 0, "a compacted batch", 100, 300 },
	{ __LINE__, 1, "a shorter one of the same start", 100, 200 },
	{ __LINE__, 1, "a plain key at its start", 100, -1 },
	{ __LINE__, 1, "a plain key inside", 150, -1 },
	{ __LINE__, 1, "a plain key at its end", 300, -1 },
	{ __LINE__, 0, "a plain key after it", 301, -1 },
	{ __LINE__, 0, "the next compacted batch", 400, 500 },
	{ __LINE__, 1, "inside that one", 450, -1 },
};

static void test_covered(void)
{
	struct keys_cover c = { 0, 0, 0 };
	char key[STORAGE_MAX_KEY + 1];

	for (size_t i = 0; i < sizeof cover_cases / sizeof cover_cases[0]; i++) {
		int line = cover_cases[i].line;

		CHECK_AT(line, (cover_cases[i].last < 0 ?
		    keys_message_batch(key, "r1", cover_cases[i].first, UUID) :
		    keys_message_compacted(key, "r1", cover_cases[i].first, cover_cases[i].last)) == 0);
		CHECK_AT(line, strncmp(key, DAY0, sizeof DAY0 - 1) == 0);
		CHECK_AT(line, keys_covered(&c, key) == cover_cases[i].covered);
	}
}

int main(void)
{
	test_conversation_ids();
	test_keys_valid();
	test_fixed_keys();
	test_day_prefix();
	test_message_batch();
	test_compacted();
	test_covered();
	return check_done("test_storage_keys");
}
