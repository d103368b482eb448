#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "escape.h"
#include "utf8.h"

#define REPLACEMENT_CHAR "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/* ---- hex ---- */

int escape_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int escape_is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (escape_hex_digit(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return 1;
}

void escape_hex(char *out, const void *bytes, size_t n)
{
	const unsigned char *p = bytes;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_lower[p[i] >> 4];
		out[2 * i + 1] = hex_lower[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int escape_hex_buf(struct buf *out, const void *bytes, size_t n)
{
	int rc;

	if (n > SIZE_MAX / 2)
		return ERR_TOOBIG;
	/* buf_reserve leaves room for the NUL escape_hex writes after the digits */
	if ((rc = buf_reserve(out, 2 * n)) < 0)
		return rc;
	escape_hex(out->data + out->len, bytes, n);
	out->len += 2 * n;
	return 0;
}

int escape_hex_decode(void *out, size_t outlen, const char *s, size_t n)
{
	unsigned char *p = out;
	int hi, lo;

	if (outlen > SIZE_MAX / 2 || n != 2 * outlen)
		return ERR_INVAL;
	for (size_t i = 0; i < outlen; i++) {
		if ((hi = escape_hex_digit(s[2 * i])) < 0 || (lo = escape_hex_digit(s[2 * i + 1])) < 0)
			return ERR_INVAL;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* ---- text: HTML and JavaScript ---- */

/* How one output context writes the characters that need it: ascii gives
 * the replacement of an ASCII byte (spare is room to build one in) or NULL
 * to keep it; wide (may be NULL) the same for a valid multi-byte sequence;
 * invalid is written for each byte that does not begin valid UTF-8. */
struct text_context {
	const char *(*ascii)(unsigned char c, char spare[8]);
	const char *(*wide)(const char *seq, size_t len);
	const char *invalid;
};

/* Appends s[0..n) through cx, unchanged runs in one piece. */
static int put_text(struct buf *out, const char *s, size_t n, const struct text_context *cx)
{
	size_t i = 0, start = 0, len;
	const char *rep;
	char spare[8];
	int rc;

	while (i < n) {
		len = 1;
		if ((unsigned char)s[i] < 0x80)
			rep = cx->ascii((unsigned char)s[i], spare);
		else if ((len = utf8_seq_len(s + i, n - i)) == 0)
			len = 1, rep = cx->invalid;
		else
			rep = cx->wide != NULL ? cx->wide(s + i, len) : NULL;
		if (rep != NULL) {
			if ((rc = buf_append(out, s + start, i - start)) < 0 ||
			    (rc = buf_puts(out, rep)) < 0)
				return rc;
			start = i + len;
		}
		i += len;
	}
	return buf_append(out, s + start, n - start);
}

/* Characters HTML calls parse errors: NUL, C0 controls but tab, LF, CR; DEL. */
static const char *html_control(unsigned char c)
{
	if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
		return REPLACEMENT_CHAR;
	return NULL;
}

static const char *html_text_char(unsigned char c, char spare[8])
{
	(void)spare;
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	default: return html_control(c);
	}
}

static const char *html_attr_char(unsigned char c, char spare[8])
{
	if (c == '"')
		return "&quot;";
	if (c == '\'')
		return "&#39;";
	return html_text_char(c, spare);
}

static const char *js_char(unsigned char c, char spare[8])
{
	if (c >= 0x20 && c < 0x7f && strchr("<>&'\"\\", c) == NULL)
		return NULL;
	memcpy(spare, "\\u00", 4);
	spare[4] = hex_lower[c >> 4];
	spare[5] = hex_lower[c & 15];
	spare[6] = '\0';
	return spare;
}

/* U+2028 and U+2029 end a line in JavaScript before ES2019. */
static const char *js_wide(const char *seq, size_t len)
{
	const unsigned char *u = (const unsigned char *)seq;

	if (len != 3 || u[0] != 0xe2 || u[1] != 0x80)
		return NULL;
	return u[2] == 0xa8 ? "\\u2028" : u[2] == 0xa9 ? "\\u2029" : NULL;
}

int escape_html_text(struct buf *out, const char *s, size_t n)
{
	static const struct text_context cx = { html_text_char, NULL, REPLACEMENT_CHAR };

	return put_text(out, s, n, &cx);
}

int escape_html_attr(struct buf *out, const char *s, size_t n)
{
	static const struct text_context cx = { html_attr_char, NULL, REPLACEMENT_CHAR };

	return put_text(out, s, n, &cx);
}

int escape_js_string(struct buf *out, const char *s, size_t n)
{
	static const struct text_context cx = { js_char, js_wide, "\\ufffd" };

	return put_text(out, s, n, &cx);
}

/* ---- URLs ---- */

/* Which bytes a URL part keeps as they are (RFC 3986 section 2): U, the
 * unreserved characters, everywhere; D, the sub-delimiters and ':' '@' of
 * a path segment (pchar) but for & and ', in path segments only. Every
 * other byte is percent-encoded everywhere. */
enum { U = 1, D = 2 };
static const unsigned char url_kept[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* sp !  "  #  $  %  &  '  (  )  *  +  ,  -  .  / */
	0, D, 0, 0, D, 0, 0, 0, D, D, D, D, D, U, U, 0,
	/* 0 1  2  3  4  5  6  7  8  9  :  ;  <  =  >  ? */
	U, U, U, U, U, U, U, U, U, U, D, D, 0, D, 0, 0,
	/* @ A  B  C  D  E  F  G  H  I  J  K  L  M  N  O */
	D, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
	/* P Q  R  S  T  U  V  W  X  Y  Z  [  \  ]  ^  _ */
	U, U, U, U, U, U, U, U, U, U, U, 0, 0, 0, 0, U,
	/* ` a  b  c  d  e  f  g  h  i  j  k  l  m  n  o */
	0, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
	/* p q  r  s  t  u  v  w  x  y  z  {  |  }  ~  DEL */
	U, U, U, U, U, U, U, U, U, U, U, 0, 0, 0, U, 0,
	/* 0x80-0xff: 0 */
};

/* Appends s[0..n) with every byte not in the class mask keep as %XX. */
static int put_percent(struct buf *out, const char *s, size_t n, unsigned char keep)
{
	char esc[3] = { '%', 0, 0 };
	size_t start = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (url_kept[c] & keep)
			continue;
		esc[1] = hex_upper[c >> 4];
		esc[2] = hex_upper[c & 15];
		if ((rc = buf_append(out, s + start, i - start)) < 0 ||
		    (rc = buf_append(out, esc, sizeof esc)) < 0)
			return rc;
		start = i + 1;
	}
	return buf_append(out, s + start, n - start);
}

int escape_url_segment(struct buf *out, const char *s, size_t n)
{
	if ((n == 1 || n == 2) && s[0] == '.' && s[n - 1] == '.')
		return ERR_INVAL;
	return put_percent(out, s, n, U | D);
}

int escape_url_query(struct buf *out, const char *s, size_t n)
{
	return put_percent(out, s, n, U);
}

int escape_url_decode(struct buf *out, const char *s, size_t n, int plus_space)
{
	int rc, hi, lo;
	char c;

	if ((rc = buf_reserve(out, 0)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			if (n - i < 3 || (hi = escape_hex_digit(s[i + 1])) < 0 ||
			    (lo = escape_hex_digit(s[i + 2])) < 0)
				return ERR_INVAL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return ERR_INVAL;
		if ((rc = buf_putc(out, c)) < 0)
			return rc;
	}
	return 0;
}

/* ---- a download's file name ---- */

/* 1 when the sequence s[0..len) is a control character (C0, DEL, C1). */
static int is_control(const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];

	if (len == 1)
		return c < 0x20 || c == 0x7f;
	return len == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0;
}

/* The part of name[0..n) a download may carry into out: whole characters
 * up to ESCAPE_FILENAME_MAX bytes, '_' for each control character, / \ and
 * byte that is not UTF-8. Returns its length. */
static size_t clean_filename(const char *name, size_t n, char out[ESCAPE_FILENAME_MAX])
{
	size_t i = 0, o = 0, len;

	while (i < n) {
		len = utf8_seq_len(name + i, n - i);
		if (o + (len ? len : 1) > ESCAPE_FILENAME_MAX)
			break;
		if (len == 0 || is_control(name + i, len) || name[i] == '/' || name[i] == '\\') {
			out[o++] = '_';
			i += len ? len : 1;
			continue;
		}
		memcpy(out + o, name + i, len);
		o += len;
		i += len;
	}
	return o;
}

int escape_disposition_filename(struct buf *out, const char *name, size_t n)
{
	char clean[ESCAPE_FILENAME_MAX];
	size_t m = clean_filename(name, n, clean), len;
	int rc;

	if (m == 0)
		return ERR_INVAL;
	if ((rc = buf_puts(out, "filename=\"")) < 0)
		return rc;
	for (size_t i = 0; i < m && rc == 0; i += len) {
		len = utf8_seq_len(clean + i, m - i);
		rc = buf_putc(out, len > 1 || clean[i] == '"' || clean[i] == '%' ? '_' : clean[i]);
	}
	if (rc < 0 || (rc = buf_puts(out, "\"; filename*=UTF-8''")) < 0)
		return rc;
	return escape_url_query(out, clean, m);
}

/* ---- log lines ---- */

int escape_log(struct buf *out, const char *s, size_t n, size_t max)
{
	char esc[4] = { '\\', 'x', 0, 0 };
	unsigned char c;
	int rc = 0;

	for (size_t i = 0; i < n && i < max && rc == 0; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			rc = buf_putc(out, (char)c);
			continue;
		}
		esc[2] = hex_lower[c >> 4];
		esc[3] = hex_lower[c & 15];
		rc = buf_append(out, esc, sizeof esc);
	}
	if (rc == 0 && n > max)
		rc = buf_puts(out, "...");
	return rc;
}
