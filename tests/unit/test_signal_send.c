/*
 * test_signal_send: which data goes with which event type (required,
 * 64 KiB of JSON at most, typing exactly one boolean), and that the
 * contract's types are the ones accepted.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "signal_send.h"

static const struct {
	int line;
	int ok;
	const char *type;
	const char *data; /* JSON text, NULL: absent */
} cases[] = {
	{ __LINE__, 1, "offer", "{\"sdp\":\"v=0\"}" },
	{ __LINE__, 1, "end-call", "{}" },
	{ __LINE__, 1, "ice-candidate", "[1,2,3]" },
	{ __LINE__, 1, "answer", "\"text\"" },
	{ __LINE__, 1, "peer-join", "null" },
	{ __LINE__, 0, "offer", NULL },
	{ __LINE__, 1, "typing", "{\"typing\":true}" },
	{ __LINE__, 1, "typing", "{\"typing\":false}" },
	{ __LINE__, 0, "typing", "{}" },
	{ __LINE__, 0, "typing", "{\"typing\":1}" },
	{ __LINE__, 0, "typing", "{\"typing\":\"true\"}" },
	{ __LINE__, 0, "typing", "{\"typing\":true,\"x\":1}" },
	{ __LINE__, 0, "typing", "[true]" },
	{ __LINE__, 0, "typing", NULL },
};

/* data of exactly n bytes as JSON: {"b":"xx..."} */
static cJSON *data_of(size_t n)
{
	size_t fill = n - strlen("{\"b\":\"\"}");
	char *s = malloc(fill + 1);
	cJSON *d = NULL;

	if (s != NULL) {
		memset(s, 'x', fill);
		s[fill] = '\0';
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "b", s);
	}
	free(s);
	return d;
}

static void check_size_cap(void)
{
	cJSON *at = data_of(SIGNAL_DATA_MAX), *over = data_of(SIGNAL_DATA_MAX + 1);

	CHECK(at != NULL && signal_data_invalid("offer", at) == NULL);
	CHECK(over != NULL && signal_data_invalid("offer", over) != NULL);
	cJSON_Delete(at);
	cJSON_Delete(over);
}

static void check_types(void)
{
	size_t n = 0;

	for (; signal_types[n] != NULL; n++)
		CHECK(strcmp(signal_types[n], "new-message") != 0);
	CHECK(n == 7);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *d = cases[i].data ? cJSON_Parse(cases[i].data) : NULL;
		const char *why = signal_data_invalid(cases[i].type, d);

		CHECK_AT(cases[i].line, (cases[i].data == NULL || d != NULL) &&
		    (why == NULL) == cases[i].ok);
		cJSON_Delete(d);
	}
	check_size_cap();
	check_types();
	return check_done("test_signal_send");
}
