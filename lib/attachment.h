/*
 * attachment: the seed's AttachmentMetadata model of a file shared in a
 * conversation, its meta.json beside the bytes in storage
 * (storage_keys.h: conversations/<c>/attachments/<id>/original and
 * meta.json), the type a file is stored with (from its first bytes, never
 * from what a client declares) and who may read it: the participants of
 * its conversation, as an attachment is only ever looked up under the
 * caller's own conversation (another one's is ERR_NOTFOUND, as is an id
 * that is not one).
 *
 * A struct attachment holds its strings in place (no allocation), so it
 * needs no freeing. JSON out of it is a new cJSON the caller frees.
 */
#ifndef CHATS3_ATTACHMENT_H
#define CHATS3_ATTACHMENT_H

#include <stddef.h>
#include <stdint.h>

#include "filename.h"
#include "ids.h"
#include "message_store.h"

struct cJSON;
struct storage;

#define ATTACHMENT_FILENAME_MAX FILENAME_DISPLAY_MAX /* bytes of a display name */
#define ATTACHMENT_SNIFF_BYTES 12    /* first bytes that decide the type */
#define ATTACHMENT_TYPE_MAX 32
#define ATTACHMENT_URL_PREFIX "/api/v1/attachments/"
#define ATTACHMENT_META_MAX 4096     /* bytes of a meta.json */

struct attachment {
	char attachment_id[UUID_STRLEN + 1];
	char conversation_id[MESSAGE_CONVERSATION_ID_MAX + 1];
	char uploader_user_id[UUID_STRLEN + 1];
	char filename[ATTACHMENT_FILENAME_MAX + 1]; /* originalFilename, for display */
	char mime_type[ATTACHMENT_TYPE_MAX];
	uint64_t size;
	int64_t created_ms;
};

/* The type of a file that starts with head[0..n): image/png, image/jpeg,
 * image/gif, image/webp, application/pdf, else application/octet-stream.
 * A static string. */
const char *attachment_sniff_type(const unsigned char *head, size_t n);

/* 1 when a browser may show a file of type inline (the images above). */
int attachment_type_inline(const char *mime_type);

/* Fills a for a new upload: a fresh id, now as createdAt. Strings longer
 * than their field: ERR_ARG; ERR_IO when no id can be made. */
int attachment_new(struct attachment *a, const char *conversation_id,
    const char *uploader_user_id, const char *filename, const char *mime_type,
    uint64_t size);

/* "/api/v1/attachments/<id>" into out. */
int attachment_url(const struct attachment *a, char *out, size_t cap);

/* The API's attachment object {attachmentId, filename, mimetype,
 * sizeBytes, url}: 0 or ERR_NOMEM. */
int attachment_json(const struct attachment *a, struct cJSON **out);

/* The seed's AttachmentMetadata (meta.json and GET .../meta): 0 or
 * ERR_NOMEM. */
int attachment_meta_json(const struct attachment *a, struct cJSON **out);

/* Stores a's meta.json, create-only. 0, or what storage_put returns. */
int attachment_meta_put(struct storage *s, const struct attachment *a);

/* The attachment attachment_id of conversation_id from its meta.json:
 * 0; ERR_NOTFOUND for no such attachment there (or an id that is not a
 * UUID); ERR_STORAGE for a meta.json that is not a valid one; storage's
 * errors. */
int attachment_load(struct storage *s, const char *conversation_id,
    const char *attachment_id, struct attachment *a);

/* Removes a's bytes and meta.json (an upload whose message failed): the
 * first failure, after trying both. */
int attachment_remove(struct storage *s, const struct attachment *a);

/* Removes a's meta.json alone (an upload whose bytes failed). */
int attachment_meta_remove(struct storage *s, const struct attachment *a);

#endif
