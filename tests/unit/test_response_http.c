/*
 * test_response_http: pages, redirects and downloads as the web server
 * gets them (the bytes written to the io): the exact status line and
 * headers a browser sees, the page's Content-Security-Policy, checked
 * redirect locations, and downloads whole, by range, conditional, HEAD,
 * from memory, streamed and from a file (or the web server's X-Sendfile),
 * with a reader that fails.
 */
#include <stdlib.h>

#include "app.h"
#include "check.h"
#include "errors.h"
#include "escape.h"
#include "request.h"
#include "response.h"
#include "response_download.h"
#include "stderr.h"

#define MAX_ENV 8

static struct app app;

static long no_read(void *ctx, char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

static int capture(void *ctx, const char *p, size_t n)
{
	return buf_append(ctx, p, n) < 0 ? -1 : 0;
}

/* A request for method and uri with more CGI variables (NULL-ended). */
struct exchange {
	struct request r;
	struct buf out;
	char *env[MAX_ENV + 3];
	char method[32], uri[256];
};

static void start(struct exchange *x, const char *method, const char *uri,
    const char *const *vars)
{
	struct io io = { no_read, capture, &x->out };
	size_t i = 0;

	snprintf(x->method, sizeof x->method, "REQUEST_METHOD=%s", method);
	snprintf(x->uri, sizeof x->uri, "REQUEST_URI=%s", uri);
	x->env[0] = x->method;
	x->env[1] = x->uri;
	for (; vars != NULL && vars[i] != NULL && i < MAX_ENV; i++)
		x->env[2 + i] = (char *)vars[i];
	x->env[2 + i] = NULL;
	buf_init(&x->out, 0);
	CHECK(buf_puts(&x->out, "") == 0);
	CHECK(request_init(&x->r, &app, x->env, io) == 0);
}

static void finish(struct exchange *x)
{
	request_free(&x->r);
	buf_free(&x->out);
}

/* Checks that the bytes sent are want, with "@ID@" for the request id. */
static void expect(int line, struct exchange *x, const char *want)
{
	struct buf w;
	const char *at;

	buf_init(&w, 0);
	while ((at = strstr(want, "@ID@")) != NULL) {
		CHECK_AT(line, buf_append(&w, want, (size_t)(at - want)) == 0);
		CHECK_AT(line, buf_puts(&w, x->r.id) == 0);
		want = at + 4;
	}
	CHECK_AT(line, buf_puts(&w, want) == 0);
	CHECK_STR(line, x->out.data, w.data);
	buf_free(&w);
}

#define SAFE "X-Request-Id: @ID@\r\nX-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n"

/* ---- pages ---- */

static const char *const origins[] = { "https://shop.example", "http://localhost:8080",
	"https://*.example.org:8443" };

static const struct page_policy embed = {
	.script_src = "'self'", .connect_src = "'self'", .img_src = "'self' data:",
	.media_src = "'self' blob:", .style_src = "'self'",
	.frame_ancestors = origins, .n_frame_ancestors = 3,
};

static void test_page_default(void)
{
	struct exchange x;

	start(&x, "GET", "/c/room", NULL);
	CHECK(response_page(&x.r, 200, S("<p>hi</p>"), NULL) == 0);
	expect(__LINE__, &x, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 9\r\n" SAFE "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n\r\n<p>hi</p>");
	finish(&x);
}

static void test_page_embed(void)
{
	struct exchange x;

	start(&x, "GET", "/embed/room", NULL);
	CHECK(response_page(&x.r, 200, S("<p>hi</p>"), &embed) == 0);
	expect(__LINE__, &x, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 9\r\n" SAFE "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	    "connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; frame-ancestors "
	    "https://shop.example http://localhost:8080 https://*.example.org:8443\r\n\r\n<p>hi</p>");
	finish(&x);
}

static void test_page_head_and_html_by_type(void)
{
	struct exchange x;

	start(&x, "HEAD", "/c/room", NULL);
	CHECK(response_page(&x.r, 404, S("<p>gone</p>"), NULL) == 0);
	CHECK(strncmp(x.out.data, "Status: 404 Not Found\r\n", 23) == 0);
	CHECK(strstr(x.out.data, "\r\nContent-Length: 11\r\n") != NULL);
	CHECK(strstr(x.out.data, "\r\n\r\n")[4] == '\0');
	finish(&x);
	/* HTML sent as bytes of a type still gets the page's safety headers */
	start(&x, "GET", "/c/room", NULL);
	CHECK(response_send(&x.r, 200, "text/html; charset=utf-8", S("<p>x</p>")) == 0);
	CHECK(strstr(x.out.data, "\r\nCache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n") != NULL);
	finish(&x);
}

static void test_page_bad_policies(void)
{
	static const char *const bad_origins[][1] = {
		{ "https://a.example; script-src *" }, { "javascript:alert(1)" }, { "https://" },
		{ "https://a.example/path" }, { "https://a.example:123456" }, { "*" },
		{ "https://.example" }, { "https://a.example\r\nSet-Cookie: x=1" },
	};
	struct page_policy p = { 0 };
	struct exchange x;

	for (size_t i = 0; i < sizeof bad_origins / sizeof bad_origins[0]; i++) {
		p.frame_ancestors = bad_origins[i];
		p.n_frame_ancestors = 1;
		start(&x, "GET", "/embed/room", NULL);
		CHECK(response_page(&x.r, 200, S("x"), &p) == ERR_INTERNAL);
		CHECK(x.out.len == 0 && !x.r.answered);
		finish(&x);
	}
	p.frame_ancestors = NULL;
	p.script_src = "'self'; frame-ancestors *";
	start(&x, "GET", "/embed/room", NULL);
	CHECK(response_page(&x.r, 200, S("x"), &p) == ERR_INTERNAL && x.out.len == 0);
	finish(&x);
}

/* ---- redirects ---- */

static void test_redirect(void)
{
	struct exchange x;
	struct buf loc;

	buf_init(&loc, 0);
	CHECK(buf_puts(&loc, "/c/") == 0 && escape_url_segment(&loc, S("room 1/x")) == 0 &&
	    buf_puts(&loc, "?name=") == 0 && escape_url_query(&loc, S("a&b")) == 0);
	start(&x, "POST", "/join", NULL);
	CHECK(response_redirect(&x.r, 303, loc.data) == 0);
	expect(__LINE__, &x, "Status: 303 See Other\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 0\r\n" SAFE "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	    "Location: /c/room%201%2Fx?name=a%26b\r\n\r\n");
	finish(&x);
	buf_free(&loc);
}

static void test_redirect_refused(void)
{
	static const struct {
		int line;
		int status;
		const char *location;
	} cases[] = {
		{ __LINE__, 303, "//evil.example/" },
		{ __LINE__, 303, "/\\evil.example" },
		{ __LINE__, 303, "https://evil.example/" },
		{ __LINE__, 303, "javascript:alert(1)" },
		{ __LINE__, 303, "relative" },
		{ __LINE__, 303, "" },
		{ __LINE__, 303, "/a\r\nSet-Cookie: x=1" },
		{ __LINE__, 303, "/a b" },
		{ __LINE__, 303, "/a\\b" },
		{ __LINE__, 303, "/caf\xc3\xa9" },
		{ __LINE__, 303, NULL },
		{ __LINE__, 301, "/a" },
		{ __LINE__, 200, "/a" },
	};
	struct exchange x;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		start(&x, "GET", "/", NULL);
		CHECK_AT(cases[i].line, response_redirect(&x.r, cases[i].status,
		    cases[i].location) == ERR_INTERNAL);
		CHECK_AT(cases[i].line, x.out.len == 0 && x.r.out_headers.len == 0);
		finish(&x);
	}
	start(&x, "GET", "/", NULL);
	CHECK(response_redirect(&x.r, 307, "/a?b=c#d") == 0);
	CHECK(strncmp(x.out.data, "Status: 307 Temporary Redirect\r\n", 32) == 0);
	finish(&x);
}

/* ---- downloads ---- */

#define ALPHABET "abcdefghijklmnopqrstuvwxyz"
#define DATE "Sun, 06 Nov 1994 08:49:37 GMT"

static const struct download file = {
	.content_type = "text/plain; charset=utf-8",
	.filename = "r\xc3\xa9sum\xc3\xa9.txt",
	.etag = "\"v1\"",
	.last_modified_ms = INT64_C(784111777000),
	.length = 26,
};

#define FILE_HEAD(status, len) "Status: " status "\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: " len "\r\n" SAFE \
	"Cache-Control: private, no-cache\r\n" \
	"Content-Security-Policy: default-src 'none'; sandbox\r\n" \
	"ETag: \"v1\"\r\nLast-Modified: " DATE "\r\nAccept-Ranges: bytes\r\n"
#define DISPOSITION "Content-Disposition: attachment; filename=\"r_sum_.txt\"; " \
	"filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\n"

static const struct {
	int line;
	const char *want;
	const char *desc;
	const char *method;
	const char *vars[4];
} download_cases[] = {
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION ALPHABET, "the whole file", "GET", { 0 } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "5") "Content-Range: bytes 0-4/26\r\n"
	    DISPOSITION "abcde", "the first five bytes", "GET", { "HTTP_RANGE=bytes=0-4" } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "6") "Content-Range: bytes 20-25/26\r\n"
	    DISPOSITION "uvwxyz", "from byte 20", "GET", { "HTTP_RANGE=bytes=20-" } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "3") "Content-Range: bytes 23-25/26\r\n"
	    DISPOSITION "xyz", "the last three", "GET", { "HTTP_RANGE=bytes=-3" } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "2") "Content-Range: bytes 24-25/26\r\n"
	    DISPOSITION "yz", "an end past the file", "GET", { "HTTP_RANGE=bytes=24-99" } },
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION ALPHABET, "two ranges: the whole file",
	    "GET", { "HTTP_RANGE=bytes=0-1,3-4" } },
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION ALPHABET, "another unit", "GET",
	    { "HTTP_RANGE=lines=1-2" } },
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION, "HEAD ignores Range", "HEAD",
	    { "HTTP_RANGE=bytes=0-4" } },
	{ __LINE__, "Status: 304 Not Modified\r\n" SAFE "Cache-Control: private, no-cache\r\n"
	    "ETag: \"v1\"\r\nLast-Modified: " DATE "\r\nAccept-Ranges: bytes\r\n\r\n",
	    "If-None-Match names the ETag", "GET", { "HTTP_IF_NONE_MATCH=\"v0\", W/\"v1\"" } },
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION ALPHABET, "If-None-Match names another",
	    "GET", { "HTTP_IF_NONE_MATCH=\"v0\"" } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "2") "Content-Range: bytes 1-2/26\r\n"
	    DISPOSITION "bc", "If-Range names the ETag", "GET",
	    { "HTTP_RANGE=bytes=1-2", "HTTP_IF_RANGE=\"v1\"" } },
	{ __LINE__, FILE_HEAD("206 Partial Content", "2") "Content-Range: bytes 1-2/26\r\n"
	    DISPOSITION "bc", "If-Range names the date", "GET",
	    { "HTTP_RANGE=bytes=1-2", "HTTP_IF_RANGE=" DATE } },
	{ __LINE__, FILE_HEAD("200 OK", "26") DISPOSITION ALPHABET, "If-Range names another ETag",
	    "GET", { "HTTP_RANGE=bytes=1-2", "HTTP_IF_RANGE=\"v0\"" } },
};

static void check_416(int line, struct exchange *x, const char *length)
{
	char want[64];

	snprintf(want, sizeof want, "\r\nContent-Range: bytes */%s\r\n", length);
	CHECK_AT(line, strncmp(x->out.data, "Status: 416 Range Not Satisfiable\r\n", 35) == 0);
	CHECK_AT(line, strstr(x->out.data, want) != NULL);
	CHECK_AT(line, strstr(x->out.data, "\r\nAccept-Ranges: bytes\r\n") != NULL);
	CHECK_AT(line, strstr(x->out.data, "\"success\":false") != NULL);
	CHECK_AT(line, strstr(x->out.data, ALPHABET) == NULL);
}

/* The file of a download, handed out at most max_chunk bytes a read;
 * fail_at: the read at that offset fails (-1) or, when short, ends. */
struct reader {
	const char *p;
	size_t len, max_chunk;
	uint64_t fail_at;
	int short_end;
	uint64_t next; /* the offset the next read must ask for */
	int out_of_order;
};

static long read_file(void *ctx, uint64_t offset, char *p, size_t n)
{
	struct reader *rd = ctx;

	rd->out_of_order |= offset != rd->next;
	if (offset >= rd->fail_at)
		return rd->short_end ? 0 : -1;
	if (offset >= rd->len)
		return 0;
	if (n > rd->len - offset)
		n = rd->len - (size_t)offset;
	if (n > rd->max_chunk)
		n = rd->max_chunk;
	memcpy(p, rd->p + offset, n);
	rd->next = offset + n;
	return (long)n;
}

static void test_download_cases(void)
{
	struct exchange x;

	for (size_t i = 0; i < sizeof download_cases / sizeof download_cases[0]; i++) {
		int line = download_cases[i].line;
		struct reader rd = { ALPHABET, 26, 7, UINT64_MAX, 0, 0, 0 };

		start(&x, download_cases[i].method, "/f", download_cases[i].vars);
		CHECK_AT(line, response_download(&x.r, &file, ALPHABET) == 0);
		expect(line, &x, download_cases[i].want);
		finish(&x);
		start(&x, download_cases[i].method, "/f", download_cases[i].vars);
		rd.next = strstr(download_cases[i].want, "Content-Range: bytes ") ?
		    strtoull(strstr(download_cases[i].want, "Content-Range: bytes ") + 21, NULL, 10) : 0;
		CHECK_AT(line, response_download_stream(&x.r, &file, read_file, &rd) == 0);
		expect(line, &x, download_cases[i].want);
		CHECK_AT(line, !rd.out_of_order);
		finish(&x);
	}
}

static void test_download_unsatisfiable(void)
{
	const char *past[] = { "HTTP_RANGE=bytes=26-", NULL };
	const char *zero[] = { "HTTP_RANGE=bytes=-0", NULL };
	const char *backwards[] = { "HTTP_RANGE=bytes=5-2", NULL };
	struct download empty = file;
	struct exchange x;

	start(&x, "GET", "/f", past);
	CHECK(response_download(&x.r, &file, ALPHABET) == 0);
	check_416(__LINE__, &x, "26");
	finish(&x);
	start(&x, "GET", "/f", zero);
	CHECK(response_download(&x.r, &file, ALPHABET) == 0);
	check_416(__LINE__, &x, "26");
	finish(&x);
	start(&x, "GET", "/f", backwards);
	CHECK(response_download(&x.r, &file, ALPHABET) == 0);
	check_416(__LINE__, &x, "26");
	finish(&x);
	empty.length = 0;
	start(&x, "GET", "/f", NULL);
	CHECK(response_download(&x.r, &empty, "") == 0);
	CHECK(strncmp(x.out.data, "Status: 200 OK\r\n", 16) == 0);
	CHECK(strstr(x.out.data, "\r\nContent-Length: 0\r\n") != NULL);
	finish(&x);
	start(&x, "GET", "/f", past);
	CHECK(response_download(&x.r, &empty, "") == 0);
	check_416(__LINE__, &x, "0");
	finish(&x);
}

/* Without a name, an ETag or a date, a file gets only what it has. */
static void test_download_bare(void)
{
	struct download bare = { .length = 3 };
	struct exchange x;

	start(&x, "GET", "/f", NULL);
	CHECK(response_download(&x.r, &bare, "abc") == 0);
	expect(__LINE__, &x, "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: 3\r\n" SAFE "Cache-Control: private, no-cache\r\n"
	    "Content-Security-Policy: default-src 'none'; sandbox\r\n"
	    "Accept-Ranges: bytes\r\nContent-Disposition: attachment\r\n\r\nabc");
	finish(&x);
}

static void test_download_refused(void)
{
	static const struct {
		int line;
		struct download d;
	} cases[] = {
		{ __LINE__, { .etag = "v1", .length = 3 } },
		{ __LINE__, { .etag = "W/\"v1\"", .length = 3 } },
		{ __LINE__, { .etag = "\"v 1\"", .length = 3 } },
		{ __LINE__, { .content_type = "text/plain\r\nSet-Cookie: x=1", .length = 3 } },
		{ __LINE__, { .filename = "", .length = 3 } },
		{ __LINE__, { .last_modified_ms = -5, .length = 3 } },
	};
	struct exchange x;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		start(&x, "GET", "/f", NULL);
		CHECK_AT(cases[i].line, response_download(&x.r, &cases[i].d, "abc") == ERR_INTERNAL);
		CHECK_AT(cases[i].line, x.out.len == 0 && x.r.out_headers.len == 0);
		finish(&x);
	}
}

struct stream_args {
	struct exchange *x;
	struct reader *rd;
	int rc;
};

static void stream(void *ctx)
{
	struct stream_args *a = ctx;

	a->rc = response_download_stream(&a->x->r, &file, read_file, a->rd);
}

/* A reader that fails or ends early cuts the answer short, logged. */
static void test_download_reader_fails(void)
{
	static const struct {
		int line;
		int short_end;
		const char *said;
	} cases[] = {
		{ __LINE__, 0, "the file failed at byte 14 of 26" },
		{ __LINE__, 1, "the file ended at byte 14 of 26" },
	};
	struct exchange x;
	char *log;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct reader rd = { ALPHABET, 26, 7, 14, cases[i].short_end, 0, 0 };

		struct stream_args a = { &x, &rd, 0 };

		start(&x, "GET", "/f", NULL);
		log = stderr_capture(stream, &a);
		CHECK_AT(cases[i].line, a.rc == ERR_IO);
		CHECK_AT(cases[i].line, strncmp(x.out.data, "Status: 200 OK\r\n", 16) == 0);
		CHECK_AT(cases[i].line, strstr(x.out.data, "\r\n\r\nabcdefghijklmn") != NULL &&
		    strstr(x.out.data, "abcdefghijklmno") == NULL);
		CHECK_AT(cases[i].line, strstr(log, x.r.id) != NULL && strstr(log, cases[i].said));
		free(log);
		finish(&x);
	}
}

/* A file larger than the writer's chunk, streamed in ranges across them. */
static void test_download_large_stream(void)
{
	const char *vars[] = { "HTTP_RANGE=bytes=16000-50000", NULL };
	size_t len = 100000, first = 16000, n = 50000 - 16000 + 1;
	char *big = malloc(len);
	struct download d = { .length = len };
	struct reader rd = { NULL, len, 65536, UINT64_MAX, 0, 16000, 0 };
	struct exchange x;
	const char *body;

	for (size_t i = 0; i < len; i++)
		big[i] = (char)('a' + (i * 7) % 26);
	rd.p = big;
	start(&x, "GET", "/f", vars);
	CHECK(response_download_stream(&x.r, &d, read_file, &rd) == 0);
	CHECK(strstr(x.out.data, "\r\nContent-Range: bytes 16000-50000/100000\r\n") != NULL);
	CHECK(strstr(x.out.data, "\r\nContent-Length: 34001\r\n") != NULL);
	body = strstr(x.out.data, "\r\n\r\n") + 4;
	CHECK((size_t)(x.out.data + x.out.len - body) == n && memcmp(body, big + first, n) == 0);
	CHECK(!rd.out_of_order);
	finish(&x);
	free(big);
}

/* A file on a descriptor: the program's own stream, or the web server's
 * X-Sendfile for a whole GET without Range or If-Modified-Since. */
static void test_download_file(void)
{
	static const struct {
		int line;
		const char *method, *var, *xsendfile;
		int sent_by_server;
		const char *body;
	} cases[] = {
		{ __LINE__, "GET", NULL, "/c/v1", 1, "" },
		{ __LINE__, "GET", NULL, NULL, 0, ALPHABET },
		{ __LINE__, "GET", "HTTP_RANGE=bytes=0-4", "/c/v1", 0, "abcde" },
		{ __LINE__, "GET", "HTTP_RANGE=bytes=0-1,3-4", "/c/v1", 0, ALPHABET },
		{ __LINE__, "GET", "HTTP_IF_MODIFIED_SINCE=" DATE, "/c/v1", 0, ALPHABET },
		{ __LINE__, "HEAD", NULL, "/c/v1", 0, "" },
	};
	FILE *f = tmpfile();
	struct exchange x;
	const char *vars[2] = { NULL, NULL }, *body;

	CHECK(f != NULL && fputs(ALPHABET, f) >= 0 && fflush(f) == 0);
	for (size_t i = 0; f != NULL && i < sizeof cases / sizeof cases[0]; i++) {
		vars[0] = cases[i].var;
		start(&x, cases[i].method, "/f", vars);
		CHECK_AT(cases[i].line, response_download_file(&x.r, &file, fileno(f),
		    cases[i].xsendfile) == 0);
		CHECK_AT(cases[i].line, (strstr(x.out.data, "\r\nX-Sendfile: /c/v1\r\n\r\n") != NULL) ==
		    cases[i].sent_by_server);
		body = strstr(x.out.data, "\r\n\r\n");
		CHECK_STR(cases[i].line, body != NULL ? body + 4 : NULL, cases[i].body);
		finish(&x);
	}
	if (f != NULL)
		fclose(f);
}

int main(void)
{
	test_page_default();
	test_page_embed();
	test_page_head_and_html_by_type();
	test_page_bad_policies();
	test_redirect();
	test_redirect_refused();
	test_download_cases();
	test_download_unsatisfiable();
	test_download_bare();
	test_download_refused();
	test_download_reader_fails();
	test_download_large_stream();
	test_download_file();
	return check_done("test_response_http");
}
