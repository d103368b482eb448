/*
 * fuzz_relay_frame: relay_frame_parse on arbitrary bytes (no NUL
 * terminator, so an over-read shows). An accepted frame has the pointers
 * and seq its kind promises, and its encoder's output parses again to the
 * same kind and seq. The same bytes as a message between relays
 * (relay_frame_parse_peer): accepted, it is an event with an id, or a
 * close, reserve or release with none, and its encoding parses again to
 * the same kind, seq and id.
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

static void peer(const uint8_t *data, size_t size)
{
	struct relay_frame f, again;
	uint64_t id, id2;
	char *frame, *text;
	int rc = relay_frame_parse_peer((const char *)data, size, &id, &f);

	must(rc == 0 || rc == ERR_INVAL);
	if (rc < 0)
		return;
	must(f.kind == RELAY_FRAME_EVENT ? id >= 1 : id == 0);
	frame = encode(&f);
	text = frame != NULL ? relay_frame_peer(id, frame) : NULL;
	must(text != NULL && relay_frame_parse_peer(text, strlen(text), &id2, &again) == 0);
	must(again.kind == f.kind && again.seq == f.seq && id2 == id);
	relay_frame_free(&again);
	relay_frame_free(&f);
	free(text);
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_frame f, again;
	char *text;
	int rc = relay_frame_parse((const char *)data, size, &f);

	peer(data, size);
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
