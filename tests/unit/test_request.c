/*
 * test_request: a request built from a fake CGI environment and a body
 * read from memory: the path, headers, query, cookies, media type, the
 * body's bounds and the response headers it collects.
 */
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "ids.h"
#include "request.h"

#define MAX_ENV 10

/* A body in memory, handed out at most chunk bytes per read (0: any). */
struct mem {
	const char *p;
	size_t len, off, chunk;
	int fail; /* the read after the last byte fails instead of ending */
};

static long mem_read(void *ctx, char *p, size_t n)
{
	struct mem *m = ctx;

	if (m->off == m->len)
		return m->fail ? -1 : 0;
	if (n > m->len - m->off)
		n = m->len - m->off;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	memcpy(p, m->p + m->off, n);
	m->off += n;
	return (long)n;
}

static int mem_write(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* request_init takes the environment the way environ holds it. */
static void fill_env(char *out[MAX_ENV + 1], const char *const in[MAX_ENV])
{
	size_t i;

	for (i = 0; i < MAX_ENV && in[i] != NULL; i++)
		out[i] = (char *)in[i];
	out[i] = NULL;
}

static int init(struct request *r, char *env[MAX_ENV + 1], const char *const vars[MAX_ENV],
    struct mem *m)
{
	struct io io = { mem_read, mem_write, m };

	fill_env(env, vars);
	return request_init(r, NULL, env, io);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *env[MAX_ENV];
	const char *method; /* on success */
	const char *path;
	const char *query;
} init_cases[] = {
	{ __LINE__, 0, "REQUEST_URI up to '?'",
	  { "REQUEST_METHOD=GET", "REQUEST_URI=/a/b?x=1", "QUERY_STRING=x=1" },
	  "GET", "/a/b", "x=1" },
	{ __LINE__, 0, "the path stays percent-encoded",
	  { "REQUEST_METHOD=GET", "REQUEST_URI=/a%20b" }, "GET", "/a%20b", "" },
	{ __LINE__, 0, "empty query after '?'",
	  { "REQUEST_METHOD=GET", "REQUEST_URI=/?", "QUERY_STRING=" }, "GET", "/", "" },
	{ __LINE__, 0, "REQUEST_URI beats SCRIPT_NAME + PATH_INFO",
	  { "REQUEST_METHOD=POST", "SCRIPT_NAME=/s", "PATH_INFO=/p", "REQUEST_URI=/u" },
	  "POST", "/u", "" },
	{ __LINE__, 0, "no REQUEST_URI: SCRIPT_NAME + PATH_INFO",
	  { "REQUEST_METHOD=GET", "SCRIPT_NAME=/api", "PATH_INFO=/v1/x" }, "GET", "/api/v1/x", "" },
	{ __LINE__, 0, "REQUEST_URI not a path: the fallback",
	  { "REQUEST_METHOD=OPTIONS", "REQUEST_URI=*", "SCRIPT_NAME=/s" }, "OPTIONS", "/s", "" },
	{ __LINE__, 0, "PATH_INFO alone",
	  { "REQUEST_METHOD=GET", "PATH_INFO=/p" }, "GET", "/p", "" },
	{ __LINE__, 0, "a variable named like a prefix is not matched",
	  { "REQUEST_METHODX=PUT", "REQUEST_METHOD=DELETE", "REQUEST_URI=/" }, "DELETE", "/", "" },
	{ __LINE__, ERR_INVAL, "no path at all", { "REQUEST_METHOD=GET" }, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "a relative path",
	  { "REQUEST_METHOD=GET", "SCRIPT_NAME=s" }, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "no method", { "REQUEST_URI=/" }, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "empty method", { "REQUEST_METHOD=", "REQUEST_URI=/" },
	  NULL, NULL, NULL },
};

static void test_init(void)
{
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };

	for (size_t i = 0; i < sizeof init_cases / sizeof init_cases[0]; i++) {
		int line = init_cases[i].line;

		CHECK_AT(line, init(&r, env, init_cases[i].env, &m) == init_cases[i].rc);
		CHECK_AT(line, ids_is_uuid4(r.id, strlen(r.id)));
		/* A failed init can still be answered. */
		CHECK_AT(line, r.method != NULL && r.query != NULL);
		if (init_cases[i].rc == 0) {
			CHECK_STR(line, r.path.data, init_cases[i].path);
			CHECK_STR(line, r.query, init_cases[i].query);
			CHECK_STR(line, r.method, init_cases[i].method);
		}
		request_free(&r);
	}
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *var;  /* "REQUEST_URI=" or "PATH_INFO=" */
	size_t len;       /* bytes of path */
} path_cases[] = {
	{ __LINE__, 0, "REQUEST_URI at REQUEST_MAX_PATH", "REQUEST_URI=", REQUEST_MAX_PATH },
	{ __LINE__, ERR_INVAL, "REQUEST_URI one past", "REQUEST_URI=", REQUEST_MAX_PATH + 1 },
	{ __LINE__, 0, "PATH_INFO at REQUEST_MAX_PATH", "PATH_INFO=", REQUEST_MAX_PATH },
	{ __LINE__, ERR_INVAL, "PATH_INFO one past", "PATH_INFO=", REQUEST_MAX_PATH + 1 },
};

/* "NAME=/aaa...": a path of len bytes. */
static int long_path(struct buf *b, const char *name_eq, size_t len)
{
	int rc = buf_puts(b, name_eq);

	if (rc == 0)
		rc = buf_putc(b, '/');
	for (size_t k = 1; k < len && rc == 0; k++)
		rc = buf_putc(b, 'a');
	return rc;
}

static void test_path_bound(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=GET" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };
	struct buf var;

	for (size_t i = 0; i < sizeof path_cases / sizeof path_cases[0]; i++) {
		int line = path_cases[i].line;

		buf_init(&var, 0);
		CHECK_AT(line, long_path(&var, path_cases[i].var, path_cases[i].len) == 0);
		vars[1] = var.data;
		CHECK_AT(line, init(&r, env, vars, &m) == path_cases[i].rc);
		if (path_cases[i].rc == 0)
			CHECK_AT(line, r.path.len == path_cases[i].len);
		request_free(&r);
		buf_free(&var);
	}
}

static const char *const header_env[MAX_ENV] = {
	"REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_X_SESSION_IDX=wrong",
	"HTTP_X_SESSION_ID=abc", "CONTENT_TYPE=application/json", "CONTENT_LENGTH=12",
	"HTTP_COOKIE=a=1", "HTTP_ACCEPT=", "REMOTE_ADDR=192.0.2.1",
};

static const struct {
	int line;
	const char *desc;
	const char *name;
	const char *want; /* NULL: absent */
} header_cases[] = {
	{ __LINE__, "dashes become underscores", "x-session-id", "abc" },
	{ __LINE__, "any case", "X-Session-Id", "abc" },
	{ __LINE__, "Content-Type has no HTTP_ prefix", "content-type", "application/json" },
	{ __LINE__, "Content-Length has no HTTP_ prefix", "Content-Length", "12" },
	{ __LINE__, "cookie", "cookie", "a=1" },
	{ __LINE__, "empty but present", "accept", "" },
	{ __LINE__, "a prefix of a header", "x-session", NULL },
	{ __LINE__, "absent", "x-missing", NULL },
	{ __LINE__, "not a header", "remote-addr", NULL },
	{ __LINE__, "longer than any variable",
	  "x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
};

static void test_headers(void)
{
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };
	const char *got;

	CHECK(init(&r, env, header_env, &m) == 0);
	for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
		int line = header_cases[i].line;

		got = request_header(&r, header_cases[i].name);
		if (header_cases[i].want != NULL)
			CHECK_STR(line, got, header_cases[i].want);
		else
			CHECK_AT(line, got == NULL);
	}
	CHECK_STR(__LINE__, request_env(&r, "REMOTE_ADDR"), "192.0.2.1");
	CHECK(request_env(&r, "REMOTE") == NULL);
	CHECK(request_env(&r, "HTTP_X_SESSION_ID") == request_header(&r, "x-session-id"));
	request_free(&r);
}

static const struct {
	int line;
	int err;
	const char *desc;
	const char *env_query; /* "QUERY_STRING=..." or NULL */
	const char *name;
	const char *want;
} query_cases[] = {
	{ __LINE__, 0, "decoded", "QUERY_STRING=a=1&b=x%20y+z", "b", "x y z" },
	{ __LINE__, 0, "absent name", "QUERY_STRING=a=1", "z", NULL },
	{ __LINE__, 0, "first of two", "QUERY_STRING=a=1&a=2", "a", "1" },
	{ __LINE__, 0, "no query string", NULL, "a", NULL },
	{ __LINE__, ERR_INVAL, "bad escape", "QUERY_STRING=a=1&b=%zz", "a", NULL },
	{ __LINE__, ERR_INVAL, "decoded NUL", "QUERY_STRING=a=%00", "a", NULL },
};

static void test_query(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=GET", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };
	const char *got;
	int err;

	for (size_t i = 0; i < sizeof query_cases / sizeof query_cases[0]; i++) {
		int line = query_cases[i].line;

		vars[2] = query_cases[i].env_query;
		CHECK_AT(line, init(&r, env, vars, &m) == 0);
		/* Twice: the parse happens once, its outcome stays. */
		for (int k = 0; k < 2; k++) {
			err = 12345;
			got = request_query(&r, query_cases[i].name, &err);
			CHECK_AT(line, err == query_cases[i].err);
			if (query_cases[i].want != NULL)
				CHECK_STR(line, got, query_cases[i].want);
			else
				CHECK_AT(line, got == NULL);
		}
		CHECK_AT(line, request_query(&r, query_cases[i].name, NULL) == got);
		request_free(&r);
	}
}

#define C10 "a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9; j=10; "
#define C70 C10 C10 C10 C10 C10 C10 C10

static const struct {
	int line;
	const char *desc;
	const char *env_cookie; /* "HTTP_COOKIE=..." or NULL */
	const char *name;
	const char *want;
} cookie_cases[] = {
	{ __LINE__, "second cookie", "HTTP_COOKIE=sid=abc; theme=dark", "theme", "dark" },
	{ __LINE__, "quotes stripped", "HTTP_COOKIE=sid=\"abc\"", "sid", "abc" },
	{ __LINE__, "first of two", "HTTP_COOKIE=sid=1; sid=2", "sid", "1" },
	{ __LINE__, "not decoded", "HTTP_COOKIE=sid=a%20b", "sid", "a%20b" },
	{ __LINE__, "no Cookie header", NULL, "sid", NULL },
	{ __LINE__, "malformed pair skipped", "HTTP_COOKIE=junk; sid=x", "sid", "x" },
	{ __LINE__, "behind 70 others", "HTTP_COOKIE=" C70 "sid=x", "sid", "x" },
};

/* *several of each cookie_cases entry's name. */
static int several_of(const char *env_cookie)
{
	return env_cookie != NULL && strstr(env_cookie, "sid=1; sid=2") != NULL;
}

static void test_cookies(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=GET", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };

	for (size_t i = 0; i < sizeof cookie_cases / sizeof cookie_cases[0]; i++) {
		int line = cookie_cases[i].line;

		vars[2] = cookie_cases[i].env_cookie;
		CHECK_AT(line, init(&r, env, vars, &m) == 0);
		for (int k = 0; k < 2; k++) {
			int several = -1;
			const char *v = request_cookie(&r, cookie_cases[i].name, &several);

			if (cookie_cases[i].want != NULL)
				CHECK_STR(line, v, cookie_cases[i].want);
			else
				CHECK_AT(line, v == NULL);
			CHECK_AT(line, several == several_of(cookie_cases[i].env_cookie));
		}
		request_free(&r);
	}
}

static const struct {
	int line;
	int want;
	const char *desc;
	const char *env_type; /* "CONTENT_TYPE=..." or NULL */
	const char *mime;
} type_cases[] = {
	{ __LINE__, 1, "exact", "CONTENT_TYPE=application/json", "application/json" },
	{ __LINE__, 1, "with a parameter", "CONTENT_TYPE=application/json; charset=utf-8",
	  "application/json" },
	{ __LINE__, 1, "parameter without a space", "CONTENT_TYPE=application/json;charset=utf-8",
	  "application/json" },
	{ __LINE__, 1, "any case", "CONTENT_TYPE=Application/JSON", "application/json" },
	{ __LINE__, 1, "white space around", "CONTENT_TYPE= \tapplication/json \t",
	  "application/json" },
	{ __LINE__, 1, "space before the parameter", "CONTENT_TYPE=application/json ;charset=utf-8",
	  "application/json" },
	{ __LINE__, 0, "a longer type", "CONTENT_TYPE=application/jsonp", "application/json" },
	{ __LINE__, 0, "a suffix type", "CONTENT_TYPE=application/json-seq", "application/json" },
	{ __LINE__, 0, "a shorter type", "CONTENT_TYPE=application/js", "application/json" },
	{ __LINE__, 0, "another type", "CONTENT_TYPE=text/plain", "application/json" },
	{ __LINE__, 0, "empty", "CONTENT_TYPE=", "application/json" },
	{ __LINE__, 0, "absent", NULL, "application/json" },
	{ __LINE__, 0, "only a parameter", "CONTENT_TYPE=;application/json", "application/json" },
};

static void test_content_type(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=POST", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };

	for (size_t i = 0; i < sizeof type_cases / sizeof type_cases[0]; i++) {
		int line = type_cases[i].line;

		vars[2] = type_cases[i].env_type;
		CHECK_AT(line, init(&r, env, vars, &m) == 0);
		CHECK_AT(line, request_content_type_is(&r, type_cases[i].mime) == type_cases[i].want);
		request_free(&r);
	}
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *env_length; /* "CONTENT_LENGTH=..." or NULL */
	const char *body;       /* what the stream holds */
	size_t max;
	size_t chunk;
	int fail;
	const char *want;       /* r->body on success */
	size_t consumed;        /* bytes taken from the stream; SIZE_MAX: any */
} body_cases[] = {
	{ __LINE__, 0, "exact CONTENT_LENGTH", "CONTENT_LENGTH=5", "hello", 10, 0, 0, "hello", 5 },
	{ __LINE__, 0, "no more than CONTENT_LENGTH", "CONTENT_LENGTH=5", "hello world", 10, 0, 0,
	  "hello", 5 },
	{ __LINE__, 0, "CONTENT_LENGTH at max", "CONTENT_LENGTH=10", "0123456789", 10, 0, 0,
	  "0123456789", 10 },
	{ __LINE__, 0, "one byte per read", "CONTENT_LENGTH=5", "hello", 10, 1, 0, "hello", 5 },
	{ __LINE__, 0, "CONTENT_LENGTH 0", "CONTENT_LENGTH=0", "ignored", 10, 0, 0, "", 0 },
	{ __LINE__, ERR_TOOBIG, "CONTENT_LENGTH over max reads nothing", "CONTENT_LENGTH=11",
	  "01234567890", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_TOOBIG, "LONG_MAX CONTENT_LENGTH", "CONTENT_LENGTH=9223372036854775807",
	  "x", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_IO, "stream shorter than CONTENT_LENGTH", "CONTENT_LENGTH=10", "short",
	  10, 0, 0, NULL, 5 },
	{ __LINE__, ERR_IO, "empty stream", "CONTENT_LENGTH=1", "", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_IO, "stream error", "CONTENT_LENGTH=5", "he", 10, 0, 1, NULL, 2 },
	{ __LINE__, 0, "no CONTENT_LENGTH: to EOF", NULL, "hello", 10, 0, 0, "hello", 5 },
	{ __LINE__, 0, "empty CONTENT_LENGTH: to EOF", "CONTENT_LENGTH=", "hello", 10, 0, 0,
	  "hello", 5 },
	{ __LINE__, 0, "no CONTENT_LENGTH, empty stream", NULL, "", 10, 0, 0, "", 0 },
	{ __LINE__, 0, "no CONTENT_LENGTH, at max", NULL, "0123456789", 10, 2, 0, "0123456789", 10 },
	{ __LINE__, ERR_TOOBIG, "no CONTENT_LENGTH, over max", NULL, "01234567890", 10, 0, 0,
	  NULL, SIZE_MAX },
	{ __LINE__, ERR_TOOBIG, "no CONTENT_LENGTH, over max in small reads", NULL,
	  "0123456789abcdef", 10, 3, 0, NULL, SIZE_MAX },
	{ __LINE__, ERR_IO, "no CONTENT_LENGTH, stream error", NULL, "he", 10, 0, 1, NULL, 2 },
	{ __LINE__, ERR_INVAL, "letters", "CONTENT_LENGTH=abc", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "negative", "CONTENT_LENGTH=-1", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "plus sign", "CONTENT_LENGTH=+3", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "leading space", "CONTENT_LENGTH= 3", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "trailing space", "CONTENT_LENGTH=3 ", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "hex", "CONTENT_LENGTH=0x3", "abc", 10, 0, 0, NULL, 0 },
	{ __LINE__, ERR_INVAL, "overflowing", "CONTENT_LENGTH=99999999999999999999", "abc", 10,
	  0, 0, NULL, 0 },
};

static void test_body(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=POST", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m;

	for (size_t i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
		int line = body_cases[i].line;
		const char *want = body_cases[i].want;

		m = (struct mem){ body_cases[i].body, strlen(body_cases[i].body), 0,
		    body_cases[i].chunk, body_cases[i].fail };
		vars[2] = body_cases[i].env_length;
		CHECK_AT(line, init(&r, env, vars, &m) == 0);
		CHECK_AT(line, request_read_body(&r, body_cases[i].max) == body_cases[i].rc);
		if (want != NULL)
			CHECK_AT(line, r.body.len == strlen(want) &&
			    (r.body.len == 0 || memcmp(r.body.data, want, r.body.len) == 0));
		if (body_cases[i].consumed != SIZE_MAX)
			CHECK_AT(line, m.off == body_cases[i].consumed);
		CHECK_AT(line, r.body.len <= body_cases[i].max);
		request_free(&r);
	}
}

/* A body larger than one read of the request's own buffer. */
static void test_large_body(void)
{
	enum { LEN = 100000 };
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=100000" };
	char *env[MAX_ENV + 1], *body = malloc(LEN);
	struct request r;
	struct mem m = { body, LEN, 0, 0, 0 };

	CHECK(body != NULL);
	if (body == NULL)
		return;
	for (size_t i = 0; i < LEN; i++)
		body[i] = (char)('a' + i % 26);
	CHECK(init(&r, env, vars, &m) == 0);
	CHECK(request_read_body(&r, LEN) == 0);
	CHECK(r.body.len == LEN && memcmp(r.body.data, body, LEN) == 0);
	request_free(&r);
	free(body);
}

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *name, *value;
	const char *want; /* out_headers afterwards */
} add_cases[] = {
	{ __LINE__, 0, "a header", "X-A", "1", "X-A: 1\r\n" },
	{ __LINE__, 0, "an empty value", "Retry-After", "", "Retry-After: \r\n" },
	{ __LINE__, ERR_INVAL, "CRLF in the value", "X-A", "a\r\nSet-Cookie: x=1", "" },
	{ __LINE__, ERR_INVAL, "LF in the value", "X-A", "a\nb", "" },
	{ __LINE__, ERR_INVAL, "CR in the value", "X-A", "a\rb", "" },
	{ __LINE__, ERR_INVAL, "CRLF in the name", "X\r\nA", "1", "" },
	{ __LINE__, ERR_INVAL, "colon in the name", "X:A", "1", "" },
};

static void test_add_header(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=GET", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1];
	struct request r;
	struct mem m = { .p = "" };

	for (size_t i = 0; i < sizeof add_cases / sizeof add_cases[0]; i++) {
		int line = add_cases[i].line;

		CHECK_AT(line, init(&r, env, vars, &m) == 0);
		CHECK_AT(line, request_add_header(&r, add_cases[i].name, add_cases[i].value) ==
		    add_cases[i].rc);
		CHECK_STR(line, r.out_headers.data ? r.out_headers.data : "", add_cases[i].want);
		request_free(&r);
	}
}

/* Past REQUEST_MAX_OUT_HEADERS the header is refused whole: no half line. */
static void test_header_cap(void)
{
	const char *vars[MAX_ENV] = { "REQUEST_METHOD=GET", "REQUEST_URI=/" };
	char *env[MAX_ENV + 1], value[100];
	struct request r;
	struct mem m = { .p = "" };
	size_t before = 0;
	int rc = 0, added = 0;

	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	CHECK(init(&r, env, vars, &m) == 0);
	while (rc == 0 && added < 1000) {
		before = r.out_headers.len;
		if ((rc = request_add_header(&r, "X-Filler", value)) == 0)
			added++;
	}
	CHECK(rc == ERR_TOOBIG);
	CHECK(added == REQUEST_MAX_OUT_HEADERS / (int)(sizeof "X-Filler: \r\n" - 1 + sizeof value - 1));
	CHECK(r.out_headers.len == before);
	CHECK(r.out_headers.len >= 2 && memcmp(r.out_headers.data + r.out_headers.len - 2,
	    "\r\n", 2) == 0 && strlen(r.out_headers.data) == r.out_headers.len);
	CHECK(request_add_header(&r, "A", "b") == 0);
	request_free(&r);
}

int main(void)
{
	test_init();
	test_path_bound();
	test_headers();
	test_query();
	test_cookies();
	test_content_type();
	test_body();
	test_large_body();
	test_add_header();
	test_header_cap();
	return check_done("test_request");
}
