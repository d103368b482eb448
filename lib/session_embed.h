/*
 * session_embed: flow 2, entering a conversation with a signed ticket
 * (GET /embed). The ticket is parsed and verified (lib/ticket.h), its
 * nonce claimed in the shared state (the claim is the check, so of two
 * racing uses of one ticket one wins; the nonce is kept a minute past the
 * ticket's expiry), the conversation created when it does not exist, any
 * session the ticket's user still has ended (a reload of the integrator's
 * page signs a new ticket for the same user), and the session made by
 * session_join without a code, with the ticket's user id, display name,
 * avatar, role and origin.
 *
 * The token is a secret the caller wipes; the session and conversation are
 * flat values filled for the caller.
 */
#ifndef CHATS3_SESSION_EMBED_H
#define CHATS3_SESSION_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "conversation.h"
#include "session_store.h"
#include "ticket.h"

struct app;

#define SESSION_EMBED_NONCE_KEEP_MS 60000 /* past the ticket's expiresAt */

/* Enters with ticket p[0..n) and signature sig (NULL: none) at now.
 * 0 with token, *s and *c filled; a positive enum ticket_fault (nothing
 * was done, or the nonce was claimed already: TICKET_REPLAY), with
 * detail naming the member at fault for TICKET_BAD_FIELD ("" otherwise);
 * ERR_CLOSED, ERR_NAME_TAKEN, or a state or storage error. */
int session_embed(struct app *app, const char *p, size_t n, const char *sig, int64_t now,
    const char *request_id, char detail[TICKET_DETAIL_MAX],
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c);

#endif
