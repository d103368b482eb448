/*
 * filename: the name an uploaded file is shown by (issue 15). A client's
 * filename is for display only (storage keys use the attachment id), so
 * it is made safe to show rather than refused:
 *   - only what follows the last '/' or '\\' is kept (directory parts of
 *     any system);
 *   - control characters (C0, DEL, C1) and the invisible characters that
 *     reorder or break displayed text (U+200E, U+200F, U+2028, U+2029,
 *     U+202A-U+202E, U+2066-U+2069) are removed;
 *   - a byte that does not begin valid UTF-8 becomes U+FFFD;
 *   - leading and trailing spaces are removed;
 *   - the result is cut to FILENAME_DISPLAY_MAX bytes at a character;
 *   - an empty result, "." or ".." becomes FILENAME_DEFAULT.
 * The result is always valid UTF-8 with no NUL, and sanitizing it again
 * gives it back unchanged. Nothing here allocates.
 */
#ifndef CHATS3_FILENAME_H
#define CHATS3_FILENAME_H

#include <stddef.h>

#define FILENAME_DISPLAY_MAX 255 /* bytes, as escape.h's download names */
#define FILENAME_DEFAULT "file"

/* Writes the display name of raw[0..n) (any bytes; NULL when n is 0) and
 * a NUL into out, which holds out_size >= FILENAME_DISPLAY_MAX + 1 bytes.
 * 0, or ERR_ARG when out is smaller. */
int filename_display(const char *raw, size_t n, char *out, size_t out_size);

#endif
