/*
 * redis_link: the fan-out between the relays of several hosts, over Redis
 * pub/sub (docs/relay.md, Several hosts). Two hiredis async connections on
 * the relay's own loop (an adapter for loop.h, as hiredis's adapters/ae.h
 * is for ae): one for EVALSHA and PUBLISH, one SUBSCRIBEd to the
 * installation's channel. Both connect without blocking, send AUTH and SELECT from
 * CHATS3_REDIS_URL, and connect again after a loss, waiting 100 ms, then
 * twice as long after each failure up to 5 s.
 *
 * An event is published with one EVALSHA (of the script the publishing
 * connection SCRIPT LOADs once connected; a NOSCRIPT drops the connection)
 * that takes the conversation's next id (above the last one and above Redis's clock in microseconds) and
 * PUBLISHes "<id> <frame>" (lib/relay_frame.h) in the same script, so id
 * order is publish order. Every relay, the publisher too, hands what its
 * subscription brings to the deliver function with that id. A close or
 * release frame is PUBLISHed as "0 <frame>"; the reserves on the channel
 * come from the message clock (lib/state_redis.c) and are delivered alike.
 *
 * Publishing only appends to hiredis's output buffer. While the link is
 * not up (either connection away, or REDIS_LINK_INFLIGHT bytes await replies)
 * a publish returns -1 and the caller delivers on its host alone; a
 * publish whose reply never comes (the connection lost, or dropped with
 * the subscription when a reply is 1 s late: a stalled Redis) is handed
 * back to deliver with id 0 (a local id).
 *
 * struct redis_link owns its connections and the copies of the frames in
 * flight; redis_link_free releases them without delivering.
 */
#ifndef CHATS3_RELAY_REDIS_LINK_H
#define CHATS3_RELAY_REDIS_LINK_H

#include <stdint.h>

struct loop;
struct redis_link;
struct redis_url;
struct relay_frame;

#define REDIS_LINK_INFLIGHT (16 * 1024 * 1024) /* bytes of frames awaiting replies, at most */
#define REDIS_LINK_TICK_MS 100    /* how often it looks at its connections */

/* Called with a frame (the caller's; an event's members may be detached)
 * to deliver on this host: id is Redis's for it, or 0 to take a local one. */
typedef void redis_link_deliver_fn(void *ctx, uint64_t id, struct relay_frame *f);

/* A link to the Redis of url on loop l, delivering with deliver(ctx, ...);
 * it connects at once and keeps trying. 0, or -1 (errno: out of memory,
 * or no timer left in the loop). */
int redis_link_new(struct redis_link **out, struct loop *l, const struct redis_url *url,
    redis_link_deliver_fn *deliver, void *ctx);

/* Closes both connections and frees k (NULL is fine). */
void redis_link_free(struct redis_link *k);

/* Publishes frame text (borrowed; an event frame of conversation_id, or a
 * close or release frame when conversation_id is NULL). 0 once queued, -1 when the
 * link is not up (nothing queued: deliver it on this host). */
int redis_link_publish(struct redis_link *k, const char *conversation_id, const char *frame);

/* Nonzero while both connections are up and subscribed. */
int redis_link_up(const struct redis_link *k);

#endif
