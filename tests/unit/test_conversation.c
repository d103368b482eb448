/*
 * test_conversation: conversations on the local-directory storage and a
 * real SQLite cache: create (custom, generated, taken, invalid ids), the
 * meta.json written, reads that miss the cache, close, a new join code,
 * code matching, and paged listing with a status filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "check.h"
#include <sqlite3.h>

#include "conversation.h"
#include "errors.h"
#include "ids.h"
#include "storage.h"
#include "tmpdir.h"

static const struct {
	int line;
	int want;
	const char *id;
} creates[] = {
	{ __LINE__, 0, "room-1" },
	{ __LINE__, ERR_CONFLICT, "room-1" },
	{ __LINE__, 0, "room-2" },
	{ __LINE__, 0, "room-3" },
	{ __LINE__, ERR_INVAL, "../etc" },
	{ __LINE__, ERR_INVAL, "-x" },
	{ __LINE__, ERR_INVAL, "" },
	{ __LINE__, ERR_INVAL, "a23456789012345678901234567890123456789012345678901234567890123456" },
};

static void test_create(struct app *app)
{
	struct conversation c, got;
	struct storage *st;
	struct buf meta;

	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++)
		CHECK_AT(creates[i].line, conversation_create(app, creates[i].id, &c) == creates[i].want);
	CHECK(conversation_create(app, NULL, &c) == 0);
	CHECK(strncmp(c.id, "conv-", 5) == 0 && ids_is_uuid4(c.id + 5, strlen(c.id + 5)));
	CHECK(strlen(c.join_code) == 8 && !c.closed); /* CHATS3_JOIN_CODE_LENGTH's default */
	buf_init(&meta, 4096);
	CHECK(app_storage(app, &st) == 0);
	CHECK(storage_get(st, "conversations/room-1/meta.json", &meta, NULL) == 0);
	CHECK(meta.data != NULL && strstr(meta.data, "\"status\":\"active\"") != NULL);
	CHECK(meta.data != NULL && strstr(meta.data, "\"closedAt\":null") != NULL);
	buf_free(&meta);
	CHECK(conversation_get(app, "nope", &got) == ERR_NOTFOUND);
	CHECK(conversation_get(app, "../x", &got) == ERR_NOTFOUND);
}

/* Empties the SQLite backend's conversation cache behind the app's back. */
static void drop_cache(void)
{
	char path[TMPDIR_MAX + 16];
	sqlite3 *db = NULL;

	snprintf(path, sizeof path, "%s/chats3.db", tmpdir_data);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DELETE FROM conversations", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

static void test_cache_miss(struct app *app)
{
	struct conversation a, b;

	CHECK(conversation_get(app, "room-1", &a) == 0);
	drop_cache();
	CHECK(conversation_get(app, "room-1", &b) == 0);
	CHECK_STR(__LINE__, b.join_code, a.join_code);
	CHECK(b.created_at == a.created_at && !b.closed);
	CHECK(conversation_get(app, "room-2", &b) == 0);
	CHECK(conversation_get(app, "room-3", &b) == 0);
}

static void test_close_and_code(struct app *app)
{
	struct conversation a, b;
	char lower[JOIN_CODE_MAX + 1];

	CHECK(conversation_get(app, "room-2", &a) == 0);
	CHECK(conversation_code_matches(&a, a.join_code));
	for (size_t i = 0; i <= strlen(a.join_code); i++)
		lower[i] = (a.join_code[i] >= 'A' && a.join_code[i] <= 'Z') ?
		    (char)(a.join_code[i] + 32) : a.join_code[i];
	CHECK(conversation_code_matches(&a, lower));
	CHECK(!conversation_code_matches(&a, ""));
	CHECK(!conversation_code_matches(&a, "ABCDEFG"));
	CHECK(conversation_new_code(app, "room-2", &b) == 0);
	/* The old code stops working (a repeat has odds of 1 in 31^8). */
	CHECK(!conversation_code_matches(&b, a.join_code));
	CHECK(conversation_get(app, "room-2", &a) == 0);
	CHECK_STR(__LINE__, a.join_code, b.join_code);
	CHECK(conversation_close(app, "room-2", &a) == 0 && a.closed && a.closed_at > 0);
	CHECK(conversation_close(app, "room-2", &b) == 0 && b.closed_at == a.closed_at);
	CHECK(conversation_get(app, "room-2", &b) == 0 && b.closed);
	CHECK(conversation_close(app, "nope", &b) == ERR_NOTFOUND);
}

/* A conversation created again after its meta.json was removed from
 * storage is the new one, not the copy the cache still held. */
static void test_created_again(struct app *app)
{
	struct conversation a, b, got;
	struct storage *st;

	CHECK(conversation_create(app, "room-4", &a) == 0);
	CHECK(app_storage(app, &st) == 0 &&
	    storage_delete(st, "conversations/room-4/meta.json") == 0);
	CHECK(conversation_create(app, "room-4", &b) == 0 && b.revision > a.revision);
	CHECK(conversation_get(app, "room-4", &got) == 0);
	CHECK_STR(__LINE__, got.join_code, b.join_code);
}

/* New codes take CHATS3_JOIN_CODE_LENGTH; a conversation keeps the code
 * it has, also one of 6 from before the setting. */
static void test_code_length(struct app *app)
{
	static const char old[] = "{\"conversationId\":\"room-old\",\"joinCode\":\"K7QX2M\","
	    "\"status\":\"active\",\"createdAt\":\"2026-01-02T03:04:05.000Z\",\"closedAt\":null}";
	struct conversation c;
	struct storage *st;

	app->cfg.join_code_length = JOIN_CODE_MAX;
	CHECK(conversation_create(app, "room-long", &c) == 0 && strlen(c.join_code) == JOIN_CODE_MAX);
	CHECK(app_storage(app, &st) == 0 && storage_put(st, "conversations/room-old/meta.json",
	    old, strlen(old), "application/json", STORAGE_CREATE_ONLY) == 0);
	CHECK(conversation_get(app, "room-old", &c) == 0);
	CHECK(conversation_code_matches(&c, "k7qx2m") && !conversation_code_matches(&c, "K7QX2M00"));
	CHECK(conversation_new_code(app, "room-old", &c) == 0 && strlen(c.join_code) == JOIN_CODE_MAX);
	app->cfg.join_code_length = 8;
}

static int64_t fixed_now;
static int64_t standing_still(void) { return fixed_now; }

/* A guest's lookup notes an id storage lacks, and then reads no storage
 * for it until the note's window ends; other lookups do not see the note. */
static void test_find(struct app *app)
{
	static const char ghost[] = "{\"conversationId\":\"ghost\",\"joinCode\":\"K7QX2M4P\","
	    "\"status\":\"active\",\"createdAt\":\"2026-01-02T03:04:05.000Z\",\"closedAt\":null}";
	struct conversation c;
	struct storage *st;

	fixed_now = clock_now_ms();
	fixed_now -= fixed_now % CONV_ABSENT_MS;
	clock_set_now_fn(standing_still);
	CHECK(conversation_find(app, "room-1", &c) == 0 && strcmp(c.id, "room-1") == 0);
	CHECK(conversation_find(app, "../x", &c) == ERR_NOTFOUND);
	CHECK(conversation_find(app, "ghost", &c) == ERR_NOTFOUND);
	/* Storage gets it behind the cache's back: the note still holds. */
	CHECK(app_storage(app, &st) == 0 && storage_put(st, "conversations/ghost/meta.json",
	    ghost, strlen(ghost), "application/json", STORAGE_CREATE_ONLY) == 0);
	fixed_now += CONV_ABSENT_MS - 1;
	CHECK(conversation_find(app, "ghost", &c) == ERR_NOTFOUND);
	fixed_now += 1;
	CHECK(conversation_find(app, "ghost", &c) == 0 && strcmp(c.join_code, "K7QX2M4P") == 0);
	CHECK(conversation_find(app, "ghost-2", &c) == ERR_NOTFOUND);
	CHECK(conversation_create(app, "ghost-2", &c) == 0);
	CHECK(conversation_find(app, "ghost-2", &c) == 0);
	clock_set_now_fn(NULL);
}

/* Lists all pages of status with pages of 1; the ids joined by ','. */
static void list_all(struct app *app, const char *status, char *out, size_t cap)
{
	char cursor[CONV_ID_MAX + 1] = "", next[CONV_ID_MAX + 1];
	cJSON *arr, *c;

	out[0] = '\0';
	do {
		arr = cJSON_CreateArray();
		CHECK(conversation_list(app, status, cursor[0] ? cursor : NULL, 1, arr, next) == 0);
		cJSON_ArrayForEach(c, arr) {
			strncat(out, cJSON_GetStringValue(cJSON_GetObjectItem(c, "conversationId")),
			    cap - strlen(out) - 2);
			strcat(out, ",");
		}
		cJSON_Delete(arr);
		memcpy(cursor, next, sizeof cursor);
	} while (cursor[0]);
}

static void test_list(struct app *app)
{
	char ids[1024];

	list_all(app, "closed", ids, sizeof ids);
	CHECK_STR(__LINE__, ids, "room-2,");
	list_all(app, "active", ids, sizeof ids);
	CHECK(strstr(ids, "room-1,room-3,") != NULL && strstr(ids, "room-2") == NULL);
}

int main(void)
{
	char err[CONFIG_ERR_LEN];
	struct app app = { .state = NULL };

	if (tmpdir_make(tmpdir_data, "test_conversation") < 0)
		return 1;
	CHECK(config_load_from(&app.cfg, tmpdir_env, err) == 0);
	test_create(&app);
	test_cache_miss(&app);
	test_close_and_code(&app);
	test_created_again(&app);
	test_code_length(&app);
	test_find(&app);
	test_list(&app);
	app_free(&app);
	CHECK(tmpdir_remove(tmpdir_data) == 0);
	return check_done("test_conversation");
}
