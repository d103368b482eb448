/*
 * frames: what the relay does with one parsed frame from the programs
 * (lib/relay_frame.h): an event goes to the fan-out, through order.c
 * when it carries a seq (new-message in history order); reserve and
 * release frames go to order.c (a release to the other hosts' too); close
 * frames doom the streams of a user or of a conversation (the latter
 * after what order.c held for it).
 * The frame stays the caller's; a held event is detached from it.
 *
 * With a link to the other hosts (hub.link, CHATS3_REDIS_URL) events and
 * close frames, once out of order.c, go to Redis, and what comes back
 * from it (frames_from_peer) reaches this host's streams, its reserves,
 * releases and seqs order.c; with the link down they go to this host's
 * streams at once.
 */
#ifndef CHATS3_RELAY_FRAMES_H
#define CHATS3_RELAY_FRAMES_H

#include <stdint.h>

struct cJSON;
struct hub;
struct relay_frame;

/* Acts on f, a frame parsed by relay_frame_parse. */
void frames_take(struct hub *h, struct relay_frame *f);

/* Publishes event (borrowed) of conversation_id, to to_user_id alone when
 * not NULL, with seq (0: none), now: the one way into the fan-out
 * (order.c's publish function; ctx is the hub). */
void frames_publish(void *ctx, const char *conversation_id, const char *to_user_id,
    int64_t seq, struct cJSON *event);

/* Closes every stream of user_id, on every host. */
void frames_close_user(struct hub *h, const char *user_id);

/* A frame from the link (redis_link.h's deliver function; ctx is the
 * hub): an event with id (0: the relay's next) or a close, on this host,
 * or a reserve or release for order.c. */
void frames_from_peer(void *ctx, uint64_t id, struct relay_frame *f);

#endif
