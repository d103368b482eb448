/*
 * frames: what the relay does with one parsed frame from the programs
 * (lib/relay_frame.h): an event goes to the fan-out, through order.c
 * when it carries a seq (new-message in history order); reserve and
 * release frames go to order.c; close frames doom the streams of a user
 * or of a conversation (the latter after what order.c held for it).
 * The frame stays the caller's; a held event is detached from it.
 */
#ifndef CHATS3_RELAY_FRAMES_H
#define CHATS3_RELAY_FRAMES_H

struct cJSON;
struct hub;
struct relay_frame;

/* Acts on f, a frame parsed by relay_frame_parse. */
void frames_take(struct hub *h, struct relay_frame *f);

/* Publishes event (borrowed) of conversation_id, to to_user_id alone when
 * not NULL, now: the one way into the fan-out (order.c's publish
 * function; ctx is the hub). */
void frames_publish(void *ctx, const char *conversation_id, const char *to_user_id,
    struct cJSON *event);

#endif
