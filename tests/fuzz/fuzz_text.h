/*
 * fuzz_text.h: what the fuzz targets of text checks share: the input as a
 * C string (cut at its first NUL, as a query value is), and abort() for a
 * property that fails. The caller frees the string.
 */
#ifndef CHATS3_FUZZ_TEXT_H
#define CHATS3_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void must(int cond)
{
	if (!cond)
		abort();
}

static char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	must(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
