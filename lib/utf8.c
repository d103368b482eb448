#include <string.h>

#include "utf8.h"

size_t utf8_decode(const char *p, size_t n, unsigned long *out)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char c = s[0];
	size_t len, i;
	unsigned long cp;

	*out = c;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*out = cp;
	return len;
}

size_t utf8_seq_len(const char *p, size_t n)
{
	unsigned long cp;

	return utf8_decode(p, n, &cp);
}

long utf8_count(const char *s, size_t n)
{
	long count = 0;
	size_t i = 0, len;

	while (i < n) {
		if ((len = utf8_seq_len(s + i, n - i)) == 0)
			return -1;
		i += len;
		count++;
	}
	return count;
}

/* The lowercase of cp for the ranges utf8_casefold covers, else cp. */
static unsigned long fold(unsigned long cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) ||
	    (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) || (cp >= 0x410 && cp <= 0x42f))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	return cp;
}

int utf8_casefold(const char *s, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	unsigned long cp;

	if (outlen < n + 1)
		return -1;
	while (i < n) {
		if ((len = utf8_seq_len(s + i, n - i)) == 0)
			return -1;
		memcpy(out + i, s + i, len);
		if (len == 1) {
			out[i] = (char)fold(p[i]);
		} else if (len == 2) {
			cp = fold(((unsigned long)(p[i] & 0x1f) << 6) | (p[i + 1] & 0x3f));
			out[i] = (char)(0xc0 | (cp >> 6));
			out[i + 1] = (char)(0x80 | (cp & 0x3f));
		}
		i += len;
	}
	out[n] = '\0';
	return 0;
}
