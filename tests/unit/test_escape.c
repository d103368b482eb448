/*
 * test_escape: every output context (HTML text and attributes, URL path
 * segments and query parts, JavaScript strings, download file names) on
 * markup, quotes, NULs, controls and bytes that are not UTF-8, under caps;
 * hex both ways; percent-decoding (broken escapes and decoded NULs
 * rejected, the output cap honoured) and the log encoding.
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

typedef int (*encoder)(struct buf *, const char *, size_t);

#define FFFD "\xef\xbf\xbd"

static const struct {
	int line;
	const char *want; /* NULL: rc is an error */
	int rc;
	const char *desc;
	encoder fn;
	const char *in;
	size_t n;
	size_t limit;
} encode_cases[] = {
	{ __LINE__, "abc", 0, "plain text as is", escape_html_text, S("abc"), 0 },
	{ __LINE__, "", 0, "empty text", escape_html_text, S(""), 0 },
	{ __LINE__, "&lt;b&gt;&amp;amp;&lt;/b&gt;", 0, "markup and references", escape_html_text,
	    S("<b>&amp;</b>"), 0 },
	{ __LINE__, "\"'", 0, "quotes stay in text", escape_html_text, S("\"'"), 0 },
	{ __LINE__, "a" FFFD "b", 0, "NUL", escape_html_text, S("a\0b"), 0 },
	{ __LINE__, FFFD "\t\n\r" FFFD, 0, "controls but tab, LF, CR", escape_html_text,
	    S("\x01\t\n\r\x7f"), 0 },
	{ __LINE__, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, "valid UTF-8 as is",
	    escape_html_text, S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 0 },
	{ __LINE__, "a" FFFD "b", 0, "lone continuation byte", escape_html_text, S("a\x80" "b"), 0 },
	{ __LINE__, FFFD FFFD, 0, "sequence cut short", escape_html_text, S("\xe2\x82"), 0 },
	{ __LINE__, FFFD FFFD, 0, "overlong slash", escape_html_text, S("\xc0\xaf"), 0 },
	{ __LINE__, FFFD FFFD FFFD, 0, "surrogate", escape_html_text, S("\xed\xa0\x80"), 0 },
	{ __LINE__, FFFD, 0, "0xff", escape_html_text, S("\xff"), 0 },
	{ __LINE__, "&lt;", 0, "output exactly at the cap", escape_html_text, S("<"), 4 },
	{ __LINE__, NULL, ERR_TOOBIG, "reference past the cap", escape_html_text, S("<"), 3 },
	{ __LINE__, NULL, ERR_TOOBIG, "plain text past the cap", escape_html_text, S("abcd"), 3 },

	{ __LINE__, "&quot;x&#39; onload=&#39;y&quot;", 0, "quotes in an attribute",
	    escape_html_attr, S("\"x' onload='y\""), 0 },
	{ __LINE__, "&lt;&amp;&gt;", 0, "markup in an attribute", escape_html_attr, S("<&>"), 0 },
	{ __LINE__, "a" FFFD FFFD "b", 0, "NUL and bad byte in an attribute", escape_html_attr,
	    S("a\0\xfe" "b"), 0 },
	{ __LINE__, "a b=c", 0, "spaces and equals stay", escape_html_attr, S("a b=c"), 0 },

	{ __LINE__, "azAZ09-._~", 0, "unreserved as is", escape_url_segment, S("azAZ09-._~"), 0 },
	{ __LINE__, "!$()*+,;=:@", 0, "sub-delimiters stay in a segment", escape_url_segment,
	    S("!$()*+,;=:@"), 0 },
	{ __LINE__, "a%20b%2Fc%3Fd%23e%25f", 0, "space / ? # %", escape_url_segment,
	    S("a b/c?d#e%f"), 0 },
	{ __LINE__, "%26%27%22%3C%3E%5C%60", 0, "what HTML or a shell would read",
	    escape_url_segment, S("&'\"<>\\`"), 0 },
	{ __LINE__, "%C3%A9", 0, "UTF-8 byte by byte", escape_url_segment, S("\xc3\xa9"), 0 },
	{ __LINE__, "%FF%80", 0, "bytes that are not UTF-8", escape_url_segment, S("\xff\x80"), 0 },
	{ __LINE__, "a%00b%0D%0A", 0, "NUL, CR, LF", escape_url_segment, S("a\0b\r\n"), 0 },
	{ __LINE__, NULL, ERR_INVAL, "dot segment", escape_url_segment, S("."), 0 },
	{ __LINE__, NULL, ERR_INVAL, "dot-dot segment", escape_url_segment, S(".."), 0 },
	{ __LINE__, "...", 0, "three dots are a name", escape_url_segment, S("..."), 0 },
	{ __LINE__, ".a", 0, "leading dot", escape_url_segment, S(".a"), 0 },
	{ __LINE__, "", 0, "empty segment", escape_url_segment, S(""), 0 },
	{ __LINE__, NULL, ERR_TOOBIG, "escape past the cap", escape_url_segment, S("ab/"), 4 },

	{ __LINE__, "a%20b%26c%3Dd%2Be", 0, "query separators", escape_url_query, S("a b&c=d+e"), 0 },
	{ __LINE__, "%21%2A%27%28%29%3A%40%2F", 0, "sub-delimiters too", escape_url_query,
	    S("!*'():@/"), 0 },
	{ __LINE__, "~-._AZaz09", 0, "unreserved", escape_url_query, S("~-._AZaz09"), 0 },
	{ __LINE__, ".", 0, "a dot is data here", escape_url_query, S("."), 0 },
	{ __LINE__, "%00", 0, "NUL", escape_url_query, S("\0"), 0 },
	{ __LINE__, "%C3%A9", 0, "at the cap", escape_url_query, S("\xc3\xa9"), 6 },
	{ __LINE__, NULL, ERR_TOOBIG, "past the cap", escape_url_query, S("\xc3\xa9"), 5 },

	{ __LINE__, "\\u003c/script\\u003e", 0, "end of a script element", escape_js_string,
	    S("</script>"), 0 },
	{ __LINE__, "a\\u0027b\\u0022c\\u005cd\\u0026", 0, "quotes, backslash, ampersand",
	    escape_js_string, S("a'b\"c\\d&"), 0 },
	{ __LINE__, "\\u000a\\u0009\\u0000\\u001f\\u007f", 0, "controls and NUL", escape_js_string,
	    S("\n\t\0\x1f\x7f"), 0 },
	{ __LINE__, "\\u2028\\u2029", 0, "line and paragraph separators", escape_js_string,
	    S("\xe2\x80\xa8\xe2\x80\xa9"), 0 },
	{ __LINE__, "\xe2\x80\xa7\xc3\xa9", 0, "other UTF-8 as is", escape_js_string,
	    S("\xe2\x80\xa7\xc3\xa9"), 0 },
	{ __LINE__, "\\ufffd\\ufffda", 0, "bytes that are not UTF-8", escape_js_string,
	    S("\xc3\xff" "a"), 0 },
	{ __LINE__, "x = 1; // ok", 0, "ordinary code text", escape_js_string, S("x = 1; // ok"), 0 },
	{ __LINE__, NULL, ERR_TOOBIG, "escape past the cap", escape_js_string, S("<"), 5 },

	{ __LINE__, "filename=\"report.pdf\"; filename*=UTF-8''report.pdf", 0, "ASCII name",
	    escape_disposition_filename, S("report.pdf"), 0 },
	{ __LINE__, "filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt", 0,
	    "non-ASCII name", escape_disposition_filename, S("r\xc3\xa9sum\xc3\xa9.txt"), 0 },
	{ __LINE__, "filename=\"a_b_c d;e.txt\"; filename*=UTF-8''a%22b%25c%20d%3Be.txt", 0,
	    "quote, percent, space, semicolon", escape_disposition_filename, S("a\"b%c d;e.txt"), 0 },
	{ __LINE__, "filename=\".._etc_passwd\"; filename*=UTF-8''.._etc_passwd", 0,
	    "slashes", escape_disposition_filename, S("../etc\\passwd"), 0 },
	{ __LINE__, "filename=\"a___b\"; filename*=UTF-8''a___b", 0, "CR, LF and a C1 control",
	    escape_disposition_filename, S("a\r\n\xc2\x85" "b"), 0 },
	{ __LINE__, "filename=\"__.bin\"; filename*=UTF-8''__.bin", 0, "NUL and a bad byte",
	    escape_disposition_filename, S("\0\xff.bin"), 0 },
	{ __LINE__, NULL, ERR_INVAL, "empty name", escape_disposition_filename, S(""), 0 },
	{ __LINE__, NULL, ERR_TOOBIG, "past the cap", escape_disposition_filename, S("a.txt"), 20 },
};

static void test_encode(void)
{
	struct buf out;
	int rc;

	for (size_t i = 0; i < sizeof encode_cases / sizeof encode_cases[0]; i++) {
		int line = encode_cases[i].line;

		buf_init(&out, encode_cases[i].limit);
		rc = encode_cases[i].fn(&out, encode_cases[i].in, encode_cases[i].n);
		if (encode_cases[i].want == NULL) {
			CHECK_AT(line, rc == encode_cases[i].rc);
			CHECK_AT(line, encode_cases[i].limit == 0 || out.len <= encode_cases[i].limit);
		} else {
			CHECK_AT(line, rc == 0);
			CHECK_STR(line, out.data, encode_cases[i].want);
		}
		buf_free(&out);
	}
}

/* A long name is cut at ESCAPE_FILENAME_MAX bytes, never inside a character. */
static void test_filename_cut(void)
{
	char name[ESCAPE_FILENAME_MAX + 20], want[2 * ESCAPE_FILENAME_MAX + 64];
	struct buf out;

	memset(name, 'a', sizeof name);
	memcpy(name + ESCAPE_FILENAME_MAX - 1, "\xc3\xa9", 2);
	buf_init(&out, 0);
	CHECK(escape_disposition_filename(&out, name, sizeof name) == 0);
	snprintf(want, sizeof want, "filename=\"%.*s\"; filename*=UTF-8''%.*s",
	    ESCAPE_FILENAME_MAX - 1, name, ESCAPE_FILENAME_MAX - 1, name);
	CHECK_STR(__LINE__, out.data, want);
	buf_free(&out);
}

static void test_hex_encode(void)
{
	char raw[9];
	struct buf out;

	escape_hex(raw, "\x00\x01\xab\xff", 4);
	CHECK_STR(__LINE__, raw, "0001abff");
	escape_hex(raw, "", 0);
	CHECK_STR(__LINE__, raw, "");
	buf_init(&out, 10);
	CHECK(buf_puts(&out, "x=") == 0);
	CHECK(escape_hex_buf(&out, "\x7f\x80\x10\x09", 4) == 0);
	CHECK_STR(__LINE__, out.data, "x=7f801009");
	CHECK(escape_hex_buf(&out, "\x01", 1) == ERR_TOOBIG);
	CHECK(out.len == 10);
	buf_free(&out);
	CHECK(escape_is_lower_hex(S("0123456789abcdef")) == 1);
	CHECK(escape_is_lower_hex(S("")) == 1);
	CHECK(escape_is_lower_hex(S("abC")) == 0);
	CHECK(escape_is_lower_hex(S("ag")) == 0);
	CHECK(escape_is_lower_hex("a\0", 2) == 0);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
	size_t outlen;
	const char *want; /* outlen bytes, on success */
} hex_cases[] = {
	{ __LINE__, 0, "lowercase", S("0001abff"), 4, "\x00\x01\xab\xff" },
	{ __LINE__, 0, "uppercase and mixed", S("ABcD"), 2, "\xab\xcd" },
	{ __LINE__, 0, "nothing", S(""), 0, "" },
	{ __LINE__, ERR_INVAL, "odd length", S("abc"), 1, NULL },
	{ __LINE__, ERR_INVAL, "longer than asked", S("abcd"), 1, NULL },
	{ __LINE__, ERR_INVAL, "shorter than asked", S("ab"), 2, NULL },
	{ __LINE__, ERR_INVAL, "g is not hex", S("0g"), 1, NULL },
	{ __LINE__, ERR_INVAL, "space", S(" 1"), 1, NULL },
	{ __LINE__, ERR_INVAL, "sign", S("+1"), 1, NULL },
	{ __LINE__, ERR_INVAL, "NULs", "\0\0", 2, 1, NULL },
	{ __LINE__, ERR_INVAL, "high byte", S("a\xe9"), 1, NULL },
	{ __LINE__, ERR_INVAL, "0x prefix", S("0x12"), 2, NULL },
};

static void test_hex_decode(void)
{
	unsigned char out[8];

	for (size_t i = 0; i < sizeof hex_cases / sizeof hex_cases[0]; i++) {
		int line = hex_cases[i].line;

		CHECK_AT(line, escape_hex_decode(out, hex_cases[i].outlen, hex_cases[i].in,
		    hex_cases[i].n) == hex_cases[i].rc);
		if (hex_cases[i].want != NULL)
			CHECK_AT(line, memcmp(out, hex_cases[i].want, hex_cases[i].outlen) == 0);
	}
}

int main(void)
{
	test_encode();
	test_filename_cut();
	test_hex_encode();
	test_hex_decode();
	test_decode();
	test_log();
	test_log_cap();
	return check_done("test_escape");
}
