/*
 * session_guard: the budget of failed joins per conversation, against
 * guessing a join code. Every wrong code (or unknown conversation: the
 * two look alike, so both count) spends one of CHATS3_JOIN_FAILURES in the
 * conversation's one-minute window, kept in the state's rate bucket
 * "joinfail:<conversationId>" so every process shares it. Once spent, the
 * conversation takes no join by code until the window ends, the right
 * code included, and the failure that spent it writes one log line an
 * operator can alert on:
 *   join guard: conversation <id> spent its 20 failed joins; joins refused for 37 s
 * This is on top of CHATS3_JOIN_RATE, which counts every join per client
 * address (an IPv6 client by its /64). Nothing is allocated.
 */
#ifndef CHATS3_SESSION_GUARD_H
#define CHATS3_SESSION_GUARD_H

struct app;

/* 0 when conversation_id may be tried now; ERR_LOCKED with *retry_after
 * (1..60 s) when its budget is spent; a state error. */
int session_guard_check(struct app *app, const char *conversation_id, long *retry_after);

/* Spends one failed join of conversation_id (logged under request_id
 * when it is the last of the budget): 0 or a state error. */
int session_guard_failed(struct app *app, const char *conversation_id, const char *request_id);

#endif
