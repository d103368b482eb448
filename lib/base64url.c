#include <stdint.h>
#include <string.h>

#include "base64url.h"
#include "errors.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_encode(const void *p, size_t n, char *out, size_t outlen)
{
	const unsigned char *b = p;
	size_t o = 0;
	uint32_t v;

	if (n > (SIZE_MAX - 1) / 2 || BASE64URL_LEN(n) >= outlen)
		return ERR_TOOBIG;
	for (size_t i = 0; i < n; i += 3) {
		v = (uint32_t)b[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = alphabet[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return 0;
}

static int sextet(char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

int base64url_decode(const char *s, void *out, size_t outlen, size_t *n)
{
	unsigned char *b = out;
	size_t len = strlen(s), o = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	if (len % 4 == 1)
		return ERR_INVAL;
	if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > outlen)
		return ERR_TOOBIG;
	for (size_t i = 0; i < len; i++) {
		if ((v = sextet(s[i])) < 0)
			return ERR_INVAL;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			b[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return ERR_INVAL;
	*n = o;
	return 0;
}
