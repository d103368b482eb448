#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "errors.h"
#include "numparse.h"
#include "request.h"

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* The URL path: REQUEST_URI up to '?', else SCRIPT_NAME + PATH_INFO. */
static int set_path(struct request *r)
{
	const char *uri = env_get(r->env, "REQUEST_URI"), *q;
	const char *script, *info;
	int rc;

	if (uri != NULL && *uri == '/') {
		q = strchr(uri, '?');
		return buf_append(&r->path, uri, q ? (size_t)(q - uri) : strlen(uri));
	}
	script = env_get(r->env, "SCRIPT_NAME");
	info = env_get(r->env, "PATH_INFO");
	if ((rc = buf_puts(&r->path, script ? script : "")) < 0 ||
	    (rc = buf_puts(&r->path, info ? info : "")) < 0)
		return rc;
	return r->path.len && r->path.data[0] == '/' ? 0 : ERR_INVAL;
}

int request_init(struct request *r, struct app *app, char **env, struct io io)
{
	int rc;

	memset(r, 0, sizeof *r);
	r->app = app;
	r->env = env;
	r->io = io;
	r->start_us = clock_mono_us();
	buf_init(&r->path, REQUEST_MAX_PATH);
	buf_init(&r->body, 0);
	buf_init(&r->out_headers, REQUEST_MAX_OUT_HEADERS);
	for (size_t i = 0; i < REQUEST_MAX_CAPTURES; i++)
		buf_init(&r->capture_buf[i], REQUEST_MAX_PATH);
	/* Answering a failed init needs a method and a query string. */
	r->method = "GET";
	r->query = "";
	if ((rc = ids_uuid4(r->id)) < 0)
		return rc;
	if ((r->query = env_get(env, "QUERY_STRING")) == NULL)
		r->query = "";
	if ((r->method = env_get(env, "REQUEST_METHOD")) == NULL || *r->method == '\0') {
		r->method = "GET";
		return ERR_INVAL;
	}
	return set_path(r) < 0 ? ERR_INVAL : 0;
}

const char *request_env(const struct request *r, const char *name)
{
	return env_get(r->env, name);
}

const char *request_header(const struct request *r, const char *name)
{
	char var[128] = "HTTP_";
	size_t n = strlen(name), i;

	if (n > sizeof var - 6)
		return NULL;
	for (i = 0; i < n; i++)
		var[5 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	var[5 + n] = '\0';
	/* CGI passes these two without the HTTP_ prefix. */
	if (strcmp(var, "HTTP_CONTENT_TYPE") == 0 || strcmp(var, "HTTP_CONTENT_LENGTH") == 0)
		return env_get(r->env, var + 5);
	return env_get(r->env, var);
}

int request_query_all(struct request *r, const struct kvlist **out)
{
	int rc;

	if (!r->query_parsed) {
		r->query_parsed = 1;
		rc = kv_parse_urlencoded(&r->query_kv, r->query, strlen(r->query));
		if (rc < 0) {
			kv_free(&r->query_kv);
			r->query_parsed = rc;
		}
	}
	*out = &r->query_kv;
	return r->query_parsed < 0 ? r->query_parsed : 0;
}

const char *request_query(struct request *r, const char *name, int *err)
{
	const struct kvlist *kv;
	int rc = request_query_all(r, &kv);

	if (err != NULL)
		*err = rc;
	return rc < 0 ? NULL : kv_get(kv, name);
}

const char *request_cookie(struct request *r, const char *name, int *several)
{
	const char *h;

	if (!r->cookies_parsed || (r->cookies.n > 0 && strcmp(r->cookies.pairs[0].name, name) != 0)) {
		r->cookies_parsed = 1;
		kv_free(&r->cookies);
		h = request_header(r, "cookie");
		/* Past KV_MAX_PAIRS of that one name the list is full: several. */
		if (h != NULL && kv_parse_cookies_named(&r->cookies, h, strlen(h), name) < 0 &&
		    r->cookies.n < KV_MAX_PAIRS)
			kv_free(&r->cookies);
	}
	*several = r->cookies.n > 1;
	return r->cookies.n > 0 ? r->cookies.pairs[0].value : NULL;
}

int request_content_type_is(const struct request *r, const char *mime)
{
	const char *ct = env_get(r->env, "CONTENT_TYPE");
	size_t n = strlen(mime);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, mime, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int read_until(struct request *r, size_t want, size_t max)
{
	char chunk[16384];
	long got;
	size_t ask;
	int rc;

	while (r->body.len < want) {
		ask = want - r->body.len;
		if (ask > sizeof chunk)
			ask = sizeof chunk;
		if ((got = r->io.read(r->io.ctx, chunk, ask)) < 0)
			return ERR_IO;
		if (got == 0)
			return want == (size_t)-1 ? 0 : ERR_IO;
		if (r->body.len + (size_t)got > max)
			return ERR_TOOBIG;
		if ((rc = buf_append(&r->body, chunk, (size_t)got)) < 0)
			return rc;
	}
	return 0;
}

/* CONTENT_LENGTH into *len (-1 when absent); ERR_INVAL, ERR_TOOBIG past max. */
static int content_length(const struct request *r, size_t max, long *len)
{
	const char *cl = env_get(r->env, "CONTENT_LENGTH");

	*len = -1;
	if (cl == NULL || *cl == '\0')
		return 0;
	if (numparse_long(cl, strlen(cl), 0, LONG_MAX, len) < 0)
		return ERR_INVAL;
	return (unsigned long)*len > max ? ERR_TOOBIG : 0;
}

int request_check_length(const struct request *r, size_t max)
{
	long len;

	return content_length(r, max, &len);
}

int request_read_body(struct request *r, size_t max)
{
	long len;
	int rc = content_length(r, max, &len);

	if (rc < 0)
		return rc;
	return read_until(r, len < 0 ? (size_t)-1 : (size_t)len, max);
}

static int header_safe(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

int request_add_header(struct request *r, const char *name, const char *value)
{
	size_t len = r->out_headers.len;
	int rc;

	if (!header_safe(name) || !header_safe(value) || strchr(name, ':') != NULL)
		return ERR_INVAL;
	if ((rc = buf_puts(&r->out_headers, name)) < 0 ||
	    (rc = buf_append(&r->out_headers, ": ", 2)) < 0 ||
	    (rc = buf_puts(&r->out_headers, value)) < 0 ||
	    (rc = buf_append(&r->out_headers, "\r\n", 2)) < 0) {
		/* No half line: every line must end in CRLF. */
		r->out_headers.len = len;
		if (r->out_headers.data != NULL)
			r->out_headers.data[len] = '\0';
		return rc;
	}
	return 0;
}

void request_free(struct request *r)
{
	buf_free(&r->path);
	buf_free(&r->body);
	buf_free(&r->out_headers);
	for (size_t i = 0; i < REQUEST_MAX_CAPTURES; i++)
		buf_free(&r->capture_buf[i]);
	kv_free(&r->query_kv);
	kv_free(&r->cookies);
	cJSON_Delete(r->json);
	r->json = NULL;
	r->session = NULL;
}
