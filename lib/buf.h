/*
 * buf: a growable byte buffer that knows its length and capacity.
 *
 * Invariant: data[len] == '\0' whenever data != NULL, so a buf can be read
 * as a C string when its bytes hold no NUL. Growth checks for overflow and
 * for the buffer's own cap (0 = SIZE_MAX). The buf owns data; buf_free
 * releases it and leaves an empty buf that may be reused.
 */
#ifndef CHATS3_BUF_H
#define CHATS3_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;   /* bytes allocated, including the NUL slot */
	size_t limit; /* most bytes len may reach; 0 means no limit */
};

/* An empty buffer whose length may not exceed limit (0: unlimited). */
void buf_init(struct buf *b, size_t limit);

/* Appends n bytes of p. ERR_TOOBIG past the limit, ERR_NOMEM on failure. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Appends the C string s. */
int buf_puts(struct buf *b, const char *s);

/* Appends v in decimal. */
int buf_put_u64(struct buf *b, unsigned long long v);

/* Appends one byte. */
int buf_putc(struct buf *b, char c);

/* Makes room for n more bytes without changing len. */
int buf_reserve(struct buf *b, size_t n);

/* Takes the bytes out: returns data (caller frees) and empties b. */
char *buf_detach(struct buf *b);

/* An array v of *cap elements of size bytes, with room for one more
 * after its first n: v itself, or a bigger copy (doubled, 16 at first;
 * *cap updated); NULL when out of memory or past SIZE_MAX (v stays). For
 * the arrays that grow beside bufs. */
void *buf_grow_array(void *v, size_t *cap, size_t n, size_t size);

/* Frees the bytes; b stays usable with the same limit. */
void buf_free(struct buf *b);

#endif
