#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "redis_link.h"
#include "redis_url.h"
#include "relay_frame.h"

#define RETRY_FIRST_MS 100
#define RETRY_LAST_MS 5000
#define READY_MS 2000 /* a connection not ready by then is given up */
#define STALL_MS 1000 /* a publish unanswered that long drops both connections */
#define ID_TTL_MS "3600000" /* a conversation's last id is kept an hour after its last event */

/* KEYS[1] the conversation's last id, ARGV[1] the channel, ARGV[2] the
 * frame. The id: above the last and above Redis's clock in microseconds
 * (so ids go on rising when the key is gone, Redis restarted or the
 * relays fell back to ids of their own meanwhile); printed with %d, as a
 * Lua number prints in exponent notation past 14 digits. */
static const char PUBLISH_SCRIPT[] =
    "local t = redis.call('TIME') "
    "local last = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local id = string.format('%d', math.max(last + 1, t[1] * 1000000 + t[2])) "
    "redis.call('SET', KEYS[1], id, 'PX', ARGV[3]) "
    "redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[2]) "
    "return id";

enum { PUB, SUB, CONNS };

struct link_conn {
	struct redis_link *link;
	redisAsyncContext *ac; /* NULL while away */
	int fd, mask, ready;   /* ready: PUB its SELECT answered, SUB subscribed */
	int64_t started_ms, retry_ms, wait_ms;
};

/* A publish awaiting its reply: the frame goes out here alone without one. */
struct pending {
	struct pending *next;
	int64_t sent_ms;
	char frame[];
};

struct redis_link {
	struct loop *loop;
	struct redis_url url;
	struct link_conn conns[CONNS];
	char channel[32];
	char sha[41];    /* PUBLISH_SCRIPT's, from SCRIPT LOAD on PUB's connection */
	redis_link_deliver_fn *deliver;
	void *ctx;
	size_t inflight; /* bytes of the frames awaiting their reply */
	struct pending *oldest, *newest; /* in the order sent, so of the replies */
	int told;    /* what the log last said: -1 nothing, 0 down, 1 up */
	int full;    /* the in-flight cap is reached (logged once) */
	int closing; /* redis_link_free: replies still coming are not delivered */
};

static int64_t now_ms(void) { return clock_mono_us() / 1000; }

int redis_link_up(const struct redis_link *k)
{
	return k->conns[PUB].ready && k->conns[SUB].ready;
}

/* Logs when the link went up or down since it last said (why: the reason for down). */
static void tell(struct redis_link *k, const char *why)
{
	int up = redis_link_up(k);

	if (up == k->told || (!up && why == NULL))
		return;
	k->told = up;
	if (up)
		log_error(NULL, "relay: redis link up: events go through channel %s", k->channel);
	else
		log_error(NULL, "relay: redis link down (%s): this host's events reach its own "
		    "streams alone until it is back", why);
}

/* c's connection is gone (hiredis frees it): it is tried again after its wait. */
static void lost(struct link_conn *c, const char *why)
{
	c->ac = NULL;
	c->ready = 0;
	c->wait_ms = c->wait_ms == 0 ? RETRY_FIRST_MS :
	    c->wait_ms * 2 > RETRY_LAST_MS ? RETRY_LAST_MS : c->wait_ms * 2;
	c->retry_ms = now_ms() + c->wait_ms;
	tell(c->link, why);
}

static void ready(struct link_conn *c)
{
	c->ready = 1;
	c->wait_ms = 0;
	tell(c->link, NULL);
}

/* -- the adapter: hiredis's events on the relay's loop ---------------------- */

static void on_io(struct loop *l, int fd, int mask, void *ctx)
{
	struct link_conn *c = ctx;
	redisAsyncContext *ac = c->ac;

	(void)l;
	(void)fd;
	if (ac != NULL && (mask & LOOP_READ))
		redisAsyncHandleRead(ac);
	if (ac != NULL && c->ac == ac && (mask & LOOP_WRITE)) /* the read may have freed it */
		redisAsyncHandleWrite(ac);
}

static void watch(struct link_conn *c, int mask)
{
	if (mask == c->mask)
		return;
	if (loop_watch(c->link->loop, c->fd, mask, on_io, c) < 0) {
		log_error(NULL, "relay: redis: watching fd %d: %s", c->fd, strerror(errno));
		return;
	}
	c->mask = mask;
}

static void add_read(void *p) { watch(p, ((struct link_conn *)p)->mask | LOOP_READ); }
static void del_read(void *p) { watch(p, ((struct link_conn *)p)->mask & ~LOOP_READ); }
static void add_write(void *p) { watch(p, ((struct link_conn *)p)->mask | LOOP_WRITE); }
static void del_write(void *p) { watch(p, ((struct link_conn *)p)->mask & ~LOOP_WRITE); }
static void cleanup(void *p) { watch(p, 0); }

static void attach(struct link_conn *c, redisAsyncContext *ac)
{
	c->ac = ac;
	c->fd = ac->c.fd;
	c->mask = 0;
	ac->data = c;
	ac->ev.data = c;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
}

/* -- replies ---------------------------------------------------------------- */

/* reply is an error (logged, and the connection dropped to start over) or
 * missing (the connection is going): nonzero. */
static int failed(redisAsyncContext *ac, const redisReply *reply)
{
	if (reply == NULL)
		return 1;
	if (reply->type != REDIS_REPLY_ERROR)
		return 0;
	log_error(NULL, "relay: redis: %.*s", (int)reply->len, reply->str);
	redisAsyncDisconnect(ac);
	return 1;
}

static void on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
	(void)priv;
	failed(ac, reply);
}

/* The script's SHA-1 as the server names it: PUB is ready for EVALSHA. */
static void on_loaded(redisAsyncContext *ac, void *reply, void *priv)
{
	const redisReply *r = reply;
	struct link_conn *c = priv;

	if (failed(ac, r))
		return;
	if (r->type != REDIS_REPLY_STRING || r->len >= sizeof c->link->sha) {
		log_error(NULL, "relay: redis: SCRIPT LOAD gave no SHA-1");
		redisAsyncDisconnect(ac);
		return;
	}
	memcpy(c->link->sha, r->str, r->len + 1);
	ready(c);
}

static void on_select(redisAsyncContext *ac, void *reply, void *priv)
{
	if (!failed(ac, reply) &&
	    redisAsyncCommand(ac, on_loaded, priv, "SCRIPT LOAD %s", PUBLISH_SCRIPT) != REDIS_OK)
		redisAsyncDisconnect(ac);
}

/* A message from the channel: delivered here, or dropped with a log line. */
static void take_message(struct redis_link *k, const redisReply *payload)
{
	struct relay_frame f;
	uint64_t id;

	if (payload->type != REDIS_REPLY_STRING ||
	    relay_frame_parse_peer(payload->str, payload->len, &id, &f) < 0) {
		log_error(NULL, "relay: redis: dropped a malformed message of %zu bytes",
		    payload->type == REDIS_REPLY_STRING ? payload->len : 0);
		return;
	}
	k->deliver(k->ctx, id, &f);
	relay_frame_free(&f);
}

static void on_subscription(redisAsyncContext *ac, void *reply, void *priv)
{
	const redisReply *r = reply;
	struct link_conn *c = priv;

	if (failed(ac, r))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(r->element[0]->str, "subscribe") == 0)
		ready(c);
	else if (strcmp(r->element[0]->str, "message") == 0)
		take_message(c->link, r->element[2]);
}

/* Takes p off the list of publishes awaiting their reply (the oldest, as
 * replies come in order). */
static void answered(struct redis_link *k, struct pending *p)
{
	struct pending **link = &k->oldest, *prev = NULL;

	while (*link != p)
		prev = *link, link = &(*link)->next;
	*link = p->next;
	if (k->newest == p)
		k->newest = prev;
	k->inflight -= strlen(p->frame);
}

/* The frame of the publish p (priv) goes out on this host alone when its
 * publish got no answer. */
static void on_published(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_link *k = ((struct link_conn *)ac->data)->link;
	const redisReply *r = reply;
	struct pending *p = priv;
	struct relay_frame f;

	answered(k, p);
	if ((r == NULL || r->type == REDIS_REPLY_ERROR) && !k->closing) {
		if (r != NULL)
			log_error(NULL, "relay: redis: publishing: %.*s", (int)r->len, r->str);
		if (r != NULL && strncmp(r->str, "NOSCRIPT", 8) == 0)
			redisAsyncDisconnect(ac); /* flushed: connect again, load it again */
		if (relay_frame_parse(p->frame, strlen(p->frame), &f) == 0)
			k->deliver(k->ctx, 0, &f);
		relay_frame_free(&f);
	}
	free(p);
}

/* -- connecting ------------------------------------------------------------- */

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct link_conn *c = ac->data;

	if (status != REDIS_OK && c->ac == ac)
		lost(c, ac->errstr);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct link_conn *c = ac->data;

	if (c->ac == ac)
		lost(c, status == REDIS_OK ? "closed" : ac->errstr);
}

/* AUTH, then SELECT (PUB) or SUBSCRIBE (SUB): queued at once, written once
 * connected. 0 or -1. */
static int greet(struct link_conn *c)
{
	const struct redis_url *u = &c->link->url;
	redisAsyncContext *ac = c->ac;
	int rc = REDIS_OK;

	if (u->password[0] != '\0')
		rc = u->user[0] != '\0' ?
		    redisAsyncCommand(ac, on_auth, c, "AUTH %s %s", u->user, u->password) :
		    redisAsyncCommand(ac, on_auth, c, "AUTH %s", u->password);
	if (rc == REDIS_OK)
		rc = c == &c->link->conns[PUB] ?
		    redisAsyncCommand(ac, on_select, c, "SELECT %d", u->db) :
		    redisAsyncCommand(ac, on_subscription, c, "SUBSCRIBE %s", c->link->channel);
	return rc == REDIS_OK ? 0 : -1;
}

static void start(struct link_conn *c)
{
	const struct redis_url *u = &c->link->url;
	redisAsyncContext *ac = u->path[0] != '\0' ? redisAsyncConnectUnix(u->path) :
	    redisAsyncConnect(u->host, u->port);

	if (ac == NULL || ac->err) {
		lost(c, ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		return;
	}
	attach(c, ac);
	c->started_ms = now_ms();
	if (redisAsyncSetConnectCallback(ac, on_connect) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, on_disconnect) != REDIS_OK || greet(c) < 0) {
		lost(c, "out of memory");
		redisAsyncFree(ac);
	}
}

/* Gives up c's connection (a Redis that does not answer); what awaited
 * its reply goes out on this host. */
static void give_up(struct link_conn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	lost(c, why);
	redisAsyncFree(ac);
}

/* Every REDIS_LINK_TICK_MS: connections away are tried again when their
 * wait is over, and slow ones given up: one not ready in READY_MS, both
 * when a publish waited STALL_MS (a stalled Redis must not hold this
 * host's events; the subscription goes too, so what it still brings of
 * them does not come twice). */
static void tick(struct loop *l, void *ctx)
{
	struct redis_link *k = ctx;
	int64_t now = now_ms();
	int stalled = k->oldest != NULL && now - k->oldest->sent_ms >= STALL_MS;

	(void)l;
	for (int i = 0; i < CONNS; i++) {
		struct link_conn *c = &k->conns[i];
		if (c->ac == NULL && now >= c->retry_ms)
			start(c);
		else if (c->ac != NULL && stalled)
			give_up(c, "a publish unanswered for 1 s");
		else if (c->ac != NULL && !c->ready && now - c->started_ms >= READY_MS)
			give_up(c, "not ready within 2 s");
	}
}

int redis_link_new(struct redis_link **out, struct loop *l, const struct redis_url *url,
    redis_link_deliver_fn *deliver, void *ctx)
{
	struct redis_link *k = calloc(1, sizeof *k);

	*out = NULL;
	if (k == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*k = (struct redis_link){ .loop = l, .url = *url, .deliver = deliver, .ctx = ctx, .told = -1 };
	/* pub/sub ignores SELECT: the db in the name keeps installations apart */
	snprintf(k->channel, sizeof k->channel, RELAY_CHANNEL_FORMAT, url->db);
	for (int i = 0; i < CONNS; i++)
		k->conns[i] = (struct link_conn){ .link = k, .fd = -1 };
	if (loop_every(l, REDIS_LINK_TICK_MS, tick, k) < 0) {
		free(k);
		return -1;
	}
	for (int i = 0; i < CONNS; i++)
		start(&k->conns[i]);
	*out = k;
	return 0;
}

void redis_link_free(struct redis_link *k)
{
	if (k == NULL)
		return;
	k->closing = 1;
	for (int i = 0; i < CONNS; i++) {
		redisAsyncContext *ac = k->conns[i].ac;
		k->conns[i].ac = NULL;
		if (ac != NULL)
			redisAsyncFree(ac);
	}
	free(k);
}

/* Whether n bytes more may wait for their reply (logged once per stretch). */
static int room(struct redis_link *k, size_t n)
{
	if (k->inflight + n <= REDIS_LINK_INFLIGHT) {
		k->full = 0;
		return 1;
	}
	if (!k->full)
		log_error(NULL, "relay: redis: %d bytes of publishes await their reply: events of "
		    "this host reach its own streams alone meanwhile", REDIS_LINK_INFLIGHT);
	k->full = 1;
	return 0;
}

/* Queues the publish of frame text: an EVALSHA for an event of
 * conversation_id, a PUBLISH of "0 <frame>" for a close. */
static int queue(struct redis_link *k, const char *conversation_id, const char *frame,
    struct pending *copy)
{
	redisAsyncContext *ac = k->conns[PUB].ac;
	char *message;
	int rc;

	if (conversation_id != NULL)
		return redisAsyncCommand(ac, on_published, copy,
		    "EVALSHA %s 1 chats3:relay:id:%s %s %s %s", k->sha, conversation_id,
		    k->channel, frame, ID_TTL_MS);
	if ((message = relay_frame_peer(0, frame)) == NULL)
		return REDIS_ERR;
	rc = redisAsyncCommand(ac, on_published, copy, "PUBLISH %s %s", k->channel, message);
	free(message);
	return rc;
}

int redis_link_publish(struct redis_link *k, const char *conversation_id, const char *frame)
{
	size_t n = strlen(frame) + 1;
	struct pending *p;

	if (!redis_link_up(k) || !room(k, n - 1) || (p = malloc(sizeof *p + n)) == NULL)
		return -1;
	*p = (struct pending){ NULL, now_ms() };
	memcpy(p->frame, frame, n);
	if (queue(k, conversation_id, frame, p) != REDIS_OK) {
		free(p);
		return -1;
	}
	if (k->newest != NULL)
		k->newest->next = p;
	else
		k->oldest = p;
	k->newest = p;
	k->inflight += n - 1;
	return 0;
}
