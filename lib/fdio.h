/*
 * fdio: whole reads and writes on file descriptors, retrying after EINTR
 * and short transfers, so callers see only done, end or failed.
 */
#ifndef CHATS3_FDIO_H
#define CHATS3_FDIO_H

#include <stddef.h>

/* read(2) that retries on EINTR: the count, 0 at end, -1 (errno set). */
long fdio_read(int fd, void *p, size_t n);

/* pread(2) at offset off that retries on EINTR: as fdio_read. */
long fdio_pread(int fd, void *p, size_t n, long long off);

/* Writes all n bytes of p: 0, or -1 with errno set. */
int fdio_write_all(int fd, const void *p, size_t n);

/* Reads exactly n bytes at offset off: 0, or -1 with errno set (ENODATA
 * when the file ends first). */
int fdio_pread_exact(int fd, void *p, size_t n, long long off);

#endif
