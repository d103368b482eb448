/*
 * session_flow: entering and leaving a conversation. session_join is the
 * one call behind flow 1 (the manual join with a code) and flow 2 (an
 * embed ticket, whose signature vouches for the conversation instead of a
 * code): the conversation must exist and be open, then a session is
 * created under a display name no live session of it uses (case-folded).
 * session_join_json is the answer both flows and GET /session give: the
 * session with its id, and the conversation. session_leave ends a session
 * and tells the others (peer-leave).
 *
 * struct session_join is the caller's (borrowed strings); the session and
 * conversation are flat values filled for the caller; the token is a
 * secret the caller wipes (OPENSSL_cleanse) after answering.
 */
#ifndef CHATS3_SESSION_FLOW_H
#define CHATS3_SESSION_FLOW_H

#include "conversation.h"
#include "session_store.h"

struct app;
struct cJSON;

struct session_join {
	const char *conversation_id;
	const char *join_code;    /* NULL: no code is asked (a verified ticket) */
	const char *display_name; /* checked by the caller (v_display_name) */
	const char *avatar_url;   /* NULL: none; checked (v_avatar_url) */
	const char *role;         /* "user" or "admin" */
	const char *user_id;      /* NULL: a new one; else a ticket's (a UUID) */
	const char *origin;       /* NULL: a direct join; else the embedding page's */
	const char *client_net;   /* NULL: not counted per address; else auth_client_net's */
};

/* Creates the session of in: 0 with token, *s and *c filled;
 * ERR_INVAL for a name or avatar URL that session_name refuses (the
 * caller's validation should have said why), ERR_NO_ENTRY (unknown
 * conversation or wrong code, alike), ERR_CLOSED,
 * ERR_NAME_TAKEN, ERR_CONV_FULL, ERR_CLIENT_FULL (the session caps of
 * state_session_create), state and storage errors. */
int session_join(struct app *app, const struct session_join *in,
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c);

/* session_join for flow 1 (in->join_code set), within the conversation's
 * budget of failed joins (session_guard.h): ERR_LOCKED with
 * *retry_after once it is spent; an unknown conversation or wrong code
 * (ERR_NO_ENTRY) spends one, logged under request_id. */
int session_join_code(struct app *app, const struct session_join *in, const char *request_id,
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c,
    long *retry_after);

/* {"session": s with sessionId token (NULL: left out), "conversation": c}
 * into *out (caller frees): 0 or ERR_NOMEM. */
int session_join_json(const struct session *s, const char *token,
    const struct conversation *c, struct cJSON **out);

/* Ends the session of token t[0..n) and broadcasts peer-leave; a
 * session already gone is fine. 0 or a state error. */
int session_leave(struct app *app, const char *t, size_t n, const char *request_id);

#endif
