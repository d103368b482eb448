/*
 * test_filename: the display name of an uploaded file: directory parts of
 * either system, control and reordering characters, bytes that are not
 * UTF-8, blanks, the 255-byte cut at a character, the default name; and
 * that a display name sanitized again stays the same.
 */
#include "check.h"
#include "errors.h"
#include "filename.h"

#define A10 "aaaaaaaaaa"
#define A50 A10 A10 A10 A10 A10
#define A250 A50 A50 A50 A50 A50

static const struct {
	int line;
	const char *desc;
	const char *raw;
	size_t n;
	const char *want;
} cases[] = {
	{ __LINE__, "a plain name", S("report.pdf"), "report.pdf" },
	{ __LINE__, "UTF-8 kept", S("caf\xc3\xa9 \xe2\x82\xac.txt"), "caf\xc3\xa9 \xe2\x82\xac.txt" },
	{ __LINE__, "a Unix path", S("/home/alice/report.pdf"), "report.pdf" },
	{ __LINE__, "a Windows path", S("C:\\Users\\alice\\report.pdf"), "report.pdf" },
	{ __LINE__, "a traversal", S("../../etc/passwd"), "passwd" },
	{ __LINE__, "mixed separators", S("a\\b/c\\d.txt"), "d.txt" },
	{ __LINE__, "a drive letter without a separator", S("C:report.pdf"), "C:report.pdf" },
	{ __LINE__, "a directory only", S("dir/"), FILENAME_DEFAULT },
	{ __LINE__, "dot", S("."), FILENAME_DEFAULT },
	{ __LINE__, "dot dot after a path", S("a/.."), FILENAME_DEFAULT },
	{ __LINE__, "three dots kept", S("..."), "..." },
	{ __LINE__, "a hidden file kept", S(".profile"), ".profile" },
	{ __LINE__, "empty", S(""), FILENAME_DEFAULT },
	{ __LINE__, "none", NULL, 0, FILENAME_DEFAULT },
	{ __LINE__, "control characters removed", S("a\tb\r\nc\x1b[31m\x7f.txt"), "abc[31m.txt" },
	{ __LINE__, "NUL removed", S("a\0b.txt"), "ab.txt" },
	{ __LINE__, "C1 controls removed", S("a\xc2\x80\xc2\x9f" "b"), "ab" },
	{ __LINE__, "right-to-left override removed", S("invoice\xe2\x80\xaetxt.exe"), "invoicetxt.exe" },
	{ __LINE__, "every reordering character removed",
	  S("a\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
	    "\xe2\x80\xad\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9" "b"), "ab" },
	{ __LINE__, "only controls", S("\x01\x02\x03"), FILENAME_DEFAULT },
	{ __LINE__, "a byte that is not UTF-8", S("caf\xe9.txt"), "caf\xef\xbf\xbd.txt" },
	{ __LINE__, "an overlong slash is no separator", S("a\xc0\xaf" "b"),
	  "a\xef\xbf\xbd\xef\xbf\xbd" "b" },
	{ __LINE__, "a truncated sequence at the end", S("a\xe2\x82"), "a\xef\xbf\xbd\xef\xbf\xbd" },
	{ __LINE__, "blanks around removed", S("  a b.txt  "), "a b.txt" },
	{ __LINE__, "blanks after a removed character", S("\x01 a \x01 "), "a" },
	{ __LINE__, "only blanks", S("   "), FILENAME_DEFAULT },
	{ __LINE__, "255 bytes kept", S(A250 "bbbbb"), A250 "bbbbb" },
	{ __LINE__, "256 bytes cut", S(A250 "bbbbbc"), A250 "bbbbb" },
	{ __LINE__, "cut before a character that does not fit", S(A250 "bbbb\xc3\xa9"), A250 "bbbb" },
	{ __LINE__, "a two-byte character that fits", S(A250 "bbb\xc3\xa9"), A250 "bbb\xc3\xa9" },
	{ __LINE__, "a four-byte character that does not fit", S(A250 "bb\xf0\x9f\x98\x80"), A250 "bb" },
	{ __LINE__, "a replacement that does not fit", S(A250 "bbb\xff"), A250 "bbb" },
	{ __LINE__, "blanks at the cut removed", S(A250 "bbbb     c"), A250 "bbbb" },
	{ __LINE__, "leading blanks do not count", S("     " A250 "bbbbb"), A250 "bbbbb" },
};

static void test_cases(void)
{
	char out[FILENAME_DISPLAY_MAX + 1], again[FILENAME_DISPLAY_MAX + 1];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int line = cases[i].line;

		CHECK_AT(line, filename_display(cases[i].raw, cases[i].n, out, sizeof out) == 0);
		CHECK_STR(line, out, cases[i].want);
		CHECK_AT(line, filename_display(out, strlen(out), again, sizeof again) == 0);
		CHECK_STR(line, again, out);
	}
}

static void test_small_out(void)
{
	char out[FILENAME_DISPLAY_MAX];

	CHECK(filename_display("a", 1, out, sizeof out) == ERR_ARG);
}

int main(void)
{
	test_cases();
	test_small_out();
	return check_done("test_filename");
}
