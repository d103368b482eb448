/*
 * net: the relay's sockets, after redis's anet: listeners on a Unix path
 * (stream for HTTP, datagram for the programs' frames) or on loopback TCP,
 * and accept. Every fd is non-blocking and close-on-exec. Failures return
 * -1 with a sentence in the caller's err[NET_ERR_LEN].
 */
#ifndef CHATS3_RELAY_NET_H
#define CHATS3_RELAY_NET_H

#define NET_ERR_LEN 256

/* Binds path (a stale socket file there is removed first; the path must
 * fit sun_path) as a SOCK_STREAM listener or a SOCK_DGRAM receiver,
 * readable and writable by every local user (the web server's user may
 * differ from ours; the directory guards access). The fd or -1. */
int net_unix_listen(const char *path, int type, char err[NET_ERR_LEN]);

/* Listens on "HOST:PORT" (a numeric IPv4 address). The fd or -1. */
int net_tcp_listen(const char *host_port, char err[NET_ERR_LEN]);

/* The next connection on lfd (TCP: with TCP_NODELAY), or -1 (errno:
 * EAGAIN when none is waiting). */
int net_accept(int lfd);

#endif
