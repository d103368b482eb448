/*
 * state_open.h: a struct state for a unit test, in a fresh directory
 * (tmpdir.h), of the backend CHATS3_STATE and CHATS3_REDIS_URL name in the
 * test's environment (sqlite when both are unset), so the same test runs
 * against another backend by setting them; CHATS3_SESSIONS_PER_CONVERSATION
 * also comes from there (a test of many sessions raises it). Every other
 * setting has its default. test_state_note writes a note as a send does.
 */
#ifndef CHATS3_TEST_STATE_OPEN_H
#define CHATS3_TEST_STATE_OPEN_H

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "state.h"

static const char *test_state_dir;

static inline const char *test_state_env(const char *name)
{
	if (strcmp(name, "CHATS3_DATA_DIR") == 0)
		return test_state_dir;
	if (strcmp(name, "CHATS3_STATE") == 0 || strcmp(name, "CHATS3_REDIS_URL") == 0 ||
	    strcmp(name, "CHATS3_SESSIONS_PER_CONVERSATION") == 0)
		return getenv(name);
	return NULL;
}

/* Opens *st with the settings get gives: 0 or an enum err. */
static inline int test_state_open_from(struct state **st, const char *(*get)(const char *))
{
	char err[CONFIG_ERR_LEN];
	struct config cfg;
	int rc;

	*st = NULL;
	if ((rc = config_load_from(&cfg, get, err)) < 0)
		return rc;
	rc = state_open(st, &cfg);
	config_free(&cfg);
	return rc;
}

/* Opens *st in dir: 0 or an enum err. */
static inline int test_state_open(struct state **st, const char *dir)
{
	test_state_dir = dir;
	return test_state_open_from(st, test_state_env);
}

static inline int test_state_fill(void *ctx, const char *conversation_id, int64_t ms,
    struct state_note *note)
{
	(void)conversation_id, (void)ms;
	*note = *(const struct state_note *)ctx;
	return 0;
}

/* state_message_begin at now in conversation "p" with the note n, as a send
 * notes its message: 0, ERR_CONFLICT when n's owner does not hold its claim. */
static inline int test_state_note(struct state *st, int64_t now, struct state_note n)
{
	int64_t ms;
	int covered;

	return state_message_begin(st, "p", now, test_state_fill, &n, &ms, &covered);
}

#endif
