/*
 * log: the program's lines on standard error, which the web server keeps in
 * its error log. One line per request (request id, method, path, status,
 * microseconds) and error lines tied to a request id. Untrusted text is
 * escaped and capped; each line goes out in one write().
 */
#ifndef CHATS3_LOG_H
#define CHATS3_LOG_H

struct request;

/* The access line for r, once its answer went out; a path segment shaped
 * like a session token (64 hex digits) shows as [token]. */
void log_request(const struct request *r);

/* An error line; request_id may be NULL for process-level errors. */
void log_error(const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
