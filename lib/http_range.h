/*
 * http_range: the request headers of a partial or conditional GET, read
 * from untrusted bytes by pure functions (RFC 9110 sections 8.8.3, 13.1.2,
 * 13.1.5 and 14): Range, one byte range of an entity of known length;
 * If-None-Match and If-Range against the entity's ETag.
 *
 * Nothing here allocates, writes or keeps state. Each header is given as
 * (bytes, length), NULL when the request has none; a header longer than
 * HTTP_RANGE_MAX_HEADER is ignored: ignoring Range means sending the
 * whole entity, ignoring If-None-Match sending it again, both always
 * correct.
 */
#ifndef CHATS3_HTTP_RANGE_H
#define CHATS3_HTTP_RANGE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_RANGE_MAX_HEADER 1024

enum http_range_kind {
	HTTP_RANGE_WHOLE,         /* no range to honour: the whole entity, 200 */
	HTTP_RANGE_PARTIAL,       /* the bytes first..last, 206 */
	HTTP_RANGE_UNSATISFIABLE, /* none to serve or malformed: 416 */
};

/* An inclusive byte range: first <= last < the entity's length. */
struct http_range {
	uint64_t first, last;
};

/* Reads the Range header h[0..n) against an entity of length bytes:
 * "bytes=" (the unit in any case) and a list of ranges "a-b", "a-" or
 * "-n". One satisfiable range: PARTIAL, in *out (b past the end is cut to
 * it; a suffix longer than the entity takes all of it). No satisfiable
 * range (a at or past the end, a suffix of 0, any range of an empty
 * entity), or a malformed list (b < a, no digits, junk): UNSATISFIABLE,
 * the rejection RFC 9110 section 14.2 allows and the one lighttpd and
 * Apache answer themselves. Several ranges, one of them satisfiable:
 * WHOLE (one range is all this module serves; the whole entity is a
 * correct answer, and a server in front may cut the parts out of it). No
 * header or another unit: WHOLE. Numbers too large for 64 bits count as
 * the largest. *out is written only for PARTIAL. */
enum http_range_kind http_range_parse(const char *h, size_t n, uint64_t length,
    struct http_range *out);

/* 1 when s[0..n) is one entity-tag ("x", or W/"x" unless strong_only),
 * else 0. */
int http_etag_valid(const char *s, size_t n, int strong_only);

/* 1 when the If-None-Match value h[0..n), "*" or a list of entity-tags,
 * matches etag (a valid entity-tag) by weak comparison; 0 when not, and
 * for a malformed list or no header. */
int http_if_none_match(const char *h, size_t n, const char *etag);

/* 1 when a Range may be honoured under the If-Range value h[0..n): no
 * header; an entity-tag strongly equal to etag (NULL: none); or an HTTP
 * date equal to last_modified (NULL: none), the Last-Modified the entity
 * is sent with. 0 otherwise: the whole entity is sent. */
int http_if_range(const char *h, size_t n, const char *etag, const char *last_modified);

#endif
