/*
 * response: the only writer of answers. Every answer gets the status line,
 * X-Request-Id and the security headers; JSON answers use the contract's
 * envelope ({"success","data"|"message","details"?,"meta"}), built with
 * cJSON. Functions taking a cJSON item take ownership of it, also on error.
 */
#ifndef CHATS3_RESPONSE_H
#define CHATS3_RESPONSE_H

#include <stddef.h>

struct cJSON;
struct request;

/* Sends body[0..len) of type content_type with status. A HEAD request gets
 * the headers only. 0, or ERR_IO when the client is gone. */
int response_send(struct request *r, int status, const char *content_type,
    const char *body, size_t len);

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

#endif
