/*
 * app: what one program process holds across requests: its configuration
 * and its lazily opened database. Owned by server.c for the life of the
 * process; requests borrow it.
 */
#ifndef CHATS3_APP_H
#define CHATS3_APP_H

#include "config.h"

struct db;

struct app {
	struct config cfg;
	struct db *db; /* NULL until app_db opens it */
};

/* Loads the configuration. ERR_CONFIG with a sentence in err. */
int app_init(struct app *app, char err[CONFIG_ERR_LEN]);

/* The database, opened (and upgraded) on first use. ERR_DB when it cannot
 * be opened now; a later call tries again. */
int app_db(struct app *app, struct db **out);

/* Closes the database and frees the configuration. */
void app_free(struct app *app);

#endif
