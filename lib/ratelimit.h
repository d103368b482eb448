/*
 * ratelimit: fixed one-minute windows counted in the state's rate buckets,
 * so every process of every program shares them. A bucket is a string
 * naming what is limited ("join:<client address>", "write:<user id>",
 * "read:<user id>").
 * The limiter only decides; dispatch answers 429 (routes declare their
 * rate).
 */
#ifndef CHATS3_RATELIMIT_H
#define CHATS3_RATELIMIT_H

#include <stdint.h>

struct state;

#define RATELIMIT_WINDOW_MS 60000

/* Counts one hit on bucket at now_ms against limit per minute. 0 when
 * allowed; 1 when over, with *retry_after the seconds until the window
 * ends (1..60); ERR_DB. */
int ratelimit_hit(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after);

/* A budget of failures: 1 when bucket has had limit hits or more in the
 * window that holds now_ms (the budget is spent), with *retry_after the
 * seconds until it ends; 0 when not; ERR_DB. Counts nothing: a failure
 * is counted with ratelimit_hit. */
int ratelimit_spent(struct state *st, const char *bucket, long limit, int64_t now_ms,
    long *retry_after);

/* The same over fixed windows of window_ms (typing: a second); the
 * limit counts per window, *retry_after is at least 1. */
int ratelimit_hit_in(struct state *st, const char *bucket, long limit, int64_t window_ms,
    int64_t now_ms, long *retry_after);

/* ratelimit_spent over windows of window_ms. */
int ratelimit_spent_in(struct state *st, const char *bucket, long limit, int64_t window_ms,
    int64_t now_ms, long *retry_after);

/* Counts hits (0: none) on bucket's window of window_ms at once, deciding
 * nothing: what a request cost, known once it ran (storage reads). 0 or
 * ERR_DB. */
int ratelimit_charge_in(struct state *st, const char *bucket, long hits, int64_t window_ms,
    int64_t now_ms);

#endif
