/*
 * db: the process's SQLite connection (WAL, busy timeout, foreign keys),
 * schema upgrades through PRAGMA user_version, and a cache of prepared
 * statements keyed by their SQL text's address (static strings).
 *
 * A struct db owns its connection and statements; db_close frees them.
 * Statements from db_stmt belong to the cache: call db_done when finished.
 */
#ifndef CHATS3_DB_H
#define CHATS3_DB_H

#include <sqlite3.h>

struct db;

/* One schema step: SQL run inside the upgrade transaction that takes the
 * database to version index + 1. */
struct db_migration {
	const char *sql;
};

/* Opens (creating, mode 0600: its -wal and -shm files too) path and
 * upgrades it with migrations[0..n). 0, ERR_DB or ERR_NOMEM. *out is
 * NULL on failure. */
int db_open(struct db **out, const char *path,
    const struct db_migration *migrations, int n);

/* The cached statement for sql (a string with static storage), prepared
 * on first use, or NULL on ERR_DB. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Resets and clears st's bindings so the cache can hand it out again. */
void db_done(sqlite3_stmt *st);

/* The schema version the database holds, or ERR_DB. */
int db_version(struct db *db);

/* Proves the file is readable, the schema current and the file writable
 * by this process (a write, rolled back): 0 or ERR_DB. */
int db_check(struct db *db);

/* The connection, for modules that need sqlite3_* calls directly. */
sqlite3 *db_handle(struct db *db);

/* Finalizes every statement and closes the connection. NULL is fine. */
void db_close(struct db *db);

#endif
