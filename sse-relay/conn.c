#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "backoff.h"
#include "buf.h"
#include "clock.h"
#include "fanout.h"
#include "http.h"
#include "hub.h"
#include "log.h"
#include "loop.h"
#include "conn.h"
#include "net.h"
#include "redis_link.h"
#include "session_store.h"
#include "sse.h"

struct conn {
	struct fanout_sub sub; /* first: a sub is its conn */
	struct hub *hub;
	struct conn *next, *prev; /* the hub's list */
	int fd;
	unsigned streaming : 1, answered : 1;
	int64_t since_ms;      /* accepted at (monotonic), for CONN_HEAD_MS */
	char *in;              /* the request head so far (until answered) */
	size_t in_len;
};

static struct conn *conn_of(struct fanout_sub *s) { return (struct conn *)s; }

static void conn_close(struct conn *c)
{
	loop_watch(c->hub->loop, c->fd, 0, NULL, NULL);
	fanout_leave(c->hub->fanout, &c->sub);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->hub->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	close(c->fd);
	free(c->in);
	free(c);
}

/* Queues a whole answer; the connection closes once it is written. */
static void answer(struct conn *c, int status, const char *message, const cJSON *data)
{
	struct buf b;

	buf_init(&b, 0);
	if (sse_answer(&b, status, message, data) < 0)
		c->sub.doomed = 1;
	fanout_queue(c->hub->fanout, &c->sub, b.data, b.len);
	buf_free(&b);
	c->answered = 1;
}

/* GET /health: "redis" says whether the link to the other hosts is up (with one). */
static void health(struct conn *c)
{
	cJSON *data = cJSON_CreateObject();
	const struct redis_link *link = c->hub->link;

	if (cJSON_AddStringToObject(data, "status", "ok") == NULL ||
	    cJSON_AddNumberToObject(data, "streams", (double)fanout_streams(c->hub->fanout)) == NULL ||
	    (link != NULL &&
	    cJSON_AddStringToObject(data, "redis", redis_link_up(link) ? "up" : "down") == NULL))
		answer(c, 500, "Internal server error", NULL);
	else
		answer(c, 200, NULL, data);
	cJSON_Delete(data);
}

static const char *refusal(int status)
{
	switch (status) {
	case 401: return "A valid session is required";
	case 404: return "Not found";
	case 405: return "Method not allowed";
	case 410: return "This conversation is closed";
	case 503: return "The event stream is not available; retry later";
	default: return "Bad request";
	}
}

/* GET /api/v1/signaling: the session's stream, or the refusal. */
static void stream(struct conn *c, const struct http_req *q)
{
	struct session s;
	struct buf b;
	int rc = auth_stream(c->hub->state, q->token, &s);

	if (rc != 0) {
		answer(c, rc, refusal(rc), NULL);
		return;
	}
	buf_init(&b, 0);
	if (sse_open(&b, q->head_only) < 0) {
		buf_free(&b);
		answer(c, 500, "Internal server error", NULL);
		return;
	}
	fanout_queue(c->hub->fanout, &c->sub, b.data, b.len);
	buf_free(&b);
	if (q->head_only) {
		c->answered = 1;
		return;
	}
	c->streaming = 1;
	if (fanout_join(c->hub->fanout, &c->sub, s.conversation_id, s.user_id,
	    q->has_last_event_id ? &q->last_event_id : NULL) < 0)
		c->sub.doomed = 1;
}

static void route(struct conn *c, const struct http_req *q)
{
	if (strcmp(q->path, "/api/v1/signaling") == 0)
		stream(c, q);
	else if (strcmp(q->path, "/health") == 0)
		health(c);
	else
		answer(c, 404, refusal(404), NULL);
}

static void conn_event(struct loop *l, int fd, int mask, void *ctx);

/* Reads what the client sent: the head until it is complete; after it,
 * nothing is expected but the end of the connection. -1 when c is closed. */
static int readable(struct conn *c)
{
	char sink[512];
	struct http_req q;
	ssize_t n;
	int rc;

	if (c->streaming || c->answered) {
		while ((n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT)) > 0)
			;
	} else if (c->in == NULL && (c->in = malloc(HTTP_HEAD_MAX)) == NULL) {
		n = 0;
	} else {
		n = recv(c->fd, c->in + c->in_len, HTTP_HEAD_MAX - c->in_len, MSG_DONTWAIT);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		conn_close(c);
		return -1;
	}
	if (n < 0 || c->streaming || c->answered)
		return 0;
	c->in_len += (size_t)n;
	if ((rc = http_parse(c->in, c->in_len, &q)) == HTTP_INCOMPLETE)
		return 0;
	free(c->in);
	c->in = NULL;
	if (rc != 0)
		answer(c, rc, refusal(rc), NULL);
	else
		route(c, &q);
	return 0;
}

/* Writes c's queue (or cuts it, when doomed); closes it when done with it. */
static void writable(struct conn *c)
{
	int rc = c->sub.doomed ? -1 : fanout_flush(&c->sub, c->fd);

	if (rc < 0 || (rc == 0 && (c->answered || c->sub.ending))) {
		conn_close(c);
		return;
	}
	if (loop_watch(c->hub->loop, c->fd, LOOP_READ | (rc == 1 ? LOOP_WRITE : 0), conn_event,
	    c) < 0)
		conn_close(c);
}

static void conn_event(struct loop *l, int fd, int mask, void *ctx)
{
	struct conn *c = ctx;

	(void)l;
	(void)fd;
	if ((mask & LOOP_READ) && readable(c) < 0)
		return;
	if (mask & LOOP_WRITE)
		writable(c);
}

void conn_accept_ready(struct loop *l, int lfd, int mask, void *ctx)
{
	struct hub *h = ctx;
	struct conn *c;
	int fd;

	(void)mask;
	while ((fd = net_accept(lfd)) >= 0) {
		if ((c = calloc(1, sizeof *c)) == NULL) {
			close(fd);
			continue;
		}
		c->hub = h;
		c->fd = fd;
		c->since_ms = clock_mono_us() / 1000;
		fanout_sub_init(h->fanout, &c->sub);
		if (loop_watch(l, fd, LOOP_READ, conn_event, c) < 0) {
			log_error(NULL, "relay: connection refused: %s", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->next = h->conns;
		if (h->conns != NULL)
			h->conns->prev = c;
		h->conns = c;
	}
	backoff_accept(l, h, lfd, errno);
}

int conn_flush_pending(struct loop *l, void *ctx)
{
	struct hub *h = ctx;
	struct fanout_sub *s;

	(void)l;
	for (int i = 0; i < CONN_FLUSH_SLICE; i++) {
		if ((s = fanout_next_pending(h->fanout)) == NULL)
			return 0;
		fanout_done(h->fanout, s);
		writable(conn_of(s));
	}
	return fanout_next_pending(h->fanout) != NULL;
}

void conn_close_all(struct hub *h)
{
	while (h->conns != NULL)
		conn_close(h->conns);
}

void conn_expire_heads(struct loop *l, void *ctx)
{
	struct hub *h = ctx;
	int64_t before = clock_mono_us() / 1000 - CONN_HEAD_MS;
	struct conn *c, *next;

	(void)l;
	for (c = h->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->streaming && !c->answered && c->since_ms < before)
			conn_close(c);
	}
}
