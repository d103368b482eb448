/*
 * test_session_page: a conversation's sessions a page at a time on a real
 * state: a page holds at most SESSION_PAGE_MAX (also when no limit is
 * asked), the cursors walk every session once in the list's order, also
 * through sessions of one millisecond, and a cursor that is not one is
 * refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int64_t fake_clock(void) { return ticks ? fake_now++ : fake_now; }

static int join(const char *conv, int i)
{
	char token[SESSION_TOKEN_LEN + 1];
	struct session in = { .role = "user" }, out;

	snprintf(in.conversation_id, sizeof in.conversation_id, "%s", conv);
	snprintf(in.display_name, sizeof in.display_name, "user %d", i);
	return session_store_create(st, &in, token, &out);
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

static void test_a_page_is_capped(void)
{
	static char names[SESSION_PAGE_MAX * 16];
	char next[SESSION_PAGE_CURSOR_MAX], last[SESSION_PAGE_CURSOR_MAX];

	for (int i = 0; i <= SESSION_PAGE_MAX; i++)
		CHECK(join("big", i) == 0);
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
		CHECK(join("tie", i) == 0);
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
		"-1.3f2504e0-4f89-41d3-9a0c-0305e82c3301", "1.3f2504e0-4f89-41d3-9a0c-0305e82c330",
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

	if (tmpdir_make(dir, "test_session_page") < 0)
		return 1;
	fake_now = clock_now_ms();
	clock_set_now_fn(fake_clock);
	CHECK(setenv("CHATS3_SESSIONS_PER_CONVERSATION", "1000", 1) == 0);
	CHECK(test_state_open(&st, dir) == 0);
	if (st != NULL) {
		test_a_page_is_capped();
		test_one_millisecond();
		test_bad_cursors();
	}
	state_close(st);
	clock_set_now_fn(NULL);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_session_page");
}
