#include <string.h>

#include "auth.h"
#include "errors.h"
#include "session_store.h"

int auth_stream(struct state *st, const char *token, struct session *out)
{
	int rc;

	if (token[0] == '\0')
		return 401;
	rc = session_store_peek(st, token, strlen(token), out);
	return rc == 0 ? 0 : rc == ERR_NOTFOUND ? 401 : 503;
}
