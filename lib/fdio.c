#include <errno.h>
#include <unistd.h>

#include "fdio.h"

long fdio_read(int fd, void *p, size_t n)
{
	ssize_t got;

	do
		got = read(fd, p, n);
	while (got < 0 && errno == EINTR);
	return (long)got;
}

long fdio_pread(int fd, void *p, size_t n, long long off)
{
	ssize_t got;

	do
		got = pread(fd, p, n, (off_t)off);
	while (got < 0 && errno == EINTR);
	return (long)got;
}

int fdio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int fdio_pread_exact(int fd, void *p, size_t n, long long off)
{
	char *c = p;
	ssize_t k;

	while (n > 0) {
		if ((k = pread(fd, c, n, (off_t)off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = ENODATA;
			return -1;
		}
		c += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}
