#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "errors.h"
#include "relay_client.h"
#include "schema.h"
#include "session_store.h"
#include "storage.h"

int app_init(struct app *app, char err[CONFIG_ERR_LEN])
{
	memset(app, 0, sizeof *app);
	return config_load(&app->cfg, err);
}

int app_db(struct app *app, struct db **out)
{
	int rc;

	if (app->db == NULL && (rc = schema_open(&app->db, app->cfg.data_dir)) < 0)
		return rc;
	*out = app->db;
	return 0;
}

int app_storage(struct app *app, struct storage **out)
{
	int rc;

	if (app->storage == NULL && (rc = storage_open(&app->storage, &app->cfg)) < 0)
		return rc;
	*out = app->storage;
	return 0;
}

int app_sessions(struct app *app, struct session_store **out)
{
	struct db *db;
	int rc;

	if (app->sessions == NULL && ((rc = app_db(app, &db)) < 0 ||
	    (rc = session_store_open(&app->sessions, db, app->cfg.session_ttl_seconds)) < 0))
		return rc;
	*out = app->sessions;
	return 0;
}

int app_relay(struct app *app, struct relay **out)
{
	int rc;

	if (app->relay == NULL && (rc = relay_open(&app->relay, app->cfg.data_dir)) < 0)
		return rc;
	*out = app->relay;
	return 0;
}

void app_free(struct app *app)
{
	relay_close(app->relay);
	app->relay = NULL;
	session_store_close(app->sessions);
	app->sessions = NULL;
	db_close(app->db);
	app->db = NULL;
	storage_close(app->storage);
	app->storage = NULL;
	config_free(&app->cfg);
}
