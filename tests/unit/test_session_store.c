/*
 * test_session_store: sessions on a real state (CHATS3_STATE's backend,
 * sqlite by default): tokens, lookups, case-folded unique names per
 * conversation, expiry (which frees a name), the once-a-minute activity
 * write, delete by token or user id, list and count, and the list a page
 * at a time (session_page.h: at most SESSION_PAGE_MAX a page, also when no
 * limit is asked; the cursors walk every session once in the list's
 * order, also through sessions of one millisecond; a cursor that is not
 * one is refused). The test drives the clock: it ticks a millisecond per
 * reading, stands still or jumps ahead on demand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "clock.h"
#include "errors.h"
#include "session_page.h"
#include "session_store.h"
#include "state_open.h"
#include "tmpdir.h"

static struct state *st;
static int64_t fake_now;

static int ticks = 1; /* 0: the clock stands still */

static int64_t ticking(void) { return ticks ? fake_now++ : fake_now; }

static int join(const char *conv, const char *name, char token[SESSION_TOKEN_LEN + 1],
    struct session *out)
{
	struct session in = { .role = "user" };

	snprintf(in.conversation_id, sizeof in.conversation_id, "%s", conv);
	snprintf(in.display_name, sizeof in.display_name, "%s", name);
	return session_store_create(st, &in, token, out);
}

static const struct {
	int line;
	int want;
	const char *conv, *name;
} joins[] = {
	{ __LINE__, 0, "c1", "Alice" },
	{ __LINE__, ERR_CONFLICT, "c1", "alice" },
	{ __LINE__, ERR_CONFLICT, "c1", "ALICE" },
	{ __LINE__, 0, "c2", "alice" },
	{ __LINE__, 0, "c1", "\xc3\x89lodie" },                 /* Élodie */
	{ __LINE__, ERR_CONFLICT, "c1", "\xc3\xa9LODIE" },      /* éLODIE */
	{ __LINE__, 0, "c1", "Bob" },
};

static void test_create(void)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct session s, got;
	long n = -1;

	for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++)
		CHECK_AT(joins[i].line, join(joins[i].conv, joins[i].name, token, &s) == joins[i].want);
	CHECK(session_store_count(st, "c1", &n) == 0 && n == 3);
	CHECK(join("c1", "Carol", token, &s) == 0);
	CHECK(strlen(token) == SESSION_TOKEN_LEN);
	CHECK(session_store_lookup(st, token, strlen(token), &got) == 0);
	CHECK_STR(__LINE__, got.display_name, "Carol");
	CHECK_STR(__LINE__, got.user_id, s.user_id);
	CHECK(got.expires_at == s.created_at + 86400000);
	token[0] = token[0] == 'a' ? 'b' : 'a';
	CHECK(session_store_lookup(st, token, strlen(token), &got) == ERR_NOTFOUND);
	CHECK(session_store_lookup(st, "garbage", 7, &got) == ERR_NOTFOUND);
	CHECK(session_store_lookup(st, "", 0, &got) == ERR_NOTFOUND);
}

static int collect(void *ctx, const struct session *s)
{
	char *names = ctx;

	strcat(names, s->display_name);
	strcat(names, ",");
	return 0;
}

static void test_expiry_and_touch(void)
{
	char token[SESSION_TOKEN_LEN + 1], names[256] = "";
	struct session s, got;
	long n = -1;

	CHECK(join("c3", "Dave", token, &s) == 0);
	fake_now += 120000; /* two minutes on: the lookup writes the activity */
	CHECK(session_store_lookup(st, token, strlen(token), &got) == 0);
	CHECK(got.last_active_at >= s.last_active_at);
	fake_now += 86400000; /* a day without activity: expired */
	CHECK(session_store_lookup(st, token, strlen(token), &got) == ERR_NOTFOUND);
	CHECK(session_store_count(st, "c3", &n) == 0 && n == 0);
	/* An expired session does not keep its name. */
	CHECK(join("c3", "dave", token, &s) == 0);
	CHECK(join("c3", "Erin", token, &s) == 0);
	CHECK(session_store_list(st, "c3", collect, names) == 0);
	CHECK_STR(__LINE__, names, "dave,Erin,");
}

static void test_delete(void)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct session s, got;

	CHECK(join("c4", "Frank", token, &s) == 0);
	CHECK(session_store_delete(st, token, strlen(token), NULL) == 0);
	CHECK(session_store_lookup(st, token, strlen(token), &got) == ERR_NOTFOUND);
	CHECK(session_store_delete(st, token, strlen(token), NULL) == ERR_NOTFOUND);
	CHECK(join("c4", "Frank", token, &s) == 0);
	CHECK(session_store_delete(st, s.user_id, strlen(s.user_id), NULL) == 0);
	CHECK(session_store_lookup(st, token, strlen(token), &got) == ERR_NOTFOUND);
	CHECK(session_store_delete(st, "x", 1, NULL) == ERR_NOTFOUND);
}

/* One page after cursor (NULL: the first) of at most limit (0: the
 * default) into names (appended, "|"-separated); the page's size. */
static int page(const char *conv, const char *cursor, long limit, char *names, size_t cap,
    char next[SESSION_PAGE_CURSOR_MAX])
{
	struct session_page_query q = { (char *)cursor, limit };
	cJSON *arr = cJSON_CreateArray(), *s;
	int n = -1;

	if (arr != NULL && session_page_json(st, conv, &q, arr, next) == 0) {
		n = cJSON_GetArraySize(arr);
		cJSON_ArrayForEach(s, arr) {
			size_t len = strlen(names);

			snprintf(names + len, cap - len, "%s|",
			    cJSON_GetObjectItem(s, "displayName")->valuestring);
		}
	}
	cJSON_Delete(arr);
	return n;
}

/* A session of conv called "user <i>". */
static int join_nth(const char *conv, int i)
{
	char token[SESSION_TOKEN_LEN + 1], name[32];
	struct session s;

	snprintf(name, sizeof name, "user %d", i);
	return join(conv, name, token, &s);
}

static void test_a_page_is_capped(void)
{
	static char names[SESSION_PAGE_MAX * 16];
	char next[SESSION_PAGE_CURSOR_MAX], last[SESSION_PAGE_CURSOR_MAX];

	for (int i = 0; i <= SESSION_PAGE_MAX; i++)
		CHECK(join_nth("big", i) == 0);
	CHECK(page("big", NULL, 0, names, sizeof names, next) == SESSION_PAGE_MAX);
	CHECK(next[0] != '\0' && session_page_cursor_valid(next));
	memcpy(last, next, sizeof last);
	names[0] = '\0';
	CHECK(page("big", last, 0, names, sizeof names, next) == 1 && next[0] == '\0');
	CHECK_STR(__LINE__, names, "user 500|");
}

static void test_one_millisecond(void)
{
	char names[256] = "", whole[256] = "", next[SESSION_PAGE_CURSOR_MAX] = "",
	    at[SESSION_PAGE_CURSOR_MAX];
	int pages = 0;

	ticks = 0;
	for (int i = 0; i < 5; i++)
		CHECK(join_nth("tie", i) == 0);
	ticks = 1;
	CHECK(page("tie", NULL, 0, whole, sizeof whole, next) == 5 && next[0] == '\0');
	do {
		memcpy(at, next, sizeof at);
		CHECK(page("tie", pages ? at : NULL, 2, names, sizeof names, next) >= 1);
	} while (next[0] != '\0' && ++pages < 5);
	CHECK(pages == 2);
	CHECK_STR(__LINE__, names, whole);
}

static void test_bad_cursors(void)
{
	static const char *const bad[] = {
		"", "x", "1", "1.", ".3f2504e0-4f89-41d3-9a0c-0305e82c3301",
		"-1.3f2504e0-4f89-41d3-9a0c-0305e82c3301", "-0.3f2504e0-4f89-41d3-9a0c-0305e82c3301",
		"1.3f2504e0-4f89-41d3-9a0c-0305e82c330",
		"1.3f2504e0-4f89-41d3-9a0c-0305e82c3301x",
	};
	char names[16] = "", next[SESSION_PAGE_CURSOR_MAX];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_AT(__LINE__, !session_page_cursor_valid(bad[i]));
		CHECK_AT(__LINE__, page("tie", bad[i], 0, names, sizeof names, next) == -1);
	}
	CHECK(session_page_cursor_valid("1764612345678.3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
}

int main(void)
{
	char dir[TMPDIR_MAX];

	if (tmpdir_make(dir, "test_session_store") < 0)
		return 1;
	fake_now = clock_now_ms();
	clock_set_now_fn(ticking);
	CHECK(setenv("CHATS3_SESSIONS_PER_CONVERSATION", "1000", 1) == 0); /* a page's worth */
	CHECK(test_state_open(&st, dir) == 0 && state_session_ttl_ms(st) == 86400000);
	if (st != NULL) {
		test_create();
		test_expiry_and_touch();
		test_delete();
		test_a_page_is_capped();
		test_one_millisecond();
		test_bad_cursors();
	}
	state_close(st);
	clock_set_now_fn(NULL);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_session_store");
}
