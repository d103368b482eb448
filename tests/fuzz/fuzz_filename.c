/*
 * fuzz_filename: filename_display, the shown name of an uploaded file, on
 * arbitrary bytes. The result is valid UTF-8 of 1..FILENAME_DISPLAY_MAX
 * bytes without NUL, '/' or '\\', never "." or "..", and sanitizing it
 * again gives it back unchanged; a short output buffer is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "filename.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[FILENAME_DISPLAY_MAX + 1], again[FILENAME_DISPLAY_MAX + 1];
	const char *raw = size > 0 ? (const char *)data : NULL;
	size_t len;

	must(filename_display(raw, size, out, sizeof out - 1) == ERR_ARG);
	must(filename_display(raw, size, out, sizeof out) == 0);
	len = strlen(out);
	must(len >= 1 && len <= FILENAME_DISPLAY_MAX && utf8_count(out, len) >= 1);
	must(strchr(out, '/') == NULL && strchr(out, '\\') == NULL);
	must(strcmp(out, ".") != 0 && strcmp(out, "..") != 0);
	must(out[0] != ' ' && out[len - 1] != ' ');
	must(filename_display(out, len, again, sizeof again) == 0);
	must(strcmp(again, out) == 0);
	return 0;
}
