#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "relay_probe.h"

#define REQUEST "GET /health HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"
#define OK_LINE "HTTP/1.1 200 "

static int address(struct sockaddr_un *a, const char *data_dir)
{
	int n;

	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", data_dir, RELAY_HTTP_SOCKET);
	return n < 0 || (size_t)n >= sizeof a->sun_path ? ERR_CONFIG : 0;
}

/* Waits until fd is ready for events or deadline (clock ms): 1 ready, 0 late. */
static int ready(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int rc;

	do {
		if ((left = deadline - clock_now_ms()) <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
	} while (rc < 0 && errno == EINTR);
	return rc > 0;
}

/* Sends the request and reads the status line before deadline. */
static int ask(int fd, int64_t deadline)
{
	char got[sizeof OK_LINE - 1];
	size_t have = 0;
	ssize_t n;

	if (!ready(fd, POLLOUT, deadline) ||
	    send(fd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof REQUEST - 1))
		return ERR_UNAVAILABLE;
	while (have < sizeof got) {
		if (!ready(fd, POLLIN, deadline))
			return ERR_UNAVAILABLE;
		n = recv(fd, got + have, sizeof got - have, 0);
		if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
			return ERR_UNAVAILABLE;
		if (n > 0)
			have += (size_t)n;
	}
	return memcmp(got, OK_LINE, sizeof got) == 0 ? 0 : ERR_UNAVAILABLE;
}

int relay_probe(const char *data_dir, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	struct sockaddr_un a;
	int fd, rc;

	if ((rc = address(&a, data_dir)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return ERR_IO;
	if (connect(fd, (const struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
		rc = ERR_UNAVAILABLE;
	else
		rc = ask(fd, deadline);
	close(fd);
	return rc;
}
