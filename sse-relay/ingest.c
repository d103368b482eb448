#include <errno.h>
#include <sys/socket.h>

#include "frames.h"
#include "hub.h"
#include "ingest.h"
#include "log.h"
#include "relay_frame.h"

#define INGEST_BATCH 1024 /* frames read per wake-up, so streams get their turn */

static void take(struct hub *h, const char *p, size_t n)
{
	struct relay_frame f;

	if (n > RELAY_FRAME_MAX || relay_frame_parse(p, n, &f) < 0) {
		log_error(NULL, "relay: dropped a malformed frame of %zu bytes", n);
		return;
	}
	frames_take(h, &f);
	relay_frame_free(&f);
}

void ingest_ready(struct loop *l, int fd, int mask, void *ctx)
{
	static char frame[RELAY_FRAME_MAX + 1];
	ssize_t n;

	(void)l;
	(void)mask;
	for (int i = 0; i < INGEST_BATCH; i++) {
		n = recv(fd, frame, sizeof frame, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: all read */
		take(ctx, frame, (size_t)n);
	}
}
