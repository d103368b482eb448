#include <stdio.h>
#include <string.h>

#include "app.h"
#include "errors.h"
#include "relay_client.h"
#include "state.h"
#include "storage.h"

int app_init(struct app *app, char err[CONFIG_ERR_LEN])
{
	int rc;

	memset(app, 0, sizeof *app);
	if ((rc = config_load(&app->cfg, err)) < 0 || app->cfg.integrators_file == NULL)
		return rc;
	if ((rc = integrators_load(app->cfg.integrators_file, &app->integrators, err)) < 0)
		config_free(&app->cfg);
	return rc;
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
	integrators_free(&app->integrators);
	config_free(&app->cfg);
}
