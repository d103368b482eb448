#include "idempotency.h"
#include "state.h"

int idempotency_claim(struct state *st, const char *user_id, const char *key, int64_t now_ms)
{
	return state_idempotency_claim(st, user_id, key, now_ms, IDEMPOTENCY_TTL_MS);
}

int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json)
{
	return state_idempotency_record(st, user_id, key, message_json);
}

int idempotency_release(struct state *st, const char *user_id, const char *key)
{
	return state_idempotency_release(st, user_id, key);
}

int idempotency_result(struct state *st, const char *user_id, const char *key, char **out)
{
	return state_idempotency_result(st, user_id, key, out);
}
