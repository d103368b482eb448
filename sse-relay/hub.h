/*
 * hub: what the relay's parts share, made once by main.c: the loop, the
 * fan-out, the state (read-only lookups and the sweep, never waiting)
 * and the settings. Owned by main.c.
 */
#ifndef CHATS3_RELAY_HUB_H
#define CHATS3_RELAY_HUB_H

#include "backoff.h"
#include "config.h"

struct conn;
struct fanout;
struct loop;
struct order;
struct redis_link;
struct state;

struct hub {
	struct loop *loop;
	struct fanout *fanout;
	struct order *order;     /* new-message in history order (order.c) */
	struct state *state;
	struct redis_link *link; /* to the other hosts (redis_link.c); NULL without CHATS3_REDIS_URL */
	struct config cfg;
	struct conn *conns;      /* every open connection (conn.c's list) */
	struct backoff backoff;  /* listeners resting after EMFILE (backoff.c) */
};

#endif
