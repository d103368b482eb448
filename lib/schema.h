/*
 * schema: the SQLite schema of the state's SQLite backend (state_sqlite.c
 * and nothing else: callers use lib/state.h), one migration per version.
 * Append only: a released step is never edited.
 */
#ifndef CHATS3_SCHEMA_H
#define CHATS3_SCHEMA_H

#include "db.h"

#define SCHEMA_DB_FILE "chats3.db"

extern const struct db_migration schema_migrations[];
extern const int schema_version;

/* Opens (creating, upgrading) <data_dir>/chats3.db. 0, ERR_CONFIG when the
 * path is too long, ERR_DB, ERR_NOMEM; *out is NULL on failure. */
int schema_open(struct db **out, const char *data_dir);

#endif
