/*
 * idempotency: the keys of sends (clientMessageId or Idempotency-Key), per
 * user, held IDEMPOTENCY_TTL_MS in the state's idempotency keys so that a
 * repeated or racing send stores its message once. A send claims its key
 * before it writes storage, records the message after, and releases the
 * claim when the write failed.
 */
#ifndef CHATS3_IDEMPOTENCY_H
#define CHATS3_IDEMPOTENCY_H

#include <stdint.h>

struct state;

#define IDEMPOTENCY_TTL_MS 300000
#define IDEMPOTENCY_KEY_MAX 128

/* Claims (user_id, key) at now_ms: 0 when this request owns it, 1 when
 * another one does (claimed within the TTL), ERR_DB. */
int idempotency_claim(struct state *st, const char *user_id, const char *key, int64_t now_ms);

/* Records the stored message (JSON text) of an owned claim. */
int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json);

/* Drops an owned claim whose write failed. */
int idempotency_release(struct state *st, const char *user_id, const char *key);

/* The recorded message of (user_id, key): 0 with *out (caller frees it),
 * 1 while only claimed, ERR_NOTFOUND when the claim is gone, ERR_DB or
 * ERR_NOMEM. */
int idempotency_result(struct state *st, const char *user_id, const char *key, char **out);

#endif
