/*
 * fanout: who listens to what, after redis's pubsub: conversations
 * (topics) with their subscribed streams and replay ring, and each
 * stream's bounded output queue. Publishing only appends to queues and
 * puts the stream on the pending list; the connection layer writes the
 * pending ones later (before the loop sleeps) and closes those marked
 * doomed (queue over CHATS3_RELAY_QUEUE_BYTES, or closed by a frame),
 * never in the middle of a fan-out.
 *
 * The small interface the link between the relays of several hosts
 * (redis_link.c, through frames.c) sits behind: fanout_event_at,
 * fanout_close_user and fanout_close_conversation.
 *
 * struct fanout_sub lives inside its owner's connection; fanout_leave
 * takes it out of every list. struct fanout owns topics, rings and queues.
 */
#ifndef CHATS3_RELAY_FANOUT_H
#define CHATS3_RELAY_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ids.h"

struct cJSON;
struct fanout;
struct topic;

/* The lists a stream is on: its topic's, every stream's, the pending one. */
enum fanout_list { FANOUT_TOPIC, FANOUT_ALL, FANOUT_PENDING, FANOUT__LISTS };

struct fanout_sub {
	struct {
		struct fanout_sub *next, *prev;
	} link[FANOUT__LISTS];
	struct topic *topic;
	char user_id[UUID_STRLEN + 1];
	struct buf queue;   /* bytes not yet written, from off */
	size_t off;
	unsigned pending : 1, doomed : 1, joined : 1;
	unsigned ending : 1; /* to be closed once its queue is written */
};

/* A fanout whose queues hold at most queue_bytes and whose rings keep
 * replay_ms. 0 or ERR_NOMEM. */
int fanout_new(struct fanout **out, size_t queue_bytes, int64_t replay_ms);
void fanout_free(struct fanout *f);

/* Prepares s (zeroed by the caller) to queue bytes before it joins. */
void fanout_sub_init(struct fanout *f, struct fanout_sub *s);

/* Subscribes s for user_id to conversation_id, after queueing what the
 * ring holds after *after (NULL: nothing). 0 or ERR_NOMEM. */
int fanout_join(struct fanout *f, struct fanout_sub *s, const char *conversation_id,
    const char *user_id, const uint64_t *after);

/* Takes s out of its topic and the lists, and frees its queue. */
void fanout_leave(struct fanout *f, struct fanout_sub *s);

/* Appends p[0..n) to s's queue and makes it pending; over the cap s is
 * doomed instead. */
void fanout_queue(struct fanout *f, struct fanout_sub *s, const char *p, size_t n);

/* Gives event (borrowed; its "id" replaced by the relay's next id) to the
 * streams of conversation_id (of to_user_id alone when not NULL) and to
 * the ring. 0 or ERR_NOMEM. */
int fanout_event(struct fanout *f, const char *conversation_id, const char *to_user_id,
    struct cJSON *event, int64_t now);

/* fanout_event with the event's id given (Redis's, from the link
 * between hosts), or 0 for the relay's next. An id is always above every
 * id of the conversation before it (a given one that is not is raised
 * past them) and the relay's next ids above every id given. */
int fanout_event_at(struct fanout *f, const char *conversation_id, const char *to_user_id,
    struct cJSON *event, uint64_t id, int64_t now);

/* Dooms every stream of user_id. */
void fanout_close_user(struct fanout *f, const char *user_id);

/* Ends every stream of conversation_id once what is queued for it is
 * written (ending), unlike a doomed stream, which is cut. */
void fanout_close_conversation(struct fanout *f, const char *conversation_id);

/* Queues a heartbeat comment on every stream. */
void fanout_heartbeat(struct fanout *f);

/* Drops ring entries older than replay_ms at now, and topics left empty. */
void fanout_prune(struct fanout *f, int64_t now);

/* The oldest pending stream, or NULL; fanout_done takes one off the list. */
struct fanout_sub *fanout_next_pending(struct fanout *f);
void fanout_done(struct fanout *f, struct fanout_sub *s);

/* Writes s's queue to fd: 0 when it is empty now, 1 when bytes are left
 * (the socket is full), -1 when the peer is gone. */
int fanout_flush(struct fanout_sub *s, int fd);

/* The number of subscribed streams. */
size_t fanout_streams(const struct fanout *f);

#endif
