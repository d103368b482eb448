#include <cjson/cJSON.h>

#include "clock.h"
#include "fanout.h"
#include "frames.h"
#include "hub.h"
#include "log.h"
#include "order.h"
#include "relay_frame.h"

void frames_publish(void *ctx, const char *conversation_id, const char *to_user_id,
    cJSON *event)
{
	struct hub *h = ctx;

	if (fanout_event(h->fanout, conversation_id, to_user_id, event, clock_now_ms()) < 0)
		log_error(NULL, "relay: out of memory: an event of %s dropped", conversation_id);
}

static void event(struct hub *h, struct relay_frame *f)
{
	if (f->seq == 0) {
		frames_publish(h, f->conversation_id, f->to_user_id, f->event);
		return;
	}
	cJSON_DetachItemViaPointer(f->root, f->event); /* order.c's now */
	order_event(h->order, f->conversation_id, f->to_user_id, f->seq, f->event);
	f->event = NULL;
}

static void close_streams(struct hub *h, const struct relay_frame *f)
{
	if (f->user_id != NULL) {
		fanout_close_user(h->fanout, f->user_id);
		return;
	}
	order_flush(h->order, f->conversation_id);
	fanout_close_conversation(h->fanout, f->conversation_id);
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
		order_release(h->order, f->conversation_id, f->seq);
		break;
	default:
		event(h, f);
	}
}
