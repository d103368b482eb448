/*
 * response: the only writer of answers. Every answer gets the status line,
 * X-Request-Id, X-Content-Type-Options: nosniff, Referrer-Policy:
 * no-referrer and the headers added with request_add_header. Besides:
 *
 *   JSON (and every application/ type): the contract's envelope
 *     ({"success","data"|"message","details"?,"meta"}, built with cJSON),
 *     Cache-Control: no-store, Content-Security-Policy: default-src
 *     'none'; frame-ancestors 'none'.
 *   HTML pages (text/html, however sent): Cache-Control: no-store always,
 *     since a page may show a session's data or a join code; a
 *     Content-Security-Policy from the page's struct page_policy
 *     (default-src 'self'; frame-ancestors 'none' when none is given) and
 *     X-Frame-Options: DENY unless the policy lets origins embed the page.
 *   redirects: Location, checked to be a path of this site.
 *   downloads: response_download.h.
 *
 * Functions taking a cJSON item take ownership of it, also on error.
 */
#ifndef CHATS3_RESPONSE_H
#define CHATS3_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct request;

/* The head of an answer beyond the headers every answer has. */
struct response_head {
	int status;
	const char *content_type;  /* NULL: none (an answer without a body: 304) */
	const uint64_t *length;    /* Content-Length; NULL: none (streamed, 304) */
	const char *cache_control; /* NULL: none */
	const char *csp;           /* Content-Security-Policy; NULL: none */
	int frame_deny;            /* 1: X-Frame-Options: DENY */
};

/* Sends the head h and then body[0..len) (nothing for HEAD, or when body
 * is NULL: the caller sends the body with response_stream_write). The
 * content type must be printable ASCII (else ERR_INTERNAL, nothing sent).
 * 0, ERR_NOMEM, or ERR_IO when the client is gone. */
int response_answer(struct request *r, const struct response_head *h,
    const char *body, size_t len);

/* 1 when s may be a header value we send: printable ASCII, else 0. */
int response_value_ok(const char *s);

/* Sends body[0..len) of type content_type with status, with the headers
 * its type gets (above). A HEAD request gets the headers only. 0, or
 * ERR_IO when the client is gone. */
int response_send(struct request *r, int status, const char *content_type,
    const char *body, size_t len);

/* The Content-Security-Policy of a page. Each source list ("'self'",
 * "'self' https://cdn.example") names what its directive allows; NULL
 * leaves it to default-src 'self'. frame_ancestors lists the origins
 * ("https://example.com", "http://localhost:8443"; a host may start with
 * a "*." wildcard) that may show the page in a frame; none gives
 * frame-ancestors 'none'. */
struct page_policy {
	const char *script_src;
	const char *style_src;
	const char *connect_src;
	const char *media_src;
	const char *img_src;
	const char *const *frame_ancestors;
	size_t n_frame_ancestors;
};

#define RESPONSE_MAX_CSP 2048

/* Sends the page html[0..len) (UTF-8) with status under policy (NULL: the
 * strict default). ERR_INTERNAL for a source list holding a control
 * character, ';' or ',', an origin that is not http(s)://host[:port], or a
 * policy over RESPONSE_MAX_CSP bytes; else as response_send. */
int response_page(struct request *r, int status, const char *html, size_t len,
    const struct page_policy *policy);

/* Sends status (302, 303 or 307) to location, a path of this site: it
 * starts with a single '/' (not "//" or "/\", which a browser reads as
 * another host) and holds printable ASCII only, as the escape module's
 * URL encoders write it. ERR_INTERNAL for any other location or status. */
int response_redirect(struct request *r, int status, const char *location);

/* A streamed answer: response_stream_begin sends the headers of status and
 * content_type (no Content-Length: the server ends the body), then each
 * response_stream_write the next bytes of the body (nothing for HEAD).
 * Once begun, the answer is given: a failure later can only cut it short.
 * 0, ERR_NOMEM or ERR_IO when the client is gone. */
int response_stream_begin(struct request *r, int status, const char *content_type);
int response_stream_write(struct request *r, const char *p, size_t len);

/* Sends {"success":true,"data":data,"meta":...}. */
int response_ok(struct request *r, int status, struct cJSON *data);

/* Sends {"success":false,"message":message,"details"?:details,"meta":...}.
 * A 503 or 429 without a Retry-After header gets one. */
int emit_error(struct request *r, int status, const char *message,
    struct cJSON *details);

/* The same, with a data member too (deep health shows its checks). */
int emit_error_data(struct request *r, int status, const char *message,
    struct cJSON *details, struct cJSON *data);

/* Appends {"field","message"} to the details array *details, creating it.
 * ERR_NOMEM on failure (*details is then freed and NULL). */
int response_detail(struct cJSON **details, const char *field, const char *message);

/* 400 with message and the one detail {field, why}. */
int emit_invalid(struct request *r, const char *message, const char *field, const char *why);

/* emit_error with the status, public sentence and Retry-After
 * (err_retry_after) of an enum err; a 5xx also logs err's name and detail
 * (may be NULL) under the request id. This is the error path of
 * dispatch: a handler that returns a negative enum err without having
 * answered is answered here. */
int emit_err(struct request *r, int err, const char *detail);

/* emit_err with Retry-After: retry_after seconds instead of err's own. */
int emit_err_after(struct request *r, int err, long retry_after);

#endif
