/*
 * ratelimit: fixed one-minute windows counted in the state's rate buckets,
 * so every process of every program shares them. A bucket is a string
 * naming what is limited ("join:<client address>", "write:<user id>").
 */
#ifndef CHATS3_RATELIMIT_H
#define CHATS3_RATELIMIT_H

#include <stdint.h>

struct state;
struct request;

#define RATELIMIT_WINDOW_MS 60000

/* Counts one hit on bucket at now_ms against limit per minute. 0 when
 * allowed; 1 when over, with *retry_after the seconds until the window
 * ends (1..60); ERR_DB. */
int ratelimit_hit(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after);

/* ratelimit_hit on the program's state for a request, now: 0 when
 * allowed; else it answered (429 with Retry-After and message, or the
 * error) and returns -1. */
int ratelimit_request(struct request *r, const char *bucket, long limit,
    const char *message);

#endif
