/*
 * escape: every transformation of untrusted bytes into another syntax, in
 * one place. Decoding (percent-encoding from URLs and forms) and encoding
 * for log lines. Output is appended to a caller-owned struct buf, so the
 * caller's cap bounds it.
 */
#ifndef CHATS3_ESCAPE_H
#define CHATS3_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* The value of hex digit c (0-15), or -1. */
int escape_hex_digit(char c);

/* Percent-decodes s[0..n) into out; '+' becomes a space when plus_space.
 * ERR_INVAL for a broken escape or a decoded NUL, ERR_TOOBIG past out's cap. */
int escape_url_decode(struct buf *out, const char *s, size_t n, int plus_space);

/* Appends s[0..n) for a log line: printable ASCII as is, everything else
 * (and '\\' and '"') as \xHH; stops after max input bytes and adds "...". */
int escape_log(struct buf *out, const char *s, size_t n, size_t max);

#endif
