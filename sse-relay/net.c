#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net.h"
#include "numparse.h"

#define BACKLOG 4096

static int fail(char err[NET_ERR_LEN], const char *what, const char *name, int fd)
{
	snprintf(err, NET_ERR_LEN, "%s %.160s: %s", what, name, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int net_unix_listen(const char *path, int type, char err[NET_ERR_LEN])
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return fail(err, "socket path", path, -1);
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return fail(err, "socket for", path, -1);
	if (unlink(path) < 0 && errno != ENOENT)
		return fail(err, "removing the stale", path, fd);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return fail(err, "bind", path, fd);
	if (chmod(path, 0666) < 0)
		return fail(err, "chmod", path, fd);
	if (type == SOCK_STREAM && listen(fd, BACKLOG) < 0)
		return fail(err, "listen", path, fd);
	return fd;
}

int net_tcp_listen(const char *host_port, char err[NET_ERR_LEN])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	const char *colon = strrchr(host_port, ':');
	char host[64];
	long port;
	int fd, one = 1;

	if (colon == NULL || (size_t)(colon - host_port) >= sizeof host ||
	    numparse_long(colon + 1, strlen(colon + 1), 1, 65535, &port) < 0) {
		errno = EINVAL;
		return fail(err, "listen address (want HOST:PORT)", host_port, -1);
	}
	memcpy(host, host_port, (size_t)(colon - host_port));
	host[colon - host_port] = '\0';
	a.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		errno = EINVAL;
		return fail(err, "listen address (want a numeric IPv4 host)", host_port, -1);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return fail(err, "socket for", host_port, -1);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, BACKLOG) < 0)
		return fail(err, "listen on", host_port, fd);
	return fd;
}

/* An event goes out when it is queued, not when the peer's delayed ACK
 * lets Nagle's algorithm send it. A Unix socket has no Nagle: it says
 * EOPNOTSUPP, which is fine. 0 or -1. */
static int no_delay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 ||
	    errno == EOPNOTSUPP ? 0 : -1;
}

int net_accept(int lfd)
{
	int fd;

	do
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 && no_delay(fd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
