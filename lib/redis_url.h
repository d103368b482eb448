/*
 * redis_url: where CHATS3_REDIS_URL points, parsed once and shared by the
 * programs' state backend and the relay's pub/sub link, so both read the
 * setting the same way:
 *
 *   redis://[[user]:password@]host[:port][/db]   TCP, port 6379, db 0
 *   unix:/path/to/redis.sock[?db=N]              a Unix socket
 *
 * host is a name, an IPv4 address or a bracketed IPv6 address. Every part
 * is bounded; nothing is percent-decoded (a password with '@' or '/' is not
 * expressible, as with redis-cli -u). The struct is a flat value the caller
 * owns.
 */
#ifndef CHATS3_REDIS_URL_H
#define CHATS3_REDIS_URL_H

#define REDIS_URL_HOST_MAX 255
#define REDIS_URL_PATH_MAX 107 /* sun_path less its NUL */
#define REDIS_URL_SECRET_MAX 255
#define REDIS_URL_DB_MAX 65535

struct redis_url {
	char host[REDIS_URL_HOST_MAX + 1]; /* "" for a Unix socket */
	int port;
	char path[REDIS_URL_PATH_MAX + 1]; /* the Unix socket, "" for TCP */
	char user[REDIS_URL_SECRET_MAX + 1];     /* "" for none (AUTH password) */
	char password[REDIS_URL_SECRET_MAX + 1]; /* "" for none */
	int db;
};

/* Parses s into *out: 0, or ERR_INVAL with a reason (a static string) in
 * *why. */
int redis_url_parse(const char *s, struct redis_url *out, const char **why);

#endif
