/*
 * s3xml: a bounded reader, on expat, for exactly the S3 answers the S3
 * backend reads: an error (<Error><Code/><Message/></Error>), a
 * ListObjectsV2 page (<ListBucketResult> with <Contents><Key/>,
 * <CommonPrefixes><Prefix/>, <IsTruncated/>, <NextContinuationToken/>),
 * and one value of a multipart upload's answers (<UploadId>, <ETag>).
 *
 * expat checks that the input is one well-formed XML document of valid
 * UTF-8 (whatever encoding it declares) and decodes the five predefined
 * entities, character references (&#233; &#x1F600;) and CDATA sections.
 * A DOCTYPE is refused where it starts, so no entity is ever declared or
 * expanded and no external one is read; expat's billion-laughs guard is
 * armed besides. Named entities other than the five (an HTML-ish server
 * may send &eacute;) are kept as written, and the text that holds one is
 * accepted only where exactness does not matter (the error Message).
 * Everything is capped: input bytes, nesting, name and text lengths,
 * entries per page. Truncated or garbage input gives ERR_INVAL, never a
 * crash or an over-read: the input needs no NUL terminator.
 *
 * Nothing here does I/O. s3xml_parse_list and s3xml_list_end allocate the
 * strings of the page they fill; the caller frees them with
 * storage_list_free.
 */
#ifndef CHATS3_S3XML_H
#define CHATS3_S3XML_H

#include <stddef.h>

#include "storage.h"

#define S3XML_MAX_INPUT (8u << 20) /* bytes of one answer */
#define S3XML_MAX_DEPTH 16         /* nested elements */
#define S3XML_MAX_NAME 63          /* bytes of an element name */
#define S3XML_MAX_TEXT 16384       /* decoded bytes kept of one element's text */
#define S3XML_MAX_TOKEN 4096       /* bytes of a continuation token */
/* Keys plus prefixes of one page. S3 returns at most 1,000 (max-keys);
 * s3rver counts only keys against max-keys and may return every common
 * prefix at once, so the cap leaves room for that. */
#define S3XML_MAX_ENTRIES 100000

struct s3xml_error {
	char code[64];     /* "NoSuchKey"; never empty after success */
	char message[256]; /* may be "", cut at a character boundary */
};

/* Reads an S3 error document from p[0..n) into out. 0; ERR_INVAL when it
 * is not one (no <Error> root, no or an over-long <Code>); ERR_TOOBIG when
 * n > S3XML_MAX_INPUT. out is zeroed first, so it is "" on failure. */
int s3xml_parse_error(const char *p, size_t n, struct s3xml_error *out);

/* Reads a ListObjectsV2 page from p[0..n) into out (zeroed first): keys
 * and prefixes in the order given, next_continuation only when
 * <IsTruncated> is true. 0; ERR_INVAL for a malformed page (including a
 * truncated page without a token, a <Contents> without a <Key>, a key
 * of 0 or more than STORAGE_MAX_KEY bytes, more than S3XML_MAX_ENTRIES
 * entries); ERR_TOOBIG past S3XML_MAX_INPUT; ERR_NOMEM. On failure out
 * holds nothing (it is freed and zeroed). */
int s3xml_parse_list(const char *p, size_t n, struct storage_list *out);

/* A ListObjectsV2 page read as it arrives: s3xml_list_new once, then for
 * each answer (a retried request sends another) s3xml_list_start,
 * s3xml_list_feed for each piece of the body and s3xml_list_end. The
 * reader owns what it read until s3xml_list_end hands the page over;
 * s3xml_list_free frees it whatever happened (NULL is fine). */
struct s3xml_list;

/* A reader, to be started; NULL when out of memory. */
struct s3xml_list *s3xml_list_new(void);

/* Forgets what x read and readies it for a page: 0; ERR_NOMEM (then
 * s3xml_list_feed and s3xml_list_end return it). */
int s3xml_list_start(struct s3xml_list *x);

/* Reads the next p[0..n) of the page: 0 so far; ERR_TOOBIG once the page
 * passes S3XML_MAX_INPUT; ERR_INVAL or ERR_NOMEM as s3xml_parse_list. A
 * failure sticks: later calls return it without reading. */
int s3xml_list_feed(struct s3xml_list *x, const char *p, size_t n);

/* The page has ended: out (zeroed first) gets it as s3xml_parse_list
 * fills it, and x holds it no more. 0, or the failure; then out holds
 * nothing. */
int s3xml_list_end(struct s3xml_list *x, struct storage_list *out);

void s3xml_list_free(struct s3xml_list *x);

/* Reads the text of the element path ("Root/Child", its first segment the
 * document's root) from p[0..n) into out[cap]: 0; ERR_INVAL when the root
 * is another, the element is missing, empty, not printable ASCII or does
 * not fit; ERR_TOOBIG past S3XML_MAX_INPUT. For the one value of an
 * answer (a multipart upload's UploadId). out is "" on failure. */
int s3xml_parse_text(const char *p, size_t n, const char *path, char *out, size_t cap);

#endif
