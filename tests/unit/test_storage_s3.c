/*
 * test_storage_s3: what storage_s3_open accepts from the configuration,
 * without a server: endpoints (http or https, host[:port], no path, query
 * or user info), bucket names, regions, credentials. The S3 traffic
 * itself is tested by tests/s3/run against s3rver and a strict fake.
 */
#include <string.h>

#include "check.h"
#include "config.h"
#include "errors.h"
#include "storage.h"

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *endpoint, *bucket, *region, *key_id, *secret, *token;
} cases[] = {
	{ __LINE__, 0, "AWS, virtual-hosted", NULL, "chats3", "eu-west-1", "AKIA", "s", NULL },
	{ __LINE__, 0, "no region: us-east-1", NULL, "chats3", NULL, "AKIA", "s", NULL },
	{ __LINE__, 0, "session token", NULL, "chats3", "us-east-1", "ASIA", "s", "FwoG+/tok==" },
	{ __LINE__, 0, "empty session token: none", NULL, "chats3", "us-east-1", "AKIA", "s", "" },
	{ __LINE__, 0, "http with a port", "http://127.0.0.1:4568", "chats3-test", NULL, "S3RVER", "S3RVER", NULL },
	{ __LINE__, 0, "https, no port, trailing slash", "https://minio.example:9000/", "b.with.dots", NULL, "k", "s", NULL },
	{ __LINE__, 0, "IPv6 literal", "http://[::1]:9000", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, 0, "default port", "http://localhost:80", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "ftp", "ftp://127.0.0.1", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "no scheme", "127.0.0.1:9000", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "a path", "http://127.0.0.1:9000/s3", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "a query", "http://127.0.0.1:9000?x=1", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "user info", "http://u:p@127.0.0.1:9000", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "empty host", "http://:9000", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "port 0", "http://127.0.0.1:0", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "port 65536", "http://127.0.0.1:65536", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "port not a number", "http://127.0.0.1:x", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "empty port", "http://127.0.0.1:", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "unclosed IPv6", "http://[::1:9000", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "space in host", "http://a b", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "empty", "", "chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "dotted bucket on AWS", NULL, "b.with.dots", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "bucket too short", NULL, "ab", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "bucket uppercase", NULL, "Chats3", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "bucket ends with '-'", NULL, "chats3-", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "bucket with '/'", NULL, "a/b", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "bucket of 64", NULL,
	  "b123456789012345678901234567890123456789012345678901234567890123", NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "no bucket", NULL, NULL, NULL, "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "region with '/'", NULL, "chats3", "us/east", "k", "s", NULL },
	{ __LINE__, ERR_CONFIG, "no key id", NULL, "chats3", NULL, NULL, "s", NULL },
	{ __LINE__, ERR_CONFIG, "no secret", NULL, "chats3", NULL, "k", NULL, NULL },
	{ __LINE__, ERR_CONFIG, "empty secret", NULL, "chats3", NULL, "k", "", NULL },
	{ __LINE__, ERR_CONFIG, "secret with a newline", NULL, "chats3", NULL, "k", "s\nx", NULL },
	{ __LINE__, ERR_CONFIG, "token with a space", NULL, "chats3", NULL, "k", "s", "a b" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config cfg;
		struct storage *s = NULL;
		int rc;

		memset(&cfg, 0, sizeof cfg);
		cfg.storage = STORAGE_S3;
		cfg.s3_endpoint = (char *)cases[i].endpoint;
		cfg.s3_bucket = (char *)cases[i].bucket;
		cfg.region = (char *)cases[i].region;
		cfg.access_key_id = (char *)cases[i].key_id;
		cfg.secret_access_key = (char *)cases[i].secret;
		cfg.session_token = (char *)cases[i].token;
		rc = storage_open(&s, &cfg);
		CHECK_AT(cases[i].line, rc == cases[i].rc);
		if (rc != cases[i].rc)
			printf("  %s: got %s\n", cases[i].desc, err_str(rc));
		CHECK_AT(cases[i].line, (s != NULL) == (rc == 0));
		storage_close(s);
	}
}

int main(void)
{
	test_cases();
	return check_done("test_storage_s3");
}
