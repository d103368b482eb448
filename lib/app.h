/*
 * app: what one program process holds across requests: its configuration,
 * the integrators it was given (CHATS3_INTEGRATORS_FILE, read and checked
 * at start), its lazily opened state (lib/state.h), storage and relay client. Owned by
 * server.c for the life of the process; requests borrow them.
 */
#ifndef CHATS3_APP_H
#define CHATS3_APP_H

#include "config.h"
#include "integrators.h"

struct relay;
struct state;
struct storage;

struct app {
	struct config cfg;
	struct integrators integrators; /* empty without CHATS3_INTEGRATORS_FILE */
	struct state *state;     /* NULL until app_state opens it */
	struct storage *storage; /* NULL until app_storage opens it */
	struct relay *relay;     /* NULL until app_relay opens it */
};

/* Loads the configuration and the integrators file it names. ERR_CONFIG
 * with a sentence in err. */
int app_init(struct app *app, char err[CONFIG_ERR_LEN]);

/* The state (sessions, rate limits, the conversation cache, ...), opened
 * on first use. ERR_DB when it cannot be opened now; a later call tries
 * again. */
int app_state(struct app *app, struct state **out);

/* The storage backend, opened on first use (and kept: one connection per
 * process). ERR_CONFIG or ERR_NOMEM when it cannot be opened. */
int app_storage(struct app *app, struct storage **out);

/* The client for the SSE relay, opened on first use (the relay itself
 * need not run). ERR_CONFIG, ERR_NOMEM or ERR_IO. */
int app_relay(struct app *app, struct relay **out);

/* Closes the relay client, the state and storage and frees the
 * configuration. */
void app_free(struct app *app);

#endif
