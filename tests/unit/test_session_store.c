/*
 * test_session_store: sessions on a real state (CHATS3_STATE's backend,
 * sqlite by default): tokens, lookups, case-folded unique names per
 * conversation, expiry (which frees a name), the once-a-minute activity
 * write, delete by token or user id, list and count. The test drives the
 * clock: it ticks a millisecond per reading and jumps ahead on demand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "errors.h"
#include "session_store.h"
#include "state_open.h"
#include "tmpdir.h"

static struct state *st;
static int64_t fake_now;

static int64_t ticking(void) { return fake_now++; }

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

int main(void)
{
	char dir[TMPDIR_MAX];

	if (tmpdir_make(dir, "test_session_store") < 0)
		return 1;
	fake_now = clock_now_ms();
	clock_set_now_fn(ticking);
	CHECK(test_state_open(&st, dir) == 0 && state_session_ttl_ms(st) == 86400000);
	if (st != NULL) {
		test_create();
		test_expiry_and_touch();
		test_delete();
	}
	state_close(st);
	clock_set_now_fn(NULL);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_session_store");
}
