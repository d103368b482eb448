/*
 * sse_load: many Server-Sent-Events subscribers in one process, and their
 * publisher, for bench/relay. One thread, epoll, non-blocking sockets, its
 * own small HTTP/1.1 + SSE reader (chunked or not), so that our relay and
 * Nchan are driven by exactly the same client.
 *
 *   sse_load --target tcp:HOST:PORT|unix:PATH --subscribers FILE
 *            --publish dgram:PATH|http:HOST:PORT/PATH-PREFIX [--inflight N]
 *
 * FILE holds one subscriber a line: "CHANNEL PATH" (the channel is the
 * conversation id; PATH the GET request's target). Each line is one
 * stream: GET PATH with Accept: text/event-stream, established once the
 * 200's headers are read. At most --inflight (256) are being set up at once.
 * Publishing: dgram: one relay frame per event on that Unix datagram
 * socket (lib/relay_client.h's format); http: POST PATH-PREFIX<CHANNEL> with
 * the event's data as the body (Nchan's publisher), on 8 kept-alive
 * connections, pipelined. An event's data is {"seq":N}; a subscriber has
 * received event N when a data: line carrying "seq":N ends an SSE event.
 *
 * Prints "connected N failed F seconds S", then takes commands on stdin,
 * one a line, answering each with one line on stdout:
 *
 *   fanout CHANNEL COUNT [PAUSE_MS]
 *                         COUNT events to CHANNEL, one at a time; each
 *                         waits until every stream of CHANNEL has it (10 s
 *                         at most): "fanout ms=T1,T2,... missed=M", Ti the
 *                         time from publishing to the last stream's receipt.
 *                         With PAUSE_MS (at most 10,000), the client sleeps
 *                         that long after publishing and Ti runs from its
 *                         waking: the client's own time to read the event
 *                         from every stream, the floor under any server's
 *   ingest PREFIX SECONDS events round-robin to the channels whose name
 *                         starts with PREFIX, as fast as they are taken,
 *                         with at most 4,096 deliveries outstanding, then
 *                         drained (5 s at most): "ingest events=E
 *                         delivered=D expected=X seconds=S", S from the
 *                         first publish to the last receipt
 *   stats                 "stats alive=A dropped=D heartbeats=H events=E
 *                         publish_errors=P" (H counts SSE comment lines,
 *                         P publisher answers other than 2xx)
 *   quit                  exits 0 (so does the end of stdin)
 *
 * Exits 1 on a usage or setup error, or when the publisher's socket
 * fails (with a line on stderr).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "numparse.h"

#define LINE_CAP 512          /* a subscriber's header block or SSE line kept */
#define PUB_CONNS 8           /* http publisher connections */
#define PUB_IN_CAP 65536      /* a publisher connection's unread answers */
#define INGEST_WINDOW 4096    /* deliveries outstanding during ingest */
#define FANOUT_WAIT_US 10000000
#define DRAIN_WAIT_US 5000000
#define CONNECT_WAIT_US 120000000
#define BATCH 4096            /* epoll events taken per wait */
#define SPIN_US 500           /* polling without sleeping after the last delivery */

enum kind { K_SUB = 1, K_PUB, K_STDIN };
enum sub_state { S_CONNECTING, S_HEADERS, S_BODY, S_DEAD };
enum chunk_state { C_SIZE, C_EXT, C_DATA, C_CRLF };

struct sub {
	int fd;
	int channel;
	enum sub_state state;
	int chunked;
	enum chunk_state cstate;
	long chunk_left;
	int has_seq;          /* the current SSE event carries a seq */
	long seq;
	size_t len;           /* bytes in line */
	char line[LINE_CAP];
};

struct channel {
	char *name;
	int subs;             /* streams alive on it */
};

struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct pubconn {
	int fd;
	struct buf out;       /* requests not yet written */
	size_t out_off;
	size_t in_len;
	long body_left;       /* body bytes of the current answer still to skip */
	char in[PUB_IN_CAP];
};

struct load {
	int ep;
	struct addr target;
	struct sub *subs;
	size_t nsubs;
	struct channel *chans;
	size_t nchans;
	/* publishing */
	int dgram;            /* the relay's event socket, or -1 */
	int dgram_blocked;
	struct pubconn *pub;  /* PUB_CONNS of them for http, else NULL */
	char *pub_prefix;
	size_t pub_next;
	long pub_pending;     /* http answers not yet read */
	long pub_errors;
	/* progress */
	size_t inflight, established, failed, dropped;
	long heartbeats, events;
	int64_t last_event_us; /* when the latest event arrived */
	int64_t busy_us;      /* when the latest poll found something (or a publish) */
	long wait_seq;        /* the fanout event awaited, or 0 */
	int wait_channel;
	long wait_got;
	struct buf cmd;       /* stdin not yet split into lines */
	int quit;
};

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "sse_load: %s\n", what);
	exit(1);
}

static _Noreturn void die_errno(const char *what)
{
	fprintf(stderr, "sse_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t tag(enum kind k, size_t i)
{
	return (uint64_t)k << 32 | (uint64_t)i;
}

static void ep_set(struct load *L, int op, int fd, uint32_t events, uint64_t t)
{
	struct epoll_event ev = { .events = events, .data.u64 = t };

	if (epoll_ctl(L->ep, op, fd, &ev) != 0)
		die_errno("epoll_ctl");
}

/* --- addresses --- */

static void parse_tcp(const char *s, struct addr *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
	const char *colon = strrchr(s, ':');
	char host[64];
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		die("tcp address: HOST:PORT");
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (numparse_long(colon + 1, strcspn(colon + 1, "/"), 1, 65535, &port) != 0)
		die("tcp address: bad port");
	memset(a, 0, sizeof *a);
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		die("tcp address: HOST must be an IPv4 address");
	a->len = sizeof *in;
}

static void parse_unix(const char *path, struct addr *a)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;

	memset(a, 0, sizeof *a);
	if (strlen(path) >= sizeof un->sun_path)
		die("unix socket path too long");
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	a->len = sizeof *un;
}

static void parse_target(const char *s, struct addr *a)
{
	if (strncmp(s, "tcp:", 4) == 0)
		parse_tcp(s + 4, a);
	else if (strncmp(s, "unix:", 5) == 0)
		parse_unix(s + 5, a);
	else
		die("--target: tcp:HOST:PORT or unix:PATH");
}

/* A non-blocking, close-on-exec socket connecting to a; -1 on failure. */
static int dial(const struct addr *a, int type)
{
	int fd = socket(a->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	if (a->sa.ss_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* --- the subscriber file --- */

static int channel_of(struct load *L, const char *name)
{
	for (size_t i = L->nchans; i-- > 0;)
		if (strcmp(L->chans[i].name, name) == 0)
			return (int)i;
	L->chans = realloc(L->chans, (L->nchans + 1) * sizeof *L->chans);
	if (L->chans == NULL || (L->chans[L->nchans].name = strdup(name)) == NULL)
		die("out of memory");
	L->chans[L->nchans].subs = 0;
	return (int)L->nchans++;
}

/* Reads FILE: one struct sub per line, and the request paths beside them. */
static char **read_subscribers(struct load *L, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[1024], chan[256], path[768];
	char **paths = NULL;
	size_t cap = 0;

	if (f == NULL)
		die_errno(file);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%255s %767s", chan, path) != 2)
			die("subscribers file: each line is CHANNEL PATH");
		if (L->nsubs == cap) {
			cap = cap ? cap * 2 : 1024;
			L->subs = realloc(L->subs, cap * sizeof *L->subs);
			paths = realloc(paths, cap * sizeof *paths);
			if (L->subs == NULL || paths == NULL)
				die("out of memory");
		}
		memset(&L->subs[L->nsubs], 0, sizeof *L->subs);
		L->subs[L->nsubs].fd = -1;
		L->subs[L->nsubs].channel = channel_of(L, chan);
		if ((paths[L->nsubs++] = strdup(path)) == NULL)
			die("out of memory");
	}
	fclose(f);
	if (L->nsubs == 0)
		die("subscribers file is empty");
	return paths;
}

/* --- one subscriber's stream --- */

static void sub_end(struct load *L, struct sub *s)
{
	if (s->state == S_BODY) {
		L->dropped++;
		L->chans[s->channel].subs--;
	} else {
		L->failed++;
		L->inflight--;
	}
	close(s->fd);
	s->fd = -1;
	s->state = S_DEAD;
}

static void sse_event_end(struct load *L, struct sub *s)
{
	if (!s->has_seq)
		return;
	s->has_seq = 0;
	L->events++;
	L->last_event_us = clock_mono_us();
	if (s->seq == L->wait_seq && s->channel == L->wait_channel)
		L->wait_got++;
}

/* One SSE line (without its end of line): a comment, a field, or the blank
 * line that ends an event. */
static void sse_line(struct load *L, struct sub *s)
{
	static const char marker[] = "\"seq\":";
	char *m, *end;

	if (s->len == 0) {
		sse_event_end(L, s);
		return;
	}
	if (s->line[0] == ':') {
		L->heartbeats++;
		return;
	}
	s->line[s->len] = '\0';
	if (strncmp(s->line, "data:", 5) != 0 || (m = strstr(s->line, marker)) == NULL)
		return;
	m += sizeof marker - 1;
	end = m + strspn(m, "0123456789");
	if (numparse_long(m, (size_t)(end - m), 0, LONG_MAX, &s->seq) == 0)
		s->has_seq = 1;
}

/* SSE bytes: split into lines at \n (a \r before it dropped); a line
 * longer than LINE_CAP keeps its start, which is all the reader needs. */
static void sse_feed(struct load *L, struct sub *s, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		size_t room = LINE_CAP - 1 - s->len;

		memcpy(s->line + s->len, p, take < room ? take : room);
		s->len += take < room ? take : room;
		if (nl == NULL)
			return;
		if (s->len > 0 && s->line[s->len - 1] == '\r')
			s->len--;
		sse_line(L, s);
		s->len = 0;
		p = nl + 1;
		n -= take + 1;
	}
}

/* Chunked transfer coding (RFC 9112 section 7.1) around the SSE bytes.
 * -1 when the stream ends or breaks. */
static int chunk_feed(struct load *L, struct sub *s, const char *p, size_t n)
{
	while (n > 0) {
		if (s->cstate == C_DATA) {
			size_t take = (size_t)s->chunk_left < n ? (size_t)s->chunk_left : n;

			sse_feed(L, s, p, take);
			p += take;
			n -= take;
			if ((s->chunk_left -= (long)take) == 0)
				s->cstate = C_CRLF;
			continue;
		}
		char c = *p++;
		n--;
		if (s->cstate == C_CRLF) {
			if (c == '\n') {
				s->cstate = C_SIZE;
				s->chunk_left = 0;
			}
		} else if (c == '\n') {
			if (s->chunk_left == 0)
				return -1;
			s->cstate = C_DATA;
		} else if (c == ';' || s->cstate == C_EXT) {
			s->cstate = C_EXT;  /* a chunk extension: ignored */
		} else if (c >= '0' && c <= '9') {
			s->chunk_left = s->chunk_left * 16 + (c - '0');
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
			s->chunk_left = s->chunk_left * 16 + ((c | 0x20) - 'a' + 10);
		}
		if (s->chunk_left > 1L << 30)
			return -1;
	}
	return 0;
}

static int body_feed(struct load *L, struct sub *s, const char *p, size_t n)
{
	if (s->chunked)
		return chunk_feed(L, s, p, n);
	sse_feed(L, s, p, n);
	return 0;
}

/* The response head, gathered in line: 200, then body mode. -1 otherwise. */
static int headers_feed(struct load *L, struct sub *s, const char *p, size_t n)
{
	size_t room = LINE_CAP - 1 - s->len, take = n < room ? n : room;
	char *end;

	memcpy(s->line + s->len, p, take);
	s->len += take;
	s->line[s->len] = '\0';
	if ((end = strstr(s->line, "\r\n\r\n")) == NULL)
		return s->len == LINE_CAP - 1 ? -1 : 0;
	*end = '\0';
	if (strncmp(s->line, "HTTP/1.1 200 ", 13) != 0)
		return -1;
	s->chunked = strcasestr(s->line, "\ntransfer-encoding: chunked") != NULL;
	s->state = S_BODY;
	L->inflight--;
	L->established++;
	L->chans[s->channel].subs++;
	size_t used = (size_t)(end + 4 - s->line) - (s->len - take);
	s->len = 0;
	return body_feed(L, s, p + used, n - used);
}

static void sub_readable(struct load *L, struct sub *s)
{
	char b[16384];
	ssize_t n;

	while ((n = read(s->fd, b, sizeof b)) > 0) {
		int rc = s->state == S_HEADERS ? headers_feed(L, s, b, (size_t)n)
		                               : body_feed(L, s, b, (size_t)n);
		if (rc != 0) {
			sub_end(L, s);
			return;
		}
		if ((size_t)n < sizeof b)
			return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		sub_end(L, s);
}

static void sub_connected(struct load *L, struct sub *s, size_t i, const char *path)
{
	char req[1024];
	int err = 0, len;
	socklen_t elen = sizeof err;

	len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: bench\r\n"
	    "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n", path);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0 ||
	    len < 0 || (size_t)len >= sizeof req || write(s->fd, req, (size_t)len) != len) {
		sub_end(L, s);
		return;
	}
	s->state = S_HEADERS;
	ep_set(L, EPOLL_CTL_MOD, s->fd, EPOLLIN, tag(K_SUB, i));
}

static void sub_event(struct load *L, size_t i, uint32_t ev, char **paths)
{
	struct sub *s = &L->subs[i];

	if (s->state == S_DEAD)
		return;
	if (s->state == S_CONNECTING)
		sub_connected(L, s, i, paths[i]);
	else if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		sub_readable(L, s);
}

/* --- publishing --- */

#define DGRAM_SNDBUF (16 * 1024 * 1024)

/* The one publisher stands in for many programs, each of which has a
 * send buffer of its own: room for a whole ingest window of frames in
 * flight (SO_SNDBUFFORCE as root, else as much as net.core.wmem_max allows). */
static void dgram_room(int fd)
{
	int size = DGRAM_SNDBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static void pub_open(struct load *L, const char *spec)
{
	struct addr a;

	if (strncmp(spec, "dgram:", 6) == 0) {
		parse_unix(spec + 6, &a);
		if ((L->dgram = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
			die_errno("socket");
		if (connect(L->dgram, (struct sockaddr *)&a.sa, a.len) != 0)
			die_errno(spec);
		dgram_room(L->dgram);
		ep_set(L, EPOLL_CTL_ADD, L->dgram, 0, tag(K_PUB, PUB_CONNS));
		return;
	}
	const char *slash;
	if (strncmp(spec, "http:", 5) != 0 || (slash = strchr(spec + 5, '/')) == NULL)
		die("--publish: dgram:PATH or http:HOST:PORT/PATH-PREFIX");
	parse_tcp(spec + 5, &a);
	if ((L->pub_prefix = strdup(slash)) == NULL || (L->pub = calloc(PUB_CONNS, sizeof *L->pub)) == NULL)
		die("out of memory");
	for (size_t i = 0; i < PUB_CONNS; i++) {
		if ((L->pub[i].fd = dial(&a, SOCK_STREAM)) < 0)
			die_errno("publisher connect");
		buf_init(&L->pub[i].out, 0);
		ep_set(L, EPOLL_CTL_ADD, L->pub[i].fd, EPOLLIN | EPOLLOUT | EPOLLET, tag(K_PUB, i));
	}
}

/* The event's data, {"seq":N}, printed by cJSON; the caller frees it. */
static cJSON *event_data(long seq)
{
	cJSON *d = cJSON_CreateObject();

	if (d == NULL || cJSON_AddNumberToObject(d, "seq", (double)seq) == NULL)
		die("out of memory");
	return d;
}

/* A relay frame (lib/relay_client.h) carrying {"seq":N} to channel. */
static char *relay_frame_text(const char *channel, long seq)
{
	cJSON *f = cJSON_CreateObject(), *e = cJSON_CreateObject();
	char *text;

	if (f == NULL || e == NULL || cJSON_AddNumberToObject(f, "v", 1) == NULL ||
	    cJSON_AddStringToObject(f, "conversationId", channel) == NULL ||
	    cJSON_AddStringToObject(e, "id", "0") == NULL ||
	    cJSON_AddStringToObject(e, "type", "offer") == NULL ||
	    cJSON_AddStringToObject(e, "fromUserId", "00000000-0000-4000-8000-000000000000") == NULL ||
	    cJSON_AddNullToObject(e, "toUserId") == NULL ||
	    !cJSON_AddItemToObject(e, "data", event_data(seq)) ||
	    cJSON_AddStringToObject(e, "timestamp", "2026-01-01T00:00:00.000Z") == NULL ||
	    !cJSON_AddItemToObject(f, "event", e) || (text = cJSON_PrintUnformatted(f)) == NULL)
		die("out of memory");
	cJSON_Delete(f);
	return text;
}

/* The POST for Nchan's publisher: the data as the body. */
static char *http_publish_text(const struct load *L, const char *channel, long seq)
{
	cJSON *d = event_data(seq);
	char *body = cJSON_PrintUnformatted(d);
	struct buf b;

	cJSON_Delete(d);
	buf_init(&b, 0);
	if (body == NULL || buf_puts(&b, "POST ") || buf_puts(&b, L->pub_prefix) ||
	    buf_puts(&b, channel) || buf_puts(&b, " HTTP/1.1\r\nHost: bench\r\nContent-Length: ") ||
	    buf_put_u64(&b, strlen(body)) || buf_puts(&b, "\r\n\r\n") || buf_puts(&b, body))
		die("out of memory");
	free(body);
	return buf_detach(&b);
}

static void pub_flush(struct pubconn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			die_errno("publisher write");
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
}

/* Reads the publisher's answers: each a 2xx head and Content-Length bytes. */
static void pub_readable(struct load *L, struct pubconn *c)
{
	ssize_t n;

	while ((n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len)) > 0) {
		c->in_len += (size_t)n;
		size_t off = 0;
		for (;;) {
			if (c->body_left > 0) {
				size_t skip = (size_t)c->body_left < c->in_len - off ? (size_t)c->body_left : c->in_len - off;
				off += skip;
				c->body_left -= (long)skip;
				if (c->body_left > 0)
					break;
			}
			char *head = c->in + off, *end = memmem(head, c->in_len - off, "\r\n\r\n", 4);
			if (end == NULL)
				break;
			char *cl = memmem(head, (size_t)(end - head), "Content-Length: ", 16);
			if (strncmp(head, "HTTP/1.1 2", 10) != 0)
				L->pub_errors++;
			c->body_left = cl ? strtol(cl + 16, NULL, 10) : 0;
			off = (size_t)(end + 4 - c->in);
			L->pub_pending--;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		die("the publisher connection closed");
}

static void pub_event(struct load *L, size_t i, uint32_t ev)
{
	if (i == PUB_CONNS) {
		L->dgram_blocked = 0;
		ep_set(L, EPOLL_CTL_MOD, L->dgram, 0, tag(K_PUB, PUB_CONNS));
		return;
	}
	if (ev & EPOLLOUT)
		pub_flush(&L->pub[i]);
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		pub_readable(L, &L->pub[i]);
}

/* What publishing event seq to channel sends: a relay frame (dgram) or a
 * POST (http). The caller frees it. */
static char *publish_text(const struct load *L, int channel, long seq)
{
	const char *name = L->chans[channel].name;

	return L->dgram >= 0 ? relay_frame_text(name, seq) : http_publish_text(L, name, seq);
}

/* Sends text (borrowed): 0, or -1 when the relay's socket is full (try
 * again once it drains). */
static int publish(struct load *L, const char *text)
{
	size_t len = strlen(text);

	if (L->dgram >= 0) {
		if (L->dgram_blocked)
			return -1;
		if (send(L->dgram, text, len, 0) >= 0)
			return 0;
		if (errno != EAGAIN)
			die_errno("sending a frame");
		L->dgram_blocked = 1;
		ep_set(L, EPOLL_CTL_MOD, L->dgram, EPOLLOUT, tag(K_PUB, PUB_CONNS));
		return -1;
	}
	struct pubconn *c = &L->pub[L->pub_next++ % PUB_CONNS];

	if (buf_append(&c->out, text, len) != 0)
		die("out of memory");
	L->pub_pending++;
	pub_flush(c);
	return 0;
}

/* --- the loop --- */

static void commands(struct load *L, char **paths);

static void stdin_readable(struct load *L, char **paths)
{
	char b[4096];
	ssize_t n = read(0, b, sizeof b);

	if (n <= 0) {
		L->quit = 1;
		return;
	}
	if (buf_append(&L->cmd, b, (size_t)n) != 0)
		die("out of memory");
	/* the commands poll the streams themselves: stdin waits meanwhile */
	ep_set(L, EPOLL_CTL_DEL, 0, 0, 0);
	commands(L, paths);
	ep_set(L, EPOLL_CTL_ADD, 0, EPOLLIN, tag(K_STDIN, 0));
}

/* Waits up to timeout_ms and handles what is ready: how many were. */
static int poll_once(struct load *L, int timeout_ms, char **paths)
{
	struct epoll_event ev[BATCH];
	int n = epoll_wait(L->ep, ev, BATCH, timeout_ms);

	if (n < 0 && errno != EINTR)
		die_errno("epoll_wait");
	for (int i = 0; i < n; i++) {
		size_t idx = (size_t)(ev[i].data.u64 & 0xffffffffu);

		switch ((enum kind)(ev[i].data.u64 >> 32)) {
		case K_SUB:
			sub_event(L, idx, ev[i].events, paths);
			break;
		case K_PUB:
			pub_event(L, idx, ev[i].events);
			break;
		case K_STDIN:
			stdin_readable(L, paths);
			break;
		}
	}
	return n;
}

/* Handles what is ready; waits (1 ms at most) only once nothing has come
 * for SPIN_US. While deliveries flow the client spins on its own CPU, so
 * that no server's send pays for waking a sleeping reader (a cross-CPU
 * wake-up, a VM exit here); when a server stalls (its CPU taken by other
 * work) the client yields its CPU instead of burning it. The same for
 * every server. */
static void spin(struct load *L, char **paths)
{
	if (poll_once(L, clock_mono_us() - L->busy_us < SPIN_US ? 0 : 1, paths) > 0)
		L->busy_us = clock_mono_us();
}

static void connect_all(struct load *L, char **paths, size_t inflight_max)
{
	int64_t t0 = clock_mono_us();
	size_t next = 0;

	while (L->established + L->failed < L->nsubs) {
		while (next < L->nsubs && L->inflight < inflight_max) {
			struct sub *s = &L->subs[next];

			L->inflight++;
			if ((s->fd = dial(&L->target, SOCK_STREAM)) < 0)
				sub_end(L, s);
			else
				ep_set(L, EPOLL_CTL_ADD, s->fd, EPOLLOUT, tag(K_SUB, next));
			next++;
		}
		if (clock_mono_us() - t0 > CONNECT_WAIT_US)
			die("streams still not established after 120 s");
		poll_once(L, 100, paths);
	}
	printf("connected %zu failed %zu seconds %.3f\n", L->established, L->failed,
	    (double)(clock_mono_us() - t0) / 1e6);
	fflush(stdout);
}

/* --- commands --- */

static int find_channel(const struct load *L, const char *name)
{
	for (size_t i = 0; i < L->nchans; i++)
		if (strcmp(L->chans[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Microseconds from publishing one event to channel to the last of its
 * streams reading it, -1 when some stream did not within 10 s. With
 * pause_ms, the client reads nothing for that long after publishing and
 * times from then on: its own time to read what waits for it. */
static long fanout_one(struct load *L, int channel, long pause_ms, char **paths)
{
	static long seq;
	char *text = publish_text(L, channel, ++seq);
	struct timespec pause = { pause_ms / 1000, pause_ms % 1000 * 1000000 };
	int64_t t0;

	L->wait_seq = seq;
	L->wait_channel = channel;
	L->wait_got = 0;
	t0 = L->busy_us = clock_mono_us();
	while (publish(L, text) != 0)
		poll_once(L, 10, paths);
	free(text);
	if (pause_ms > 0) {
		while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
			;
		t0 = L->busy_us = clock_mono_us();
	}
	while ((L->wait_got < L->chans[channel].subs || L->pub_pending > 0) &&
	    clock_mono_us() - t0 < FANOUT_WAIT_US)
		spin(L, paths);
	L->wait_seq = 0;
	return L->wait_got < L->chans[channel].subs ? -1 : L->last_event_us - t0;
}

static void cmd_fanout(struct load *L, const char *name, long count, long pause_ms,
    char **paths)
{
	int channel = find_channel(L, name);
	long missed = 0;
	struct buf out;

	buf_init(&out, 0);
	if (channel < 0 || buf_puts(&out, "fanout ms=") != 0)
		die("fanout: unknown channel");
	for (long i = 0; i < count; i++) {
		long us = fanout_one(L, channel, pause_ms, paths);
		char t[32];

		if (us < 0) {
			missed++;
			continue;
		}
		snprintf(t, sizeof t, "%s%.3f", out.len > 10 ? "," : "", (double)us / 1000);
		if (buf_puts(&out, t) != 0)
			die("out of memory");
	}
	printf("%s missed=%ld\n", out.data, missed);
	buf_free(&out);
}

static void cmd_ingest(struct load *L, const char *prefix, long seconds, char **paths)
{
	int *targets = malloc(L->nchans * sizeof *targets);
	char **texts = malloc(L->nchans * sizeof *texts);
	size_t nt = 0, next = 0;
	long events = 0, expected = 0, before = L->events;
	int64_t t0, end;

	if (targets == NULL || texts == NULL)
		die("out of memory");
	for (size_t i = 0; i < L->nchans; i++)
		if (strncmp(L->chans[i].name, prefix, strlen(prefix)) == 0 && L->chans[i].subs > 0) {
			texts[nt] = publish_text(L, (int)i, 0);
			targets[nt++] = (int)i;
		}
	if (nt == 0)
		die("ingest: no channel with that prefix has a stream");
	t0 = L->last_event_us = L->busy_us = clock_mono_us();
	end = t0 + seconds * 1000000;
	while (clock_mono_us() < end) {
		while (expected - (L->events - before) < INGEST_WINDOW &&
		    publish(L, texts[next % nt]) == 0) {
			expected += L->chans[targets[next++ % nt]].subs;
			events++;
		}
		spin(L, paths);
	}
	while (L->events - before < expected && clock_mono_us() - end < DRAIN_WAIT_US)
		spin(L, paths);
	printf("ingest events=%ld delivered=%ld expected=%ld seconds=%.3f\n", events,
	    L->events - before, expected, (double)(L->last_event_us - t0) / 1e6);
	for (size_t i = 0; i < nt; i++)
		free(texts[i]);
	free(texts);
	free(targets);
}

static void command(struct load *L, char *line, char **paths)
{
	char word[16], arg[256];
	long n = 0, pause_ms = 0;
	int k = sscanf(line, "%15s %255s %ld %ld", word, arg, &n, &pause_ms);

	if (k >= 1 && strcmp(word, "quit") == 0) {
		L->quit = 1;
		return;
	}
	if (k >= 1 && strcmp(word, "stats") == 0)
		printf("stats alive=%zu dropped=%zu heartbeats=%ld events=%ld publish_errors=%ld\n",
		    L->established - L->dropped, L->dropped, L->heartbeats, L->events, L->pub_errors);
	else if (k >= 3 && strcmp(word, "fanout") == 0 && n > 0 && pause_ms >= 0 && pause_ms <= 10000)
		cmd_fanout(L, arg, n, pause_ms, paths);
	else if (k == 3 && strcmp(word, "ingest") == 0 && n > 0)
		cmd_ingest(L, arg, n, paths);
	else
		printf("error unknown command\n");
	fflush(stdout);
}

static void commands(struct load *L, char **paths)
{
	char *nl;

	while (!L->quit && (nl = memchr(L->cmd.data, '\n', L->cmd.len)) != NULL) {
		size_t len = (size_t)(nl - L->cmd.data) + 1;

		*nl = '\0';
		command(L, L->cmd.data, paths);
		memmove(L->cmd.data, L->cmd.data + len, L->cmd.len - len);
		L->cmd.len -= len;
	}
}

/* --- setup --- */

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		die_errno("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		die_errno("setrlimit");
}

static const char *opt(int argc, char **argv, const char *name, const char *dflt)
{
	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	if (dflt == NULL) {
		fprintf(stderr, "usage: sse_load --target tcp:HOST:PORT|unix:PATH --subscribers FILE"
		    " --publish dgram:PATH|http:HOST:PORT/PREFIX [--inflight N]\n");
		exit(1);
	}
	return dflt;
}

int main(int argc, char **argv)
{
	struct load L = { .dgram = -1 };
	const char *inflight = opt(argc, argv, "--inflight", "256");
	long max;
	char **paths;

	if (numparse_long(inflight, strlen(inflight), 1, 100000, &max) != 0)
		die("--inflight: a number from 1 to 100000");
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	parse_target(opt(argc, argv, "--target", NULL), &L.target);
	if ((L.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_errno("epoll_create1");
	paths = read_subscribers(&L, opt(argc, argv, "--subscribers", NULL));
	pub_open(&L, opt(argc, argv, "--publish", NULL));
	buf_init(&L.cmd, 1 << 20);
	connect_all(&L, paths, (size_t)max);
	ep_set(&L, EPOLL_CTL_ADD, 0, EPOLLIN, tag(K_STDIN, 0));
	while (!L.quit)
		poll_once(&L, 1000, paths);
	return 0;
}
