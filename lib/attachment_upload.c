#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "attachment_cache.h"
#include "attachment_upload.h"
#include "errors.h"
#include "fdio.h"
#include "filename.h"
#include "json.h"
#include "message_send.h"
#include "multipart.h"
#include "numparse.h"
#include "request.h"
#include "route.h"
#include "storage.h"
#include "storage_digest.h"
#include "storage_keys.h"

#define CHUNK 65536

/* An anonymous file in dir: O_TMPFILE where the filesystem has it, else a
 * name unlinked at once. The descriptor, or -1. */
static int spool_open(const char *dir)
{
	char path[4096];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	if (snprintf(path, sizeof path, "%s/.upload-XXXXXX", dir) >= (int)sizeof path)
		return -1;
	if ((fd = mkostemp(path, O_CLOEXEC)) >= 0 && unlink(path) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int refuse(struct attachment_upload *u, int rc, const char *why)
{
	if (u->why == NULL)
		u->why = why;
	return rc;
}

/* The file's size when it is the body's last part, from where its
 * content starts: -1 when that cannot be known. */
static long long expected_size(const struct attachment_upload *u, uint64_t content_offset)
{
	long long left = u->body_bytes - (long long)content_offset - (long long)u->close_bytes;

	return u->body_bytes < 0 || left < 0 || (uint64_t)left > u->max ? -1 : left;
}

static int begin_file(struct attachment_upload *u, const char *filename, uint64_t offset)
{
	if (u->fd >= 0)
		return refuse(u, ERR_INVAL, "The upload has more than one file part");
	if (filename == NULL)
		return refuse(u, ERR_INVAL, "The file part has no filename");
	if (filename_display(filename, strlen(filename), u->filename, sizeof u->filename) < 0)
		return ERR_ARG;
	if ((u->fd = spool_open(u->data_dir)) < 0)
		return ERR_IO;
	u->part = PART_FILE;
	u->expect = expected_size(u, offset);
	return storage_digest_start(&u->digest);
}

static int on_begin(void *ctx, const struct multipart_part *p)
{
	struct attachment_upload *u = ctx;

	u->part = PART_OTHER;
	if (p->name != NULL && strcmp(p->name, "file") == 0)
		return begin_file(u, p->filename, p->content_offset);
	if (p->name != NULL && strcmp(p->name, "clientMessageId") == 0) {
		if (u->has_key)
			return refuse(u, ERR_INVAL, "The upload has more than one clientMessageId");
		u->part = PART_KEY;
		u->has_key = 1;
	}
	return 0;
}

static int file_data(struct attachment_upload *u, const char *p, size_t n)
{
	size_t head = 0;

	if (n > u->max - u->size)
		return refuse(u, ERR_TOOBIG, "The file is larger than the upload limit");
	if (u->size < sizeof u->head) {
		head = sizeof u->head - (size_t)u->size;
		memcpy(u->head + u->size, p, head < n ? head : n);
	}
	u->size += n;
	if (fdio_write_all(u->fd, p, n) < 0)
		return ERR_IO;
	return storage_digest_add(&u->digest, p, n);
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct attachment_upload *u = ctx;

	if (u->part == PART_FILE)
		return file_data(u, p, n);
	if (u->part != PART_KEY)
		return 0;
	if (n >= sizeof u->client_message_id - u->key_len)
		return refuse(u, ERR_INVAL, "The clientMessageId is too long");
	if (memchr(p, '\0', n) != NULL)
		return refuse(u, ERR_INVAL, "The clientMessageId holds a NUL byte");
	memcpy(u->client_message_id + u->key_len, p, n);
	u->key_len += n;
	return 0;
}

static int on_end(void *ctx)
{
	struct attachment_upload *u = ctx;

	u->part = PART_OTHER;
	return 0;
}

/* Starts the early put of the file as the upload's attachment a. */
static int start_early(struct request *r, struct attachment_upload *u)
{
	char key[STORAGE_MAX_KEY + 1];
	struct storage *s;
	int rc;

	if ((rc = app_storage(r->app, &s)) < 0 ||
	    (rc = attachment_new(&u->a, r->session->conversation_id, r->session->user_id,
	    u->filename, attachment_sniff_type(u->head, sizeof u->head), (uint64_t)u->expect)) < 0 ||
	    (rc = keys_attachment_original(key, u->a.conversation_id, u->a.attachment_id)) < 0)
		return rc;
	u->has_a = 1;
	return storage_put_begin(s, key, u->fd, u->expect, u->a.mime_type, STORAGE_CREATE_ONLY,
	    &u->put);
}

/* Hands the early put what the spool holds, starting it once the file's
 * type is known; without one, the file is put at the end. */
static void put_early(struct request *r, struct attachment_upload *u)
{
	if (u->expect < ATTACHMENT_EARLY_PUT_MIN)
		return;
	if (u->put == NULL && u->size >= sizeof u->head && start_early(r, u) < 0)
		u->expect = -1;
	if (u->put != NULL)
		storage_put_more(u->put, (long long)u->size);
}

/* Feeds the body to mp chunk by chunk up to its end, at most cap bytes. */
static int feed_body(struct request *r, struct multipart *mp, struct attachment_upload *u,
    uint64_t cap)
{
	char chunk[CHUNK];
	uint64_t total = 0;
	long got;
	int rc;

	while ((got = r->io.read(r->io.ctx, chunk, sizeof chunk)) > 0) {
		if ((total += (uint64_t)got) > cap)
			return refuse(u, ERR_TOOBIG, "The upload is larger than the upload limit");
		if ((rc = multipart_feed(mp, chunk, (size_t)got)) < 0)
			return refuse(u, rc, rc == ERR_TOOBIG ?
			    "The upload has too many parts or too large part headers" :
			    "The upload is not a valid multipart/form-data body");
		put_early(r, u);
	}
	if (got < 0)
		return ERR_IO;
	if ((rc = multipart_finish(mp)) < 0)
		return refuse(u, rc, "The upload ended before its closing boundary");
	return 0;
}

/* Reads what is left of the body and drops it, at most cap bytes: the
 * web server gets the answer after a body it finished sending. */
static void drain(struct request *r, uint64_t cap)
{
	char chunk[CHUNK];
	uint64_t total = 0;
	long got;

	while (total <= cap && (got = r->io.read(r->io.ctx, chunk, sizeof chunk)) > 0)
		total += (uint64_t)got;
}

int attachment_upload_read(struct request *r, struct attachment_upload *u)
{
	static const struct multipart_limits lim = {
		MULTIPART_DEFAULT_MAX_PARTS, MULTIPART_DEFAULT_MAX_HEADER_BYTES
	};
	const struct multipart_handler h = { on_begin, on_data, on_end, u };
	const char *type = request_env(r, "CONTENT_TYPE"), *length = request_env(r, "CONTENT_LENGTH");
	uint64_t cap;
	long n;
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	struct multipart *mp = NULL;
	int rc;

	memset(u, 0, sizeof *u);
	u->fd = -1;
	u->max = (uint64_t)r->app->cfg.max_upload_bytes;
	u->data_dir = r->app->cfg.data_dir;
	u->body_bytes = length != NULL && numparse_long(length, strlen(length), 0, LONG_MAX, &n) == 0 ?
	    n : -1;
	u->expect = -1;
	cap = u->max + ROUTE_MULTIPART_ENVELOPE;
	if (type == NULL || multipart_boundary(type, boundary, sizeof boundary) < 0)
		rc = refuse(u, ERR_INVAL, "The multipart/form-data type has no usable boundary");
	else if ((rc = multipart_open(&mp, boundary, &lim, &h)) == 0) {
		u->close_bytes = strlen(boundary) + 8;
		rc = feed_body(r, mp, u, cap);
	}
	multipart_free(mp);
	if (rc == 0 && u->fd < 0)
		rc = refuse(u, ERR_INVAL, "The upload has no file part");
	if (rc == 0)
		rc = storage_digest_end(&u->digest, &u->digests);
	if (rc < 0)
		drain(r, cap);
	return rc;
}

/* What the message's prepare runs: the attachment's objects. */
struct objects {
	struct storage *s;
	const struct attachment *a;
	struct attachment_upload *u;
	enum { STORED_NONE, STORED_META, STORED_BOTH } stored;
};

/* The file under key: the early put's end, or a put of it whole. */
static int store_file(struct objects *o, const char *key)
{
	struct storage_put *p = o->u->put;

	o->u->put = NULL; /* storage_put_end frees it */
	if (p != NULL)
		return storage_put_end(p, &o->u->digests);
	return storage_put_file_hashed(o->s, key, o->u->fd, &o->u->digests, o->a->mime_type,
	    STORAGE_CREATE_ONLY);
}

static int store_objects(void *ctx)
{
	struct objects *o = ctx;
	char key[STORAGE_MAX_KEY + 1];
	int rc;

	if ((rc = keys_attachment_original(key, o->a->conversation_id, o->a->attachment_id)) < 0)
		return rc;
	/* meta.json first: its round trip overlaps the store's work on the
	 * bytes an early put sent before its last one */
	if ((rc = attachment_meta_put(o->s, o->a)) < 0)
		return rc;
	o->stored = STORED_META;
	if ((rc = store_file(o, key)) < 0)
		return rc;
	o->stored = STORED_BOTH;
	return 0;
}

/* m as the file message of a, from the session's user. */
static int draft(struct message *m, const struct request *r, const struct attachment *a)
{
	char url[sizeof ATTACHMENT_URL_PREFIX + UUID_STRLEN];
	int rc = message_draft(m, r->session, a->filename, NULL);

	if (rc < 0 || (rc = attachment_url(a, url, sizeof url)) < 0)
		return rc;
	m->type = MESSAGE_FILE;
	m->attachment_id = strdup(a->attachment_id);
	m->filename = strdup(a->filename);
	m->mimetype = strdup(a->mime_type);
	m->url = strdup(url);
	return m->attachment_id && m->filename && m->mimetype && m->url ? 0 : ERR_NOMEM;
}

static const char *attachment_id_of(const cJSON *msg)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "attachmentId"));
}

/* The attachment of a replayed answer's message, from its meta.json. */
static int replayed_attachment(struct storage *s, const struct request *r, const cJSON *msg,
    struct attachment *a)
{
	const char *id = attachment_id_of(msg);

	if (id == NULL)
		return ERR_CONFLICT; /* the key was a text message's */
	return attachment_load(s, r->session->conversation_id, id, a);
}

/* 1 when msg is a's message; 0 when it is an earlier attempt's (a send
 * that finished a killed one's message: its attachment is that one's). */
static int is_of(const cJSON *msg, const struct attachment *a)
{
	const char *id = attachment_id_of(msg);

	return id != NULL && strcmp(id, a->attachment_id) == 0;
}

/* {"attachment","message"} of a and msg (taken) into *out. */
static int answer_of(const struct attachment *a, cJSON *msg, cJSON **out)
{
	cJSON *att = NULL;
	int rc;

	if ((rc = attachment_json(a, &att)) < 0 || (rc = json_wrap("attachment", att, out)) < 0) {
		cJSON_Delete(msg);
		return rc;
	}
	if (!cJSON_AddItemToObject(*out, "message", msg)) {
		cJSON_Delete(msg);
		cJSON_Delete(*out);
		*out = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

/* Sends a's message, its objects stored under the claim; removes them
 * when the send fails after storing them. *msg the message sent. */
static int send_file(struct request *r, struct storage *s, struct attachment_upload *u,
    const struct attachment *a, const char *key, cJSON **msg, int *replayed)
{
	struct objects o = { s, a, u, STORED_NONE };
	const struct message_send send = { key, 1, r->id, store_objects, &o };
	struct message m;
	int rc;

	if ((rc = draft(&m, r, a)) == 0)
		rc = message_send(r->app, &m, &send, msg, replayed);
	message_free(&m);
	if (rc < 0 && o.stored == STORED_BOTH)
		attachment_remove(s, a);
	else if (rc < 0 && o.stored == STORED_META)
		attachment_meta_remove(s, a);
	return rc;
}

/* The upload's attachment into a: the early put's, at the file's size,
 * or a new one. */
static int new_attachment(const struct request *r, const struct attachment_upload *u,
    struct attachment *a)
{
	const char *type = attachment_sniff_type(u->head, u->size < sizeof u->head ?
	    (size_t)u->size : sizeof u->head);

	if (!u->has_a)
		return attachment_new(a, r->session->conversation_id, r->session->user_id,
		    u->filename, type, u->size);
	*a = u->a;
	a->size = u->size;
	return 0;
}

/* Keeps the stored file a in the download cache, from the spool. */
static void cache_upload(const struct request *r, const struct attachment_upload *u,
    const struct attachment *a)
{
	struct attachment_cache c;

	attachment_cache_init(&c, r->app->cfg.data_dir, r->app->cfg.attachment_cache_bytes);
	(void)attachment_cache_put_fd(&c, a->attachment_id, u->fd, u->size); /* a shortcut only */
}

int attachment_upload_send(struct request *r, struct attachment_upload *u, const char *key,
    cJSON **out, int *replayed)
{
	struct attachment a, first;
	struct storage *s;
	cJSON *msg = NULL;
	int rc, earlier;

	*out = NULL;
	if ((rc = app_storage(r->app, &s)) < 0 || (rc = new_attachment(r, u, &a)) < 0 ||
	    (rc = send_file(r, s, u, &a, key, &msg, replayed)) < 0)
		return rc;
	earlier = *replayed || !is_of(msg, &a);
	if (!earlier)
		cache_upload(r, u, &a);
	if (earlier && (rc = replayed_attachment(s, r, msg, &first)) < 0) {
		cJSON_Delete(msg);
		return rc;
	}
	return answer_of(earlier ? &first : &a, msg, out);
}

void attachment_upload_free(struct attachment_upload *u)
{
	storage_put_cancel(u->put);
	u->put = NULL;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	storage_digest_free(&u->digest);
}
