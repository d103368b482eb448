/*
 * fuzz_base64url: base64url_decode on arbitrary bytes (cut at the first
 * NUL, as a C string reaches it). What decodes is canonical: encoding the
 * bytes again gives the input back. Encoding the raw bytes and decoding
 * that gives the bytes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static void decode_then_encode(const char *s, size_t len)
{
	unsigned char *bytes = malloc(len + 1);
	char *again = malloc(len + 2);
	size_t n = 0;
	int rc;

	must(bytes != NULL && again != NULL);
	rc = base64url_decode(s, bytes, len, &n);
	must(rc == 0 || rc == ERR_INVAL);
	if (rc == 0) {
		must(BASE64URL_LEN(n) == len);
		must(base64url_encode(bytes, n, again, len + 1) == 0);
		must(strcmp(again, s) == 0);
		/* a buffer one byte short is refused, never overrun */
		if (n > 0)
			must(base64url_decode(s, bytes, n - 1, &n) == ERR_TOOBIG);
	}
	free(bytes);
	free(again);
}

static void encode_then_decode(const uint8_t *data, size_t size)
{
	size_t len = BASE64URL_LEN(size), n = 0;
	char *text = malloc(len + 1);
	unsigned char *bytes = malloc(size + 1);

	must(text != NULL && bytes != NULL);
	must(base64url_encode(data, size, text, len) == ERR_TOOBIG);
	must(base64url_encode(data, size, text, len + 1) == 0);
	must(strlen(text) == len);
	must(base64url_decode(text, bytes, size, &n) == 0);
	must(n == size && memcmp(bytes, data, size) == 0);
	free(text);
	free(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	must(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	decode_then_encode(s, strlen(s));
	encode_then_decode(data, size);
	free(s);
	return 0;
}
