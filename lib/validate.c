#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "errors.h"
#include "response.h"
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

/* The string item's bytes passing validate_text(min, max), stored. */
static const char *text_bounded(const cJSON *item, const struct vfield *f,
    void *out, long min, long max)
{
	const char *why, *s;
	size_t len;

	if (!cJSON_IsString(item) || item->valuestring == NULL)
		return "must be a string";
	why = validate_text(item->valuestring, strlen(item->valuestring), min, max, &s, &len);
	return why != NULL ? why : store(f, out, s, len);
}

const char *v_text(const cJSON *item, const struct vfield *f, void *out)
{
	return text_bounded(item, f, out, f->min, f->max);
}

const char *v_display_name(const cJSON *item, const struct vfield *f, void *out)
{
	return text_bounded(item, f, out, 1, 64);
}

const char *v_conversation_id(const cJSON *item, const struct vfield *f, void *out)
{
	const char *why = text_bounded(item, f, out, 1, 64);

	if (why != NULL)
		return why;
	if (keys_valid_conversation_id(*text_slot(f, out)))
		return NULL;
	return "must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit";
}

const char *v_url(const cJSON *item, const struct vfield *f, void *out)
{
	const char *why = text_bounded(item, f, out, 1, f->max ? f->max : URL_MAX_BYTES);
	const char *s;

	if (why != NULL)
		return why;
	s = *text_slot(f, out);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "must be a URL of printable ASCII characters";
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return "must be an http or https URL";
	return NULL;
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

const char *v_message_body(const cJSON *item, const struct vfield *f, void *out)
{
	const char *s;
	char *clean;
	long chars;
	int blank;

	if (!cJSON_IsString(item) || item->valuestring == NULL)
		return "must be a string";
	s = item->valuestring;
	if (utf8_count(s, strlen(s)) < 0)
		return "must be valid UTF-8";
	if ((clean = strip_controls(s, strlen(s), &blank)) == NULL)
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

const char *v_iso_time(const cJSON *item, const struct vfield *f, void *out)
{
	const char *why = text_bounded(item, f, out, 1, 64);
	int64_t ms;

	if (why != NULL)
		return why;
	if (clock_parse_iso(*text_slot(f, out), &ms) == 0)
		return NULL;
	return "must be an ISO 8601 date and time";
}

const char *v_integer(const cJSON *item, const struct vfield *f, void *out)
{
	double d;

	if (!cJSON_IsNumber(item))
		return "must be a number";
	d = item->valuedouble;
	/* NaN fails both comparisons; inside the range the cast is defined. */
	if (!(d >= (double)f->min && d <= (double)f->max))
		return "is out of range";
	if (d != (double)(long)d)
		return "must be a whole number";
	*(long *)((char *)out + f->off) = (long)d;
	return NULL;
}

int validate_object(const cJSON *obj, const struct vfield *fields, size_t n,
    void *out, cJSON **details)
{
	const cJSON *item;
	const char *why;
	int bad = 0;

	if (!cJSON_IsObject(obj))
		return response_detail(details, "body", "must be a JSON object") < 0 ?
		    ERR_NOMEM : ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		item = cJSON_GetObjectItemCaseSensitive(obj, fields[i].name);
		if (item == NULL || (cJSON_IsNull(item) && !fields[i].required))
			why = fields[i].required ? "is required" : NULL;
		else
			why = fields[i].fn(item, &fields[i], out);
		if (why == NULL)
			continue;
		bad = 1;
		if (response_detail(details, fields[i].name, why) < 0)
			return ERR_NOMEM;
	}
	return bad ? ERR_INVAL : 0;
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
