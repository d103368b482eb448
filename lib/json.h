/*
 * json: parsing untrusted JSON text with bounds cJSON does not enforce:
 * the text must be valid UTF-8 (RFC 8259 section 8.1), nest at most
 * JSON_MAX_DEPTH deep, hold no raw control characters inside strings
 * (section 7) and no \u0000 (at which cJSON would cut a string short), and
 * hold one value with nothing but white space after it. Also the one
 * helper for building the envelope's data shapes.
 */
#ifndef CHATS3_JSON_H
#define CHATS3_JSON_H

#include <stddef.h>

struct cJSON;

#define JSON_MAX_DEPTH 32

/* Parses p[0..n) into *out (caller frees with cJSON_Delete). ERR_INVAL for
 * anything that is not one well-formed value within the bounds. */
int json_parse(const char *p, size_t n, struct cJSON **out);

/* *out = {name: item}, a new object the caller owns; takes item (freed
 * on failure, also when item is NULL: ERR_NOMEM). */
int json_wrap(const char *name, struct cJSON *item, struct cJSON **out);

#endif
