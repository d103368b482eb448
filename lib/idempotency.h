/*
 * idempotency: the keys of sends (clientMessageId or Idempotency-Key), per
 * user, held IDEMPOTENCY_TTL_MS in the state's idempotency keys so that a
 * repeated or racing send stores its message once. A send claims its key
 * before it writes storage, notes the message it is about to store
 * (pending: with its clock, state_message_begin, as message_post does),
 * records the message once stored, and releases the claim when the write
 * failed.
 *
 * Every claim names its owner (lib/owner.h: host, boot, pid and start
 * time). A claim whose owner is gone without recording (a process killed
 * by kill -9, or by its web server's timeout, mid-send) is taken over by
 * the next claim of the key: on this host as soon as the process has
 * ended; a claim of another host (a state several hosts share) once it is
 * IDEMPOTENCY_LEASE_MS old, longer than a send takes (storage gives up
 * retrying after 10 s). The taker gets the gone owner's pending message,
 * if it noted one, to finish storing it (docs/state.md, "Idempotency
 * keys").
 *
 * Strings these calls return are the caller's to free.
 */
#ifndef CHATS3_IDEMPOTENCY_H
#define CHATS3_IDEMPOTENCY_H

#include <stdint.h>

struct state;

#define IDEMPOTENCY_TTL_MS 300000
#define IDEMPOTENCY_LEASE_MS 30000
#define IDEMPOTENCY_KEY_MAX 128

/* Claims (user_id, key) at now_ms for this process: 0 when it owns it, with
 * *pending NULL (a fresh claim) or the message JSON a gone owner was
 * storing (to be finished); 1 when another live owner holds it or it is
 * recorded (within the TTL); ERR_DB, ERR_IO (this process's name), ERR_NOMEM. */
int idempotency_claim(struct state *st, const char *user_id, const char *key, int64_t now_ms,
    char **pending);

/* Holds an owned, unrecorded claim for another lease from now_ms (a long
 * holder, the compactor, before each step that must still be its own): 0;
 * 1 when it is this process's no longer (taken over, released, recorded). */
int idempotency_renew(struct state *st, const char *user_id, const char *key, int64_t now_ms);

/* Records the stored message (JSON text) of an owned claim. */
int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json);

/* Drops an owned claim whose write failed; one whose message was noted
 * pending is given up instead, so that the next claim finishes that
 * message (it may have been stored) rather than store another. */
int idempotency_release(struct state *st, const char *user_id, const char *key);

/* The recorded message of (user_id, key): 0 with *out (caller frees it),
 * 1 while only claimed, ERR_NOTFOUND when the claim is gone, ERR_DB or
 * ERR_NOMEM. */
int idempotency_result(struct state *st, const char *user_id, const char *key, char **out);

#endif
