#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "attachment.h"
#include "attachment_cache.h"
#include "attachment_download.h"
#include "errors.h"
#include "http_range.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "response_download.h"
#include "storage.h"
#include "storage_keys.h"

/* Where the stored bytes go: the answer's head once storage has the
 * object, then the bytes of the range, in order. */
struct range_sink {
	struct request *r;
	const struct download *d;
	uint64_t at;        /* offset of the next byte from storage */
	struct attachment_cache_fill *fill; /* every byte from storage, for the cache */
	struct http_range part;
	int done;           /* the answer is complete: the transfer was stopped */
	int result;         /* the answer's outcome once done */
};

/* Stops the transfer with the answer complete. */
static int finish(struct range_sink *k, int rc)
{
	k->done = 1;
	k->result = rc;
	return -1;
}

static int sink_begin(void *ctx, const struct storage_meta *meta)
{
	struct range_sink *k = ctx;
	int rc;

	if (meta->size < 0 || (uint64_t)meta->size != k->d->length)
		return finish(k, ERR_STORAGE);
	rc = response_download_begin(k->r, k->d, &k->part);
	return rc <= 0 ? finish(k, rc) : 0;
}

static int sink_write(void *ctx, const char *p, size_t n)
{
	struct range_sink *k = ctx;
	uint64_t from = k->at, to = k->at + n; /* [from, to) of the object */

	k->at = to;
	attachment_cache_fill_write(k->fill, p, n);
	if (to <= k->part.first)
		return 0;
	if (from < k->part.first) {
		p += k->part.first - from;
		from = k->part.first;
	}
	if (to > k->part.last + 1)
		to = k->part.last + 1;
	if (response_stream_write(k->r, p, (size_t)(to - from)) < 0)
		return finish(k, ERR_IO);
	return to == k->part.last + 1 ? finish(k, 0) : 0;
}

/* Answers with a's bytes streamed from s, caching them when the whole
 * object came (a GET of the whole file). */
static int from_storage(struct request *r, struct storage *s, const struct attachment *a,
    const struct download *d, const struct attachment_cache *c)
{
	char key[STORAGE_MAX_KEY + 1];
	struct attachment_cache_fill fill;
	struct range_sink k = { r, d, 0, &fill, { 0, 0 }, 0, 0 };
	const struct storage_sink sink = { sink_begin, sink_write, &k };
	int rc;

	if (keys_attachment_original(key, a->conversation_id, a->attachment_id) < 0)
		return ERR_INTERNAL;
	(void)attachment_cache_fill_begin(c, a->size, &fill); /* none: fill stays inert */
	rc = storage_get_stream(s, key, &sink);
	if (k.done)
		rc = k.result;
	else if (rc == 0)
		rc = ERR_IO; /* the object ended before the bytes it promised */
	if (rc == 0)
		(void)attachment_cache_fill_end(&fill, a->attachment_id); /* when it came whole */
	else
		attachment_cache_fill_cancel(&fill);
	if (rc < 0 && r->answered)
		log_error(r->id, "attachment %s cut short at byte %llu of %llu: %s",
		    a->attachment_id, (unsigned long long)k.at, (unsigned long long)a->size,
		    err_str(rc));
	return rc;
}

/* The cached file's path for X-Sendfile: when the web server sends files
 * from a directory (CHATS3_XSENDFILE_ROOT) that holds it, and can find it
 * (an absolute path, with no '%' that lighttpd would decode). */
static const char *xsendfile_path(const struct request *r, const char *path)
{
	const char *root = r->app->cfg.xsendfile_root;
	size_t n = root != NULL ? strlen(root) : 0;

	return n > 0 && root[0] == '/' && strncmp(path, root, n) == 0 && path[n] == '/' &&
	    strchr(path, '%') == NULL ? path : NULL;
}

int attachment_download(struct request *r, struct storage *s, const struct attachment *a)
{
	char etag[UUID_STRLEN + 3], path[ATTACHMENT_CACHE_PATH_MAX];
	const struct download d = {
		a->mime_type, a->filename, etag, a->created_ms, a->size,
		attachment_type_inline(a->mime_type)
	};
	struct attachment_cache c;
	int fd, rc;

	if (snprintf(etag, sizeof etag, "\"%s\"", a->attachment_id) >= (int)sizeof etag)
		return ERR_INTERNAL;
	attachment_cache_init(&c, r->app->cfg.data_dir, r->app->cfg.attachment_cache_bytes);
	if ((fd = attachment_cache_open(&c, a->attachment_id, a->size, path, sizeof path)) < 0)
		return from_storage(r, s, a, &d, &c);
	rc = response_download_file(r, &d, fd, xsendfile_path(r, path));
	close(fd);
	return rc;
}
