/*
 * request: one HTTP request as the web server hands it to a FastCGI or CGI
 * program: its CGI variables, the query string and cookies decoded on
 * demand, and a body read up to a cap. Also what the response writer needs
 * to know about it (method, request id, extra headers, the status sent).
 *
 * A struct request lives for one accept; request_free releases all it owns.
 * Strings it returns stay valid until then.
 */
#ifndef CHATS3_REQUEST_H
#define CHATS3_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ids.h"
#include "kv.h"
#include "session_store.h"

struct app;
struct cJSON;
struct route;

/* Where the request's bytes come from and the response goes to. */
struct io {
	/* Reads up to n bytes; returns the count, 0 at end, -1 on error. */
	long (*read)(void *ctx, char *p, size_t n);
	/* Writes all n bytes; 0 or -1. */
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};

#define REQUEST_MAX_OUT_HEADERS 4096
#define REQUEST_MAX_CAPTURES 4
#define REQUEST_MAX_PATH 2048

struct request {
	struct app *app;
	char **env;
	struct io io;
	int64_t start_us;
	char id[UUID_STRLEN + 1];
	const char *method;
	struct buf path;        /* URL path, still percent-encoded */
	const char *query;      /* raw query string, "" when none */
	struct kvlist query_kv; /* parsed on first request_query */
	int query_parsed;
	struct kvlist cookies;  /* request_cookie's name's, parsed on its first call */
	int cookies_parsed;
	struct buf body;        /* filled by request_read_body */
	struct cJSON *json;     /* parsed JSON body, when the route wants one */
	struct session *session; /* the caller's session (auth.h), or NULL */
	struct session session_buf; /* where session points when set */
	const struct route *route; /* the route dispatch found, or NULL */
	void *query_values;     /* the route's query form, checked (dispatch owns) */
	void *form_values;      /* the route's body form, checked (dispatch owns) */
	const char *captures[REQUEST_MAX_CAPTURES]; /* decoded path parameters */
	struct buf capture_buf[REQUEST_MAX_CAPTURES];
	struct buf out_headers;  /* "Name: value\r\n" lines to add to the answer */
	int status;             /* status sent, 0 before the answer */
	long storage_reads;     /* objects the handler read (a RATE_READ route's cost) */
	int answered;
};

/* Sets up r from a CGI environment. ERR_INVAL when the request line is
 * unusable (no method, path too long), ERR_IO when no id can be made. */
int request_init(struct request *r, struct app *app, char **env, struct io io);

/* The CGI variable name ("REMOTE_ADDR"), or NULL. */
const char *request_env(const struct request *r, const char *name);

/* The request header name in lowercase-dash form ("x-session-id"), or NULL. */
const char *request_header(const struct request *r, const char *name);

/* Decoded query parameter name, or NULL. ERR_INVAL/ERR_TOOBIG in *err when
 * the query string itself is malformed (err may be NULL). */
const char *request_query(struct request *r, const char *name, int *err);

/* Every decoded query parameter into *out (valid until request_free):
 * 0, or ERR_INVAL/ERR_TOOBIG when the query string is malformed. */
int request_query_all(struct request *r, const struct kvlist **out);

/* The value of the first cookie called name, as sent (valid until
 * request_free), or NULL; *several is 1 when there are more of that name
 * (a cookie tossed in by another site of the domain: a caller may refuse
 * them). The other cookies, however many, do not count. Asking for
 * another name forgets the first name's values. */
const char *request_cookie(struct request *r, const char *name, int *several);

/* 1 when the Content-Type's media type is mime (case-insensitive,
 * parameters ignored). */
int request_content_type_is(const struct request *r, const char *mime);

/* Reads the whole body into r->body. ERR_TOOBIG when CONTENT_LENGTH or the
 * bytes sent exceed max (nothing more is read), ERR_INVAL for a bad
 * CONTENT_LENGTH, ERR_IO when the stream fails or ends early. */
int request_read_body(struct request *r, size_t max);

/* Checks CONTENT_LENGTH against max without reading the body (a
 * streamed body): 0 (also when absent), ERR_INVAL, ERR_TOOBIG. */
int request_check_length(const struct request *r, size_t max);

/* Adds a response header (name and value are copied; CR, LF or NUL in
 * either: ERR_INVAL; more than REQUEST_MAX_OUT_HEADERS bytes: ERR_TOOBIG). */
int request_add_header(struct request *r, const char *name, const char *value);

/* Frees everything r owns. */
void request_free(struct request *r);

#endif
