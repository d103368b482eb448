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
int keys_attachment_original(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id);
int keys_attachment_meta(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id);

#endif
