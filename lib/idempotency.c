#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "idempotency.h"
#include "owner.h"
#include "state.h"

/* The owner of a claim given up with its message pending: not a name
 * owner_self gives (those have four fields). */
#define NOBODY "nobody"

/* 1 when the owner of c, unrecorded, is gone at now. */
static int abandoned(const struct state_claim *c, int64_t now)
{
	if (strcmp(c->owner, NOBODY) == 0)
		return 1;
	switch (owner_liveness(c->owner)) {
	case OWNER_GONE:
		return 1;
	case OWNER_ALIVE:
		return 0;
	default:
		return now - c->claimed_at >= IDEMPOTENCY_LEASE_MS;
	}
}

/* The claim me found held: 0 with *pending when it was abandoned and is now
 * me's, 1 when it stays another's. */
static int take_abandoned(struct state *st, const char *user_id, const char *key,
    int64_t now, const char *me, char **pending)
{
	struct state_claim c;
	int rc = state_idempotency_get(st, user_id, key, &c);

	if (rc == ERR_NOTFOUND)
		return 1; /* released meanwhile: the caller's next claim gets it */
	if (rc < 0)
		return rc;
	rc = 1;
	if (c.message == NULL && abandoned(&c, now))
		rc = state_idempotency_takeover(st, user_id, key, c.owner, me, now,
		    IDEMPOTENCY_TTL_MS);
	if (rc == 0) {
		*pending = c.pending;
		c.pending = NULL;
	}
	free(c.pending);
	free(c.message);
	return rc;
}

int idempotency_claim(struct state *st, const char *user_id, const char *key, int64_t now_ms,
    char **pending)
{
	char me[OWNER_MAX];
	int rc;

	*pending = NULL;
	if ((rc = owner_self(me)) < 0 ||
	    (rc = state_idempotency_claim(st, user_id, key, now_ms, IDEMPOTENCY_TTL_MS, me)) != 1)
		return rc;
	return take_abandoned(st, user_id, key, now_ms, me, pending);
}

int idempotency_renew(struct state *st, const char *user_id, const char *key, int64_t now_ms)
{
	char me[OWNER_MAX];
	int rc = owner_self(me);

	return rc < 0 ? rc : state_idempotency_takeover(st, user_id, key, me, me, now_ms,
	    IDEMPOTENCY_TTL_MS);
}

int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json)
{
	return state_idempotency_record(st, user_id, key, message_json);
}

int idempotency_release(struct state *st, const char *user_id, const char *key)
{
	char me[OWNER_MAX];
	struct state_claim c;
	int rc;

	if ((rc = owner_self(me)) < 0 || (rc = state_idempotency_get(st, user_id, key, &c)) < 0)
		return rc == ERR_NOTFOUND ? 0 : rc;
	/* Its message may have reached storage all the same (an answer lost):
	 * the next claim stores that one under its key, never another. */
	if (c.pending != NULL)
		rc = state_idempotency_takeover(st, user_id, key, me, NOBODY, c.claimed_at,
		    IDEMPOTENCY_TTL_MS);
	else
		rc = state_idempotency_release(st, user_id, key, me);
	free(c.pending);
	free(c.message);
	return rc < 0 ? rc : 0;
}

int idempotency_result(struct state *st, const char *user_id, const char *key, char **out)
{
	return state_idempotency_result(st, user_id, key, out);
}
