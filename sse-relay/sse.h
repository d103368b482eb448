/*
 * sse: what the relay writes on a connection: the head and opening of an
 * event stream (retry, the connected event), one event ("id:" + "data:"),
 * the heartbeat comment, and whole answers in the API's JSON envelope
 * (errors, /health). Text returned in a struct buf is the caller's.
 */
#ifndef CHATS3_RELAY_SSE_H
#define CHATS3_RELAY_SSE_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct cJSON;

#define SSE_HEARTBEAT ": heartbeat\n\n"
#define SSE_RETRY_AFTER "3" /* seconds, in a 503 */

/* The head of a 200 event stream, then retry: 3000 and the connected
 * event (head_only: the head alone), appended to b. */
int sse_open(struct buf *b, int head_only);

/* "id: <id>\ndata: <json>\n\n" appended to b; json is one line (cJSON's
 * unformatted print). */
int sse_event(struct buf *b, uint64_t id, const char *json);

/* A whole answer of status with the envelope {"success":true,"data":data}
 * (data not NULL, borrowed) or {"success":false,"message":message}, its
 * meta, X-Request-Id and Connection: close (503: Retry-After), appended to b. */
int sse_answer(struct buf *b, int status, const char *message, const struct cJSON *data);

#endif
