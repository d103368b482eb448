#include <stdio.h>
#include <string.h>

#include "attachment.h"
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

int attachment_download(struct request *r, struct storage *s, const struct attachment *a)
{
	char etag[UUID_STRLEN + 3], key[STORAGE_MAX_KEY + 1];
	const struct download d = {
		a->mime_type, a->filename, etag, a->created_ms, a->size,
		attachment_type_inline(a->mime_type)
	};
	struct range_sink k = { r, &d, 0, { 0, 0 }, 0, 0 };
	const struct storage_sink sink = { sink_begin, sink_write, &k };
	int rc;

	if (snprintf(etag, sizeof etag, "\"%s\"", a->attachment_id) >= (int)sizeof etag ||
	    keys_attachment_original(key, a->conversation_id, a->attachment_id) < 0)
		return ERR_INTERNAL;
	rc = storage_get_stream(s, key, &sink);
	if (k.done)
		rc = k.result;
	else if (rc == 0)
		rc = ERR_IO; /* the object ended before the bytes it promised */
	if (rc < 0 && r->answered)
		log_error(r->id, "attachment %s cut short at byte %llu of %llu: %s",
		    a->attachment_id, (unsigned long long)k.at, (unsigned long long)a->size,
		    err_str(rc));
	return rc;
}
