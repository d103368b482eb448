#include <string.h>

#include "auth.h"
#include "conversation.h"
#include "errors.h"
#include "session_store.h"
#include "state.h"

/* 410 when the cache says the session's conversation is closed (a
 * conversation it does not hold counts as open: the relay reads no
 * storage), 503 when the state is busy, else 0. */
static int open_conversation(struct state *st, const struct session *s)
{
	struct conversation c;
	int rc = state_conversation_get(st, s->conversation_id, &c);

	if (rc == ERR_NOTFOUND)
		return 0;
	return rc < 0 ? 503 : c.closed ? 410 : 0;
}

int auth_stream(struct state *st, const char *token, struct session *out)
{
	int rc;

	if (token[0] == '\0')
		return 401;
	rc = session_store_peek(st, token, strlen(token), out);
	if (rc != 0)
		return rc == ERR_NOTFOUND ? 401 : 503;
	return open_conversation(st, out);
}
