/*
 * message_store: the Message model, batches as NDJSON objects, and
 * reading history back from the newest keys, found in the message index or
 * by walking storage (docs/history.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64url.h"
#include "buf.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "message_store.h"
#include "numparse.h"
#include "state.h"
#include "storage.h"
#include "storage_keys.h"
#include "strlist.h"
#include "utf8.h"

#define NDJSON_TYPE "application/x-ndjson"
#define DAY_LEN 10                   /* "YYYY-MM-DD" */
#define MS_DIGITS 13
#define BATCH_NAME_LEN (MS_DIGITS + 1 + UUID_STRLEN + 7) /* "<ms>-<uuid>.ndjson" */
#define DAY_MS INT64_C(86400000)
#define DAYS_MAX 100000              /* days of one conversation held at once */
#define PROBES_MAX 1000              /* list requests one day's walk may make */
#define PROBE_SLACK 1.25             /* keys asked for over the keys needed */
#define WIDEN 8                      /* how much an empty probe widens the next */

typedef int (*page_fn)(void *ctx, const struct storage_list *l);

/* ---- the model ---- */

static const char *const type_names[] = { "text", "system", "file" };
static const char *const role_names[] = { "user", "admin", "system" };

void message_free(struct message *m)
{
	free(m->sender_user_id);
	free(m->sender_display_name);
	free(m->sender_avatar_url);
	free(m->body);
	free(m->client_timestamp);
	free(m->attachment_id);
	free(m->filename);
	free(m->mimetype);
	free(m->url);
	memset(m, 0, sizeof *m);
}

static int add_string(cJSON *o, const char *name, const char *v)
{
	return v == NULL || cJSON_AddStringToObject(o, name, v) != NULL ? 0 : ERR_NOMEM;
}

static int add_fields(cJSON *o, const struct message *m, const char *received)
{
	const char *fields[][2] = {
		{ "messageId", m->message_id }, { "conversationId", m->conversation_id },
		{ "senderUserId", m->sender_user_id },
		{ "senderDisplayName", m->sender_display_name },
		{ "senderAvatarUrl", m->sender_avatar_url },
		{ "senderRole", role_names[m->sender_role] }, { "type", type_names[m->type] },
		{ "body", m->body }, { "clientTimestamp", m->client_timestamp },
		{ "serverReceivedAt", received }, { "attachmentId", m->attachment_id },
		{ "filename", m->filename }, { "mimetype", m->mimetype }, { "url", m->url },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof fields / sizeof fields[0] && rc == 0; i++)
		rc = add_string(o, fields[i][0], fields[i][1]);
	return rc;
}

int message_to_json(const struct message *m, cJSON **out)
{
	char received[ISO_TIME_LEN + 1];
	int rc;

	*out = NULL;
	if ((unsigned)m->type > MESSAGE_FILE || (unsigned)m->sender_role > MESSAGE_ROLE_SYSTEM)
		return ERR_ARG;
	if ((rc = clock_iso(m->server_received_ms, received)) < 0)
		return rc;
	if ((*out = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if ((rc = add_fields(*out, m, received)) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

static const char *string_of(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A copy of j's string name into *out; absent or null leaves NULL. */
static int take_string(const cJSON *j, const char *name, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return ERR_INVAL;
	return (*out = strdup(v->valuestring)) != NULL ? 0 : ERR_NOMEM;
}

static int lookup(const char *v, const char *const *names, int n)
{
	for (int i = 0; v != NULL && i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

static int copy_id(char *out, size_t size, const char *v)
{
	if (v == NULL || strnlen(v, size) >= size)
		return ERR_INVAL;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int fill_fixed(const cJSON *j, struct message *m)
{
	int type = lookup(string_of(j, "type"), type_names, 3);
	int role = lookup(string_of(j, "senderRole"), role_names, 3);
	const char *received = string_of(j, "serverReceivedAt");

	if (type < 0 || role < 0 || received == NULL ||
	    clock_parse_iso(received, &m->server_received_ms) < 0 ||
	    copy_id(m->message_id, sizeof m->message_id, string_of(j, "messageId")) < 0 ||
	    copy_id(m->conversation_id, sizeof m->conversation_id,
	    string_of(j, "conversationId")) < 0)
		return ERR_INVAL;
	m->type = (enum message_type)type;
	m->sender_role = (enum message_role)role;
	return 0;
}

static int fill_strings(const cJSON *j, struct message *m)
{
	struct { const char *name; char **field; } s[] = {
		{ "senderUserId", &m->sender_user_id },
		{ "senderDisplayName", &m->sender_display_name },
		{ "senderAvatarUrl", &m->sender_avatar_url }, { "body", &m->body },
		{ "clientTimestamp", &m->client_timestamp },
		{ "attachmentId", &m->attachment_id }, { "filename", &m->filename },
		{ "mimetype", &m->mimetype }, { "url", &m->url },
	};
	int rc = 0;

	for (size_t i = 0; i < sizeof s / sizeof s[0] && rc == 0; i++)
		rc = take_string(j, s[i].name, s[i].field);
	return rc;
}

/* NULL (when allowed) or valid UTF-8 of at most max bytes. */
static int valid_text(const char *v, size_t max, int required)
{
	size_t n;

	if (v == NULL)
		return !required;
	n = strnlen(v, max + 1);
	return n <= max && utf8_count(v, n) >= 0;
}

static int valid_message(const struct message *m)
{
	return ids_is_uuid4(m->message_id, strlen(m->message_id)) &&
	    keys_valid_conversation_id(m->conversation_id) &&
	    (unsigned)m->type <= MESSAGE_FILE && (unsigned)m->sender_role <= MESSAGE_ROLE_SYSTEM &&
	    valid_text(m->sender_user_id, MESSAGE_STRING_MAX, 1) &&
	    valid_text(m->sender_display_name, MESSAGE_STRING_MAX, 1) &&
	    valid_text(m->sender_avatar_url, MESSAGE_STRING_MAX, 0) &&
	    valid_text(m->body, MESSAGE_BODY_MAX, 1) &&
	    valid_text(m->client_timestamp, MESSAGE_STRING_MAX, 1) &&
	    valid_text(m->attachment_id, MESSAGE_STRING_MAX, 0) &&
	    valid_text(m->filename, MESSAGE_STRING_MAX, 0) &&
	    valid_text(m->mimetype, MESSAGE_STRING_MAX, 0) &&
	    valid_text(m->url, MESSAGE_STRING_MAX, 0);
}

int message_from_json(const cJSON *j, struct message *m)
{
	int rc;

	memset(m, 0, sizeof *m);
	if (!cJSON_IsObject(j))
		return ERR_INVAL;
	if ((rc = fill_fixed(j, m)) == 0 && (rc = fill_strings(j, m)) == 0 && !valid_message(m))
		rc = ERR_INVAL;
	if (rc < 0)
		message_free(m);
	return rc;
}

/* ---- batches ---- */

struct messages {
	struct message *v;
	size_t n, cap;
};

static void messages_free(struct messages *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		message_free(&ms->v[i]);
	free(ms->v);
	memset(ms, 0, sizeof *ms);
}

/* Moves *m (emptied) to the end of ms. */
static int messages_take(struct messages *ms, struct message *m)
{
	struct message *v = buf_grow_array(ms->v, &ms->cap, ms->n, sizeof *ms->v);

	if (v == NULL)
		return ERR_NOMEM;
	ms->v = v;
	ms->v[ms->n++] = *m;
	memset(m, 0, sizeof *m);
	return 0;
}

static int append_line(struct buf *b, const struct message *m)
{
	cJSON *j;
	char *text;
	int rc;

	if (!valid_message(m))
		return ERR_ARG;
	if ((rc = message_to_json(m, &j)) < 0)
		return rc;
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text == NULL)
		return ERR_NOMEM;
	if ((rc = buf_puts(b, text)) == 0)
		rc = buf_putc(b, '\n');
	free(text);
	return rc;
}

static int same_batch(const struct message *a, const struct message *b)
{
	return strcmp(a->conversation_id, b->conversation_id) == 0 &&
	    a->server_received_ms == b->server_received_ms;
}


/* The index learns of key before its object is put (see message_store.h);
 * a conversation it does not cover yet it lists first (one LIST when the
 * conversation is new). */
static int index_key(struct storage *s, struct state *ix, const char *conversation_id,
    const char *key)
{
	int rc;

	if (ix == NULL)
		return 0;
	rc = message_store_index_ready(s, ix, conversation_id);
	return rc < 0 ? rc : state_index_add(ix, conversation_id, &key, 1);
}

int message_store_append(struct storage *s, struct state *index, const struct message *msgs,
    size_t n)
{
	char key[STORAGE_MAX_KEY + 1];
	struct buf b;
	int rc = 0;

	if (n == 0 || n > MESSAGE_BATCH_MAX)
		return ERR_ARG;
	if ((rc = keys_message_batch(key, msgs[0].conversation_id, msgs[0].server_received_ms,
	    msgs[n - 1].message_id)) < 0)
		return rc;
	buf_init(&b, MESSAGE_BATCH_BYTES);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = same_batch(&msgs[0], &msgs[i]) ? append_line(&b, &msgs[i]) : ERR_ARG;
	if (rc == 0)
		rc = index_key(s, index, msgs[0].conversation_id, key);
	if (rc == 0)
		rc = storage_put(s, key, b.data, b.len, NDJSON_TYPE, STORAGE_CREATE_ONLY);
	buf_free(&b);
	return rc;
}

static int parse_line(const char *p, size_t n, const char *conversation_id,
    struct messages *out)
{
	struct message m;
	cJSON *j;
	int rc;

	if ((rc = json_parse(p, n, &j)) < 0)
		return ERR_STORAGE;
	rc = message_from_json(j, &m);
	cJSON_Delete(j);
	if (rc == ERR_INVAL || (rc == 0 && strcmp(m.conversation_id, conversation_id) != 0))
		rc = ERR_STORAGE;
	if (rc == 0)
		rc = messages_take(out, &m);
	message_free(&m);
	return rc;
}

/* The batch p[0..n) of the object at key: its messages appended to out,
 * in order. */
static int parse_batch(const char *key, const char *p, size_t n, const char *conversation_id,
    struct messages *out)
{
	size_t max = keys_compacted_range(key, NULL, NULL) ? MESSAGE_COMPACT_MAX :
	    MESSAGE_BATCH_MAX, count = 0;
	const char *nl;
	int rc = 0;

	for (; n > 0 && rc == 0; n -= (size_t)(nl - p) + 1, p = nl + 1) {
		if ((nl = memchr(p, '\n', n)) == NULL || ++count > max)
			return ERR_STORAGE;
		rc = parse_line(p, (size_t)(nl - p), conversation_id, out);
	}
	return rc;
}

int message_batch_parse(const char *key, const char *p, size_t n,
    const char *conversation_id, struct message **v, size_t *count)
{
	struct messages ms = { NULL, 0, 0 };
	int rc = parse_batch(key, p, n, conversation_id, &ms);

	if (rc < 0)
		messages_free(&ms);
	*v = ms.v;
	*count = ms.n;
	return rc;
}

/* ---- listing ---- */

/* Lists under the conversation's messages prefix (fn returning > 0 ends
 * the listing early). */
static int list_messages(struct storage *s, const char *conversation_id, page_fn fn,
    void *ctx, const char *delimiter, int max_keys)
{
	char prefix[STORAGE_MAX_KEY + 1];
	struct storage_list_opts o = { prefix, delimiter, NULL, NULL, max_keys };
	int rc;

	if ((rc = keys_messages_prefix(prefix, conversation_id)) < 0)
		return rc;
	return storage_list_each(s, &o, fn, ctx);
}

/* The day prefix "<messages prefix>YYYY-MM-DD/" as epoch ms of its start. */
static int day_start_ms(const char *day, size_t mlen, int64_t *ms)
{
	char iso[ISO_TIME_LEN + 1];

	if (strlen(day) != mlen + DAY_LEN + 1 || day[mlen + DAY_LEN] != '/' ||
	    snprintf(iso, sizeof iso, "%.10sT00:00:00.000Z", day + mlen) != ISO_TIME_LEN)
		return ERR_INVAL;
	return clock_parse_iso(iso, ms);
}

struct days {
	struct strlist list;
	size_t mlen; /* length of the messages prefix */
};

static int add_days(void *ctx, const struct storage_list *l)
{
	struct days *d = ctx;
	int64_t ms;
	int rc = 0;

	for (size_t i = 0; i < l->nprefixes && rc == 0; i++) {
		if (day_start_ms(l->prefixes[i], d->mlen, &ms) < 0)
			continue; /* not ours */
		rc = d->list.n < DAYS_MAX ? strlist_add(&d->list, l->prefixes[i]) : ERR_TOOBIG;
	}
	return rc;
}

/* ---- walking back from the newest ---- */

/* Keys collected walking back: newest first. */
struct tail {
	char **keys;
	size_t n, cap;
	const char *stop_uuid; /* since: the walk ends at this batch, not kept */
	int stopped;
	char stop_key[STORAGE_MAX_KEY + 1]; /* that batch's key */
};

static int tail_done(const struct tail *t)
{
	return t->stopped || t->n == t->cap;
}

static int key_has_uuid(const char *key, const char *uuid)
{
	size_t n = strlen(key);

	return n > BATCH_NAME_LEN && strncmp(key + n - 7 - UUID_STRLEN, uuid, UUID_STRLEN) == 0;
}

static int tail_push(struct tail *t, const char *key)
{
	if (t->stop_uuid != NULL && key_has_uuid(key, t->stop_uuid)) {
		t->stopped = 1;
		memcpy(t->stop_key, key, strlen(key) + 1);
		return 0;
	}
	if ((t->keys[t->n] = strdup(key)) == NULL)
		return ERR_NOMEM;
	t->n++;
	return 0;
}

/* keys[0..m) are ascending: the newest go in first. */
static int tail_push_chunk(struct tail *t, char *const *keys, size_t m)
{
	int rc = 0;

	while (m > 0 && rc == 0 && !tail_done(t))
		rc = tail_push(t, keys[--m]);
	return rc;
}

static int tail_init(struct tail *t, size_t cap, const char *stop_uuid)
{
	memset(t, 0, sizeof *t);
	t->cap = cap;
	t->stop_uuid = stop_uuid;
	return (t->keys = calloc(cap, sizeof *t->keys)) != NULL ? 0 : ERR_NOMEM;
}

static void tail_free(struct tail *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->keys[i]);
	free(t->keys);
}

/* One day, walked back from hi with list probes that start where the
 * newest keys needed are expected to begin (see docs/history.md). */
struct day_walk {
	struct storage *s;
	const char *day;             /* the day's prefix */
	size_t day_len;
	int64_t day_start;
	char hi[STORAGE_MAX_KEY + 1];    /* keys from here on are collected; "" none */
	int64_t t_hi;
	char floor[STORAGE_MAX_KEY + 1]; /* a key known to lie below hi; "" none */
	char x[STORAGE_MAX_KEY + 1];     /* the probe's start-after; "" the day's start */
	int64_t t_x;
	double rate;                 /* keys per ms near hi; 0 unknown */
};

/* The ms of a key or probe marker of the day. */
static int64_t ms_of(const struct day_walk *w, const char *k)
{
	long long v = 0;

	for (size_t i = w->day_len; i < w->day_len + MS_DIGITS && k[i] >= '0' && k[i] <= '9'; i++)
		v = v * 10 + (k[i] - '0');
	return v;
}

static size_t below_hi(const struct day_walk *w, const struct storage_list *l)
{
	size_t m = 0;

	while (m < l->nkeys && (w->hi[0] == '\0' || strcmp(l->keys[m], w->hi) < 0))
		m++;
	return m;
}

/* Where the next probe starts: early enough for want keys at the rate
 * seen, wider after an empty one, never below floor or the day. */
static void next_probe(struct day_walk *w, size_t want, int64_t last_width)
{
	int64_t width = w->rate > 0 ? (int64_t)((double)want * PROBE_SLACK / w->rate) + 1 :
	    last_width * WIDEN + 1;
	int64_t t = w->t_hi - width;

	if (w->floor[0] != '\0' && t <= ms_of(w, w->floor)) {
		memcpy(w->x, w->floor, strlen(w->floor) + 1);
		w->t_x = ms_of(w, w->floor);
	} else if (t <= w->day_start) {
		w->x[0] = '\0';
		w->t_x = w->day_start;
	} else {
		snprintf(w->x, sizeof w->x, "%s%013lld", w->day, (long long)t);
		w->t_x = t;
	}
}

/* The probe reached hi: keys[0..m) are all there is in (x, hi). */
static void reached(struct day_walk *w, size_t m)
{
	int64_t width = w->t_hi - w->t_x;

	w->rate = (double)m / (double)(width > 0 ? width : 1); /* 0: widen */
	memcpy(w->hi, w->x, strlen(w->x) + 1);
	w->t_hi = w->t_x;
	if (w->floor[0] != '\0' && strcmp(w->floor, w->hi) >= 0)
		w->floor[0] = '\0';
}

/* The probe stopped short of hi: more keys lie between its last and hi. */
static void short_of_hi(struct day_walk *w, const struct storage_list *l)
{
	const char *last = l->keys[l->nkeys - 1];
	int64_t width = ms_of(w, last) - ms_of(w, l->keys[0]);

	w->rate = (double)l->nkeys / (double)(width > 0 ? width : 1);
	memcpy(w->floor, last, strlen(last) + 1);
}

/* A probe starts after a marker "<day><ms>" or after a key (the floor). */
static int probe_is_key(const struct day_walk *w)
{
	return strlen(w->x) > w->day_len + MS_DIGITS;
}

static int probe(struct day_walk *w, struct tail *t, int *done)
{
	struct storage_list_opts o = { w->day, NULL, w->x[0] ? w->x : NULL, NULL,
		STORAGE_LIST_MAX };
	struct storage_list l;
	int64_t width = w->t_hi - w->t_x;
	size_t m;
	int rc;

	if ((rc = storage_list(w->s, &o, &l)) < 0)
		goto out;
	m = below_hi(w, &l);
	if (m < l.nkeys || l.next_continuation == NULL) {
		rc = tail_push_chunk(t, l.keys, m);
		if (rc == 0 && !tail_done(t) && probe_is_key(w))
			rc = tail_push(t, w->x); /* the next older key: a start-after skips it */
		*done = rc < 0 || tail_done(t) || w->x[0] == '\0';
		reached(w, m);
	} else {
		short_of_hi(w, &l);
	}
	if (!*done)
		next_probe(w, t->cap - t->n, width);
out:
	storage_list_free(&l);
	return rc;
}

static int walk_day(struct storage *s, const char *day, size_t mlen, const char *hi,
    struct tail *t)
{
	struct day_walk w = { .s = s, .day = day, .day_len = strlen(day) };
	int64_t now = clock_now_ms();
	int done = 0, rc = 0;

	if (day_start_ms(day, mlen, &w.day_start) < 0)
		return ERR_INTERNAL;
	if (hi != NULL)
		memcpy(w.hi, hi, strlen(hi) + 1);
	w.t_hi = hi != NULL ? ms_of(&w, hi) :
	    now >= w.day_start && now < w.day_start + DAY_MS ? now + 1 : w.day_start + DAY_MS;
	w.t_x = w.day_start;
	for (int i = 0; i < PROBES_MAX && rc == 0 && !done; i++)
		rc = probe(&w, t, &done);
	return rc == 0 && !done ? ERR_INTERNAL : rc;
}

/* Fills t through storage, walking the days back from the newest. */
static int walk_storage(struct storage *s, const char *conversation_id, const char *before,
    struct tail *t)
{
	char prefix[STORAGE_MAX_KEY + 1];
	struct days d = { { NULL, 0, 0 }, 0 };
	const char *day;
	int rc;

	if ((rc = keys_messages_prefix(prefix, conversation_id)) < 0)
		return rc;
	d.mlen = strlen(prefix);
	rc = list_messages(s, conversation_id, add_days, &d, "/", STORAGE_LIST_MAX);
	for (size_t i = d.list.n; i-- > 0 && rc == 0 && !tail_done(t);) {
		day = d.list.v[i];
		if (before != NULL && strncmp(day, before, strlen(day)) > 0)
			continue;
		rc = walk_day(s, day, d.mlen,
		    before != NULL && strncmp(day, before, strlen(day)) == 0 ? before : NULL, t);
	}
	strlist_free(&d.list);
	return rc;
}

struct rebuild {
	struct state *ix;
	const char *conversation_id;
	struct keys_cover cover;
};

/* A page's keys but those a compacted batch replaces, into the index. */
static int index_page(void *ctx, const struct storage_list *l)
{
	struct rebuild *r = ctx;
	size_t n = 0;
	const char **keys = calloc(l->nkeys + 1, sizeof *keys);
	int rc;

	if (keys == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < l->nkeys; i++)
		if (!keys_covered(&r->cover, l->keys[i]))
			keys[n++] = l->keys[i];
	rc = state_index_add(r->ix, r->conversation_id, keys, n);
	free(keys);
	return rc;
}

/* Lists every key of the conversation into the index, then covers it. */
static int index_rebuild(struct storage *s, struct state *ix, const char *conversation_id)
{
	struct rebuild r = { ix, conversation_id, { 0, 0, 0 } };
	int rc = list_messages(s, conversation_id, index_page, &r, NULL, STORAGE_LIST_MAX);

	return rc < 0 ? rc : state_index_cover(ix, conversation_id);
}

static int tail_take(void *ctx, const char *key)
{
	struct tail *t = ctx;
	int rc = tail_push(t, key);

	return rc < 0 ? rc : tail_done(t);
}

int message_store_index_cover(struct storage *s, struct state *ix,
    const char *conversation_id, int covered)
{
	return covered ? 0 : index_rebuild(s, ix, conversation_id);
}

int message_store_index_ready(struct storage *s, struct state *ix,
    const char *conversation_id)
{
	int covered, rc = state_index_covered(ix, conversation_id, &covered);

	return rc < 0 ? rc : message_store_index_cover(s, ix, conversation_id, covered);
}

static int walk_index(struct storage *s, struct state *ix, const char *conversation_id,
    const char *before, struct tail *t)
{
	int rc = message_store_index_ready(s, ix, conversation_id);

	if (rc == 0)
		rc = state_index_newest(ix, conversation_id, before, t->cap - t->n + 1, tail_take, t);
	return rc;
}

/* Fills t walking back from before (a batch key; NULL: the newest): from
 * the index when there is one, else through storage, day by day. */
static int walk_back(struct storage *s, struct state *ix, const char *conversation_id,
    const char *before, struct tail *t)
{
	if (ix != NULL)
		return walk_index(s, ix, conversation_id, before, t);
	return walk_storage(s, conversation_id, before, t);
}

/* ---- cursors: base64url of "<YYYY-MM-DD>/<ms>-<uuid>.ndjson:<index>" ---- */

struct position {
	char key[STORAGE_MAX_KEY + 1];
	long index; /* messages of the batch before the position */
};

#define CURSOR_REL (DAY_LEN + 1 + BATCH_NAME_LEN) /* the key's part after the prefix */

static int cursor_encode(const struct position *p, char out[MESSAGE_CURSOR_MAX])
{
	char plain[CURSOR_REL + 16];
	size_t klen = strlen(p->key);
	int n;

	if (klen < CURSOR_REL)
		return ERR_INTERNAL;
	n = snprintf(plain, sizeof plain, "%s:%ld", p->key + klen - CURSOR_REL, p->index);
	if (n < 0 || (size_t)n >= sizeof plain)
		return ERR_INTERNAL;
	return base64url_encode(plain, (size_t)n, out, MESSAGE_CURSOR_MAX) < 0 ? ERR_INTERNAL : 0;
}

/* A cursor is valid when its parts rebuild a batch key of the
 * conversation and encode back to the very same string. */
static int cursor_decode(const char *cursor, const char *conversation_id,
    struct position *p)
{
	char plain[MESSAGE_CURSOR_MAX], uuid[UUID_STRLEN + 1], again[MESSAGE_CURSOR_MAX];
	const char *name = plain + DAY_LEN + 1;
	size_t n;
	long ms;

	if (strnlen(cursor, MESSAGE_CURSOR_MAX) >= MESSAGE_CURSOR_MAX ||
	    base64url_decode(cursor, plain, sizeof plain - 1, &n) < 0)
		return ERR_INVAL;
	plain[n] = '\0';
	if (n < CURSOR_REL + 2 || strlen(plain) != n || plain[CURSOR_REL] != ':' ||
	    name[MS_DIGITS] != '-' ||
	    numparse_long(plain + CURSOR_REL + 1, n - CURSOR_REL - 1, 0, MESSAGE_BATCH_MAX,
	    &p->index) < 0 ||
	    numparse_long(name, MS_DIGITS, 0, 9999999999999L, &ms) < 0)
		return ERR_INVAL;
	memcpy(uuid, name + MS_DIGITS + 1, UUID_STRLEN);
	uuid[UUID_STRLEN] = '\0';
	if (keys_message_batch(p->key, conversation_id, ms, uuid) < 0 ||
	    cursor_encode(p, again) < 0 || strcmp(again, cursor) != 0)
		return ERR_INVAL;
	return 0;
}

int message_store_cursor_valid(const char *cursor)
{
	struct position p;

	/* A cursor names no conversation: any valid id rebuilds its key. */
	return cursor_decode(cursor, "c", &p) == 0;
}

/* ---- history, since, export ---- */

void message_page_free(struct message_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		message_free(&p->v[i]);
	free(p->v);
	free(p->next_cursor);
	memset(p, 0, sizeof *p);
}

int message_page_json(const struct message_page *p, int since, cJSON **out)
{
	cJSON *data = cJSON_CreateObject(), *arr, *m;
	int rc = 0;

	*out = data;
	arr = cJSON_AddArrayToObject(data, "messages");
	if (arr == NULL)
		rc = ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < p->n; i++)
		if ((rc = message_to_json(&p->v[i], &m)) == 0 && !cJSON_AddItemToArray(arr, m))
			rc = ERR_NOMEM;
	if (rc == 0 && (p->next_cursor
	    ? cJSON_AddStringToObject(data, "nextCursor", p->next_cursor)
	    : cJSON_AddNullToObject(data, "nextCursor")) == NULL)
		rc = ERR_NOMEM;
	if (rc == 0 && since && cJSON_AddBoolToObject(data, "hasMore", p->more) == NULL)
		rc = ERR_NOMEM;
	if (rc < 0) {
		cJSON_Delete(data);
		*out = NULL;
	}
	return rc;
}

/* Moves ms into the page in reverse order. */
static void page_from_newest(struct message_page *out, struct messages *ms)
{
	for (size_t i = 0, j = ms->n; i < j--; i++) {
		struct message m = ms->v[i];

		ms->v[i] = ms->v[j];
		ms->v[j] = m;
	}
	out->v = ms->v;
	out->n = ms->n;
	memset(ms, 0, sizeof *ms);
}

/* ---- positions: where a message sorts ---- */

/* A message of a plain batch sorts by (batch key, line); one of a
 * compacted batch by (the key it had alone, 0), as it did before it was
 * compacted (docs/history.md, Compaction). */
static int position_of(const char *key, const struct message *m, size_t line,
    struct position *p)
{
	if (!keys_compacted_range(key, NULL, NULL)) {
		memcpy(p->key, key, strlen(key) + 1);
		p->index = (long)line;
		return 0;
	}
	p->index = 0;
	return keys_message_batch(p->key, m->conversation_id, m->server_received_ms,
	    m->message_id);
}

static int position_cmp(const struct position *a, const struct position *b)
{
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/* Messages collected by position, newest first (history) or oldest first
 * (since). A batch read later may repeat messages read before (the small
 * batches and the compacted one that replaces them, both in storage for a
 * while): mark keeps each message once. */
struct collect {
	size_t limit;
	struct messages ms;
	struct position mark; /* the last position taken, or the start ("": none) */
	int left;             /* the batch it stopped in holds further messages */
};

static int take_newest(void *ctx, struct messages *batch, const char *key)
{
	struct collect *w = ctx;
	struct position p;
	size_t end = batch->n;
	int rc = 0;

	while (end > 0 && w->ms.n < w->limit && rc == 0) {
		end--;
		if ((rc = position_of(key, &batch->v[end], end, &p)) < 0 ||
		    (w->mark.key[0] != '\0' && position_cmp(&p, &w->mark) >= 0))
			continue;
		rc = messages_take(&w->ms, &batch->v[end]);
		w->mark = p;
	}
	w->left = end > 0;
	return rc < 0 ? rc : w->ms.n == w->limit;
}

static int take_oldest(void *ctx, struct messages *batch, const char *key)
{
	struct collect *w = ctx;
	struct position p;
	size_t i = 0;
	int rc = 0;

	for (; i < batch->n && w->ms.n < w->limit && rc == 0; i++) {
		if ((rc = position_of(key, &batch->v[i], i, &p)) < 0 ||
		    position_cmp(&p, &w->mark) <= 0)
			continue;
		rc = messages_take(&w->ms, &batch->v[i]);
		w->mark = p;
	}
	w->left = i < batch->n;
	return rc < 0 ? rc : w->ms.n == w->limit;
}

/* ---- reading batches ---- */

/* Batches read up to FETCH_AT_ONCE at a time (storage_get_many: in
 * parallel on S3), which also bounds the bytes held; no more plain
 * batches than messages still wanted, and a chunk ends at a compacted
 * batch, which may hold them all. */
#define FETCH_AT_ONCE 16


struct fetch {
	struct buf bytes[FETCH_AT_ONCE];
	struct storage_get_item items[FETCH_AT_ONCE];
};

/* What reading a tail cost and met. */
struct reading {
	size_t used;  /* batches given to take */
	size_t reads; /* objects asked of storage */
	int missing;  /* one of them was not there */
};

static const char *key_at(const struct tail *t, size_t i, int oldest_first)
{
	return t->keys[oldest_first ? t->n - 1 - i : i];
}

static size_t chunk_len(const struct tail *t, size_t at, int oldest_first, size_t want)
{
	size_t n = 0;

	while (at + n < t->n && n < FETCH_AT_ONCE && n < want)
		if (keys_compacted_range(key_at(t, at + n++, oldest_first), NULL, NULL))
			break;
	return n > 0 ? n : 1;
}

/* Reads the chunk [at, at + n) of t's keys, newest first or oldest first. */
static int fetch(struct storage *s, const struct tail *t, size_t at, size_t n,
    int oldest_first, struct fetch *f)
{
	for (size_t i = 0; i < n; i++) {
		buf_init(&f->bytes[i], MESSAGE_BATCH_BYTES);
		f->items[i].key = key_at(t, at + i, oldest_first);
		f->items[i].out = &f->bytes[i];
	}
	return storage_get_many(s, f->items, n);
}

/* The messages of the batch object p[0..n) at key into *batch: an object
 * that is not a valid batch (damaged in storage) is logged and holds none,
 * so that the rest of the conversation still reads. */
static int batch_of(const char *key, const char *p, size_t n, const char *conversation_id,
    struct messages *batch)
{
	int rc = parse_batch(key, p, n, conversation_id, batch);

	if (rc != ERR_STORAGE)
		return rc;
	log_error(NULL, "history: skipped %s: not a valid message batch", key);
	messages_free(batch);
	return 0;
}

#define TAIL_SLACK 8 /* lines parsed beyond those a page still needs */

/* Where the k lines that end at p[end] begin. */
static size_t lines_back(const char *p, size_t end, size_t k)
{
	for (size_t i = end - 1; i > 0; i--)
		if (p[i - 1] == '\n' && --k == 0)
			return i;
	return 0;
}

/* A compacted batch newest first, parsing only the lines the page needs
 * (a chunk at a time from its end). */
static int take_tail(struct collect *w, const char *key, const struct buf *b,
    const char *conversation_id, struct messages *batch)
{
	size_t end = b->len, start;
	int rc = 0;

	while (end > 0 && rc == 0) {
		start = lines_back(b->data, end, w->limit - w->ms.n + TAIL_SLACK);
		messages_free(batch);
		rc = batch_of(key, b->data + start, end - start, conversation_id, batch);
		if (rc == 0 && (rc = take_newest(w, batch, key)) > 0)
			w->left |= start > 0;
		end = start;
	}
	return rc;
}

static int take_batch(struct collect *w, int oldest_first, const char *key,
    const struct buf *b, const char *conversation_id, struct messages *batch)
{
	int rc;

	if (!oldest_first && keys_compacted_range(key, NULL, NULL))
		return take_tail(w, key, b, conversation_id, batch);
	rc = batch_of(key, b->data, b->len, conversation_id, batch);
	return rc < 0 ? rc : (oldest_first ? take_oldest : take_newest)(w, batch, key);
}

/* Calls take with each of t's batches in order until it returns non-zero.
 * A key whose object is gone (an indexed put that failed, or a batch
 * compacted meanwhile: r->missing tells) holds no messages, nor does a
 * damaged object. */
static int each_batch(struct storage *s, const char *conversation_id, const struct tail *t,
    int oldest_first, struct collect *w, struct reading *r)
{
	struct messages batch = { NULL, 0, 0 };
	struct fetch f;
	size_t n;
	int rc = 0, stop = 0;

	memset(r, 0, sizeof *r);
	for (size_t at = 0; at < t->n && rc == 0 && !stop; at += n) {
		n = chunk_len(t, at, oldest_first, w->limit - w->ms.n);
		rc = fetch(s, t, at, n, oldest_first, &f);
		r->reads += n;
		for (size_t i = 0; i < n && rc == 0 && !stop; i++, r->used++) {
			messages_free(&batch);
			r->missing |= f.items[i].rc == ERR_NOTFOUND;
			rc = f.items[i].rc == ERR_NOTFOUND ? 0 : f.items[i].rc;
			if (rc == 0 && (rc = take_batch(w, oldest_first, f.items[i].key,
			    &f.bytes[i], conversation_id, &batch)) > 0)
				stop = 1;
		}
		for (size_t i = 0; i < n; i++)
			buf_free(&f.bytes[i]);
	}
	messages_free(&batch);
	return rc < 0 ? rc : 0;
}

static int tails_equal(const struct tail *a, const struct tail *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], b->keys[i]) != 0)
			return 0;
	return 1;
}

/* How a history or since read finds its keys (and where it starts). */
typedef int (*walk_fn)(struct storage *s, struct state *ix, const char *conversation_id,
    void *arg, struct tail *t, struct collect *w, size_t *reads);

/* Walks, then reads the batches into w. When an object was missing and a
 * second walk finds other keys (a compaction switched the index under the
 * read), the read starts again on them, up to READ_TRIES times. */
#define READ_TRIES 3

static int walk_and_read(struct storage *s, struct state *ix, const char *conversation_id,
    walk_fn walk, void *arg, int oldest_first, struct collect *w, struct tail *t,
    struct reading *r)
{
	const struct collect start = *w;
	struct collect fresh;
	struct tail again;
	size_t reads = 0, total = 0;
	int rc = walk(s, ix, conversation_id, arg, t, w, &reads);

	for (int i = 0; rc == 0; i++) {
		rc = each_batch(s, conversation_id, t, oldest_first, w, r);
		total += reads + r->reads;
		reads = 0;
		if (rc < 0 || !r->missing || i + 1 == READ_TRIES)
			break;
		fresh = start;
		if ((rc = walk(s, ix, conversation_id, arg, &again, &fresh, &reads)) < 0 ||
		    tails_equal(t, &again)) {
			tail_free(&again);
			break;
		}
		tail_free(t);
		*t = again;
		messages_free(&w->ms);
		*w = fresh;
	}
	r->reads = total + reads;
	return rc;
}

/* ---- history ---- */

struct history_walk {
	const struct position *before; /* the cursor, or NULL */
	size_t cap;
};

static int walk_history(struct storage *s, struct state *ix, const char *conversation_id,
    void *arg, struct tail *t, struct collect *w, size_t *reads)
{
	const struct history_walk *h = arg;
	int rc = tail_init(t, h->cap, NULL);

	(void)w;
	(void)reads;
	if (rc == 0 && h->before != NULL && h->before->index > 0)
		rc = tail_push(t, h->before->key);
	if (rc == 0)
		rc = walk_back(s, ix, conversation_id, h->before ? h->before->key : NULL, t);
	return rc;
}

static int valid_limit(int limit)
{
	return limit >= 1 && limit <= MESSAGE_LIMIT_MAX;
}

/* The next page starts below the oldest message taken, or below the last
 * batch read when those held none. */
static int next_cursor(const struct collect *w, const struct tail *t, const struct reading *r,
    char **out)
{
	char next[MESSAGE_CURSOR_MAX];
	struct position p = w->mark;

	if (w->ms.n == 0 && r->used > 0) {
		memcpy(p.key, t->keys[r->used - 1], strlen(t->keys[r->used - 1]) + 1);
		p.index = 0;
	}
	if (p.key[0] == '\0')
		return 0;
	if (cursor_encode(&p, next) < 0)
		return ERR_INTERNAL;
	return (*out = strdup(next)) != NULL ? 0 : ERR_NOMEM;
}

int message_store_history(struct storage *s, struct state *index, const char *conversation_id,
    int limit, const char *cursor, struct message_page *out)
{
	struct position before;
	struct history_walk h = { NULL, (size_t)limit + 1 };
	struct collect w = { (size_t)limit, { NULL, 0, 0 }, { "", 0 }, 0 };
	struct reading r = { 0, 0, 0 };
	struct tail t;
	int has_cursor = cursor != NULL && cursor[0] != '\0', rc;

	memset(out, 0, sizeof *out);
	if (!keys_valid_conversation_id(conversation_id) || !valid_limit(limit))
		return ERR_ARG;
	if (has_cursor && cursor_decode(cursor, conversation_id, &before) < 0)
		return ERR_INVAL;
	if (has_cursor) {
		h.before = &before;
		w.mark = before;
	}
	rc = walk_and_read(s, index, conversation_id, walk_history, &h, 0, &w, &t, &r);
	/* a full tail read to its end held empty batches: more keys may follow */
	if (rc == 0 && (r.used < t.n || t.n == t.cap || (w.ms.n == w.limit && w.left)))
		rc = next_cursor(&w, &t, &r, &out->next_cursor);
	if (rc == 0)
		page_from_newest(out, &w.ms);
	out->reads = r.reads;
	messages_free(&w.ms);
	tail_free(&t);
	if (rc < 0)
		message_page_free(out);
	return rc;
}

/* ---- since ---- */

#define SINCE_COMPACTED_MAX 4 /* compacted batches since() looks into */

/* Finds message_id in one of the newest compacted batches of t (a
 * message compacted away from its own batch): w->mark at it and t cut
 * after that batch, or ERR_NOTFOUND. */
static int find_compacted(struct storage *s, const char *conversation_id, const char *uuid,
    struct tail *t, struct collect *w, size_t *reads)
{
	struct messages batch = { NULL, 0, 0 };
	struct buf b;
	int rc = 0, tried = 0;

	for (size_t i = 0; i < t->n && rc == 0 && tried < SINCE_COMPACTED_MAX; i++) {
		if (!keys_compacted_range(t->keys[i], NULL, NULL))
			continue;
		tried++;
		(*reads)++;
		buf_init(&b, MESSAGE_BATCH_BYTES);
		if ((rc = storage_get(s, t->keys[i], &b, NULL)) == 0)
			rc = batch_of(t->keys[i], b.data, b.len, conversation_id, &batch);
		buf_free(&b);
		for (size_t j = 0; rc == 0 && j < batch.n; j++)
			if (strcmp(batch.v[j].message_id, uuid) == 0 &&
			    (rc = position_of(t->keys[i], &batch.v[j], j, &w->mark)) == 0) {
				while (t->n > i + 1)
					free(t->keys[--t->n]);
				rc = 1;
			}
		messages_free(&batch);
		if (rc == ERR_NOTFOUND)
			rc = 0; /* compacted again meanwhile */
	}
	return rc < 0 ? rc : rc == 1 ? 0 : ERR_NOTFOUND;
}

static int walk_since(struct storage *s, struct state *ix, const char *conversation_id,
    void *arg, struct tail *t, struct collect *w, size_t *reads)
{
	const char *uuid = arg;
	int rc = tail_init(t, MESSAGE_SINCE_SCAN_MAX, uuid);

	if (rc == 0)
		rc = walk_back(s, ix, conversation_id, NULL, t);
	if (rc == 0 && t->stopped) {
		memcpy(w->mark.key, t->stop_key, strlen(t->stop_key) + 1);
		w->mark.index = LONG_MAX;
	} else if (rc == 0) {
		rc = find_compacted(s, conversation_id, uuid, t, w, reads);
	}
	return rc;
}

int message_store_since(struct storage *s, struct state *index, const char *conversation_id,
    const char *message_id, int limit, struct message_page *out)
{
	char uuid[UUID_STRLEN + 1];
	struct collect w = { (size_t)limit, { NULL, 0, 0 }, { "", 0 }, 0 };
	struct reading r = { 0, 0, 0 };
	struct tail t;
	int rc;

	memset(out, 0, sizeof *out);
	if (!keys_valid_conversation_id(conversation_id) || !valid_limit(limit))
		return ERR_ARG;
	if (message_id == NULL || !ids_is_uuid4(message_id, strnlen(message_id, UUID_STRLEN + 1)))
		return ERR_INVAL;
	for (size_t i = 0; i <= UUID_STRLEN; i++)
		uuid[i] = (char)(message_id[i] >= 'A' && message_id[i] <= 'F' ?
		    message_id[i] - 'A' + 'a' : message_id[i]);
	rc = walk_and_read(s, index, conversation_id, walk_since, uuid, 1, &w, &t, &r);
	if (rc == 0) {
		out->more = r.used < t.n || w.left;
		out->v = w.ms.v;
		out->n = w.ms.n;
		memset(&w.ms, 0, sizeof w.ms);
	}
	out->reads = r.reads;
	messages_free(&w.ms);
	tail_free(&t);
	return rc;
}

struct export {
	struct storage *s;
	const struct message_writer *w;
	char last;   /* the last byte written */
	int rc;      /* why the writer stopped */
	struct keys_cover cover;
};

static int export_begin(void *ctx, const struct storage_meta *meta)
{
	(void)ctx;
	(void)meta;
	return 0;
}

static int export_write(void *ctx, const char *p, size_t n)
{
	struct export *e = ctx;

	if (n == 0)
		return 0;
	if (e->w->write(e->w->ctx, p, n) < 0) {
		e->rc = ERR_IO;
		return -1;
	}
	e->last = p[n - 1];
	return 0;
}

static int export_keys(void *ctx, const struct storage_list *l)
{
	struct export *e = ctx;
	const struct storage_sink sink = { export_begin, export_write, e };
	int rc = 0;

	for (size_t i = 0; i < l->nkeys && rc == 0; i++) {
		if (keys_covered(&e->cover, l->keys[i]))
			continue;
		e->last = '\n';
		rc = storage_get_stream(e->s, l->keys[i], &sink);
		if (rc < 0 && e->rc < 0)
			rc = e->rc;
		if (rc == 0 && e->last != '\n')
			rc = export_write(e, "\n", 1) < 0 ? e->rc : 0;
	}
	return rc;
}

static int export_days(void *ctx, const struct storage_list *l)
{
	struct export *e = ctx;
	struct storage_list_opts o = { NULL, NULL, NULL, NULL, STORAGE_LIST_MAX };
	int rc = 0;

	for (size_t i = 0; i < l->nprefixes && rc == 0; i++) {
		o.prefix = l->prefixes[i];
		rc = storage_list_each(e->s, &o, export_keys, e);
	}
	return rc;
}

int message_store_export(struct storage *s, const char *conversation_id,
    const struct message_writer *w)
{
	struct export e = { s, w, '\n', 0, { 0, 0, 0 } };

	if (w == NULL || w->write == NULL)
		return ERR_ARG;
	return list_messages(s, conversation_id, export_days, &e, "/", STORAGE_LIST_MAX);
}
