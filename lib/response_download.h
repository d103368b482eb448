/*
 * response_download: a stored file as the answer to GET or HEAD, whole or
 * one byte range of it, from memory or streamed from a reader, through
 * response.c's one writer. What a browser gets:
 *
 *   200 (or 206 with Content-Range: bytes first-last/length), with
 *     Content-Length, Accept-Ranges: bytes, the caller's strong ETag,
 *     Last-Modified when known, Content-Disposition: attachment (inline
 *     when the caller says the type is safe to show) with the file name as
 *     RFC 6266 wants it (escape_disposition_filename),
 *     Cache-Control: private, no-cache (a browser may keep the file but
 *     asks again before each use, so a session that ends loses it; the
 *     ETag makes asking again cheap) and Content-Security-Policy:
 *     default-src 'none'; sandbox (a file opened in the browser anyway
 *     runs nothing).
 *   304 when If-None-Match matches the ETag (weak comparison).
 *   206 for a Range of one byte range on a GET, when If-Range (if any)
 *     names the ETag or the Last-Modified date; more than one range, or an
 *     If-Range that does not match, gets the whole file (200).
 *   416 for a range that starts past the end, with the Content-Range that
 *     names only the length (RFC 9110 section 14.4), in the JSON envelope
 *     as every error.
 *   HEAD: the headers GET would get for the whole file, no body.
 *
 * Nothing is owned: the struct download and its strings are the caller's.
 */
#ifndef CHATS3_RESPONSE_DOWNLOAD_H
#define CHATS3_RESPONSE_DOWNLOAD_H

#include <stddef.h>
#include <stdint.h>

struct http_range;
struct request;

struct download {
	const char *content_type; /* printable ASCII; NULL: application/octet-stream */
	const char *filename;     /* UTF-8, for Content-Disposition; NULL: none */
	const char *etag;         /* a strong entity-tag, quotes included; NULL: none */
	int64_t last_modified_ms; /* epoch milliseconds; 0: no Last-Modified */
	uint64_t length;          /* bytes of the whole file */
	int inline_ok;            /* Content-Disposition: inline, not attachment */
};

/* Reads up to n bytes of the file at offset into p: the count (> 0), 0
 * when the file ends, -1 on failure. Called for consecutive offsets, from
 * the first byte the answer sends on. */
typedef long (*download_reader)(void *ctx, uint64_t offset, char *p, size_t n);

/* Answers with the file body[0..d->length). 0 once answered;
 * ERR_INTERNAL, nothing sent, for a d that is not valid (an ETag that is
 * not a strong entity-tag, a content type that is not printable, an empty
 * file name, a date out of range); ERR_NOMEM; ERR_IO when the client is
 * gone. */
int response_download(struct request *r, const struct download *d, const char *body);

/* Answers up to the body, for a caller that pushes the bytes itself with
 * response_stream_write: 1 when the bytes *part (inclusive) of the file
 * must follow, 0 when the answer is complete (304, 416, HEAD, an empty
 * file), or a negative enum err as response_download. */
int response_download_begin(struct request *r, const struct download *d,
    struct http_range *part);

/* The same, the bytes read through read(ctx, ...). A reader that fails or
 * ends before the promised length cuts the answer short, as the headers
 * are out by then: that is logged under the request id and gives ERR_IO. */
int response_download_stream(struct request *r, const struct download *d,
    download_reader read, void *ctx);

/* The same, the bytes read from the regular file open on fd (which stays
 * the caller's). With xsendfile, the file's absolute path, the answer to a
 * GET of the whole file without Range or If-Modified-Since is the head
 * alone with X-Sendfile: xsendfile, for a web server that sends the file
 * itself (lighttpd's fastcgi "x-sendfile"; its Content-Length then comes
 * from the file, every other header stays as above); every other answer
 * is sent from fd. xsendfile NULL: always from fd. */
int response_download_file(struct request *r, const struct download *d, int fd,
    const char *xsendfile);

#endif
