/*
 * http: the relay's request parser, for the one kind of request it
 * serves: a GET (or HEAD) with no body, as the web server's proxy sends
 * it. A pure function over bytes (libFuzzer: tests/fuzz/fuzz_relay_http.c);
 * each step answers an HTTP status, 0 meaning fine, as lighttpd's
 * request.c does. What it keeps is copied into struct http_req (fixed
 * sizes, no allocation beyond kv's, freed before it returns).
 *
 * The session token: the x-session-id header, else the sessionId query
 * parameter, else the session cookie (lib/auth.c's order): the one
 * __Host-sessionId cookie, else the one sessionId cookie; two of a name
 * are no token, and other cookies, however many, do not count.
 */
#ifndef CHATS3_RELAY_HTTP_H
#define CHATS3_RELAY_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 8192  /* bytes of a request head (431 past it) */
#define HTTP_TOKEN_MAX 128  /* bytes of a session token kept (longer: none) */
#define HTTP_PATH_MAX 256   /* bytes of a path kept (longer: 414) */
#define HTTP_INCOMPLETE 1   /* http_parse: the head has not ended yet */

struct http_req {
	int head_only;                 /* HEAD */
	char path[HTTP_PATH_MAX + 1];  /* without the query */
	char token[HTTP_TOKEN_MAX + 1]; /* "" for none */
	uint64_t last_event_id;        /* Last-Event-ID, when has_last_event_id */
	int has_last_event_id;
	size_t head_len;               /* bytes of the head, its blank line included */
};

/* Parses the head in p[0..n) into out: 0; HTTP_INCOMPLETE when no blank
 * line has come yet (and n < HTTP_HEAD_MAX); else the status to answer
 * (400, 405 for a method but GET or HEAD, 414, 431, 505). */
int http_parse(const char *p, size_t n, struct http_req *out);

#endif
