/*
 * test_redis_url: every form CHATS3_REDIS_URL documents, and what it refuses.
 */
#include <string.h>

#include "check.h"
#include "errors.h"
#include "redis_url.h"

static const struct {
	int line;
	const char *s;
	const char *host, *path, *user, *password;
	int port, db;
} good[] = {
	{ __LINE__, "redis://127.0.0.1", "127.0.0.1", "", "", "", 6379, 0 },
	{ __LINE__, "redis://localhost:6380", "localhost", "", "", "", 6380, 0 },
	{ __LINE__, "redis://r.example:7000/3", "r.example", "", "", "", 7000, 3 },
	{ __LINE__, "redis://h/", "h", "", "", "", 6379, 0 },
	{ __LINE__, "redis://:s3cret@h:1/2", "h", "", "", "s3cret", 1, 2 },
	{ __LINE__, "redis://app:pw@h", "h", "", "app", "pw", 6379, 0 },
	{ __LINE__, "redis://[::1]:6390/1", "::1", "", "", "", 6390, 1 },
	{ __LINE__, "redis://[fe80::1]", "fe80::1", "", "", "", 6379, 0 },
	{ __LINE__, "unix:/run/redis/redis.sock", "", "/run/redis/redis.sock", "", "", 6379, 0 },
	{ __LINE__, "unix:/tmp/r.sock?db=5", "", "/tmp/r.sock", "", "", 6379, 5 },
};

static const struct {
	int line;
	const char *s;
} bad[] = {
	{ __LINE__, "" },
	{ __LINE__, "http://h" },
	{ __LINE__, "redis://" },
	{ __LINE__, "redis://:6379" },
	{ __LINE__, "redis://h:0" },
	{ __LINE__, "redis://h:65536" },
	{ __LINE__, "redis://h:x" },
	{ __LINE__, "redis://h:" },
	{ __LINE__, "redis://h/65536" },
	{ __LINE__, "redis://h/-1" },
	{ __LINE__, "redis://h/db" },
	{ __LINE__, "redis://pw@h" },
	{ __LINE__, "redis://user:@h" },
	{ __LINE__, "redis://[::1" },
	{ __LINE__, "redis://[::1]x" },
	{ __LINE__, "redis://h h" },
	{ __LINE__, "unix:" },
	{ __LINE__, "unix:relative.sock" },
	{ __LINE__, "unix:/r.sock?database=1" },
	{ __LINE__, "unix:/r.sock?db=" },
};

static void test_good(void)
{
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct redis_url u;
		const char *why = NULL;

		CHECK_AT(good[i].line, redis_url_parse(good[i].s, &u, &why) == 0);
		CHECK_STR(good[i].line, u.host, good[i].host);
		CHECK_STR(good[i].line, u.path, good[i].path);
		CHECK_STR(good[i].line, u.user, good[i].user);
		CHECK_STR(good[i].line, u.password, good[i].password);
		CHECK_AT(good[i].line, u.port == good[i].port && u.db == good[i].db);
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct redis_url u;
		const char *why = NULL;

		CHECK_AT(bad[i].line, redis_url_parse(bad[i].s, &u, &why) == ERR_INVAL && why != NULL);
	}
}

static void test_bounds(void)
{
	char s[600];
	struct redis_url u;
	const char *why;

	memset(s, 'a', sizeof s);
	memcpy(s, "redis://", 8);
	s[8 + REDIS_URL_HOST_MAX] = '\0';
	CHECK(redis_url_parse(s, &u, &why) == 0 && strlen(u.host) == REDIS_URL_HOST_MAX);
	s[8 + REDIS_URL_HOST_MAX] = 'a';
	s[8 + REDIS_URL_HOST_MAX + 1] = '\0';
	CHECK(redis_url_parse(s, &u, &why) == ERR_INVAL);
}

int main(void)
{
	test_good();
	test_bad();
	test_bounds();
	return check_done("redis_url");
}
