/*
 * attachment_cache: a host-local, size-bounded copy of attachments' bytes,
 * so a download need not go back to storage. An attachment never changes
 * (stored create-only, its id never reused), so a copy is never stale: the
 * cache holds <data_dir>/cache/attachments/<attachment id>, files 0600 in
 * 0700 directories, and may be emptied or deleted at any time.
 *
 * A file only ever appears whole: it is written as an unnamed file in the
 * cache directory (O_TMPFILE) and linked under its name once it holds the
 * size the attachment's metadata gives, so a fill cut short leaves nothing
 * behind, even when its process is killed. Readers check the size again
 * and remove a file of another size (it is then read from storage).
 *
 * The bound: before a file is linked, the least recently used files go
 * until the new one fits under max_bytes (a hit sets a file's mtime to
 * now: atime is not kept faithfully under relatime). A file used in the
 * last ATTACHMENT_CACHE_GRACE_SECONDS is never evicted, as the web server
 * may be about to open it (X-Sendfile); when nothing else can go, the new
 * file is not cached. Racing processes are safe: a reader serves from the
 * descriptor it opened, which an unlink does not take away.
 *
 * Nothing here allocates beyond a call: a struct attachment_cache and a
 * struct attachment_cache_fill are the caller's; a fill holds a descriptor
 * until attachment_cache_fill_end or _cancel. Failures are never errors
 * for a caller: the cache is only a shortcut, and storage has the bytes.
 */
#ifndef CHATS3_ATTACHMENT_CACHE_H
#define CHATS3_ATTACHMENT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define ATTACHMENT_CACHE_DIR "cache/attachments" /* under the data directory */
#define ATTACHMENT_CACHE_PATH_MAX 4096
#define ATTACHMENT_CACHE_GRACE_SECONDS 5 /* a file used this recently stays */

struct attachment_cache {
	char dir[ATTACHMENT_CACHE_PATH_MAX]; /* "" when the cache is off */
	uint64_t max_bytes;
};

struct attachment_cache_fill {
	const struct attachment_cache *c;
	int fd;        /* the unnamed file being written, -1 when none */
	uint64_t size; /* the bytes it must hold */
	uint64_t have; /* the bytes it holds */
};

/* The cache of data_dir holding at most max_bytes (0: off, as is a
 * data_dir too long for the path). */
void attachment_cache_init(struct attachment_cache *c, const char *data_dir, long max_bytes);

/* Opens the cached file of id when it holds exactly size bytes, marking it
 * used: its descriptor (the caller closes it), with its path in path[cap];
 * -1 when there is none (a file of another size is removed). */
int attachment_cache_open(const struct attachment_cache *c, const char *id, uint64_t size,
    char *path, size_t cap);

/* Starts caching a file of size bytes into f: 0, or -1 (the cache off,
 * the file larger than the whole cache, no unnamed file) with f inert
 * (its other calls do nothing). */
int attachment_cache_fill_begin(const struct attachment_cache *c, uint64_t size,
    struct attachment_cache_fill *f);

/* Appends p[0..n) to the fill; a failed write drops it. */
void attachment_cache_fill_write(struct attachment_cache_fill *f, const void *p, size_t n);

/* Links the fill in place as id when it holds exactly its size and room
 * was made for it; drops it otherwise. Ends f: 0 when id is cached (also
 * by another process meanwhile), else -1. */
int attachment_cache_fill_end(struct attachment_cache_fill *f, const char *id);

/* Drops the fill, caching nothing. An inert f is fine. */
void attachment_cache_fill_cancel(struct attachment_cache_fill *f);

/* Caches the regular file open on fd, size bytes from offset 0, as id:
 * links that very file when it is an unnamed one (O_TMPFILE) on the
 * cache's filesystem, else copies it. 0 when cached, else -1. fd stays
 * the caller's. */
int attachment_cache_put_fd(const struct attachment_cache *c, const char *id, int fd,
    uint64_t size);

#endif
