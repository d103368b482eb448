#include <cjson/cJSON.h>

#include "clock.h"
#include "errors.h"
#include "frames.h"
#include "hub.h"
#include "log.h"
#include "relay_client.h"
#include "session_store.h"
#include "state.h"
#include "sweep.h"

#define STATE_BATCH 100 /* what state_session_sweep removes at most per call */

struct swept {
	struct hub *hub;
	int64_t now;
	int count;
};

static int expired(void *ctx, const struct session *s)
{
	struct swept *w = ctx;
	cJSON *ev = relay_peer_event("peer-leave", s);

	w->count++;
	if (ev == NULL)
		log_error(NULL, "relay: out of memory: peer-leave of %s dropped", s->user_id);
	else
		frames_publish(w->hub, s->conversation_id, NULL, 0, ev);
	cJSON_Delete(ev);
	frames_close_user(w->hub, s->user_id);
	return 0;
}

void sweep_tick(struct loop *l, void *ctx)
{
	struct swept w = { ctx, clock_now_ms(), STATE_BATCH };
	int rc = 0;

	(void)l;
	for (int i = 0; i < SWEEP_BATCHES && rc == 0 && w.count == STATE_BATCH; i++) {
		w.count = 0;
		rc = state_session_sweep(w.hub->state, w.now, expired, &w);
	}
	if (rc == 0)
		rc = state_sweep(w.hub->state, w.now);
	if (rc < 0) /* busy or failing: tried again at the next tick */
		log_error(NULL, "relay: sweep: %s", err_str(rc));
}
