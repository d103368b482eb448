/*
 * message_index: the batch keys of each conversation, in the session
 * database (tables message_batches and message_covered, schema v3), so that
 * message_store reads the newest keys without listing storage
 * (docs/history.md). It is a hint kept
 * complete, never the record: objects in storage are.
 *
 * Complete means: once a conversation is "covered", every batch key of it
 * is in the index. message_store makes that so by adding a key before
 * putting its object, and by covering a conversation only after listing
 * every key it has (none, when it is new). It therefore holds only while
 * every writer of the storage uses the same database (one host); several
 * hosts writing one bucket must not use it.
 *
 * ix is the session database (schema_open, or app_db in a program).
 * Failures are ERR_DB or ERR_NOMEM.
 */
#ifndef CHATS3_MESSAGE_INDEX_H
#define CHATS3_MESSAGE_INDEX_H

#include <stddef.h>

struct db;

/* Adds key (a batch key of conversation_id); an existing one is fine. */
int message_index_add(struct db *ix, const char *conversation_id, const char *key);

/* Sets *covered to 1 when the index holds every key of conversation_id. */
int message_index_covered(struct db *ix, const char *conversation_id, int *covered);

/* Records that it does now. */
int message_index_cover(struct db *ix, const char *conversation_id);

/* Calls fn with conversation_id's keys before before (NULL: all), newest
 * first, at most n of them, until fn returns non-zero (< 0: that error). */
int message_index_newest(struct db *ix, const char *conversation_id, const char *before,
    size_t n, int (*fn)(void *ctx, const char *key), void *ctx);

/* Brackets many adds in one transaction (BEGIN IMMEDIATE ... COMMIT);
 * end with ok 0 rolls back. */
int message_index_begin(struct db *ix);
int message_index_end(struct db *ix, int ok);

#endif
