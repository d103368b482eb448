#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "errors.h"
#include "fanout.h"
#include "metrics.h"
#include "replay.h"
#include "sse.h"

#define TOPIC_ID_MAX 64

struct topic {
	struct topic *chain;
	struct fanout_sub *subs;
	struct replay ring;
	uint64_t last_id; /* of its latest event */
	char id[TOPIC_ID_MAX + 1];
};

struct fanout {
	struct topic **buckets;
	size_t nbuckets, ntopics, nstreams;
	struct fanout_sub *all, *pending, *pending_tail; /* pending: oldest first */
	size_t queue_bytes;
	int64_t replay_ms;
	uint64_t next_id;
};

/* FNV-1a of s. */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return (size_t)h;
}

int fanout_new(struct fanout **out, size_t queue_bytes, int64_t replay_ms)
{
	struct fanout *f = calloc(1, sizeof *f);

	*out = NULL;
	if (f == NULL || (f->buckets = calloc(1024, sizeof *f->buckets)) == NULL) {
		free(f);
		return ERR_NOMEM;
	}
	f->nbuckets = 1024;
	f->queue_bytes = queue_bytes;
	f->replay_ms = replay_ms;
	/* Ids go on across restarts: a microsecond clock to start from, so a
	 * client's Last-Event-ID from before a restart is older than every new id. */
	f->next_id = (uint64_t)clock_now_ms() * 1000;
	*out = f;
	return 0;
}

static struct topic **slot(const struct fanout *f, const char *id)
{
	struct topic **t = &f->buckets[hash(id) % f->nbuckets];

	while (*t != NULL && strcmp((*t)->id, id) != 0)
		t = &(*t)->chain;
	return t;
}

/* Doubles the table when it holds more topics than buckets (a failed
 * growth keeps the old table: only lookups get slower). */
static void grow(struct fanout *f)
{
	size_t n = f->nbuckets * 2;
	struct topic **b = calloc(n, sizeof *b), *t, *next;

	if (b == NULL)
		return;
	for (size_t i = 0; i < f->nbuckets; i++)
		for (t = f->buckets[i]; t != NULL; t = next) {
			next = t->chain;
			t->chain = b[hash(t->id) % n];
			b[hash(t->id) % n] = t;
		}
	free(f->buckets);
	f->buckets = b;
	f->nbuckets = n;
}

/* The topic of id, made when create says so; NULL when absent or out of memory. */
static struct topic *topic(struct fanout *f, const char *id, int create)
{
	struct topic **s = slot(f, id), *t;

	if (*s != NULL || !create)
		return *s;
	if (strlen(id) > TOPIC_ID_MAX || (t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	memcpy(t->id, id, strlen(id) + 1);
	*s = t;
	if (++f->ntopics > f->nbuckets)
		grow(f);
	return t;
}

static void topic_free(struct fanout *f, struct topic *t)
{
	struct topic **s = slot(f, t->id);

	*s = t->chain;
	replay_free(&t->ring);
	free(t);
	f->ntopics--;
}

void fanout_free(struct fanout *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nbuckets; i++)
		while (f->buckets[i] != NULL)
			topic_free(f, f->buckets[i]);
	free(f->buckets);
	free(f);
}

void fanout_sub_init(struct fanout *f, struct fanout_sub *s)
{
	buf_init(&s->queue, f->queue_bytes);
}

/* Puts s at the head of list l. */
static void push(struct fanout_sub **head, struct fanout_sub *s, enum fanout_list l)
{
	s->link[l].prev = NULL;
	s->link[l].next = *head;
	if (*head != NULL)
		(*head)->link[l].prev = s;
	*head = s;
}

/* Takes s off list l. */
static void drop(struct fanout_sub **head, struct fanout_sub *s, enum fanout_list l)
{
	if (s->link[l].prev != NULL)
		s->link[l].prev->link[l].next = s->link[l].next;
	else
		*head = s->link[l].next;
	if (s->link[l].next != NULL)
		s->link[l].next->link[l].prev = s->link[l].prev;
	s->link[l].next = s->link[l].prev = NULL;
}

/* Puts s at the end of the pending list: written after those before it. */
static void make_pending(struct fanout *f, struct fanout_sub *s)
{
	if (s->pending)
		return;
	s->pending = 1;
	s->link[FANOUT_PENDING].next = NULL;
	s->link[FANOUT_PENDING].prev = f->pending_tail;
	if (f->pending_tail != NULL)
		f->pending_tail->link[FANOUT_PENDING].next = s;
	else
		f->pending = s;
	f->pending_tail = s;
}

void fanout_done(struct fanout *f, struct fanout_sub *s)
{
	if (!s->pending)
		return;
	if (f->pending_tail == s)
		f->pending_tail = s->link[FANOUT_PENDING].prev;
	drop(&f->pending, s, FANOUT_PENDING);
	s->pending = 0;
}

struct fanout_sub *fanout_next_pending(struct fanout *f) { return f->pending; }

void fanout_queue(struct fanout *f, struct fanout_sub *s, const char *p, size_t n)
{
	if (s->doomed)
		return;
	if (buf_append(&s->queue, p, n) < 0) {
		s->doomed = 1; /* over its cap (or out of memory): cut after the pass */
		metrics_add(METRIC_RELAY_SLOW_DROPPED, NULL, 1);
	}
	make_pending(f, s);
}

static int queue_replayed(void *ctx, const char *text, size_t len)
{
	struct fanout_sub *s = ctx;

	if (buf_append(&s->queue, text, len) < 0)
		return ERR_TOOBIG;
	metrics_add(METRIC_RELAY_REPLAYED, NULL, 1);
	return 0;
}

int fanout_join(struct fanout *f, struct fanout_sub *s, const char *conversation_id,
    const char *user_id, const uint64_t *after)
{
	struct topic *t = topic(f, conversation_id, 1);

	if (t == NULL)
		return ERR_NOMEM;
	snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
	if (after != NULL && replay_after(&t->ring, *after, user_id, queue_replayed, s) < 0) {
		s->doomed = 1;
		metrics_add(METRIC_RELAY_SLOW_DROPPED, NULL, 1);
	}
	s->topic = t;
	push(&t->subs, s, FANOUT_TOPIC);
	push(&f->all, s, FANOUT_ALL);
	s->joined = 1;
	f->nstreams++;
	metrics_set(METRIC_RELAY_STREAMS, NULL, f->nstreams);
	make_pending(f, s);
	return 0;
}

void fanout_leave(struct fanout *f, struct fanout_sub *s)
{
	fanout_done(f, s);
	buf_free(&s->queue);
	s->off = 0;
	if (!s->joined)
		return;
	drop(&s->topic->subs, s, FANOUT_TOPIC);
	drop(&f->all, s, FANOUT_ALL);
	s->joined = 0;
	f->nstreams--;
	metrics_set(METRIC_RELAY_STREAMS, NULL, f->nstreams);
}

/* The id of t's next event: given (0: the relay's next), above t's last. */
static uint64_t take_id(struct fanout *f, struct topic *t, uint64_t given)
{
	uint64_t id = given != 0 ? given : f->next_id + 1;

	if (id <= t->last_id)
		id = t->last_id + 1;
	if (id > f->next_id)
		f->next_id = id;
	return t->last_id = id;
}

/* The event's SSE text with id in it, into b. */
static int event_text(cJSON *event, struct buf *b, uint64_t id)
{
	char digits[24];
	cJSON *v;
	char *json;
	int rc;

	snprintf(digits, sizeof digits, "%llu", (unsigned long long)id);
	if ((v = cJSON_CreateString(digits)) == NULL)
		return ERR_NOMEM;
	if (cJSON_HasObjectItem(event, "id") ? !cJSON_ReplaceItemInObjectCaseSensitive(event, "id", v)
	    : !cJSON_AddItemToObject(event, "id", v)) {
		cJSON_Delete(v);
		return ERR_NOMEM;
	}
	if ((json = cJSON_PrintUnformatted(event)) == NULL)
		return ERR_NOMEM;
	rc = sse_event(b, id, json);
	free(json);
	return rc;
}

int fanout_event(struct fanout *f, const char *conversation_id, const char *to_user_id,
    cJSON *event, int64_t now)
{
	return fanout_event_at(f, conversation_id, to_user_id, event, 0, now);
}

int fanout_event_at(struct fanout *f, const char *conversation_id, const char *to_user_id,
    cJSON *event, uint64_t given, int64_t now)
{
	struct buf text;
	struct topic *t = topic(f, conversation_id, 1);
	uint64_t id, out = 0;
	int rc;

	if (t == NULL)
		return ERR_NOMEM;
	buf_init(&text, 0);
	id = take_id(f, t, given);
	if ((rc = event_text(event, &text, id)) == 0 &&
	    (rc = replay_add(&t->ring, id, now, to_user_id, text.data, text.len)) == 0)
		for (struct fanout_sub *s = t->subs; s != NULL; s = s->link[FANOUT_TOPIC].next)
			if (to_user_id == NULL || strcmp(s->user_id, to_user_id) == 0) {
				fanout_queue(f, s, text.data, text.len);
				out++;
			}
	buf_free(&text);
	if (out)
		metrics_add(METRIC_RELAY_EVENTS_OUT, NULL, out);
	return rc;
}

void fanout_close_user(struct fanout *f, const char *user_id)
{
	for (struct fanout_sub *s = f->all; s != NULL; s = s->link[FANOUT_ALL].next)
		if (strcmp(s->user_id, user_id) == 0) {
			s->doomed = 1;
			make_pending(f, s);
		}
}

void fanout_close_conversation(struct fanout *f, const char *conversation_id)
{
	struct topic *t = topic(f, conversation_id, 0);

	for (struct fanout_sub *s = t ? t->subs : NULL; s != NULL; s = s->link[FANOUT_TOPIC].next) {
		s->ending = 1;
		make_pending(f, s);
	}
}

void fanout_heartbeat(struct fanout *f)
{
	for (struct fanout_sub *s = f->all; s != NULL; s = s->link[FANOUT_ALL].next)
		fanout_queue(f, s, SSE_HEARTBEAT, sizeof SSE_HEARTBEAT - 1);
}

void fanout_prune(struct fanout *f, int64_t now)
{
	struct topic *t, *next;

	for (size_t i = 0; i < f->nbuckets; i++)
		for (t = f->buckets[i]; t != NULL; t = next) {
			next = t->chain;
			replay_prune(&t->ring, now - f->replay_ms);
			if (t->subs == NULL && t->ring.count == 0)
				topic_free(f, t);
		}
}

int fanout_flush(struct fanout_sub *s, int fd)
{
	ssize_t n;

	while (s->off < s->queue.len) {
		n = send(fd, s->queue.data + s->off, s->queue.len - s->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -1;
		s->off += (size_t)n;
	}
	if (s->off < s->queue.len) { /* the written part leaves the cap's count */
		memmove(s->queue.data, s->queue.data + s->off, s->queue.len - s->off + 1);
		s->queue.len -= s->off;
		s->off = 0;
		return 1;
	}
	buf_free(&s->queue); /* an idle stream holds no buffer */
	s->off = 0;
	return 0;
}

size_t fanout_streams(const struct fanout *f) { return f->nstreams; }
