/*
 * test_state: lib/state.h through the interface alone, on the backend
 * CHATS3_STATE names (sqlite when unset; state_open.h), so a new backend
 * runs the very same cases: each op's answers, its expiry by the times
 * given, and its atomicity across processes (children racing on one
 * state). Times are near the real clock, as a backend that also lets its
 * store expire entries (Redis) needs.
 */
#include <hiredis/hiredis.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "errors.h"
#include "fdio.h"
#include "redis_url.h"
#include "state_open.h"
#include "tmpdir.h"

#define MIN_MS INT64_C(60000)
#define TTL_MS (86400 * INT64_C(1000)) /* the default session TTL */
#define RACERS 4
#define RACE_ROUNDS 100

static char dir[TMPDIR_MAX];
static int64_t now;

/* ---- sessions ---- */

static struct session session_of(const char *conv, const char *user, const char *name,
    int64_t at)
{
	struct session s = { .role = "user", .created_at = at, .last_active_at = at,
		.expires_at = at + TTL_MS };

	snprintf(s.conversation_id, sizeof s.conversation_id, "%s", conv);
	snprintf(s.user_id, sizeof s.user_id, "%s", user);
	snprintf(s.display_name, sizeof s.display_name, "%s", name);
	return s;
}

static void hash_of(unsigned char hash[STATE_HASH_LEN], int n)
{
	memset(hash, 0, STATE_HASH_LEN);
	hash[0] = (unsigned char)n;
	hash[1] = (unsigned char)(n >> 8);
}

static const struct {
	int line;
	int want;
	const char *desc;
	const char *conv, *user, *name_key;
	int64_t at; /* from now */
} creates[] = {
	{ __LINE__, 0, "a first session", "c1", "u-1", "alice", 0 },
	{ __LINE__, ERR_CONFLICT, "its name again, live", "c1", "u-2", "alice", 1 },
	{ __LINE__, 0, "the name in another conversation", "c2", "u-3", "alice", 2 },
	{ __LINE__, 0, "another name", "c1", "u-4", "bob", 3 },
	{ __LINE__, ERR_CONFLICT, "a user id in use", "c1", "u-4", "carol", 4 },
	{ __LINE__, 0, "a third name", "c1", "u-6", "dora", 5 },
	{ __LINE__, 0, "a name whose holder expired", "c1", "u-5", "dora", TTL_MS + 10 },
};
#define EARLY 6 /* the creates before anyone expires */

static int names(void *ctx, const struct session *s)
{
	strcat(ctx, s->user_id);
	strcat(ctx, ",");
	return 0;
}

static void create(struct state *st, size_t i)
{
	unsigned char h[STATE_HASH_LEN];
	struct session s = session_of(creates[i].conv, creates[i].user, creates[i].name_key,
	    now + creates[i].at);

	hash_of(h, (int)i);
	CHECK_AT(creates[i].line, state_session_create(st, &s, h, creates[i].name_key) ==
	    creates[i].want);
}

/* Marks ctx (a string) non-empty: a session came. */
static int mark(void *ctx, const struct session *s)
{
	(void)s;
	strcpy(ctx, "1");
	return 0;
}

/* A walk stops at the first negative answer and returns it. */
static int stop(void *ctx, const struct session *s)
{
	(void)ctx;
	(void)s;
	return ERR_IO;
}

static void test_sessions(struct state *st)
{
	unsigned char h[STATE_HASH_LEN];
	struct session got;
	char seen[256] = "";
	long n = -1;

	for (size_t i = 0; i < EARLY; i++)
		create(st, i);
	hash_of(h, 0);
	CHECK(state_session_get(st, h, now + 5, &got) == 0);
	CHECK_STR(__LINE__, got.user_id, "u-1");
	CHECK_STR(__LINE__, got.display_name, "alice");
	CHECK(got.avatar_url[0] == '\0' && got.created_at == now && got.expires_at == now + TTL_MS);
	CHECK(state_session_get(st, h, now + TTL_MS, &got) == ERR_NOTFOUND);
	/* Activity moves the end: live past the first one. */
	CHECK(state_session_touch(st, h, now + MIN_MS, now + MIN_MS + TTL_MS) == 0);
	CHECK(state_session_get(st, h, now + TTL_MS, &got) == 0 &&
	    got.last_active_at == now + MIN_MS);
	CHECK(state_session_count(st, "c1", now + 10, &n) == 0 && n == 3);
	CHECK(state_session_list(st, "c1", now + 10, names, seen) == 0);
	CHECK_STR(__LINE__, seen, "u-1,u-4,u-6,");
	for (size_t i = EARLY; i < sizeof creates / sizeof creates[0]; i++)
		create(st, i);
	seen[0] = '\0';
	CHECK(state_session_list(st, "c1", now + TTL_MS + 10, names, seen) == 0);
	CHECK_STR(__LINE__, seen, "u-1,u-5,");
	CHECK(state_session_list(st, "c1", now + 10, stop, NULL) == ERR_IO);
	CHECK(state_session_count(st, "nobody", now, &n) == 0 && n == 0);
	CHECK(state_session_delete_token(st, h, &got) == 0);
	CHECK_STR(__LINE__, got.user_id, "u-1");
	CHECK(state_session_delete_token(st, h, NULL) == ERR_NOTFOUND);
	CHECK(state_session_get(st, h, now + 5, &got) == ERR_NOTFOUND);
	CHECK(state_session_delete_user(st, "u-5", &got) == 0 && strcmp(got.display_name, "dora") == 0);
	CHECK(state_session_delete_user(st, "u-5", NULL) == ERR_NOTFOUND);
}

/* Creates the session number i of the caps test (its own hash and user)
 * in conv from net at at. */
static int create_capped(struct state *st, int i, const char *conv, const char *net,
    int64_t at)
{
	unsigned char h[STATE_HASH_LEN];
	char user[32], name[32];
	struct session s;

	snprintf(user, sizeof user, "cap-u-%d", i);
	snprintf(name, sizeof name, "cap-%d", i);
	s = session_of(conv, user, name, at);
	snprintf(s.client_net, sizeof s.client_net, "%s", net);
	hash_of(h, i);
	h[2] = 0xca;
	return state_session_create(st, &s, h, name);
}

/* The default caps: 50 live sessions per client address over every
 * conversation, 500 per conversation; expired ones free their place and
 * an unknown address ("") is not counted. */
static void test_caps(struct state *st)
{
	char conv[32], user[32];
	int i, rc, full = 0;

	for (i = 0; i < 50; i++) {
		snprintf(conv, sizeof conv, "cap-%d", i);
		full |= create_capped(st, i, conv, "192.0.2.1", now) != 0;
	}
	CHECK(!full);
	CHECK(create_capped(st, i++, "cap-0", "192.0.2.1", now + 1) == ERR_CLIENT_FULL);
	CHECK(create_capped(st, i++, "cap-0", "192.0.2.2", now + 1) == 0);
	CHECK(create_capped(st, i++, "cap-0", "192.0.2.1", now + TTL_MS + 1) == 0);
	for (int n = 0; n < 500; n++)
		full |= create_capped(st, i++, "cap-many", "", now) != 0;
	CHECK(!full);
	CHECK(create_capped(st, i++, "cap-many", "", now + 1) == ERR_CONV_FULL);
	CHECK(create_capped(st, i++, "cap-many", "", now + TTL_MS + 1) == 0);
	while (i-- > 0) { /* gone again (the refused ones never came), for the sweep's test */
		snprintf(user, sizeof user, "cap-u-%d", i);
		rc = state_session_delete_user(st, user, NULL);
		full |= rc < 0 && rc != ERR_NOTFOUND;
	}
	CHECK(!full);
}

/* The relay's sweep: what expired goes (and is told), what lives stays;
 * the other expired rows go without a word. A sweep takes only a batch
 * (100), so the sessions earlier tests left expired at that time (the
 * races' 100, unless a backend's creates swept them, as SQLite's do) are
 * swept first: else sw-old, expiring with them, may miss the batch. */
static void test_sweep(struct state *st)
{
	unsigned char h[STATE_HASH_LEN];
	struct session old = session_of("c9", "sw-old", "old", now);
	struct session live = session_of("c9", "sw-live", "live", now + 10);
	char seen[4096] = "";
	int rounds = 0, rc;

	do {
		seen[0] = '\0';
		rc = state_session_sweep(st, now + TTL_MS + 1, mark, seen);
	} while (rc == 0 && seen[0] != '\0' && ++rounds < 10);
	CHECK(rc == 0 && seen[0] == '\0'); /* nothing left expired */
	hash_of(h, 900);
	CHECK(state_session_create(st, &old, h, "old") == 0);
	hash_of(h, 901);
	CHECK(state_session_create(st, &live, h, "live") == 0);
	CHECK(state_session_sweep(st, now + TTL_MS + 1, names, seen) == 0);
	CHECK(strstr(seen, "sw-old,") != NULL && strstr(seen, "sw-live") == NULL);
	seen[0] = '\0';
	CHECK(state_session_sweep(st, now + TTL_MS + 1, names, seen) == 0);
	CHECK(strstr(seen, "sw-old") == NULL);
	CHECK(state_session_delete_user(st, "sw-live", NULL) == 0);
	CHECK(state_nonce_claim(st, "n-swept", now, now + 10) == 0);
	CHECK(state_sweep(st, now + 20) == 0);
	CHECK(state_nonce_claim(st, "n-swept", now + 30, now + 40) == 0);
}

/* ---- nonces, buckets, idempotency keys ---- */

static void test_nonces(struct state *st)
{
	CHECK(state_nonce_claim(st, "n-1", now, now + 1000) == 0);
	CHECK(state_nonce_claim(st, "n-1", now + 1, now + 2000) == 1);
	CHECK(state_nonce_claim(st, "n-1", now + 999, now + 2000) == 1);
	CHECK(state_nonce_claim(st, "n-2", now + 1, now + 1000) == 0);
	/* Used until its end, fresh after it, then used again. */
	CHECK(state_nonce_claim(st, "n-1", now + 1000, now + 3000) == 0);
	CHECK(state_nonce_claim(st, "n-1", now + 2999, now + 4000) == 1);
}

static void test_buckets(struct state *st)
{
	int64_t start = now - now % MIN_MS, end = 0;
	long count = 0;

	CHECK(state_bucket_hit(st, "b", start + 5, MIN_MS, &count, &end) == 0 && count == 1 &&
	    end == start + MIN_MS);
	CHECK(state_bucket_hit(st, "b", start + 6, MIN_MS, &count, &end) == 0 && count == 2);
	CHECK(state_bucket_hit(st, "other", start + 7, MIN_MS, &count, &end) == 0 && count == 1);
	CHECK(state_bucket_hit(st, "b", start + MIN_MS - 1, MIN_MS, &count, &end) == 0 &&
	    count == 3);
	CHECK(state_bucket_hit(st, "b", start + MIN_MS, MIN_MS, &count, &end) == 0 && count == 1 &&
	    end == start + 2 * MIN_MS);
	CHECK(state_bucket_hit(st, "sec", start + 1500, 1000, &count, &end) == 0 &&
	    end == start + 2000);
	/* A peek counts nothing, and sees only the window that holds now. */
	CHECK(state_bucket_peek(st, "b", start + MIN_MS + 1, MIN_MS, &count, &end) == 0 &&
	    count == 1 && end == start + 2 * MIN_MS);
	CHECK(state_bucket_peek(st, "b", start + MIN_MS + 2, MIN_MS, &count, &end) == 0 &&
	    count == 1);
	CHECK(state_bucket_peek(st, "b", start + 2 * MIN_MS, MIN_MS, &count, &end) == 0 &&
	    count == 0 && end == start + 3 * MIN_MS);
	CHECK(state_bucket_peek(st, "never", start, MIN_MS, &count, &end) == 0 && count == 0);
	/* Many hits at once (a read's cost): they start a window and add up. */
	CHECK(state_bucket_add(st, "reads", 40, start + 1, MIN_MS, &count, &end) == 0 &&
	    count == 40);
	CHECK(state_bucket_add(st, "reads", 2, start + 2, MIN_MS, &count, &end) == 0 &&
	    count == 42);
	CHECK(state_bucket_add(st, "reads", 7, start + MIN_MS, MIN_MS, &count, &end) == 0 &&
	    count == 7);
}

static void test_idempotency(struct state *st)
{
	char *out = NULL;

	CHECK(state_idempotency_result(st, "u", "k", &out) == ERR_NOTFOUND && out == NULL);
	CHECK(state_idempotency_claim(st, "u", "k", now, MIN_MS, "o1") == 0);
	CHECK(state_idempotency_claim(st, "u", "k", now + 1, MIN_MS, "o1") == 1);
	CHECK(state_idempotency_claim(st, "v", "k", now + 1, MIN_MS, "o1") == 0);
	CHECK(state_idempotency_result(st, "u", "k", &out) == 1 && out == NULL);
	CHECK(state_idempotency_record(st, "u", "k", "{\"id\":1}") == 0);
	CHECK(state_idempotency_result(st, "u", "k", &out) == 0 && out != NULL &&
	    strcmp(out, "{\"id\":1}") == 0);
	free(out);
	CHECK(state_idempotency_claim(st, "u", "k", now + MIN_MS - 1, MIN_MS, "o1") == 1);
	/* Past the TTL a claim is new: its record is gone. */
	CHECK(state_idempotency_claim(st, "u", "k", now + MIN_MS, MIN_MS, "o1") == 0);
	CHECK(state_idempotency_result(st, "u", "k", &out) == 1 && out == NULL);
	CHECK(state_idempotency_release(st, "v", "k", "o1") == 0);
	CHECK(state_idempotency_result(st, "v", "k", &out) == ERR_NOTFOUND);
	CHECK(state_idempotency_claim(st, "v", "k", now + 2, MIN_MS, "o1") == 0);
}

/* A send's note of its pending message under the claim owner holds. */
static int note_pending(struct state *st, const char *user_id, const char *key,
    const char *owner, const char *message_json)
{
	return test_state_note(st, now, (struct state_note){ NULL, user_id, key, owner,
	    message_json, 0 });
}

/* Owners: who holds a claim, what it is storing, takeover and release. */
static void test_idempotency_owners(struct state *st)
{
	struct state_claim c;
	char *out = NULL;

	CHECK(state_idempotency_get(st, "w", "k", &c) == ERR_NOTFOUND && c.owner[0] == '\0');
	CHECK(state_idempotency_claim(st, "w", "k", now, MIN_MS, "o1") == 0);
	CHECK(state_idempotency_get(st, "w", "k", &c) == 0 && strcmp(c.owner, "o1") == 0 &&
	    c.claimed_at == now && c.pending == NULL && c.message == NULL);
	CHECK(note_pending(st, "w", "k", "o2", "{\"m\":2}") == ERR_CONFLICT);
	CHECK(note_pending(st, "w", "k", "o1", "{\"m\":1}") == 0);
	/* Another owner's release does nothing; a takeover needs the holder's name. */
	CHECK(state_idempotency_release(st, "w", "k", "o2") == 0);
	CHECK(state_idempotency_takeover(st, "w", "k", "o3", "o2", now + 5, MIN_MS) == 1);
	CHECK(state_idempotency_takeover(st, "w", "k", "o1", "o2", now + 5, MIN_MS) == 0);
	CHECK(state_idempotency_takeover(st, "w", "k", "o1", "o3", now + 5, MIN_MS) == 1);
	CHECK(state_idempotency_get(st, "w", "k", &c) == 0 && strcmp(c.owner, "o2") == 0 &&
	    c.claimed_at == now + 5 && c.pending && strcmp(c.pending, "{\"m\":1}") == 0 &&
	    c.message == NULL);
	free(c.pending);
	CHECK(note_pending(st, "w", "k", "o1", "{\"m\":3}") == ERR_CONFLICT);
	/* The takeover holds it a TTL from its own time. */
	CHECK(state_idempotency_claim(st, "w", "k", now + MIN_MS + 4, MIN_MS, "o4") == 1);
	CHECK(state_idempotency_record(st, "w", "k", "{\"m\":1}") == 0);
	CHECK(state_idempotency_takeover(st, "w", "k", "o2", "o3", now + 6, MIN_MS) == 1);
	CHECK(state_idempotency_get(st, "w", "k", &c) == 0 && c.message &&
	    strcmp(c.message, "{\"m\":1}") == 0);
	free(c.pending);
	free(c.message);
	CHECK(state_idempotency_release(st, "w", "k", "o2") == 0);
	CHECK(state_idempotency_result(st, "w", "k", &out) == ERR_NOTFOUND && out == NULL);
	/* A claim past its TTL starts with nothing pending. */
	CHECK(state_idempotency_claim(st, "x", "k", now, MIN_MS, "o1") == 0);
	CHECK(note_pending(st, "x", "k", "o1", "{}") == 0);
	CHECK(state_idempotency_claim(st, "x", "k", now + MIN_MS, MIN_MS, "o2") == 0);
	CHECK(state_idempotency_get(st, "x", "k", &c) == 0 && c.pending == NULL &&
	    strcmp(c.owner, "o2") == 0);
}

/* ---- the conversation cache ---- */

static struct conversation conversation_of(const char *id, const char *code, int closed,
    int64_t revision)
{
	struct conversation c = { .closed = closed, .created_at = now,
		.closed_at = closed ? now + 1 : 0, .revision = revision };

	snprintf(c.id, sizeof c.id, "%s", id);
	snprintf(c.join_code, sizeof c.join_code, "%s", code);
	return c;
}

static int ids(void *ctx, const struct conversation *c)
{
	strcat(ctx, c->id);
	strcat(ctx, c->closed ? "(closed)," : ",");
	return 0;
}

static void list(struct state *st, enum state_status status, const char *after, int limit,
    char out[256])
{
	out[0] = '\0';
	CHECK(state_conversation_list(st, status, after, limit, ids, out) == 0);
}

static void test_conversations(struct state *st)
{
	struct conversation c, got;
	char seen[256];

	CHECK(state_conversation_get(st, "room-a", &got) == ERR_NOTFOUND);
	c = conversation_of("room-a", "AAAAAA", 0, 1);
	CHECK(state_conversation_put(st, &c) == 0);
	CHECK(state_conversation_get(st, "room-a", &got) == 0);
	CHECK(strcmp(got.join_code, "AAAAAA") == 0 && !got.closed && got.closed_at == 0 &&
	    got.created_at == now && got.revision == 1);
	/* Never back to an older revision, nor another take on the same one. */
	c = conversation_of("room-a", "BBBBBB", 1, 1);
	CHECK(state_conversation_put(st, &c) == 1);
	c = conversation_of("room-a", "CCCCCC", 1, 3);
	CHECK(state_conversation_put(st, &c) == 0);
	c = conversation_of("room-a", "DDDDDD", 0, 2);
	CHECK(state_conversation_put(st, &c) == 1);
	CHECK(state_conversation_get(st, "room-a", &got) == 0);
	CHECK(strcmp(got.join_code, "CCCCCC") == 0 && got.closed && got.closed_at == now + 1 &&
	    got.revision == 3);
	c = conversation_of("room-b", "EEEEEE", 0, 0);
	CHECK(state_conversation_put(st, &c) == 0);
	c = conversation_of("room-c", "FFFFFF", 0, 1);
	CHECK(state_conversation_put(st, &c) == 0);
	list(st, STATE_ANY, NULL, 10, seen);
	CHECK_STR(__LINE__, seen, "room-a(closed),room-b,room-c,");
	list(st, STATE_ACTIVE, "", 10, seen);
	CHECK_STR(__LINE__, seen, "room-b,room-c,");
	list(st, STATE_CLOSED, NULL, 10, seen);
	CHECK_STR(__LINE__, seen, "room-a(closed),");
	list(st, STATE_ANY, "room-a", 1, seen);
	CHECK_STR(__LINE__, seen, "room-b,");
	list(st, STATE_ANY, "room-c", 5, seen);
	CHECK_STR(__LINE__, seen, "");
}

/* ---- the message index and clock ---- */

static int keys(void *ctx, const char *key)
{
	strcat(ctx, key);
	strcat(ctx, ",");
	return strcmp(key, "k2") == 0; /* stops after k2 */
}

static void test_index(struct state *st)
{
	const char *batch[] = { "k3", "k1", "k5", "k4", "k1" };
	char seen[256] = "";
	int covered = -1;

	CHECK(state_index_covered(st, "ix", &covered) == 0 && covered == 0);
	CHECK(state_index_add(st, "ix", batch, 5) == 0);
	CHECK(state_index_add(st, "ix", (const char *const[]){ "k2" }, 1) == 0);
	CHECK(state_index_add(st, "other", (const char *const[]){ "k9" }, 1) == 0);
	CHECK(state_index_newest(st, "ix", NULL, 3, keys, seen) == 0);
	CHECK_STR(__LINE__, seen, "k5,k4,k3,");
	seen[0] = '\0';
	CHECK(state_index_newest(st, "ix", "k4", 10, keys, seen) == 0);
	CHECK_STR(__LINE__, seen, "k3,k2,");
	CHECK(state_index_replace(st, "ix", (const char *const[]){ "k4", "k3", "k0" }, 3,
	    "k35") == 0);
	seen[0] = '\0';
	CHECK(state_index_newest(st, "ix", NULL, 10, keys, seen) == 0);
	CHECK_STR(__LINE__, seen, "k5,k35,k2,");
	CHECK(state_index_replace(st, "ix", NULL, 0, "k35") == 0);
	CHECK(state_index_replace(st, "ix", (const char *const[]){ "" }, 1, "k6") == ERR_INVAL);
	CHECK(state_index_covered(st, "ix", &covered) == 0 && covered == 0);
	CHECK(state_index_cover(st, "ix") == 0 && state_index_cover(st, "ix") == 0);
	CHECK(state_index_covered(st, "ix", &covered) == 0 && covered == 1);
	CHECK(state_index_covered(st, "other", &covered) == 0 && covered == 0);
}

static void test_clock(struct state *st)
{
	int64_t ms = 0;

	CHECK(state_next_message_ms(st, "t", now, &ms) == 0 && ms == now);
	CHECK(state_next_message_ms(st, "t", now, &ms) == 0 && ms == now + 1);
	CHECK(state_next_message_ms(st, "t", now - 50, &ms) == 0 && ms == now + 2);
	CHECK(state_next_message_ms(st, "t", now + 100, &ms) == 0 && ms == now + 100);
	CHECK(state_next_message_ms(st, "u", now, &ms) == 0 && ms == now);
}

struct holder {
	struct state *other; /* another process's view, not waiting */
	int64_t ms;
	int other_rc;
	struct state_note note; /* what the fill notes */
	int fill_rc;
};

static int held(void *ctx, const char *conversation_id, int64_t ms, struct state_note *note)
{
	struct holder *h = ctx;
	int64_t later;

	h->ms = ms;
	if (h->other != NULL)
		h->other_rc = state_next_message_ms(h->other, conversation_id, now, &later);
	*note = h->note;
	return h->fill_rc;
}

/* The fill sees the millisecond the call gives, while no other connection
 * can take the next one. */
static void test_clock_held(struct state *st)
{
	struct holder h = { NULL, 0, 0, { NULL, NULL, NULL, NULL, NULL, 0 }, 0 };
	int64_t ms = 0;
	int covered;

	if (test_state_open(&h.other, dir) < 0) {
		CHECK(!"a second state opens");
		return;
	}
	state_no_wait(h.other);
	CHECK(state_message_begin(st, "h", now, held, &h, &ms, &covered) == 0 && ms == now &&
	    h.ms == ms);
	CHECK(h.other_rc == ERR_DB);
	CHECK(state_next_message_ms(h.other, "h", now, &ms) == 0 && ms == now + 1);
	state_close(h.other);
}

/* The note goes in with the millisecond: the index key, and the pending
 * message only while its owner holds the claim (else neither); a refused
 * note or a failed fill leave the millisecond given. */
static void test_message_begin(struct state *st)
{
	struct holder h = { NULL, 0, 0, { "n1", "nb", "k", "o1", "{\"m\":1}", 0 }, 0 };
	struct state_claim c;
	char seen[256] = "";
	int64_t ms = 0;
	int covered;

	CHECK(state_idempotency_claim(st, "nb", "k", now, MIN_MS, "o1") == 0);
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == 0 && ms == now);
	CHECK(state_idempotency_get(st, "nb", "k", &c) == 0 && c.pending &&
	    strcmp(c.pending, "{\"m\":1}") == 0);
	free(c.pending);
	h.note = (struct state_note){ "n2", "nb", "k", "o2", "{\"m\":2}", 0 };
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == ERR_CONFLICT &&
	    ms == now + 1);
	h.note = (struct state_note){ "n3", NULL, NULL, NULL, NULL, 0 };
	h.fill_rc = ERR_NOMEM;
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == ERR_NOMEM);
	h.fill_rc = 0;
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == 0 && ms == now + 3);
	CHECK(state_idempotency_get(st, "nb", "k", &c) == 0 && c.pending &&
	    strcmp(c.pending, "{\"m\":1}") == 0);
	free(c.pending);
	CHECK(state_index_newest(st, "nt", NULL, 10, keys, seen) == 0);
	CHECK_STR(__LINE__, seen, "n3,n1,");
	h.note = (struct state_note){ "", NULL, NULL, NULL, NULL, 0 };
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == ERR_INVAL);
	h.note = (struct state_note){ "n4", "nb", "k", "o1", NULL, 0 };
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, &covered) == ERR_INVAL);
	CHECK(state_message_begin(st, "nt", now, NULL, NULL, &ms, &covered) == ERR_INVAL);
	CHECK(state_message_begin(st, "nt", now, held, &h, &ms, NULL) == ERR_INVAL);
}

static int reply_ok(redisReply *rep)
{
	int ok = rep != NULL && rep->type != REDIS_REPLY_ERROR;

	freeReplyObject(rep);
	return ok;
}

/* DEL of Redis's set of covered conversations (docs/state.md's key
 * layout), as a FLUSHDB takes it: 0 or -1. */
static int redis_uncover(const char *url)
{
	struct redis_url u;
	const char *why;
	redisContext *c;
	int ok;

	if (redis_url_parse(url, &u, &why) < 0)
		return -1;
	c = u.path[0] != '\0' ? redisConnectUnix(u.path) : redisConnect(u.host, u.port);
	ok = c != NULL && c->err == 0 &&
	    (u.password[0] == '\0' || reply_ok(redisCommand(c, "AUTH %s", u.password))) &&
	    reply_ok(redisCommand(c, "SELECT %d", u.db)) &&
	    reply_ok(redisCommand(c, "DEL chats3:xc"));
	redisFree(c);
	return ok ? 0 : -1;
}

/* The coverage of every conversation gone from the store behind the
 * state's back (Redis flushed, the rows deleted): 0 or -1. */
static int uncover_behind(void)
{
	const char *url = getenv("CHATS3_REDIS_URL"), *backend = getenv("CHATS3_STATE");
	char path[TMPDIR_MAX + 16];
	sqlite3 *h = NULL;
	int ok;

	if (backend != NULL ? strcmp(backend, "redis") == 0 : url != NULL && url[0] != '\0')
		return redis_uncover(url);
	snprintf(path, sizeof path, "%s/chats3.db", dir);
	ok = sqlite3_open(path, &h) == SQLITE_OK &&
	    sqlite3_exec(h, "DELETE FROM message_covered", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(h);
	return ok ? 0 : -1;
}

/* A send's begin says whether the index covers its conversation, from
 * its own write: not before the cover, then so, and not once the store
 * lost the coverage, from the very next call on (a send's, and a
 * reader's state_index_covered right after a send that found it). */
static void test_message_begin_covered(struct state *st)
{
	struct holder h = { NULL, 0, 0, { "cv1", NULL, NULL, NULL, NULL, 0 }, 0 };
	int64_t ms;
	int covered = -1;

	CHECK(state_message_begin(st, "cv", now, held, &h, &ms, &covered) == 0 && covered == 0);
	CHECK(state_index_cover(st, "cv") == 0);
	CHECK(state_message_begin(st, "cv", now, held, &h, &ms, &covered) == 0 && covered == 1);
	CHECK(uncover_behind() == 0);
	CHECK(state_message_begin(st, "cv", now, held, &h, &ms, &covered) == 0 && covered == 0);
	CHECK(state_index_cover(st, "cv") == 0);
	CHECK(state_message_begin(st, "cv", now, held, &h, &ms, &covered) == 0 && covered == 1);
	CHECK(uncover_behind() == 0);
	CHECK(state_index_covered(st, "cv", &covered) == 0 && covered == 0);
	h.note.user_id = "nb", h.note.key = "k", h.note.owner = "o2", h.note.pending = "{}";
	covered = -1;
	CHECK(state_message_begin(st, "cv", now, held, &h, &ms, &covered) == ERR_CONFLICT &&
	    covered == -1);
}

/* ---- arguments every backend is spared ---- */

static void test_arguments(struct state *st)
{
	char big[STATE_NAME_MAX + 2];
	int64_t ms, end;
	long n;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(state_nonce_claim(st, "", now, now + 1) == ERR_INVAL);
	CHECK(state_nonce_claim(st, big, now, now + 1) == ERR_INVAL);
	CHECK(state_bucket_hit(st, "b", now, 0, &n, &end) == ERR_INVAL);
	CHECK(state_bucket_add(st, "b", 0, now, MIN_MS, &n, &end) == ERR_INVAL);
	CHECK(state_idempotency_claim(st, "u", big, now, MIN_MS, "o1") == ERR_INVAL);
	CHECK(state_idempotency_claim(st, "u", "k", now, MIN_MS, "") == ERR_INVAL);
	CHECK(state_next_message_ms(st, "../x", now, &ms) == ERR_INVAL);
	CHECK(state_index_add(st, "ix", (const char *const[]){ "" }, 1) == ERR_INVAL);
	CHECK(state_session_count(st, "", now, &n) == ERR_INVAL);
}

/* ---- atomicity across processes ---- */

/* What one racer does on its own state: RACE_ROUNDS calls, each answer
 * written to fd as an int64. */
static int race(int racer, int fd)
{
	unsigned char h[STATE_HASH_LEN];
	struct state *st;
	struct session s;
	char name[32], user[32];
	int64_t v[3], end;
	long count;
	int ok = test_state_open(&st, dir) == 0;

	for (int i = 0; ok && i < RACE_ROUNDS; i++) {
		snprintf(name, sizeof name, "nonce-%d", i);
		ok = (v[0] = state_nonce_claim(st, name, now, now + MIN_MS)) >= 0 &&
		    state_next_message_ms(st, "race", now, &v[1]) == 0 &&
		    state_bucket_hit(st, "race", now, MIN_MS, &count, &end) == 0;
		snprintf(name, sizeof name, "name-%d", i);
		snprintf(user, sizeof user, "r%d-%d", racer, i);
		s = session_of("race", user, name, now);
		hash_of(h, 1000 + racer * RACE_ROUNDS + i);
		v[2] = state_session_create(st, &s, h, name);
		ok = ok && (v[2] == 0 || v[2] == ERR_CONFLICT) && write(fd, v, sizeof v) == sizeof v;
	}
	state_close(st);
	return ok ? 0 : 1;
}

/* Starts RACERS children; fds[i] reads what racer i wrote. */
static int start_racers(int fds[RACERS], pid_t pids[RACERS])
{
	int p[2];

	for (int i = 0; i < RACERS; i++) {
		if (pipe(p) < 0 || (pids[i] = fork()) < 0)
			return -1;
		if (pids[i] == 0) {
			close(p[0]);
			_exit(race(i, p[1]));
		}
		close(p[1]);
		fds[i] = p[0];
	}
	return 0;
}

/* Reads exactly n bytes: 0, or -1 when the writer stopped short. */
static int read_all(int fd, void *p, size_t n)
{
	long got;

	for (char *c = p; n > 0; c += got, n -= (size_t)got)
		if ((got = fdio_read(fd, c, n)) <= 0)
			return -1;
	return 0;
}

static void test_races(void)
{
	int64_t got[RACERS][RACE_ROUNDS][3], last;
	int fds[RACERS], fresh[RACE_ROUNDS] = { 0 }, made[RACE_ROUNDS] = { 0 }, status, ok = 1;
	pid_t pids[RACERS];
	char seen[RACERS * RACE_ROUNDS] = { 0 };

	CHECK(start_racers(fds, pids) == 0);
	for (int i = 0; i < RACERS; i++) {
		ok &= read_all(fds[i], got[i], sizeof got[i]) == 0;
		close(fds[i]);
		ok &= waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
	}
	CHECK(ok);
	for (int i = 0; ok && i < RACERS; i++) {
		last = -1;
		for (int r = 0; r < RACE_ROUNDS; r++) {
			fresh[r] += got[i][r][0] == 0;
			made[r] += got[i][r][2] == 0;
			ok &= got[i][r][1] > last && got[i][r][1] - now < RACERS * RACE_ROUNDS;
			if (ok)
				seen[got[i][r][1] - now]++;
			last = got[i][r][1];
		}
	}
	CHECK(ok); /* each racer's clock rises, within the calls made */
	for (int k = 0; ok && k < RACERS * RACE_ROUNDS; k++)
		ok &= seen[k] == 1;
	CHECK(ok); /* no millisecond given twice */
	for (int r = 0; r < RACE_ROUNDS; r++)
		CHECK_AT(__LINE__, fresh[r] == 1 && made[r] == 1);
}

static void test_races_counted(struct state *st)
{
	int64_t end;
	long count = 0, n = 0;

	CHECK(state_bucket_hit(st, "race", now, MIN_MS, &count, &end) == 0 &&
	    count == RACERS * RACE_ROUNDS + 1);
	CHECK(state_session_count(st, "race", now, &n) == 0 && n == RACE_ROUNDS);
}

int main(void)
{
	struct state *st = NULL;

	if (tmpdir_make(dir, "test_state") < 0)
		return 1;
	now = clock_now_ms();
	test_races(); /* first: the children create the state at once */
	CHECK(test_state_open(&st, dir) == 0);
	if (st != NULL) {
		CHECK(state_check(st) == 0);
		test_races_counted(st);
		test_sessions(st);
		test_caps(st);
		test_sweep(st);
		test_nonces(st);
		test_buckets(st);
		test_idempotency(st);
		test_idempotency_owners(st);
		test_conversations(st);
		test_index(st);
		test_clock(st);
		test_clock_held(st);
		test_message_begin(st);
		test_message_begin_covered(st);
		test_arguments(st);
	}
	state_close(st);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_state");
}
