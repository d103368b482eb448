/*
 * auth: who is asking. The session token a request carries (x-session-id
 * header, else the sessionId query parameter on a route that declares
 * R_QUERY_SESSION, else the session cookie: sessionId, or
 * __Host-sessionId over HTTPS),
 * the admin check (Authorization: Bearer <CHATS3_ADMIN_TOKEN>, compared in
 * constant time, or a session whose role is admin), the session cookie,
 * whether the request came over HTTPS, and the client's address. Headers
 * that a proxy sets (X-Forwarded-For, X-Forwarded-Proto) count only when
 * REMOTE_ADDR is one of CHATS3_TRUSTED_PROXIES.
 *
 * A loaded session is stored in req->session (which points into the
 * request itself).
 */
#ifndef CHATS3_AUTH_H
#define CHATS3_AUTH_H

#include <stddef.h>

#include "http_cookie.h"

struct request;

#define AUTH_ADDR_MAX 64

#define AUTH_COOKIE_HTTP "sessionId"
#define AUTH_COOKIE_HTTPS "__Host-sessionId" /* only a Secure, Path=/ cookie of this host */

/* The session cookie's name for r's scheme: AUTH_COOKIE_HTTPS over HTTPS
 * (a cookie set over plain HTTP, or by another host of the domain, cannot
 * take it), else AUTH_COOKIE_HTTP. */
const char *auth_cookie_name(const struct request *r);

/* The session token the request carries, or NULL: also when it carries
 * two session cookies (one may be an attacker's, tossed in from another
 * site of the domain), which makes it no session: 401. */
const char *auth_token(struct request *r);

/* Loads r->session from the token. 0; 401 when there is no token or no
 * live session for it; a negative enum err (ERR_DB, ERR_NOMEM). */
int auth_session(struct request *r);

#define AUTH_ADMIN_FAILURES 10 /* wrong bearer tokens per client address and minute */

/* 0 when r may use admin routes; 401 without valid credentials, 403 for a
 * live session that is not an admin's, 429 (Retry-After added) once the
 * client's wrong bearer tokens spent AUTH_ADMIN_FAILURES this minute
 * (each one is logged: "admin: a wrong bearer token from ADDR"); a
 * negative enum err. */
int auth_admin(struct request *r);

/* 1 when the client reached us over HTTPS. */
int auth_is_https(const struct request *r);

/* The client's address into out: REMOTE_ADDR, or, when REMOTE_ADDR is a
 * trusted proxy, the last X-Forwarded-For entry (the address that proxy
 * saw) if it looks like an address. "" when unknown. */
void auth_client_addr(const struct request *r, char out[AUTH_ADDR_MAX + 1]);

/* The client as rate limits count it, into out: an IPv4 address as
 * auth_client_addr gives it (also one written as ::ffff:a.b.c.d), an IPv6
 * one as its /64 ("2001:db8:1:2::/64"): one host holds a /64. "" when
 * unknown. */
void auth_client_net(const struct request *r, char out[AUTH_ADDR_MAX + 1]);

/* 1 when the client (as auth_client_addr gives it) is a loopback address:
 * 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
int auth_client_is_loopback(const struct request *r);

/* Whether r may see what is for operators (deep health checks, metrics):
 * 1 for a loopback client or a valid admin token, 0 for another client
 * that sent no Authorization, else auth_admin's answer to the one it
 * sent (401, 403, 429) or a negative enum err. */
int auth_operator(struct request *r);

/* Adds Set-Cookie for token lasting max_age seconds; token NULL clears
 * the cookie. The cookie of a direct session (http_cookie.h says what
 * each kind's attributes are). 0 or a negative enum err. */
int auth_set_cookie(struct request *r, const char *token, long max_age);

/* The same for a session made as kind says. */
int auth_set_cookie_for(struct request *r, const char *token, long max_age,
    enum http_cookie_kind kind);

#endif
