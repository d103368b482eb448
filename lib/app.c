#include <stdio.h>

#include "app.h"
#include "db.h"
#include "errors.h"
#include "schema.h"

int app_init(struct app *app, char err[CONFIG_ERR_LEN])
{
	app->db = NULL;
	return config_load(&app->cfg, err);
}

int app_db(struct app *app, struct db **out)
{
	char path[4096];
	int rc;

	if (app->db == NULL) {
		if (snprintf(path, sizeof path, "%s/chats3.db", app->cfg.data_dir) >=
		    (int)sizeof path)
			return ERR_CONFIG;
		if ((rc = db_open(&app->db, path, schema_migrations, schema_version)) < 0)
			return rc;
	}
	*out = app->db;
	return 0;
}

void app_free(struct app *app)
{
	db_close(app->db);
	app->db = NULL;
	config_free(&app->cfg);
}
