/*
 * loop: the relay's event loop, after redis's ae: file events in an
 * fd-indexed table (an fd at or past the set size fails with ERANGE),
 * periodic and one-shot timers, and a hook run before each sleep. epoll underneath; no
 * knowledge of HTTP or SSE. One loop per process; loop_free releases it.
 */
#ifndef CHATS3_RELAY_LOOP_H
#define CHATS3_RELAY_LOOP_H

#include <stdint.h>

#define LOOP_READ 1
#define LOOP_WRITE 2
#define LOOP_TIMERS 8 /* timers a loop holds at once */

struct loop;

/* Called with the events that fired (LOOP_READ, LOOP_WRITE; an error or a
 * hang-up counts as both). */
typedef void loop_file_fn(struct loop *l, int fd, int mask, void *ctx);
typedef void loop_tick_fn(struct loop *l, void *ctx);
/* The before-sleep hook: nonzero when it stopped with work left, so the
 * loop only polls (takes what is ready without waiting) and calls it again. */
typedef int loop_hook_fn(struct loop *l, void *ctx);

/* A loop for fds below setsize. 0 or -1 (errno). */
int loop_new(struct loop **out, int setsize);

/* Watches fd for mask (replacing what was watched; 0 stops watching), with
 * fn(ctx) to call; epoll hears of it only when the mask changes. 0 or -1
 * (errno: ERANGE past the set size). */
int loop_watch(struct loop *l, int fd, int mask, loop_file_fn *fn, void *ctx);

/* The mask fd is watched for (0: not watched). */
int loop_mask(const struct loop *l, int fd);

/* Calls fn(ctx) every every_ms milliseconds. 0 or -1 (ENOSPC: the table is full). */
int loop_every(struct loop *l, int64_t every_ms, loop_tick_fn *fn, void *ctx);

/* Calls fn(ctx) once, after_ms milliseconds from now (its slot in the
 * table is free again then). 0 or -1 (ENOSPC). */
int loop_after(struct loop *l, int64_t after_ms, loop_tick_fn *fn, void *ctx);

/* Calls fn(ctx) before each wait. */
void loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *ctx);

/* Runs until loop_stop: 0, or -1 when epoll fails. */
int loop_run(struct loop *l);

void loop_stop(struct loop *l);

/* Frees l (the fds it watched stay open). NULL is fine. */
void loop_free(struct loop *l);

#endif
