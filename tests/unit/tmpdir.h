/*
 * tmpdir.h: a fresh directory under $TMPDIR (else /tmp) for a unit test
 * that needs files (a SQLite database, local storage), removed at the end.
 */
#ifndef CHATS3_TMPDIR_H
#define CHATS3_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMPDIR_MAX 4096

/* Makes "$TMPDIR/<name>.XXXXXX" into dir[TMPDIR_MAX]: 0, or -1. */
static inline int tmpdir_make(char dir[TMPDIR_MAX], const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, TMPDIR_MAX, "%s/%s.XXXXXX", tmp ? tmp : "/tmp", name);

	return n > 0 && n < TMPDIR_MAX && mkdtemp(dir) != NULL ? 0 : -1;
}

/* Removes dir and everything in it: 0, or -1. */
static inline int tmpdir_remove(const char *dir)
{
	char cmd[TMPDIR_MAX + 16];
	int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);

	return n > 0 && (size_t)n < sizeof cmd && system(cmd) == 0 ? 0 : -1;
}

/* The directory of the test's data: the one tmpdir_env gives. */
static char tmpdir_data[TMPDIR_MAX] __attribute__((unused));

/* The settings of programs whose data and local storage are in
 * tmpdir_data, for config_load_from. */
static inline const char *tmpdir_env(const char *name)
{
	if (strcmp(name, "CHATS3_DATA_DIR") == 0)
		return tmpdir_data;
	if (strcmp(name, "CHATS3_STORAGE") == 0)
		return "fs";
	return NULL;
}

#endif
