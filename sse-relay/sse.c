#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "ids.h"
#include "sse.h"

#define COMMON_HEADERS "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n" \
	"Connection: close\r\n"

int sse_open(struct buf *b, int head_only)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
	    "X-Accel-Buffering: no\r\n" COMMON_HEADERS "\r\n";
	static const char opening[] = "retry: 3000\n\n"
	    "data: {\"type\":\"system\",\"data\":\"connected\"}\n\n";
	int rc = buf_puts(b, head);

	return rc == 0 && !head_only ? buf_puts(b, opening) : rc;
}

int sse_event(struct buf *b, uint64_t id, const char *json)
{
	int rc;

	/* one allocation: "id: ", 20 digits, "\ndata: ", json, "\n\n" */
	if ((rc = buf_reserve(b, strlen(json) + 40)) < 0 || (rc = buf_puts(b, "id: ")) < 0 || (rc = buf_put_u64(b, id)) < 0 ||
	    (rc = buf_puts(b, "\ndata: ")) < 0 || (rc = buf_puts(b, json)) < 0)
		return rc;
	return buf_puts(b, "\n\n");
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 410: return "Gone";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

/* The envelope's text (caller frees) with request id rid, or NULL. */
static char *envelope(const char *rid, const char *message, const cJSON *data)
{
	char now[ISO_TIME_LEN + 1], *text = NULL;
	cJSON *env = cJSON_CreateObject(), *meta = NULL;

	if (env != NULL && clock_iso(clock_now_ms(), now) == 0 &&
	    cJSON_AddBoolToObject(env, "success", data != NULL) != NULL &&
	    (data != NULL ? cJSON_AddItemReferenceToObject(env, "data", (cJSON *)data) :
	    cJSON_AddStringToObject(env, "message", message) != NULL) &&
	    (meta = cJSON_AddObjectToObject(env, "meta")) != NULL &&
	    cJSON_AddStringToObject(meta, "requestId", rid) != NULL &&
	    cJSON_AddStringToObject(meta, "timestamp", now) != NULL)
		text = cJSON_PrintUnformatted(env);
	cJSON_Delete(env); /* the reference leaves data to its owner */
	return text;
}

int sse_answer(struct buf *b, int status, const char *message, const cJSON *data)
{
	char rid[UUID_STRLEN + 1], head[512], *body;
	int n, rc;

	if (ids_uuid4(rid) < 0 || (body = envelope(rid, message, data)) == NULL)
		return ERR_NOMEM;
	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Request-Id: %s\r\n%s" COMMON_HEADERS "\r\n",
	    status, reason(status), strlen(body), rid,
	    status == 503 ? "Retry-After: " SSE_RETRY_AFTER "\r\n" : "");
	rc = n > 0 && (size_t)n < sizeof head ? buf_append(b, head, (size_t)n) : ERR_INTERNAL;
	if (rc == 0)
		rc = buf_puts(b, body);
	free(body);
	return rc;
}
