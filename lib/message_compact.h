/*
 * message_compact: merges a conversation's small batches (one message
 * each, as every send stores them) of a closed time window into compacted
 * batches, one object per day and window of at most MESSAGE_COMPACT_MAX
 * messages and MESSAGE_BATCH_BYTES, so that a history page of 50 costs one
 * or two storage reads instead of 50 (docs/history.md, Compaction).
 *
 * For each day it writes the compacted object first (create-only, under
 * storage_keys' keys_message_compacted, its lines the small objects' bytes
 * in history order), then switches the index from the small keys to it in
 * one state_index_replace, then, grace_ms later, deletes the small
 * objects in key order. Readers at any moment see each message once and
 * in order (message_store.c reads by position, and a listing skips what a
 * compacted key replaces). A run killed at any point leaves history
 * intact; the next run finishes its work first (switching and deleting
 * what an existing compacted batch replaces).
 *
 * Only batches older than before_ms take part, and a key the index holds
 * without its object (a send still storing, or one whose put failed)
 * bounds a window, so a late put lands beside the compacted batches, not
 * inside. One compactor at a time per conversation: it holds the
 * conversation's claim ("compactor", id) in the state's claims, which a
 * killed run's successor takes over at once (lib/idempotency.h), another
 * host's after the lease; the run renews it before each index switch and
 * stops (ERR_BUSY) when it finds it taken over.
 *
 * Storage and state are borrowed; nothing is kept between calls.
 */
#ifndef CHATS3_MESSAGE_COMPACT_H
#define CHATS3_MESSAGE_COMPACT_H

#include <stddef.h>
#include <stdint.h>

struct state;
struct storage;

struct message_compact_report {
	size_t written;  /* compacted batches stored */
	size_t replaced; /* batch keys the index swapped for them */
	size_t deleted;  /* objects deleted */
	size_t kept;     /* replaced-looking objects kept: their message is
	                    not in the compacted batch (logged) */
};

/* Compacts conversation_id's batches older than before_ms (epoch ms),
 * adding to *r: 0, ERR_BUSY when another compactor holds the conversation,
 * or a storage or state error (the work done so far stays consistent). */
int message_compact(struct storage *s, struct state *st, const char *conversation_id,
    int64_t before_ms, long grace_ms, struct message_compact_report *r);

#endif
