/*
 * fuzz_cursor: message_store_cursor_valid, the check of GET
 * /api/v1/messages?before=, on arbitrary bytes (cut at the first NUL). A
 * cursor it accepts fits MESSAGE_CURSOR_MAX and is base64url of
 * "<day>/<ms>-<uuid>.ndjson:<index>".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "fuzz_text.h"
#include "message_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const char *cursor)
{
	char plain[MESSAGE_CURSOR_MAX];
	const char *colon;
	size_t n;

	must(strlen(cursor) < MESSAGE_CURSOR_MAX);
	must(base64url_decode(cursor, plain, sizeof plain - 1, &n) == 0);
	plain[n] = '\0';
	must(strlen(plain) == n && plain[4] == '-' && plain[10] == '/');
	colon = strrchr(plain, ':');
	must(colon != NULL && colon - plain > 7 && strncmp(colon - 7, ".ndjson", 7) == 0);
	must(colon[1] >= '0' && colon[1] <= '9');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size);

	if (message_store_cursor_valid(s))
		check_accepted(s);
	free(s);
	return 0;
}
