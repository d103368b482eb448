#include <stdlib.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "fanout.h"
#include "frames.h"
#include "hub.h"
#include "log.h"
#include "order.h"
#include "redis_link.h"
#include "relay_frame.h"

/* Event of conversation_id to this host's streams, with id (0: the relay's next). */
static void deliver(struct hub *h, const char *conversation_id, const char *to_user_id,
    cJSON *event, uint64_t id)
{
	if (fanout_event_at(h->fanout, conversation_id, to_user_id, event, id, clock_now_ms()) < 0)
		log_error(NULL, "relay: out of memory: an event of %s dropped", conversation_id);
}

/* Hands frame text (taken; NULL: out of memory) to the link: 1 when it
 * took it, 0 when it is for this host alone. */
static int to_link(struct hub *h, const char *conversation_id, char *text)
{
	int taken = h->link != NULL && text != NULL &&
	    redis_link_publish(h->link, conversation_id, text) == 0;

	free(text);
	return taken;
}

void frames_publish(void *ctx, const char *conversation_id, const char *to_user_id,
    int64_t seq, cJSON *event)
{
	struct hub *h = ctx;

	if (h->link == NULL ||
	    !to_link(h, conversation_id, relay_frame_event(conversation_id, seq, event)))
		deliver(h, conversation_id, to_user_id, event, 0);
}

void frames_close_user(struct hub *h, const char *user_id)
{
	if (h->link == NULL || !to_link(h, NULL, relay_frame_close(user_id)))
		fanout_close_user(h->fanout, user_id);
}

/* What this host holds for conversation_id goes out, then its streams end. */
static void close_conversation_here(struct hub *h, const char *conversation_id)
{
	order_flush(h->order, conversation_id);
	fanout_close_conversation(h->fanout, conversation_id);
}

static void close_streams(struct hub *h, const struct relay_frame *f)
{
	if (f->user_id != NULL) {
		frames_close_user(h, f->user_id);
		return;
	}
	order_flush(h->order, f->conversation_id); /* its events go before the close */
	if (h->link == NULL ||
	    !to_link(h, NULL, relay_frame_close_conversation(f->conversation_id)))
		fanout_close_conversation(h->fanout, f->conversation_id);
}

/* An event from the link: to this host's streams, and its seq (a
 * new-message's) no longer pending. */
static void from_peer_event(struct hub *h, uint64_t id, struct relay_frame *f)
{
	deliver(h, f->conversation_id, f->to_user_id, f->event, id);
	if (f->seq != 0)
		order_release(h->order, f->conversation_id, f->seq);
}

void frames_from_peer(void *ctx, uint64_t id, struct relay_frame *f)
{
	struct hub *h = ctx;

	if (f->kind == RELAY_FRAME_EVENT)
		from_peer_event(h, id, f);
	else if (f->kind == RELAY_FRAME_RESERVE)
		order_reserve_seen(h->order, f->conversation_id, f->seq, clock_now_ms());
	else if (f->kind == RELAY_FRAME_RELEASE)
		order_release(h->order, f->conversation_id, f->seq);
	else if (f->user_id != NULL)
		fanout_close_user(h->fanout, f->user_id);
	else
		close_conversation_here(h, f->conversation_id);
}

/* A send of this host failed after its reserve: no host waits for it. */
static void release(struct hub *h, const struct relay_frame *f)
{
	order_release(h->order, f->conversation_id, f->seq);
	if (h->link != NULL) /* not taken (the link down): this host heard it, enough */
		(void)to_link(h, NULL, relay_frame_seq(RELAY_FRAME_RELEASE, f->conversation_id, f->seq));
}

static void event(struct hub *h, struct relay_frame *f)
{
	if (f->seq == 0) {
		frames_publish(h, f->conversation_id, f->to_user_id, 0, f->event);
		return;
	}
	cJSON_DetachItemViaPointer(f->root, f->event); /* order.c's now */
	order_event(h->order, f->conversation_id, f->to_user_id, f->seq, f->event);
	f->event = NULL;
}

void frames_take(struct hub *h, struct relay_frame *f)
{
	switch (f->kind) {
	case RELAY_FRAME_CLOSE:
		close_streams(h, f);
		break;
	case RELAY_FRAME_RESERVE:
		order_reserve(h->order, f->conversation_id, f->seq, clock_now_ms());
		break;
	case RELAY_FRAME_RELEASE:
		release(h, f);
		break;
	default:
		event(h, f);
	}
}
