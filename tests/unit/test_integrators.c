/*
 * test_integrators: the integrators file as app_init reads it: good
 * files, and each mistake an operator makes refused with a sentence that
 * names the entry and never the secret; lookups; loading from disk.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "errors.h"
#include "integrators.h"
#include "tmpdir.h"

#define SECRET "s3cret-s3cret-s3cret-s3cret-s3cret"
#define ENTRY(id, origins) "{\"id\":\"" id "\",\"secret\":\"" SECRET "\",\"allowedOrigins\":" origins "}"

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *json;
	const char *err; /* a part of the sentence */
} cases[] = {
	{ __LINE__, 0, "none", "[]", NULL },
	{ __LINE__, 0, "two", "[" ENTRY("acme", "[\"https://acme.example\",\"http://localhost:3000\"]") ","
	  ENTRY("b.c_d-1", "[\"http://10.0.0.1:8080\"]") "]", NULL },
	{ __LINE__, ERR_CONFIG, "not JSON", "[{", "expected a JSON array" },
	{ __LINE__, ERR_CONFIG, "an object", ENTRY("a", "[\"https://a.example\"]"), "expected a JSON array" },
	{ __LINE__, ERR_CONFIG, "an entry not an object", "[1]", "entry 0: expected an object" },
	{ __LINE__, ERR_CONFIG, "no id", "[{\"secret\":\"" SECRET "\",\"allowedOrigins\":[\"https://a.example\"]}]",
	  "entry 0: id must be" },
	{ __LINE__, ERR_CONFIG, "a bad id", "[" ENTRY("a b", "[\"https://a.example\"]") "]", "id must be" },
	{ __LINE__, ERR_CONFIG, "a twice", "[" ENTRY("a", "[\"https://a.example\"]") ","
	  ENTRY("a", "[\"https://a.example\"]") "]", "entry 1: id a appears twice" },
	{ __LINE__, ERR_CONFIG, "a short secret", "[{\"id\":\"a\",\"secret\":\"short-secret\","
	  "\"allowedOrigins\":[\"https://a.example\"]}]", "entry 0 (a): secret must be" },
	{ __LINE__, ERR_CONFIG, "a number for a secret", "[{\"id\":\"a\",\"secret\":12,"
	  "\"allowedOrigins\":[\"https://a.example\"]}]", "secret must be" },
	{ __LINE__, ERR_CONFIG, "no origins", "[" ENTRY("a", "[]") "]", "allowedOrigins must be" },
	{ __LINE__, ERR_CONFIG, "origins not a list", "[" ENTRY("a", "\"https://a.example\"") "]",
	  "allowedOrigins must be" },
	{ __LINE__, ERR_CONFIG, "a path", "[" ENTRY("a", "[\"https://a.example/\"]") "]",
	  "allowedOrigins[0] is not an origin" },
	{ __LINE__, ERR_CONFIG, "upper case", "[" ENTRY("a", "[\"https://a.example\",\"https://A.example\"]") "]",
	  "allowedOrigins[1] is not an origin" },
	{ __LINE__, ERR_CONFIG, "no scheme", "[" ENTRY("a", "[\"a.example\"]") "]", "is not an origin" },
	{ __LINE__, ERR_CONFIG, "a bad port", "[" ENTRY("a", "[\"http://a.example:99999\"]") "]",
	  "is not an origin" },
	{ __LINE__, ERR_CONFIG, "a wildcard", "[" ENTRY("a", "[\"https://*.a.example\"]") "]",
	  "is not an origin" },
};

static void test_parse(void)
{
	char err[CONFIG_ERR_LEN];
	struct integrators list;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = integrators_parse(cases[i].json, strlen(cases[i].json), &list, err);

		CHECK_AT(cases[i].line, rc == cases[i].rc);
		if (cases[i].err != NULL) {
			CHECK_AT(cases[i].line, strstr(err, cases[i].err) != NULL);
			CHECK_AT(cases[i].line, strstr(err, SECRET) == NULL);
			CHECK_AT(cases[i].line, list.n == 0 && list.items == NULL);
		}
		integrators_free(&list);
	}
}

static void test_lookup(void)
{
	static const char two[] = "[" ENTRY("acme", "[\"https://acme.example\",\"http://localhost:3000\"]")
	    "," ENTRY("beta", "[\"https://beta.example\",\"http://localhost:3000\"]") "]";
	char err[CONFIG_ERR_LEN];
	struct integrators list;
	const struct integrator *it;
	const char *all[3];

	CHECK(integrators_parse(two, strlen(two), &list, err) == 0 && list.n == 2);
	CHECK((it = integrators_find(&list, "beta")) != NULL && strcmp(it->secret, SECRET) == 0 &&
	    it->secret_len == strlen(SECRET));
	CHECK(integrators_find(&list, "gamma") == NULL && integrators_find(&list, "") == NULL);
	it = integrators_find(&list, "acme");
	CHECK(integrators_allows(it, "http://localhost:3000") == 1);
	CHECK(integrators_allows(it, "https://beta.example") == 0);
	CHECK(integrators_allows(it, "https://acme.example/") == 0);
	CHECK(integrators_origins(&list, all, 3) == 3); /* each once */
	CHECK_STR(__LINE__, all[0], "https://acme.example");
	CHECK_STR(__LINE__, all[1], "http://localhost:3000");
	CHECK_STR(__LINE__, all[2], "https://beta.example");
	CHECK(integrators_origins(&list, all, 2) == ERR_TOOBIG);
	integrators_free(&list);
	integrators_free(&list);
	CHECK(integrators_origins(&list, all, 3) == 0);
}

static void test_load(void)
{
	static const char good[] = "[" ENTRY("acme", "[\"https://acme.example\"]") "]";
	char dir[TMPDIR_MAX], path[TMPDIR_MAX + 32], err[CONFIG_ERR_LEN];
	struct integrators list;
	FILE *f;

	CHECK(tmpdir_make(dir, "test_integrators") == 0);
	snprintf(path, sizeof path, "%s/integrators.json", dir);
	CHECK(integrators_load(path, &list, err) == ERR_CONFIG);
	CHECK(strncmp(err, "CHATS3_INTEGRATORS_FILE: cannot open", 36) == 0);
	CHECK((f = fopen(path, "w")) != NULL && fputs(good, f) >= 0 && fclose(f) == 0);
	CHECK(integrators_load(path, &list, err) == 0 && list.n == 1);
	integrators_free(&list);
	CHECK((f = fopen(path, "w")) != NULL && fputs("[1]", f) >= 0 && fclose(f) == 0);
	CHECK(integrators_load(path, &list, err) == ERR_CONFIG);
	CHECK_STR(__LINE__, err, "CHATS3_INTEGRATORS_FILE: entry 0: expected an object "
	    "{\"id\",\"secret\",\"allowedOrigins\"}");
	tmpdir_remove(dir);
}

int main(void)
{
	test_parse();
	test_lookup();
	test_load();
	return check_done("test_integrators");
}
