/*
 * fuzz_request: the whole path of one request. The input is split at its
 * first six newlines into REQUEST_METHOD, REQUEST_URI, QUERY_STRING,
 * CONTENT_TYPE, CONTENT_LENGTH and HTTP_COOKIE (an empty field leaves the
 * variable out; a value ends at a NUL, as in a real environment); the rest
 * is the body. The request is answered the way server.c answers it, and
 * the one answer written must be a complete CGI response whose length
 * matches Content-Length and whose JSON parses.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "buf.h"
#include "config.h"
#include "dispatch.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "numparse.h"
#include "request.h"
#include "response.h"
#include "route.h"
#include "utf8.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const var_names[] = {
	"REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "CONTENT_TYPE",
	"CONTENT_LENGTH", "HTTP_COOKIE",
};
#define NVARS (sizeof var_names / sizeof var_names[0])

/* The request's stream: the body in, the answer out. */
struct exchange {
	const char *body;
	size_t len, off;
	int head;    /* a HEAD answer carries no body */
	int answers; /* writes seen */
};

static struct app app;
static char data_dir[4096];

static void must(int cond)
{
	if (!cond)
		abort();
}

static long exchange_read(void *ctx, char *p, size_t n)
{
	struct exchange *ex = ctx;

	if (n > ex->len - ex->off)
		n = ex->len - ex->off;
	memcpy(p, ex->body + ex->off, n);
	ex->off += n;
	return (long)n;
}

/* The Content-Length value in the header block hdr[0..n), or -1. */
static long content_length(const char *hdr, size_t n)
{
	static const char name[] = "\r\nContent-Length: ";
	const char *v = memmem(hdr, n, name, sizeof name - 1), *end;
	long len;

	if (v == NULL)
		return -1;
	v += sizeof name - 1;
	if ((end = memchr(v, '\r', n - (size_t)(v - hdr))) == NULL ||
	    numparse_long(v, (size_t)(end - v), 0, LONG_MAX, &len) < 0)
		return -1;
	return len;
}

static int exchange_write(void *ctx, const char *p, size_t n)
{
	static const char json_type[] = "\r\nContent-Type: application/json";
	struct exchange *ex = ctx;
	const char *end = memmem(p, n, "\r\n\r\n", 4), *body;
	size_t hlen, blen;
	cJSON *v = NULL;

	ex->answers++;
	must(n > 8 && memcmp(p, "Status: ", 8) == 0 && end != NULL);
	hlen = (size_t)(end - p) + 2;
	body = end + 4;
	blen = n - (size_t)(body - p);
	must(content_length(p, hlen) >= 0);
	if (ex->head) {
		must(blen == 0);
		return 0;
	}
	must((size_t)content_length(p, hlen) == blen);
	if (memmem(p, hlen, json_type, sizeof json_type - 1) != NULL) {
		must(json_parse(body, blen, &v) == 0);
		cJSON_Delete(v);
	}
	return 0;
}

/* Adds s under name when present; a validator's job, done crudely:
 * only valid UTF-8 goes into an answer. */
static int add_text(cJSON *obj, const char *name, const char *s)
{
	if (s == NULL)
		return 0;
	if (utf8_count(s, strlen(s)) < 0)
		return ERR_INVAL;
	return cJSON_AddStringToObject(obj, name, s) != NULL ? 0 : ERR_NOMEM;
}

static int get_item(struct request *r)
{
	cJSON *data = cJSON_CreateObject();
	int rc = data != NULL ? add_text(data, "id", r->captures[0]) : ERR_NOMEM;

	if (rc < 0) {
		cJSON_Delete(data);
		return rc;
	}
	return response_ok(r, 200, data);
}

static int post_note(struct request *r)
{
	const char *tag;
	cJSON *data = NULL;
	int rc, several;

	tag = request_query(r, "tag", &rc);
	if (rc == 0 && (data = cJSON_CreateObject()) == NULL)
		rc = ERR_NOMEM;
	if (rc == 0)
		rc = add_text(data, "item", r->captures[0]);
	if (rc == 0)
		rc = add_text(data, "tag", tag);
	if (rc == 0)
		rc = add_text(data, "session", request_cookie(r, "sid", &several));
	if (rc == 0 && !cJSON_AddItemReferenceToObject(data, "note", r->json))
		rc = ERR_NOMEM;
	if (rc < 0) {
		cJSON_Delete(data);
		return rc;
	}
	return response_ok(r, 201, data);
}

struct note_form {
	char *title;
	char *tag;
	long limit;
};

static const struct vfield note_fields[] = {
	{ "title", v_text, 0, 1, 64, offsetof(struct note_form, title), 0 },
	{ "tag", v_conversation_id, 0, 0, 0, offsetof(struct note_form, tag), 0 },
	{ "limit", v_integer, 0, 1, 200, offsetof(struct note_form, limit), 0 },
};

/* Declared input, checked by dispatch: what reaches the handler passed. */
static const struct vform note_form = {
	note_fields, 3, sizeof(struct note_form), "Invalid note", NULL
};

static int get_checked(struct request *r)
{
	const struct note_form *q = r->query_values, *b = r->form_values;

	must(q == NULL || q->limit == 0 || (q->limit >= 1 && q->limit <= 200));
	must(b == NULL || b->title == NULL || utf8_count(b->title, strlen(b->title)) >= 1);
	return get_item(r);
}

static const struct route routes[] = {
	{ .method = "GET", .pattern = "/api/v1/items/*", .fn = get_checked, .query = &note_form },
	{ .method = "POST", .pattern = "/api/v1/items/*/notes", .fn = post_note, .body = BODY_JSON,
	  .max_body = 4096 },
	{ .method = "POST", .pattern = "/api/v1/notes", .fn = post_note, .body = BODY_JSON },
	{ .method = "PUT", .pattern = "/api/v1/items/*", .fn = get_checked, .body = BODY_JSON,
	  .form = &note_form, .query = &note_form },
	{ .method = "POST", .pattern = "/api/v1/files", .fn = get_checked, .body = BODY_MULTIPART,
	  .max_body = 4096 },
};

static const char *lookup(const char *name)
{
	return strcmp(name, "CHATS3_DATA_DIR") == 0 ? data_dir : NULL;
}

static void free_app(void)
{
	app_free(&app);
	rmdir(data_dir);
}

static void load_app(void)
{
	char err[CONFIG_ERR_LEN];
	const char *dir = getenv("TMPDIR");
	int n;

	n = snprintf(data_dir, sizeof data_dir, "%s/fuzz_request.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : P_tmpdir);
	must(n > 0 && (size_t)n < sizeof data_dir && mkdtemp(data_dir) != NULL);
	app.state = NULL;
	if (config_load_from(&app.cfg, lookup, err) < 0) {
		fprintf(stderr, "fuzz_request: configuration: %s\n", err);
		abort();
	}
	must(atexit(free_app) == 0);
}

/* Splits the input into "NAME=value" strings in vars (NULL-ended in env)
 * and returns where the body starts. */
static size_t split(const char *p, size_t n, struct buf vars[NVARS], char *env[NVARS + 1])
{
	const char *nl;
	size_t off = 0, len, k = 0;

	for (size_t i = 0; i < NVARS && off < n; i++) {
		nl = memchr(p + off, '\n', n - off);
		len = (nl ? (size_t)(nl - p) : n) - off;
		if (len > 0) {
			must(buf_puts(&vars[i], var_names[i]) == 0 && buf_putc(&vars[i], '=') == 0 &&
			    buf_append(&vars[i], p + off, len) == 0);
			env[k++] = vars[i].data;
		}
		off += len + (nl != NULL);
	}
	env[k] = NULL;
	return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf vars[NVARS];
	char *env[NVARS + 1];
	struct exchange ex = { NULL, 0, 0, 0, 0 };
	struct io io = { exchange_read, exchange_write, &ex };
	struct request r;
	size_t body;
	int rc;

	if (app.cfg.data_dir == NULL)
		load_app();
	for (size_t i = 0; i < NVARS; i++)
		buf_init(&vars[i], 0);
	body = split((const char *)data, size, vars, env);
	ex.body = (const char *)data + body;
	ex.len = size - body;
	rc = request_init(&r, &app, env, io);
	ex.head = strcmp(r.method, "HEAD") == 0;
	if (rc < 0) {
		emit_error(&r, 400, "Malformed request", NULL);
		log_request(&r);
	} else {
		dispatch(&r, routes, sizeof routes / sizeof routes[0]);
	}
	must(r.answered && ex.answers == 1);
	request_free(&r);
	for (size_t i = 0; i < NVARS; i++)
		buf_free(&vars[i]);
	return 0;
}
