/*
 * fuzz_validate: validate_text on arbitrary bytes. What it accepts is a
 * slice of the input that is valid UTF-8, within the bounds, free of
 * control characters, and trimmed; accepting it again gives itself. Then
 * every validator a route table may name, on the same bytes as a query
 * parameter's value: each either refuses or stores a value within its
 * bounds. And the case folding of the same bytes: it accepts exactly valid
 * UTF-8, never writes past the buffer it is given (exactly sized, so
 * ASan sees a byte too many), gives valid UTF-8, and folding or keying
 * again changes nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session_name.h"
#include "utf8.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

struct values {
	char *text;
	long number;
};

static const char *const words[] = { "active", "closed", NULL };

static int nonempty(const char *s) { return s[0] != '\0'; }

static const struct vpredicate any = { nonempty, "is empty" };

static const struct vfield fields[] = {
	{ "t", v_text, 1, 1, 64, offsetof(struct values, text), 0 },
	{ "d", v_display_name, 1, 0, 0, offsetof(struct values, text), 0 },
	{ "c", v_conversation_id, 1, 0, 0, offsetof(struct values, text), 0 },
	{ "u", v_avatar_url, 1, 0, 2048, offsetof(struct values, text), 0 },
	{ "b", v_message_body, 1, 1, 4000, offsetof(struct values, text), 0 },
	{ "i", v_iso_time, 1, 1, 64, offsetof(struct values, text), 0 },
	{ "o", v_one_of, 1, 1, 16, offsetof(struct values, text), words },
	{ "m", v_matching, 1, 1, 64, offsetof(struct values, text), &any },
	{ "n", v_integer, 1, 1, 200, offsetof(struct values, number), 0 },
};

static void every_validator(const char *p, size_t size)
{
	const struct vvalue v = { p, size, V_TEXT, 0 };

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct values out = { NULL, 0 };
		const char *why = fields[i].fn(&v, &fields[i], &out);

		if (fields[i].fn == v_integer)
			must(why != NULL || (out.number >= 1 && out.number <= 200));
		else
			must(why != NULL || (out.text != NULL && utf8_count(out.text, strlen(out.text)) >= 0));
		free(out.text);
	}
}

/* out = malloc'd fold of p[0..n) in a buffer of exactly cap bytes; NULL
 * when refused. */
static char *folded(const char *p, size_t n, size_t cap)
{
	char *out = malloc(cap);

	must(out != NULL);
	if (utf8_casefold(p, n, out, cap) == 0)
		return out;
	free(out);
	return NULL;
}

static void casefold(const char *p, size_t size)
{
	size_t cap = UTF8_FOLD_GROWTH * size + 1, len;
	char *once = folded(p, size, cap), *twice, *key, *rekey;

	must((once != NULL) == (utf8_count(p, size) >= 0));
	if (once == NULL)
		return;
	len = strlen(once);
	must(utf8_count(once, len) >= 0);
	must(folded(once, len, len) == NULL); /* no room for the NUL: refused, in bounds */
	twice = folded(once, len, UTF8_FOLD_GROWTH * len + 1);
	must(twice != NULL && strcmp(once, twice) == 0);
	key = malloc(len + 1), rekey = malloc(len + 1);
	must(key != NULL && rekey != NULL);
	must(session_name_key(once, key, len + 1) == 0 && utf8_count(key, strlen(key)) >= 0);
	must(session_name_key(key, rekey, len + 1) == 0 && strcmp(key, rekey) == 0);
	free(once), free(twice), free(key), free(rekey);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *s = NULL, *s2 = NULL;
	size_t len = 0, len2 = 0;
	long chars;

	every_validator(p, size);
	casefold(p, size);
	if (validate_text(p, size, 1, 64, &s, &len) != NULL)
		return 0;
	must(s >= p && s + len <= p + size);
	chars = utf8_count(s, len);
	must(chars >= 1 && chars <= 64);
	must(s[0] != ' ' && s[len - 1] != ' ');
	must(validate_text(s, len, 1, 64, &s2, &len2) == NULL && s2 == s && len2 == len);
	return 0;
}
