/*
 * test_relay_order: sse-relay/order.c, the relay's history order for
 * new-message events, driven by scripts of frames as a conversation's
 * racing sends would produce them, with the order the events come out.
 *
 * A script is words: rN reserves seq N (at the current time), eN is the
 * new-message event of seq N, xN releases N (or its event came from
 * another host), tN sets the time to N ms and runs the deadline, f
 * flushes (the conversation closes), sN is the reserve of N through the
 * link (any host's), l1 and l0 the link going up and down. All go to one
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
	const char *log;   /* what else the log says, when not NULL */
} cases[] = {
	{ __LINE__, 10000, "e1 e2", "1,2", 0, 0, "nothing reserved: out at once", NULL },
	{ __LINE__, 10000, "r1 r2 e1 e2", "1,2", 0, 0, "in clock order: out at once", NULL },
	{ __LINE__, 10000, "r1 r2 e2 e1", "1,2", 0, 0,
	  "the later stored first waits for the earlier", NULL },
	{ __LINE__, 10000, "r1 r2 e2", "", 1, 0, "held while the earlier is being stored", NULL },
	{ __LINE__, 10000, "r1 r2 e2 x1", "2", 0, 0,
	  "the earlier's send failed: the later goes out", NULL },
	{ __LINE__, 10000, "r1 r2 r3 e3 e2 e1", "1,2,3", 0, 0, "three in reverse", NULL },
	{ __LINE__, 10000, "r1 r2 r3 e3 e1", "1", 1, 0,
	  "the third still waits for the second", NULL },
	{ __LINE__, 10000, "r1 e2 e1", "1,2", 0, 0,
	  "an event without its reserve takes its place", NULL },
	{ __LINE__, 10000, "r5 e3", "3", 0, 0, "an event before every pending seq goes out", NULL },
	{ __LINE__, 10000, "r1 r2 e2 t9999", "", 1, 0, "before the deadline it waits", NULL },
	{ __LINE__, 10000, "r1 r2 e2 t10000", "2", 0, 1,
	  "at the deadline the missing one is given up", NULL },
	{ __LINE__, 10000, "r1 r2 r3 e3 t10000", "3", 0, 1,
	  "every expired seq is given up at once", NULL },
	{ __LINE__, 10000, "r1 t5000 r2 e2 t10000 e1", "2,1", 0, 1,
	  "a late event after the deadline still goes out", NULL },
	{ __LINE__, 10000, "r1 t5000 r2 r3 e3 t10000", "", 1, 1,
	  "only the expired head is given up", NULL },
	{ __LINE__, 10000, "r1 r2 e2 f e1", "2,1", 0, 0,
	  "a flush sends what is held, waiting no more", NULL },
	{ __LINE__, 10000, "r1 e1 e1", "1,1", 0, 0, "a repeated event is not swallowed", NULL },
	{ __LINE__, 10000, "r1 x7 e1", "1", 0, 0,
	  "releasing an unknown seq changes nothing", NULL },
	{ __LINE__, 10000, "r1 r1 e1", "1", 0, 0, "a repeated reserve is one", NULL },
	{ __LINE__, 0, "r1 r2 e2 e1", "2,1", 0, 0, "hold 0: arrival order", NULL },
	{ __LINE__, 10000, "l1 r1 e1", "", 1, 0,
	  "linked: held until its reserve came through", NULL },
	{ __LINE__, 10000, "l1 r1 e1 s1", "1", 0, 0,
	  "linked: out once its reserve came through", NULL },
	{ __LINE__, 10000, "l1 r1 s1 e1", "1", 0, 0,
	  "linked: seen before the event: out at once", NULL },
	{ __LINE__, 10000, "l1 s1 r1 e1", "1", 0, 0,
	  "linked: the link faster than the datagram", NULL },
	{ __LINE__, 10000, "l1 r1 r2 e2 s2", "", 1, 0,
	  "linked: a later reserve seen, the earlier still pending", NULL },
	{ __LINE__, 10000, "l1 r1 r2 e1 e2 s2", "1,2", 0, 0,
	  "linked: a later reserve seen makes the earlier seen", NULL },
	{ __LINE__, 10000, "l1 r1 r2 e1 e2 s1", "1", 1, 0,
	  "linked: the second waits for its own", NULL },
	{ __LINE__, 10000, "l1 s1 r2 s2 e2", "", 1, 0,
	  "linked: another host's earlier send holds", NULL },
	{ __LINE__, 10000, "l1 s1 r2 s2 e2 x1", "2", 0, 0,
	  "linked: another host's event came: the later goes", NULL },
	{ __LINE__, 10000, "l1 s1 r2 s2 e2 t9999", "", 1, 0,
	  "linked: a host's send is waited for", NULL },
	{ __LINE__, 10000, "l1 s1 r2 s2 e2 t10000", "2", 0, 1,
	  "linked: a host that died mid-send is given up at the deadline", NULL },
	{ __LINE__, 10000, "l1 r1 e1 t10000", "1", 0, 0,
	  "linked: a reserve that never came through goes at the deadline", "did not come through redis" },
	{ __LINE__, 10000, "l1 r1 e1 l0", "1", 0, 0, "the link down: nothing waits for it", NULL },
	{ __LINE__, 10000, "l1 s1 r2 e2 l0", "2", 0, 0,
	  "the link down: other hosts' sends dropped", NULL },
	{ __LINE__, 10000, "l1 s1 r2 e2 l0 e1", "2,1", 0, 0,
	  "... so their late events go as they come", NULL },
	{ __LINE__, 10000, "l1 r1 r2 e2 l0", "", 1, 0,
	  "the link down: this host's own still hold", NULL },
	{ __LINE__, 10000, "r1 l1 e1", "1", 0, 0,
	  "reserved before the link was up: counts as seen", NULL },
	{ __LINE__, 10000, "s1 r2 e2", "", 1, 0,
	  "unlinked: a reserve through the link still holds", NULL },
	{ __LINE__, 10000, "r1 e1", "1", 0, 0, "unlinked: no waiting for the link", NULL },
	{ __LINE__, 10000, "l1 e1", "1", 0, 0,
	  "linked: an event without a reserve (a repeat) goes", NULL },
	{ __LINE__, 10000, "l1 r1 e1 f", "1", 0, 0,
	  "linked: a flush sends what waits for the link", NULL },
	{ __LINE__, 0, "l1 s1 r2 e2", "2", 0, 0,
	  "hold 0: nothing waits across hosts either", NULL },
};

struct run {
	char out[256];
};

static void record(void *ctx, const char *conversation_id, const char *to_user_id,
    int64_t seq, cJSON *ev)
{
	struct run *r = ctx;
	size_t len = strlen(r->out);

	(void)to_user_id;
	CHECK(seq == cJSON_GetObjectItem(ev, "n")->valueint);
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
		case 's': order_reserve_seen(o, "c", n, now); break;
		case 'l': order_link(o, (int)n); break;
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
		CHECK_AT(cases[i].line, cases[i].log == NULL || strstr(log, cases[i].log) != NULL);
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
