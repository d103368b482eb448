/*
 * storage_keys: the one place that knows the storage layout of the seed:
 *
 *   conversations/<conversationId>/meta.json
 *   conversations/<conversationId>/messages/<YYYY-MM-DD>/<13-digit epoch ms>-<uuid>.ndjson
 *   conversations/<conversationId>/attachments/<attachmentId>/original
 *   conversations/<conversationId>/attachments/<attachmentId>/meta.json
 *
 * Functions write into a caller buffer of STORAGE_MAX_KEY + 1 bytes and
 * return 0 or ERR_INVAL when an id is not valid (so no key is ever built
 * from an unchecked id). Also the key rules every backend enforces.
 */
#ifndef CHATS3_STORAGE_KEYS_H
#define CHATS3_STORAGE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "storage.h"

/* 1 when id matches ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$ (which conv-<uuid>
 * does too). */
int keys_valid_conversation_id(const char *id);

/* 1 when key is usable by every backend: 1..STORAGE_MAX_KEY bytes, no NUL
 * (by construction), no control characters, no leading '/', no empty
 * segment, no "." or ".." segment. */
int keys_valid(const char *key);

int keys_meta(char out[STORAGE_MAX_KEY + 1], const char *conversation_id);
/* "conversations/<id>/messages/" */
int keys_messages_prefix(char out[STORAGE_MAX_KEY + 1], const char *conversation_id);
/* "conversations/<id>/messages/<YYYY-MM-DD>/" for the UTC day of ms */
int keys_messages_day_prefix(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t ms);
/* "conversations/<id>/messages/<day>/<ms, 13 digits>-<uuid>.ndjson" */
int keys_message_batch(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t ms, const char *uuid);
/* A compacted batch (lib/message_compact.h): the messages of
 * first_ms..last_ms of one day in one object, named
 * "<day>/<first_ms>-00000000-0000-4000-8000-<12 hex>.ndjson", the hex
 * being 0xffffffffffff - last_ms, so that the name sorts before every
 * key it replaces and, of two that start together, the longer first. */
int keys_message_compacted(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t first_ms, int64_t last_ms);

/* 1 when key names a compacted batch, with its range into *first and
 * *last (either may be NULL); 0 for any other key. */
int keys_compacted_range(const char *key, int64_t *first, int64_t *last);

/* The milliseconds of a batch key's name into *ms: 0, or ERR_INVAL when
 * key is not one. */
int keys_batch_ms(const char *key, int64_t *ms);

/* Walking a conversation's batch keys in byte order: which ones a
 * compacted batch seen before replaces (the plain keys of its range and
 * shorter compacted batches of its start). Zero it to begin. */
struct keys_cover {
	int on;
	int64_t first, last;
};

/* 1 when key is replaced by a compacted batch passed before it in the
 * walk (skip it); 0 when it counts (a compacted one then covers the keys
 * after it). */
int keys_covered(struct keys_cover *c, const char *key);

int keys_attachment_original(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id);
int keys_attachment_meta(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id);

#endif
