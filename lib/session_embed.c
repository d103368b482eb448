#include <stdio.h>
#include <string.h>

#include "app.h"
#include "errors.h"
#include "session_embed.h"
#include "session_flow.h"
#include "state.h"
#include "ticket.h"

/* Claims the ticket's nonce, per integrator: TICKET_OK or TICKET_REPLAY. */
static int claim_nonce(struct app *app, const struct ticket *t, int64_t now)
{
	char key[STATE_NAME_MAX + 1];
	struct state *st;
	int rc;

	if (snprintf(key, sizeof key, "ticket:%s:%s", t->v.integrator_id, t->v.nonce) >=
	    (int)sizeof key)
		return ERR_ARG;
	if ((rc = app_state(app, &st)) < 0 ||
	    (rc = state_nonce_claim(st, key, now, t->expires_at + SESSION_EMBED_NONCE_KEEP_MS)) < 0)
		return rc;
	return rc == 1 ? TICKET_REPLAY : TICKET_OK;
}

/* The conversation of the ticket, created when it does not exist. */
static int ensure_conversation(struct app *app, const char *id, struct conversation *c)
{
	int rc = conversation_get(app, id, c);

	if (rc == ERR_NOTFOUND && (rc = conversation_create(app, id, c)) == ERR_CONFLICT)
		rc = conversation_get(app, id, c); /* a racing ticket made it */
	return rc;
}

static int enter(struct app *app, const struct ticket *t, const char *request_id,
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c)
{
	const struct session_join in = {
		t->v.conversation_id, NULL, t->v.display_name, t->v.avatar_url, t->v.role,
		t->v.user_id, t->v.origin, NULL
	};
	int rc;

	if ((rc = ensure_conversation(app, t->v.conversation_id, c)) < 0 ||
	    (rc = session_leave(app, t->v.user_id, strlen(t->v.user_id), request_id)) < 0)
		return rc;
	return session_join(app, &in, token, s, c);
}

int session_embed(struct app *app, const char *p, size_t n, const char *sig, int64_t now,
    const char *request_id, char detail[TICKET_DETAIL_MAX],
    char token[SESSION_TOKEN_LEN + 1], struct session *s, struct conversation *c)
{
	const struct integrator *who;
	struct ticket t;
	int rc;

	if ((rc = ticket_parse(p, n, &t)) == TICKET_OK &&
	    (rc = ticket_verify(&t, p, n, sig, &app->integrators, now, &who)) == TICKET_OK &&
	    (rc = claim_nonce(app, &t, now)) == TICKET_OK)
		rc = enter(app, &t, request_id, token, s, c);
	memcpy(detail, t.detail, TICKET_DETAIL_MAX);
	ticket_free(&t);
	return rc;
}
