/*
 * fuzz_s3xml: the S3 answer readers on arbitrary bytes (no NUL
 * terminator, so an over-read shows). Whatever they accept must keep
 * their promises: a non-empty printable code, keys within bounds, a token
 * only on a truncated page, an upload id of printable ASCII within its
 * buffer; whatever they refuse leaves nothing behind. A list page read in
 * pieces comes out as read whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "s3xml.h"
#include "storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_error(const char *p, size_t n)
{
	struct s3xml_error e;
	int rc = s3xml_parse_error(p, n, &e);

	must(rc == 0 || rc == ERR_INVAL || rc == ERR_TOOBIG);
	must(memchr(e.code, '\0', sizeof e.code) != NULL);
	must(memchr(e.message, '\0', sizeof e.message) != NULL);
	must((rc == 0) == (e.code[0] != '\0'));
	must(rc == 0 || e.message[0] == '\0');
}

static void check_list(const char *p, size_t n)
{
	struct storage_list l;
	int rc = s3xml_parse_list(p, n, &l);

	must(rc == 0 || rc == ERR_INVAL || rc == ERR_TOOBIG || rc == ERR_NOMEM);
	must(rc == 0 || (l.nkeys == 0 && l.nprefixes == 0 && l.keys == NULL &&
	    l.prefixes == NULL && l.next_continuation == NULL));
	must(l.nkeys + l.nprefixes <= S3XML_MAX_ENTRIES);
	for (size_t i = 0; i < l.nkeys; i++) {
		size_t len = strlen(l.keys[i]);

		must(len >= 1 && len <= STORAGE_MAX_KEY);
		free(l.keys[i]);
	}
	for (size_t i = 0; i < l.nprefixes; i++) {
		size_t len = strlen(l.prefixes[i]);

		must(len >= 1 && len <= STORAGE_MAX_KEY);
		free(l.prefixes[i]);
	}
	must(l.next_continuation == NULL || strlen(l.next_continuation) <= S3XML_MAX_TOKEN);
	free(l.keys);
	free(l.prefixes);
	free(l.next_continuation);
}

/* The same page read in pieces, after a first attempt cut short and begun
 * again, must come out as read whole. */
static void check_list_stream(const char *p, size_t n)
{
	struct storage_list whole, pieces;
	struct s3xml_list *x = s3xml_list_new();
	size_t step = 1 + (n ? (unsigned char)p[0] % 64 : 0);
	int rc = s3xml_parse_list(p, n, &whole), got;

	if (x == NULL) {
		storage_list_free(&whole);
		return;
	}
	got = s3xml_list_start(x);
	if (got == 0)
		(void)s3xml_list_feed(x, p, n / 2);
	got = s3xml_list_start(x);
	for (size_t at = 0; got == 0 && at < n; at += step)
		got = s3xml_list_feed(x, p + at, n - at < step ? n - at : step);
	if (got == 0)
		got = s3xml_list_end(x, &pieces);
	else
		memset(&pieces, 0, sizeof pieces);
	s3xml_list_free(x);
	must(got == rc || got == ERR_NOMEM || rc == ERR_NOMEM);
	must(got != 0 || (pieces.nkeys == whole.nkeys && pieces.nprefixes == whole.nprefixes));
	for (size_t i = 0; got == 0 && i < whole.nkeys; i++)
		must(strcmp(pieces.keys[i], whole.keys[i]) == 0);
	for (size_t i = 0; got == 0 && i < whole.nprefixes; i++)
		must(strcmp(pieces.prefixes[i], whole.prefixes[i]) == 0);
	must((pieces.next_continuation == NULL) == (whole.next_continuation == NULL));
	must(pieces.next_continuation == NULL ||
	    strcmp(pieces.next_continuation, whole.next_continuation) == 0);
	storage_list_free(&pieces);
	storage_list_free(&whole);
}

static void check_text(const char *p, size_t n)
{
	char out[64];
	int rc = s3xml_parse_text(p, n, "InitiateMultipartUploadResult/UploadId", out, sizeof out);
	size_t len = strnlen(out, sizeof out);

	must(rc == 0 || rc == ERR_INVAL || rc == ERR_TOOBIG);
	must(len < sizeof out && (rc == 0) == (len > 0));
	for (size_t i = 0; i < len; i++)
		must(out[i] > 0x20 && out[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_error((const char *)data, size);
	check_list((const char *)data, size);
	check_list_stream((const char *)data, size);
	check_text((const char *)data, size);
	return 0;
}
