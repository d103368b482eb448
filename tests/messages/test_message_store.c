/*
 * test_message_store: lib/message_store.c against the store config_load()
 * names (CHATS3_STORAGE=fs with CHATS3_DATA_DIR, or s3 with the AWS_*
 * variables), as tests/storage/test_storage does. Each case writes its own
 * conversation "t<random>-<case>", all deleted at the end. Prints one line
 * per check, then "messages-<fs|s3>: N passed, N failed"; exits 1 when
 * anything failed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "message_compact.h"
#include "message_store.h"
#include "state.h"
#include "storage.h"
#include "../storage/report.h"
#include "../unit/tmpdir.h"
#include "storage_keys.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00.000Z */
#define BIG_BODY 16000
#define EXPORT_BATCHES 768        /* of BIG_BODY bytes: 12 MiB */
#define RSS_GROWTH_MAX_KB (4 * 1024)
#define SENDS_AT_ONCE 300         /* sends within one millisecond */

struct suite {
	const struct config *cfg; /* the storage's */
	char *state_dir;          /* the state's data directory */
	struct storage *s;
	struct state *st;  /* the state (the message clock), in a temp dir */
	struct state *ix;  /* the message index: st, or NULL */
	char run[24];      /* "t<random><mode: s storage walk, i index>" */
	int passed, failed;
};

/* The ids of a conversation's messages, in the order they were stored. */
struct ids {
	char (*v)[UUID_STRLEN + 1];
	size_t n, cap;
};

REPORT_FOR(struct suite)

static void conv_of(const struct suite *t, const char *name, char out[65])
{
	if (snprintf(out, 65, "%s-%s", t->run, name) >= 65)
		abort();
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

static void make_message(struct message *m, const char *conv, int64_t ms, const char *body)
{
	memset(m, 0, sizeof *m);
	if (ids_uuid4(m->message_id) < 0)
		abort();
	snprintf(m->conversation_id, sizeof m->conversation_id, "%s", conv);
	m->sender_user_id = xstrdup("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f");
	m->sender_display_name = xstrdup("Zoë \"Z\" <b>");
	m->sender_role = MESSAGE_ROLE_USER;
	m->type = MESSAGE_TEXT;
	m->body = xstrdup(body);
	m->client_timestamp = xstrdup("2026-01-01T00:00:00.000Z");
	m->server_received_ms = ms;
}

static void ids_add(struct ids *ids, const char *id)
{
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? 2 * ids->cap : 64;
		if ((ids->v = realloc(ids->v, ids->cap * sizeof *ids->v)) == NULL)
			abort();
	}
	memcpy(ids->v[ids->n++], id, UUID_STRLEN + 1);
}

static void swap_ids(struct ids *ids, size_t i, size_t j)
{
	char x[UUID_STRLEN + 1];

	memcpy(x, ids->v[i], sizeof x);
	memcpy(ids->v[i], ids->v[j], sizeof x);
	memcpy(ids->v[j], x, sizeof x);
}

/* Appends one single-message batch; its id goes to ids. */
static int append_one(struct suite *t, const char *conv, int64_t ms, const char *body,
    struct ids *ids)
{
	struct message m;
	int rc;

	make_message(&m, conv, ms, body);
	if ((rc = message_store_append(t->s, t->ix, &m, 1)) == 0 && ids != NULL)
		ids_add(ids, m.message_id);
	message_free(&m);
	return rc;
}

/* Pages back through conv with limit; the ids seen, oldest first, must be
 * want's, each once; *pages counts the pages. */
static int page_all(struct suite *t, const char *conv, int limit, const struct ids *want,
    int *pages, size_t *sizes, size_t nsizes)
{
	struct message_page p;
	char *cursor = NULL;
	size_t end = want->n;
	int rc, ok = 1;

	*pages = 0;
	do {
		rc = message_store_history(t->s, t->ix, conv, limit, cursor, &p);
		free(cursor);
		cursor = NULL;
		if (rc < 0)
			return rc;
		if ((size_t)*pages < nsizes)
			ok &= sizes[*pages] == p.n;
		ok &= p.n <= end;
		for (size_t i = 0; ok && i < p.n; i++)
			ok &= strcmp(p.v[i].message_id, want->v[end - p.n + i]) == 0;
		end -= ok ? p.n : 0;
		(*pages)++;
		if (p.next_cursor != NULL)
			cursor = xstrdup(p.next_cursor);
		message_page_free(&p);
	} while (ok && cursor != NULL && *pages < 1000);
	free(cursor);
	return ok && end == 0 ? 0 : ERR_INTERNAL;
}

/* ---- cases ---- */

static const char *const texts[] = {
	"plain",
	"h\xc3\xa9llo w\xc3\xb6rld \xe4\xb8\xad\xe6\x96\x87 \xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9",
	"emoji \xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
	"<script>alert('x')</script> & <b>bold</b> &amp;",
	"\"double\" 'single' `back` \\ backslash / slash",
	"line one\nline two\ttabbed",
	"{\"looks\":\"like json\"}\n{\"on\":\"two lines\"}",
};
#define NTEXTS (sizeof texts / sizeof texts[0])

static void test_round_trip(struct suite *t)
{
	struct message m[NTEXTS];
	struct message_page p;
	char conv[65];
	int rc = 0, same = 1;

	conv_of(t, "unicode", conv);
	for (size_t i = 0; i < NTEXTS; i++)
		make_message(&m[i], conv, T0 + 1000, texts[i]);
	free(m[3].sender_avatar_url);
	m[3].sender_avatar_url = xstrdup("https://example.com/a.png?x=1&y=\"2\"");
	rc = message_store_append(t->s, t->ix, m, NTEXTS);
	report(t, rc == 0, "append one batch of %zu messages: %s", NTEXTS, err_str(rc));
	rc = message_store_history(t->s, t->ix, conv, 50, NULL, &p);
	for (size_t i = 0; rc == 0 && same && i < NTEXTS && p.n == NTEXTS; i++)
		same = strcmp(p.v[i].body, texts[i]) == 0 &&
		    strcmp(p.v[i].message_id, m[i].message_id) == 0 &&
		    strcmp(p.v[i].sender_display_name, m[i].sender_display_name) == 0 &&
		    p.v[i].server_received_ms == T0 + 1000 &&
		    (p.v[i].sender_avatar_url == NULL) == (i != 3);
	report(t, rc == 0 && p.n == NTEXTS && same && p.next_cursor == NULL,
	    "Unicode, emoji, HTML, quotes, newlines come back byte for byte, in order");
	message_page_free(&p);
	for (size_t i = 0; i < NTEXTS; i++)
		message_free(&m[i]);
}

static void test_paging(struct suite *t)
{
	size_t sizes[] = { 50, 50, 20 };
	struct ids ids = { 0 };
	char conv[65];
	int rc = 0, pages;

	conv_of(t, "paging", conv);
	for (int i = 0; i < 120 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 5 * DAY + i * 1000 + (i % 3), "paged", &ids);
	report(t, rc == 0, "append 120 messages: %s", err_str(rc));
	rc = page_all(t, conv, 50, &ids, &pages, sizes, 3);
	report(t, rc == 0 && pages == 3,
	    "120 messages paged with limit 50: 50, 50, 20, each once, in order (%d pages)", pages);
	rc = page_all(t, conv, 200, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 1, "limit 200: all 120 in one page, no cursor");
	rc = page_all(t, conv, 1, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 120, "limit 1: 120 pages of one");
	free(ids.v);
}

/* Messages on several UTC days, around midnight too, appended out of order. */
static void test_days(struct suite *t)
{
	static const int64_t at[] = {
		T0 + 10 * DAY - 1, T0 + 9 * DAY + 5, T0 + 10 * DAY, T0 + 10 * DAY + 1,
		T0 + 12 * DAY + DAY / 2, T0 + 9 * DAY, T0 + 40 * DAY, T0 + 12 * DAY - 1,
		T0 + 400 * DAY, T0 + 10 * DAY + 7,
	};
	size_t n = sizeof at / sizeof at[0], order[sizeof at / sizeof at[0]];
	struct ids raw = { 0 }, sorted = { 0 };
	char conv[65];
	int rc = 0, pages;

	conv_of(t, "days", conv);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = append_one(t, conv, at[i], "day", &raw);
	for (size_t i = 0; i < n; i++) { /* by time */
		order[i] = i;
		ids_add(&sorted, raw.v[i]);
		for (size_t j = i; j > 0 && at[order[j]] < at[order[j - 1]]; j--) {
			size_t x = order[j];

			order[j] = order[j - 1];
			order[j - 1] = x;
			swap_ids(&sorted, j, j - 1);
		}
	}
	rc = rc < 0 ? rc : page_all(t, conv, 3, &sorted, &pages, NULL, 0);
	report(t, rc == 0 && pages == 4,
	    "10 messages over 6 UTC days, limit 3: in time order across days, each once");
	free(raw.v);
	free(sorted.v);
}

/* One day of 1,500 batches: a dense burst at midnight (two per ms), a long gap,
 * then sparse ones in the evening: the walk's probes must get it right. */
static void test_big_day(struct suite *t)
{
	struct ids ids = { 0 };
	char conv[65];
	int rc = 0, pages;

	conv_of(t, "bigday", conv);
	for (int i = 0; i < 1200 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 20 * DAY + i / 2, "burst", &ids);
	for (size_t i = 0; i + 1 < ids.n; i += 2) /* two per ms: the key orders them */
		if (strcmp(ids.v[i], ids.v[i + 1]) > 0)
			swap_ids(&ids, i, i + 1);
	for (int i = 0; i < 300 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 20 * DAY + 20 * 3600000 + i * 7000, "evening", &ids);
	report(t, rc == 0, "append 1,500 messages in one day: %s", err_str(rc));
	rc = page_all(t, conv, 200, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 8, "limit 200 pages through all 1,500 exactly once (%d pages)",
	    pages);
	rc = page_all(t, conv, 7, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 215, "limit 7: all 1,500 exactly once (%d pages)", pages);
	free(ids.v);
}

static void test_since(struct suite *t)
{
	struct message_page p;
	struct ids ids = { 0 };
	char conv[65], other[UUID_STRLEN + 1];
	int rc = 0, same = 1;

	conv_of(t, "since", conv);
	for (int i = 0; i < 30 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 30 * DAY + i * 60000, "catch up", &ids);
	rc = rc < 0 ? rc : message_store_since(t->s, t->ix, conv, ids.v[19], 50, &p);
	for (size_t i = 0; rc == 0 && i < p.n && p.n == 10; i++)
		same &= strcmp(p.v[i].message_id, ids.v[20 + i]) == 0;
	report(t, rc == 0 && p.n == 10 && same && !p.more,
	    "since the 20th of 30: the 10 after it, oldest first");
	message_page_free(&p);
	rc = message_store_since(t->s, t->ix, conv, ids.v[5], 10, &p);
	report(t, rc == 0 && p.n == 10 && strcmp(p.v[0].message_id, ids.v[6]) == 0 && p.more,
	    "since the 6th with limit 10: the 7th to the 16th, and more follow");
	message_page_free(&p);
	rc = message_store_since(t->s, t->ix, conv, ids.v[29], 10, &p);
	report(t, rc == 0 && p.n == 0 && !p.more, "since the newest: nothing");
	message_page_free(&p);
	if (ids_uuid4(other) < 0)
		abort();
	rc = message_store_since(t->s, t->ix, conv, other, 10, &p);
	report(t, rc == ERR_NOTFOUND, "since an unknown id: %s", err_str(rc));
	rc = message_store_since(t->s, t->ix, conv, "not-a-uuid", 10, &p);
	report(t, rc == ERR_INVAL, "since a malformed id: %s", err_str(rc));
	free(ids.v);
}

static void test_bad_cursors(struct suite *t)
{
	static const char *const bad[] = {
		"!!!!", "Zg==", "Zg", "x", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"MjAyNi0wMS0zMS8xNzY5ODE3NjAwMDAwLWJhZC5uZGpzb246MA",
	};
	struct message_page p;
	char conv[65], mangled[MESSAGE_CURSOR_MAX + 8];
	size_t n;
	int rc, all = 1;

	conv_of(t, "paging", conv);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = message_store_history(t->s, t->ix, conv, 10, bad[i], &p);
		all &= rc == ERR_INVAL;
		message_page_free(&p);
	}
	report(t, all, "%zu malformed cursors: ERR_INVAL", sizeof bad / sizeof bad[0]);
	rc = message_store_history(t->s, t->ix, conv, 10, NULL, &p);
	if (rc == 0 && p.next_cursor != NULL) {
		n = strlen(p.next_cursor);
		snprintf(mangled, sizeof mangled, "%.*s", (int)(n - 1), p.next_cursor);
		message_page_free(&p);
		rc = message_store_history(t->s, t->ix, conv, 10, mangled, &p);
		report(t, rc == ERR_INVAL, "a real cursor cut short: %s", err_str(rc));
		message_page_free(&p);
	} else {
		report(t, 0, "a first page with a cursor: %s", err_str(rc));
		message_page_free(&p);
	}
	rc = message_store_history(t->s, t->ix, conv, 0, NULL, &p);
	report(t, rc == ERR_ARG, "limit 0: %s", err_str(rc));
	rc = message_store_history(t->s, t->ix, conv, 201, NULL, &p);
	report(t, rc == ERR_ARG, "limit 201: %s", err_str(rc));
	rc = message_store_history(t->s, t->ix, "../etc", 10, NULL, &p);
	report(t, rc == ERR_ARG, "an invalid conversation id: %s", err_str(rc));
}

static void test_create_only(struct suite *t)
{
	struct message a, b;
	struct message_page p;
	char conv[65];
	int rc;

	conv_of(t, "createonly", conv);
	make_message(&a, conv, T0 + 50 * DAY, "the first");
	make_message(&b, conv, T0 + 50 * DAY, "the second");
	memcpy(b.message_id, a.message_id, sizeof a.message_id); /* the same batch key */
	rc = message_store_append(t->s, t->ix, &a, 1);
	report(t, rc == 0, "append a batch: %s", err_str(rc));
	rc = message_store_append(t->s, t->ix, &b, 1);
	report(t, rc == ERR_CONFLICT, "append again under the same key: %s", err_str(rc));
	rc = message_store_history(t->s, t->ix, conv, 10, NULL, &p);
	report(t, rc == 0 && p.n == 1 && strcmp(p.v[0].body, "the first") == 0,
	    "the batch stored first stays as it was");
	message_page_free(&p);
	b.server_received_ms++;
	rc = message_store_append(t->s, t->ix, (struct message[]){ a, b }, 2);
	report(t, rc == ERR_ARG, "a batch whose messages differ in serverReceivedAt: %s",
	    err_str(rc));
	message_free(&a);
	message_free(&b);
}

static const struct {
	int line;
	const char *json;
} bad_json[] = {
	{ __LINE__, "[]" },
	{ __LINE__, "{}" },
	{ __LINE__, "{\"messageId\":\"x\",\"conversationId\":\"c\",\"senderUserId\":\"u\","
	    "\"senderDisplayName\":\"n\",\"senderRole\":\"user\",\"type\":\"text\",\"body\":\"b\","
	    "\"clientTimestamp\":\"t\",\"serverReceivedAt\":\"2026-01-01T00:00:00.000Z\"}" },
	{ __LINE__, "{\"messageId\":\"0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60\",\"conversationId\":\"c\","
	    "\"senderUserId\":\"u\",\"senderDisplayName\":\"n\",\"senderRole\":\"root\","
	    "\"type\":\"text\",\"body\":\"b\",\"clientTimestamp\":\"t\","
	    "\"serverReceivedAt\":\"2026-01-01T00:00:00.000Z\"}" },
	{ __LINE__, "{\"messageId\":\"0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60\",\"conversationId\":\"c\","
	    "\"senderUserId\":\"u\",\"senderDisplayName\":\"n\",\"senderRole\":\"user\","
	    "\"type\":\"text\",\"body\":\"b\",\"clientTimestamp\":\"t\","
	    "\"serverReceivedAt\":\"2026-02-30T00:00:00.000Z\"}" },
	{ __LINE__, "{\"messageId\":\"0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60\",\"conversationId\":\"c\","
	    "\"senderUserId\":\"u\",\"senderDisplayName\":\"n\",\"senderRole\":\"user\","
	    "\"type\":\"text\",\"body\":7,\"clientTimestamp\":\"t\","
	    "\"serverReceivedAt\":\"2026-01-01T00:00:00.000Z\"}" },
};

static void test_from_json(struct suite *t)
{
	const char *good = "{\"messageId\":\"0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60\","
	    "\"conversationId\":\"c\",\"senderUserId\":\"u\",\"senderDisplayName\":\"n\","
	    "\"senderRole\":\"system\",\"type\":\"file\",\"body\":\"b\",\"clientTimestamp\":\"t\","
	    "\"serverReceivedAt\":\"2026-01-01T00:00:00.000Z\",\"attachmentId\":\"a\","
	    "\"filename\":\"f.txt\",\"mimetype\":\"text/plain\",\"url\":\"/u\"}";
	struct message m;
	cJSON *j, *back = NULL;
	int rc;

	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		if (json_parse(bad_json[i].json, strlen(bad_json[i].json), &j) < 0)
			abort();
		rc = message_from_json(j, &m);
		report(t, rc == ERR_INVAL && m.body == NULL, "from_json refuses the case of line %d",
		    bad_json[i].line);
		cJSON_Delete(j);
	}
	if (json_parse(good, strlen(good), &j) < 0)
		abort();
	rc = message_from_json(j, &m);
	if (rc == 0)
		rc = message_to_json(&m, &back);
	report(t, rc == 0 && cJSON_Compare(j, back, 1), "a file message: from_json, to_json, equal");
	cJSON_Delete(j);
	cJSON_Delete(back);
	message_free(&m);
}

/* ---- export ---- */

/* Checks each exported line against the expected ids, holding one line. */
struct checker {
	struct buf line;
	const struct ids *want;
	size_t next;
	int ok;
	long long bytes;
};

/* Without parsing (no allocation per line, which a sanitizer's quarantine
 * would count): message_to_json puts messageId first. */
static void check_line(struct checker *c)
{
	static const char head[] = "{\"messageId\":\"";
	size_t hn = sizeof head - 1;

	c->ok &= c->next < c->want->n && c->line.len > hn + UUID_STRLEN &&
	    memcmp(c->line.data, head, hn) == 0 &&
	    memcmp(c->line.data + hn, c->want->v[c->next], UUID_STRLEN) == 0 &&
	    c->line.data[c->line.len - 1] == '}';
	c->next++;
}

static int checker_write(void *ctx, const char *p, size_t n)
{
	struct checker *c = ctx;
	const char *nl;

	c->bytes += (long long)n;
	while (n > 0) {
		nl = memchr(p, '\n', n);
		if (buf_append(&c->line, p, nl ? (size_t)(nl - p) : n) < 0)
			return -1;
		if (nl == NULL)
			return 0;
		check_line(c);
		c->line.len = 0;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return 0;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int export_check(struct suite *t, const char *conv, const struct ids *want,
    struct checker *c)
{
	struct message_writer w = { checker_write, c };
	int rc;

	memset(c, 0, sizeof *c);
	buf_init(&c->line, 4 * BIG_BODY);
	c->want = want;
	c->ok = 1;
	rc = message_store_export(t->s, conv, &w);
	buf_free(&c->line);
	return rc;
}

static void test_export(struct suite *t)
{
	char conv[65], *body = malloc(BIG_BODY + 1);
	struct ids ids = { 0 };
	struct checker c;
	long before, after;
	int rc = 0;

	conv_of(t, "export", conv);
	if (body == NULL)
		abort();
	memset(body, 'e', BIG_BODY);
	body[BIG_BODY] = '\0';
	for (int i = 0; i < EXPORT_BATCHES && rc == 0; i++) /* three days, in order */
		rc = append_one(t, conv, T0 + 60 * DAY + (i / 256) * DAY + i, body, &ids);
	free(body);
	report(t, rc == 0, "append %d messages of %d bytes over 3 days: %s", EXPORT_BATCHES,
	    BIG_BODY, err_str(rc));
	before = peak_rss_kb();
	rc = export_check(t, conv, &ids, &c);
	after = peak_rss_kb();
	report(t, rc == 0 && c.ok && c.next == ids.n,
	    "export: %zu lines, %lld bytes, every message once, oldest first", c.next, c.bytes);
	report(t, before > 0 && after - before < RSS_GROWTH_MAX_KB,
	    "peak RSS grew by %ld KiB over the export (bound %d KiB)", after - before,
	    RSS_GROWTH_MAX_KB);
	free(ids.v);
}

static void test_export_days(struct suite *t)
{
	struct ids ids = { 0 };
	struct checker c;
	char conv[65];
	int rc = 0;

	conv_of(t, "expdays", conv);
	for (int i = 0; i < 5 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 70 * DAY + i * (DAY / 2), "x", &ids);
	rc = rc < 0 ? rc : export_check(t, conv, &ids, &c);
	report(t, rc == 0 && c.ok && c.next == 5, "export across 3 days: oldest first");
	conv_of(t, "nothing", conv);
	rc = export_check(t, conv, &ids, &c);
	report(t, rc == 0 && c.bytes == 0, "export of an empty conversation: nothing");
	free(ids.v);
}

/* ---- the index ---- */

/* A conversation written without the index is read with it: the index
 * lists it once, then keeps up with what is appended through it. */
static void test_index_rebuild(struct suite *t, struct state *ix)
{
	struct ids ids = { 0 };
	char conv[65];
	int rc = 0, pages;

	conv_of(t, "rebuild", conv);
	t->ix = NULL;
	for (int i = 0; i < 120 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 80 * DAY + i * 3600000, "before", &ids);
	t->ix = ix;
	rc = rc < 0 ? rc : page_all(t, conv, 50, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 3, "120 stored without the index, read with it: each once");
	for (int i = 0; i < 5 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 85 * DAY + i, "after", &ids);
	rc = rc < 0 ? rc : page_all(t, conv, 50, &ids, &pages, NULL, 0);
	report(t, rc == 0 && pages == 3, "5 more through the index: 125, each once");
	free(ids.v);
}

/* An indexed key whose put never happened holds no messages. */
static void test_index_orphan(struct suite *t)
{
	char conv[65], key[STORAGE_MAX_KEY + 1], uuid[UUID_STRLEN + 1];
	struct ids ids = { 0 };
	int rc = 0, pages = 0;

	conv_of(t, "orphan", conv);
	for (int i = 0; i < 10 && rc == 0; i++)
		rc = append_one(t, conv, T0 + 90 * DAY + i, "kept", &ids);
	if (rc == 0 && (rc = ids_uuid4(uuid)) == 0 &&
	    (rc = keys_message_batch(key, conv, T0 + 90 * DAY + 5, uuid)) == 0)
		rc = state_index_add(t->ix, conv, (const char *const[]){ key }, 1);
	rc = rc < 0 ? rc : page_all(t, conv, 4, &ids, &pages, NULL, 0);
	report(t, rc == 0, "an indexed key without its object: skipped, the rest each once (%s, %d pages)", err_str(rc), pages);
	free(ids.v);
}

/* ---- setup, cleanup ---- */

static void cleanup(struct suite *t)
{
	char prefix[64];
	struct storage_list_opts o = { prefix, NULL, NULL, NULL, STORAGE_LIST_MAX };
	struct storage_list l;
	size_t deleted = 0, n;
	int rc;

	snprintf(prefix, sizeof prefix, "conversations/%s-", t->run);
	do { /* deleting changes what lists: list from the start each time */
		rc = storage_list(t->s, &o, &l);
		n = l.nkeys;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = storage_delete(t->s, l.keys[i]);
		deleted += rc == 0 ? n : 0;
		storage_list_free(&l);
	} while (rc == 0 && n > 0);
	report(t, rc == 0, "cleanup: %zu objects deleted under %s", deleted, prefix);
}

/* ---- sending order ---- */

/* Sends one after another while the clock stands still (every call gets
 * the same now), starting 150 ms before a midnight: the message clock gives
 * each the next millisecond, so every read gives them in sending order. */
static void test_one_millisecond(struct suite *t)
{
	const int64_t now = T0 + 100 * DAY - 150;
	struct ids ids = { 0 };
	struct message_page p;
	struct checker c;
	char conv[65];
	int64_t ms = 0, last = 0;
	size_t from = SENDS_AT_ONCE / 6;
	int rc = 0, pages = 0, rising = 1, same = 1;

	conv_of(t, "onems", conv);
	for (int i = 0; i < SENDS_AT_ONCE && rc == 0; i++) {
		if ((rc = state_next_message_ms(t->st, conv, now, &ms)) == 0)
			rc = append_one(t, conv, ms, "at once", &ids);
		rising &= ms > last;
		last = ms;
	}
	report(t, rc == 0 && rising, "%d sends at one instant: each a later millisecond: %s",
	    SENDS_AT_ONCE, err_str(rc));
	rc = rc < 0 ? rc : page_all(t, conv, 7, &ids, &pages, NULL, 0);
	report(t, rc == 0, "before= pages of 7 give them in sending order, across midnight "
	    "(%d pages)", pages);
	rc = message_store_since(t->s, t->ix, conv, ids.v[from], MESSAGE_LIMIT_MAX, &p);
	for (size_t i = 0; rc == 0 && i < p.n && p.n == MESSAGE_LIMIT_MAX; i++)
		same &= strcmp(p.v[i].message_id, ids.v[from + 1 + i]) == 0;
	report(t, rc == 0 && p.n == MESSAGE_LIMIT_MAX && same && p.more,
	    "since= gives the %d after message %zu in sending order", MESSAGE_LIMIT_MAX, from + 1);
	message_page_free(&p);
	rc = export_check(t, conv, &ids, &c);
	report(t, rc == 0 && c.ok && c.next == ids.n, "export gives all %zu in sending order",
	    ids.n);
	free(ids.v);
}


/* ---- compaction (lib/message_compact.h) ---- */

#define COMPACT_PER_DAY 130
#define COMPACT_PAGE 50
#define COMPACT_PAGES_MAX 16

/* What a conversation reads as: its pages of COMPACT_PAGE (ids and
 * cursors), since= after its 100th message, and its export's bytes. */
struct reads_as {
	struct ids pages[COMPACT_PAGES_MAX];
	char *cursors[COMPACT_PAGES_MAX];
	int npages;
	struct ids since;
	struct buf export;
	size_t most_reads; /* storage reads of the costliest page */
};

static int buf_write(void *ctx, const char *p, size_t n)
{
	return buf_append(ctx, p, n) < 0 ? -1 : 0;
}

static void reads_as_free(struct reads_as *r)
{
	for (int i = 0; i < r->npages; i++) {
		free(r->pages[i].v);
		free(r->cursors[i]);
	}
	free(r->since.v);
	buf_free(&r->export);
	memset(r, 0, sizeof *r);
}

static int read_all(struct suite *t, struct state *ix, const char *conv, const char *since_id,
    struct reads_as *r)
{
	struct message_writer w = { buf_write, &r->export };
	struct message_page p;
	const char *cursor = NULL;
	int rc = 0;

	memset(r, 0, sizeof *r);
	buf_init(&r->export, 64 << 20);
	do {
		rc = message_store_history(t->s, ix, conv, COMPACT_PAGE, cursor, &p);
		for (size_t i = 0; rc == 0 && i < p.n; i++)
			ids_add(&r->pages[r->npages], p.v[i].message_id);
		if (rc == 0 && p.reads > r->most_reads)
			r->most_reads = p.reads;
		r->cursors[r->npages] = rc == 0 && p.next_cursor ? xstrdup(p.next_cursor) : NULL;
		cursor = r->cursors[r->npages++];
		message_page_free(&p);
	} while (rc == 0 && cursor != NULL && r->npages < COMPACT_PAGES_MAX);
	if (rc == 0 && (rc = message_store_since(t->s, ix, conv, since_id, MESSAGE_LIMIT_MAX,
	    &p)) == 0) {
		for (size_t i = 0; i < p.n; i++)
			ids_add(&r->since, p.v[i].message_id);
		message_page_free(&p);
	}
	return rc == 0 ? message_store_export(t->s, conv, &w) : rc;
}

static int same_ids(const struct ids *a, const struct ids *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}

static int reads_same(const struct reads_as *a, const struct reads_as *b)
{
	int same = a->npages == b->npages && same_ids(&a->since, &b->since) &&
	    a->export.len == b->export.len &&
	    memcmp(a->export.data, b->export.data, a->export.len) == 0;

	for (int i = 0; same && i < a->npages; i++)
		same = same_ids(&a->pages[i], &b->pages[i]) &&
		    (a->cursors[i] == NULL) == (b->cursors[i] == NULL);
	return same;
}

/* Every page reached again from the cursors taken before: the same ids. */
static int old_cursors_same(struct suite *t, const char *conv, const struct reads_as *before)
{
	struct message_page p;
	int rc = 0, same = 1;

	for (int i = 0; same && rc == 0 && i + 1 < before->npages; i++) {
		rc = message_store_history(t->s, t->ix, conv, COMPACT_PAGE, before->cursors[i], &p);
		same = rc == 0 && p.n == before->pages[i + 1].n;
		for (size_t j = 0; same && j < p.n; j++)
			same = strcmp(p.v[j].message_id, before->pages[i + 1].v[j]) == 0;
		message_page_free(&p);
	}
	return rc == 0 && same;
}

/* Two days of COMPACT_PER_DAY messages, a millisecond apart or more. */
static int fill_two_days(struct suite *t, const char *conv, int64_t day, struct ids *ids)
{
	int rc = 0;

	for (int i = 0; i < 2 * COMPACT_PER_DAY && rc == 0; i++)
		rc = append_one(t, conv, day + (i / COMPACT_PER_DAY) * DAY +
		    (i % COMPACT_PER_DAY) * 1000 + i % 3, texts[i % NTEXTS], ids);
	return rc;
}

static int compact(struct suite *t, const char *conv, int64_t before, long grace,
    struct message_compact_report *r)
{
	memset(r, 0, sizeof *r);
	return message_compact(t->s, t->st, conv, before, grace, r);
}

static void test_compact(struct suite *t)
{
	const int64_t day = T0 + 110 * DAY;
	struct message_compact_report r;
	struct reads_as before, after, walked;
	struct ids ids = { 0 };
	char conv[65];
	int rc;

	conv_of(t, "compact", conv);
	rc = fill_two_days(t, conv, day, &ids);
	rc = rc < 0 ? rc : read_all(t, t->ix, conv, ids.v[99], &before);
	report(t, rc == 0 && before.npages == 6 && before.most_reads > 40,
	    "%d messages over two days: %d pages, up to %zu reads a page (%s)",
	    2 * COMPACT_PER_DAY, before.npages, before.most_reads, err_str(rc));
	rc = compact(t, conv, day + 3 * DAY, 0, &r);
	report(t, rc == 0 && r.written == 2 && r.replaced == 260 && r.deleted == 260,
	    "compact: %zu batches written for %zu, %zu deleted (%s)", r.written, r.replaced,
	    r.deleted, err_str(rc));
	rc = read_all(t, t->ix, conv, ids.v[99], &after);
	report(t, rc == 0 && reads_same(&before, &after) && after.most_reads <= 2,
	    "after: every page, since= and the export the same, at most %zu reads a page "
	    "(at most 2)", after.most_reads);
	report(t, old_cursors_same(t, conv, &before), "the cursors from before give the same pages");
	rc = read_all(t, NULL, conv, ids.v[99], &walked);
	report(t, rc == 0 && reads_same(&before, &walked), "the storage walk reads the same");
	reads_as_free(&walked);
	rc = compact(t, conv, day + 3 * DAY, 0, &r);
	report(t, rc == 0 && r.written == 0 && r.deleted == 0, "a second run has nothing to do");
	for (int i = 0; i < 30 && rc == 0; i++)
		rc = append_one(t, conv, day + DAY + 200000 + i, "later", &ids);
	reads_as_free(&before);
	rc = rc < 0 ? rc : read_all(t, t->ix, conv, ids.v[99], &before);
	rc = rc < 0 ? rc : compact(t, conv, day + 3 * DAY, 0, &r);
	reads_as_free(&after);
	rc = rc < 0 ? rc : read_all(t, t->ix, conv, ids.v[99], &after);
	report(t, rc == 0 && r.written == 1 && r.deleted == 31 && reads_same(&before, &after) &&
	    after.most_reads <= 2, "30 more, compacted into the day's batch: the same, at most "
	    "%zu reads a page (%s)", after.most_reads, err_str(rc));
	reads_as_free(&before);
	reads_as_free(&after);
	free(ids.v);
}


/* A process of its own on the suite's storage and state: 0 or -1. */
static int open_own(const struct suite *t, struct storage **s, struct state **st)
{
	struct config at = *t->cfg; /* borrows cfg's strings */

	at.data_dir = t->state_dir;
	*s = NULL;
	*st = NULL;
	if (storage_open(s, t->cfg) == 0 && state_open(st, &at) == 0)
		return 0;
	storage_close(*s);
	state_close(*st);
	return -1;
}

static int count_compacted(void *ctx, const char *key)
{
	*(int *)ctx += keys_compacted_range(key, NULL, NULL);
	return 0;
}

/* Waits (at most 30 s) until the index of conv holds n compacted keys. */
static int wait_compacted(struct suite *t, const char *conv, int n)
{
	struct timespec tick = { 0, 10000000 };
	int found = 0;

	for (int i = 0; i < 3000 && found != n; i++) {
		found = 0;
		if (state_index_newest(t->st, conv, NULL, 1000, count_compacted, &found) < 0)
			return -1;
		if (found != n)
			nanosleep(&tick, NULL);
	}
	return found == n ? 0 : -1;
}

/* Deletes the first n plain objects of conv's first day, oldest first, as
 * a compactor killed while deleting leaves them. */
static int delete_oldest(struct suite *t, const char *conv, int64_t day, size_t n)
{
	char prefix[STORAGE_MAX_KEY + 1];
	struct storage_list_opts o = { prefix, NULL, NULL, NULL, STORAGE_LIST_MAX };
	struct storage_list l;
	size_t done = 0;
	int rc = keys_messages_day_prefix(prefix, conv, day);

	if (rc == 0 && (rc = storage_list(t->s, &o, &l)) == 0)
		for (size_t i = 0; i < l.nkeys && done < n && rc == 0; i++)
			if (!keys_compacted_range(l.keys[i], NULL, NULL) &&
			    (rc = storage_delete(t->s, l.keys[i])) == 0)
				done++;
	storage_list_free(&l);
	return rc;
}

/* kill -9 in the middle (the index switched, nothing deleted), then the
 * state a kill while deleting leaves; a second run finishes. */
static void test_compact_killed(struct suite *t)
{
	const int64_t day = T0 + 120 * DAY;
	struct message_compact_report r;
	struct reads_as before, mid, walked;
	struct storage *s;
	struct state *st;
	struct ids ids = { 0 };
	char conv[65];
	pid_t pid;
	int rc;

	conv_of(t, "killed", conv);
	rc = fill_two_days(t, conv, day, &ids);
	rc = rc < 0 ? rc : read_all(t, t->ix, conv, ids.v[99], &before);
	if ((pid = fork()) == 0) {
		if (open_own(t, &s, &st) < 0)
			_exit(2);
		memset(&r, 0, sizeof r);
		_exit(message_compact(s, st, conv, day + 3 * DAY, 60000, &r) == 0 ? 0 : 1);
	}
	rc = rc == 0 && pid > 0 ? wait_compacted(t, conv, 2) : -1;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	report(t, rc == 0, "a compactor killed with SIGKILL once it switched the index");
	rc = read_all(t, t->ix, conv, ids.v[99], &mid);
	report(t, rc == 0 && reads_same(&before, &mid), "history, since= and export the same");
	reads_as_free(&mid);
	rc = read_all(t, NULL, conv, ids.v[99], &walked);
	report(t, rc == 0 && reads_same(&before, &walked),
	    "the storage walk reads the same with both the big and the small objects");
	reads_as_free(&walked);
	rc = delete_oldest(t, conv, day, 40);
	rc = rc < 0 ? rc : read_all(t, NULL, conv, ids.v[99], &walked);
	report(t, rc == 0 && reads_same(&before, &walked),
	    "and with the 40 oldest small ones deleted");
	reads_as_free(&walked);
	rc = compact(t, conv, day + 3 * DAY, 0, &r);
	report(t, rc == 0 && r.written == 0 && r.deleted == 220,
	    "a second run takes the claim over and deletes the other %zu (%s)", r.deleted,
	    err_str(rc));
	rc = read_all(t, t->ix, conv, ids.v[99], &mid);
	report(t, rc == 0 && reads_same(&before, &mid) && mid.most_reads <= 2,
	    "then everything reads the same, at most %zu reads a page", mid.most_reads);
	reads_as_free(&mid);
	reads_as_free(&before);
	free(ids.v);
}

#define READERS 2

/* A reader pages through conv in a loop, writing a byte to out after each
 * full pass, until in closes: exit 0 when every pass gave want, each
 * message once and in order. */
static void reader(struct suite *t, const char *conv, const struct ids *want, int in, int out)
{
	struct pollfd stop = { in, POLLIN, 0 };
	int pages, bad = 0, rc;

	if (open_own(t, &t->s, &t->st) < 0)
		_exit(2);
	t->ix = t->st;
	while (poll(&stop, 1, 0) == 0) {
		rc = page_all(t, conv, COMPACT_PAGE, want, &pages, NULL, 0);
		bad += rc != 0;
		if (write(out, "p", 1) != 1)
			_exit(3);
	}
	_exit(bad ? 1 : 0);
}

/* Each reader has made at least n more passes. */
static int passes(int fds[READERS], int n)
{
	char c;

	for (int i = 0; i < READERS; i++)
		for (int j = 0; j < n; j++)
			if (read(fds[i], &c, 1) != 1)
				return -1;
	return 0;
}

static void test_compact_readers(struct suite *t)
{
	const int64_t day = T0 + 130 * DAY;
	struct message_compact_report r;
	struct ids ids = { 0 };
	int up[READERS][2], stop[2], from[READERS], ok = 1, status, rc;
	pid_t pid[READERS];
	char conv[65];

	conv_of(t, "readers", conv);
	rc = fill_two_days(t, conv, day, &ids);
	if (pipe(stop) < 0)
		abort();
	for (int i = 0; i < READERS; i++) {
		if (pipe(up[i]) < 0 || (pid[i] = fork()) < 0)
			abort();
		if (pid[i] == 0) {
			close(stop[1]);
			reader(t, conv, &ids, stop[0], up[i][1]);
		}
		close(up[i][1]);
		from[i] = up[i][0];
	}
	close(stop[0]);
	rc = rc < 0 ? rc : passes(from, 1);
	rc = rc < 0 ? rc : compact(t, conv, day + 3 * DAY, 0, &r);
	rc = rc < 0 ? rc : passes(from, 2);
	close(stop[1]);
	for (int i = 0; i < READERS; i++) {
		ok &= waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
		close(from[i]);
	}
	report(t, rc == 0 && ok && r.deleted == 260, "%d readers paging in a loop while the "
	    "compactor ran (no grace): every pass each message once, in order (%s)", READERS,
	    err_str(rc));
	free(ids.v);
}

/* The cases that read and write through the index when there is one. */
static void run_cases(struct suite *t)
{
	test_round_trip(t);
	test_paging(t);
	test_bad_cursors(t);
	test_days(t);
	test_big_day(t);
	test_since(t);
	test_create_only(t);
	test_one_millisecond(t);
}

/* The state of the suite in a fresh directory, with cfg's backend. */
static int open_state(struct suite *t, const struct config *cfg, char dir[TMPDIR_MAX])
{
	struct config at = *cfg; /* borrows cfg's strings */
	int rc;

	if (tmpdir_make(dir, "chats3-state") < 0) {
		dir[0] = '\0';
		report(t, 0, "make a directory for the state");
		return -1;
	}
	at.data_dir = dir;
	rc = state_open(&t->st, &at);
	report(t, rc == 0, "open the state: %s", err_str(rc));
	return rc;
}

static void close_state(struct suite *t, const char *dir)
{
	state_close(t->st);
	t->st = t->ix = NULL;
	if (dir[0] != '\0')
		tmpdir_remove(dir);
}

int main(void)
{
	const char *label = getenv("CHATS3_STORAGE");
	char err[CONFIG_ERR_LEN], rnd[13], stdir[TMPDIR_MAX] = "";
	struct suite t = { 0 };
	struct config cfg;
	int rc;

	if (label == NULL || label[0] == '\0')
		label = "fs";
	if (config_load(&cfg, err) < 0) {
		printf("FAIL config: %s\nmessages-%s: 0 passed, 1 failed\n", err, label);
		return 1;
	}
	if ((rc = storage_open(&t.s, &cfg)) < 0 || (rc = ids_token_hex(rnd, sizeof rnd, 6)) < 0 ||
	    (rc = open_state(&t, &cfg, stdir)) < 0) {
		printf("FAIL open storage and state: %s\nmessages-%s: 0 passed, 1 failed\n",
		    err_str(rc), label);
		close_state(&t, stdir);
		storage_close(t.s);
		config_free(&cfg);
		return 1;
	}
	t.cfg = &cfg;
	t.state_dir = stdir;
	snprintf(t.run, sizeof t.run, "t%ss", rnd);
	printf("--- the storage walk: conversations %s-*\n", t.run);
	test_export(&t); /* first: later cases would raise the peak RSS it measures */
	test_from_json(&t);
	test_export_days(&t);
	run_cases(&t);
	cleanup(&t);
	t.ix = t.st;
	snprintf(t.run, sizeof t.run, "t%si", rnd);
	printf("--- the message index: conversations %s-*\n", t.run);
	run_cases(&t);
	test_index_rebuild(&t, t.ix);
	test_index_orphan(&t);
	test_compact(&t);
	test_compact_killed(&t);
	test_compact_readers(&t);
	cleanup(&t);
	close_state(&t, stdir);
	storage_close(t.s);
	config_free(&cfg);
	printf("messages-%s: %d passed, %d failed\n", label, t.passed, t.failed);
	return t.failed ? 1 : 0;
}
