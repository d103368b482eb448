/*
 * fuzz_relay_frame: relay_frame_parse on arbitrary bytes (no NUL
 * terminator, so an over-read shows). An accepted frame has the pointers
 * its kind promises, and its encoder's output parses again.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_frame f, again;
	char *text;
	int rc = relay_frame_parse((const char *)data, size, &f);

	must(rc == 0 || rc == ERR_INVAL);
	if (rc < 0)
		return 0;
	text = f.kind == RELAY_FRAME_CLOSE ? relay_frame_close(f.user_id) :
	    relay_frame_event(f.conversation_id, f.event);
	must(text != NULL && relay_frame_parse(text, strlen(text), &again) == 0);
	must(again.kind == f.kind);
	relay_frame_free(&again);
	relay_frame_free(&f);
	free(text);
	return 0;
}
