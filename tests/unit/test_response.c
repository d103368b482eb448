/*
 * test_response: the one writer of answers and dispatch's error paths, seen
 * as the web server sees them (the bytes written to the io), and the log
 * line as the operator sees it (standard error).
 */
#include <stddef.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "check.h"
#include "dispatch.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "stderr.h"
#include "validate.h"

struct mem {
	struct buf out;
	const char *in;
	size_t in_len, in_off;
};

static long mem_read(void *ctx, char *p, size_t n)
{
	struct mem *m = ctx;
	size_t left = m->in_len - m->in_off;

	if (n > left)
		n = left;
	memcpy(p, m->in + m->in_off, n);
	m->in_off += n;
	return (long)n;
}

static int mem_write(void *ctx, const char *p, size_t n)
{
	return buf_append(&((struct mem *)ctx)->out, p, n) < 0 ? -1 : 0;
}

static struct app app;

/* Runs one request through dispatch; returns the bytes the server got. */
static char *run(char **env, const char *body, const struct route *routes, size_t n)
{
	struct mem m = { .in = body ? body : "", .in_len = body ? strlen(body) : 0 };
	struct io io = { mem_read, mem_write, &m };
	struct request r;

	buf_init(&m.out, 0);
	if (request_init(&r, &app, env, io) == 0)
		dispatch(&r, routes, n);
	request_free(&r);
	return buf_detach(&m.out);
}

static cJSON *body_json(const char *answer)
{
	const char *b = strstr(answer, "\r\n\r\n");

	return b ? cJSON_Parse(b + 4) : NULL;
}

static int fail_internal(struct request *r)
{
	(void)r;
	return ERR_INTERNAL;
}

static int answer_nothing(struct request *r)
{
	(void)r;
	return 0;
}

static int unavailable(struct request *r)
{
	(void)r;
	return ERR_UNAVAILABLE;
}

static int echo(struct request *r)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddItemToObject(d, "got", r->json);
	r->json = NULL;
	return response_ok(r, 201, d);
}

static int show_capture(struct request *r)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "id", r->captures[0]);
	return response_ok(r, 200, d);
}

static int busy(struct request *r)
{
	(void)r;
	return ERR_BUSY;
}

struct form {
	char *name;
	long limit;
};

static const struct vfield form_fields[] = {
	{ "name", v_text, 1, 1, 8, offsetof(struct form, name), 0 },
	{ "limit", v_integer, 0, 1, 10, offsetof(struct form, limit), 0 },
};

static const char *not_both(const void *values, const char **field)
{
	const struct form *f = values;

	*field = "limit";
	return f->limit == 7 ? "must not be 7" : NULL;
}

static const struct vform form = { form_fields, 2, sizeof(struct form), "Invalid thing", not_both };

/* {"name", "limit"} of the checked query and body forms. */
static int show_form(struct request *r)
{
	const struct form *q = r->query_values, *b = r->form_values;
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "query", q ? q->name : "-");
	cJSON_AddStringToObject(d, "body", b ? b->name : "-");
	cJSON_AddNumberToObject(d, "limit", q ? (double)q->limit : -1);
	return response_ok(r, 200, d);
}

static const struct route routes[] = {
	{ .method = "GET", .pattern = "/boom", .fn = fail_internal },
	{ .method = "GET", .pattern = "/busy", .fn = busy },
	{ .method = "GET", .pattern = "/form", .fn = show_form, .query = &form },
	{ .method = "POST", .pattern = "/form", .fn = show_form, .body = BODY_JSON, .form = &form },
	{ .method = "POST", .pattern = "/upload", .fn = show_form, .body = BODY_MULTIPART,
	  .max_body = 1000 },
	{ .method = "POST", .pattern = "/raw", .fn = show_form, .body = BODY_RAW, .max_body = 4 },
	{ .method = "GET", .pattern = "/silent", .fn = answer_nothing },
	{ .method = "GET", .pattern = "/down", .fn = unavailable },
	{ .method = "POST", .pattern = "/echo", .fn = echo, .body = BODY_JSON },
	{ .method = "DELETE", .pattern = "/things/*", .fn = show_capture },
	{ .method = "GET", .pattern = "/things/*", .fn = show_capture },
};
#define NROUTES (sizeof routes / sizeof routes[0])

struct run_args {
	char **env;
	const char *body;
	char *answer;
};

static void run_routes(void *ctx)
{
	struct run_args *a = ctx;

	a->answer = run(a->env, a->body, routes, NROUTES);
}

/* Everything written to stderr while the request of env runs. */
static char *stderr_of(char **env, const char *body, char **answer)
{
	struct run_args a = { env, body, NULL };
	char *text = stderr_capture(run_routes, &a);

	*answer = a.answer;
	return text;
}

static void test_internal_error_hides_detail_and_logs_it(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/boom", NULL }, *answer;
	char *log = stderr_of(env, NULL, &answer);
	cJSON *doc = body_json(answer);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "meta"), "requestId"));
	char want[128];

	CHECK(strncmp(answer, "Status: 500 ", 12) == 0);
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "message")),
	    "Internal server error");
	CHECK(strstr(answer, "ERR_INTERNAL") == NULL && strstr(answer, "/boom\"") == NULL);
	CHECK(id != NULL && strstr(log, id) != NULL);
	CHECK(strstr(log, "level=error msg=\"ERR_INTERNAL: /boom\"") != NULL);
	snprintf(want, sizeof want, "id=%s method=\"GET\" path=\"/boom\" status=500 us=",
	    id ? id : "?");
	CHECK(strstr(log, want) != NULL);
	cJSON_Delete(doc);
	free(answer);
	free(log);
}

static void test_handler_that_does_not_answer_gets_500(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/silent", NULL }, *answer;
	char *log = stderr_of(env, NULL, &answer);

	CHECK(strncmp(answer, "Status: 500 ", 12) == 0);
	CHECK(strstr(log, "without answering") != NULL);
	free(answer);
	free(log);
}

/* Answers that must carry a header: (line, status, header line, env). */
static void test_headers_of_answers(void)
{
	static const struct {
		int line;
		const char *status;
		const char *header;
		const char *env[3];
	} cases[] = {
		{ __LINE__, "Status: 503 ", "\r\nRetry-After: 5\r\n",
		  { "REQUEST_METHOD=GET", "REQUEST_URI=/down" } },
		/* a racing twin is told when to come back */
		{ __LINE__, "Status: 409 ", "\r\nRetry-After: 1\r\n",
		  { "REQUEST_METHOD=GET", "REQUEST_URI=/busy" } },
		{ __LINE__, "Status: 405 ", "\r\nAllow: DELETE, GET, HEAD\r\n",
		  { "REQUEST_METHOD=POST", "REQUEST_URI=/things/7" } },
	};
	char *answer, *log;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		log = stderr_of((char **)cases[i].env, NULL, &answer);
		CHECK_AT(cases[i].line, strncmp(answer, cases[i].status, strlen(cases[i].status)) == 0);
		CHECK_AT(cases[i].line, strstr(answer, cases[i].header) != NULL);
		free(answer);
		free(log);
	}
}

/* The web server's own 503 (its proxy found no relay), handed over as an
 * error document: the envelope with that status, the original path logged. */
static void test_error_document_answers_the_servers_status(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/v1/signaling",
		"REDIRECT_STATUS=503", NULL }, *answer;
	char *log = stderr_of(env, NULL, &answer);
	cJSON *doc = body_json(answer);

	CHECK(strncmp(answer, "Status: 503 ", 12) == 0);
	CHECK(strstr(answer, "\r\nRetry-After: 5\r\n") != NULL);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(doc, "success")));
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "message")),
	    "Service temporarily unavailable");
	CHECK(strstr(log, "path=\"/api/v1/signaling\" status=503 ") != NULL);
	cJSON_Delete(doc);
	free(answer);
	free(log);
}

static void test_envelope_and_headers(void)
{
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/echo?x=1",
		"CONTENT_TYPE=application/json", "CONTENT_LENGTH=9", NULL }, *answer;
	char *log = stderr_of(env, "{\"a\":[1]}", &answer);
	cJSON *doc = body_json(answer), *meta = cJSON_GetObjectItem(doc, "meta");
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(meta, "requestId"));
	char hdr[80];

	CHECK(strncmp(answer, "Status: 201 Created\r\n", 21) == 0);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(doc, "success")));
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "data"), "got"), "a")) == 1);
	snprintf(hdr, sizeof hdr, "\r\nX-Request-Id: %s\r\n", id ? id : "?");
	CHECK(strstr(answer, hdr) != NULL);
	CHECK(strstr(answer, "\r\nX-Content-Type-Options: nosniff\r\n") != NULL);
	CHECK(strstr(answer, "\r\nCache-Control: no-store\r\n") != NULL);
	CHECK(strstr(answer, "\r\nReferrer-Policy: ") != NULL);
	CHECK(cJSON_GetStringValue(cJSON_GetObjectItem(meta, "timestamp")) != NULL);
	cJSON_Delete(doc);
	free(answer);
	free(log);
}

static void test_dispatch_statuses(void)
{
	static const struct {
		int line;
		const char *status;
		const char *env[6];
		const char *body;
	} cases[] = {
		{ __LINE__, "Status: 404 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/nope" }, NULL },
		{ __LINE__, "Status: 405 ", { "REQUEST_METHOD=PUT", "REQUEST_URI=/things/1" }, NULL },
		{ __LINE__, "Status: 415 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/echo",
		    "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=2" }, "{}" },
		{ __LINE__, "Status: 413 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/echo",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=99999999" }, "{}" },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/echo",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2" }, "{]" },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/echo",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=5" }, "{}" },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/things/%zz" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=HEAD", "REQUEST_URI=/things/a%20b" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/form",
		    "QUERY_STRING=name=x&limit=2" }, NULL },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/form",
		    "QUERY_STRING=limit=2" }, NULL },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/form",
		    "QUERY_STRING=name=x&limit=7" }, NULL },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/form",
		    "QUERY_STRING=name=%zz" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/form",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=12" }, "{\"name\":\"x\"}" },
		{ __LINE__, "Status: 400 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/form",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=10" }, "{\"name\":1}" },
		{ __LINE__, "Status: 415 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/upload",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2" }, "{}" },
		{ __LINE__, "Status: 413 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/upload",
		    "CONTENT_TYPE=multipart/form-data; boundary=x", "CONTENT_LENGTH=1001" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/upload",
		    "CONTENT_TYPE=multipart/form-data; boundary=x", "CONTENT_LENGTH=1000" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/raw",
		    "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=4" }, "abcd" },
		{ __LINE__, "Status: 413 ", { "REQUEST_METHOD=POST", "REQUEST_URI=/raw",
		    "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=5" }, "abcde" },
		{ __LINE__, "Status: 409 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/busy" }, NULL },
		/* error documents: the web server's own status, whatever the path */
		{ __LINE__, "Status: 413 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/echo",
		    "REDIRECT_STATUS=413" }, NULL },
		{ __LINE__, "Status: 503 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/nope",
		    "REDIRECT_STATUS=503" }, NULL },
		{ __LINE__, "Status: 404 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/nope",
		    "REDIRECT_STATUS=200" }, NULL },
		{ __LINE__, "Status: 200 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/things/1",
		    "REDIRECT_STATUS=200" }, NULL },
		{ __LINE__, "Status: 404 ", { "REQUEST_METHOD=GET", "REQUEST_URI=/nope",
		    "REDIRECT_STATUS=4130" }, NULL },
	};
	char *answer, *log;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		log = stderr_of((char **)cases[i].env, cases[i].body, &answer);
		CHECK_AT(cases[i].line, strncmp(answer, cases[i].status, strlen(cases[i].status)) == 0);
		free(answer);
		free(log);
	}
}

/* A failed field is named in details[] with the form's own message. */
static void test_form_details(void)
{
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/form?name=x&limit=7",
		"QUERY_STRING=name=x&limit=7", NULL }, *answer;
	char *log = stderr_of(env, NULL, &answer);
	cJSON *doc = body_json(answer);
	cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "details"), 0);

	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "message")),
	    "Invalid thing");
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(d, "field")), "limit");
	cJSON_Delete(doc);
	free(answer);
	free(log);
}

static void test_capture_is_decoded_and_head_has_no_body(void)
{
	char *get[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/things/a%20b", NULL };
	char *head[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/things/a%20b", NULL };
	char *answer, *log = stderr_of(get, NULL, &answer);
	cJSON *doc = body_json(answer);

	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "data"), "id")), "a b");
	cJSON_Delete(doc);
	free(answer);
	free(log);
	log = stderr_of(head, NULL, &answer);
	CHECK(strstr(answer, "\r\n\r\n") != NULL && strstr(answer, "\r\n\r\n")[4] == '\0');
	CHECK(strstr(answer, "Content-Length: 0\r\n") == NULL);
	free(answer);
	free(log);
}

static const char *no_env(const char *name)
{
	return strcmp(name, "CHATS3_DATA_DIR") == 0 ? "/nonexistent" : NULL;
}

int main(void)
{
	char err[CONFIG_ERR_LEN];

	if (config_load_from(&app.cfg, no_env, err) < 0) {
		printf("config: %s\n", err);
		return 1;
	}
	test_internal_error_hides_detail_and_logs_it();
	test_handler_that_does_not_answer_gets_500();
	test_headers_of_answers();
	test_error_document_answers_the_servers_status();
	test_envelope_and_headers();
	test_dispatch_statuses();
	test_form_details();
	test_capture_is_decoded_and_head_has_no_body();
	app_free(&app);
	return check_done("test_response");
}
