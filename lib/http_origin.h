/*
 * http_origin: web origins (RFC 6454) as this project writes them, and the
 * same-origin rule the contract sets for state-changing requests.
 *
 * An origin we accept in configuration and tickets is serialized as a
 * browser sends it in the Origin header: "http://" or "https://", a host
 * in lowercase (DNS letters, digits, '.' and '-'), an optional ":port"
 * (1-65535, without a leading zero), and nothing after it (no path, no
 * trailing '/').
 *
 * Nothing here allocates; the request is only read.
 */
#ifndef CHATS3_HTTP_ORIGIN_H
#define CHATS3_HTTP_ORIGIN_H

#include <stddef.h>

struct request;

#define HTTP_ORIGIN_MAX 300 /* bytes of an origin, NUL not included */

/* 1 when s[0..n) is an origin of the form above, else 0. */
int http_origin_valid(const char *s, size_t n);

/* 1 when r comes from a browser page of another origin: its
 * Sec-Fetch-Site is anything but same-origin or none (a user's own
 * navigation), or, without Sec-Fetch-Site, its Origin header differs from
 * this site's own origin (the scheme r arrived over, auth_is_https, and
 * its Host header; default ports ignored). A request with neither header
 * (curl, a server) is not cross-site: 0. */
int http_origin_cross_site(const struct request *r);

#endif
