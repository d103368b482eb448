/*
 * fuzz_http_range: the Range, If-None-Match and If-Range readers on
 * arbitrary bytes. The first 8 bytes give the entity's length (small ones
 * more often), the rest is the header. A partial range lies inside the
 * entity, and only then is the range written; a header past the cap or of another unit is ignored; a valid
 * entity-tag matches itself both ways.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_range(const char *h, size_t n, uint64_t length)
{
	struct http_range r = { 7, 3 };
	enum http_range_kind k = http_range_parse(h, n, length, &r);

	must(k == HTTP_RANGE_WHOLE || k == HTTP_RANGE_PARTIAL || k == HTTP_RANGE_UNSATISFIABLE);
	if (k == HTTP_RANGE_PARTIAL)
		must(r.first <= r.last && r.last < length);
	else
		must(r.first == 7 && r.last == 3);
	if (n > HTTP_RANGE_MAX_HEADER || n < 6 || strncasecmp(h, "bytes=", 6) != 0)
		must(k == HTTP_RANGE_WHOLE);
}

static void check_tags(const char *h, size_t n)
{
	char *tag = malloc(n + 1);
	int strong;

	must(tag != NULL);
	memcpy(tag, h, n);
	tag[n] = '\0';
	http_if_none_match(h, n, "\"fixed\"");
	http_if_range(h, n, "\"fixed\"", "Thu, 01 Jan 1970 00:00:00 GMT");
	if (strlen(tag) == n && n <= HTTP_RANGE_MAX_HEADER && http_etag_valid(h, n, 0)) {
		strong = http_etag_valid(h, n, 1);
		must(http_if_none_match(h, n, tag) == 1);
		must(http_if_range(h, n, tag, NULL) == strong);
	}
	free(tag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t length = 0;

	if (size < 8)
		return 0;
	memcpy(&length, data, 8);
	if (data[0] & 1)
		length &= 0xffff;
	check_range((const char *)data + 8, size - 8, length);
	check_tags((const char *)data + 8, size - 8);
	return 0;
}
