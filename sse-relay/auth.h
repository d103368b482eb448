/*
 * auth: whose stream this is, and whether its conversation is still
 * open. A read-only session and conversation lookup through the
 * state (session_store_peek: no write, and the state never waits for a
 * lock in the relay), so the loop is never held up.
 */
#ifndef CHATS3_RELAY_AUTH_H
#define CHATS3_RELAY_AUTH_H

struct session;
struct state;

/* The live session of token ("" for none) into out: 0; 401 without one;
 * 410 when its conversation is closed (the state's conversation cache
 * says so); 503 when the state is busy or failing (the client retries). */
int auth_stream(struct state *st, const char *token, struct session *out);

#endif
