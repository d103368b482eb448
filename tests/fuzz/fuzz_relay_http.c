/*
 * fuzz_relay_http: the relay's request parser (sse-relay/http.c) on
 * arbitrary bytes. Whatever it answers is a status it documents, and a
 * parsed head lies within the input with NUL-terminated fields that fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req q;
	int rc = http_parse((const char *)data, size, &q);

	must(rc == 0 || rc == HTTP_INCOMPLETE || rc == 400 || rc == 405 || rc == 414 ||
	    rc == 431 || rc == 505);
	if (rc == 0) {
		must(q.head_len <= size && q.head_len <= HTTP_HEAD_MAX);
		must(strlen(q.path) <= HTTP_PATH_MAX && q.path[0] == '/');
		must(strlen(q.token) <= HTTP_TOKEN_MAX);
	}
	return 0;
}
