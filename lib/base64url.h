/*
 * base64url: RFC 4648 section 5 (URL and filename safe alphabet) without
 * padding, as cursors and tickets use it. Decoding is strict: no padding,
 * no other characters, no stray bits in the last character.
 */
#ifndef CHATS3_BASE64URL_H
#define CHATS3_BASE64URL_H

#include <stddef.h>

/* Characters base64url_encode writes for n bytes, NUL not included. */
#define BASE64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Encodes p[0..n) and a NUL into out, which holds outlen bytes. 0, or
 * ERR_TOOBIG when it does not fit. */
int base64url_encode(const void *p, size_t n, char *out, size_t outlen);

/* Decodes the string s into out (outlen bytes) and sets *n. ERR_INVAL for
 * anything but canonical unpadded base64url, ERR_TOOBIG when out is short. */
int base64url_decode(const char *s, void *out, size_t outlen, size_t *n);

#endif
