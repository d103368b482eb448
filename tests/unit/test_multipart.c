/*
 * test_multipart: the streaming multipart/form-data parser. Each body is
 * parsed whole and its callbacks written down as a log ("[name|filename|
 * type]content[/]" per part, then "=" and the result), compared with the
 * case's; then parsed again in every split (1-byte chunks, and two chunks
 * cut at every offset), which must log the same. Then the boundary from a
 * Content-Type, the arguments of multipart_open, where each part's content
 * starts (in every split), and a long body streamed in chunks.
 */
#include <malloc.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "multipart.h"

#define D "--XyZ\r\n"
#define DN "\r\n--XyZ\r\n"
#define END "\r\n--XyZ--\r\n"
#define CD(name) "Content-Disposition: form-data; name=\"" name "\"\r\n"
#define CDF(name, params) "Content-Disposition: form-data; name=\"" name "\"; " params "\r\n"
#define PART(name, content) D CD(name) "\r\n" content END
#define FILE_PART(params, content) D CDF("f", params) "\r\n" content END

struct mp_case {
	int line;
	const char *desc;
	const char *body;
	size_t n;
	const char *want; /* the log */
	size_t want_len;
	const char *boundary;
	size_t max_parts, max_header_bytes;
};

#define CAPS(parts, header_bytes) "XyZ", parts, header_bytes
#define STD CAPS(4, 256)
#define BOUNDARY(b) b, 4, 256

static const struct mp_case cases[] = {
	{ __LINE__, "one field", S(PART("a", "hello")), S("[a|-|-]hello[/]=ok"), STD },
	{ __LINE__, "a file with its type, binary content",
	  S(D CDF("file", "filename=\"a.png\"") "Content-Type: image/png\r\n\r\n\x89PNG\0\r\n" END),
	  S("[file|a.png|image/png]\x89PNG\0\r\n[/]=ok"), STD },
	{ __LINE__, "two parts", S(D CD("a") "\r\n1" DN CD("b") "\r\n2" END),
	  S("[a|-|-]1[/][b|-|-]2[/]=ok"), STD },
	{ __LINE__, "two empty parts", S(D CD("a") "\r\n" DN CD("b") "\r\n" END),
	  S("[a|-|-][/][b|-|-][/]=ok"), STD },
	{ __LINE__, "preamble and epilogue ignored",
	  S("preamble\r\nmore\r\n--XyZ\r\n" CD("a") "\r\nx\r\n--XyZ--\r\nepilogue" DN CD("b")),
	  S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "near misses in the preamble",
	  S("\r\n--XyZa\r\n--Xy\r\n--X\r\r\n--XyZ\r\n" CD("a") "\r\nx" END), S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "the boundary in the preamble not after a CRLF",
	  S("x--XyZ\r\n--XyZ\r\n" CD("a") "\r\n1" END), S("[a|-|-]1[/]=ok"), STD },
	{ __LINE__, "empty content", S(PART("a", "")), S("[a|-|-][/]=ok"), STD },
	{ __LINE__, "the boundary text in content, not after a CRLF",
	  S(PART("a", "--XyZ\r\nx--XyZ--")), S("[a|-|-]--XyZ\r\nx--XyZ--[/]=ok"), STD },
	{ __LINE__, "near misses after a CRLF in content",
	  S(PART("a", "a\r\n--XyZa\r\n--XyZZ\r\n--XyZ_\r\n--Xy")),
	  S("[a|-|-]a\r\n--XyZa\r\n--XyZZ\r\n--XyZ_\r\n--Xy[/]=ok"), STD },
	{ __LINE__, "every prefix of the delimiter in content",
	  S(PART("a", "\r\r\n\r\n-\r\n--\r\n--X\r\n--Xy\r\n--XyZ0")),
	  S("[a|-|-]\r\r\n\r\n-\r\n--\r\n--X\r\n--Xy\r\n--XyZ0[/]=ok"), STD },
	{ __LINE__, "CRs before the delimiter", S(PART("a", "ab\r\r")), S("[a|-|-]ab\r\r[/]=ok"), STD },
	{ __LINE__, "a CRLF before the delimiter", S(PART("a", "\r\n")), S("[a|-|-]\r\n[/]=ok"), STD },
	{ __LINE__, "NULs and CRs in content", S(PART("a", "\0\r\0\n\r\n\0-\r\n--\0XyZ\0")),
	  S("[a|-|-]\0\r\0\n\r\n\0-\r\n--\0XyZ\0[/]=ok"), STD },
	{ __LINE__, "transport padding",
	  S("--XyZ \t \r\n" CD("a") "\r\nx\r\n--XyZ\t\r\n" CD("b") "\r\ny\r\n--XyZ--"),
	  S("[a|-|-]x[/][b|-|-]y[/]=ok"), STD },
	{ __LINE__, "the close delimiter, then anything",
	  S(D CD("a") "\r\nx\r\n--XyZ--garbage\r\n--XyZ\r\n\0\r\n--XyZ-x"), S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "no parts", S("--XyZ--\r\n"), S("=ok"), STD },
	{ __LINE__, "no close delimiter", S(D CD("a") "\r\nx"), S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "no close delimiter, the body ends in a partial one",
	  S(D CD("a") "\r\nx\r\n--Xy"), S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "the body ends after a delimiter", S(D CD("a") "\r\nx\r\n--XyZ"),
	  S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "the body ends inside headers", S(D CD("a")), S("=ERR_INVAL"), STD },
	{ __LINE__, "empty body", S(""), S("=ERR_INVAL"), STD },
	{ __LINE__, "only a preamble", S("hello\r\n"), S("=ERR_INVAL"), STD },
	{ __LINE__, "'-' then another byte after a delimiter", S(D CD("a") "\r\nx\r\n--XyZ-x"),
	  S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "padding then another byte", S(D CD("a") "\r\nx\r\n--XyZ  x\r\n"),
	  S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "CR then another byte", S(D CD("a") "\r\nx\r\n--XyZ\rx"), S("[a|-|-]x=ERR_INVAL"), STD },
	{ __LINE__, "'-' then another byte in the preamble", S("\r\n--XyZ-x" D CD("a") "\r\n" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "LF line ends are not delimiters",
	  S("--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--\n"), S("=ERR_INVAL"), STD },
	{ __LINE__, "header names and the type in any case",
	  S(D "CONTENT-disposition:FORM-DATA;NAME=a;FILENAME=b.txt\r\ncontent-TYPE:  text/plain \t\r\n\r\nx" END),
	  S("[a|b.txt|text/plain]x[/]=ok"), STD },
	{ __LINE__, "unquoted values",
	  S(D "Content-Disposition: form-data; name=field_1; filename=my.file.txt\r\n\r\nx" END),
	  S("[field_1|my.file.txt|-]x[/]=ok"), STD },
	{ __LINE__, "blanks around the equals sign", S(D "Content-Disposition: form-data ; name = \"a\"\r\n\r\nx" END),
	  S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "a quoted string's escapes", S(FILE_PART("filename=\"a\\\"b\\\\c;d .txt\"", "x")),
	  S("[f|a\"b\\c;d .txt|-]x[/]=ok"), STD },
	{ __LINE__, "filename*", S(FILE_PART("filename*=UTF-8''%E2%82%AC%20rates.txt", "x")),
	  S("[f|\xe2\x82\xac rates.txt|-]x[/]=ok"), STD },
	{ __LINE__, "filename* first wins, charset in any case, a language",
	  S(FILE_PART("filename*=utf-8'en'caf%C3%A9.txt; filename=\"cafe.txt\"", "x")),
	  S("[f|caf\xc3\xa9.txt|-]x[/]=ok"), STD },
	{ __LINE__, "filename* last wins",
	  S(FILE_PART("filename=\"cafe.txt\"; filename*=UTF-8''caf%C3%A9.txt", "x")),
	  S("[f|caf\xc3\xa9.txt|-]x[/]=ok"), STD },
	{ __LINE__, "an empty filename", S(FILE_PART("filename=\"\"", "x")), S("[f||-]x[/]=ok"), STD },
	{ __LINE__, "a raw UTF-8 filename, a path kept as sent",
	  S(FILE_PART("filename=\"../\xc3\xa9t\xc3\xa9.txt\"", "x")),
	  S("[f|../\xc3\xa9t\xc3\xa9.txt|-]x[/]=ok"), STD },
	{ __LINE__, "other headers and parameters ignored",
	  S(D CDF("a", "size=12") "Content-Transfer-Encoding: binary\r\nX-Other: 1\r\n\r\nx" END),
	  S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "an empty name", S(PART("", "x")), S("[|-|-]x[/]=ok"), STD },
	{ __LINE__, "an empty Content-Type", S(D CD("a") "Content-Type:\r\n\r\nx" END),
	  S("[a|-|]x[/]=ok"), STD },
	{ __LINE__, "a last semicolon", S(D "Content-Disposition: form-data; name=\"a\";\r\n\r\nx" END),
	  S("[a|-|-]x[/]=ok"), STD },
	{ __LINE__, "filename* in another charset", S(FILE_PART("filename*=ISO-8859-1''caf%E9.txt", "x")),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "filename* with a broken escape", S(FILE_PART("filename*=UTF-8''a%zz", "x")),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "filename* with a decoded NUL", S(FILE_PART("filename*=UTF-8''a%00b", "x")),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "filename* without its language", S(FILE_PART("filename*=UTF-8'abc", "x")),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "filename* quoted", S(FILE_PART("filename*=\"UTF-8''abc\"", "x")), S("=ERR_INVAL"), STD },
	{ __LINE__, "name twice", S(FILE_PART("name=\"g\"", "x")), S("=ERR_INVAL"), STD },
	{ __LINE__, "filename twice", S(FILE_PART("filename=a; filename=b", "x")), S("=ERR_INVAL"), STD },
	{ __LINE__, "filename* twice",
	  S(FILE_PART("filename*=UTF-8''a; filename*=UTF-8''b", "x")), S("=ERR_INVAL"), STD },
	{ __LINE__, "Content-Disposition twice", S(D CD("a") CD("b") "\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "Content-Type twice", S(D CD("a") "Content-Type: a/b\r\nContent-Type: a/b\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "no Content-Disposition", S(D "Content-Type: text/plain\r\n\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "no headers", S(D "\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "another disposition type", S(D "Content-Disposition: attachment; name=\"a\"\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "no name", S(D "Content-Disposition: form-data; filename=\"a\"\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "a folded header", S(D CD("a") "X-Long: one\r\n\ttwo\r\n\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "a blank before the colon", S(D "Content-Disposition : form-data; name=a\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "no colon", S(D CD("a") "Content-Type text/plain\r\n\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "a bare LF in headers", S(D "Content-Disposition: form-data; name=a\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "a CR without LF in headers", S(D "Content-Disposition: form-data; name=a\rX: y\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "a NUL in a header", S(D CD("a\0b") "\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "a NUL in an ignored header", S(D CD("a") "X: \0\r\n\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "a control character in a header", S(D CD("a\x01") "\r\nx" END), S("=ERR_INVAL"), STD },
	{ __LINE__, "an unterminated quote", S(D "Content-Disposition: form-data; name=\"a\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "an escaped closing quote", S(D "Content-Disposition: form-data; name=\"a\\\"\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "junk after a value", S(D "Content-Disposition: form-data; name=\"a\"b\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "a parameter without a value", S(D "Content-Disposition: form-data; name\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "an empty value", S(D "Content-Disposition: form-data; name=\r\n\r\nx" END),
	  S("=ERR_INVAL"), STD },
	{ __LINE__, "header block at the cap (64 bytes)", S(D CD("a") "X: 123456789012345\r\n\r\nx" END),
	  S("[a|-|-]x[/]=ok"), CAPS(4, 64) },
	{ __LINE__, "header block one byte over", S(D CD("a") "X: 1234567890123456\r\n\r\nx" END),
	  S("=ERR_TOOBIG"), CAPS(4, 64) },
	{ __LINE__, "a line longer than the cap", S(D "X: 1234567890123456789012345678901234567890"
	  "12345678901234567890123456789012345678901234567890\r\n" CD("a") "\r\nx" END),
	  S("=ERR_TOOBIG"), CAPS(4, 64) },
	{ __LINE__, "parts at the cap", S(D CD("a") "\r\n1" DN CD("b") "\r\n2" END),
	  S("[a|-|-]1[/][b|-|-]2[/]=ok"), CAPS(2, 256) },
	{ __LINE__, "one part over the cap", S(D CD("a") "\r\n1" DN CD("b") "\r\n2" DN CD("c") "\r\n3" END),
	  S("[a|-|-]1[/][b|-|-]2[/]=ERR_TOOBIG"), CAPS(2, 256) },
	{ __LINE__, "on_begin stops the parser", S(PART("stop-begin", "x")),
	  S("[stop-begin|-|-]=ERR_CONFLICT"), STD },
	{ __LINE__, "on_data stops the parser", S(PART("stop-data", "xyz")),
	  S("[stop-data|-|-]=ERR_CONFLICT"), STD },
	{ __LINE__, "on_end stops the parser", S(PART("stop-end", "x") "garbage"),
	  S("[stop-end|-|-]x[/]=ERR_CONFLICT"), STD },
	{ __LINE__, "a boundary of every bchar",
	  S("--'()+_,-./:=? x\r\n" CD("a") "\r\n1\r\n--'()+_,-./:=? \r\n--'()+_,-./:=? x--"),
	  S("[a|-|-]1\r\n--'()+_,-./:=? [/]=ok"), BOUNDARY("'()+_,-./:=? x") },
	{ __LINE__, "a browser's boundary",
	  S("------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n" CD("a") "\r\n------WebKitFormBoundary7MA4"
	    "\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n"),
	  S("[a|-|-]------WebKitFormBoundary7MA4[/]=ok"), BOUNDARY("----WebKitFormBoundary7MA4YWxkTrZu0gW") },
	{ __LINE__, "a one-character boundary", S("--a\r\n" CD("a") "\r\n-a\r\n-\r\n--\r\n--a--"),
	  S("[a|-|-]-a\r\n-\r\n--[/]=ok"), BOUNDARY("a") },
};

/* Writes the callbacks down; parts named stop-* fail at that callback. */
struct recorder {
	struct buf log;
	char name[16];
	int empty_piece; /* on_data was called with nothing */
	int not_sticky;  /* a call after the result gave another */
};

static int stops(const struct recorder *r, const char *at)
{
	return strncmp(r->name, "stop-", 5) == 0 && strcmp(r->name + 5, at) == 0;
}

static int on_begin(void *ctx, const struct multipart_part *part)
{
	struct recorder *r = ctx;

	snprintf(r->name, sizeof r->name, "%s", part->name);
	buf_putc(&r->log, '[');
	buf_puts(&r->log, part->name);
	buf_putc(&r->log, '|');
	buf_puts(&r->log, part->filename ? part->filename : "-");
	buf_putc(&r->log, '|');
	buf_puts(&r->log, part->content_type ? part->content_type : "-");
	buf_putc(&r->log, ']');
	return stops(r, "begin") ? ERR_CONFLICT : 0;
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct recorder *r = ctx;

	if (n == 0)
		r->empty_piece = 1;
	if (stops(r, "data"))
		return ERR_CONFLICT;
	buf_append(&r->log, p, n);
	return 1; /* a positive return goes on like 0 */
}

static int on_end(void *ctx)
{
	struct recorder *r = ctx;

	buf_puts(&r->log, "[/]");
	return stops(r, "end") ? ERR_CONFLICT : 0;
}

/* Feeds c's body cut before each offset of cuts[0..ncuts) (ascending) and
 * leaves the log in r. */
static void parse(const struct mp_case *c, const size_t *cuts, size_t ncuts, struct recorder *r)
{
	const struct multipart_handler h = { on_begin, on_data, on_end, r };
	const struct multipart_limits lim = { c->max_parts, c->max_header_bytes };
	struct multipart *mp;
	size_t from = 0, to;
	int rc;

	memset(r, 0, sizeof *r);
	buf_init(&r->log, 0);
	if ((rc = multipart_open(&mp, c->boundary, &lim, &h)) < 0) {
		buf_puts(&r->log, "open failed");
		return;
	}
	for (size_t i = 0; i <= ncuts && rc == 0; i++, from = to) {
		to = i < ncuts ? cuts[i] : c->n;
		rc = multipart_feed(mp, c->body + from, to - from);
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	r->not_sticky = multipart_feed(mp, "x", 1) != rc || multipart_finish(mp) != rc;
	buf_putc(&r->log, '=');
	buf_puts(&r->log, rc == 0 ? "ok" : err_str(rc));
	multipart_free(mp);
}

static int same(const struct buf *a, const char *b, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->data, b, n) == 0);
}

static void show(const char *what, const struct buf *log)
{
	printf("  %s: ", what);
	fwrite(log->data, 1, log->len, stdout);
	printf("\n");
}

/* The case whole, then split into 1-byte chunks and at every offset. */
static void test_case(const struct mp_case *c)
{
	struct recorder whole, split;
	size_t *cuts = malloc((c->n + 1) * sizeof *cuts);
	int all_same, well_behaved;

	parse(c, NULL, 0, &whole);
	CHECK_AT(c->line, same(&whole.log, c->want, c->want_len));
	if (!same(&whole.log, c->want, c->want_len))
		show(c->desc, &whole.log);
	for (size_t i = 0; cuts != NULL && i + 1 < c->n; i++)
		cuts[i] = i + 1;
	parse(c, cuts, c->n ? c->n - 1 : 0, &split);
	all_same = same(&split.log, whole.log.data, whole.log.len);
	well_behaved = !split.empty_piece && !whole.empty_piece && !split.not_sticky && !whole.not_sticky;
	buf_free(&split.log);
	for (size_t k = 0; cuts != NULL && k <= c->n; k++) {
		cuts[0] = k;
		parse(c, cuts, 1, &split);
		all_same = all_same && same(&split.log, whole.log.data, whole.log.len);
		well_behaved = well_behaved && !split.empty_piece && !split.not_sticky;
		buf_free(&split.log);
	}
	CHECK_AT(c->line, cuts != NULL && all_same);
	CHECK_AT(c->line, well_behaved);
	buf_free(&whole.log);
	free(cuts);
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		test_case(&cases[i]);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *content_type;
	const char *want;
} boundary_cases[] = {
	{ __LINE__, 0, "plain", "multipart/form-data; boundary=abc", "abc" },
	{ __LINE__, 0, "quoted, with blanks", "multipart/form-data; boundary=\"a b c\"", "a b c" },
	{ __LINE__, 0, "quoted with an escape", "multipart/form-data; boundary=\"a\\bc\"", "abc" },
	{ __LINE__, 0, "any case", "Multipart/Form-Data; BOUNDARY=abc", "abc" },
	{ __LINE__, 0, "after another parameter", "multipart/form-data; charset=utf-8; boundary=abc", "abc" },
	{ __LINE__, 0, "blanks around", "  multipart/form-data ;\tboundary=abc ; ", "abc" },
	{ __LINE__, 0, "a browser's", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
	  "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
	{ __LINE__, 0, "every bchar unquoted", "multipart/form-data; boundary='()+_,-./:=?",
	  "'()+_,-./:=?" },
	{ __LINE__, 0, "70 characters", "multipart/form-data; boundary="
	  "1234567890123456789012345678901234567890123456789012345678901234567890",
	  "1234567890123456789012345678901234567890123456789012345678901234567890" },
	{ __LINE__, ERR_INVAL, "71 characters", "multipart/form-data; boundary="
	  "12345678901234567890123456789012345678901234567890123456789012345678901", NULL },
	{ __LINE__, ERR_INVAL, "empty", "multipart/form-data; boundary=", NULL },
	{ __LINE__, ERR_INVAL, "empty quoted", "multipart/form-data; boundary=\"\"", NULL },
	{ __LINE__, ERR_INVAL, "ends in a space", "multipart/form-data; boundary=\"abc \"", NULL },
	{ __LINE__, ERR_INVAL, "not a bchar", "multipart/form-data; boundary=ab@c", NULL },
	{ __LINE__, ERR_INVAL, "a control character", "multipart/form-data; boundary=\"a\tb\"", NULL },
	{ __LINE__, ERR_INVAL, "missing", "multipart/form-data", NULL },
	{ __LINE__, ERR_INVAL, "missing, another parameter", "multipart/form-data; charset=utf-8", NULL },
	{ __LINE__, ERR_INVAL, "twice", "multipart/form-data; boundary=a; boundary=a", NULL },
	{ __LINE__, ERR_INVAL, "no value", "multipart/form-data; boundary", NULL },
	{ __LINE__, ERR_INVAL, "no semicolon", "multipart/form-data boundary=abc", NULL },
	{ __LINE__, ERR_INVAL, "unterminated quote", "multipart/form-data; boundary=\"abc", NULL },
	{ __LINE__, ERR_MEDIATYPE, "JSON", "application/json", NULL },
	{ __LINE__, ERR_MEDIATYPE, "another multipart", "multipart/mixed; boundary=abc", NULL },
	{ __LINE__, ERR_MEDIATYPE, "a longer type", "multipart/form-dataX; boundary=abc", NULL },
	{ __LINE__, ERR_MEDIATYPE, "a shorter type", "multipart/form; boundary=abc", NULL },
	{ __LINE__, ERR_MEDIATYPE, "empty", "", NULL },
	{ __LINE__, ERR_MEDIATYPE, "none", NULL, NULL },
};

static void test_boundary(void)
{
	char out[MULTIPART_BOUNDARY_MAX + 1];

	for (size_t i = 0; i < sizeof boundary_cases / sizeof boundary_cases[0]; i++) {
		int line = boundary_cases[i].line;

		memset(out, 0, sizeof out);
		CHECK_AT(line, multipart_boundary(boundary_cases[i].content_type, out, sizeof out) ==
		    boundary_cases[i].rc);
		if (boundary_cases[i].want != NULL)
			CHECK_STR(line, out, boundary_cases[i].want);
	}
	CHECK(multipart_boundary("multipart/form-data; boundary=abc", out, 4) == 0);
	CHECK(multipart_boundary("multipart/form-data; boundary=abc", out, 3) == ERR_ARG);
}

static int ignore_begin(void *ctx, const struct multipart_part *part)
{
	(void)ctx;
	(void)part;
	return 0;
}

/* What count_data saw: the 'x' bytes and the pieces they came in. */
struct tally {
	size_t xs, pieces;
};

static int count_data(void *ctx, const char *p, size_t n)
{
	struct tally *t = ctx;

	t->pieces++;
	for (size_t i = 0; i < n; i++)
		t->xs += p[i] == 'x';
	return 0;
}

static int ignore_end(void *ctx)
{
	(void)ctx;
	return 0;
}

static void test_open(void)
{
	const struct multipart_handler h = { ignore_begin, count_data, ignore_end, NULL };
	const struct multipart_handler no_data = { ignore_begin, NULL, ignore_end, NULL };
	const struct multipart_limits lim = { 1, 64 }, no_parts = { 0, 64 }, no_headers = { 1, 0 };
	static char sentinel;
	struct multipart *mp = (struct multipart *)(void *)&sentinel;

	CHECK(multipart_open(&mp, "", &lim, &h) == ERR_ARG && mp == NULL);
	CHECK(multipart_open(&mp, NULL, &lim, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "a@b", &lim, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab ", &lim, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab", &no_parts, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab", &no_headers, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab", NULL, &h) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab", &lim, &no_data) == ERR_ARG);
	CHECK(multipart_open(&mp, "ab", &lim, NULL) == ERR_ARG);
	multipart_free(NULL);
}

/* 8 MiB of content, in 64 KiB chunks full of near misses: the content
 * comes through whole, in about one piece per chunk (a near miss inside a
 * chunk does not cut the content), and the heap stays as it was after the
 * headers. */
static int ignore_data(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

struct offsets {
	uint64_t at[2];
	size_t n;
};

static int note_offset(void *ctx, const struct multipart_part *part)
{
	struct offsets *o = ctx;

	if (o->n < 2)
		o->at[o->n] = part->content_offset;
	o->n++;
	return 0;
}

/* content_offset is the index of the part's first content byte in the
 * body, however the body is cut into chunks. */
static void test_content_offset(void)
{
	static const char body[] = "preamble\r\n" D CD("a") "\r\n" "one" DN
	    CDF("file", "filename=\"f.bin\"") "Content-Type: text/plain\r\n\r\n" "two" END;
	const size_t n = sizeof body - 1, first = (size_t)(strstr(body, "one") - body),
	    second = (size_t)(strstr(body, "two") - body);
	const struct multipart_limits lim = { 4, 256 };
	struct offsets o;
	const struct multipart_handler h = { note_offset, ignore_data, ignore_end, &o };
	struct multipart *mp;
	int all = 1, rc;

	for (size_t cut = 0; cut <= n; cut++) {
		memset(&o, 0, sizeof o);
		if (multipart_open(&mp, "XyZ", &lim, &h) < 0) {
			all = 0;
			break;
		}
		rc = multipart_feed(mp, body, cut);
		if (rc == 0)
			rc = multipart_feed(mp, body + cut, n - cut);
		all = all && rc == 0 && multipart_finish(mp) == 0 && o.n == 2 &&
		    o.at[0] == first && o.at[1] == second;
		multipart_free(mp);
	}
	CHECK(all);
}

static void test_long_body(void)
{
	static const char head[] = "--b\r\n" CD("file") "\r\n", tail[] = "\r\n--b--\r\n";
	struct tally total = { 0, 0 };
	size_t want = 0, heap;
	const struct multipart_handler h = { ignore_begin, count_data, ignore_end, &total };
	const struct multipart_limits lim = { 1, 256 };
	struct multipart *mp = NULL;
	char *chunk = malloc(65536);
	int rc;

	CHECK(chunk != NULL && multipart_open(&mp, "b", &lim, &h) == 0);
	if (chunk == NULL || mp == NULL) {
		free(chunk);
		return;
	}
	for (size_t i = 0; i < 65536; i++)
		chunk[i] = "x\r\n--a\r\n-x"[i % 10];
	for (size_t i = 0; i < 65536; i++)
		want += chunk[i] == 'x';
	rc = multipart_feed(mp, head, sizeof head - 1);
	heap = mallinfo2().uordblks;
	for (int i = 0; i < 128 && rc == 0; i++)
		rc = multipart_feed(mp, chunk, 65536);
	CHECK(mallinfo2().uordblks == heap);
	if (rc == 0)
		rc = multipart_feed(mp, tail, sizeof tail - 1);
	CHECK(rc == 0 && multipart_finish(mp) == 0);
	CHECK(total.xs == want * 128);
	CHECK(total.pieces <= 2 * 128);
	multipart_free(mp);
	free(chunk);
}

int main(void)
{
	test_cases();
	test_boundary();
	test_open();
	test_content_offset();
	test_long_body();
	return check_done("test_multipart");
}
