/*
 * health: GET /api/v1/health, cheap liveness; ?deep=1 also checks the
 * state (as "database": a read, the schema and a write), storage and the
 * SSE relay. A failing database or storage is a 503 ("error"); a relay
 * that does not answer leaves messages working (sent, stored, read by
 * polling), so it is 200 "degraded".
 *
 * The deep checks cost a database write, a storage call and a relay
 * probe, so only a loopback client or the admin bearer token gets them;
 * anyone else asking for deep gets the cheap answer (a wrong token: 401,
 * counted like any wrong admin token).
 *
 * GET /metrics: every process's counters (lib/metrics.h) in Prometheus'
 * text format, under the same rule, strictly: 401 without the token, 403
 * for a session that is not an admin's.
 */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "relay_probe.h"
#include "state.h"
#include "storage.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "validate.h"

struct health_query {
	char *deep;
};

static const char *const booleans[] = { "0", "1", "false", "true", NULL };

static const struct vfield health_fields[] = {
	{ "deep", v_one_of, 0, 1, 5, offsetof(struct health_query, deep), booleans },
};

static const struct vform health_query = {
	health_fields, 1, sizeof(struct health_query), "Invalid query parameter", NULL
};

static const char *check_database(struct request *r)
{
	struct state *st;

	return app_state(r->app, &st) == 0 && state_check(st) == 0 ? "ok" : "error";
}

static const char *check_storage(struct request *r)
{
	struct storage *st = NULL;
	int rc;

	if ((rc = app_storage(r->app, &st)) == 0 && (rc = storage_check(st)) == 0)
		return "ok";
	log_error(r->id, "storage check: %s %s %s", err_str(rc),
	    st ? storage_error_code(st) : "", st ? storage_error_message(st) : "");
	return "error";
}

static const char *check_relay(struct request *r)
{
	return relay_probe(r->app->cfg.data_dir, RELAY_PROBE_TIMEOUT_MS) == 0 ? "ok" : "error";
}

/* Adds checks[name] = result; 1 when it is "ok". */
static int add_check(cJSON *checks, const char *name, const char *result)
{
	cJSON_AddStringToObject(checks, name, result);
	return strcmp(result, "ok") == 0;
}

/* 1 when r may have the deep checks, 0 when it gets the cheap answer,
 * else the status of its wrong admin token (401, 429) or a negative enum err. */
static int deep_allowed(struct request *r)
{
	int rc = auth_operator(r);

	return rc == 403 ? 0 : rc;
}

static int wants_deep(const struct health_query *q)
{
	return q->deep && (strcmp(q->deep, "1") == 0 || strcmp(q->deep, "true") == 0);
}

static int health(struct request *r)
{
	const struct health_query *q = r->query_values;
	cJSON *data, *checks;
	int ok = 1, relay_ok = 1, deep = wants_deep(q) ? deep_allowed(r) : 0;

	if (deep < 0)
		return emit_err(r, deep, "health authorization");
	if (deep > 1)
		return emit_error(r, deep, deep == 429 ? "Too many failed admin attempts; try again later"
		    : "A valid admin token is required for the deep checks", NULL);
	data = cJSON_CreateObject();
	if (deep) {
		checks = cJSON_AddObjectToObject(data, "checks");
		ok = add_check(checks, "database", check_database(r));
		ok = add_check(checks, "storage", check_storage(r)) && ok;
		relay_ok = add_check(checks, "relay", check_relay(r));
	}
	cJSON_AddStringToObject(data, "status", !ok ? "error" : relay_ok ? "ok" : "degraded");
	if (!ok)
		return emit_error_data(r, 503, "A dependency check failed", NULL, data);
	return response_ok(r, 200, data);
}

/* GET /metrics: the Prometheus exposition of lib/metrics.h, for a
 * loopback client or the admin token. */
static int metrics(struct request *r)
{
	struct buf out;
	int rc = auth_operator(r);

	if (rc < 0)
		return emit_err(r, rc, "metrics authorization");
	if (rc == 0 || rc == 401)
		return emit_error(r, 401, "The admin token is required for the metrics", NULL);
	if (rc != 1)
		return emit_error(r, rc, rc == 429 ? "Too many failed admin attempts; try again later"
		    : "Only an administrator may read the metrics", NULL);
	buf_init(&out, 0);
	if ((rc = metrics_write(&out)) == 0)
		rc = response_send(r, 200, METRICS_CONTENT_TYPE, out.data ? out.data : "", out.len);
	buf_free(&out);
	return rc;
}

static const struct route routes[] = {
	{ "GET", "/api/v1/health", health, 0, BODY_NONE, 0, &health_query, NULL, RATE_NONE },
	{ "GET", "/metrics", metrics, 0, BODY_NONE, 0, NULL, NULL, RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
