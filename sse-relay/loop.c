#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

#define LOOP_BATCH 256 /* events taken per wait */

struct watch {
	int mask;
	loop_file_fn *fn;
	void *ctx;
};

struct timer {
	int64_t every_ms, due_ms; /* every_ms 0: once */
	loop_tick_fn *fn;
	void *ctx;
};

struct loop {
	int epfd, setsize, stop, ntimers;
	struct watch *watches;
	struct timer timers[LOOP_TIMERS];
	loop_hook_fn *before_sleep;
	void *before_ctx;
	struct epoll_event fired[LOOP_BATCH];
};

static int64_t now_ms(void) { return clock_mono_us() / 1000; }

int loop_new(struct loop **out, int setsize)
{
	struct loop *l = calloc(1, sizeof *l);

	*out = NULL;
	if (l == NULL || setsize <= 0 ||
	    (l->watches = calloc((size_t)setsize, sizeof *l->watches)) == NULL) {
		free(l);
		errno = ENOMEM;
		return -1;
	}
	l->setsize = setsize;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(l->watches);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

static uint32_t epoll_bits(int mask)
{
	return (mask & LOOP_READ ? EPOLLIN : 0) | (mask & LOOP_WRITE ? EPOLLOUT : 0);
}

int loop_watch(struct loop *l, int fd, int mask, loop_file_fn *fn, void *ctx)
{
	struct epoll_event ev = { .events = epoll_bits(mask), .data.fd = fd };
	struct watch *w;
	int op;

	if (fd < 0 || fd >= l->setsize) {
		errno = ERANGE;
		return -1;
	}
	w = &l->watches[fd];
	op = mask == 0 ? EPOLL_CTL_DEL : w->mask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (mask != w->mask && epoll_ctl(l->epfd, op, fd, &ev) < 0)
		return -1; /* the same mask again costs no system call */
	*w = (struct watch){ mask, mask ? fn : NULL, mask ? ctx : NULL };
	return 0;
}

int loop_mask(const struct loop *l, int fd)
{
	return fd >= 0 && fd < l->setsize ? l->watches[fd].mask : 0;
}

int loop_every(struct loop *l, int64_t every_ms, loop_tick_fn *fn, void *ctx)
{
	if (l->ntimers == LOOP_TIMERS || every_ms <= 0) {
		errno = ENOSPC;
		return -1;
	}
	l->timers[l->ntimers++] = (struct timer){ every_ms, now_ms() + every_ms, fn, ctx };
	return 0;
}

int loop_after(struct loop *l, int64_t after_ms, loop_tick_fn *fn, void *ctx)
{
	if (l->ntimers == LOOP_TIMERS || after_ms < 0) {
		errno = ENOSPC;
		return -1;
	}
	l->timers[l->ntimers++] = (struct timer){ 0, now_ms() + after_ms, fn, ctx };
	return 0;
}

void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *ctx)
{
	l->before_sleep = fn;
	l->before_ctx = ctx;
}

/* Milliseconds until the next timer is due (-1: none). */
static int wait_ms(const struct loop *l)
{
	int64_t now = now_ms(), best = -1;

	for (int i = 0; i < l->ntimers; i++) {
		int64_t left = l->timers[i].due_ms - now;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return (int)best;
}

static void run_timers(struct loop *l)
{
	int64_t now = now_ms();

	for (int i = 0; i < l->ntimers && !l->stop; i++) {
		struct timer t = l->timers[i]; /* fn may add timers */
		if (t.due_ms > now)
			continue;
		if (t.every_ms == 0)
			l->timers[i--] = l->timers[--l->ntimers]; /* once: the last takes its slot */
		else
			l->timers[i].due_ms = now + t.every_ms;
		t.fn(l, t.ctx);
	}
}

/* Calls the watch of one fired event; its mask is read again, because an
 * earlier callback of this batch may have removed or changed it. */
static void dispatch(struct loop *l, const struct epoll_event *e)
{
	int fd = e->data.fd, fired = 0;
	struct watch *w = &l->watches[fd];

	if (e->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		fired |= LOOP_READ;
	if (e->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		fired |= LOOP_WRITE;
	fired &= w->mask;
	if (fired)
		w->fn(l, fd, fired, w->ctx);
}

int loop_run(struct loop *l)
{
	int n, more;

	while (!l->stop) {
		more = l->before_sleep != NULL && l->before_sleep(l, l->before_ctx);
		n = epoll_wait(l->epfd, l->fired, LOOP_BATCH, more ? 0 : wait_ms(l));
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n && !l->stop; i++)
			dispatch(l, &l->fired[i]);
		run_timers(l);
	}
	return 0;
}

void loop_stop(struct loop *l) { l->stop = 1; }

void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->watches);
	free(l);
}
