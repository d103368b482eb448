/*
 * health: GET /api/v1/health, cheap liveness; ?deep=1 also checks the
 * session database (storage and relay join when they exist).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "db.h"
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
	struct db *db;

	return app_db(r->app, &db) == 0 && db_check(db) == 0 ? "ok" : "error";
}

static int health(struct request *r)
{
	cJSON *data, *checks, *details = NULL;
	int deep, ok = 1;
	const char *db;

	if (want_deep(r, &deep) < 0) {
		response_detail(&details, "deep", "must be 1 or 0");
		return emit_error(r, 400, "Invalid query parameter", details);
	}
	data = cJSON_CreateObject();
	if (deep) {
		checks = cJSON_AddObjectToObject(data, "checks");
		db = check_database(r);
		ok = strcmp(db, "ok") == 0;
		cJSON_AddStringToObject(checks, "database", db);
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
