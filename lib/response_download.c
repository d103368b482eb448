#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "escape.h"
#include "fdio.h"
#include "http_range.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "response_download.h"

#define DOWNLOAD_CACHE "private, no-cache"
#define DOWNLOAD_CSP "default-src 'none'; sandbox"
#define DISPOSITION_MAX (4 * ESCAPE_FILENAME_MAX + 64)

static size_t len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Checks d and prepares what its headers say: the Last-Modified date
 * (empty when none) and the Content-Disposition value. */
static int prepare(const struct download *d, char date[HTTP_DATE_LEN + 1], struct buf *disp)
{
	int rc;

	date[0] = '\0';
	if ((d->etag != NULL && !http_etag_valid(d->etag, strlen(d->etag), 1)) ||
	    (d->content_type != NULL && !response_value_ok(d->content_type)) ||
	    (d->last_modified_ms != 0 && clock_http_date(d->last_modified_ms, date) < 0))
		return ERR_INTERNAL;
	if ((rc = buf_puts(disp, d->inline_ok ? "inline" : "attachment")) < 0 ||
	    d->filename == NULL)
		return rc;
	if ((rc = buf_puts(disp, "; ")) < 0)
		return rc;
	rc = escape_disposition_filename(disp, d->filename, strlen(d->filename));
	return rc == ERR_INVAL || rc == ERR_TOOBIG ? ERR_INTERNAL : rc;
}

/* The status the request gets: 304, 200 with *part the whole file, 206
 * with *part the range, or 416. */
static int choose(const struct request *r, const struct download *d, const char *date,
    struct http_range *part)
{
	const char *inm = request_header(r, "if-none-match");
	const char *range = request_header(r, "range"), *if_range = request_header(r, "if-range");

	part->first = 0;
	part->last = d->length > 0 ? d->length - 1 : 0;
	if (d->etag != NULL && http_if_none_match(inm, len_of(inm), d->etag))
		return 304;
	if (strcmp(r->method, "GET") != 0 || range == NULL ||
	    !http_if_range(if_range, len_of(if_range), d->etag, date))
		return 200;
	switch (http_range_parse(range, strlen(range), d->length, part)) {
	case HTTP_RANGE_PARTIAL:
		return 206;
	case HTTP_RANGE_UNSATISFIABLE:
		return 416;
	default:
		return 200;
	}
}

/* ETag, Last-Modified and Accept-Ranges: on every answer about the file. */
static int add_validators(struct request *r, const struct download *d, const char *date)
{
	int rc = 0;

	if (d->etag != NULL)
		rc = request_add_header(r, "ETag", d->etag);
	if (rc == 0 && date[0] != '\0')
		rc = request_add_header(r, "Last-Modified", date);
	return rc ? rc : request_add_header(r, "Accept-Ranges", "bytes");
}

/* Content-Range of part, or of the length alone when part is NULL. */
static int add_content_range(struct request *r, const struct http_range *part,
    uint64_t length)
{
	char v[80];
	int n;

	if (part != NULL)
		n = snprintf(v, sizeof v, "bytes %llu-%llu/%llu", (unsigned long long)part->first,
		    (unsigned long long)part->last, (unsigned long long)length);
	else
		n = snprintf(v, sizeof v, "bytes */%llu", (unsigned long long)length);
	if (n < 0 || (size_t)n >= sizeof v)
		return ERR_INTERNAL;
	return request_add_header(r, "Content-Range", v);
}

/* 1 when the web server, sending the file itself, answers exactly as this
 * module would: a GET of the whole file without the Range and
 * If-Modified-Since that lighttpd would answer on its own rules. */
static int web_server_may_send(const struct request *r, const char *path, int status,
    uint64_t len)
{
	return path != NULL && status == 200 && len > 0 && strcmp(r->method, "GET") == 0 &&
	    request_header(r, "range") == NULL && request_header(r, "if-modified-since") == NULL &&
	    response_value_ok(path);
}

/* The head of a 200 or 206 (with X-Sendfile: xsendfile when the web server
 * may send the bytes); 1 when the bytes of part must follow. */
static int answer_entity(struct request *r, const struct download *d, int status,
    const struct http_range *part, const char *disposition, const char *xsendfile)
{
	uint64_t len = status == 206 ? part->last - part->first + 1 : d->length;
	struct response_head h = { status, d->content_type ? d->content_type :
	    "application/octet-stream", &len, DOWNLOAD_CACHE, DOWNLOAD_CSP, 0 };
	int sent_by_server = web_server_may_send(r, xsendfile, status, len), rc;

	if ((status == 206 && (rc = add_content_range(r, part, d->length)) < 0) ||
	    (rc = request_add_header(r, "Content-Disposition", disposition)) < 0 ||
	    (sent_by_server && (rc = request_add_header(r, "X-Sendfile", xsendfile)) < 0) ||
	    (rc = response_answer(r, &h, NULL, 0)) < 0)
		return rc;
	return strcmp(r->method, "HEAD") != 0 && len > 0 && !sent_by_server;
}

static int answer_unsatisfiable(struct request *r, uint64_t length)
{
	int rc = add_content_range(r, NULL, length);

	return rc < 0 ? rc : emit_error(r, 416, "Requested range not satisfiable", NULL);
}

/* Answers the request up to the body: 1 when the bytes of *part must
 * follow, 0 when the answer is complete, or a negative enum err. */
static int begin(struct request *r, const struct download *d, struct http_range *part,
    const char *xsendfile)
{
	static const struct response_head not_modified = { 304, NULL, NULL, DOWNLOAD_CACHE,
		NULL, 0 };
	char date[HTTP_DATE_LEN + 1];
	struct buf disp;
	int status, rc;

	buf_init(&disp, DISPOSITION_MAX);
	if ((rc = prepare(d, date, &disp)) < 0)
		goto done;
	status = choose(r, d, date[0] != '\0' ? date : NULL, part);
	if ((rc = add_validators(r, d, date)) < 0)
		goto done;
	if (status == 304)
		rc = response_answer(r, &not_modified, NULL, 0);
	else if (status == 416)
		rc = answer_unsatisfiable(r, d->length);
	else
		rc = answer_entity(r, d, status, part, disp.data, xsendfile);
done:
	buf_free(&disp);
	return rc;
}

int response_download_begin(struct request *r, const struct download *d,
    struct http_range *part)
{
	return begin(r, d, part, NULL);
}

int response_download(struct request *r, const struct download *d, const char *body)
{
	struct http_range part;
	int rc = response_download_begin(r, d, &part);

	if (rc <= 0)
		return rc;
	return response_stream_write(r, body + part.first, (size_t)(part.last - part.first + 1));
}

/* Sends the bytes *part of the file, read through read(ctx, ...). */
static int send_part(struct request *r, const struct download *d, const struct http_range *part,
    download_reader read, void *ctx)
{
	char chunk[65536];
	uint64_t off, end;
	size_t ask;
	long got;
	int rc;

	for (off = part->first, end = part->last + 1; off < end; off += (uint64_t)got) {
		ask = end - off < sizeof chunk ? (size_t)(end - off) : sizeof chunk;
		if ((got = read(ctx, off, chunk, ask)) <= 0 || (size_t)got > ask) {
			log_error(r->id, "download cut short: the file %s at byte %llu of %llu",
			    got == 0 ? "ended" : "failed", (unsigned long long)off,
			    (unsigned long long)d->length);
			return ERR_IO;
		}
		if ((rc = response_stream_write(r, chunk, (size_t)got)) < 0)
			return rc;
	}
	return 0;
}

int response_download_stream(struct request *r, const struct download *d,
    download_reader read, void *ctx)
{
	struct http_range part;
	int rc = response_download_begin(r, d, &part);

	return rc <= 0 ? rc : send_part(r, d, &part, read, ctx);
}

static long read_fd(void *ctx, uint64_t offset, char *p, size_t n)
{
	return fdio_pread(*(const int *)ctx, p, n, (long long)offset);
}

int response_download_file(struct request *r, const struct download *d, int fd,
    const char *xsendfile)
{
	struct http_range part;
	int rc = begin(r, d, &part, xsendfile);

	return rc <= 0 ? rc : send_part(r, d, &part, read_fd, &fd);
}
