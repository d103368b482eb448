#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "attachment.h"
#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "storage.h"
#include "storage_keys.h"
#include "utf8.h"

#define OCTET_STREAM "application/octet-stream"

/* The types a file's first bytes can give it; offset is where magic sits. */
static const struct {
	const char *type;
	size_t offset;
	const char *magic;
	size_t len;
	int inline_ok;
} types[] = {
	{ "image/png", 0, "\x89PNG\r\n\x1a\n", 8, 1 },
	{ "image/jpeg", 0, "\xff\xd8\xff", 3, 1 },
	{ "image/gif", 0, "GIF87a", 6, 1 },
	{ "image/gif", 0, "GIF89a", 6, 1 },
	{ "image/webp", 8, "WEBP", 4, 1 }, /* after "RIFF" and a length */
	{ "application/pdf", 0, "%PDF-", 5, 0 },
};

const char *attachment_sniff_type(const unsigned char *head, size_t n)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t end = types[i].offset + types[i].len;

		if (n >= end && memcmp(head + types[i].offset, types[i].magic, types[i].len) == 0 &&
		    (types[i].offset == 0 || memcmp(head, "RIFF", 4) == 0))
			return types[i].type;
	}
	return OCTET_STREAM;
}

int attachment_type_inline(const char *mime_type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].type, mime_type) == 0)
			return types[i].inline_ok;
	return 0;
}

/* Copies s into the field out[cap]: ERR_ARG when it does not fit. */
static int field_set(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		return ERR_ARG;
	memcpy(out, s, n + 1);
	return 0;
}

int attachment_new(struct attachment *a, const char *conversation_id,
    const char *uploader_user_id, const char *filename, const char *mime_type,
    uint64_t size)
{
	int rc;

	memset(a, 0, sizeof *a);
	if ((rc = field_set(a->conversation_id, sizeof a->conversation_id, conversation_id)) < 0 ||
	    (rc = field_set(a->uploader_user_id, sizeof a->uploader_user_id, uploader_user_id)) < 0 ||
	    (rc = field_set(a->filename, sizeof a->filename, filename)) < 0 ||
	    (rc = field_set(a->mime_type, sizeof a->mime_type, mime_type)) < 0)
		return rc;
	a->size = size;
	a->created_ms = clock_now_ms();
	return ids_uuid4(a->attachment_id) < 0 ? ERR_IO : 0;
}

int attachment_url(const struct attachment *a, char *out, size_t cap)
{
	int n = snprintf(out, cap, ATTACHMENT_URL_PREFIX "%s", a->attachment_id);

	return n < 0 || (size_t)n >= cap ? ERR_ARG : 0;
}

/* Adds the string members names[i] = values[i] to o. */
static int add_strings(cJSON *o, const char *const names[], const char *const values[],
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cJSON_AddStringToObject(o, names[i], values[i]) == NULL)
			return ERR_NOMEM;
	return 0;
}

/* A new object with the string members, then sizeBytes: 0 or ERR_NOMEM. */
static int object_of(const char *const names[], const char *const values[], size_t n,
    uint64_t size, cJSON **out)
{
	if ((*out = cJSON_CreateObject()) == NULL)
		return ERR_NOMEM;
	if (add_strings(*out, names, values, n) < 0 ||
	    cJSON_AddNumberToObject(*out, "sizeBytes", (double)size) == NULL) {
		cJSON_Delete(*out);
		*out = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

int attachment_json(const struct attachment *a, cJSON **out)
{
	static const char *const names[] = { "attachmentId", "filename", "mimetype", "url" };
	char url[sizeof ATTACHMENT_URL_PREFIX + UUID_STRLEN];
	const char *values[] = { a->attachment_id, a->filename, a->mime_type, url };
	int rc = attachment_url(a, url, sizeof url);

	return rc < 0 ? rc : object_of(names, values, 4, a->size, out);
}

int attachment_meta_json(const struct attachment *a, cJSON **out)
{
	static const char *const names[] = {
		"attachmentId", "conversationId", "uploaderUserId", "originalFilename",
		"mimeType", "createdAt"
	};
	char created[ISO_TIME_LEN + 1];
	const char *values[] = {
		a->attachment_id, a->conversation_id, a->uploader_user_id, a->filename,
		a->mime_type, created
	};
	int rc;

	if (clock_iso(a->created_ms, created) < 0)
		return ERR_ARG;
	if ((rc = object_of(names, values, 6, a->size, out)) == 0 &&
	    cJSON_AddNullToObject(*out, "variants") == NULL) {
		cJSON_Delete(*out);
		*out = NULL;
		rc = ERR_NOMEM;
	}
	return rc;
}

int attachment_meta_put(struct storage *s, const struct attachment *a)
{
	char key[STORAGE_MAX_KEY + 1];
	cJSON *j = NULL;
	char *text = NULL;
	int rc;

	if ((rc = keys_attachment_meta(key, a->conversation_id, a->attachment_id)) < 0 ||
	    (rc = attachment_meta_json(a, &j)) < 0)
		return rc;
	if ((text = cJSON_PrintUnformatted(j)) == NULL)
		rc = ERR_NOMEM;
	else
		rc = storage_put(s, key, text, strlen(text), "application/json",
		    STORAGE_CREATE_ONLY);
	cJSON_free(text);
	cJSON_Delete(j);
	return rc;
}

/* j's string member name into out[cap]: 0, or ERR_STORAGE when it is
 * missing, too long or not UTF-8. */
static int read_string(const cJSON *j, const char *name, char *out, size_t cap)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, name));

	if (v == NULL || field_set(out, cap, v) < 0 || utf8_count(v, strlen(v)) < 0)
		return ERR_STORAGE;
	return 0;
}

/* a from the meta.json j, every field checked. */
static int from_json(const cJSON *j, struct attachment *a)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(j, "sizeBytes");
	char created[ISO_TIME_LEN + 1];

	if (read_string(j, "attachmentId", a->attachment_id, sizeof a->attachment_id) < 0 ||
	    read_string(j, "conversationId", a->conversation_id, sizeof a->conversation_id) < 0 ||
	    read_string(j, "uploaderUserId", a->uploader_user_id, sizeof a->uploader_user_id) < 0 ||
	    read_string(j, "originalFilename", a->filename, sizeof a->filename) < 0 ||
	    read_string(j, "mimeType", a->mime_type, sizeof a->mime_type) < 0 ||
	    read_string(j, "createdAt", created, sizeof created) < 0 ||
	    clock_parse_iso(created, &a->created_ms) < 0 || !cJSON_IsNumber(size) ||
	    size->valuedouble < 0 || size->valuedouble > 9007199254740992.0)
		return ERR_STORAGE;
	a->size = (uint64_t)size->valuedouble;
	return 0;
}

int attachment_load(struct storage *s, const char *conversation_id,
    const char *attachment_id, struct attachment *a)
{
	char key[STORAGE_MAX_KEY + 1];
	struct buf text;
	cJSON *j = NULL;
	int rc;

	memset(a, 0, sizeof *a);
	if (!ids_is_uuid4(attachment_id, strlen(attachment_id)) ||
	    keys_attachment_meta(key, conversation_id, attachment_id) < 0)
		return ERR_NOTFOUND;
	buf_init(&text, ATTACHMENT_META_MAX);
	if ((rc = storage_get(s, key, &text, NULL)) == ERR_TOOBIG ||
	    (rc == 0 && json_parse(text.data, text.len, &j) < 0))
		rc = ERR_STORAGE;
	if (rc == 0 && ((rc = from_json(j, a)) < 0 ||
	    strcmp(a->attachment_id, attachment_id) != 0 ||
	    strcmp(a->conversation_id, conversation_id) != 0))
		rc = ERR_STORAGE;
	cJSON_Delete(j);
	buf_free(&text);
	return rc;
}

int attachment_meta_remove(struct storage *s, const struct attachment *a)
{
	char meta[STORAGE_MAX_KEY + 1];
	int rc = keys_attachment_meta(meta, a->conversation_id, a->attachment_id);

	return rc < 0 ? rc : storage_delete(s, meta);
}

int attachment_remove(struct storage *s, const struct attachment *a)
{
	char original[STORAGE_MAX_KEY + 1];
	int rc = keys_attachment_original(original, a->conversation_id, a->attachment_id), rc2;

	if (rc < 0)
		return rc;
	rc = attachment_meta_remove(s, a);
	rc2 = storage_delete(s, original);
	return rc < 0 ? rc : rc2;
}
