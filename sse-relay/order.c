#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conversation.h"
#include "errors.h"
#include "log.h"
#include "order.h"

#define ORDER_BUCKETS 256 /* only conversations with a send in flight are in them */

/* One seq of a conversation: pending (event NULL) or an event held back.
 * local: this host's program reserved it; seen: its reserve (or a later
 * one) came through the link. */
struct entry {
	int64_t seq;
	int64_t reserved_at;
	cJSON *event;
	const char *to_user_id; /* inside event */
	char local, seen;
};

/* A conversation with seqs in flight: entries[0..n) by rising seq. The
 * invariant between calls: entries[0], when there is one, is not ready. */
struct track {
	struct track *chain;
	struct entry *entries;
	size_t n, cap;
	char id[CONV_ID_MAX + 1];
};

struct order {
	struct track *buckets[ORDER_BUCKETS];
	int64_t hold_ms;
	size_t held;
	int linked; /* a local reserve's event waits until its reserve is seen */
	order_publish_fn *publish;
	void *ctx;
};

int order_new(struct order **out, int64_t hold_ms, order_publish_fn *publish, void *ctx)
{
	struct order *o = calloc(1, sizeof *o);

	*out = o;
	if (o == NULL)
		return ERR_NOMEM;
	o->hold_ms = hold_ms;
	o->publish = publish;
	o->ctx = ctx;
	return 0;
}

/* djb2 of s, into a bucket. */
static struct track **bucket(struct order *o, const char *id)
{
	size_t h = 5381;

	while (*id)
		h = h * 33 + (unsigned char)*id++;
	return &o->buckets[h % ORDER_BUCKETS];
}

/* The link that points at id's track (at NULL when it has none). */
static struct track **find(struct order *o, const char *id)
{
	struct track **t = bucket(o, id);

	while (*t != NULL && strcmp((*t)->id, id) != 0)
		t = &(*t)->chain;
	return t;
}

static struct track *track_new(struct order *o, const char *id)
{
	struct track *t;
	size_t len = strlen(id);

	if (len > CONV_ID_MAX || (t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	memcpy(t->id, id, len + 1);
	t->chain = *bucket(o, id);
	*bucket(o, id) = t;
	return t;
}

/* Unlinks *link's track and frees it with what it holds. */
static void track_free(struct order *o, struct track **link)
{
	struct track *t = *link;

	*link = t->chain;
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i].event != NULL) {
			cJSON_Delete(t->entries[i].event);
			o->held--;
		}
	free(t->entries);
	free(t);
}

void order_free(struct order *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < ORDER_BUCKETS; i++)
		while (o->buckets[i] != NULL)
			track_free(o, &o->buckets[i]);
	free(o);
}

/* The index of seq in t, or where it would go (*found says which). */
static size_t position(const struct track *t, int64_t seq, int *found)
{
	size_t i = t->n;

	while (i > 0 && t->entries[i - 1].seq >= seq) /* seqs mostly come rising */
		i--;
	*found = i < t->n && t->entries[i].seq == seq;
	return i;
}

/* Inserts e at i: 0, or -1 when t is full (or out of memory). */
static int insert(struct track *t, size_t i, const struct entry *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct entry *grown;
		if (cap > ORDER_PER_CONVERSATION ||
		    (grown = realloc(t->entries, cap * sizeof *grown)) == NULL)
			return -1;
		t->entries = grown;
		t->cap = cap;
	}
	memmove(t->entries + i + 1, t->entries + i, (t->n - i) * sizeof *t->entries);
	t->entries[i] = *e;
	t->n++;
	return 0;
}

static void remove_at(struct track *t, size_t i)
{
	memmove(t->entries + i, t->entries + i + 1, (t->n - i - 1) * sizeof *t->entries);
	t->n--;
}

/* Publishes and frees an event (held or not). */
static void publish(struct order *o, const char *id, int64_t seq, cJSON *event,
    const char *to_user_id)
{
	o->publish(o->ctx, id, to_user_id, seq, event);
	cJSON_Delete(event);
}

/* An event that may go once nothing before it is pending: linked, a
 * local reserve's only after every host's relay has it. */
static int ready(const struct order *o, const struct entry *e)
{
	return e->event != NULL && (!o->linked || !e->local || e->seen);
}

/* Publishes the ready events at the head of *link's track, up to its
 * first one not ready; frees the track when that leaves it empty. */
static void drain(struct order *o, struct track **link)
{
	struct track *t = *link;
	size_t i = 0;

	for (; i < t->n && ready(o, &t->entries[i]); i++) {
		publish(o, t->id, t->entries[i].seq, t->entries[i].event, t->entries[i].to_user_id);
		o->held--;
	}
	memmove(t->entries, t->entries + i, (t->n - i) * sizeof *t->entries);
	t->n -= i;
	if (t->n == 0)
		track_free(o, link);
}

/* The entry of seq in conversation_id's track, made pending at now when
 * new; NULL when there is no room (logged; an empty track new for it is
 * freed again). */
static struct entry *reserved(struct order *o, const char *conversation_id, int64_t seq,
    int64_t now)
{
	struct track *t = *find(o, conversation_id);
	struct entry e = { seq, now, NULL, NULL, 0, 0 };
	int found;
	size_t i;

	if (o->hold_ms == 0 || (t == NULL && (t = track_new(o, conversation_id)) == NULL))
		return NULL;
	i = position(t, seq, &found);
	if (found || insert(t, i, &e) == 0)
		return &t->entries[i];
	log_error(NULL, "relay: %s has %zu messages in flight: seq %lld not held in order",
	    t->id, t->n, (long long)seq);
	if (t->n == 0)
		track_free(o, find(o, conversation_id));
	return NULL;
}

void order_reserve(struct order *o, const char *conversation_id, int64_t seq, int64_t now)
{
	struct entry *e = reserved(o, conversation_id, seq, now);

	if (e != NULL)
		e->local = 1;
}

void order_reserve_seen(struct order *o, const char *conversation_id, int64_t seq, int64_t now)
{
	struct entry *e = reserved(o, conversation_id, seq, now);
	struct track **link = find(o, conversation_id);

	if (e == NULL)
		return;
	for (struct entry *p = (*link)->entries; p <= e; p++)
		p->seen = 1; /* reserves come in clock order: the earlier ones came before */
	drain(o, link);
}

void order_release(struct order *o, const char *conversation_id, int64_t seq)
{
	struct track **link = find(o, conversation_id);
	int found;
	size_t i;

	if (*link == NULL)
		return;
	i = position(*link, seq, &found);
	if (found && (*link)->entries[i].event == NULL)
		remove_at(*link, i);
	drain(o, link);
}

void order_event(struct order *o, const char *conversation_id, const char *to_user_id,
    int64_t seq, cJSON *event)
{
	struct track **link = find(o, conversation_id), *t = *link;
	struct entry e = { seq, 0, event, to_user_id, 0, 0 };
	int found;
	size_t i;

	if (t == NULL || seq < t->entries[0].seq) { /* nothing earlier in flight */
		publish(o, conversation_id, seq, event, to_user_id);
		return;
	}
	i = position(t, seq, &found);
	if (found && t->entries[i].event != NULL) { /* the same seq twice: the later goes out */
		publish(o, conversation_id, seq, event, to_user_id);
		return;
	}
	if (found)
		t->entries[i].event = event, t->entries[i].to_user_id = to_user_id;
	else if (insert(t, i, &e) < 0) {
		publish(o, conversation_id, seq, event, to_user_id); /* out of room: out of order */
		return;
	}
	o->held++;
	drain(o, link);
}

void order_flush(struct order *o, const char *conversation_id)
{
	struct track **link = find(o, conversation_id), *t = *link;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i].event != NULL) {
			publish(o, t->id, t->entries[i].seq, t->entries[i].event, t->entries[i].to_user_id);
			t->entries[i].event = NULL;
			o->held--;
		}
	track_free(o, link);
}

/* Gives up *link's head while it is past the deadline: a pending seq is
 * dropped, an event whose reserve was not seen goes out; 1 when that
 * emptied and freed the track. */
static int expire_track(struct order *o, struct track **link, int64_t now)
{
	struct track *t = *link;
	struct entry *head;

	while (now - (head = &t->entries[0])->reserved_at >= o->hold_ms) {
		if (head->event != NULL) {
			log_error(NULL, "relay: %s: the reserve of seq %lld did not come through redis "
			    "within %lld ms; its message goes out", t->id, (long long)head->seq,
			    (long long)o->hold_ms);
			head->seen = 1;
		} else {
			log_error(NULL, "relay: %s: the message of seq %lld did not come within %lld ms; "
			    "the ones after it go out", t->id, (long long)head->seq,
			    (long long)o->hold_ms);
			remove_at(t, 0);
		}
		drain(o, link);
		if (*link != t)
			return 1;
	}
	return 0;
}

void order_expire(struct order *o, int64_t now)
{
	for (size_t b = 0; b < ORDER_BUCKETS; b++)
		for (struct track **link = &o->buckets[b]; *link != NULL;)
			if (!expire_track(o, link, now))
				link = &(*link)->chain;
}

/* Takes *link's track into link state o->linked: up, every seq it has is
 * seen (reserved while down, its reserve cannot come); down, the other
 * hosts' pending seqs go (their events cannot come). 1 when that emptied
 * and freed the track. */
static int relink_track(struct order *o, struct track **link)
{
	struct track *t = *link;

	for (size_t i = t->n; i-- > 0;)
		if (o->linked)
			t->entries[i].seen = 1;
		else if (!t->entries[i].local && t->entries[i].event == NULL)
			remove_at(t, i);
	drain(o, link);
	return *link != t;
}

void order_link(struct order *o, int up)
{
	if (!up == !o->linked)
		return;
	o->linked = up != 0;
	for (size_t b = 0; b < ORDER_BUCKETS; b++)
		for (struct track **link = &o->buckets[b]; *link != NULL;)
			if (!relink_track(o, link))
				link = &(*link)->chain;
}

size_t order_held(const struct order *o) { return o->held; }
