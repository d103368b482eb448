#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "log.h"
#include "request.h"
#include "response.h"

#define RETRY_AFTER_SECONDS "5"
#define API_CSP "default-src 'none'; frame-ancestors 'none'"

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

static int put_header(struct buf *out, const char *name, const char *value)
{
	int rc = 0;

	rc |= buf_puts(out, name);
	rc |= buf_puts(out, ": ");
	rc |= buf_puts(out, value);
	rc |= buf_puts(out, "\r\n");
	return rc;
}

static int put_headers(struct buf *out, const struct request *r, const struct response_head *h)
{
	int rc = 0;

	rc |= buf_puts(out, "Status: ");
	rc |= buf_put_u64(out, (unsigned long long)(h->status < 0 ? 0 : h->status));
	rc |= buf_putc(out, ' ');
	rc |= buf_puts(out, reason(h->status));
	rc |= buf_puts(out, "\r\n");
	if (h->content_type != NULL)
		rc |= put_header(out, "Content-Type", h->content_type);
	if (h->length != NULL) {
		rc |= buf_puts(out, "Content-Length: ");
		rc |= buf_put_u64(out, *h->length);
		rc |= buf_puts(out, "\r\n");
	}
	rc |= put_header(out, "X-Request-Id", r->id);
	rc |= buf_puts(out, "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n");
	if (h->cache_control != NULL)
		rc |= put_header(out, "Cache-Control", h->cache_control);
	if (h->csp != NULL)
		rc |= put_header(out, "Content-Security-Policy", h->csp);
	if (h->frame_deny)
		rc |= buf_puts(out, "X-Frame-Options: DENY\r\n");
	if (r->out_headers.len)
		rc |= buf_append(out, r->out_headers.data, r->out_headers.len);
	rc |= buf_puts(out, "\r\n");
	return rc ? ERR_NOMEM : 0;
}

int response_value_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int response_answer(struct request *r, const struct response_head *h,
    const char *body, size_t len)
{
	struct buf out;
	int rc;

	if (h->content_type != NULL && !response_value_ok(h->content_type))
		return ERR_INTERNAL;
	r->status = h->status;
	r->answered = 1;
	buf_init(&out, 0);
	/* the fixed headers take under 400 bytes: one allocation for all */
	if ((rc = buf_reserve(&out, 400 + r->out_headers.len + (body ? len : 0))) == 0 &&
	    (rc = put_headers(&out, r, h)) == 0 && body != NULL &&
	    strcmp(r->method, "HEAD") != 0 && len > 0)
		rc = buf_append(&out, body, len);
	if (rc == 0 && r->io.write(r->io.ctx, out.data, out.len) < 0)
		rc = ERR_IO;
	buf_free(&out);
	return rc;
}

static int is_html(const char *content_type)
{
	return strncasecmp(content_type, "text/html", 9) == 0 &&
	    (content_type[9] == '\0' || content_type[9] == ';' || content_type[9] == ' ');
}

/* The head of an answer of content_type: API types and HTML are never
 * stored; HTML gets the strict page policy. */
static struct response_head head_for(int status, const char *content_type,
    const uint64_t *length)
{
	struct response_head h = { status, content_type, length, NULL, NULL, 0 };

	if (strncmp(content_type, "application/", 12) == 0) {
		h.cache_control = "no-store";
		h.csp = API_CSP;
	} else if (is_html(content_type)) {
		h.cache_control = "no-store";
		h.csp = "default-src 'self'; frame-ancestors 'none'";
		h.frame_deny = 1;
	}
	return h;
}

int response_send(struct request *r, int status, const char *content_type,
    const char *body, size_t len)
{
	uint64_t n = len;
	struct response_head h = head_for(status, content_type, &n);

	return response_answer(r, &h, body != NULL ? body : "", len);
}

int response_stream_begin(struct request *r, int status, const char *content_type)
{
	struct response_head h = head_for(status, content_type, NULL);

	return response_answer(r, &h, NULL, 0);
}

int response_stream_write(struct request *r, const char *p, size_t len)
{
	if (strcmp(r->method, "HEAD") == 0 || len == 0)
		return 0;
	return r->io.write(r->io.ctx, p, len) < 0 ? ERR_IO : 0;
}

/* ---- pages ---- */

/* A CSP source list of ours: printable, no directive or policy separator. */
static int source_list_ok(const char *s)
{
	return *s != '\0' && response_value_ok(s) && strpbrk(s, ";,") == NULL;
}

/* http(s)://host[:port], the host a DNS name that may start with "*.". */
static int origin_ok(const char *o)
{
	size_t n;

	if (strncmp(o, "https://", 8) == 0)
		o += 8;
	else if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else
		return 0;
	if (strncmp(o, "*.", 2) == 0)
		o += 2;
	n = strspn(o, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (n == 0 || o[0] == '.' || o[0] == '-')
		return 0;
	o += n;
	if (*o == ':') {
		n = strspn(++o, "0123456789");
		if (n == 0 || n > 5)
			return 0;
		o += n;
	}
	return *o == '\0';
}

/* Appends "; name" and then " source" for each of the n sources. */
static int put_directive(struct buf *out, const char *name, const char *const *sources,
    size_t n)
{
	int rc;

	if ((rc = buf_puts(out, "; ")) < 0 || (rc = buf_puts(out, name)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = buf_putc(out, ' ')) == 0)
			rc = buf_puts(out, sources[i]);
	return rc;
}

static int put_frame_ancestors(struct buf *out, const struct page_policy *p)
{
	static const char *const none[] = { "'none'" };

	if (p->frame_ancestors == NULL || p->n_frame_ancestors == 0)
		return put_directive(out, "frame-ancestors", none, 1);
	for (size_t i = 0; i < p->n_frame_ancestors; i++)
		if (!origin_ok(p->frame_ancestors[i]))
			return ERR_INTERNAL;
	return put_directive(out, "frame-ancestors", p->frame_ancestors, p->n_frame_ancestors);
}

static int put_csp(struct buf *out, const struct page_policy *p)
{
	const char *const dirs[][2] = {
		{ "script-src", p->script_src }, { "style-src", p->style_src },
		{ "connect-src", p->connect_src }, { "media-src", p->media_src },
		{ "img-src", p->img_src },
	};
	int rc = buf_puts(out, "default-src 'self'");

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && rc == 0; i++) {
		if (dirs[i][1] == NULL)
			continue;
		if (!source_list_ok(dirs[i][1]))
			return ERR_INTERNAL;
		rc = put_directive(out, dirs[i][0], &dirs[i][1], 1);
	}
	return rc ? rc : put_frame_ancestors(out, p);
}

int response_page(struct request *r, int status, const char *html, size_t len,
    const struct page_policy *policy)
{
	static const struct page_policy strict;
	uint64_t n = len;
	struct response_head h = { status, "text/html; charset=utf-8", &n, "no-store", NULL, 0 };
	struct buf csp;
	int rc;

	if (policy == NULL)
		policy = &strict;
	buf_init(&csp, RESPONSE_MAX_CSP);
	if ((rc = put_csp(&csp, policy)) == 0) {
		h.csp = csp.data;
		h.frame_deny = policy->frame_ancestors == NULL || policy->n_frame_ancestors == 0;
		rc = response_answer(r, &h, html != NULL ? html : "", len);
	} else if (rc == ERR_TOOBIG) {
		rc = ERR_INTERNAL;
	}
	buf_free(&csp);
	return rc;
}

/* ---- redirects ---- */

/* A path of this site: one leading '/', then printable ASCII but space
 * and '\' (which browsers read as '/': "/\host" is another host). */
static int location_ok(const char *s)
{
	return s[0] == '/' && s[1] != '/' && response_value_ok(s) && strpbrk(s, " \\") == NULL;
}

int response_redirect(struct request *r, int status, const char *location)
{
	static const uint64_t empty;
	struct response_head h = { status, "text/plain; charset=utf-8", &empty, "no-store",
		API_CSP, 0 };
	int rc;

	if ((status != 302 && status != 303 && status != 307) || location == NULL ||
	    !location_ok(location))
		return ERR_INTERNAL;
	if ((rc = request_add_header(r, "Location", location)) < 0)
		return rc;
	return response_answer(r, &h, "", 0);
}

/* Sends env as JSON and frees it. */
static int send_envelope(struct request *r, int status, cJSON *env)
{
	char small[1024], *text = NULL;
	cJSON *m = envelope_meta(r->id);
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

int emit_err_after(struct request *r, int err, long retry_after)
{
	char secs[24];

	snprintf(secs, sizeof secs, "%ld", retry_after);
	if (request_add_header(r, "Retry-After", secs) < 0)
		return emit_err(r, ERR_NOMEM, "Retry-After");
	return emit_err(r, err, NULL);
}
