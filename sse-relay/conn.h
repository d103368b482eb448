/*
 * conn: one client connection of the relay's HTTP side: read the request
 * head, answer it (GET /api/v1/signaling becomes an event stream, GET
 * /health the relay's health, anything else 404, all in the API's
 * envelope), then write what the fan-out queued for it, and close it when
 * the peer goes, its answer is out or the fan-out doomed it.
 *
 * A struct conn is allocated at accept and freed at close; the request
 * head's buffer only lives until the head is answered.
 */
#ifndef CHATS3_RELAY_CONN_H
#define CHATS3_RELAY_CONN_H

struct hub;
struct loop;

/* A listener's read callback: accepts what is waiting. ctx is the hub. */
void conn_accept_ready(struct loop *l, int fd, int mask, void *ctx);

#define CONN_FLUSH_SLICE 8 /* streams written before the loop looks at its sockets again */

/* The loop's before-sleep hook: writes the pending streams, oldest first,
 * and closes the doomed ones (after every fan-out of this pass), at most
 * CONN_FLUSH_SLICE of them: 1 when some are left (the loop takes what is
 * ready, such as the programs' next frames, and calls it again), else 0.
 * ctx is the hub. */
int conn_flush_pending(struct loop *l, void *ctx);

#define CONN_HEAD_MS 10000 /* a request head must have come by then */

/* A timer's callback: closes the connections whose head has not come
 * within CONN_HEAD_MS (so idle sockets cannot hold descriptors). */
void conn_expire_heads(struct loop *l, void *ctx);

/* Closes and frees every connection (at exit). */
void conn_close_all(struct hub *h);

#endif
