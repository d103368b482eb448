#include <errno.h>
#include <sys/socket.h>

#include "frames.h"
#include "hub.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "relay_frame.h"

#define INGEST_BATCH 4096 /* frames read per wake-up, so streams get their turn */

/* The frame kinds as the metrics name them. */
static const char *const kinds[] = {
	[RELAY_FRAME_EVENT] = "event",
	[RELAY_FRAME_CLOSE] = "close",
	[RELAY_FRAME_RESERVE] = "reserve",
	[RELAY_FRAME_RELEASE] = "release",
};

static void take(struct hub *h, const char *p, size_t n)
{
	struct relay_frame f;

	if (n > RELAY_FRAME_MAX || relay_frame_parse(p, n, &f) < 0) {
		log_error(NULL, "relay: dropped a malformed frame of %zu bytes", n);
		metrics_add(METRIC_RELAY_EVENTS_IN, (const char *[]){ "malformed" }, 1);
		return;
	}
	metrics_add(METRIC_RELAY_EVENTS_IN, (const char *[]){ kinds[f.kind] }, 1);
	frames_take(h, &f);
	relay_frame_free(&f);
}

/* Frames taken per recvmmsg: one system call for up to INGEST_VEC of them. */
#define INGEST_VEC 32

struct batch {
	struct mmsghdr msg[INGEST_VEC];
	struct iovec iov[INGEST_VEC];
	char frame[INGEST_VEC][RELAY_FRAME_MAX + 1]; /* one byte more: too long shows */
};

/* Up to INGEST_VEC waiting frames into b: how many, or -1 (errno: EAGAIN
 * when none is waiting). */
static int receive(int fd, struct batch *b)
{
	int n;

	for (int i = 0; i < INGEST_VEC; i++) {
		b->iov[i] = (struct iovec){ b->frame[i], sizeof b->frame[i] };
		b->msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &b->iov[i], .msg_iovlen = 1 } };
	}
	do
		n = recvmmsg(fd, b->msg, INGEST_VEC, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	return n;
}

void ingest_ready(struct loop *l, int fd, int mask, void *ctx)
{
	static struct batch b;
	int n, taken = 0;

	(void)l;
	(void)mask;
	do {
		n = receive(fd, &b);
		for (int i = 0; i < n; i++)
			take(ctx, b.frame[i], b.msg[i].msg_hdr.msg_flags & MSG_TRUNC ?
			    sizeof b.frame[i] : b.msg[i].msg_len);
		taken += n;
	} while (n > 0 && taken < INGEST_BATCH); /* short batches too: senders refill the queue */
}
