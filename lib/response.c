#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "log.h"
#include "request.h"
#include "response.h"

#define RETRY_AFTER_SECONDS "5"

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

/* The head of an answer; len NULL for a streamed one (no Content-Length). */
static int put_headers(struct buf *out, const struct request *r, int status,
    const char *content_type, const size_t *len)
{
	int rc = 0;

	rc |= buf_puts(out, "Status: ");
	rc |= buf_put_u64(out, (unsigned long long)(status < 0 ? 0 : status));
	rc |= buf_putc(out, ' ');
	rc |= buf_puts(out, reason(status));
	rc |= buf_puts(out, "\r\nContent-Type: ");
	rc |= buf_puts(out, content_type);
	if (len != NULL) {
		rc |= buf_puts(out, "\r\nContent-Length: ");
		rc |= buf_put_u64(out, *len);
	}
	rc |= buf_puts(out, "\r\nX-Request-Id: ");
	rc |= buf_puts(out, r->id);
	rc |= buf_puts(out, "\r\nX-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n");
	if (strncmp(content_type, "application/", 12) == 0)
		rc |= buf_puts(out, "Cache-Control: no-store\r\n"
		    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n");
	if (r->out_headers.len)
		rc |= buf_append(out, r->out_headers.data, r->out_headers.len);
	rc |= buf_puts(out, "\r\n");
	return rc ? ERR_NOMEM : 0;
}

int response_send(struct request *r, int status, const char *content_type,
    const char *body, size_t len)
{
	struct buf out;
	int rc;

	r->status = status;
	r->answered = 1;
	buf_init(&out, 0);
	/* the fixed headers take under 400 bytes: one allocation for all */
	if ((rc = buf_reserve(&out, 400 + r->out_headers.len + len)) == 0 &&
	    (rc = put_headers(&out, r, status, content_type, &len)) == 0 &&
	    strcmp(r->method, "HEAD") != 0 && len > 0)
		rc = buf_append(&out, body, len);
	if (rc == 0 && r->io.write(r->io.ctx, out.data, out.len) < 0)
		rc = ERR_IO;
	buf_free(&out);
	return rc;
}

int response_stream_begin(struct request *r, int status, const char *content_type)
{
	struct buf out;
	int rc;

	r->status = status;
	r->answered = 1;
	buf_init(&out, 0);
	if ((rc = put_headers(&out, r, status, content_type, NULL)) == 0 &&
	    r->io.write(r->io.ctx, out.data, out.len) < 0)
		rc = ERR_IO;
	buf_free(&out);
	return rc;
}

int response_stream_write(struct request *r, const char *p, size_t len)
{
	if (strcmp(r->method, "HEAD") == 0 || len == 0)
		return 0;
	return r->io.write(r->io.ctx, p, len) < 0 ? ERR_IO : 0;
}

static cJSON *meta(const struct request *r)
{
	char now[ISO_TIME_LEN + 1];
	cJSON *m = cJSON_CreateObject();

	if (m == NULL || clock_iso(clock_now_ms(), now) < 0 ||
	    cJSON_AddStringToObject(m, "requestId", r->id) == NULL ||
	    cJSON_AddStringToObject(m, "timestamp", now) == NULL) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* Sends env as JSON and frees it. */
static int send_envelope(struct request *r, int status, cJSON *env)
{
	char small[1024], *text = NULL;
	cJSON *m = meta(r);
	int rc;

	if (env == NULL || m == NULL || !cJSON_AddItemToObject(env, "meta", m)) {
		if (env == NULL || cJSON_GetObjectItem(env, "meta") != m)
			cJSON_Delete(m);
		cJSON_Delete(env);
		return ERR_NOMEM;
	}
	/* Most envelopes fit on the stack; larger ones are printed on the heap. */
	if (cJSON_PrintPreallocated(env, small, (int)sizeof small, 0))
		text = small;
	else if ((text = cJSON_PrintUnformatted(env)) == NULL) {
		cJSON_Delete(env);
		return ERR_NOMEM;
	}
	rc = response_send(r, status, "application/json; charset=utf-8", text, strlen(text));
	if (text != small)
		free(text);
	cJSON_Delete(env);
	return rc;
}

/* Adds item under name to obj, or frees it. 1 when added (or item NULL). */
static int adopt(cJSON *obj, const char *name, cJSON *item)
{
	if (item == NULL)
		return 1;
	if (obj != NULL && cJSON_AddItemToObject(obj, name, item))
		return 1;
	cJSON_Delete(item);
	return 0;
}

int response_ok(struct request *r, int status, cJSON *data)
{
	cJSON *env = cJSON_CreateObject();

	if (env != NULL && !cJSON_AddBoolToObject(env, "success", 1)) {
		cJSON_Delete(env);
		env = NULL;
	}
	if (data == NULL || !adopt(env, "data", data)) {
		cJSON_Delete(env);
		return emit_err(r, ERR_NOMEM, "building a success envelope");
	}
	return send_envelope(r, status, env);
}

static int has_out_header(const struct request *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->out_headers.data;

	for (; p != NULL && *p; p = strstr(p, "\r\n") + 2)
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return 1;
	return 0;
}

int emit_error_data(struct request *r, int status, const char *message,
    cJSON *details, cJSON *data)
{
	cJSON *env = cJSON_CreateObject();
	int ok;

	if ((status == 503 || status == 429) && !has_out_header(r, "Retry-After"))
		request_add_header(r, "Retry-After", RETRY_AFTER_SECONDS);
	ok = env != NULL && cJSON_AddBoolToObject(env, "success", 0) &&
	    cJSON_AddStringToObject(env, "message", message);
	ok = adopt(ok ? env : NULL, "details", details) && ok;
	ok = adopt(ok ? env : NULL, "data", data) && ok;
	if (!ok) {
		cJSON_Delete(env);
		/* A fixed answer needs no allocation beyond the header buffer. */
		return response_send(r, 500, "application/json; charset=utf-8",
		    "{\"success\":false,\"message\":\"Internal server error\"}", 51);
	}
	return send_envelope(r, status, env);
}

int emit_error(struct request *r, int status, const char *message, cJSON *details)
{
	return emit_error_data(r, status, message, details, NULL);
}

int response_detail(cJSON **details, const char *field, const char *message)
{
	cJSON *d;

	if (*details == NULL)
		*details = cJSON_CreateArray();
	d = cJSON_CreateObject();
	if (*details == NULL || d == NULL || !cJSON_AddItemToArray(*details, d)) {
		cJSON_Delete(d);
		cJSON_Delete(*details);
		*details = NULL;
		return ERR_NOMEM;
	}
	if (cJSON_AddStringToObject(d, "field", field) == NULL ||
	    cJSON_AddStringToObject(d, "message", message) == NULL) {
		cJSON_Delete(*details);
		*details = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

int emit_invalid(struct request *r, const char *message, const char *field, const char *why)
{
	cJSON *details = NULL;
	int rc = response_detail(&details, field, why);

	return rc < 0 ? rc : emit_error(r, 400, message, details);
}

int emit_err(struct request *r, int err, const char *detail)
{
	int status = err_http_status(err), after = err_retry_after(err);
	char secs[16];

	if (status >= 500)
		log_error(r->id, "%s: %s", err_str(err), detail ? detail : "-");
	if (after > 0 && !has_out_header(r, "Retry-After") &&
	    (snprintf(secs, sizeof secs, "%d", after) >= (int)sizeof secs ||
	    request_add_header(r, "Retry-After", secs) < 0))
		status = 500;
	return emit_error(r, status, status == 500 ? err_public_message(ERR_INTERNAL) :
	    err_public_message(err), NULL);
}
