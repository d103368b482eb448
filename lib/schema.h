/*
 * schema: the SQLite schema of the session database, one migration per
 * version. Append only: a released step is never edited.
 */
#ifndef CHATS3_SCHEMA_H
#define CHATS3_SCHEMA_H

#include "db.h"

extern const struct db_migration schema_migrations[];
extern const int schema_version;

#endif
