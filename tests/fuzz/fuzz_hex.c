/*
 * fuzz_hex: escape_hex_decode on arbitrary bytes. It succeeds exactly when
 * the input is an even number of hex digits, and then encoding the bytes
 * again gives the input in lowercase.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned char *bytes = malloc(size / 2 + 1);
	char *again = malloc(size + 1);
	int rc;

	must(bytes != NULL && again != NULL);
	rc = escape_hex_decode(bytes, size / 2, s, size);
	must(rc == 0 || rc == ERR_INVAL);
	must((rc == 0) == (size % 2 == 0 && all_hex(s, size)));
	if (rc == 0) {
		escape_hex(again, bytes, size / 2);
		for (size_t i = 0; i < size; i++)
			must(again[i] == (char)tolower((unsigned char)s[i]));
		must(escape_is_lower_hex(again, size));
	}
	free(bytes);
	free(again);
	return 0;
}
