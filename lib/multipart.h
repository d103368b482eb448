/*
 * multipart: a push parser of a multipart/form-data body (RFC 7578 over
 * RFC 2046 section 5.1) that never holds the body: the caller feeds it the
 * bytes as they are read, in chunks of any size, and it calls back with
 * each part's headers and then its content in pieces.
 *
 * What the parser accepts, exactly:
 *   - the body is read as if a CRLF came first, so the first delimiter may
 *     open the body or follow a preamble; the preamble and everything after
 *     the close delimiter (the epilogue) are ignored;
 *   - a delimiter is CRLF "--" boundary followed by "--" (the close
 *     delimiter) or by transport padding (spaces and tabs) and CRLF; the
 *     same text followed by another byte is content (a near miss), and
 *     after "-", a blank or CR anything but the forms above is ERR_INVAL;
 *   - part headers are CRLF-terminated lines "Name: value" up to an empty
 *     line; names are case-insensitive; a folded line (one starting with a
 *     blank), a bare CR or LF, a control character (NUL included) or a
 *     line without a colon is ERR_INVAL; more than max_header_bytes from
 *     the delimiter line's end to the content's start is ERR_TOOBIG;
 *   - each part has one Content-Disposition: form-data with a name
 *     parameter, optionally filename (a token or a quoted string with
 *     backslash escapes) and filename* (RFC 5987, UTF-8 only), which wins
 *     over filename; a parameter given twice, a decoded NUL or another
 *     disposition type is ERR_INVAL; at most one Content-Type; other
 *     headers are ignored;
 *   - more than max_parts parts is ERR_TOOBIG.
 * Every split of the same body into chunks gives the same callbacks with
 * the same bytes (only the pieces of content differ) and the same result.
 *
 * Memory is constant: the parser allocates at multipart_open (the
 * delimiter, a line of max_header_bytes) and, per part, the three header
 * values, each at most max_header_bytes. multipart_free releases it all.
 */
#ifndef CHATS3_MULTIPART_H
#define CHATS3_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046: 1-70 characters */

/* Caps a route may start from (issue 15: one file and a few fields). */
#define MULTIPART_DEFAULT_MAX_PARTS 16
#define MULTIPART_DEFAULT_MAX_HEADER_BYTES 8192

struct multipart;

/* A part's headers, valid during on_begin only (the parser owns them). */
struct multipart_part {
	const char *name;         /* Content-Disposition name (NUL-terminated, bounded) */
	const char *filename;     /* NULL when the part has none; raw bytes as sent (not sanitized) */
	const char *content_type; /* NULL when absent */
	uint64_t content_offset;  /* bytes of the body before the part's content */
};

/* What the parser calls: on_begin, on_data for each piece of content,
 * then on_end once the delimiter after the content is complete. A part the
 * body cuts short (or that fails) gets no on_end, and only multipart_finish
 * returning 0 says the whole body was well formed: a caller that stores a
 * part waits for both. A negative return from a callback stops the parser:
 * multipart_feed and multipart_finish then return that code. */
struct multipart_handler {
	int (*on_begin)(void *ctx, const struct multipart_part *part);
	int (*on_data)(void *ctx, const char *p, size_t n); /* the part's content, in pieces, n > 0 */
	int (*on_end)(void *ctx); /* the part's content is complete (its delimiter is valid) */
	void *ctx;
};

struct multipart_limits {
	size_t max_parts;        /* parts in the body, >= 1 */
	size_t max_header_bytes; /* one part's header block, CRLFs included, >= 1 */
};

/* The boundary from a Content-Type header value ("multipart/form-data;
 * boundary=..."; quoted or not, 1-70 RFC 2046 bchars, not ending in a
 * space) into out (out_size > MULTIPART_BOUNDARY_MAX is always enough).
 * 0, or ERR_MEDIATYPE when content_type is NULL or not multipart/form-data,
 * ERR_INVAL when the boundary is missing, given twice or malformed, ERR_ARG
 * when out is too small for it. */
int multipart_boundary(const char *content_type, char *out, size_t out_size);

/* A parser for a body delimited by boundary (1-70 bchars, as
 * multipart_boundary gives it) into *out, calling h (copied; h->ctx is
 * borrowed) within lim (copied). 0, ERR_ARG for a bad boundary or a zero
 * limit, ERR_NOMEM. The caller frees *out with multipart_free. */
int multipart_open(struct multipart **out, const char *boundary,
    const struct multipart_limits *lim, const struct multipart_handler *h);

/* Parses the next n bytes of the body (n may be 0). 0, or a negative enum
 * err (ERR_INVAL malformed, ERR_TOOBIG over a limit, ERR_NOMEM, or a
 * callback's code); after a failure every call returns the same code. */
int multipart_feed(struct multipart *mp, const char *p, size_t n);

/* The body has ended: 0 when its close delimiter was seen, ERR_INVAL when
 * it ended before, or the failure multipart_feed returned. */
int multipart_finish(struct multipart *mp);

/* Frees mp and all it owns; NULL is fine. */
void multipart_free(struct multipart *mp);

#endif
