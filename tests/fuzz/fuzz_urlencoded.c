/*
 * fuzz_urlencoded: kv_parse_urlencoded on arbitrary bytes. On success the
 * list holds one pair per non-empty '&'-separated piece, at most
 * KV_MAX_PAIRS, and kv_get finds the first pair by its name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static size_t pieces(const char *s, size_t n)
{
	size_t count = 0, len = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '&') {
			len++;
			continue;
		}
		count += len > 0;
		len = 0;
	}
	return count + (len > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct kvlist l = { .n = 0 };
	int rc = kv_parse_urlencoded(&l, s, size);

	must(rc == 0 || rc == ERR_INVAL || rc == ERR_TOOBIG || rc == ERR_NOMEM);
	must(l.n <= KV_MAX_PAIRS);
	for (size_t i = 0; i < l.n; i++)
		must(l.pairs[i].name != NULL && l.pairs[i].value != NULL);
	if (rc == 0) {
		must(l.n == pieces(s, size));
		if (l.n > 0)
			must(kv_get(&l, l.pairs[0].name) == l.pairs[0].value);
	}
	kv_free(&l);
	return 0;
}
