/*
 * validate: typed checks of untrusted fields, before any handler runs.
 *
 * A route declares a table of struct vfield {name, validator, required,
 * bounds, where the value goes}. validate_object() runs every row against a
 * parsed JSON body and fills the contract's details[] (response_detail) with
 * one {field, message} per failure. A validator takes one cJSON item and
 * stores a typed value into the caller's struct, or returns a reason (a
 * static sentence). Validators compose: v_display_name is v_text with its
 * bounds, and v_text is validate_text on the string's bytes.
 *
 * Strings stored by validators are copies the caller owns; validate_free()
 * releases every string a table stored.
 */
#ifndef CHATS3_VALIDATE_H
#define CHATS3_VALIDATE_H

#include <stddef.h>

struct cJSON;
struct vfield;

/* Checks item against f and stores the value at (char *)out + f->off.
 * NULL when valid, else a sentence for details[].message. */
typedef const char *(*validate_fn)(const struct cJSON *item,
    const struct vfield *f, void *out);

struct vfield {
	const char *name;   /* member of the JSON object */
	validate_fn fn;
	int required;       /* absent (or null when not required): skipped */
	long min, max;      /* characters for text, the range for integers */
	size_t off;         /* offsetof the char * (text) or long (integer) */
};

/* Text rules on bytes p[0..n): no NUL, valid UTF-8, no control characters
 * (C0, DEL, C1), then trimmed of surrounding spaces, then min..max
 * characters. NULL with the trimmed slice in *start and *len, or a reason. */
const char *validate_text(const char *p, size_t n, long min, long max,
    const char **start, size_t *len);

/* A JSON string passing validate_text with f's bounds; stores a copy. */
const char *v_text(const struct cJSON *item, const struct vfield *f, void *out);

/* v_text, 1..64 characters: the contract's displayName. */
const char *v_display_name(const struct cJSON *item, const struct vfield *f, void *out);

/* A string matching ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$. */
const char *v_conversation_id(const struct cJSON *item, const struct vfield *f, void *out);

/* An http(s) URL of printable ASCII, at most f->max bytes. */
const char *v_url(const struct cJSON *item, const struct vfield *f, void *out);

/* A chat message's body: a JSON string of valid UTF-8 whose control
 * characters other than \n and \t are removed; then not only spaces, \n
 * and \t, and at most f->max characters. Stores the cleaned copy. */
const char *v_message_body(const struct cJSON *item, const struct vfield *f, void *out);

/* v_text of 1..64 characters that clock_parse_iso accepts (ISO 8601). */
const char *v_iso_time(const struct cJSON *item, const struct vfield *f, void *out);

/* A JSON number that is a whole number within [f->min, f->max]; stores a long. */
const char *v_integer(const struct cJSON *item, const struct vfield *f, void *out);

/* Runs fields[0..n) over obj (which must be a JSON object), storing into
 * out and appending one detail per failure to *details. 0 when all pass,
 * ERR_INVAL when any failed, ERR_NOMEM. */
int validate_object(const struct cJSON *obj, const struct vfield *fields,
    size_t n, void *out, struct cJSON **details);

/* Frees the strings that fields[0..n) stored into out; sets them NULL. */
void validate_free(const struct vfield *fields, size_t n, void *out);

#endif
