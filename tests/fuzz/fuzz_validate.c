/*
 * fuzz_validate: validate_text on arbitrary bytes. What it accepts is a
 * slice of the input that is valid UTF-8, within the bounds, free of
 * control characters, and trimmed; accepting it again gives itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *s = NULL, *s2 = NULL;
	size_t len = 0, len2 = 0;
	long chars;

	if (validate_text(p, size, 1, 64, &s, &len) != NULL)
		return 0;
	must(s >= p && s + len <= p + size);
	chars = utf8_count(s, len);
	must(chars >= 1 && chars <= 64);
	must(s[0] != ' ' && s[len - 1] != ' ');
	must(validate_text(s, len, 1, 64, &s2, &len2) == NULL && s2 == s && len2 == len);
	return 0;
}
