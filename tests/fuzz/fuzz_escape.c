/*
 * fuzz_escape: every encoder of escape.h on arbitrary bytes. HTML output is
 * valid UTF-8 with no markup character left bare; a JavaScript string has
 * no quote, backslash, markup or control character but its \uXXXX escapes
 * and no U+2028/2029; the URL parts hold only what their part keeps and
 * percent-decode back to the input; a download's file name stays inside
 * its quotes and in ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "escape.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

typedef int (*encoder)(struct buf *, const char *, size_t);

/* The output of fn on s[0..n), which must succeed; caller frees. */
static struct buf encoded(encoder fn, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	must(fn(&b, s, n) == 0);
	return b;
}

static int is_ref(const char *p)
{
	static const char *const refs[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
		if (strncmp(p, refs[i], strlen(refs[i])) == 0)
			return 1;
	return 0;
}

static void check_html(encoder fn, const char *s, size_t n, const char *bare)
{
	struct buf b = encoded(fn, s, n);

	must(utf8_count(b.data, b.len) >= 0);
	must(memchr(b.data, '\0', b.len) == NULL);
	for (size_t i = 0; i < b.len; i++) {
		must(strchr(bare, b.data[i]) == NULL);
		must(b.data[i] != '&' || is_ref(b.data + i));
	}
	buf_free(&b);
}

static void check_js(const char *s, size_t n)
{
	struct buf b = encoded(escape_js_string, s, n);
	unsigned char c;

	must(utf8_count(b.data, b.len) >= 0);
	must(memmem(b.data, b.len, "\xe2\x80\xa8", 3) == NULL);
	must(memmem(b.data, b.len, "\xe2\x80\xa9", 3) == NULL);
	for (size_t i = 0; i < b.len; i++) {
		c = (unsigned char)b.data[i];
		must(c >= 0x20 && c != 0x7f && strchr("<>&'\"", c) == NULL);
		if (c == '\\') {
			must(i + 6 <= b.len && b.data[i + 1] == 'u');
			for (size_t k = 2; k < 6; k++)
				must(escape_hex_digit(b.data[i + k]) >= 0);
		}
	}
	buf_free(&b);
}

static void check_url(encoder fn, const char *s, size_t n, const char *kept)
{
	struct buf b, back;
	int rc;

	buf_init(&b, 0);
	rc = fn(&b, s, n);
	if (fn == escape_url_segment && (n == 1 || n == 2) && memcmp(s, "..", n) == 0) {
		must(rc == ERR_INVAL);
		buf_free(&b);
		return;
	}
	must(rc == 0);
	for (size_t i = 0; i < b.len; i++)
		must(b.data[i] == '%' || (b.data[i] != '\0' && strchr(kept, b.data[i]) != NULL));
	buf_init(&back, 0);
	rc = escape_url_decode(&back, b.data, b.len, 0);
	if (memchr(s, '\0', n) != NULL)
		must(rc == ERR_INVAL);
	else
		must(rc == 0 && back.len == n && memcmp(back.data, s, n) == 0);
	buf_free(&back);
	buf_free(&b);
}

static void check_filename(const char *s, size_t n)
{
	struct buf b;
	const char *end;
	int rc;

	buf_init(&b, 0);
	rc = escape_disposition_filename(&b, s, n);
	must(rc == 0 || (rc == ERR_INVAL && n == 0));
	if (rc == 0) {
		must(strncmp(b.data, "filename=\"", 10) == 0);
		/* the fallback holds no quote: the first one after it closes it */
		must((end = strchr(b.data + 10, '"')) != NULL);
		must(strncmp(end, "\"; filename*=UTF-8''", 20) == 0);
		must(strchr(end + 20, '"') == NULL);
		for (size_t i = 0; i < b.len; i++)
			must(b.data[i] >= 0x20 && b.data[i] < 0x7f);
	}
	buf_free(&b);
}

#define UNRESERVED "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	check_html(escape_html_text, s, size, "<>");
	check_html(escape_html_attr, s, size, "<>\"'");
	check_js(s, size);
	check_url(escape_url_query, s, size, UNRESERVED);
	check_url(escape_url_segment, s, size, UNRESERVED "!$()*+,;=:@");
	check_filename(s, size);
	return 0;
}
