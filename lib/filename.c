#include <string.h>

#include "errors.h"
#include "filename.h"
#include "utf8.h"

#define REPLACEMENT_CHAR "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/* Characters a display name leaves out. */
static int removed(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/* Where the last path component of raw[0..n) starts. */
static size_t base_start(const char *raw, size_t n)
{
	size_t start = n;

	while (start > 0 && raw[start - 1] != '/' && raw[start - 1] != '\\')
		start--;
	return start;
}

static int is_dot_name(const char *s, size_t n)
{
	return (n == 1 || n == 2) && s[0] == '.' && s[n - 1] == '.';
}

int filename_display(const char *raw, size_t n, char *out, size_t out_size)
{
	size_t len = 0, k, clen;
	unsigned long cp;
	const char *c;

	if (out_size < FILENAME_DISPLAY_MAX + 1)
		return ERR_ARG;
	for (size_t i = base_start(raw, n); i < n; i += k) {
		c = raw + i;
		clen = k = utf8_decode(c, n - i, &cp);
		if (k == 0) {
			c = REPLACEMENT_CHAR;
			clen = sizeof REPLACEMENT_CHAR - 1;
			k = 1;
		} else if (removed(cp) || (cp == ' ' && len == 0)) {
			continue;
		}
		if (len + clen > FILENAME_DISPLAY_MAX)
			break;
		memcpy(out + len, c, clen);
		len += clen;
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	if (len == 0 || is_dot_name(out, len)) {
		len = sizeof FILENAME_DEFAULT - 1;
		memcpy(out, FILENAME_DEFAULT, len);
	}
	out[len] = '\0';
	return 0;
}
