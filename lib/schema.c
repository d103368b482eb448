#include "schema.h"

const struct db_migration schema_migrations[] = {
	/* 1: the database records which build created it, for operators. */
	{ "CREATE TABLE chats3_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	  "INSERT INTO chats3_info VALUES ('created_by', '" PACKAGE_STRING "');" },
};

const int schema_version = sizeof schema_migrations / sizeof schema_migrations[0];
