/*
 * storage: objects under keys, the same for every backend: a local
 * directory (storage_fs.c, the default) or S3 (storage_s3.c). Callers never
 * see which one they talk to; keys come from storage_keys.h.
 *
 * Failures are enum err values: ERR_NOTFOUND (no such key), ERR_CONFLICT
 * (a create-only put found the key taken), ERR_TOOBIG (a get over the
 * buffer's limit), ERR_UNAVAILABLE (the store cannot be reached now, after
 * retries: the HTTP layer answers 503 + Retry-After), ERR_STORAGE (the
 * store refused: bad credentials, no such bucket; 500). The backend's own
 * code and message for the last failure (an S3 <Code>, an errno text) are
 * kept for the log: storage_error_code / storage_error_message.
 *
 * A struct storage belongs to one process and is reused across requests
 * (one curl handle, kept alive); storage_close frees it.
 */
#ifndef CHATS3_STORAGE_H
#define CHATS3_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct config;
struct storage;
struct storage_digests;

#define STORAGE_MAX_KEY 1024
#define STORAGE_LIST_MAX 1000

struct storage_meta {
	long long size;
	char content_type[128];
	char etag[128];
	int64_t last_modified_ms; /* 0 when unknown */
};

/* Where a streamed get delivers: begin once with the object's metadata
 * (so an HTTP answer can send its headers), then write for each chunk.
 * Either returns 0, or -1 to abort the transfer (ERR_IO). */
struct storage_sink {
	int (*begin)(void *ctx, const struct storage_meta *meta);
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};

enum storage_put_flags {
	STORAGE_CREATE_ONLY = 1 << 0, /* fail with ERR_CONFLICT if the key exists */
};

struct storage_list_opts {
	const char *prefix;       /* keys starting with it; NULL or "" for all */
	const char *delimiter;    /* NULL, or "/" to roll up common prefixes */
	const char *start_after;  /* only keys after this one (byte order); may be NULL */
	const char *continuation; /* token from a previous page; may be NULL */
	int max_keys;             /* 1..STORAGE_LIST_MAX keys and prefixes per page */
};

struct storage_list {
	char **keys;              /* in byte order */
	size_t nkeys;
	char **prefixes;          /* common prefixes, with a delimiter */
	size_t nprefixes;
	char *next_continuation;  /* NULL on the last page */
};

/* Makes each later call on s one try of at most ms milliseconds, no
 * retry (0: the backend's own retries and limits); a call out of time
 * fails with ERR_UNAVAILABLE. For a caller that must answer quickly
 * whatever storage does. The local directory has nothing to wait for and
 * takes no notice. Returns the patience it replaces, for the caller to
 * put back. */
long storage_set_patience(struct storage *s, long ms);

/* Opens the backend cfg names (fs under cfg->data_dir/objects, or s3).
 * ERR_CONFIG or ERR_NOMEM; *out is NULL on failure. */
int storage_open(struct storage **out, const struct config *cfg);

/* Writes p[0..n) under key. Durable when it returns 0 (fs: fsync'd and
 * renamed into place; s3: 200 from PUT). */
int storage_put(struct storage *s, const char *key, const void *p, size_t n,
    const char *content_type, unsigned flags);

/* The same, streaming the whole of the regular file open on fd (from
 * offset 0, its size from fstat) without holding it in memory. */
int storage_put_file(struct storage *s, const char *key, int fd,
    const char *content_type, unsigned flags);

/* storage_put_file of a file whose digests (storage_digest.h) the caller
 * computed while writing it: the backend does not read it to hash it
 * (S3 below its multipart threshold). d must be the file's: S3 refuses
 * other digests (ERR_STORAGE), a store that checks none keeps the file. */
int storage_put_file_hashed(struct storage *s, const char *key, int fd,
    const struct storage_digests *d, const char *content_type, unsigned flags);

/* A put of a file still being written (an upload as it arrives): the
 * backend sends the bytes as they land in the file but holds back the
 * last one until storage_put_end, so nothing is stored before it, and
 * storage_put_cancel leaves nothing. S3 sends them as one PUT signed
 * UNSIGNED-PAYLOAD and checks the answer's ETag against the file's MD5;
 * whatever goes wrong on the way (a transfer that fails, a file that ends
 * at another size, another ETag) ends in an ordinary
 * storage_put_file_hashed of the complete file. The local directory puts
 * it whole at the end. The file's descriptor stays the caller's. */
struct storage_put;

/* Starts the put of the file open on fd, which will hold size bytes,
 * under key (as storage_put_file_hashed: its checks, ERR_INVAL, ERR_NOMEM). */
int storage_put_begin(struct storage *s, const char *key, int fd, long long size,
    const char *content_type, unsigned flags, struct storage_put **out);

/* The file now holds its first have bytes: sends what may go, without
 * waiting. */
void storage_put_more(struct storage_put *p, long long have);

/* The file is complete, d its digests: 0 once it is stored, else as
 * storage_put_file_hashed. Frees p. */
int storage_put_end(struct storage_put *p, const struct storage_digests *d);

/* Drops p, storing nothing. NULL is fine. */
void storage_put_cancel(struct storage_put *p);

/* Reads key into out (appending; out's limit bounds it: ERR_TOOBIG).
 * meta may be NULL. */
int storage_get(struct storage *s, const char *key, struct buf *out,
    struct storage_meta *meta);

/* One object of storage_get_many: key in; its bytes appended to out
 * (within out's limit) and the outcome in rc, as storage_get would give. */
struct storage_get_item {
	const char *key;
	struct buf *out;
	int rc;
};

#define STORAGE_GET_MANY_MAX 256 /* items per call */

/* Reads items[0..n) at once where the backend can (S3: several transfers
 * in parallel; the local directory: one after another). 0 when every item
 * has its own rc, ERR_INVAL for n over the cap. */
int storage_get_many(struct storage *s, struct storage_get_item *items, size_t n);

/* Streams key to sink in bounded memory. */
int storage_get_stream(struct storage *s, const char *key,
    const struct storage_sink *sink);

/* Metadata of key without its bytes. */
int storage_head(struct storage *s, const char *key, struct storage_meta *meta);

/* Removes key; a key that does not exist is not an error (as S3). */
int storage_delete(struct storage *s, const char *key);

/* One page of keys (ListObjectsV2 semantics). Free out with
 * storage_list_free, also after a failure. */
int storage_list(struct storage *s, const struct storage_list_opts *o,
    struct storage_list *out);
void storage_list_free(struct storage_list *l);

/* Calls fn with each page of the listing o (o->continuation ignored),
 * following continuations, until fn returns non-zero: 0 (also when fn
 * ended it with > 0), or the listing's or fn's error. */
int storage_list_each(struct storage *s, const struct storage_list_opts *o,
    int (*fn)(void *ctx, const struct storage_list *l), void *ctx);

/* Proves the store answers (health): 0, ERR_UNAVAILABLE or ERR_STORAGE. */
int storage_check(struct storage *s);

/* The backend's code ("NoSuchBucket", "ECONNREFUSED") and message for the
 * last failure, "" after a success. Never NULL. */
const char *storage_error_code(const struct storage *s);
const char *storage_error_message(const struct storage *s);

/* Frees s and its connection. NULL is fine. */
void storage_close(struct storage *s);

#endif
