#include <string.h>

#include "base64url.h"
#include "check.h"
#include "errors.h"

static const struct {
	int line;
	const char *plain;
	const char *encoded;
} pairs[] = {
	{ __LINE__, "", "" },
	{ __LINE__, "f", "Zg" },
	{ __LINE__, "fo", "Zm8" },
	{ __LINE__, "foo", "Zm9v" },
	{ __LINE__, "foob", "Zm9vYg" },
	{ __LINE__, "\xfb\xff\xfe", "-__-" },
};

static const struct {
	int line;
	const char *input;
	int want;
	const char *what;
} bad[] = {
	{ __LINE__, "Zg==", ERR_INVAL, "padding" },
	{ __LINE__, "Z", ERR_INVAL, "one character left over" },
	{ __LINE__, "Zh", ERR_INVAL, "stray bits in the last character" },
	{ __LINE__, "Zm+v", ERR_INVAL, "the standard alphabet's '+'" },
	{ __LINE__, "Zm9v Yg", ERR_INVAL, "a space" },
};

int main(void)
{
	char enc[64], dec[64];
	size_t n;

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		CHECK_AT(pairs[i].line, base64url_encode(pairs[i].plain, strlen(pairs[i].plain), enc,
		    sizeof enc) == 0);
		CHECK_STR(pairs[i].line, enc, pairs[i].encoded);
		CHECK_AT(pairs[i].line, base64url_decode(pairs[i].encoded, dec, sizeof dec, &n) == 0 &&
		    n == strlen(pairs[i].plain) && memcmp(dec, pairs[i].plain, n) == 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_AT(bad[i].line, base64url_decode(bad[i].input, dec, sizeof dec, &n) == bad[i].want);
	CHECK(base64url_encode("foo", 3, enc, 4) == ERR_TOOBIG);
	CHECK(base64url_encode("foo", 3, enc, 5) == 0);
	CHECK(base64url_decode("Zm9vYg", dec, 3, &n) == ERR_TOOBIG);
	return check_done("test_base64url");
}
