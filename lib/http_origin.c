#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "http_origin.h"
#include "request.h"

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyz0123456789.-"

/* The length of the scheme prefix of s[0..n) ("https://": 8), or 0. */
static size_t scheme_len(const char *s, size_t n)
{
	if (n >= 8 && strncmp(s, "https://", 8) == 0)
		return 8;
	if (n >= 7 && strncmp(s, "http://", 7) == 0)
		return 7;
	return 0;
}

/* 1 when p[0..n) is a port: 1-65535, no leading zero. */
static int port_valid(const char *p, size_t n)
{
	long v = 0;

	if (n == 0 || n > 5 || p[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	return v <= 65535;
}

int http_origin_valid(const char *s, size_t n)
{
	size_t at = scheme_len(s, n), host;

	if (at == 0 || n > HTTP_ORIGIN_MAX)
		return 0;
	for (host = 0; at + host < n && strchr(HOST_CHARS, s[at + host]) && s[at + host]; host++)
		;
	if (host == 0 || s[at] == '.' || s[at] == '-' || s[at + host - 1] == '.')
		return 0;
	at += host;
	if (at == n)
		return 1;
	return s[at] == ':' && port_valid(s + at + 1, n - at - 1);
}

/* host[0..n) without the default port of the scheme (":80", ":443"). */
static size_t without_default_port(const char *host, size_t n, int https)
{
	const char *port = https ? ":443" : ":80";
	size_t k = strlen(port);

	return n > k && strncmp(host + n - k, port, k) == 0 ? n - k : n;
}

/* 1 when origin names this site: r's scheme and Host, case-insensitive. */
static int is_own_origin(const struct request *r, const char *origin)
{
	const char *host = request_header(r, "host");
	int https = auth_is_https(r);
	size_t skip = strlen(https ? "https://" : "http://"), on, hn;

	if (host == NULL || *host == '\0' ||
	    strncasecmp(origin, https ? "https://" : "http://", skip) != 0)
		return 0;
	origin += skip;
	on = without_default_port(origin, strlen(origin), https);
	hn = without_default_port(host, strlen(host), https);
	return on == hn && strncasecmp(origin, host, on) == 0;
}

int http_origin_cross_site(const struct request *r)
{
	const char *site = request_header(r, "sec-fetch-site");
	const char *origin = request_header(r, "origin");

	if (site != NULL && *site != '\0')
		return strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0;
	if (origin == NULL || *origin == '\0')
		return 0;
	return !is_own_origin(r, origin);
}
