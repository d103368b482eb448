#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "dispatch.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "numparse.h"
#include "request.h"
#include "response.h"

static int method_is(const struct route *rt, const char *method)
{
	return strcmp(rt->method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
}

/* 405 naming the methods the path does accept. */
static int not_allowed(struct request *r, const struct route *routes, size_t n)
{
	struct buf allow;
	int rc = 0;

	buf_init(&allow, 256);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (route_match(routes[i].pattern, r->path.data, NULL) != 1)
			continue;
		if (allow.len)
			rc = buf_puts(&allow, ", ");
		if (rc == 0)
			rc = buf_puts(&allow, routes[i].method);
		if (rc == 0 && strcmp(routes[i].method, "GET") == 0)
			rc = buf_puts(&allow, ", HEAD");
	}
	if (rc == 0)
		rc = request_add_header(r, "Allow", allow.data);
	buf_free(&allow);
	return rc < 0 ? rc : ERR_METHOD;
}

static int find(struct request *r, const struct route *routes, size_t n,
    const struct route **out)
{
	int path_known = 0, m;

	for (size_t i = 0; i < n; i++) {
		if ((m = route_match(routes[i].pattern, r->path.data, NULL)) < 0)
			return m;
		if (m == 0)
			continue;
		path_known = 1;
		if (method_is(&routes[i], r->method)) {
			*out = &routes[i];
			return route_match(routes[i].pattern, r->path.data, r) < 0 ?
			    ERR_INVAL : 0;
		}
	}
	return path_known ? not_allowed(r, routes, n) : ERR_NOTFOUND;
}

static int read_json(struct request *r, const struct route *rt)
{
	size_t max = rt->max_body ? rt->max_body : (size_t)r->app->cfg.max_body_bytes;
	int rc;

	if (!request_content_type_is(r, "application/json"))
		return emit_error(r, 415, "Content-Type must be application/json", NULL);
	if ((rc = request_read_body(r, max)) == ERR_TOOBIG)
		return emit_error(r, 413, "Request body too large", NULL);
	if (rc < 0)
		return emit_error(r, 400, "Request body could not be read", NULL);
	if (json_parse(r->body.data, r->body.len, &r->json) < 0)
		return emit_error(r, 400, "Request body is not valid JSON", NULL);
	return 0;
}

/* Applies R_SESSION and R_ADMIN: 0 when the handler may run, else -1
 * after answering (401, 403, or the failure). */
static int authorize(struct request *r, const struct route *rt)
{
	int rc = 0;

	if (rt->flags & R_ADMIN)
		rc = auth_admin(r);
	else if (rt->flags & R_SESSION)
		rc = auth_session(r);
	if (rc == 0)
		return 0;
	if (rc == 401)
		emit_error(r, 401, "A valid session is required", NULL);
	else if (rc == 403)
		emit_error(r, 403, "Only an administrator may do this", NULL);
	else
		emit_err(r, rc, "authorization");
	return -1;
}

/* The status of the web server's own error when it hands that error over
 * as an error document (ErrorDocument, server.error-handler: a body over
 * its limit, a proxy with nothing behind it), else 0. */
static int server_error(const struct request *r)
{
	const char *s = request_env(r, "REDIRECT_STATUS");
	long status;

	if (s == NULL || numparse_long(s, strlen(s), 400, 599, &status) < 0)
		return 0;
	return (int)status;
}

/* The public sentence of the first enum err with that status. */
static const char *status_message(int status)
{
	for (int e = ERR_NOMEM; e > ERR__MIN; e--)
		if (err_http_status(e) == status)
			return err_public_message(e);
	return err_public_message(status < 500 ? ERR_INVAL : ERR_INTERNAL);
}

void dispatch(struct request *r, const struct route *routes, size_t n)
{
	const struct route *rt = NULL;
	int rc, status;

	if ((status = server_error(r)) != 0) {
		emit_error(r, status, status_message(status), NULL);
	} else if ((rc = find(r, routes, n, &rt)) < 0) {
		emit_err(r, rc, "routing");
	} else if (authorize(r, rt) == 0 && ((rt->flags & R_JSON) == 0 ||
	    (read_json(r, rt) == 0 && !r->answered))) {
		if ((rc = rt->fn(r)) < 0 && !r->answered)
			emit_err(r, rc, rt->pattern);
	}
	if (!r->answered)
		emit_err(r, ERR_INTERNAL, "handler returned without answering");
	log_request(r);
}
