/*
 * test_http_origin: which strings are origins, and which requests are
 * cross-site by their Sec-Fetch-Site and Origin headers against the
 * site's own origin (Host, and HTTPS directly or from a trusted proxy).
 */
#include <string.h>

#include "app.h"
#include "check.h"
#include "http_origin.h"
#include "request.h"

static struct app app;

static const struct {
	int line;
	int valid;
	const char *s;
} origins[] = {
	{ __LINE__, 1, "https://www.example.com" },
	{ __LINE__, 1, "http://localhost:3000" },
	{ __LINE__, 1, "http://127.0.0.1:65535" },
	{ __LINE__, 1, "https://a-b.example" },
	{ __LINE__, 0, "https://www.example.com/" },
	{ __LINE__, 0, "https://www.example.com/page" },
	{ __LINE__, 0, "https://WWW.example.com" },
	{ __LINE__, 0, "HTTPS://www.example.com" },
	{ __LINE__, 0, "ftp://example.com" },
	{ __LINE__, 0, "https://" },
	{ __LINE__, 0, "https://.example" },
	{ __LINE__, 0, "https://example." },
	{ __LINE__, 0, "https://-example" },
	{ __LINE__, 0, "http://localhost:" },
	{ __LINE__, 0, "http://localhost:0" },
	{ __LINE__, 0, "http://localhost:080" },
	{ __LINE__, 0, "http://localhost:65536" },
	{ __LINE__, 0, "http://user@localhost" },
	{ __LINE__, 0, "https://*.example.com" },
	{ __LINE__, 0, "null" },
	{ __LINE__, 0, "" },
};

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++)
		CHECK_AT(origins[i].line,
		    http_origin_valid(origins[i].s, strlen(origins[i].s)) == origins[i].valid);
}

static long no_read(void *ctx, char *p, size_t n) { (void)ctx; (void)p; (void)n; return 0; }
static int no_write(void *ctx, const char *p, size_t n) { (void)ctx; (void)p; (void)n; return 0; }

static void test_cross_site(void)
{
	static const struct {
		int line;
		int cross;
		const char *desc;
		const char *env[6];
	} cases[] = {
		{ __LINE__, 0, "neither header (curl)", { "HTTP_HOST=chat.example" } },
		{ __LINE__, 0, "own origin", { "HTTP_HOST=chat.example", "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 0, "own origin, host in another case",
		  { "HTTP_HOST=Chat.Example", "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 0, "own origin with a port", { "HTTP_HOST=127.0.0.1:8080",
		  "HTTP_ORIGIN=http://127.0.0.1:8080" } },
		{ __LINE__, 0, "default port in Host", { "HTTP_HOST=chat.example:80",
		  "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 1, "another port", { "HTTP_HOST=127.0.0.1:8080",
		  "HTTP_ORIGIN=http://127.0.0.1:8081" } },
		{ __LINE__, 1, "another site", { "HTTP_HOST=chat.example", "HTTP_ORIGIN=https://evil.example" } },
		{ __LINE__, 1, "a suffix of the host", { "HTTP_HOST=chat.example",
		  "HTTP_ORIGIN=http://chat.example.evil" } },
		{ __LINE__, 1, "an opaque origin", { "HTTP_HOST=chat.example", "HTTP_ORIGIN=null" } },
		{ __LINE__, 1, "https page to an http site", { "HTTP_HOST=chat.example",
		  "HTTP_ORIGIN=https://chat.example" } },
		{ __LINE__, 0, "https", { "HTTP_HOST=chat.example", "HTTPS=on",
		  "HTTP_ORIGIN=https://chat.example:443" } },
		{ __LINE__, 1, "https site, http page", { "HTTP_HOST=chat.example", "HTTPS=on",
		  "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 1, "no Host to compare with", { "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 0, "Sec-Fetch-Site same-origin", { "HTTP_SEC_FETCH_SITE=same-origin" } },
		{ __LINE__, 0, "Sec-Fetch-Site none", { "HTTP_SEC_FETCH_SITE=none" } },
		{ __LINE__, 1, "Sec-Fetch-Site same-site", { "HTTP_SEC_FETCH_SITE=same-site" } },
		{ __LINE__, 1, "Sec-Fetch-Site cross-site", { "HTTP_SEC_FETCH_SITE=cross-site",
		  "HTTP_HOST=chat.example", "HTTP_ORIGIN=http://chat.example" } },
		{ __LINE__, 0, "Sec-Fetch-Site wins over Origin", { "HTTP_SEC_FETCH_SITE=same-origin",
		  "HTTP_HOST=chat.example", "HTTP_ORIGIN=http://chat.example" } },
	};
	struct io io = { no_read, no_write, NULL };
	const char *env[9];
	struct request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t k = 0;

		env[k++] = "REQUEST_METHOD=POST";
		env[k++] = "REQUEST_URI=/api/v1/messages";
		for (size_t j = 0; j < 6 && cases[i].env[j] != NULL; j++)
			env[k++] = cases[i].env[j];
		env[k] = NULL;
		CHECK_AT(cases[i].line, request_init(&r, &app, (char **)env, io) == 0);
		CHECK_AT(cases[i].line, http_origin_cross_site(&r) == cases[i].cross);
		request_free(&r);
	}
}

int main(void)
{
	test_valid();
	test_cross_site();
	return check_done("test_http_origin");
}
