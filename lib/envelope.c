#include <cjson/cJSON.h>

#include "clock.h"
#include "envelope.h"

cJSON *envelope_meta(const char *request_id)
{
	char now[ISO_TIME_LEN + 1];
	cJSON *m = cJSON_CreateObject();

	if (m == NULL || clock_iso(clock_now_ms(), now) < 0 ||
	    cJSON_AddStringToObject(m, "requestId", request_id) == NULL ||
	    cJSON_AddStringToObject(m, "timestamp", now) == NULL) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* {"success":success} with item under name (freed on failure) and meta. */
static cJSON *envelope(int success, const char *name, cJSON *item, const char *request_id)
{
	cJSON *env = cJSON_CreateObject(), *m;

	if (env == NULL || !cJSON_AddBoolToObject(env, "success", success) ||
	    !cJSON_AddItemToObject(env, name, item)) {
		cJSON_Delete(item);
		cJSON_Delete(env);
		return NULL;
	}
	if ((m = envelope_meta(request_id)) == NULL || !cJSON_AddItemToObject(env, "meta", m)) {
		cJSON_Delete(m);
		cJSON_Delete(env);
		return NULL;
	}
	return env;
}

cJSON *envelope_ok(cJSON *data, const char *request_id)
{
	return data == NULL ? NULL : envelope(1, "data", data, request_id);
}

cJSON *envelope_error(const char *message, const char *request_id)
{
	cJSON *m = cJSON_CreateString(message);

	return m == NULL ? NULL : envelope(0, "message", m, request_id);
}
