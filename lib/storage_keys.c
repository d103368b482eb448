#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "ids.h"
#include "storage_keys.h"
#include "utf8.h"

#define CONVERSATION_ID_MAX 64
#define MS_MAX INT64_C(9999999999999) /* the most that fits 13 digits */

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int keys_valid_conversation_id(const char *id)
{
	size_t i;

	if (!is_alnum(id[0]))
		return 0;
	for (i = 1; id[i] != '\0' && i < CONVERSATION_ID_MAX; i++)
		if (!is_alnum(id[i]) && id[i] != '_' && id[i] != '-')
			return 0;
	return id[i] == '\0';
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F). */
static int has_control(const unsigned char *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (k[i] < 0x20 || k[i] == 0x7f)
			return 1;
		if (k[i] == 0xc2 && i + 1 < n && k[i + 1] >= 0x80 && k[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

static int valid_segment(const char *seg, size_t n)
{
	return n > 0 && !(n == 1 && seg[0] == '.') &&
	    !(n == 2 && seg[0] == '.' && seg[1] == '.');
}

/* S3 keys are UTF-8, so a key that is not cannot be usable everywhere. */
int keys_valid(const char *key)
{
	size_t len = strnlen(key, STORAGE_MAX_KEY + 1), n;

	if (len == 0 || len > STORAGE_MAX_KEY || utf8_count(key, len) < 0 ||
	    has_control((const unsigned char *)key, len))
		return 0;
	for (;;) {
		n = strcspn(key, "/");
		if (!valid_segment(key, n))
			return 0;
		if (key[n] == '\0')
			return 1;
		key += n + 1;
	}
}

static int build(char out[STORAGE_MAX_KEY + 1], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int build(char out[STORAGE_MAX_KEY + 1], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, STORAGE_MAX_KEY + 1, fmt, ap);
	va_end(ap);
	return n < 0 || n > STORAGE_MAX_KEY ? ERR_INTERNAL : 0;
}

/* "YYYY-MM-DD" of the UTC day of ms, which must fit 13 digits. */
static int utc_day(int64_t ms, char out[11])
{
	time_t secs;
	struct tm tm;
	int n;

	if (ms < 0 || ms > MS_MAX)
		return ERR_INVAL;
	secs = (time_t)(ms / 1000);
	if (gmtime_r(&secs, &tm) == NULL)
		return ERR_INVAL;
	n = snprintf(out, 11, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
	return n == 10 ? 0 : ERR_INTERNAL;
}

/* Copies a UUID v4 in lowercase (UUIDs are case-insensitive; keys are not). */
static int lower_uuid(const char *uuid, char out[UUID_STRLEN + 1])
{
	size_t len = strnlen(uuid, UUID_STRLEN + 1);

	if (!ids_is_uuid4(uuid, len))
		return ERR_INVAL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(uuid[i] >= 'A' && uuid[i] <= 'F' ? uuid[i] - 'A' + 'a' : uuid[i]);
	out[len] = '\0';
	return 0;
}

int keys_meta(char out[STORAGE_MAX_KEY + 1], const char *conversation_id)
{
	if (!keys_valid_conversation_id(conversation_id))
		return ERR_INVAL;
	return build(out, "conversations/%s/meta.json", conversation_id);
}

int keys_messages_prefix(char out[STORAGE_MAX_KEY + 1], const char *conversation_id)
{
	if (!keys_valid_conversation_id(conversation_id))
		return ERR_INVAL;
	return build(out, "conversations/%s/messages/", conversation_id);
}

int keys_messages_day_prefix(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t ms)
{
	char day[11];

	if (!keys_valid_conversation_id(conversation_id) || utc_day(ms, day) < 0)
		return ERR_INVAL;
	return build(out, "conversations/%s/messages/%s/", conversation_id, day);
}

int keys_message_batch(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t ms, const char *uuid)
{
	char day[11], id[UUID_STRLEN + 1];

	if (!keys_valid_conversation_id(conversation_id) || utc_day(ms, day) < 0 ||
	    lower_uuid(uuid, id) < 0)
		return ERR_INVAL;
	return build(out, "conversations/%s/messages/%s/%013lld-%s.ndjson",
	    conversation_id, day, (long long)ms, id);
}

#define COMPACTED_MARK "-00000000-0000-4000-8000-"
#define MARK_LEN (sizeof COMPACTED_MARK - 1)
#define INVERT_OF INT64_C(0xffffffffffff)
#define NAME_LEN (13 + 1 + UUID_STRLEN + 7) /* "<ms>-<uuid>.ndjson" */

int keys_message_compacted(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    int64_t first_ms, int64_t last_ms)
{
	char day[11];

	if (!keys_valid_conversation_id(conversation_id) || utc_day(first_ms, day) < 0 ||
	    last_ms < first_ms || last_ms > MS_MAX)
		return ERR_INVAL;
	return build(out, "conversations/%s/messages/%s/%013lld" COMPACTED_MARK "%012llx.ndjson",
	    conversation_id, day, (long long)first_ms, (long long)(INVERT_OF - last_ms));
}

/* The batch name at the end of key, or NULL when it has none. */
static const char *batch_name(const char *key)
{
	size_t n = strlen(key);

	if (n < NAME_LEN + 1 || key[n - NAME_LEN - 1] != '/' || key[n - NAME_LEN + 13] != '-' ||
	    strcmp(key + n - 7, ".ndjson") != 0)
		return NULL;
	return key + n - NAME_LEN;
}

static int digits(const char *p, size_t n, int base, int64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
		    base == 16 && p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 : -1;

		if (d < 0)
			return ERR_INVAL;
		*v = *v * base + d;
	}
	return 0;
}

int keys_batch_ms(const char *key, int64_t *ms)
{
	const char *name = batch_name(key);

	return name != NULL ? digits(name, 13, 10, ms) : ERR_INVAL;
}

int keys_compacted_range(const char *key, int64_t *first, int64_t *last)
{
	const char *name = batch_name(key);
	int64_t f, inv;

	if (name == NULL || strncmp(name + 13, COMPACTED_MARK, MARK_LEN) != 0 ||
	    digits(name, 13, 10, &f) < 0 || digits(name + 13 + MARK_LEN, 12, 16, &inv) < 0 ||
	    INVERT_OF - inv < f)
		return 0;
	if (first != NULL)
		*first = f;
	if (last != NULL)
		*last = INVERT_OF - inv;
	return 1;
}

int keys_covered(struct keys_cover *c, const char *key)
{
	int64_t first, last, ms;

	if (keys_compacted_range(key, &first, &last)) {
		if (c->on && first >= c->first && last <= c->last)
			return 1;
		c->on = 1;
		c->first = first;
		c->last = last;
		return 0;
	}
	return c->on && keys_batch_ms(key, &ms) == 0 && ms >= c->first && ms <= c->last;
}

static int attachment_key(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id, const char *leaf)
{
	char id[UUID_STRLEN + 1];

	if (!keys_valid_conversation_id(conversation_id) || lower_uuid(attachment_id, id) < 0)
		return ERR_INVAL;
	return build(out, "conversations/%s/attachments/%s/%s", conversation_id, id, leaf);
}

int keys_attachment_original(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id)
{
	return attachment_key(out, conversation_id, attachment_id, "original");
}

int keys_attachment_meta(char out[STORAGE_MAX_KEY + 1], const char *conversation_id,
    const char *attachment_id)
{
	return attachment_key(out, conversation_id, attachment_id, "meta.json");
}
