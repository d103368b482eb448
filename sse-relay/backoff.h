/*
 * backoff: what the relay does when accept() finds no file descriptor
 * left (EMFILE, ENFILE): instead of the listener waking the loop again at
 * once (a tight loop), it stops watching the listeners for BACKOFF_MS,
 * logs once per back-off, and watches them again after (a one-shot loop
 * timer). Streams already open carry on meanwhile; the connections that
 * wait in the backlog are accepted once descriptors are free.
 *
 * struct backoff lives in the hub (no allocation).
 */
#ifndef CHATS3_RELAY_BACKOFF_H
#define CHATS3_RELAY_BACKOFF_H

#define BACKOFF_MS 100
#define BACKOFF_LISTENERS 4 /* listeners one back-off can hold */

struct hub;
struct loop;

struct backoff {
	int fds[BACKOFF_LISTENERS]; /* the listeners not watched now */
	int n;
};

/* accept() on listener lfd failed with err: when it is EMFILE or ENFILE,
 * backs off (ctx of the listener's watch: the hub h). */
void backoff_accept(struct loop *l, struct hub *h, int lfd, int err);

#endif
