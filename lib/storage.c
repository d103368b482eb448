/*
 * storage: the checks every backend relies on (valid keys, arguments,
 * content types, list options) and the calls built on the backend's own:
 * storage_get is storage_get_stream into a buf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "errors.h"
#include "metrics.h"
#include "storage_backend.h"
#include "storage_keys.h"

static int (*const openers[])(struct storage *, const struct config *) = {
	[STORAGE_FS] = storage_fs_open,
	[STORAGE_S3] = storage_s3_open,
};

int storage_open(struct storage **out, const struct config *cfg)
{
	struct storage *s;
	int rc;

	*out = NULL;
	if ((unsigned)cfg->storage >= sizeof openers / sizeof openers[0])
		return ERR_CONFIG;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return ERR_NOMEM;
	if ((rc = openers[cfg->storage](s, cfg)) < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int storage_fail(struct storage *s, int err, const char *code, const char *fmt, ...)
{
	va_list ap;

	/* Both are for the log: a truncated message is still worth keeping. */
	snprintf(s->code, sizeof s->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof s->message, fmt, ap);
	va_end(ap);
	return err;
}

static void clear_failure(struct storage *s)
{
	s->code[0] = '\0';
	s->message[0] = '\0';
}

/* Clears the last failure, then checks key. */
static int begin_call(struct storage *s, const char *key)
{
	clear_failure(s);
	if (key == NULL || !keys_valid(key))
		return storage_fail(s, ERR_INVAL, "InvalidKey", "invalid key");
	return 0;
}

/* Counts a call of the backend's op, and its failure by kind, in the
 * metrics; returns rc. */
static int counted(const struct storage *s, const char *op, int rc)
{
	metrics_add(METRIC_STORAGE_CALLS, (const char *[]){ s->ops->name, op }, 1);
	if (rc < 0)
		metrics_add(METRIC_STORAGE_ERRORS, (const char *[]){ s->ops->name, op, err_str(rc) }, 1);
	return rc;
}

#define CONTENT_TYPE_SIZE sizeof ((struct storage_meta *)NULL)->content_type

/* A content type is printable ASCII and fits storage_meta (it becomes a
 * header). */
static int valid_content_type(const char *ct)
{
	size_t n;

	if (ct == NULL || (n = strnlen(ct, CONTENT_TYPE_SIZE)) == 0 || n == CONTENT_TYPE_SIZE)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)ct[i] < 0x20 || (unsigned char)ct[i] > 0x7e)
			return 0;
	return 1;
}

static int check_put(struct storage *s, const char *key, const char *content_type,
    unsigned flags)
{
	int rc;

	if ((rc = begin_call(s, key)) < 0)
		return rc;
	if (!valid_content_type(content_type))
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "invalid content type");
	if (flags & ~(unsigned)STORAGE_CREATE_ONLY)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "unknown put flags %#x", flags);
	return 0;
}

int storage_put(struct storage *s, const char *key, const void *p, size_t n,
    const char *content_type, unsigned flags)
{
	int rc;

	if ((rc = check_put(s, key, content_type, flags)) < 0)
		return rc;
	if (p == NULL && n > 0)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "no bytes to put");
	return counted(s, "put", s->ops->put(s, key, p, n, content_type, flags));
}

int storage_put_file(struct storage *s, const char *key, int fd,
    const char *content_type, unsigned flags)
{
	return storage_put_file_hashed(s, key, fd, NULL, content_type, flags);
}

int storage_put_file_hashed(struct storage *s, const char *key, int fd,
    const struct storage_digests *d, const char *content_type, unsigned flags)
{
	struct stat st;
	int rc;

	if ((rc = check_put(s, key, content_type, flags)) < 0)
		return rc;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return storage_fail(s, ERR_INVAL, "InvalidArgument",
		    "put_file needs an open regular file");
	return counted(s, "put_file",
	    s->ops->put_file(s, key, fd, (long long)st.st_size, d, content_type, flags));
}

int storage_get_stream(struct storage *s, const char *key,
    const struct storage_sink *sink)
{
	int rc;

	if ((rc = begin_call(s, key)) < 0)
		return rc;
	if (sink == NULL || sink->begin == NULL || sink->write == NULL)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "incomplete sink");
	return counted(s, "get", s->ops->get_stream(s, key, sink));
}

struct get_into_buf {
	struct buf *out;
	struct storage_meta *meta;
	int rc; /* why the sink stopped the transfer */
};

static int buf_begin(void *ctx, const struct storage_meta *meta)
{
	struct get_into_buf *g = ctx;

	if (g->meta != NULL)
		*g->meta = *meta;
	if (meta->size > 0 && (g->rc = buf_reserve(g->out, (size_t)meta->size)) < 0)
		return -1;
	return 0;
}

static int buf_write(void *ctx, const char *p, size_t n)
{
	struct get_into_buf *g = ctx;

	return (g->rc = buf_append(g->out, p, n)) < 0 ? -1 : 0;
}

int storage_get(struct storage *s, const char *key, struct buf *out,
    struct storage_meta *meta)
{
	struct get_into_buf g = { out, meta, 0 };
	const struct storage_sink sink = { buf_begin, buf_write, &g };
	size_t len0;
	int rc;

	if ((rc = begin_call(s, key)) < 0)
		return rc;
	if (out == NULL)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "no buffer");
	len0 = out->len;
	rc = counted(s, "get", s->ops->get_stream(s, key, &sink));
	if (rc < 0 && g.rc < 0)
		rc = storage_fail(s, g.rc, g.rc == ERR_TOOBIG ? "EntityTooLarge" : "ENOMEM",
		    "object does not fit the buffer");
	if (rc < 0 && out->data != NULL) {
		out->len = len0;
		out->data[len0] = '\0';
	}
	return rc;
}

int storage_get_many(struct storage *s, struct storage_get_item *items, size_t n)
{
	int rc = 0;

	clear_failure(s);
	if (n > STORAGE_GET_MANY_MAX || (n > 0 && items == NULL))
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "get_many: bad item count");
	for (size_t i = 0; i < n; i++)
		items[i].rc = items[i].out != NULL && items[i].key != NULL && keys_valid(items[i].key) ?
		    STORAGE_GET_PENDING : ERR_INVAL;
	if (s->ops->get_many != NULL &&
	    (rc = counted(s, "get_many", s->ops->get_many(s, items, n))) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (items[i].rc == STORAGE_GET_PENDING)
			items[i].rc = storage_get(s, items[i].key, items[i].out, NULL);
	return 0;
}

int storage_head(struct storage *s, const char *key, struct storage_meta *meta)
{
	int rc;

	if ((rc = begin_call(s, key)) < 0)
		return rc;
	if (meta == NULL)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "no metadata to fill");
	return counted(s, "head", s->ops->head(s, key, meta));
}

int storage_delete(struct storage *s, const char *key)
{
	int rc;

	if ((rc = begin_call(s, key)) < 0)
		return rc;
	return counted(s, "delete", s->ops->del(s, key));
}

/* A prefix may end anywhere, but every segment it completes must be one a
 * key could have: prefix + "x" is then a valid key. */
static int valid_prefix(const char *prefix)
{
	char probe[STORAGE_MAX_KEY + 2];
	size_t n = strnlen(prefix, STORAGE_MAX_KEY);

	if (n == 0)
		return 1;
	if (n >= STORAGE_MAX_KEY)
		return 0;
	memcpy(probe, prefix, n);
	probe[n] = 'x';
	probe[n + 1] = '\0';
	return keys_valid(probe);
}

static int valid_list_opts(const struct storage_list_opts *o)
{
	return o->max_keys >= 1 && o->max_keys <= STORAGE_LIST_MAX &&
	    (o->prefix == NULL || valid_prefix(o->prefix)) &&
	    (o->delimiter == NULL || strcmp(o->delimiter, "") == 0 ||
	    strcmp(o->delimiter, "/") == 0) &&
	    (o->start_after == NULL || strnlen(o->start_after, STORAGE_MAX_KEY + 1) <= STORAGE_MAX_KEY);
}

int storage_list(struct storage *s, const struct storage_list_opts *o,
    struct storage_list *out)
{
	memset(out, 0, sizeof *out);
	clear_failure(s);
	if (o == NULL || !valid_list_opts(o))
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "invalid list options");
	return counted(s, "list", s->ops->list(s, o, out));
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void storage_list_free(struct storage_list *l)
{
	if (l == NULL)
		return;
	free_strings(l->keys, l->nkeys);
	free_strings(l->prefixes, l->nprefixes);
	free(l->next_continuation);
	memset(l, 0, sizeof *l);
}

long storage_set_patience(struct storage *s, long ms)
{
	long was = s->patience_ms;

	s->patience_ms = ms > 0 ? ms : 0;
	return was;
}

int storage_check(struct storage *s)
{
	clear_failure(s);
	return counted(s, "check", s->ops->check(s));
}

const char *storage_error_code(const struct storage *s) { return s->code; }
const char *storage_error_message(const struct storage *s) { return s->message; }

void storage_close(struct storage *s)
{
	if (s == NULL)
		return;
	s->ops->close(s);
	free(s);
}

int storage_list_each(struct storage *s, const struct storage_list_opts *o,
    int (*fn)(void *ctx, const struct storage_list *l), void *ctx)
{
	struct storage_list_opts page = *o;
	struct storage_list l;
	char *token = NULL;
	int rc;

	do {
		page.continuation = token;
		if ((rc = storage_list(s, &page, &l)) == 0)
			rc = fn(ctx, &l);
		free(token);
		token = l.next_continuation;
		l.next_continuation = NULL;
		storage_list_free(&l);
	} while (rc == 0 && token != NULL);
	free(token);
	return rc < 0 ? rc : 0;
}

int storage_put_begin(struct storage *s, const char *key, int fd, long long size,
    const char *content_type, unsigned flags, struct storage_put **out)
{
	struct storage_put *p;
	int rc;

	*out = NULL;
	if ((rc = check_put(s, key, content_type, flags)) < 0)
		return rc;
	if (fd < 0 || size < 0)
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "put_begin needs a file and a size");
	if ((p = calloc(1, sizeof *p)) == NULL)
		return ERR_NOMEM;
	p->s = s;
	snprintf(p->key, sizeof p->key, "%s", key);
	snprintf(p->content_type, sizeof p->content_type, "%s", content_type);
	p->fd = fd;
	p->size = size;
	p->flags = flags;
	if (s->ops->put_begin != NULL)
		s->ops->put_begin(s, p);
	*out = p;
	return 0;
}

void storage_put_more(struct storage_put *p, long long have)
{
	if (p->early == NULL || have <= p->have)
		return;
	p->have = have;
	p->s->ops->put_more(p->s, p);
}

static void cancel_early(struct storage_put *p)
{
	if (p->early != NULL)
		p->s->ops->put_cancel(p->s, p);
}

/* 1 when the file on p->fd holds the size p promised. */
static int came_whole(const struct storage_put *p)
{
	struct stat st;

	return fstat(p->fd, &st) == 0 && (long long)st.st_size == p->size;
}

int storage_put_end(struct storage_put *p, const struct storage_digests *d)
{
	struct storage *s = p->s;
	int rc = STORAGE_PUT_WHOLE;

	clear_failure(s);
	if (p->early != NULL && came_whole(p))
		rc = s->ops->put_end(s, p, d);
	cancel_early(p);
	if (rc == STORAGE_PUT_WHOLE)
		rc = storage_put_file_hashed(s, p->key, p->fd, d, p->content_type, p->flags);
	else
		rc = counted(s, "put_file", rc);
	free(p);
	return rc;
}

void storage_put_cancel(struct storage_put *p)
{
	if (p == NULL)
		return;
	cancel_early(p);
	free(p);
}
