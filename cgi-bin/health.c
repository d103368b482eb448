/*
 * health: GET /api/v1/health, cheap liveness; ?deep=1 also checks the
 * state (as "database") and storage (the relay joins when it exists).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "log.h"
#include "state.h"
#include "storage.h"
#include "errors.h"
#include "request.h"
#include "response.h"
#include "server.h"

static int want_deep(struct request *r, int *deep)
{
	int err;
	const char *v = request_query(r, "deep", &err);

	if (err < 0)
		return err;
	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		*deep = 0;
	else if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		*deep = 1;
	else
		return ERR_INVAL;
	return 0;
}

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

/* Adds checks[name] = result; 1 when it is "ok". */
static int add_check(cJSON *checks, const char *name, const char *result)
{
	cJSON_AddStringToObject(checks, name, result);
	return strcmp(result, "ok") == 0;
}

static int health(struct request *r)
{
	cJSON *data, *checks, *details = NULL;
	int deep, ok = 1;

	if (want_deep(r, &deep) < 0) {
		response_detail(&details, "deep", "must be 1 or 0");
		return emit_error(r, 400, "Invalid query parameter", details);
	}
	data = cJSON_CreateObject();
	if (deep) {
		checks = cJSON_AddObjectToObject(data, "checks");
		ok = add_check(checks, "database", check_database(r));
		ok = add_check(checks, "storage", check_storage(r)) && ok;
	}
	cJSON_AddStringToObject(data, "status", ok ? "ok" : "error");
	if (!ok)
		return emit_error_data(r, 503, "A dependency check failed", NULL, data);
	return response_ok(r, 200, data);
}

static const struct route routes[] = {
	{ "GET", "/api/v1/health", health, 0, 0 },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
