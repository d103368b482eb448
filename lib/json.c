#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "json.h"
#include "utf8.h"

/* What cJSON lets through: nesting of [ and { deeper than JSON_MAX_DEPTH,
 * raw control characters inside strings (RFC 8259 section 7) and the escape
 * \u0000, at which cJSON silently cuts the string short. 1 when clean. */
static int text_ok(const char *p, size_t n)
{
	int depth = 0, in_string = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (in_string) {
			if ((unsigned char)c < 0x20)
				return 0;
			if (c == '\\') {
				if (n - i > 5 && memcmp(p + i + 1, "u0000", 5) == 0)
					return 0;
				i++;
			} else if (c == '"') {
				in_string = 0;
			}
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return 0;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 1;
}

static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

int json_parse(const char *p, size_t n, cJSON **out)
{
	const char *end = NULL;
	cJSON *v;

	*out = NULL;
	if (n == 0 || utf8_count(p, n) < 0 || !text_ok(p, n))
		return ERR_INVAL;
	if ((v = cJSON_ParseWithLengthOpts(p, n, &end, 0)) == NULL)
		return ERR_INVAL;
	if (end == NULL || end < p || !only_space(end, p + n)) {
		cJSON_Delete(v);
		return ERR_INVAL;
	}
	*out = v;
	return 0;
}

int json_wrap(const char *name, cJSON *item, cJSON **out)
{
	*out = item ? cJSON_CreateObject() : NULL;
	if (*out != NULL && cJSON_AddItemToObject(*out, name, item))
		return 0;
	cJSON_Delete(item);
	cJSON_Delete(*out);
	*out = NULL;
	return ERR_NOMEM;
}
