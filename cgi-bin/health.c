/*
 * health: GET /api/v1/health, cheap liveness; ?deep=1 also checks the
 * state (as "database": a read, the schema and a write), storage and the
 * SSE relay. A failing database or storage is a 503 ("error"); a relay
 * that does not answer leaves messages working (sent, stored, read by
 * polling), so it is 200 "degraded".
 */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "log.h"
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

static int health(struct request *r)
{
	const struct health_query *q = r->query_values;
	cJSON *data, *checks;
	int ok = 1, relay_ok = 1;

	data = cJSON_CreateObject();
	if (q->deep && (strcmp(q->deep, "1") == 0 || strcmp(q->deep, "true") == 0)) {
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

static const struct route routes[] = {
	{ "GET", "/api/v1/health", health, 0, BODY_NONE, 0, &health_query, NULL, RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
