/*
 * test_escape: percent-decoding (broken escapes and decoded NULs rejected,
 * the output cap honoured) and the log encoding.
 */
#include "buf.h"
#include "check.h"
#include "errors.h"
#include "escape.h"

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
	int plus_space;
	size_t limit;
	const char *want; /* on success */
} decode_cases[] = {
	{ __LINE__, 0, "empty gives an empty string", S(""), 1, 0, "" },
	{ __LINE__, 0, "plain", S("abc"), 1, 0, "abc" },
	{ __LINE__, 0, "space escape", S("a%20b"), 1, 0, "a b" },
	{ __LINE__, 0, "plus as space", S("a+b"), 1, 0, "a b" },
	{ __LINE__, 0, "plus kept in paths", S("a+b"), 0, 0, "a+b" },
	{ __LINE__, 0, "escaped plus stays a plus", S("%2B"), 1, 0, "+" },
	{ __LINE__, 0, "lowercase hex", S("%2f%3a"), 0, 0, "/:" },
	{ __LINE__, 0, "uppercase hex", S("%2F%3A"), 0, 0, "/:" },
	{ __LINE__, 0, "UTF-8 bytes", S("%E2%82%AC"), 0, 0, "\xe2\x82\xac" },
	{ __LINE__, 0, "escaped percent", S("100%25"), 0, 0, "100%" },
	{ __LINE__, 0, "decoded output exactly at the cap", S("%41%42%43"), 0, 3, "ABC" },
	{ __LINE__, ERR_INVAL, "lone percent", S("%"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "percent at the end", S("100%"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "one hex digit", S("%4"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "one hex digit then text", S("%4x"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "not hex", S("%zz"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "G is not hex", S("%G0"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "sign is not hex", S("%+1"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "decoded NUL", S("a%00b"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "raw NUL", S("a\0b"), 0, 0, NULL },
	{ __LINE__, ERR_INVAL, "escape cut by the length", "%41", 2, 0, 0, NULL },
	{ __LINE__, ERR_TOOBIG, "past the cap", S("abcd"), 0, 3, NULL },
	{ __LINE__, ERR_TOOBIG, "decoded past the cap", S("%41%42%43%44"), 0, 3, NULL },
};

static void test_decode(void)
{
	struct buf out;

	for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
		int line = decode_cases[i].line;

		buf_init(&out, decode_cases[i].limit);
		CHECK_AT(line, escape_url_decode(&out, decode_cases[i].in, decode_cases[i].n,
		    decode_cases[i].plus_space) == decode_cases[i].rc);
		if (decode_cases[i].want != NULL) {
			CHECK_STR(line, out.data, decode_cases[i].want);
			CHECK_AT(line, out.len == strlen(decode_cases[i].want));
		}
		buf_free(&out);
	}
}

static const struct {
	int line;
	const char *desc;
	const char *in;
	size_t n;
	size_t max;
	const char *want;
} log_cases[] = {
	{ __LINE__, "printable ASCII as is", S("GET /a?b=c"), 100, "GET /a?b=c" },
	{ __LINE__, "quote", S("a\"b"), 100, "a\\x22b" },
	{ __LINE__, "backslash", S("a\\b"), 100, "a\\x5cb" },
	{ __LINE__, "newline and CR", S("a\r\nb"), 100, "a\\x0d\\x0ab" },
	{ __LINE__, "NUL", S("a\0b"), 100, "a\\x00b" },
	{ __LINE__, "DEL", S("\x7f"), 100, "\\x7f" },
	{ __LINE__, "high bytes", S("\xc3\xa9"), 100, "\\xc3\\xa9" },
	{ __LINE__, "cut at max", S("abcdef"), 3, "abc..." },
	{ __LINE__, "exactly max", S("abc"), 3, "abc" },
	{ __LINE__, "max zero", S("abc"), 0, "..." },
	{ __LINE__, "empty", S(""), 10, "" },
};

static void test_log(void)
{
	struct buf out;

	for (size_t i = 0; i < sizeof log_cases / sizeof log_cases[0]; i++) {
		int line = log_cases[i].line;

		buf_init(&out, 0);
		CHECK_AT(line, buf_puts(&out, "") == 0);
		CHECK_AT(line, escape_log(&out, log_cases[i].in, log_cases[i].n,
		    log_cases[i].max) == 0);
		CHECK_STR(line, out.data, log_cases[i].want);
		buf_free(&out);
	}
}

static void test_log_cap(void)
{
	struct buf out;

	buf_init(&out, 5);
	CHECK(escape_log(&out, S("\n\n"), 10) == ERR_TOOBIG);
	CHECK(out.len <= 5);
	buf_free(&out);
}

int main(void)
{
	test_decode();
	test_log();
	test_log_cap();
	return check_done("test_escape");
}
