#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "http_cookie.h"
#include "ids.h"
#include "log.h"
#include "ratelimit.h"
#include "request.h"
#include "route.h"
#include "session_store.h"

const char *auth_cookie_name(const struct request *r)
{
	return auth_is_https(r) ? AUTH_COOKIE_HTTPS : AUTH_COOKIE_HTTP;
}

const char *auth_token(struct request *r)
{
	const char *t = request_header(r, "x-session-id");
	int err, several;

	if ((t == NULL || *t == '\0') && r->route != NULL && (r->route->flags & R_QUERY_SESSION))
		t = request_query(r, "sessionId", &err);
	if ((t == NULL || *t == '\0') &&
	    ((t = request_cookie(r, auth_cookie_name(r), &several)) == NULL || several))
		return NULL;
	return t != NULL && *t != '\0' ? t : NULL;
}

int auth_session(struct request *r)
{
	struct state *st;
	const char *t = auth_token(r);
	int rc;

	if (r->session != NULL)
		return 0;
	if (t == NULL)
		return 401;
	if ((rc = app_state(r->app, &st)) < 0)
		return rc;
	if ((rc = session_store_lookup(st, t, strlen(t), &r->session_buf)) == 0)
		r->session = &r->session_buf;
	return rc == ERR_NOTFOUND ? 401 : rc;
}

/* 1 when a and b hold the same bytes: their SHA-256 digests compared in
 * constant time, so neither the length nor a prefix shows in the timing. */
static int secret_equal(const char *a, const char *b)
{
	unsigned char da[IDS_SHA256_LEN], db[IDS_SHA256_LEN];

	if (ids_sha256(a, strlen(a), da) < 0 || ids_sha256(b, strlen(b), db) < 0)
		return 0;
	return CRYPTO_memcmp(da, db, IDS_SHA256_LEN) == 0;
}

/* The bearer token h (after "Bearer "): 0 when it is the admin token;
 * 401 for another one, counted and logged; 429 with Retry-After once the
 * client's wrong ones spent this minute's AUTH_ADMIN_FAILURES. */
static int bearer(struct request *r, const char *h)
{
	const char *admin = r->app->cfg.admin_token;
	char addr[AUTH_ADDR_MAX + 1], bucket[AUTH_ADDR_MAX + 16], secs[24];
	struct state *st;
	long retry = 0;
	int rc;

	auth_client_net(r, addr);
	if (snprintf(bucket, sizeof bucket, "adminfail:%s", addr[0] ? addr : "-") >=
	    (int)sizeof bucket)
		return ERR_ARG;
	if ((rc = app_state(r->app, &st)) < 0 ||
	    (rc = ratelimit_spent(st, bucket, AUTH_ADMIN_FAILURES, clock_now_ms(), &retry)) < 0)
		return rc;
	if (rc == 1) {
		snprintf(secs, sizeof secs, "%ld", retry);
		return (rc = request_add_header(r, "Retry-After", secs)) < 0 ? rc : 429;
	}
	if (admin != NULL && *admin != '\0' && secret_equal(h, admin))
		return 0;
	if ((rc = ratelimit_hit(st, bucket, AUTH_ADMIN_FAILURES, clock_now_ms(), &retry)) < 0)
		return rc;
	log_error(r->id, "admin: a wrong bearer token from %s", addr[0] ? addr : "-");
	return 401;
}

int auth_admin(struct request *r)
{
	const char *h = request_header(r, "authorization");
	int rc;

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		return bearer(r, h + 7);
	if ((rc = auth_session(r)) != 0)
		return rc;
	return strcmp(r->session->role, "admin") == 0 ? 0 : 403;
}

/* 1 when REMOTE_ADDR is listed in CHATS3_TRUSTED_PROXIES. */
static int from_trusted_proxy(const struct request *r)
{
	const char *list = r->app->cfg.trusted_proxies, *addr = request_env(r, "REMOTE_ADDR");
	size_t n, len;

	if (list == NULL || addr == NULL || *addr == '\0')
		return 0;
	len = strlen(addr);
	while (*list) {
		list += strspn(list, " ,");
		n = strcspn(list, " ,");
		if (n == len && strncmp(list, addr, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

int auth_is_https(const struct request *r)
{
	const char *https = request_env(r, "HTTPS"), *proto;

	if (https != NULL && strcasecmp(https, "on") == 0)
		return 1;
	proto = request_header(r, "x-forwarded-proto");
	return proto != NULL && strcasecmp(proto, "https") == 0 && from_trusted_proxy(r);
}

/* 1 when p[0..n) looks like an IPv4 or IPv6 address. */
static int is_addr(const char *p, size_t n)
{
	if (n == 0 || n > AUTH_ADDR_MAX)
		return 0;
	return strspn(p, "0123456789abcdefABCDEF.:") >= n;
}

void auth_client_addr(const struct request *r, char out[AUTH_ADDR_MAX + 1])
{
	const char *addr = request_env(r, "REMOTE_ADDR");
	const char *xff = request_header(r, "x-forwarded-for"), *end, *p;
	size_t n;

	snprintf(out, AUTH_ADDR_MAX + 1, "%s", addr && is_addr(addr, strlen(addr)) ? addr : "");
	if (xff == NULL || !from_trusted_proxy(r))
		return;
	/* The last entry is what the proxy saw: the client, or another proxy
	 * in front of it. Only the last one is taken (no proxy chains). */
	end = xff + strlen(xff);
	while (end > xff && end[-1] == ' ')
		end--;
	for (p = end; p > xff && p[-1] != ',' && p[-1] != ' '; p--)
		;
	n = (size_t)(end - p);
	if (is_addr(p, n))
		snprintf(out, AUTH_ADDR_MAX + 1, "%.*s", (int)n, p);
}

void auth_client_net(const struct request *r, char out[AUTH_ADDR_MAX + 1])
{
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];

	auth_client_addr(r, out);
	if (strchr(out, ':') == NULL || inet_pton(AF_INET6, out, &a) != 1)
		return;
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		if (inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text) != NULL)
			snprintf(out, AUTH_ADDR_MAX + 1, "%s", text);
		return;
	}
	memset(&a.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a, text, sizeof text) != NULL)
		snprintf(out, AUTH_ADDR_MAX + 1, "%s/64", text);
}

int auth_client_is_loopback(const struct request *r)
{
	char addr[AUTH_ADDR_MAX + 1];
	struct in_addr a4;
	struct in6_addr a6;

	auth_client_addr(r, addr);
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return 0;
	return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
}

int auth_operator(struct request *r)
{
	int rc;

	if (auth_client_is_loopback(r))
		return 1;
	if (request_header(r, "authorization") == NULL)
		return 0;
	return (rc = auth_admin(r)) == 0 ? 1 : rc;
}

int auth_set_cookie(struct request *r, const char *token, long max_age)
{
	return auth_set_cookie_for(r, token, max_age, HTTP_COOKIE_DIRECT);
}

int auth_set_cookie_for(struct request *r, const char *token, long max_age,
    enum http_cookie_kind kind)
{
	char value[HTTP_COOKIE_MAX];
	int rc;

	rc = http_cookie_session(value, auth_cookie_name(r), token, max_age, kind, auth_is_https(r));
	if (rc == 0)
		rc = request_add_header(r, "Set-Cookie", value);
	OPENSSL_cleanse(value, sizeof value);
	return rc;
}
