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
struct vform;

/* Who may call a route: dispatch checks it before anything else. */
enum route_flags {
	R_SESSION = 1 << 0, /* a live session (401), loaded into req->session */
	R_ADMIN = 1 << 1,   /* the admin token or an admin's session (401, 403) */
	R_QUERY_SESSION = 1 << 2, /* the session may also come as ?sessionId=: only
	                             where a browser can send no header (the
	                             contract: a download's <img>, <a>) */
};

/* What the body of a route is; dispatch answers 415 for another
 * Content-Type and 413 past the route's limit, before the handler runs. */
enum route_body {
	BODY_NONE,      /* nothing is read */
	BODY_JSON,      /* application/json, parsed into req->json */
	BODY_MULTIPART, /* multipart/form-data, left for the handler to stream */
	BODY_RAW,       /* any type, read whole into req->body */
};

/* Bytes a multipart body may hold beyond CHATS3_MAX_UPLOAD_BYTES, the
 * limit of its file: boundaries, part headers (multipart.h's default caps:
 * 16 parts of at most 8 KiB of headers), small fields. */
#define ROUTE_MULTIPART_ENVELOPE 262144

/* Which rate limit a request of the route counts against (429). */
enum route_rate {
	RATE_NONE,
	RATE_JOIN,  /* CHATS3_JOIN_RATE per client address and minute */
	RATE_WRITE, /* CHATS3_WRITE_RATE per session's user and minute */
	RATE_READ,  /* CHATS3_READ_BUDGET storage reads per session's user and
	               CHATS3_READ_WINDOW_SECONDS: refused once spent; what the
	               handler read (req->storage_reads) is counted after it */
};

/* Answers the request and returns 0 (or the answer's own failure), or
 * returns a negative enum err without answering: dispatch then answers it
 * with emit_err, the one error path. */
typedef int (*route_fn)(struct request *req);

struct route {
	const char *method;  /* "GET" also serves HEAD */
	const char *pattern; /* "/api/v1/admin/conversations/<*>": see above */
	route_fn fn;
	unsigned flags;
	enum route_body body;
	size_t max_body;     /* 0: CHATS3_MAX_BODY_BYTES (JSON, raw) or
	                        CHATS3_MAX_UPLOAD_BYTES + ROUTE_MULTIPART_ENVELOPE
	                        (multipart) */
	const struct vform *query; /* checked into req->query_values, or NULL */
	const struct vform *form;  /* the JSON body's members into req->form_values */
	enum route_rate rate;
};

/* Does path (raw, percent-encoded) match pattern? 1 on a match, with the
 * captures decoded into req (may be NULL to only test), 0 if not, or a
 * negative enum err (a capture that does not decode: ERR_INVAL). */
int route_match(const char *pattern, const char *path, struct request *req);

#endif
