#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "errors.h"
#include "kv.h"
#include "numparse.h"
#include "response.h"
#include "session_name.h"
#include "storage_keys.h"
#include "utf8.h"
#include "validate.h"

#define URL_MAX_BYTES 2048

/* 1 when the character at p (valid UTF-8) is a control character: C0,
 * DEL, or C1 (U+0080..U+009F, encoded C2 80..C2 9F). */
static int is_control(const unsigned char *p, size_t left)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	return *p == 0xc2 && left > 1 && p[1] >= 0x80 && p[1] <= 0x9f;
}

const char *validate_text(const char *p, size_t n, long min, long max,
    const char **start, size_t *len)
{
	const unsigned char *u = (const unsigned char *)p;
	long chars;

	if (memchr(p, '\0', n) != NULL)
		return "must not contain NUL characters";
	if (utf8_count(p, n) < 0)
		return "must be valid UTF-8";
	for (size_t i = 0; i < n; i++)
		if (is_control(u + i, n - i))
			return "must not contain control characters";
	while (n > 0 && *p == ' ')
		p++, n--;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	chars = utf8_count(p, n);
	if (chars < min)
		return min <= 1 ? "must not be empty" : "is too short";
	if (chars > max)
		return "is too long";
	*start = p;
	*len = n;
	return NULL;
}

static char **text_slot(const struct vfield *f, void *out)
{
	return (char **)((char *)out + f->off);
}

/* Stores a copy of p[0..n) in f's slot; NULL, or a reason on ENOMEM. */
static const char *store(const struct vfield *f, void *out, const char *p, size_t n)
{
	char *copy = malloc(n + 1);

	if (copy == NULL)
		return "could not be stored";
	memcpy(copy, p, n);
	copy[n] = '\0';
	free(*text_slot(f, out));
	*text_slot(f, out) = copy;
	return NULL;
}

static int is_text(const struct vvalue *v)
{
	return v->kind == V_TEXT || v->kind == V_STRING;
}

/* The value's bytes passing validate_text(min, max), stored. */
static const char *text_bounded(const struct vvalue *v, const struct vfield *f,
    void *out, long min, long max)
{
	const char *why, *s;
	size_t len;

	if (!is_text(v))
		return "must be a string";
	why = validate_text(v->p, v->n, min, max, &s, &len);
	return why != NULL ? why : store(f, out, s, len);
}

const char *v_text(const struct vvalue *v, const struct vfield *f, void *out)
{
	return text_bounded(v, f, out, f->min, f->max);
}

const char *v_display_name(const struct vvalue *v, const struct vfield *f, void *out)
{
	const char *why = text_bounded(v, f, out, 1, 64);

	return why != NULL ? why : session_name_problem(*text_slot(f, out));
}

const char *v_conversation_id(const struct vvalue *v, const struct vfield *f, void *out)
{
	const char *why = text_bounded(v, f, out, 1, 64);

	if (why != NULL)
		return why;
	if (keys_valid_conversation_id(*text_slot(f, out)))
		return NULL;
	return "must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit";
}

const char *v_avatar_url(const struct vvalue *v, const struct vfield *f, void *out)
{
	size_t max = f->max > 0 ? (size_t)f->max : URL_MAX_BYTES;
	const char *why = text_bounded(v, f, out, 1, (long)max);

	return why != NULL ? why : session_avatar_problem(*text_slot(f, out), max);
}

/* Copies p[0..n) (valid UTF-8) without its control characters other than
 * \n and \t; sets *blank when nothing but spaces, \n and \t is left. */
static char *strip_controls(const char *p, size_t n, int *blank)
{
	const unsigned char *u = (const unsigned char *)p;
	char *o = malloc(n + 1);
	size_t k = 0;

	*blank = 1;
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (u[i] == '\n' || u[i] == '\t') {
			o[k++] = p[i];
		} else if (is_control(u + i, n - i)) {
			i += u[i] == 0xc2; /* a C1 character is two bytes */
		} else {
			*blank &= u[i] == ' ';
			o[k++] = p[i];
		}
	}
	o[k] = '\0';
	return o;
}

const char *v_message_body(const struct vvalue *v, const struct vfield *f, void *out)
{
	char *clean;
	long chars;
	int blank;

	if (!is_text(v))
		return "must be a string";
	if (memchr(v->p, '\0', v->n) != NULL)
		return "must not contain NUL characters";
	if (utf8_count(v->p, v->n) < 0)
		return "must be valid UTF-8";
	if ((clean = strip_controls(v->p, v->n, &blank)) == NULL)
		return "could not be stored";
	chars = utf8_count(clean, strlen(clean));
	if (blank || chars > f->max) {
		free(clean);
		return blank ? "must not be empty" : "is too long";
	}
	free(*text_slot(f, out));
	*text_slot(f, out) = clean;
	return NULL;
}

const char *v_iso_time(const struct vvalue *v, const struct vfield *f, void *out)
{
	const char *why = text_bounded(v, f, out, 1, 64);
	int64_t ms;

	if (why != NULL)
		return why;
	if (clock_parse_iso(*text_slot(f, out), &ms) == 0)
		return NULL;
	return "must be an ISO 8601 date and time";
}

static const char *integer_of_number(double d, const struct vfield *f, long *out)
{
	/* NaN fails both comparisons; inside the range the cast is defined. */
	if (!(d >= (double)f->min && d <= (double)f->max))
		return "is out of range";
	if (d != (double)(long)d)
		return "must be a whole number";
	*out = (long)d;
	return NULL;
}

const char *v_integer(const struct vvalue *v, const struct vfield *f, void *out)
{
	long *slot = (long *)((char *)out + f->off);

	if (v->kind == V_NUMBER)
		return integer_of_number(v->num, f, slot);
	if (v->kind != V_TEXT)
		return "must be a number";
	if (v->n == 0 || v->n > 19)
		return "must be a whole number";
	for (size_t i = 0; i < v->n; i++)
		if (v->p[i] < '0' || v->p[i] > '9')
			return "must be a whole number";
	return numparse_long(v->p, v->n, f->min, f->max, slot) < 0 ? "is out of range" : NULL;
}

const char *v_one_of(const struct vvalue *v, const struct vfield *f, void *out)
{
	const char *const *words = f->arg;
	const char *why = text_bounded(v, f, out, 1, f->max ? f->max : 64);

	if (why != NULL)
		return why;
	for (; *words != NULL; words++)
		if (strcmp(*words, *text_slot(f, out)) == 0)
			return NULL;
	return "is not one of the accepted values";
}

const char *v_matching(const struct vvalue *v, const struct vfield *f, void *out)
{
	const struct vpredicate *pred = f->arg;
	const char *why = text_bounded(v, f, out, f->min, f->max);

	if (why != NULL)
		return why;
	return pred->ok(*text_slot(f, out)) ? NULL : pred->why;
}

const char *validate_json(const cJSON *item, const struct vfield *f, void *out)
{
	struct vvalue v = { "", 0, V_OTHER, 0 };

	if (cJSON_IsString(item) && item->valuestring != NULL) {
		v.kind = V_STRING;
		v.p = item->valuestring;
		v.n = strlen(item->valuestring);
	} else if (cJSON_IsNumber(item)) {
		v.kind = V_NUMBER;
		v.num = item->valuedouble;
	}
	return f->fn(&v, f, out);
}

/* rc after a field's outcome: why (NULL: it passed) appended to
 * *details as {field, why}. */
static int add_detail(cJSON **details, const char *field, const char *why, int rc)
{
	if (why == NULL || rc == ERR_NOMEM)
		return rc;
	return response_detail(details, field, why) < 0 ? ERR_NOMEM : ERR_INVAL;
}

int validate_object(const cJSON *obj, const struct vfield *fields, size_t n,
    void *out, cJSON **details)
{
	const cJSON *item;
	const char *why;
	int rc = 0;

	if (!cJSON_IsObject(obj))
		return add_detail(details, "body", "must be a JSON object", 0);
	for (size_t i = 0; i < n; i++) {
		item = cJSON_GetObjectItemCaseSensitive(obj, fields[i].name);
		if (item == NULL || (cJSON_IsNull(item) && !fields[i].required))
			why = fields[i].required ? "is required" : NULL;
		else
			why = validate_json(item, &fields[i], out);
		rc = add_detail(details, fields[i].name, why, rc);
	}
	return rc;
}

int validate_kv(const struct kvlist *kv, const struct vfield *fields, size_t n,
    void *out, cJSON **details)
{
	struct vvalue v = { NULL, 0, V_TEXT, 0 };
	const char *why;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		v.p = kv_get(kv, fields[i].name);
		if (v.p == NULL) {
			why = fields[i].required ? "is required" : NULL;
		} else {
			v.n = strlen(v.p);
			why = fields[i].fn(&v, &fields[i], out);
		}
		rc = add_detail(details, fields[i].name, why, rc);
	}
	return rc;
}

int validate_rule(const struct vform *form, const void *values, cJSON **details)
{
	const char *field = "body", *why;

	if (form->rule == NULL)
		return 0;
	why = form->rule(values, &field);
	return add_detail(details, field, why, 0);
}

void validate_free(const struct vfield *fields, size_t n, void *out)
{
	for (size_t i = 0; i < n; i++) {
		if (fields[i].fn == v_integer)
			continue;
		free(*text_slot(&fields[i], out));
		*text_slot(&fields[i], out) = NULL;
	}
}
