#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "http_cookie.h"

/* RFC 9110 section 5.6.2 tchar. */
static int is_token(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && strspn(s, "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

/* RFC 6265 section 4.1.1 cookie-octet. */
static int is_cookie_value(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
			return 0;
	}
	return 1;
}

/* The attributes after Max-Age. */
static const char *attributes(enum http_cookie_kind kind, int https)
{
	if (kind == HTTP_COOKIE_EMBED && https)
		return "; HttpOnly; Secure; SameSite=None; Partitioned";
	return https ? "; HttpOnly; SameSite=Lax; Secure" : "; HttpOnly; SameSite=Lax";
}

int http_cookie_session(char out[HTTP_COOKIE_MAX], const char *name, const char *value,
    long max_age, enum http_cookie_kind kind, int https)
{
	int n;

	if (!is_token(name) || (value != NULL && !is_cookie_value(value)) || max_age < 0)
		return ERR_INVAL;
	n = snprintf(out, HTTP_COOKIE_MAX, "%s=%s; Path=/; Max-Age=%ld%s", name,
	    value != NULL ? value : "", value != NULL ? max_age : 0L, attributes(kind, https));
	return n < 0 ? ERR_INTERNAL : n >= HTTP_COOKIE_MAX ? ERR_TOOBIG : 0;
}
