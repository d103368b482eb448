/*
 * fuzz_session_cursor: session_page_cursor_valid, the check of the
 * ?cursor= of GET /api/v1/participants and the admin's sessions list, on
 * arbitrary bytes (cut at the first NUL). A cursor it accepts fits
 * SESSION_PAGE_CURSOR_MAX and is "<createdAt ms>.<userId>".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_text.h"
#include "ids.h"
#include "session_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const char *cursor)
{
	const char *dot = strchr(cursor, '.');

	must(strlen(cursor) < SESSION_PAGE_CURSOR_MAX);
	must(dot != NULL && dot > cursor);
	for (const char *p = cursor; p < dot; p++)
		must(*p >= '0' && *p <= '9');
	must(ids_is_uuid4(dot + 1, strlen(dot + 1)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size);

	if (session_page_cursor_valid(s))
		check_accepted(s);
	free(s);
	return 0;
}
