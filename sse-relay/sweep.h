/*
 * sweep: the relay, the one long-lived process, removes what expired from
 * the state on a timer, in bounded batches: sessions (their conversation
 * hears peer-leave and their streams close), then nonces, rate buckets and
 * idempotency keys. The state never waits for a lock here: a busy store
 * is simply tried again at the next tick.
 */
#ifndef CHATS3_RELAY_SWEEP_H
#define CHATS3_RELAY_SWEEP_H

#define SWEEP_EVERY_MS 10000
#define SWEEP_BATCHES 10 /* session batches a tick removes at most */

struct loop;

/* The timer's callback; ctx is the struct hub. */
void sweep_tick(struct loop *l, void *ctx);

#endif
