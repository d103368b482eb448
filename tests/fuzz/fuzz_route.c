/*
 * fuzz_route: route_match on an arbitrary path (up to REQUEST_MAX_PATH,
 * as request_init allows) against patterns with '*'. Matching with and
 * without a request must agree, except that decoding a capture may fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "request.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
	"/",
	"/api/v1/health",
	"/*",
	"/api/v1/conversations/*",
	"/api/v1/conversations/*/messages/*",
	"/*/*/*/*",
};

static void must(int cond)
{
	if (!cond)
		abort();
}

static void match_all(const char *path, struct request *r)
{
	size_t longest = strlen(path);
	int bare, full;

	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		bare = route_match(patterns[i], path, NULL);
		full = route_match(patterns[i], path, r);
		must(bare == 0 || bare == 1);
		must(full == bare || (bare == 1 && full == ERR_INVAL));
		if (full != 1)
			continue;
		for (size_t k = 0; k < REQUEST_MAX_CAPTURES; k++)
			must(r->captures[k] == NULL || strlen(r->captures[k]) < longest);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", NULL };
	struct io io = { NULL, NULL, NULL };
	struct request r;
	char *path;

	if (size > REQUEST_MAX_PATH)
		return 0;
	must((path = malloc(size + 1)) != NULL);
	memcpy(path, data, size);
	path[size] = '\0';
	must(request_init(&r, NULL, env, io) == 0);
	match_all(path, &r);
	request_free(&r);
	free(path);
	return 0;
}
