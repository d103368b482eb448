/*
 * test_relay_order: sse-relay/order.c, the relay's history order for
 * new-message events, driven by scripts of frames as a conversation's
 * racing sends would produce them, with the order the events come out.
 *
 * A script is words: rN reserves seq N (at the current time), eN is the
 * new-message event of seq N, xN releases N, tN sets the time to N ms and
 * runs the deadline, f flushes (the conversation closes). All go to one
 * conversation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "order.h"
#include "stderr.h"

static const struct {
	int line;
	long hold_ms;
	const char *script;
	const char *want;  /* the seqs published, in order */
	size_t held;       /* events still held at the end */
	int gave_up;       /* a seq was given up (and logged) */
	const char *desc;
} cases[] = {
	{ __LINE__, 10000, "e1 e2", "1,2", 0, 0, "nothing reserved: out at once" },
	{ __LINE__, 10000, "r1 r2 e1 e2", "1,2", 0, 0, "in clock order: out at once" },
	{ __LINE__, 10000, "r1 r2 e2 e1", "1,2", 0, 0, "the later stored first waits for the earlier" },
	{ __LINE__, 10000, "r1 r2 e2", "", 1, 0, "held while the earlier is being stored" },
	{ __LINE__, 10000, "r1 r2 e2 x1", "2", 0, 0, "the earlier's send failed: the later goes out" },
	{ __LINE__, 10000, "r1 r2 r3 e3 e2 e1", "1,2,3", 0, 0, "three in reverse" },
	{ __LINE__, 10000, "r1 r2 r3 e3 e1", "1", 1, 0, "the third still waits for the second" },
	{ __LINE__, 10000, "r1 e2 e1", "1,2", 0, 0, "an event without its reserve takes its place" },
	{ __LINE__, 10000, "r5 e3", "3", 0, 0, "an event before every pending seq goes out" },
	{ __LINE__, 10000, "r1 r2 e2 t9999", "", 1, 0, "before the deadline it waits" },
	{ __LINE__, 10000, "r1 r2 e2 t10000", "2", 0, 1, "at the deadline the missing one is given up" },
	{ __LINE__, 10000, "r1 r2 r3 e3 t10000", "3", 0, 1, "every expired seq is given up at once" },
	{ __LINE__, 10000, "r1 t5000 r2 e2 t10000 e1", "2,1", 0, 1,
	  "a late event after the deadline still goes out" },
	{ __LINE__, 10000, "r1 t5000 r2 r3 e3 t10000", "", 1, 1,
	  "only the expired head is given up" },
	{ __LINE__, 10000, "r1 r2 e2 f e1", "2,1", 0, 0, "a flush sends what is held, waiting no more" },
	{ __LINE__, 10000, "r1 e1 e1", "1,1", 0, 0, "a repeated event is not swallowed" },
	{ __LINE__, 10000, "r1 x7 e1", "1", 0, 0, "releasing an unknown seq changes nothing" },
	{ __LINE__, 10000, "r1 r1 e1", "1", 0, 0, "a repeated reserve is one" },
	{ __LINE__, 0, "r1 r2 e2 e1", "2,1", 0, 0, "hold 0: arrival order" },
};

struct run {
	char out[256];
};

static void record(void *ctx, const char *conversation_id, const char *to_user_id, cJSON *ev)
{
	struct run *r = ctx;
	size_t len = strlen(r->out);

	(void)to_user_id;
	snprintf(r->out + len, sizeof r->out - len, "%s%s%d", len ? "," : "",
	    strcmp(conversation_id, "c") == 0 ? "" : conversation_id,
	    cJSON_GetObjectItem(ev, "n")->valueint);
}

static cJSON *event(long n)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "type", "new-message");
	cJSON_AddNumberToObject(ev, "n", (double)n);
	return ev;
}

static void play(struct order *o, const char *script)
{
	char copy[256], *save = NULL;
	int64_t now = 0;

	snprintf(copy, sizeof copy, "%s", script);
	for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		long n = strtol(w + 1, NULL, 10);
		switch (w[0]) {
		case 'r': order_reserve(o, "c", n, now); break;
		case 'e': order_event(o, "c", NULL, n, event(n)); break;
		case 'x': order_release(o, "c", n); break;
		case 't': now = n; order_expire(o, now); break;
		case 'f': order_flush(o, "c"); break;
		}
	}
}

struct case_run {
	size_t i;
	struct run r;
	size_t held;
};

static void run_case(void *ctx)
{
	struct case_run *c = ctx;
	struct order *o;

	if (order_new(&o, cases[c->i].hold_ms, record, &c->r) < 0)
		return;
	play(o, cases[c->i].script);
	c->held = order_held(o);
	order_free(o);
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct case_run c = { .i = i };
		char *log = stderr_capture(run_case, &c);

		CHECK_STR(cases[i].line, c.r.out, cases[i].want);
		CHECK_AT(cases[i].line, c.held == cases[i].held);
		CHECK_AT(cases[i].line,
		    (strstr(log, "did not come within 10000 ms") != NULL) == cases[i].gave_up);
		free(log);
	}
}

/* Conversations wait only for their own sends. */
static void test_conversations_apart(void)
{
	struct run r = { "" };
	struct order *o;

	CHECK(order_new(&o, 10000, record, &r) == 0);
	order_reserve(o, "a", 1, 0);
	order_reserve(o, "b", 1, 0);
	order_reserve(o, "b", 2, 0);
	order_event(o, "b", NULL, 2, event(2));
	order_event(o, "a", NULL, 1, event(1));
	order_flush(o, "c");  /* a conversation with nothing in flight */
	CHECK_STR(__LINE__, r.out, "a1");
	order_event(o, "b", NULL, 1, event(1));
	CHECK_STR(__LINE__, r.out, "a1,b1,b2");
	CHECK(order_held(o) == 0);
	order_free(o);
}

static void fill(void *ctx)
{
	struct order *o = ctx;

	for (int64_t s = 1; s <= ORDER_PER_CONVERSATION + 1; s++)
		order_reserve(o, "c", s, 0);
}

/* A conversation holds ORDER_PER_CONVERSATION seqs; one more is logged
 * and not waited for. */
static void test_cap(void)
{
	struct run r = { "" };
	struct order *o;
	char *log;

	CHECK(order_new(&o, 10000, record, &r) == 0);
	log = stderr_capture(fill, o);
	CHECK(strstr(log, "seq 1025 not held in order") != NULL);
	free(log);
	order_event(o, "c", NULL, ORDER_PER_CONVERSATION + 1, event(ORDER_PER_CONVERSATION + 1));
	CHECK_STR(__LINE__, r.out, "1025");
	order_event(o, "c", NULL, 2, event(2));
	CHECK(order_held(o) == 1);
	order_free(o); /* frees what it holds */
}

int main(void)
{
	test_cases();
	test_conversations_apart();
	test_cap();
	return check_done("test_relay_order");
}
