#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"

void buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - 1 - b->len)
		return ERR_TOOBIG;
	need = b->len + n;
	if (b->limit && need > b->limit)
		return ERR_TOOBIG;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return ERR_NOMEM;
	p[b->len] = '\0'; /* a first allocation holds no string yet */
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = buf_reserve(b, n)) < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }
int buf_putc(struct buf *b, char c) { return buf_append(b, &c, 1); }

int buf_put_u64(struct buf *b, unsigned long long v)
{
	char d[24], *p = d + sizeof d;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return buf_append(b, p, (size_t)(d + sizeof d - p));
}

char *buf_detach(struct buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void *buf_grow_array(void *v, size_t *cap, size_t n, size_t size)
{
	size_t more = *cap ? 2 * *cap : 16;
	void *p;

	if (n < *cap)
		return v;
	if (more < *cap || more > SIZE_MAX / size || (p = realloc(v, more * size)) == NULL)
		return NULL;
	*cap = more;
	return p;
}
