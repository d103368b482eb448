/*
 * message_compact: small batches of a closed window into compacted ones,
 * day by day (message_compact.h; docs/history.md, Compaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "idempotency.h"
#include "log.h"
#include "message_compact.h"
#include "message_store.h"
#include "state.h"
#include "storage.h"
#include "storage_keys.h"
#include "strlist.h"

#define NDJSON_TYPE "application/x-ndjson"
#define CLAIMANT "compactor"   /* the claims' user of a compaction */
#define INDEX_PAGE 1000        /* keys per index read */
#define FETCH_AT_ONCE 16

/* One key of a day, in byte order: in storage, in the index, or both. */
struct entry {
	char *key;
	int in_storage, in_index;
	int compacted;
	int64_t first, last;  /* its milliseconds (a compacted one's range) */
	size_t cover;         /* replaced by entries[cover] (a compacted one); SIZE_MAX: not */
};

struct day {
	struct entry *v;
	size_t n, cap;
};

struct compact {
	struct storage *s;
	struct state *st;
	const char *conversation_id;
	int64_t before_ms;
	struct message_compact_report *r;
	struct strlist doomed; /* keys to delete once the index no longer names them */
};

static void day_free(struct day *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].key);
	free(d->v);
	memset(d, 0, sizeof *d);
}

static int day_add(struct day *d, const char *key, int in_storage, int in_index)
{
	struct entry *v = buf_grow_array(d->v, &d->cap, d->n, sizeof *d->v);
	struct entry *e;

	if (v == NULL)
		return ERR_NOMEM;
	d->v = v;
	e = &d->v[d->n];
	memset(e, 0, sizeof *e);
	if ((e->key = strdup(key)) == NULL)
		return ERR_NOMEM;
	e->in_storage = in_storage;
	e->in_index = in_index;
	e->cover = SIZE_MAX;
	e->compacted = keys_compacted_range(key, &e->first, &e->last);
	if (!e->compacted && keys_batch_ms(key, &e->first) < 0)
		e->first = -1;
	if (!e->compacted)
		e->last = e->first;
	d->n++;
	return 0;
}

/* ---- the day's keys: storage's and the index's, merged ---- */

static int add_stored(void *ctx, const struct storage_list *l)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < l->nkeys; i++)
		rc = day_add(ctx, l->keys[i], 1, 0);
	return rc;
}

static int list_day(struct storage *s, const char *prefix, struct day *out)
{
	struct storage_list_opts o = { prefix, NULL, NULL, NULL, STORAGE_LIST_MAX };

	return storage_list_each(s, &o, add_stored, out);
}

struct index_walk {
	const char *prefix;
	struct day keys; /* newest first */
	int out_of_day;
};

static int index_key(void *ctx, const char *key)
{
	struct index_walk *w = ctx;

	if (strncmp(key, w->prefix, strlen(w->prefix)) != 0) {
		w->out_of_day = 1;
		return 1;
	}
	return day_add(&w->keys, key, 0, 1);
}

static int index_day(struct state *st, const char *conversation_id, const char *prefix,
    struct day *out)
{
	char before[STORAGE_MAX_KEY + 2];
	struct index_walk w = { prefix, { NULL, 0, 0 }, 0 };
	size_t had;
	int rc;

	if ((size_t)snprintf(before, sizeof before, "%s~", prefix) >= sizeof before)
		return ERR_INTERNAL;
	do {
		had = w.keys.n;
		rc = state_index_newest(st, conversation_id, before, INDEX_PAGE, index_key, &w);
		if (w.keys.n > had)
			memcpy(before, w.keys.v[w.keys.n - 1].key,
			    strlen(w.keys.v[w.keys.n - 1].key) + 1);
	} while (rc == 0 && !w.out_of_day && w.keys.n - had == INDEX_PAGE);
	*out = w.keys;
	return rc;
}

/* Storage's keys (ascending) and the index's (newest first) into one
 * ascending list that knows where each key is. */
static int merge(struct day *stored, struct day *indexed, struct day *out)
{
	size_t i = 0, j = indexed->n;
	int rc = 0, c;

	while (rc == 0 && (i < stored->n || j > 0)) {
		c = i == stored->n ? 1 : j == 0 ? -1 :
		    strcmp(stored->v[i].key, indexed->v[j - 1].key);
		rc = day_add(out, c <= 0 ? stored->v[i].key : indexed->v[j - 1].key, c <= 0, c >= 0);
		i += c <= 0;
		j -= c >= 0;
	}
	return rc;
}

static int load_day(struct compact *c, const char *prefix, struct day *out)
{
	struct day stored = { NULL, 0, 0 }, indexed = { NULL, 0, 0 };
	int rc = list_day(c->s, prefix, &stored);

	if (rc == 0)
		rc = index_day(c->st, c->conversation_id, prefix, &indexed);
	if (rc == 0)
		rc = merge(&stored, &indexed, out);
	day_free(&stored);
	day_free(&indexed);
	return rc;
}

/* ---- finishing what an earlier run started ---- */

/* Marks the stored keys a compacted key before them replaces. */
static void mark_covered(struct day *d)
{
	struct keys_cover cover = { 0, 0, 0 };
	size_t by = SIZE_MAX;

	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].in_storage)
			continue;
		if (keys_covered(&cover, d->v[i].key))
			d->v[i].cover = by;
		else if (d->v[i].compacted)
			by = i;
	}
}

/* 1 when the message a plain key held alone is in batch (a compacted
 * batch's messages). */
static int holds(const struct message *v, size_t n, const char *key)
{
	char alone[STORAGE_MAX_KEY + 1];

	for (size_t i = 0; i < n; i++)
		if (keys_message_batch(alone, v[i].conversation_id, v[i].server_received_ms,
		    v[i].message_id) == 0 && strcmp(alone, key) == 0)
			return 1;
	return 0;
}

static void free_messages(struct message *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		message_free(&v[i]);
	free(v);
}

/* 0 while the conversation is still this run's; ERR_BUSY once another
 * compactor took it over (this run stalled past the lease): the run stops
 * before its next switch, which would list messages twice beside the
 * other's. */
static int still_ours(struct compact *c)
{
	int rc = idempotency_renew(c->st, CLAIMANT, c->conversation_id, clock_now_ms());

	return rc == 1 ? ERR_BUSY : rc;
}

/* The compacted entries[b]: into the index in place of the keys it
 * replaces (those whose message it holds), which are then doomed. */
static int settle(struct compact *c, struct day *d, size_t b)
{
	struct message *v = NULL;
	struct buf bytes;
	const char **old;
	size_t n = 0, count = 0, covered = 0;
	int rc = 0;

	for (size_t i = b + 1; i < d->n; i++)
		covered += d->v[i].cover == b;
	if (covered == 0 && d->v[b].in_index)
		return 0;
	if ((old = calloc(covered + 1, sizeof *old)) == NULL)
		return ERR_NOMEM;
	buf_init(&bytes, MESSAGE_BATCH_BYTES);
	if (covered > 0 && (rc = storage_get(c->s, d->v[b].key, &bytes, NULL)) == 0)
		rc = message_batch_parse(d->v[b].key, bytes.data, bytes.len, c->conversation_id,
		    &v, &count);
	for (size_t i = b + 1; rc == 0 && i < d->n; i++) {
		if (d->v[i].cover != b)
			continue;
		if (d->v[i].compacted || holds(v, count, d->v[i].key)) {
			old[n++] = d->v[i].key;
			continue;
		}
		log_error(NULL, "compact: kept %s: its message is not in %s", d->v[i].key,
		    d->v[b].key);
		c->r->kept++;
	}
	if (rc == 0 && (n > 0 || !d->v[b].in_index) && (rc = still_ours(c)) == 0)
		rc = state_index_replace(c->st, c->conversation_id, old, n, d->v[b].key);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = strlist_add(&c->doomed, old[i]);
	if (rc == 0)
		c->r->replaced += n;
	free_messages(v, count);
	buf_free(&bytes);
	free((void *)old);
	return rc;
}

static int settle_day(struct compact *c, struct day *d)
{
	int rc = 0;

	mark_covered(d);
	for (size_t i = 0; i < d->n && rc == 0; i++)
		if (d->v[i].compacted && d->v[i].in_storage && d->v[i].cover == SIZE_MAX)
			rc = settle(c, d, i);
	return rc;
}

/* ---- new compacted batches ---- */

/* The batch being built: sources (one compacted batch at its head, or
 * none, then small ones) and their bytes, in order. */
struct run {
	struct buf bytes;
	size_t src[MESSAGE_COMPACT_MAX]; /* entry indexes */
	size_t end[MESSAGE_COMPACT_MAX]; /* bytes.len after each */
	size_t n, messages;
	int64_t first, last;
};

static void run_reset(struct run *r)
{
	r->bytes.len = 0;
	r->n = r->messages = 0;
}

/* Stores the run (when it merges two objects at least) and switches the
 * index to it. */
static int run_store(struct compact *c, struct day *d, struct run *r)
{
	char key[STORAGE_MAX_KEY + 1];
	const char *old[MESSAGE_COMPACT_MAX];
	int rc;

	if (r->n < 2)
		return 0;
	if ((rc = keys_message_compacted(key, c->conversation_id, r->first, r->last)) < 0)
		return rc;
	for (size_t i = 0; i < r->n; i++)
		old[i] = d->v[r->src[i]].key;
	rc = storage_put(c->s, key, r->bytes.data, r->bytes.len, NDJSON_TYPE,
	    STORAGE_CREATE_ONLY);
	if (rc == ERR_CONFLICT) {
		log_error(NULL, "compact: %s exists already: left as it was", key);
		return 0;
	}
	if (rc == 0 && (rc = still_ours(c)) == 0)
		rc = state_index_replace(c->st, c->conversation_id, old, r->n, key);
	for (size_t i = 0; i < r->n && rc == 0; i++)
		rc = strlist_add(&c->doomed, old[i]);
	if (rc == 0) {
		c->r->written++;
		c->r->replaced += r->n;
	}
	return rc;
}

/* Ends the run before a key of next_ms: the run's last messages of that
 * millisecond stay out (a batch must end before the next one starts). */
static int run_end(struct compact *c, struct day *d, struct run *r, int64_t next_ms)
{
	int rc;

	while (r->n > 0 && !d->v[r->src[r->n - 1]].compacted &&
	    d->v[r->src[r->n - 1]].first >= next_ms) {
		r->n--;
		r->messages--;
		r->bytes.len = r->n > 0 ? r->end[r->n - 1] : 0;
	}
	if (r->n > 0)
		r->last = d->v[r->src[r->n - 1]].last;
	rc = run_store(c, d, r);
	run_reset(r);
	return rc;
}

static int run_add(struct run *r, const struct entry *e, size_t i, const struct buf *b,
    size_t messages)
{
	int rc = buf_append(&r->bytes, b->data, b->len);

	if (rc < 0)
		return rc;
	if (r->n == 0)
		r->first = e->first;
	r->last = e->last;
	r->src[r->n] = i;
	r->end[r->n++] = r->bytes.len;
	r->messages += messages;
	return 0;
}

/* What entries[i] is to a run, from its bytes. */
enum role { BOUND, SMALL, HEAD };

static enum role role_of(struct compact *c, const struct entry *e, const struct buf *b,
    int got, size_t *messages)
{
	struct message *v = NULL;
	size_t n = 0;
	int rc;

	*messages = 0;
	if (!e->in_storage || e->last >= c->before_ms || got != 0)
		return BOUND;
	rc = message_batch_parse(e->key, b->data, b->len, c->conversation_id, &v, &n);
	free_messages(v, n);
	*messages = n;
	if (rc < 0 || n == 0)
		return BOUND;
	return e->compacted ? HEAD : n == 1 ? SMALL : BOUND;
}

struct cursor {
	int64_t prev; /* the last millisecond of the key before; -1 none */
};

static int step(struct compact *c, struct day *d, struct run *r, size_t i,
    const struct buf *b, int got, struct cursor *k)
{
	const struct entry *e = &d->v[i];
	size_t messages;
	enum role role;
	int rc = 0;

	if (e->in_storage && e->cover != SIZE_MAX)
		return 0; /* replaced: settle_day doomed it */
	role = role_of(c, e, b, got, &messages);
	if (role != SMALL || r->messages + messages > MESSAGE_COMPACT_MAX ||
	    r->bytes.len + b->len > MESSAGE_BATCH_BYTES)
		rc = run_end(c, d, r, e->first);
	if (rc == 0 && role != BOUND && (r->n > 0 || e->first > k->prev))
		rc = run_add(r, e, i, b, messages);
	k->prev = e->last;
	return rc;
}

static int compact_day(struct compact *c, struct day *d)
{
	struct buf bytes[FETCH_AT_ONCE];
	struct storage_get_item items[FETCH_AT_ONCE];
	struct run *r = calloc(1, sizeof *r);
	struct cursor k = { -1 };
	size_t n;
	int rc = 0;

	if (r == NULL)
		return ERR_NOMEM;
	buf_init(&r->bytes, MESSAGE_BATCH_BYTES);
	for (size_t at = 0; at < d->n && rc == 0; at += n) {
		n = d->n - at < FETCH_AT_ONCE ? d->n - at : FETCH_AT_ONCE;
		for (size_t i = 0; i < n; i++) {
			buf_init(&bytes[i], MESSAGE_BATCH_BYTES);
			items[i] = (struct storage_get_item){ d->v[at + i].key, &bytes[i],
				ERR_NOTFOUND };
		}
		rc = storage_get_many(c->s, items, n);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = step(c, d, r, at + i, &bytes[i], items[i].rc, &k);
		for (size_t i = 0; i < n; i++)
			buf_free(&bytes[i]);
	}
	if (rc == 0)
		rc = run_end(c, d, r, INT64_MAX);
	buf_free(&r->bytes);
	free(r);
	return rc;
}

/* ---- days and the whole conversation ---- */

static int one_day(struct compact *c, const char *prefix)
{
	struct day d = { NULL, 0, 0 };
	int rc = load_day(c, prefix, &d);

	if (rc == 0)
		rc = settle_day(c, &d);
	if (rc == 0)
		rc = compact_day(c, &d);
	day_free(&d);
	return rc;
}

struct days {
	struct compact *c;
	char last[STORAGE_MAX_KEY + 1]; /* the day of before_ms */
};

static int days_page(void *ctx, const struct storage_list *l)
{
	struct days *d = ctx;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < l->nprefixes; i++)
		if (strcmp(l->prefixes[i], d->last) <= 0)
			rc = one_day(d->c, l->prefixes[i]);
	return rc;
}

static int each_day(struct compact *c)
{
	char prefix[STORAGE_MAX_KEY + 1];
	struct storage_list_opts o = { prefix, "/", NULL, NULL, STORAGE_LIST_MAX };
	struct days d;
	int rc;

	d.c = c;
	if ((rc = keys_messages_prefix(prefix, c->conversation_id)) < 0 ||
	    (rc = keys_messages_day_prefix(d.last, c->conversation_id, c->before_ms)) < 0)
		return rc;
	return storage_list_each(c->s, &o, days_page, &d);
}

static void pause_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&t, &t) != 0)
		;
}

/* After the grace, the replaced objects go, oldest key first (so that a
 * storage walk meanwhile finds what is left of a window beside its
 * compacted batch, newest last). */
static int delete_doomed(struct compact *c, long grace_ms)
{
	int rc = 0;

	if (c->doomed.n > 0)
		pause_ms(grace_ms);
	for (size_t i = 0; i < c->doomed.n && rc == 0; i++)
		if ((rc = storage_delete(c->s, c->doomed.v[i])) == 0)
			c->r->deleted++;
	return rc;
}

int message_compact(struct storage *s, struct state *st, const char *conversation_id,
    int64_t before_ms, long grace_ms, struct message_compact_report *r)
{
	struct compact c = { s, st, conversation_id, before_ms, r, { NULL, 0, 0 } };
	char *pending = NULL;
	int rc, release;

	if (!keys_valid_conversation_id(conversation_id) || before_ms < 0 || grace_ms < 0)
		return ERR_ARG;
	if ((rc = idempotency_claim(st, CLAIMANT, conversation_id, clock_now_ms(), &pending)) != 0)
		return rc == 1 ? ERR_BUSY : rc;
	free(pending);
	if ((rc = message_store_index_ready(s, st, conversation_id)) == 0)
		rc = each_day(&c);
	if (rc == 0)
		rc = delete_doomed(&c, grace_ms);
	release = idempotency_release(st, CLAIMANT, conversation_id);
	strlist_free(&c.doomed);
	return rc < 0 ? rc : release;
}
