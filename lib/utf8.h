/*
 * utf8: validation of UTF-8 text (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), counting of its characters, the case folding
 * that compares display names, and the character classes their rules
 * need. Tables are generated (utf8_tables.h); nothing is allocated.
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

/* The most bytes utf8_casefold writes per byte it reads. */
#define UTF8_FOLD_GROWTH 3

/* Writes s[0..n), valid UTF-8, with full Unicode case folding
 * (CaseFolding.txt statuses C and F, of the Unicode version
 * utf8_unicode_version in utf8_tables.h; not the Turkic T) and
 * NUL-terminated into out[0..outlen): "STRASSE" and "Stra\u00dfe" both
 * become "strasse", "I" becomes "i" and U+0130 "i\u0307", U+0131 stays.
 * outlen >= UTF8_FOLD_GROWTH * n + 1 always suffices. 0, or -1 for
 * invalid UTF-8 or a short out. */
int utf8_casefold(const char *s, size_t n, char *out, size_t outlen);

/* Writes the UTF-8 of cp (<= U+10FFFF, not a surrogate) into out: its
 * length, 1-4. */
size_t utf8_encode(unsigned long cp, char out[4]);

/* 1 when cp is of general category Cf (format: U+200B-U+200F, the bidi
 * embeddings, overrides and isolates, U+FEFF, ...), Zl or Zp; else 0. */
int utf8_is_format(unsigned long cp);

/* 1 when cp is a Default_Ignorable_Code_Point (drawn as nothing: the
 * format characters, variation selectors, Hangul fillers, ...); else 0. */
int utf8_is_ignorable(unsigned long cp);

/* 1 when cp is of general category Zs (U+0020, U+00A0, U+3000, ...). */
int utf8_is_space(unsigned long cp);

#endif
