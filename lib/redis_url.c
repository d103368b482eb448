#include "redis_url.h"

#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "numparse.h"

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return ERR_INVAL;
}

/* Copies the n bytes at s into dst of max bytes and a NUL: 0, or -1 when
 * they do not fit or hold a NUL or a control byte. */
static int copy_part(char *dst, size_t max, const char *s, size_t n)
{
	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int parse_db(const char *s, size_t n, struct redis_url *out, const char **why)
{
	long db;

	if (numparse_long(s, n, 0, REDIS_URL_DB_MAX, &db) < 0)
		return fail(why, "the database is not a number from 0 to 65535");
	out->db = (int)db;
	return 0;
}

static int parse_unix(const char *s, struct redis_url *out, const char **why)
{
	const char *q = strchr(s, '?');
	size_t n = q != NULL ? (size_t)(q - s) : strlen(s);

	if (n == 0 || s[0] != '/')
		return fail(why, "unix: needs an absolute socket path");
	if (copy_part(out->path, REDIS_URL_PATH_MAX, s, n) < 0)
		return fail(why, "the socket path is too long or holds a control character");
	if (q == NULL)
		return 0;
	if (strncmp(q, "?db=", 4) != 0)
		return fail(why, "unix: takes only ?db=N after the path");
	return parse_db(q + 4, strlen(q + 4), out, why);
}

static int parse_userinfo(const char *s, size_t n, struct redis_url *out, const char **why)
{
	const char *colon = memchr(s, ':', n);

	if (colon == NULL)
		return fail(why, "credentials must be [user]:password@");
	if (copy_part(out->user, REDIS_URL_SECRET_MAX, s, (size_t)(colon - s)) < 0 ||
	    copy_part(out->password, REDIS_URL_SECRET_MAX, colon + 1, n - (size_t)(colon - s) - 1) < 0)
		return fail(why, "the user or password is too long or holds a control character");
	if (out->password[0] == '\0')
		return fail(why, "the password is empty");
	return 0;
}

static int parse_port(const char *s, size_t n, struct redis_url *out, const char **why)
{
	long port;

	if (numparse_long(s, n, 1, 65535, &port) < 0)
		return fail(why, "the port is not a number from 1 to 65535");
	out->port = (int)port;
	return 0;
}

/* host[:port] or [v6][:port], n bytes at s. */
static int parse_hostport(const char *s, size_t n, struct redis_url *out, const char **why)
{
	const char *host = s, *port = NULL;
	size_t hn = n;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return fail(why, "an IPv6 host lacks its closing ]");
		host = s + 1;
		hn = (size_t)(close - host);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return fail(why, "expected :port after the IPv6 host");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);

		if (colon != NULL) {
			hn = (size_t)(colon - s);
			port = colon + 1;
		}
	}
	if (hn == 0)
		return fail(why, "the host is empty");
	if (copy_part(out->host, REDIS_URL_HOST_MAX, host, hn) < 0)
		return fail(why, "the host is too long or holds a control character");
	return port != NULL ? parse_port(port, (size_t)(s + n - port), out, why) : 0;
}

static int parse_tcp(const char *s, struct redis_url *out, const char **why)
{
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	const char *at = memchr(s, '@', n);
	int rc;

	if (at != NULL) {
		if ((rc = parse_userinfo(s, (size_t)(at - s), out, why)) < 0)
			return rc;
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if ((rc = parse_hostport(s, n, out, why)) < 0)
		return rc;
	if (slash == NULL || slash[1] == '\0')
		return 0;
	return parse_db(slash + 1, strlen(slash + 1), out, why);
}

int redis_url_parse(const char *s, struct redis_url *out, const char **why)
{
	memset(out, 0, sizeof *out);
	out->port = 6379;
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, out, why);
	if (strncmp(s, "redis://", 8) == 0)
		return parse_tcp(s + 8, out, why);
	return fail(why, "expected redis://host[:port][/db] or unix:/path");
}
