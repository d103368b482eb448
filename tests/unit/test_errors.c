/*
 * test_errors: every failure maps to a status and a public sentence that
 * reveals nothing; codes outside the list map to 500.
 */
#include <limits.h>

#include "check.h"
#include "errors.h"

static const struct {
	int line;
	int status;
	const char *desc;
	int err;
	const char *name;
} map_cases[] = {
	{ __LINE__, 200, "success", ERR_OK, "ERR_OK" },
	{ __LINE__, 500, "allocation", ERR_NOMEM, "ERR_NOMEM" },
	{ __LINE__, 400, "malformed input", ERR_INVAL, "ERR_INVAL" },
	{ __LINE__, 413, "over a cap", ERR_TOOBIG, "ERR_TOOBIG" },
	{ __LINE__, 415, "media type", ERR_MEDIATYPE, "ERR_MEDIATYPE" },
	{ __LINE__, 404, "not found", ERR_NOTFOUND, "ERR_NOTFOUND" },
	{ __LINE__, 405, "method", ERR_METHOD, "ERR_METHOD" },
	{ __LINE__, 503, "database", ERR_DB, "ERR_DB" },
	{ __LINE__, 500, "local I/O", ERR_IO, "ERR_IO" },
	{ __LINE__, 500, "configuration", ERR_CONFIG, "ERR_CONFIG" },
	{ __LINE__, 503, "dependency down", ERR_UNAVAILABLE, "ERR_UNAVAILABLE" },
	{ __LINE__, 500, "internal", ERR_INTERNAL, "ERR_INTERNAL" },
	{ __LINE__, 409, "exists already", ERR_CONFLICT, "ERR_CONFLICT" },
	{ __LINE__, 500, "storage refused", ERR_STORAGE, "ERR_STORAGE" },
	{ __LINE__, 500, "our own bad argument", ERR_ARG, "ERR_ARG" },
	{ __LINE__, 403, "no entry", ERR_NO_ENTRY, "ERR_NO_ENTRY" },
	{ __LINE__, 410, "closed", ERR_CLOSED, "ERR_CLOSED" },
	{ __LINE__, 409, "name taken", ERR_NAME_TAKEN, "ERR_NAME_TAKEN" },
	{ __LINE__, 409, "a racing twin", ERR_BUSY, "ERR_BUSY" },
	{ __LINE__, 429, "a conversation's join budget spent", ERR_LOCKED, "ERR_LOCKED" },
	{ __LINE__, 429, "a conversation's sessions at the cap", ERR_CONV_FULL, "ERR_CONV_FULL" },
	{ __LINE__, 429, "an address's sessions at the cap", ERR_CLIENT_FULL, "ERR_CLIENT_FULL" },
	{ __LINE__, 500, "just past the list", ERR__MIN, "ERR_INTERNAL" },
	{ __LINE__, 500, "far past the list", -100, "ERR_INTERNAL" },
	{ __LINE__, 500, "INT_MIN", INT_MIN, "ERR_INTERNAL" },
	{ __LINE__, 500, "positive", 1, "ERR_INTERNAL" },
	{ __LINE__, 500, "INT_MAX", INT_MAX, "ERR_INTERNAL" },
};

/* A public sentence names no internals. */
static int discreet(const char *msg)
{
	return msg != NULL && *msg != '\0' && strstr(msg, "ERR_") == NULL &&
	    strstr(msg, "SQL") == NULL;
}

static void test_mapping(void)
{
	for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++) {
		int line = map_cases[i].line, e = map_cases[i].err;

		CHECK_AT(line, err_http_status(e) == map_cases[i].status);
		CHECK_STR(line, err_str(e), map_cases[i].name);
		CHECK_AT(line, discreet(err_public_message(e)));
	}
}

/* Every value of the enum is in the table above. */
static void test_every_value(void)
{
	int listed;

	for (int e = ERR_OK; e > ERR__MIN; e--) {
		listed = 0;
		for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++)
			listed |= map_cases[i].err == e;
		CHECK_AT(__LINE__, listed);
		CHECK_AT(__LINE__, strncmp(err_str(e), "ERR_", 4) == 0);
		CHECK_AT(__LINE__, e == ERR_OK || err_http_status(e) >= 400);
	}
}

/* Only failures worth retrying soon carry a Retry-After. */
static void test_retry_after(void)
{
	CHECK(err_retry_after(ERR_BUSY) > 0);
	CHECK(err_retry_after(ERR_LOCKED) > 0);
	CHECK(err_retry_after(ERR_UNAVAILABLE) > 0);
	CHECK(err_retry_after(ERR_DB) > 0);
	CHECK(err_retry_after(ERR_INVAL) == 0);
	CHECK(err_retry_after(ERR_ARG) == 0);
	CHECK(err_retry_after(-100) == 0);
}

int main(void)
{
	test_mapping();
	test_every_value();
	test_retry_after();
	return check_done("test_errors");
}
