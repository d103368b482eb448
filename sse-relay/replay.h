/*
 * replay: the events of one conversation of the last CHATS3_RELAY_REPLAY_MS
 * (60 s), for a stream that reconnects with Last-Event-ID. A ring of
 * entries in id order, each a copy of the event's SSE text and its target
 * user; at most REPLAY_MAX entries (the oldest go first). The ring owns
 * its copies; replay_free releases them.
 */
#ifndef CHATS3_RELAY_REPLAY_H
#define CHATS3_RELAY_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "ids.h"

#define REPLAY_MAX 4096

struct replay_entry {
	uint64_t id;
	int64_t at;                   /* epoch ms it came in */
	char to[UUID_STRLEN + 1];     /* "" for everyone */
	char *text;
	size_t len;
};

struct replay {
	struct replay_entry *e;
	size_t first, count, cap;
};

/* Called per replayed entry; a negative return stops the walk and is returned. */
typedef int replay_fn(void *ctx, const char *text, size_t len);

/* Appends a copy of text[0..len) as event id (larger than any before) for
 * to (NULL: everyone). 0 or ERR_NOMEM. */
int replay_add(struct replay *r, uint64_t id, int64_t at, const char *to,
    const char *text, size_t len);

/* Drops the entries that came in before before. */
void replay_prune(struct replay *r, int64_t before);

/* Calls fn for each entry after id after, oldest first, meant for
 * everyone or for user. */
int replay_after(const struct replay *r, uint64_t after, const char *user, replay_fn *fn,
    void *ctx);

/* Frees the entries; r is empty afterwards. */
void replay_free(struct replay *r);

#endif
