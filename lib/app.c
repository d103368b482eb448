#include <stdio.h>
#include <string.h>

#include "app.h"
#include "errors.h"
#include "relay_client.h"
#include "state.h"
#include "storage.h"

int app_init(struct app *app, char err[CONFIG_ERR_LEN])
{
	memset(app, 0, sizeof *app);
	return config_load(&app->cfg, err);
}

int app_state(struct app *app, struct state **out)
{
	int rc;

	if (app->state == NULL && (rc = state_open(&app->state, &app->cfg)) < 0)
		return rc;
	*out = app->state;
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
	state_close(app->state);
	app->state = NULL;
	storage_close(app->storage);
	app->storage = NULL;
	config_free(&app->cfg);
}
