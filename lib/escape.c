#include "errors.h"
#include "escape.h"

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

int escape_log(struct buf *out, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', 0, 0 };
	unsigned char c;
	int rc = 0;

	for (size_t i = 0; i < n && i < max && rc == 0; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			rc = buf_putc(out, (char)c);
			continue;
		}
		esc[2] = hex[c >> 4];
		esc[3] = hex[c & 15];
		rc = buf_append(out, esc, sizeof esc);
	}
	if (rc == 0 && n > max)
		rc = buf_puts(out, "...");
	return rc;
}
