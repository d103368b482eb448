#include <errno.h>
#include <string.h>

#include "backoff.h"
#include "conn.h"
#include "hub.h"
#include "log.h"
#include "loop.h"

/* The back-off is over: every listener it held is watched again. */
static void resume(struct loop *l, void *ctx)
{
	struct hub *h = ctx;

	for (int i = 0; i < h->backoff.n; i++)
		if (loop_watch(l, h->backoff.fds[i], LOOP_READ, conn_accept_ready, h) < 0)
			log_error(NULL, "relay: watching a listener again: %s", strerror(errno));
	h->backoff.n = 0;
}

void backoff_accept(struct loop *l, struct hub *h, int lfd, int err)
{
	struct backoff *b = &h->backoff;

	if ((err != EMFILE && err != ENFILE) || b->n == BACKOFF_LISTENERS)
		return;
	for (int i = 0; i < b->n; i++)
		if (b->fds[i] == lfd)
			return;
	if (b->n == 0 && loop_after(l, BACKOFF_MS, resume, h) < 0) {
		log_error(NULL, "relay: out of file descriptors, and no timer to back off with");
		return;
	}
	if (loop_watch(l, lfd, 0, NULL, NULL) < 0)
		return;
	if (b->n == 0)
		log_error(NULL, "relay: out of file descriptors (%s): not accepting for %d ms",
		    strerror(err), BACKOFF_MS);
	b->fds[b->n++] = lfd;
}
