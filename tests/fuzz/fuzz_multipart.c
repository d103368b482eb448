/*
 * fuzz_multipart: the multipart/form-data parser on arbitrary bytes. The
 * first byte picks the boundary and the caps, the second how to cut the
 * body; the rest is the body, which is also read as a Content-Type for
 * multipart_boundary. The body parsed whole, in 1-byte chunks and in the
 * chunks the second byte gives must call back the same (begin, content,
 * end, in order, content never in empty pieces) and end the same; the
 * content never holds more bytes than the body. A boundary that
 * multipart_boundary finds is one multipart_open takes. The body and each
 * part's filename go through filename_display, whose result is a short
 * valid UTF-8 name without separators, controls or outer blanks that
 * stays the same when sanitized again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "filename.h"
#include "multipart.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const boundaries[] = {
	"XyZ", "a", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "'()+_,-./:=? x",
};

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_filename(const char *raw, size_t n)
{
	char out[FILENAME_DISPLAY_MAX + 1], again[FILENAME_DISPLAY_MAX + 1];
	size_t len;

	must(filename_display(raw, n, out, sizeof out) == 0);
	len = strlen(out);
	must(len >= 1 && len <= FILENAME_DISPLAY_MAX && utf8_count(out, len) >= 0);
	must(out[0] != ' ' && out[len - 1] != ' ' && strpbrk(out, "/\\\x7f") == NULL);
	for (size_t i = 0; i < len; i++)
		must((unsigned char)out[i] >= 0x20);
	must(filename_display(out, len, again, sizeof again) == 0 && strcmp(again, out) == 0);
}

/* The callbacks, written down exactly: content bytes 'B', 'E' and '\\'
 * escaped, so that no content reads as a callback. */
struct recorder {
	struct buf log;
	size_t content;
	int in_part;
};

static int on_begin(void *ctx, const struct multipart_part *part)
{
	struct recorder *r = ctx;

	must(!r->in_part && part->name != NULL);
	r->in_part = 1;
	must(buf_putc(&r->log, 'B') == 0 && buf_append(&r->log, part->name, strlen(part->name) + 1) == 0);
	if (part->filename) {
		must(buf_append(&r->log, part->filename, strlen(part->filename) + 1) == 0);
		check_filename(part->filename, strlen(part->filename));
	}
	else
		must(buf_putc(&r->log, '\x01') == 0);
	if (part->content_type)
		must(buf_append(&r->log, part->content_type, strlen(part->content_type) + 1) == 0);
	else
		must(buf_putc(&r->log, '\x01') == 0);
	return strcmp(part->name, "stop") == 0 ? ERR_CONFLICT : 0;
}

static int on_data(void *ctx, const char *p, size_t n)
{
	struct recorder *r = ctx;

	must(r->in_part && n > 0);
	r->content += n;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 'B' || p[i] == 'E' || p[i] == '\\')
			must(buf_putc(&r->log, '\\') == 0);
		must(buf_putc(&r->log, p[i]) == 0);
	}
	return 0;
}

static int on_end(void *ctx)
{
	struct recorder *r = ctx;

	must(r->in_part);
	r->in_part = 0;
	must(buf_putc(&r->log, 'E') == 0);
	return 0;
}

/* Parses body[0..n) in chunks of chunk(i) bytes (0: whole) into r. */
static void parse(const char *boundary, const struct multipart_limits *lim, const char *body,
    size_t n, size_t (*chunk)(size_t, unsigned), unsigned seed, struct recorder *r)
{
	const struct multipart_handler h = { on_begin, on_data, on_end, r };
	struct multipart *mp;
	size_t at = 0, len, i = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	buf_init(&r->log, 0);
	must(multipart_open(&mp, boundary, lim, &h) == 0);
	while (rc == 0 && at < n) {
		len = chunk(i++, seed);
		if (len == 0 || len > n - at)
			len = n - at;
		rc = multipart_feed(mp, body + at, len);
		at += len;
	}
	rc = multipart_finish(mp); /* a feed's failure again, or the body's end */
	must(rc == 0 || rc == ERR_INVAL || rc == ERR_TOOBIG || rc == ERR_CONFLICT || rc == ERR_NOMEM);
	must(multipart_feed(mp, "x", 1) == rc && multipart_finish(mp) == rc);
	must(r->content <= n);
	must(buf_putc(&r->log, '=') == 0 && buf_put_u64(&r->log, (unsigned long long)-rc) == 0);
	multipart_free(mp);
}

static size_t whole(size_t i, unsigned seed)
{
	(void)i;
	(void)seed;
	return 0;
}

static size_t bytes(size_t i, unsigned seed)
{
	(void)i;
	(void)seed;
	return 1;
}

/* Lengths 1-16 that vary with the seed and the chunk's index. */
static size_t jumps(size_t i, unsigned seed)
{
	return 1 + ((seed * 2654435761u) >> (i % 28)) % 16;
}

static void check_boundary(const char *s, size_t n)
{
	char *ct = malloc(n + 1), out[MULTIPART_BOUNDARY_MAX + 1];
	const struct multipart_limits lim = { 1, 1 };
	const struct multipart_handler h = { on_begin, on_data, on_end, NULL };
	struct multipart *mp;
	int rc;

	must(ct != NULL);
	memcpy(ct, s, n);
	ct[n] = '\0';
	rc = multipart_boundary(ct, out, sizeof out);
	must(rc == 0 || rc == ERR_INVAL || rc == ERR_MEDIATYPE || rc == ERR_NOMEM);
	if (rc == 0) {
		must(multipart_open(&mp, out, &lim, &h) == 0);
		multipart_free(mp);
	}
	free(ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart_limits lim;
	struct recorder first, again;
	const char *boundary, *body = (const char *)data + 2;
	size_t n;

	if (size < 2)
		return 0;
	n = size - 2;
	boundary = boundaries[data[0] % 4];
	lim.max_parts = 1 + (data[0] >> 2) % 4;
	lim.max_header_bytes = data[0] & 0x80 ? 64 : 1024;
	check_boundary(body, n);
	check_filename(body, n);
	parse(boundary, &lim, body, n, whole, 0, &first);
	parse(boundary, &lim, body, n, bytes, 0, &again);
	must(again.log.len == first.log.len && memcmp(again.log.data, first.log.data, first.log.len) == 0);
	buf_free(&again.log);
	parse(boundary, &lim, body, n, jumps, data[1], &again);
	must(again.log.len == first.log.len && memcmp(again.log.data, first.log.data, first.log.len) == 0);
	buf_free(&again.log);
	buf_free(&first.log);
	return 0;
}
