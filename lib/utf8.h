/*
 * utf8: validation of UTF-8 text (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF) and counting of its characters.
 */
#ifndef CHATS3_UTF8_H
#define CHATS3_UTF8_H

#include <stddef.h>

/* Number of characters in s[0..n), or -1 when it is not valid UTF-8. */
long utf8_count(const char *s, size_t n);

#endif
