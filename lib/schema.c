#include <stdio.h>

#include "errors.h"
#include "schema.h"

const struct db_migration schema_migrations[] = {
	/* 1: the database records which build created it, for operators. */
	{ "CREATE TABLE chats3_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	  "INSERT INTO chats3_info VALUES ('created_by', '" PACKAGE_STRING "');" },
	/* 2: sessions (tokens kept only as their SHA-256; one active display
	 * name per conversation, case-folded in name_key), the conversation
	 * cache (storage's meta.json is the truth), rate limit buckets. Times
	 * are epoch milliseconds. */
	{ "CREATE TABLE sessions ("
	  " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	  " user_id TEXT NOT NULL UNIQUE,"
	  " display_name TEXT NOT NULL,"
	  " name_key TEXT NOT NULL,"
	  " avatar_url TEXT,"
	  " role TEXT NOT NULL CHECK (role IN ('user', 'admin')),"
	  " conversation_id TEXT NOT NULL,"
	  " created_at INTEGER NOT NULL,"
	  " last_active_at INTEGER NOT NULL,"
	  " expires_at INTEGER NOT NULL);"
	  "CREATE UNIQUE INDEX sessions_name ON sessions (conversation_id, name_key);"
	  "CREATE INDEX sessions_expiry ON sessions (expires_at);"
	  "CREATE TABLE conversations ("
	  " conversation_id TEXT PRIMARY KEY,"
	  " join_code TEXT NOT NULL,"
	  " status TEXT NOT NULL CHECK (status IN ('active', 'closed')),"
	  " created_at INTEGER NOT NULL,"
	  " closed_at INTEGER) WITHOUT ROWID;"
	  "CREATE INDEX conversations_status ON conversations (status, conversation_id);"
	  "CREATE TABLE rate_limits ("
	  " bucket TEXT PRIMARY KEY,"
	  " window_start INTEGER NOT NULL,"
	  " count INTEGER NOT NULL) WITHOUT ROWID;" },
	/* 3: the message index (lib/message_index.c): batch keys per
	 * conversation, and the conversations whose keys are all in it. */
	{ "CREATE TABLE message_batches (conversation_id TEXT NOT NULL, key TEXT NOT NULL,"
	  " PRIMARY KEY (conversation_id, key)) WITHOUT ROWID;"
	  "CREATE TABLE message_covered (conversation_id TEXT PRIMARY KEY) WITHOUT ROWID;" },
	/* 4: idempotency keys of sends (lib/idempotency.c): a claim has a NULL
	 * message until the message is stored. */
	{ "CREATE TABLE idempotency (user_id TEXT NOT NULL, key TEXT NOT NULL,"
	  " message TEXT, created_at INTEGER NOT NULL,"
	  " PRIMARY KEY (user_id, key)) WITHOUT ROWID;"
	  "CREATE INDEX idempotency_age ON idempotency (created_at);" },
	/* 5: the state interface (lib/state.h): conversation revisions (the
	 * cache never goes back to an older one), the end of each rate window
	 * and of each idempotency claim (5 minutes for the claims made before),
	 * used nonces, and the per-conversation message clock. */
	{ "ALTER TABLE conversations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE rate_limits ADD COLUMN window_end INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE idempotency ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"
	  "UPDATE idempotency SET expires_at = created_at + 300000;"
	  "DROP INDEX idempotency_age;"
	  "CREATE INDEX idempotency_expiry ON idempotency (expires_at);"
	  "CREATE TABLE nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	  "CREATE INDEX nonces_expiry ON nonces (expires_at);"
	  "CREATE TABLE message_clock (conversation_id TEXT PRIMARY KEY,"
	  " last_ms INTEGER NOT NULL) WITHOUT ROWID;" },
	/* 6: the origin of the page that embeds a session made from a ticket
	 * (flow 2), for its room's frame-ancestors; NULL for a direct join. */
	{ "ALTER TABLE sessions ADD COLUMN origin TEXT;" },
	/* 7: who holds each idempotency claim (lib/owner.h; '' for the claims
	 * made before: their owner is not known) and the message it is
	 * storing, so that a claim a killed process left is taken over and its
	 * message finished. */
	{ "ALTER TABLE idempotency ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE idempotency ADD COLUMN pending TEXT;" },
	/* 8: the client address a session was made from (auth_client_net;
	 * '' when not known, as for the sessions made before), for the cap
	 * of sessions per client address. */
	{ "ALTER TABLE sessions ADD COLUMN client_net TEXT NOT NULL DEFAULT '';"
	  "CREATE INDEX sessions_client ON sessions (client_net, expires_at);" },
};

const int schema_version = sizeof schema_migrations / sizeof schema_migrations[0];

int schema_open(struct db **out, const char *data_dir)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", data_dir, SCHEMA_DB_FILE);

	*out = NULL;
	if (n < 0 || (size_t)n >= sizeof path)
		return ERR_CONFIG;
	return db_open(out, path, schema_migrations, schema_version);
}
