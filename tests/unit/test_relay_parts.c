/*
 * test_relay_parts: the relay's pieces without its loop: the request
 * parser (table of heads), the replay ring (window, targets, cap) and the
 * fan-out (targeting, isolation between conversations, the queue cap
 * dooming a slow stream while the others get the event), and the ids of
 * events given an id (from the link between hosts) and of those not.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "errors.h"
#include "fanout.h"
#include "http.h"
#include "replay.h"

#define U1 "0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60"
#define U2 "1b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f61"
#define C10 "a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9; j=10; "
#define C70 C10 C10 C10 C10 C10 C10 C10
#define T64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
	int line;
	int want;
	const char *desc;
	const char *head;
	const char *path, *token;
	long last_id; /* -1: none */
} heads[] = {
	{ __LINE__, 0, "a token in the query", "GET /api/v1/signaling?sessionId=" T64
	  " HTTP/1.1\r\nHost: x\r\n\r\n", "/api/v1/signaling", T64, -1 },
	{ __LINE__, 0, "the header wins over query and cookie", "GET /s?sessionId=q HTTP/1.1\r\n"
	  "Cookie: a=1; sessionId=c\r\nx-session-id: h\r\n\r\n", "/s", "h", -1 },
	{ __LINE__, 0, "the query wins over the cookie", "GET /s?sessionId=q HTTP/1.0\r\n"
	  "Cookie: sessionId=c\r\n\r\n", "/s", "q", -1 },
	{ __LINE__, 0, "the cookie alone", "GET /s HTTP/1.1\r\ncookie: sessionId=c\r\n\r\n",
	  "/s", "c", -1 },
	{ __LINE__, 0, "the cookie behind 70 others", "GET /s HTTP/1.1\r\nCookie: " C70
	  "sessionId=c\r\n\r\n", "/s", "c", -1 },
	{ __LINE__, 0, "two session cookies are none", "GET /s HTTP/1.1\r\nCookie: sessionId=c; "
	  "a=1; sessionId=d\r\n\r\n", "/s", "", -1 },
	{ __LINE__, 0, "the HTTPS name wins", "GET /s HTTP/1.1\r\nCookie: sessionId=c; "
	  "__Host-sessionId=s\r\n\r\n", "/s", "s", -1 },
	{ __LINE__, 0, "two of the HTTPS name are none", "GET /s HTTP/1.1\r\nCookie: sessionId=c; "
	  "__Host-sessionId=s; __Host-sessionId=t\r\n\r\n", "/s", "", -1 },
	{ __LINE__, 0, "Last-Event-ID", "GET /s HTTP/1.1\r\nLast-Event-ID:  42 \r\n\r\n",
	  "/s", "", 42 },
	{ __LINE__, 0, "a Last-Event-ID that is no number", "GET /s HTTP/1.1\r\n"
	  "Last-Event-ID: x\r\n\r\n", "/s", "", -1 },
	{ __LINE__, 0, "HEAD", "HEAD /health HTTP/1.1\r\n\r\n", "/health", "", -1 },
	{ __LINE__, HTTP_INCOMPLETE, "a head not ended yet", "GET /s HTTP/1.1\r\nHost: x\r\n",
	  NULL, NULL, -1 },
	{ __LINE__, 405, "POST", "POST /s HTTP/1.1\r\n\r\n", NULL, NULL, -1 },
	{ __LINE__, 505, "HTTP/1.2", "GET /s HTTP/1.2\r\n\r\n", NULL, NULL, -1 },
	{ __LINE__, 400, "no version", "GET /s\r\n\r\n", NULL, NULL, -1 },
	{ __LINE__, 400, "a target without a slash", "GET s HTTP/1.1\r\n\r\n", NULL, NULL, -1 },
	{ __LINE__, 400, "a header without a colon", "GET /s HTTP/1.1\r\nBad\r\n\r\n",
	  NULL, NULL, -1 },
	{ __LINE__, 400, "a control byte", "GET /s HTTP/1.1\r\nA: \001\r\n\r\n", NULL, NULL, -1 },
	{ __LINE__, 400, "a bad escape in the query", "GET /s?a=%zz HTTP/1.1\r\n\r\n",
	  NULL, NULL, -1 },
};

static void test_http(void)
{
	struct http_req q;
	char *big;

	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		int rc = http_parse(heads[i].head, strlen(heads[i].head), &q);
		CHECK_AT(heads[i].line, rc == heads[i].want);
		if (rc != 0 || heads[i].path == NULL)
			continue;
		CHECK_STR(heads[i].line, q.path, heads[i].path);
		CHECK_STR(heads[i].line, q.token, heads[i].token);
		CHECK_AT(heads[i].line, heads[i].last_id < 0 ? !q.has_last_event_id :
		    q.has_last_event_id && q.last_event_id == (uint64_t)heads[i].last_id);
	}
	if ((big = malloc(HTTP_HEAD_MAX + 1)) == NULL)
		abort();
	memset(big, 'a', HTTP_HEAD_MAX + 1);
	memcpy(big, "GET /s HTTP/1.1\r\nX: ", 20);
	CHECK(http_parse(big, HTTP_HEAD_MAX, &q) == 431);
	free(big);
}

static int collect(void *ctx, const char *text, size_t len)
{
	strncat(ctx, text, len);
	return 0;
}

static void test_replay(void)
{
	struct replay r = { 0 };
	char seen[64] = "";

	CHECK(replay_add(&r, 1, 1000, NULL, "a", 1) == 0);
	CHECK(replay_add(&r, 2, 2000, U1, "b", 1) == 0);
	CHECK(replay_add(&r, 3, 3000, NULL, "c", 1) == 0);
	CHECK(replay_after(&r, 1, U2, collect, seen) == 0);
	CHECK_STR(__LINE__, seen, "c");
	seen[0] = '\0';
	CHECK(replay_after(&r, 0, U1, collect, seen) == 0);
	CHECK_STR(__LINE__, seen, "abc");
	replay_prune(&r, 2500);
	seen[0] = '\0';
	CHECK(replay_after(&r, 0, U1, collect, seen) == 0);
	CHECK_STR(__LINE__, seen, "c");
	for (int i = 0; i < REPLAY_MAX + 10; i++)
		CHECK(replay_add(&r, (uint64_t)(10 + i), 4000, NULL, "x", 1) == 0);
	CHECK(r.count == REPLAY_MAX);
	replay_free(&r);
	CHECK(r.count == 0);
}

static cJSON *event(const char *type)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "id", "given");
	cJSON_AddStringToObject(e, "type", type);
	return e;
}

static int has(const struct fanout_sub *s, const char *what)
{
	return s->queue.data != NULL && strstr(s->queue.data, what) != NULL;
}

static void test_fanout(void)
{
	struct fanout *f = NULL;
	struct fanout_sub a = { 0 }, b = { 0 }, other = { 0 }, late = { 0 };
	cJSON *e = event("peer-join"), *big = event("offer");
	char pad[3000];
	uint64_t none = 0;

	CHECK(fanout_new(&f, 2048, 60000) == 0);
	if (f == NULL)
		return;
	fanout_sub_init(f, &a);
	fanout_sub_init(f, &b);
	fanout_sub_init(f, &other);
	fanout_sub_init(f, &late);
	CHECK(fanout_join(f, &a, "room", U1, NULL) == 0 && fanout_join(f, &b, "room", U2, NULL) == 0);
	CHECK(fanout_join(f, &other, "elsewhere", U1, NULL) == 0);
	CHECK(fanout_streams(f) == 3);
	CHECK(fanout_event(f, "room", NULL, e, 1000) == 0);
	CHECK(has(&a, "peer-join") && has(&b, "peer-join") && !has(&other, "peer-join"));
	CHECK(has(&a, "id: ") && !has(&a, "given"));
	CHECK(fanout_event(f, "room", U2, e, 1000) == 0);
	CHECK(strstr(strstr(b.queue.data, "peer-join") + 1, "peer-join") != NULL);
	CHECK(strstr(strstr(a.queue.data, "peer-join") + 1, "peer-join") == NULL);
	/* Over the cap: doomed, the others still get it. */
	memset(pad, 'p', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	cJSON_AddStringToObject(big, "data", pad);
	buf_free(&b.queue);
	CHECK(fanout_event(f, "room", U1, big, 1000) == 0);
	CHECK(a.doomed && !b.doomed);
	/* A late join replays the ring after the id it gives. */
	CHECK(fanout_join(f, &late, "room", U2, &none) == 0 && has(&late, "peer-join"));
	CHECK(!has(&late, "ppp"));
	fanout_close_user(f, U2);
	CHECK(b.doomed && late.doomed && !other.doomed);
	fanout_leave(f, &a);
	fanout_leave(f, &b);
	fanout_leave(f, &other);
	fanout_leave(f, &late);
	CHECK(fanout_streams(f) == 0 && fanout_next_pending(f) == NULL);
	fanout_prune(f, 1000 + 60001);
	cJSON_Delete(e);
	cJSON_Delete(big);
	fanout_free(f);
}

/* The last "id: N" line of s's queue. */
static unsigned long long last_id(const struct fanout_sub *s)
{
	const char *p = s->queue.data, *at = NULL;

	while (p != NULL && (p = strstr(p, "id: ")) != NULL)
		at = p++;
	return at != NULL ? strtoull(at + 4, NULL, 10) : 0;
}

static void test_given_ids(void)
{
	struct fanout *f = NULL;
	struct fanout_sub a = { 0 };
	cJSON *e = event("offer");
	unsigned long long redis = 4000000000000000ull; /* above the relay's clock-based start */

	CHECK(fanout_new(&f, 1 << 20, 60000) == 0);
	if (f == NULL)
		return;
	fanout_sub_init(f, &a);
	CHECK(fanout_join(f, &a, "room", U1, NULL) == 0);
	CHECK(fanout_event_at(f, "room", NULL, e, redis, 1000) == 0 && last_id(&a) == redis);
	CHECK(fanout_event(f, "room", NULL, e, 1000) == 0 && last_id(&a) == redis + 1);
	/* a given id at or below the conversation's last is raised past it */
	CHECK(fanout_event_at(f, "room", NULL, e, redis, 1000) == 0 && last_id(&a) == redis + 2);
	CHECK(fanout_event_at(f, "room", NULL, e, redis + 10, 1000) == 0 && last_id(&a) == redis + 10);
	fanout_leave(f, &a);
	cJSON_Delete(e);
	fanout_free(f);
}

int main(void)
{
	test_http();
	test_replay();
	test_fanout();
	test_given_ids();
	return check_done("test_relay_parts");
}
