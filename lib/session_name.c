#include <string.h>
#include <strings.h>

#include "session_name.h"
#include "session_store.h"
#include "utf8.h"

static const char *const reserved[] = { "system", "admin" };

/* Drops from key[0..n) (valid UTF-8) its default-ignorable characters,
 * and makes each run of spaces one ' ', none at the ends; in place. */
static void squeeze(char *key, size_t n)
{
	size_t i = 0, k = 0, len;
	unsigned long cp;
	int space = 0;

	while (i < n) {
		len = utf8_decode(key + i, n - i, &cp);
		if (utf8_is_space(cp)) {
			space = k > 0;
		} else if (!utf8_is_ignorable(cp)) {
			if (space)
				key[k++] = ' ';
			memmove(key + k, key + i, len);
			k += len;
			space = 0;
		}
		i += len;
	}
	key[k] = '\0';
}

int session_name_key(const char *name, char *key, size_t keylen)
{
	if (utf8_casefold(name, strlen(name), key, keylen) < 0)
		return -1;
	squeeze(key, strlen(key));
	return 0;
}

static int has_format(const char *s, size_t n)
{
	size_t i = 0, len;
	unsigned long cp;

	while (i < n && (len = utf8_decode(s + i, n - i, &cp)) > 0) {
		if (utf8_is_format(cp))
			return 1;
		i += len;
	}
	return 0;
}

const char *session_name_problem(const char *name)
{
	char key[SESSION_NAME_KEY_MAX + 1];
	size_t n = strlen(name);

	if (n > SESSION_NAME_MAX)
		return "is too long";
	if (session_name_key(name, key, sizeof key) < 0)
		return "must be valid UTF-8";
	if (has_format(name, n))
		return "must not contain invisible formatting or text direction characters";
	if (key[0] == '\0')
		return "must contain a visible character";
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(key, reserved[i]) == 0)
			return "is reserved";
	return NULL;
}

const char *session_avatar_problem(const char *url, size_t max)
{
	static const char scheme[] = "https://";

	if (strlen(url) > max)
		return "is too long";
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "must be a URL of printable ASCII characters";
	if (strpbrk(url, "\"'<>`\\") != NULL)
		return "must not contain quotes, angle brackets, backticks or backslashes";
	if (strncasecmp(url, scheme, sizeof scheme - 1) != 0 ||
	    strcspn(url + sizeof scheme - 1, "/?#") == 0)
		return "must be an absolute https URL";
	return NULL;
}
