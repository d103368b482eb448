#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "dispatch.h"
#include "errors.h"
#include "http_origin.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "numparse.h"
#include "ratelimit.h"
#include "request.h"
#include "response.h"
#include "validate.h"

#define BAD_QUERY "Invalid query parameter"

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

/* Answers status with message and details (taken); 1: the stage answered. */
static int refuse(struct request *r, int status, const char *message, cJSON *details)
{
	emit_error(r, status, message, details);
	return 1;
}

/* Applies R_SESSION and R_ADMIN: 0 when the handler may run, else 1
 * after answering (401, 403, or the failure). */
static int authorize(struct request *r, const struct route *rt)
{
	int rc = 0;

	if (rt->flags & R_ADMIN)
		rc = auth_admin(r);
	else if (rt->flags & R_SESSION)
		rc = auth_session(r);
	if (rc == 401)
		return refuse(r, 401, "A valid session is required", NULL);
	if (rc == 403)
		return refuse(r, 403, "Only an administrator may do this", NULL);
	if (rc == 429)
		return refuse(r, 429, "Too many failed admin attempts; try again later", NULL);
	if (rc < 0)
		emit_err(r, rc, "authorization");
	return rc != 0;
}

static const struct {
	const char *prefix;
	const char *message;
} rates[] = {
	[RATE_JOIN] = { "join", "Too many join attempts; try again later" },
	[RATE_WRITE] = { "write", "Too many messages; try again later" },
	[RATE_READ] = { "read", "Too much history read; try again later" },
};

/* The limit of rt's rate for r, and its window into *window_ms. */
static long rate_limit(const struct request *r, const struct route *rt, int64_t *window_ms)
{
	const struct config *c = &r->app->cfg;

	*window_ms = rt->rate == RATE_READ ? c->read_window_seconds * 1000 : RATELIMIT_WINDOW_MS;
	if (rt->rate == RATE_READ)
		return c->read_budget;
	return rt->rate == RATE_JOIN ? c->join_rate : c->write_rate;
}

/* The bucket of rt's rate limit for r into out. */
static int rate_bucket(struct request *r, const struct route *rt, char *out, size_t cap)
{
	char addr[AUTH_ADDR_MAX + 1];
	const char *who = addr;

	if (rt->rate != RATE_JOIN)
		who = r->session != NULL ? r->session->user_id : "";
	else
		auth_client_net(r, addr);
	if (snprintf(out, cap, "%s:%s", rates[rt->rate].prefix, who[0] ? who : "-") >= (int)cap)
		return ERR_INTERNAL;
	return 0;
}

/* Counts the request against rt's rate limit (a read budget: checks it
 * is not spent): 0 when allowed, else 1 after answering 429 with
 * Retry-After (or the failure). */
static int within_rate(struct request *r, const struct route *rt)
{
	char bucket[AUTH_ADDR_MAX + 64], after[24];
	int64_t window;
	long limit = rate_limit(r, rt, &window), retry = 0;
	struct state *st;
	int rc;

	if (rt->rate == RATE_NONE)
		return 0;
	if ((rc = rate_bucket(r, rt, bucket, sizeof bucket)) == 0 &&
	    (rc = app_state(r->app, &st)) == 0)
		rc = (rt->rate == RATE_READ ? ratelimit_spent_in : ratelimit_hit_in)(st, bucket,
		    limit, window, clock_now_ms(), &retry);
	if (rc == 1) {
		snprintf(after, sizeof after, "%ld", retry);
		if ((rc = request_add_header(r, "Retry-After", after)) == 0)
			return refuse(r, 429, rates[rt->rate].message, NULL);
	}
	if (rc < 0)
		emit_err(r, rc, bucket);
	return rc != 0;
}

/* Counts what a RATE_READ route's handler read against its budget. */
static void charge_reads(struct request *r, const struct route *rt)
{
	char bucket[AUTH_ADDR_MAX + 64];
	int64_t window;
	struct state *st;
	int rc;

	if (rt->rate != RATE_READ || r->storage_reads <= 0)
		return;
	rate_limit(r, rt, &window);
	if ((rc = rate_bucket(r, rt, bucket, sizeof bucket)) == 0 &&
	    (rc = app_state(r->app, &st)) == 0)
		rc = ratelimit_charge_in(st, bucket, r->storage_reads, window, clock_now_ms());
	if (rc < 0)
		log_error(r->id, "%s: reads not counted: %s", bucket, err_str(rc));
}

static size_t body_cap(const struct request *r, const struct route *rt)
{
	if (rt->max_body)
		return rt->max_body;
	if (rt->body == BODY_MULTIPART)
		return (size_t)r->app->cfg.max_upload_bytes + ROUTE_MULTIPART_ENVELOPE;
	return (size_t)r->app->cfg.max_body_bytes;
}

/* The Content-Type each body kind demands (NULL: any). */
static const char *const body_types[] = {
	[BODY_NONE] = NULL,
	[BODY_JSON] = "application/json",
	[BODY_MULTIPART] = "multipart/form-data",
	[BODY_RAW] = NULL,
};

/* Reads the body rt declares: 0, else 1 after answering 415, 413 or 400. */
static int read_body(struct request *r, const struct route *rt)
{
	const char *type = body_types[rt->body];
	char why[64];
	int rc;

	if (rt->body == BODY_NONE)
		return 0;
	if (type != NULL && !request_content_type_is(r, type)) {
		snprintf(why, sizeof why, "Content-Type must be %s", type);
		return refuse(r, 415, why, NULL);
	}
	if (rt->body == BODY_MULTIPART)
		rc = request_check_length(r, body_cap(r, rt));
	else
		rc = request_read_body(r, body_cap(r, rt));
	if (rc == ERR_TOOBIG)
		return refuse(r, 413, "Request body too large", NULL);
	if (rc < 0)
		return refuse(r, 400, "Request body could not be read", NULL);
	if (rt->body == BODY_JSON && json_parse(r->body.data, r->body.len, &r->json) < 0)
		return refuse(r, 400, "Request body is not valid JSON", NULL);
	return 0;
}

/* A zeroed struct for form's values into *out (NULL without a form). */
static int values_alloc(const struct vform *form, void **out)
{
	*out = NULL;
	if (form == NULL)
		return 0;
	*out = calloc(1, form->size ? form->size : 1);
	return *out ? 0 : ERR_NOMEM;
}

static void values_free(const struct vform *form, void **values)
{
	if (form != NULL && *values != NULL)
		validate_free(form->fields, form->n, *values);
	free(*values);
	*values = NULL;
}

/* form's fields and rule over the query string into r->query_values. */
static int check_query(struct request *r, const struct vform *form, cJSON **details)
{
	const struct kvlist *query;
	int rc;

	if ((rc = values_alloc(form, &r->query_values)) < 0 || form == NULL)
		return rc;
	if (request_query_all(r, &query) < 0)
		return response_detail(details, "query", "is not a valid query string") < 0 ?
		    ERR_NOMEM : ERR_INVAL;
	rc = validate_kv(query, form->fields, form->n, r->query_values, details);
	return rc == 0 ? validate_rule(form, r->query_values, details) : rc;
}

/* form's fields and rule over the JSON body into r->form_values. */
static int check_form(struct request *r, const struct vform *form, cJSON **details)
{
	int rc;

	if ((rc = values_alloc(form, &r->form_values)) < 0 || form == NULL)
		return rc;
	rc = validate_object(r->json, form->fields, form->n, r->form_values, details);
	return rc == 0 ? validate_rule(form, r->form_values, details) : rc;
}

/* Runs the route's tables: 0, else 1 after answering 400 with details
 * (or the failure). */
static int check_input(struct request *r, const struct route *rt)
{
	cJSON *details = NULL;
	int rc = check_query(r, rt->query, &details);

	if (rc == ERR_INVAL)
		return refuse(r, 400, rt->query->invalid ? rt->query->invalid : BAD_QUERY, details);
	if (rc == 0 && (rc = check_form(r, rt->form, &details)) == ERR_INVAL)
		return refuse(r, 400, rt->form->invalid, details);
	cJSON_Delete(details);
	if (rc < 0)
		emit_err(r, rc, "input");
	return rc != 0;
}

/* The contract's CSRF rule: a method that changes state, asked from a
 * page of another origin, gets 403 before anything else (1: answered). */
static int cross_site(struct request *r)
{
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 ||
	    strcmp(r->method, "OPTIONS") == 0 || !http_origin_cross_site(r))
		return 0;
	return refuse(r, 403, "Cross-site requests may not change anything here", NULL);
}

static void run(struct request *r, const struct route *rt)
{
	int rc;

	if (cross_site(r) || authorize(r, rt) || within_rate(r, rt) || read_body(r, rt) || check_input(r, rt))
		return;
	rc = rt->fn(r);
	charge_reads(r, rt);
	if (rc < 0 && !r->answered)
		emit_err(r, rc, rt->pattern);
	else if (rc < 0 && rc != ERR_IO)
		log_error(r->id, "%s failed after answering: %s", rt->pattern, err_str(rc));
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

/* The public sentence of the generic enum err with that status (not a
 * domain one: a web server's 403 is no wrong join code). */
static const char *status_message(int status)
{
	static const int generic[] = {
		ERR_INVAL, ERR_TOOBIG, ERR_MEDIATYPE, ERR_NOTFOUND, ERR_METHOD, ERR_UNAVAILABLE
	};

	for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
		if (err_http_status(generic[i]) == status)
			return err_public_message(generic[i]);
	return err_public_message(status < 500 ? ERR_INVAL : ERR_INTERNAL);
}

/* The method as a label: the ones routes use, else "other" (a client
 * may send any token). */
static const char *method_label(const char *method)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(method, known[i]) == 0)
			return known[i];
	return "other";
}

void dispatch_count(const struct request *r, const struct route *rt)
{
	const char *route = rt != NULL ? rt->pattern : "unmatched";
	char code[12];

	snprintf(code, sizeof code, "%d", r->status);
	metrics_add(METRIC_HTTP_REQUESTS, (const char *[]){ route, method_label(r->method), code }, 1);
	metrics_observe_us(METRIC_HTTP_DURATION, (const char *[]){ route },
	    (uint64_t)(clock_mono_us() - r->start_us));
}

void dispatch(struct request *r, const struct route *routes, size_t n)
{
	const struct route *rt = NULL;
	int rc, status;

	if ((status = server_error(r)) != 0)
		emit_error(r, status, status_message(status), NULL);
	else if ((rc = find(r, routes, n, &rt)) < 0)
		emit_err(r, rc, "routing");
	else {
		r->route = rt;
		run(r, rt);
	}
	if (rt != NULL) {
		values_free(rt->query, &r->query_values);
		values_free(rt->form, &r->form_values);
	}
	if (!r->answered)
		emit_err(r, ERR_INTERNAL, "handler returned without answering");
	log_request(r);
	dispatch_count(r, rt);
}
