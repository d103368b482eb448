#include <string.h>
#include <strings.h>

#include "http.h"
#include "kv.h"
#include "numparse.h"

/* The end of the head (just past its blank line) in p[0..n), or NULL. */
static const char *head_end(const char *p, size_t n)
{
	const char *e = memmem(p, n, "\r\n\r\n", 4);

	return e != NULL ? e + 4 : NULL;
}

/* 1 when p[0..n) holds a byte an HTTP line may not (NUL, controls). */
static int bad_bytes(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return 1;
	return 0;
}

/* Copies a token p[0..n) into out when it fits; "" otherwise. */
static void keep_token(struct http_req *out, const char *p, size_t n)
{
	if (n == 0 || n > HTTP_TOKEN_MAX)
		n = 0;
	memcpy(out->token, p, n);
	out->token[n] = '\0';
}

/* The sessionId of the query p[0..n), when nothing before gave a token. */
static int query_token(struct http_req *out, const char *p, size_t n)
{
	struct kvlist l = { .n = 0 };
	const char *v;
	int rc = kv_parse_urlencoded(&l, p, n);

	if (rc == 0 && (v = kv_get(&l, "sessionId")) != NULL && out->token[0] == '\0')
		keep_token(out, v, strlen(v));
	kv_free(&l);
	return rc == 0 ? 0 : 400;
}

/* The session cookie of the Cookie header p[0..n), when nothing before
 * gave a token: the one cookie called name; 1 when there is none. Two of
 * it are no session (lib/auth.c refuses them alike). */
static int cookie_token(struct http_req *out, const char *p, size_t n, const char *name)
{
	struct kvlist l = { .n = 0 };
	int rc = kv_parse_cookies_named(&l, p, n, name), found = l.n > 0;

	if (l.n == 1 && out->token[0] == '\0')
		keep_token(out, l.pairs[0].value, strlen(l.pairs[0].value));
	kv_free(&l);
	return rc < 0 || found ? 0 : 1;
}

/* "GET /path?query HTTP/1.1": method, path and query. */
static int request_line(struct http_req *out, const char *p, size_t n, const char **query,
    size_t *query_len)
{
	const char *sp1 = memchr(p, ' ', n), *sp2, *target, *q;
	size_t tn, pn;

	if (bad_bytes(p, n) || sp1 == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p))) == NULL)
		return 400;
	if (n - (size_t)(sp2 + 1 - p) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;
	if (sp2[8] != '0' && sp2[8] != '1')
		return 505;
	target = sp1 + 1;
	tn = (size_t)(sp2 - target);
	if (tn == 0 || target[0] != '/')
		return 400;
	if ((size_t)(sp1 - p) == 4 && memcmp(p, "HEAD", 4) == 0)
		out->head_only = 1;
	else if ((size_t)(sp1 - p) != 3 || memcmp(p, "GET", 3) != 0)
		return 405;
	q = memchr(target, '?', tn);
	pn = q != NULL ? (size_t)(q - target) : tn;
	if (pn > HTTP_PATH_MAX)
		return 414;
	memcpy(out->path, target, pn);
	out->path[pn] = '\0';
	*query = q != NULL ? q + 1 : NULL;
	*query_len = q != NULL ? tn - pn - 1 : 0;
	return 0;
}

static int name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* One "Name: value" line; cookie is the Cookie header's value, kept for
 * after the headers (it counts last). */
static int header_line(struct http_req *out, const char *p, size_t n, const char **cookie,
    size_t *cookie_len)
{
	const char *colon = memchr(p, ':', n), *v;
	size_t nn, vn;
	long id;

	if (bad_bytes(p, n) || colon == NULL || colon == p ||
	    memchr(p, ' ', (size_t)(colon - p)) != NULL)
		return 400;
	nn = (size_t)(colon - p);
	v = colon + 1;
	vn = n - nn - 1;
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (name_is(p, nn, "x-session-id")) {
		keep_token(out, v, vn);
	} else if (name_is(p, nn, "cookie")) {
		*cookie = v;
		*cookie_len = vn;
	} else if (name_is(p, nn, "last-event-id")) {
		out->has_last_event_id = numparse_long(v, vn, 0, INT64_MAX, &id) == 0;
		out->last_event_id = out->has_last_event_id ? (uint64_t)id : 0;
	}
	return 0;
}

/* The header lines p[0..n) (each ending in CRLF) after the request line. */
static int header_lines(struct http_req *out, const char *p, size_t n, const char **cookie,
    size_t *cookie_len)
{
	const char *eol;
	int rc;

	while (n > 2) {
		eol = memmem(p, n, "\r\n", 2);
		if (eol == NULL)
			return 400;
		if ((rc = header_line(out, p, (size_t)(eol - p), cookie, cookie_len)) != 0)
			return rc;
		n -= (size_t)(eol + 2 - p);
		p = eol + 2;
	}
	return 0;
}

int http_parse(const char *p, size_t n, struct http_req *out)
{
	const char *end = head_end(p, n < HTTP_HEAD_MAX ? n : HTTP_HEAD_MAX);
	const char *eol, *query = NULL, *cookie = NULL;
	size_t query_len = 0, cookie_len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (end == NULL)
		return n < HTTP_HEAD_MAX ? HTTP_INCOMPLETE : 431;
	out->head_len = (size_t)(end - p);
	eol = memmem(p, out->head_len, "\r\n", 2);
	if ((rc = request_line(out, p, (size_t)(eol - p), &query, &query_len)) != 0 ||
	    (rc = header_lines(out, eol + 2, (size_t)(end - eol - 2), &cookie, &cookie_len)) != 0)
		return rc;
	if (query != NULL && (rc = query_token(out, query, query_len)) != 0)
		return rc;
	/* The relay cannot tell the scheme: the HTTPS name first (only a
	 * Secure cookie of this very host has it). */
	if (cookie != NULL && cookie_token(out, cookie, cookie_len, "__Host-sessionId") == 1)
		cookie_token(out, cookie, cookie_len, "sessionId");
	return 0;
}
