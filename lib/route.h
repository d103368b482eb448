/*
 * route: the table a program in cgi-bin/ declares, and matching a URL path
 * against it. A pattern is a path whose segments are literal or "*"; a "*"
 * matches one non-empty segment and captures it, percent-decoded, into
 * req->captures[] in order.
 */
#ifndef CHATS3_ROUTE_H
#define CHATS3_ROUTE_H

#include <stddef.h>

struct request;

/* What dispatch checks before a handler runs. */
enum route_flags {
	R_JSON = 1 << 0,    /* body must be application/json, parsed into req->json */
	R_SESSION = 1 << 1, /* a live session (401), loaded into req->session */
	R_ADMIN = 1 << 2,   /* the admin token or an admin's session (401, 403) */
};

/* Answers the request: 0 when it answered, else a negative enum err that
 * dispatch turns into the error envelope. */
typedef int (*route_fn)(struct request *req);

struct route {
	const char *method;  /* "GET" also serves HEAD */
	const char *pattern; /* "/api/v1/admin/conversations/<*>": see above */
	route_fn fn;
	unsigned flags;
	size_t max_body;     /* 0: the configured JSON body cap */
};

/* Does path (raw, percent-encoded) match pattern? 1 on a match, with the
 * captures decoded into req (may be NULL to only test), 0 if not, or a
 * negative enum err (a capture that does not decode: ERR_INVAL). */
int route_match(const char *pattern, const char *path, struct request *req);

#endif
