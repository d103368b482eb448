/*
 * escape: every transformation of untrusted bytes into another syntax, in
 * one place, one function per output context (as cgit's html.c): HTML
 * text, HTML attribute values, URL path segments and query parts,
 * JavaScript string literals, the file name of a download, log lines and
 * hex; and the decoders of percent-encoding and hex.
 *
 * Output is appended to a caller-owned struct buf, so the caller's cap
 * bounds it (ERR_TOOBIG past it, ERR_NOMEM when memory runs out); after
 * an error the buf holds a partial result the caller discards. The raw
 * hex functions write into the caller's fixed array instead.
 *
 * The HTML and JavaScript encoders take bytes, not text: a byte that does
 * not begin a valid UTF-8 sequence (RFC 3629) becomes U+FFFD, so their
 * output is always valid UTF-8 whatever they are given. The URL encoders
 * leave only unreserved characters (and, in a path segment, a few
 * sub-delimiters) as they are; their output holds none of < > & " ' and
 * may go into an HTML attribute or a script string as it is.
 */
#ifndef CHATS3_ESCAPE_H
#define CHATS3_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* Longest file name a download names, in bytes (cut at a character). */
#define ESCAPE_FILENAME_MAX 255

/* The value of hex digit c (0-15, either case), or -1. */
int escape_hex_digit(char c);

/* 1 when s[0..n) is n lowercase hex digits (n may be 0), else 0. */
int escape_is_lower_hex(const char *s, size_t n);

/* Writes the 2*n lowercase hex digits of bytes[0..n) and a NUL into out,
 * which holds at least 2*n + 1 bytes. */
void escape_hex(char *out, const void *bytes, size_t n);

/* Appends the 2*n lowercase hex digits of bytes[0..n) to out. */
int escape_hex_buf(struct buf *out, const void *bytes, size_t n);

/* Decodes exactly outlen bytes from the hex digits s[0..n) (either case)
 * into out. ERR_INVAL when n is not 2*outlen or a character is not a hex
 * digit (out then holds a partial result). */
int escape_hex_decode(void *out, size_t outlen, const char *s, size_t n);

/* HTML text (between tags): & < > as character references. NUL, the C0
 * controls other than tab, LF and CR, and DEL become U+FFFD. */
int escape_html_text(struct buf *out, const char *s, size_t n);

/* An HTML attribute value inside double or single quotes: what
 * escape_html_text escapes, and " and ' too. */
int escape_html_attr(struct buf *out, const char *s, size_t n);

/* One URL path segment: RFC 3986 unreserved characters and
 * ! $ ( ) * + , ; = : @ as they are, every other byte (/ ? # % included)
 * as %XX. ERR_INVAL for "." and "..", which a browser would resolve
 * (it does so for %2E too); an empty segment gives nothing. */
int escape_url_segment(struct buf *out, const char *s, size_t n);

/* A name or value of a URL query (or of any URI component that must stay
 * one): only RFC 3986 unreserved characters as they are, every other byte
 * as %XX (a space as %20). This is also AWS SigV4's UriEncode. */
int escape_url_query(struct buf *out, const char *s, size_t n);

/* The content of a JavaScript (or JSON) string literal between quotes,
 * safe inside an HTML <script> element: < > & ' " \ and the control
 * characters as \u00XX, U+2028 and U+2029 as \u2028 and \u2029. */
int escape_js_string(struct buf *out, const char *s, size_t n);

/* The file name parameters of a Content-Disposition header (RFC 6266,
 * RFC 8187): filename="fallback"; filename*=UTF-8''percent-encoded. The
 * name is cut to ESCAPE_FILENAME_MAX bytes; control characters, / and \
 * and bytes that are not UTF-8 become '_' in both; the ASCII fallback
 * also has '_' for every non-ASCII character, " and %. ERR_INVAL for an
 * empty name. */
int escape_disposition_filename(struct buf *out, const char *name, size_t n);

/* Percent-decodes s[0..n) into out; '+' becomes a space when plus_space.
 * ERR_INVAL for a broken escape or a decoded NUL, ERR_TOOBIG past out's cap. */
int escape_url_decode(struct buf *out, const char *s, size_t n, int plus_space);

/* Appends s[0..n) for a log line: printable ASCII as is, everything else
 * (and '\\' and '"') as \xHH; stops after max input bytes and adds "...". */
int escape_log(struct buf *out, const char *s, size_t n, size_t max);

#endif
