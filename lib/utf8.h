/*
 * utf8: validation of UTF-8 text (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), counting of its characters, and the case
 * folding that compares display names.
 */
#ifndef CHATS3_UTF8_H
#define CHATS3_UTF8_H

#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence that starts s[0..n), n >= 1;
 * 0 when the bytes there are not one. */
size_t utf8_seq_len(const char *s, size_t n);

/* utf8_seq_len, and the code point of that sequence into *cp (when it is
 * not one: the first byte's value). */
size_t utf8_decode(const char *s, size_t n, unsigned long *cp);

/* Number of characters in s[0..n), or -1 when it is not valid UTF-8. */
long utf8_count(const char *s, size_t n);

/* Writes s[0..n), valid UTF-8, case-folded and NUL-terminated into out
 * (outlen >= n + 1): ASCII, Latin-1, Greek and basic Cyrillic capitals
 * become small letters (each keeps its byte length); other characters are
 * kept. 0, or -1 for invalid UTF-8 or a short out. */
int utf8_casefold(const char *s, size_t n, char *out, size_t outlen);

#endif
