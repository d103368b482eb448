/*
 * numparse: range-bounded parsing of decimal numbers from untrusted bytes.
 * The only way lib/ turns text into a number (no atoi, no bare strtol).
 */
#ifndef CHATS3_NUMPARSE_H
#define CHATS3_NUMPARSE_H

#include <stddef.h>

/* Parses s[0..n), an optional '-' then 1..19 digits and nothing else, into
 * *out when the value lies in [min, max]. 0 or ERR_INVAL. */
int numparse_long(const char *s, size_t n, long min, long max, long *out);

#endif
