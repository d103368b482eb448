/*
 * order: puts each conversation's new-message events in history order
 * (docs/relay.md, "History order"). A program sends a reserve frame for a
 * message's seq (its serverReceivedAt) while the message clock is held,
 * so reserves come in clock order; the new-message event carries the same
 * seq. An event whose seq has an earlier reserved seq still pending is
 * held back until that one is published, released (its send failed) or
 * past the deadline (its program died: logged, then delivered anyway).
 * With no reserve pending an event goes out at once.
 *
 * Across hosts (order_link: the link to Redis up, the clock in Redis)
 * every relay also hears every host's reserves through the link, in clock
 * order (order_reserve_seen), and the events of the others as they are
 * published (order_release). An event this host's program reserved then
 * also waits until its reserve came through the link: every earlier seq
 * of any host is known by then, so the events reach Redis, and get their
 * ids, in history order. A reserve that does not come through within the
 * deadline is given up the same way (logged).
 *
 * struct order owns the pending seqs and the held events (cJSON trees it
 * was given) and frees them; order_free releases everything without
 * publishing. It publishes through the function it was made with, which
 * borrows the event.
 */
#ifndef CHATS3_RELAY_ORDER_H
#define CHATS3_RELAY_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct order;

#define ORDER_TICK_MS 100     /* how often main.c calls order_expire */
#define ORDER_PER_CONVERSATION 1024 /* seqs a conversation holds at most */

/* Hands event (borrowed) of conversation_id (to to_user_id alone when not
 * NULL; seq 0 or a new-message's) to the fan-out. */
typedef void order_publish_fn(void *ctx, const char *conversation_id, const char *to_user_id,
    int64_t seq, struct cJSON *event);

/* An order that holds a pending seq at most hold_ms (0: no ordering, every
 * event goes out as it comes) and publishes with publish(ctx, ...). 0 or
 * ERR_NOMEM. */
int order_new(struct order **out, int64_t hold_ms, order_publish_fn *publish, void *ctx);

/* Frees o and what it holds. NULL is fine. */
void order_free(struct order *o);

/* A message of conversation_id with seq is on its way (at now), told by
 * this host's program. */
void order_reserve(struct order *o, const char *conversation_id, int64_t seq, int64_t now);

/* The same, told through the link (a reserve of any host): seq and every
 * earlier one of the conversation are seen; what waited for that goes out. */
void order_reserve_seen(struct order *o, const char *conversation_id, int64_t seq, int64_t now);

/* Whether the link is up with the message clock in Redis: while it is,
 * an event this host reserved waits until its reserve is seen. Going up,
 * what is reserved counts as seen; going down, the other hosts' pending
 * seqs are dropped; either way what may go then goes out. */
void order_link(struct order *o, int up);

/* The message with seq will not come, or came through the link from
 * another host; what waited on it goes out. */
void order_release(struct order *o, const char *conversation_id, int64_t seq);

/* A new-message event (taken) with seq >= 1, for to_user_id (NULL, or a
 * string inside event): published now, with what it frees, or held until
 * the seqs before it are done. */
void order_event(struct order *o, const char *conversation_id, const char *to_user_id,
    int64_t seq, struct cJSON *event);

/* Publishes what conversation_id holds, in order, waiting no more (before
 * its streams close). */
void order_flush(struct order *o, const char *conversation_id);

/* Gives up the pending seqs reserved hold_ms or more before now (logged)
 * and publishes what waited on them. */
void order_expire(struct order *o, int64_t now);

/* The events held back now, across every conversation. */
size_t order_held(const struct order *o);

#endif
