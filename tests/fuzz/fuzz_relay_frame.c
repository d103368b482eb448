/*
 * fuzz_relay_frame: relay_frame_parse on arbitrary bytes (no NUL
 * terminator, so an over-read shows). An accepted frame has the pointers
 * and seq its kind promises, and its encoder's output parses again to the
 * same kind and seq.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "relay_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

/* The frame f as its encoder writes it. */
static char *encode(const struct relay_frame *f)
{
	switch (f->kind) {
	case RELAY_FRAME_CLOSE:
		return f->user_id != NULL ? relay_frame_close(f->user_id) :
		    relay_frame_close_conversation(f->conversation_id);
	case RELAY_FRAME_RESERVE:
	case RELAY_FRAME_RELEASE:
		return relay_frame_seq(f->kind, f->conversation_id, f->seq);
	default:
		return relay_frame_event(f->conversation_id, f->seq, f->event);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_frame f, again;
	char *text;
	int rc = relay_frame_parse((const char *)data, size, &f);

	must(rc == 0 || rc == ERR_INVAL);
	if (rc < 0)
		return 0;
	must(f.kind != RELAY_FRAME_EVENT || (f.conversation_id != NULL && f.event != NULL));
	must((f.kind != RELAY_FRAME_RESERVE && f.kind != RELAY_FRAME_RELEASE) ||
	    (f.conversation_id != NULL && f.seq >= 1 && f.seq <= RELAY_SEQ_MAX));
	must(f.kind != RELAY_FRAME_CLOSE || (f.user_id == NULL) != (f.conversation_id == NULL));
	text = encode(&f);
	must(text != NULL && relay_frame_parse(text, strlen(text), &again) == 0);
	must(again.kind == f.kind && again.seq == f.seq);
	relay_frame_free(&again);
	relay_frame_free(&f);
	free(text);
	return 0;
}
