#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ids.h"
#include "json.h"
#include "relay_frame.h"
#include "storage_keys.h"

/* The string of obj's member name, or NULL when it is not a string. */
static const char *string_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int is_user_id(const char *s)
{
	return s != NULL && ids_is_uuid4(s, strlen(s));
}

/* An event frame's members into f: 0 or ERR_INVAL. */
static int read_event(const cJSON *root, struct relay_frame *f)
{
	cJSON *event = cJSON_GetObjectItemCaseSensitive(root, "event");
	const cJSON *to;

	f->kind = RELAY_FRAME_EVENT;
	f->conversation_id = string_of(root, "conversationId");
	if (f->conversation_id == NULL || !keys_valid_conversation_id(f->conversation_id) ||
	    !cJSON_IsObject(event) || string_of(event, "type") == NULL)
		return ERR_INVAL;
	to = cJSON_GetObjectItemCaseSensitive(event, "toUserId");
	if (to != NULL && !cJSON_IsNull(to) && !is_user_id(string_of(event, "toUserId")))
		return ERR_INVAL;
	f->to_user_id = cJSON_IsString(to) ? to->valuestring : NULL;
	f->event = event;
	return 0;
}

static int read_close(const cJSON *close, struct relay_frame *f)
{
	f->kind = RELAY_FRAME_CLOSE;
	f->user_id = string_of(close, "userId");
	return cJSON_IsObject(close) && is_user_id(f->user_id) ? 0 : ERR_INVAL;
}

int relay_frame_parse(const char *p, size_t n, struct relay_frame *out)
{
	const cJSON *v, *close;
	cJSON *root = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (n > RELAY_FRAME_MAX || json_parse(p, n, &root) < 0)
		return ERR_INVAL;
	v = cJSON_GetObjectItemCaseSensitive(root, "v");
	close = cJSON_GetObjectItemCaseSensitive(root, "close");
	if (!cJSON_IsObject(root) || !cJSON_IsNumber(v) || v->valuedouble != RELAY_FRAME_VERSION)
		rc = ERR_INVAL;
	else
		rc = close != NULL ? read_close(close, out) : read_event(root, out);
	if (rc < 0) {
		cJSON_Delete(root);
		memset(out, 0, sizeof *out);
		return rc;
	}
	out->root = root;
	return 0;
}

void relay_frame_free(struct relay_frame *f)
{
	if (f == NULL)
		return;
	cJSON_Delete(f->root);
	memset(f, 0, sizeof *f);
}

/* A new frame object {"v":1}, or NULL. */
static cJSON *frame_new(void)
{
	cJSON *frame = cJSON_CreateObject();

	if (frame != NULL && cJSON_AddNumberToObject(frame, "v", RELAY_FRAME_VERSION) == NULL) {
		cJSON_Delete(frame);
		return NULL;
	}
	return frame;
}

char *relay_frame_event(const char *conversation_id, const cJSON *event)
{
	cJSON *frame = frame_new();
	char *text = NULL;

	if (frame != NULL && cJSON_AddStringToObject(frame, "conversationId", conversation_id) != NULL &&
	    cJSON_AddItemReferenceToObject(frame, "event", (cJSON *)event))
		text = cJSON_PrintUnformatted(frame);
	cJSON_Delete(frame); /* the reference leaves event to its owner */
	return text;
}

char *relay_frame_close(const char *user_id)
{
	cJSON *frame = frame_new(), *close = NULL;
	char *text = NULL;

	if (frame != NULL && (close = cJSON_AddObjectToObject(frame, "close")) != NULL &&
	    cJSON_AddStringToObject(close, "userId", user_id) != NULL)
		text = cJSON_PrintUnformatted(frame);
	cJSON_Delete(frame);
	return text;
}
