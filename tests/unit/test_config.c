/*
 * test_config: defaults, the file, the environment beating it, and every
 * rejection naming its key. The environment is a table per case; the file
 * is a temporary one. Last, the settings file found beside the program
 * when the environment names none (as under suEXEC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "errors.h"

#define MAX_ENV 6

struct config_case {
	int line;
	int rc;
	const char *desc;
	const char *env[MAX_ENV]; /* "NAME=value" */
	const char *file;         /* file text, NULL for no CHATS3_CONFIG_FILE */
	const char *field;        /* on success, the field to look at */
	const char *want;         /* its value; on failure, text err must hold */
};

static const struct config_case cases[] = {
	/* Defaults. */
	{ __LINE__, 0, "default data dir", { NULL }, NULL, "data_dir", "./var" },
	{ __LINE__, 0, "default port", { NULL }, NULL, "port", "8080" },
	{ __LINE__, 0, "default storage", { NULL }, NULL, "storage", "fs" },
	{ __LINE__, 0, "default region", { NULL }, NULL, "region", "us-east-1" },
	{ __LINE__, 0, "no default bucket", { NULL }, NULL, "s3_bucket", "(null)" },
	{ __LINE__, 0, "no default endpoint", { NULL }, NULL, "s3_endpoint", "(null)" },
	{ __LINE__, 0, "default body cap", { NULL }, NULL, "max_body_bytes", "65536" },
	{ __LINE__, 0, "default upload cap", { NULL }, NULL, "max_upload_bytes", "10485760" },
	{ __LINE__, 0, "default recycling", { NULL }, NULL, "max_requests", "0" },

	/* The file, and the environment over it. */
	{ __LINE__, 0, "port from the file", { NULL }, "CHATS3_PORT = 9000\n", "port", "9000" },
	{ __LINE__, 0, "environment beats the file", { "CHATS3_PORT=9001" },
	  "CHATS3_PORT = 9000\n", "port", "9001" },
	{ __LINE__, 0, "string from the file", { NULL },
	  "CHATS3_DATA_DIR=srv/chats3\n", "data_dir", "srv/chats3" },
	{ __LINE__, 0, "comments, blank lines, spaces, CRLF", { NULL },
	  "# a comment\n\n   \n  CHATS3_DATA_DIR \t=  a b  \r\n# CHATS3_PORT = x\n",
	  "data_dir", "a b" },
	{ __LINE__, 0, "last line without a newline", { NULL }, "CHATS3_PORT=9002",
	  "port", "9002" },
	{ __LINE__, 0, "a later line wins in the file", { NULL },
	  "CHATS3_PORT=1\nCHATS3_PORT=2\n", "port", "2" },
	{ __LINE__, 0, "'=' inside a value", { NULL }, "CHATS3_ADMIN_TOKEN = a=b0123456789abcdef0123456789abcdef\n",
	  "admin_token", "a=b0123456789abcdef0123456789abcdef" },
	{ __LINE__, 0, "empty file", { NULL }, "", "port", "8080" },

	/* An empty value is unset. */
	{ __LINE__, 0, "empty in the environment", { "CHATS3_PORT=" }, NULL, "port", "8080" },
	{ __LINE__, 0, "empty in the environment falls to the file", { "CHATS3_DATA_DIR=" },
	  "CHATS3_DATA_DIR = from-file\n", "data_dir", "from-file" },
	{ __LINE__, 0, "empty in the file", { NULL }, "CHATS3_PORT =\n", "port", "8080" },
	{ __LINE__, 0, "empty CHATS3_CONFIG_FILE reads no file", { "CHATS3_CONFIG_FILE=" },
	  NULL, "port", "8080" },

	/* Which of two names wins. */
	{ __LINE__, 0, "AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL",
	  { "AWS_ENDPOINT_URL=http://all", "AWS_ENDPOINT_URL_S3=http://s3" }, NULL,
	  "s3_endpoint", "http://s3" },
	{ __LINE__, 0, "AWS_ENDPOINT_URL alone", { "AWS_ENDPOINT_URL=http://all" }, NULL,
	  "s3_endpoint", "http://all" },
	{ __LINE__, 0, "empty AWS_ENDPOINT_URL_S3 is unset",
	  { "AWS_ENDPOINT_URL_S3=", "AWS_ENDPOINT_URL=http://all" }, NULL,
	  "s3_endpoint", "http://all" },
	{ __LINE__, 0, "AWS_REGION beats AWS_DEFAULT_REGION",
	  { "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-central-1" }, NULL,
	  "region", "eu-central-1" },
	{ __LINE__, 0, "AWS_DEFAULT_REGION alone", { "AWS_DEFAULT_REGION=eu-west-1" }, NULL,
	  "region", "eu-west-1" },
	{ __LINE__, 0, "AWS_REGION from the file beats the default", { NULL },
	  "AWS_REGION = ap-south-1\n", "region", "ap-south-1" },

	/* Storage. */
	{ __LINE__, 0, "s3 with a bucket", { "CHATS3_STORAGE=s3", "CHATS3_S3_BUCKET=b" },
	  NULL, "storage", "s3" },
	{ __LINE__, 0, "bucket from the file", { "CHATS3_STORAGE=s3" },
	  "CHATS3_S3_BUCKET = b\n", "s3_bucket", "b" },
	{ __LINE__, ERR_CONFIG, "s3 without a bucket", { "CHATS3_STORAGE=s3" }, NULL,
	  NULL, "CHATS3_S3_BUCKET" },
	{ __LINE__, ERR_CONFIG, "s3 with an empty bucket",
	  { "CHATS3_STORAGE=s3", "CHATS3_S3_BUCKET=" }, NULL, NULL, "CHATS3_S3_BUCKET" },
	{ __LINE__, ERR_CONFIG, "unknown storage", { "CHATS3_STORAGE=ftp" }, NULL,
	  NULL, "CHATS3_STORAGE" },
	{ __LINE__, ERR_CONFIG, "storage is case-sensitive", { "CHATS3_STORAGE=S3" }, NULL,
	  NULL, "CHATS3_STORAGE" },

	/* An http:// endpoint only on this host, unless allowed. */
#define S3_AT(url) "CHATS3_STORAGE=s3", "CHATS3_S3_BUCKET=b", "AWS_ENDPOINT_URL_S3=" url
	{ __LINE__, ERR_CONFIG, "http to another host", { S3_AT("http://s3.example.com:9000") },
	  NULL, NULL, "CHATS3_S3_ALLOW_HTTP=1" },
	{ __LINE__, ERR_CONFIG, "a name that starts like loopback", { S3_AT("http://127.0.0.1.nip.io") },
	  NULL, NULL, "use https://" },
	{ __LINE__, 0, "http to another host, allowed", { S3_AT("http://s3.example.com:9000"),
	  "CHATS3_S3_ALLOW_HTTP=1" }, NULL, "s3_endpoint", "http://s3.example.com:9000" },
	{ __LINE__, 0, "http to 127.0.0.1", { S3_AT("http://127.0.0.1:9000") }, NULL,
	  "s3_endpoint", "http://127.0.0.1:9000" },
	{ __LINE__, 0, "http to localhost", { S3_AT("http://localhost:9000/") }, NULL,
	  "s3_endpoint", "http://localhost:9000/" },
	{ __LINE__, 0, "http to [::1]", { S3_AT("http://[::1]:9000") }, NULL,
	  "s3_endpoint", "http://[::1]:9000" },
	{ __LINE__, 0, "https anywhere", { S3_AT("https://s3.example.com") }, NULL,
	  "s3_endpoint", "https://s3.example.com" },
	{ __LINE__, 0, "the local directory ignores the endpoint",
	  { "AWS_ENDPOINT_URL_S3=http://s3.example.com" }, NULL, "s3_endpoint",
	  "http://s3.example.com" },
	{ __LINE__, ERR_CONFIG, "CHATS3_S3_ALLOW_HTTP is 0 or 1", { "CHATS3_S3_ALLOW_HTTP=yes" },
	  NULL, NULL, "CHATS3_S3_ALLOW_HTTP" },
#undef S3_AT

	/* The admin token: 32 characters at least. */
	{ __LINE__, ERR_CONFIG, "an admin token of 31", { "CHATS3_ADMIN_TOKEN="
	  "0123456789abcdef0123456789abcde" }, NULL, NULL, "at least 32 characters, got 31" },
	{ __LINE__, 0, "an admin token of 32", { "CHATS3_ADMIN_TOKEN="
	  "0123456789abcdef0123456789abcdef" }, NULL, "admin_token",
	  "0123456789abcdef0123456789abcdef" },

	/* State. */
	{ __LINE__, 0, "state defaults to sqlite", { NULL }, NULL, "state", "sqlite" },
	{ __LINE__, 0, "sqlite from the file", { NULL }, "CHATS3_STATE = sqlite\n", "state",
	  "sqlite" },
	{ __LINE__, ERR_CONFIG, "unknown state", { "CHATS3_STATE=mysql" }, NULL, NULL,
	  "CHATS3_STATE" },
	{ __LINE__, ERR_CONFIG, "redis without CHATS3_REDIS_URL", { "CHATS3_STATE=redis" }, NULL,
	  NULL, "CHATS3_STATE" },
	{ __LINE__, 0, "redis when a URL is set", { "CHATS3_REDIS_URL=redis://127.0.0.1:7000" },
	  NULL, "state", "redis" },
	{ __LINE__, 0, "redis by name with its URL", { "CHATS3_STATE=redis",
	  "CHATS3_REDIS_URL=unix:/run/r.sock" }, NULL, "state", "redis" },
	{ __LINE__, 0, "sqlite by name despite a URL", { "CHATS3_STATE=sqlite",
	  "CHATS3_REDIS_URL=redis://127.0.0.1:7000" }, NULL, "state", "sqlite" },

	/* STUN/TURN servers for calls: checked, kept as compact JSON. */
	{ __LINE__, 0, "no ICE servers by default", { NULL }, NULL, "ice_servers", "(null)" },
	{ __LINE__, 0, "a STUN server", { "CHATS3_ICE_SERVERS=[{\"urls\": \"stun:stun.example.org\"}]" },
	  NULL, "ice_servers", "[{\"urls\":\"stun:stun.example.org\"}]" },
	{ __LINE__, 0, "TURN with its credentials, from the file", { NULL },
	  "CHATS3_ICE_SERVERS = [{\"urls\":[\"turn:t.example.org:3478?transport=udp\","
	  "\"turns:t.example.org:443\"],\"username\":\"u\",\"credential\":\"p\"}]\n",
	  "ice_servers", "[{\"urls\":[\"turn:t.example.org:3478?transport=udp\","
	  "\"turns:t.example.org:443\"],\"username\":\"u\",\"credential\":\"p\"}]" },
	{ __LINE__, 0, "an empty list", { "CHATS3_ICE_SERVERS=[]" }, NULL, "ice_servers", "[]" },
	{ __LINE__, ERR_CONFIG, "ICE servers not JSON", { "CHATS3_ICE_SERVERS=stun:x" }, NULL, NULL,
	  "CHATS3_ICE_SERVERS: expected a JSON array" },
	{ __LINE__, ERR_CONFIG, "ICE servers an object", { "CHATS3_ICE_SERVERS={\"urls\":\"stun:x\"}" },
	  NULL, NULL, "CHATS3_ICE_SERVERS: expected a JSON array" },
	{ __LINE__, ERR_CONFIG, "an ICE server not an object", { "CHATS3_ICE_SERVERS=[\"stun:x\"]" },
	  NULL, NULL, "entry 1 is not an object" },
	{ __LINE__, ERR_CONFIG, "an http: URL",
	  { "CHATS3_ICE_SERVERS=[{\"urls\":\"stun:x\"},{\"urls\":[\"http://x\"]}]" }, NULL, NULL,
	  "entry 2: \"urls\" must be" },
	{ __LINE__, ERR_CONFIG, "no urls", { "CHATS3_ICE_SERVERS=[{\"urls\":[]}]" }, NULL, NULL,
	  "entry 1: \"urls\" must be" },
	{ __LINE__, ERR_CONFIG, "a scheme alone", { "CHATS3_ICE_SERVERS=[{\"urls\":\"stun:\"}]" },
	  NULL, NULL, "\"urls\" must be" },
	{ __LINE__, ERR_CONFIG, "TURN without a credential",
	  { "CHATS3_ICE_SERVERS=[{\"urls\":\"turn:x\",\"username\":\"u\"}]" }, NULL, NULL,
	  "a TURN server needs" },
	{ __LINE__, ERR_CONFIG, "a credential not a string",
	  { "CHATS3_ICE_SERVERS=[{\"urls\":\"turn:x\",\"username\":\"u\",\"credential\":1}]" },
	  NULL, NULL, "\"credential\" must be a string" },
	{ __LINE__, ERR_CONFIG, "a misspelt member",
	  { "CHATS3_ICE_SERVERS=[{\"url\":\"stun:x\"}]" }, NULL, NULL, "unknown member \"url\"" },
	{ __LINE__, ERR_CONFIG, "more than eight servers", { "CHATS3_ICE_SERVERS=[{\"urls\":\"stun:a\"},"
	  "{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},"
	  "{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"}]" },
	  NULL, NULL, "more than 8 servers" },

	/* Numbers. */
	{ __LINE__, 0, "port at its maximum", { "CHATS3_PORT=65535" }, NULL, "port", "65535" },
	{ __LINE__, ERR_CONFIG, "port not a number", { "CHATS3_PORT=abc" }, NULL,
	  NULL, "CHATS3_PORT" },
	{ __LINE__, ERR_CONFIG, "port zero", { "CHATS3_PORT=0" }, NULL, NULL, "CHATS3_PORT" },
	{ __LINE__, ERR_CONFIG, "port too large", { "CHATS3_PORT=65536" }, NULL,
	  NULL, "CHATS3_PORT" },
	{ __LINE__, ERR_CONFIG, "port negative", { "CHATS3_PORT=-1" }, NULL, NULL, "CHATS3_PORT" },
	{ __LINE__, ERR_CONFIG, "port with a space", { "CHATS3_PORT=80 80" }, NULL,
	  NULL, "CHATS3_PORT" },
	{ __LINE__, ERR_CONFIG, "overflowing number", { "CHATS3_MAX_REQUESTS=99999999999999999999" },
	  NULL, NULL, "CHATS3_MAX_REQUESTS" },
	{ __LINE__, ERR_CONFIG, "body cap under its minimum", { "CHATS3_MAX_BODY_BYTES=1023" },
	  NULL, NULL, "CHATS3_MAX_BODY_BYTES" },
	{ __LINE__, ERR_CONFIG, "bad number in the file", { NULL },
	  "CHATS3_MAX_UPLOAD_BYTES = 10MB\n", NULL, "CHATS3_MAX_UPLOAD_BYTES" },
	{ __LINE__, ERR_CONFIG, "the environment's bad number is checked", { "CHATS3_PORT=x" },
	  "CHATS3_PORT = 9000\n", NULL, "CHATS3_PORT" },

	/* The file's own syntax. */
	{ __LINE__, ERR_CONFIG, "unknown key", { NULL }, "CHATS3_PORT = 1\nNOT_A_KEY = 1\n",
	  NULL, "NOT_A_KEY" },
	{ __LINE__, ERR_CONFIG, "unknown key gives its line", { NULL },
	  "CHATS3_PORT = 1\nNOT_A_KEY = 1\n", NULL, "line 2" },
	{ __LINE__, ERR_CONFIG, "key names are case-sensitive", { NULL },
	  "chats3_port = 1\n", NULL, "chats3_port" },
	{ __LINE__, ERR_CONFIG, "no '='", { NULL }, "CHATS3_PORT 9000\n", NULL, "KEY = value" },
	{ __LINE__, ERR_CONFIG, "'=' with no key", { NULL }, "= 9000\n", NULL, "unknown key" },
	{ __LINE__, ERR_CONFIG, "unreadable file", { "CHATS3_CONFIG_FILE=no-such-dir/chats3.conf" },
	  NULL, NULL, "CHATS3_CONFIG_FILE" },
};

static const struct config_case *current;
static const char *config_path;

/* The lookup config_load_from calls: the current case's table. */
static const char *lookup(const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, "CHATS3_CONFIG_FILE") == 0 && current->file != NULL)
		return config_path;
	for (size_t i = 0; i < MAX_ENV && current->env[i] != NULL; i++)
		if (strncmp(current->env[i], name, n) == 0 && current->env[i][n] == '=')
			return current->env[i] + n + 1;
	return NULL;
}

static const char *show(const struct config *c, const char *field, char out[32])
{
	static const struct { const char *name; size_t off; } strs[] = {
		{ "data_dir", offsetof(struct config, data_dir) },
		{ "s3_bucket", offsetof(struct config, s3_bucket) },
		{ "s3_endpoint", offsetof(struct config, s3_endpoint) },
		{ "region", offsetof(struct config, region) },
		{ "admin_token", offsetof(struct config, admin_token) },
		{ "ice_servers", offsetof(struct config, ice_servers) },
	};
	static const struct { const char *name; size_t off; } longs[] = {
		{ "port", offsetof(struct config, port) },
		{ "max_upload_bytes", offsetof(struct config, max_upload_bytes) },
		{ "max_body_bytes", offsetof(struct config, max_body_bytes) },
		{ "max_requests", offsetof(struct config, max_requests) },
	};
	const char *s;

	if (strcmp(field, "storage") == 0)
		return c->storage == STORAGE_S3 ? "s3" : "fs";
	if (strcmp(field, "state") == 0)
		return c->state == STATE_SQLITE ? "sqlite" : c->state == STATE_REDIS ? "redis" :
		    "(unknown)";
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (strcmp(field, strs[i].name) == 0) {
			s = *(char *const *)((const char *)c + strs[i].off);
			return s ? s : "(null)";
		}
	}
	for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
		if (strcmp(field, longs[i].name) == 0) {
			snprintf(out, 32, "%ld", *(const long *)((const char *)c + longs[i].off));
			return out;
		}
	}
	return "(no such field)";
}

/* Replaces the file's contents with text. */
static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void run_case(const struct config_case *t)
{
	struct config c;
	char err[CONFIG_ERR_LEN], shown[32];
	int rc, written;

	current = t;
	written = t->file == NULL || write_file(config_path, t->file) == 0;
	CHECK_AT(t->line, written);
	if (!written)
		return;
	rc = config_load_from(&c, lookup, err);
	CHECK_AT(t->line, rc == t->rc);
	if (rc == 0 && t->field != NULL) {
		CHECK_STR(t->line, show(&c, t->field, shown), t->want);
	} else if (rc < 0) {
		CHECK_AT(t->line, strstr(err, t->want) != NULL);
		if (strstr(err, t->want) == NULL)
			printf("  err \"%s\"\n", err);
		CHECK_AT(t->line, c.data_dir == NULL && c.region == NULL);
	}
	config_free(&c);
	CHECK_AT(t->line, c.data_dir == NULL && c.region == NULL);
}

/* A line longer than the parser's line buffer is rejected, not split. */
static void test_long_line(void)
{
	struct config_case t = { __LINE__, ERR_CONFIG, "long line", { NULL }, NULL, NULL,
	    "longer than" };
	char *text = malloc(20000);

	CHECK(text != NULL);
	if (text == NULL)
		return;
	memcpy(text, "CHATS3_DATA_DIR = ", 18);
	memset(text + 18, 'x', 20000 - 18 - 2);
	memcpy(text + 20000 - 2, "\n", 2);
	t.file = text;
	run_case(&t);
	free(text);
}

/* A value over the 4096-byte cap names its key. */
static void test_long_value(void)
{
	struct config_case t = { __LINE__, ERR_CONFIG, "long value", { NULL }, NULL, NULL,
	    "CHATS3_ADMIN_TOKEN" };
	char *text = malloc(6000);

	CHECK(text != NULL);
	if (text == NULL)
		return;
	memcpy(text, "CHATS3_ADMIN_TOKEN=", 19);
	memset(text + 19, 'x', 6000 - 19 - 2);
	memcpy(text + 6000 - 2, "\n", 2);
	t.file = text;
	run_case(&t);
	free(text);
}

static const char *no_env(const char *name) { (void)name; return NULL; }

/* The fallback file: read when CHATS3_CONFIG_FILE is unset, skipped when
 * absent, an error naming it when it cannot be opened otherwise. */
static void test_fallback_file(void)
{
	char beside[4200], err[CONFIG_ERR_LEN];
	struct config c;

	CHECK(write_file(config_path, "CHATS3_DATA_DIR = /from-fallback\n") == 0);
	CHECK(config_load_with(&c, no_env, config_path, err) == 0);
	CHECK_STR(__LINE__, c.data_dir, "/from-fallback");
	config_free(&c);
	CHECK(config_load_with(&c, no_env, "no-such-dir/chats3.conf", err) == 0);
	CHECK_STR(__LINE__, c.data_dir, "./var");
	config_free(&c);
	snprintf(beside, sizeof beside, "%s/chats3.conf", config_path);
	CHECK(config_load_with(&c, no_env, beside, err) == ERR_CONFIG);
	CHECK(strstr(err, "settings file: cannot open") != NULL);
}

/* config_load itself: chats3.conf in this program's directory. */
static void test_file_beside_program(void)
{
	char exe[4096], err[CONFIG_ERR_LEN], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 32);
	struct config c;

	CHECK(n > 0);
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	strcpy(slash + 1, CONFIG_FILE_NAME);
	CHECK(write_file(exe, "CHATS3_DATA_DIR = /beside-the-program\n") == 0);
	CHECK(unsetenv("CHATS3_CONFIG_FILE") == 0 && unsetenv("CHATS3_DATA_DIR") == 0);
	CHECK(config_load(&c, err) == 0);
	CHECK_STR(__LINE__, c.data_dir, "/beside-the-program");
	config_free(&c);
	CHECK(unlink(exe) == 0);
}

int main(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd, n;

	n = snprintf(path, sizeof path, "%s/test_config.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : P_tmpdir);
	if (n < 0 || (size_t)n >= sizeof path || (fd = mkstemp(path)) < 0) {
		perror("test_config: temporary file");
		return 1;
	}
	close(fd);
	config_path = path;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	test_long_line();
	test_long_value();
	test_fallback_file();
	test_file_beside_program();
	CHECK(unlink(path) == 0);
	return check_done("test_config");
}
