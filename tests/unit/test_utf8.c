/*
 * test_utf8: RFC 3629 validation: overlongs, surrogates, code points past
 * U+10FFFF, truncated and stray bytes.
 */
#include "check.h"
#include "utf8.h"

#define S(s) s, sizeof s - 1

static const struct {
	int line;
	long count; /* -1: invalid */
	const char *desc;
	const char *s;
	size_t n;
} cases[] = {
	{ __LINE__, 0, "empty", S("") },
	{ __LINE__, 3, "ASCII", S("abc") },
	{ __LINE__, 1, "NUL is a character", S("\0") },
	{ __LINE__, 1, "U+00E9, two bytes", S("\xc3\xa9") },
	{ __LINE__, 1, "U+0080, smallest two-byte", S("\xc2\x80") },
	{ __LINE__, 1, "U+0800, smallest three-byte", S("\xe0\xa0\x80") },
	{ __LINE__, 1, "U+20AC, three bytes", S("\xe2\x82\xac") },
	{ __LINE__, 1, "U+D7FF, before the surrogates", S("\xed\x9f\xbf") },
	{ __LINE__, 1, "U+E000, after the surrogates", S("\xee\x80\x80") },
	{ __LINE__, 1, "U+FFFF", S("\xef\xbf\xbf") },
	{ __LINE__, 1, "U+10000, smallest four-byte", S("\xf0\x90\x80\x80") },
	{ __LINE__, 1, "U+1F600", S("\xf0\x9f\x98\x80") },
	{ __LINE__, 1, "U+10FFFF, the last", S("\xf4\x8f\xbf\xbf") },
	{ __LINE__, 4, "mixed", S("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") },
	{ __LINE__, -1, "overlong NUL", S("\xc0\x80") },
	{ __LINE__, -1, "overlong '/'", S("\xc0\xaf") },
	{ __LINE__, -1, "overlong U+007F", S("\xc1\xbf") },
	{ __LINE__, -1, "overlong three-byte NUL", S("\xe0\x80\x80") },
	{ __LINE__, -1, "overlong U+07FF in three bytes", S("\xe0\x9f\xbf") },
	{ __LINE__, -1, "overlong four-byte NUL", S("\xf0\x80\x80\x80") },
	{ __LINE__, -1, "overlong U+FFFF in four bytes", S("\xf0\x8f\xbf\xbf") },
	{ __LINE__, -1, "surrogate U+D800", S("\xed\xa0\x80") },
	{ __LINE__, -1, "surrogate U+DBFF", S("\xed\xaf\xbf") },
	{ __LINE__, -1, "surrogate U+DC00", S("\xed\xb0\x80") },
	{ __LINE__, -1, "surrogate U+DFFF", S("\xed\xbf\xbf") },
	{ __LINE__, -1, "CESU-8 surrogate pair", S("\xed\xa0\xbd\xed\xb8\x80") },
	{ __LINE__, -1, "U+110000", S("\xf4\x90\x80\x80") },
	{ __LINE__, -1, "lead byte F5", S("\xf5\x80\x80\x80") },
	{ __LINE__, -1, "five-byte lead", S("\xf8\x88\x80\x80\x80") },
	{ __LINE__, -1, "byte FF", S("\xff") },
	{ __LINE__, -1, "byte FE", S("\xfe") },
	{ __LINE__, -1, "lone continuation", S("\x80") },
	{ __LINE__, -1, "continuation after ASCII", S("a\xbf") },
	{ __LINE__, -1, "truncated two-byte", S("\xc3") },
	{ __LINE__, -1, "truncated three-byte", S("\xe2\x82") },
	{ __LINE__, -1, "truncated four-byte", S("\xf0\x9f\x98") },
	{ __LINE__, -1, "ASCII where a continuation belongs", S("\xe2\x28\xa1") },
	{ __LINE__, -1, "lead byte where a continuation belongs", S("\xc3\xc3\xa9") },
	{ __LINE__, -1, "valid then invalid", S("abc\xc3\xa9\xff") },
	{ __LINE__, 1, "length bounds the read", "\xc3\xa9\xff", 2 },
	{ __LINE__, -1, "length cuts a sequence", "\xe2\x82\xac", 2 },
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_AT(cases[i].line, utf8_count(cases[i].s, cases[i].n) == cases[i].count);
	return check_done("test_utf8");
}
