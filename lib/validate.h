/*
 * validate: typed checks of untrusted fields, before any handler runs.
 *
 * A route declares a struct vform for its query string and one for its
 * body: a table of struct vfield {name, validator, required, bounds, where
 * the value goes} and the size of the struct the values go into. dispatch
 * runs the table (validate_object over a JSON body, validate_kv over the
 * query string or a form's text fields) and answers 400 with the
 * contract's details[] (one {field, message} per failure) before the
 * handler runs.
 *
 * A validator sees one value as bytes (struct vvalue), whatever syntax it
 * came in, so query parameters, multipart fields and JSON members share
 * the same validators; the value's kind says whether a JSON body typed it
 * as a string or a number. It stores a typed value into the caller's
 * struct, or returns a reason (a static sentence). Validators compose:
 * v_display_name is v_text with its bounds and session_name's rules, and
 * v_text is validate_text on the value's bytes.
 *
 * Strings stored by validators are copies the caller owns; validate_free()
 * releases every string a table stored.
 */
#ifndef CHATS3_VALIDATE_H
#define CHATS3_VALIDATE_H

#include <stddef.h>

struct cJSON;
struct kvlist;
struct vfield;

enum vkind {
	V_TEXT,   /* untyped text: a query parameter, a form field */
	V_STRING, /* a JSON string */
	V_NUMBER, /* a JSON number (num holds it; p its text is "") */
	V_OTHER,  /* a JSON true, false, object or array */
};

struct vvalue {
	const char *p; /* the value's bytes (not NUL-terminated in general) */
	size_t n;
	enum vkind kind;
	double num;    /* V_NUMBER */
};

/* Checks v against f and stores the value at (char *)out + f->off.
 * NULL when valid, else a sentence for details[].message. */
typedef const char *(*validate_fn)(const struct vvalue *v, const struct vfield *f, void *out);

struct vfield {
	const char *name;   /* JSON member or query parameter */
	validate_fn fn;
	int required;       /* absent (or null when not required): skipped */
	long min, max;      /* characters for text, the range for integers */
	size_t off;         /* offsetof the char * (text) or long (integer) */
	const void *arg;    /* what v_one_of and v_matching need */
};

/* A rule over several fields of a form once each passed (e.g. two that
 * exclude each other): NULL, or a reason with *field naming the field. */
typedef const char *(*vform_rule)(const void *values, const char **field);

/* What a route declares for its query string or its body. */
struct vform {
	const struct vfield *fields;
	size_t n;
	size_t size;         /* sizeof the struct the values go into */
	const char *invalid; /* the 400's message ("Invalid message") */
	vform_rule rule;     /* NULL: none */
};

/* For v_matching: text passing f's bounds that ok() accepts. */
struct vpredicate {
	int (*ok)(const char *s);
	const char *why;
};

/* Text rules on bytes p[0..n): no NUL, valid UTF-8, no control characters
 * (C0, DEL, C1), then trimmed of surrounding spaces, then min..max
 * characters. NULL with the trimmed slice in *start and *len, or a reason. */
const char *validate_text(const char *p, size_t n, long min, long max,
    const char **start, size_t *len);

/* Text (a JSON string or untyped text) passing validate_text with f's
 * bounds; stores a copy. */
const char *v_text(const struct vvalue *v, const struct vfield *f, void *out);

/* v_text, 1..64 characters, that session_name_problem accepts (no format
 * or bidi characters, not blank, not reserved): the contract's
 * displayName. */
const char *v_display_name(const struct vvalue *v, const struct vfield *f, void *out);

/* Text matching ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$. */
const char *v_conversation_id(const struct vvalue *v, const struct vfield *f, void *out);

/* An absolute https URL that session_avatar_problem accepts, at most
 * f->max bytes (0: 2048): an avatarUrl. */
const char *v_avatar_url(const struct vvalue *v, const struct vfield *f, void *out);

/* A chat message's body: valid UTF-8 whose control characters other than
 * \n and \t are removed; then not only spaces, \n and \t, and at most
 * f->max characters. Stores the cleaned copy. */
const char *v_message_body(const struct vvalue *v, const struct vfield *f, void *out);

/* v_text of 1..64 characters that clock_parse_iso accepts (ISO 8601). */
const char *v_iso_time(const struct vvalue *v, const struct vfield *f, void *out);

/* A whole number within [f->min, f->max] (a JSON number, or untyped text
 * of decimal digits); stores a long. */
const char *v_integer(const struct vvalue *v, const struct vfield *f, void *out);

/* v_text that equals one of the strings of f->arg (a NULL-terminated
 * array of const char *); stores a copy. */
const char *v_one_of(const struct vvalue *v, const struct vfield *f, void *out);

/* v_text that f->arg (a struct vpredicate) accepts; stores a copy. */
const char *v_matching(const struct vvalue *v, const struct vfield *f, void *out);

/* Runs f over one JSON item (any type); as a validator does. */
const char *validate_json(const struct cJSON *item, const struct vfield *f, void *out);

/* Runs fields[0..n) over obj (which must be a JSON object), storing into
 * out and appending one detail per failure to *details. 0 when all pass,
 * ERR_INVAL when any failed, ERR_NOMEM. */
int validate_object(const struct cJSON *obj, const struct vfield *fields,
    size_t n, void *out, struct cJSON **details);

/* The same over decoded name/value pairs (a query string, a form's text
 * fields): each value is V_TEXT; the first of repeated names counts. */
int validate_kv(const struct kvlist *kv, const struct vfield *fields,
    size_t n, void *out, struct cJSON **details);

/* Runs form->rule (if any) over values that passed form's fields: 0, or
 * ERR_INVAL with its detail appended; ERR_NOMEM. */
int validate_rule(const struct vform *form, const void *values, struct cJSON **details);

/* Frees the strings that fields[0..n) stored into out; sets them NULL. */
void validate_free(const struct vfield *fields, size_t n, void *out);

#endif
