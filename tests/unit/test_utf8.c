/*
 * test_utf8: RFC 3629 validation: overlongs, surrogates, code points past
 * U+10FFFF, truncated and stray bytes; the code point of a sequence; case
 * folding of display names.
 */
#include "check.h"
#include "utf8.h"

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

/* Case folding: what display names are compared by. */
static const struct {
	int line;
	const char *in, *want; /* want NULL: rejected */
} folds[] = {
	{ __LINE__, "Alice", "alice" },
	{ __LINE__, "ALICE-42_x", "alice-42_x" },
	{ __LINE__, "\xc3\x89LODIE", "\xc3\xa9lodie" },           /* Élodie */
	{ __LINE__, "\xc3\x97\xc3\x9f", "\xc3\x97\xc3\x9f" },   /* ×ß kept */
	{ __LINE__, "\xce\xa3\xce\x91", "\xcf\x83\xce\xb1" },   /* ΣΑ -> σα */
	{ __LINE__, "\xd0\x81\xd0\x96", "\xd1\x91\xd0\xb6" },   /* ЁЖ -> ёж */
	{ __LINE__, "\xf0\x9f\x98\x80" "A", "\xf0\x9f\x98\x80" "a" }, /* emoji kept */
	{ __LINE__, "bad\xff", NULL },
};

static void test_casefold(void)
{
	char out[64];

	for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) {
		int rc = utf8_casefold(folds[i].in, strlen(folds[i].in), out, sizeof out);

		if (folds[i].want == NULL)
			CHECK_AT(folds[i].line, rc == -1);
		else
			CHECK_STR(folds[i].line, rc == 0 ? out : NULL, folds[i].want);
	}
	CHECK(utf8_casefold("abc", 3, out, 3) == -1);
}

/* The code point of the sequence that starts a string. */
static const struct {
	int line;
	size_t len;
	unsigned long cp;
	const char *s;
	size_t n;
} decodes[] = {
	{ __LINE__, 1, 0x41, S("AB") },
	{ __LINE__, 1, 0, S("\0") },
	{ __LINE__, 2, 0x85, S("\xc2\x85") },
	{ __LINE__, 3, 0x202e, S("\xe2\x80\xae") },
	{ __LINE__, 4, 0x10ffff, S("\xf4\x8f\xbf\xbf") },
	{ __LINE__, 0, 0xe2, S("\xe2\x80") },
	{ __LINE__, 0, 0xc0, S("\xc0\x80") },
	{ __LINE__, 0, 0xff, S("\xff") },
};

static void test_decode(void)
{
	unsigned long cp;

	for (size_t i = 0; i < sizeof decodes / sizeof decodes[0]; i++)
		CHECK_AT(decodes[i].line, utf8_decode(decodes[i].s, decodes[i].n, &cp) == decodes[i].len &&
		    cp == decodes[i].cp);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_AT(cases[i].line, utf8_count(cases[i].s, cases[i].n) == cases[i].count);
	test_decode();
	test_casefold();
	return check_done("test_utf8");
}
