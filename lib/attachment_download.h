/*
 * attachment_download: GET /api/v1/attachments/<id>, an attachment's bytes
 * as response_download.h answers a file (Range, If-None-Match, the
 * disposition and the sandboxing policy), streamed from storage in
 * constant memory, or from the host's copy (attachment_cache.h): the open
 * cached file, or, for a whole GET where CHATS3_XSENDFILE_ROOT holds it,
 * the web server's X-Sendfile. A whole GET from storage fills the cache.
 * The ETag is the attachment id (its bytes never change), Last-Modified
 * its createdAt; only png, jpeg, gif and webp are inline.
 *
 * Nothing is owned.
 */
#ifndef CHATS3_ATTACHMENT_DOWNLOAD_H
#define CHATS3_ATTACHMENT_DOWNLOAD_H

struct attachment;
struct request;
struct storage;

/* Answers r with a's bytes from s. 0 once answered; ERR_INTERNAL or
 * ERR_NOMEM with nothing sent; ERR_IO when the transfer was cut short
 * after the headers (storage failed mid-way, or the client left). */
int attachment_download(struct request *r, struct storage *s, const struct attachment *a);

#endif
