#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "conversation.h"
#include "errors.h"
#include "ice_servers.h"
#include "redis_url.h"
#include "numparse.h"

/* CHATS3_TEMPLATES_DEFAULT is where make install puts templates/
 * (Makefile.am); ./chats3 serve and the tests set CHATS3_TEMPLATES_DIR
 * to the source tree's. */

enum kind { K_STR, K_LONG, K_STORAGE, K_STATE, K_ICE, K_REDIS };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	long min, max;   /* K_LONG bounds */
	const char *def; /* default, NULL for none */
	int secret;
};

#define OFF(f) offsetof(struct config, f)
#define MIB 1048576L

/* Later entries for the same field lose to earlier ones: the
 * AWS_ENDPOINT_URL_S3 key is listed before AWS_ENDPOINT_URL. */
static const struct key keys[] = {
	{ "CHATS3_DATA_DIR", K_STR, OFF(data_dir), 0, 0, "./var", 0 },
	{ "CHATS3_PORT", K_LONG, OFF(port), 1, 65535, "8080", 0 },
	{ "CHATS3_STORAGE", K_STORAGE, OFF(storage), 0, 0, "fs", 0 },
	{ "CHATS3_STATE", K_STATE, OFF(state), 0, 0, "auto", 0 },
	{ "CHATS3_S3_BUCKET", K_STR, OFF(s3_bucket), 0, 0, NULL, 0 },
	{ "CHATS3_S3_ALLOW_HTTP", K_LONG, OFF(s3_allow_http), 0, 1, "0", 0 },
	{ "CHATS3_S3_TIMEOUT_SECONDS", K_LONG, OFF(s3_timeout_seconds), 1, 3600, "30", 0 },
	{ "CHATS3_S3_MULTIPART_BYTES", K_LONG, OFF(s3_multipart_bytes), 5 * MIB, LONG_MAX, "67108864", 0 },
	{ "AWS_ENDPOINT_URL_S3", K_STR, OFF(s3_endpoint), 0, 0, NULL, 0 },
	{ "AWS_ENDPOINT_URL", K_STR, OFF(s3_endpoint), 0, 0, NULL, 0 },
	{ "AWS_REGION", K_STR, OFF(region), 0, 0, NULL, 0 },
	{ "AWS_DEFAULT_REGION", K_STR, OFF(region), 0, 0, "us-east-1", 0 },
	{ "AWS_ACCESS_KEY_ID", K_STR, OFF(access_key_id), 0, 0, NULL, 0 },
	{ "AWS_SECRET_ACCESS_KEY", K_STR, OFF(secret_access_key), 0, 0, NULL, 1 },
	{ "AWS_SESSION_TOKEN", K_STR, OFF(session_token), 0, 0, NULL, 1 },
	{ "CHATS3_ADMIN_TOKEN", K_STR, OFF(admin_token), 0, 0, NULL, 1 },
	{ "CHATS3_INTEGRATORS_FILE", K_STR, OFF(integrators_file), 0, 0, NULL, 0 },
	{ "CHATS3_ICE_SERVERS", K_ICE, OFF(ice_servers), 0, 0, NULL, 0 },
	{ "CHATS3_TEMPLATES_DIR", K_STR, OFF(templates_dir), 0, 0, CHATS3_TEMPLATES_DEFAULT, 0 },
	{ "CHATS3_MAX_UPLOAD_BYTES", K_LONG, OFF(max_upload_bytes), 1, 1024 * MIB, "10485760", 0 },
	{ "CHATS3_ATTACHMENT_CACHE_BYTES", K_LONG, OFF(attachment_cache_bytes), 0, LONG_MAX,
	  "1073741824", 0 },
	{ "CHATS3_XSENDFILE_ROOT", K_STR, OFF(xsendfile_root), 0, 0, NULL, 0 },
	{ "CHATS3_MAX_BODY_BYTES", K_LONG, OFF(max_body_bytes), 1024, 16 * MIB, "65536", 0 },
	{ "CHATS3_MAX_REQUESTS", K_LONG, OFF(max_requests), 0, LONG_MAX, "0", 0 },
	{ "CHATS3_SESSION_TTL_SECONDS", K_LONG, OFF(session_ttl_seconds), 60, 31536000, "86400", 0 },
	{ "CHATS3_TRUSTED_PROXIES", K_STR, OFF(trusted_proxies), 0, 0, NULL, 0 },
	{ "CHATS3_JOIN_RATE", K_LONG, OFF(join_rate), 1, 1000000, "30", 0 },
	{ "CHATS3_JOIN_FAILURES", K_LONG, OFF(join_failures), 1, 1000000, "20", 0 },
	{ "CHATS3_SESSIONS_PER_CONVERSATION", K_LONG, OFF(sessions_per_conversation), 1, 1000000,
	  "500", 0 },
	{ "CHATS3_SESSIONS_PER_CLIENT", K_LONG, OFF(sessions_per_client), 1, 1000000, "50", 0 },
	{ "CHATS3_JOIN_CODE_LENGTH", K_LONG, OFF(join_code_length), JOIN_CODE_MIN, JOIN_CODE_MAX, "8", 0 },
	{ "CHATS3_WRITE_RATE", K_LONG, OFF(write_rate), 1, 1000000, "120", 0 },
	{ "CHATS3_READ_BUDGET", K_LONG, OFF(read_budget), 1, 100000000, "3000", 0 },
	{ "CHATS3_READ_WINDOW_SECONDS", K_LONG, OFF(read_window_seconds), 1, 3600, "60", 0 },
	{ "CHATS3_REDIS_URL", K_REDIS, OFF(redis_url), 0, 0, NULL, 1 },
	{ "CHATS3_RELAY_LISTEN", K_STR, OFF(relay_listen), 0, 0, NULL, 0 },
	{ "CHATS3_RELAY_LOG", K_STR, OFF(relay_log), 0, 0, NULL, 0 },
	{ "CHATS3_RELAY_HEARTBEAT_MS", K_LONG, OFF(relay_heartbeat_ms), 10, 3600000, "15000", 0 },
	{ "CHATS3_RELAY_QUEUE_BYTES", K_LONG, OFF(relay_queue_bytes), 1024, 64 * MIB, "262144", 0 },
	{ "CHATS3_RELAY_REPLAY_MS", K_LONG, OFF(relay_replay_ms), 0, 3600000, "60000", 0 },
	{ "CHATS3_RELAY_ORDER_MS", K_LONG, OFF(relay_order_ms), 0, 600000, "10000", 0 },
	{ "CHATS3_BOOT_ID", K_STR, OFF(boot_id), 0, 0, NULL, 0 }, /* tests only: a reboot */
};
#define NKEYS (sizeof keys / sizeof keys[0])

#define MAX_VALUE 4096
#define MAX_FILE_LINE 8192

struct file_values {
	char *v[NKEYS];
};

int config_error(char err[CONFIG_ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CONFIG_ERR_LEN, fmt, ap);
	va_end(ap);
	return ERR_CONFIG;
}

/* Keeps v as given once it parses (the password stays in the string). */
static int redis_value(const char *name, const char *v, char **out, char err[CONFIG_ERR_LEN])
{
	struct redis_url url;
	const char *why;

	if (redis_url_parse(v, &url, &why) < 0)
		return config_error(err, "%s: %s", name, why);
	return (*out = strdup(v)) == NULL ? ERR_NOMEM : 0;
}

static int set_value(struct config *c, const struct key *k, const char *v,
    char err[CONFIG_ERR_LEN])
{
	char *base = (char *)c + k->off;
	long n;

	if (strlen(v) > MAX_VALUE)
		return config_error(err, "%s: value longer than %d bytes", k->name, MAX_VALUE);
	switch (k->kind) {
	case K_STR:
		if ((*(char **)base = strdup(v)) == NULL)
			return ERR_NOMEM;
		return 0;
	case K_LONG:
		if (numparse_long(v, strlen(v), k->min, k->max, &n) < 0)
			return config_error(err, "%s: expected a whole number from %ld to %ld, got \"%.64s\"",
			    k->name, k->min, k->max, v);
		*(long *)base = n;
		return 0;
	case K_STORAGE:
		if (strcmp(v, "fs") == 0)
			*(enum storage_kind *)base = STORAGE_FS;
		else if (strcmp(v, "s3") == 0)
			*(enum storage_kind *)base = STORAGE_S3;
		else
			return config_error(err, "%s: expected \"fs\" or \"s3\", got \"%.64s\"", k->name, v);
		return 0;
	case K_STATE: /* "auto", the default, is settled by check_combination */
		if (strcmp(v, "sqlite") == 0)
			*(enum state_kind *)base = STATE_SQLITE;
		else if (strcmp(v, "redis") == 0)
			*(enum state_kind *)base = STATE_REDIS;
		else if (strcmp(v, "auto") == 0)
			*(enum state_kind *)base = STATE_AUTO;
		else
			return config_error(err, "%s: expected \"sqlite\" or \"redis\", got \"%.64s\"",
			    k->name, v);
		return 0;
	case K_ICE:
		return ice_servers_parse(k->name, v, (char **)base, err);
	case K_REDIS:
		return redis_value(k->name, v, (char **)base, err);
	}
	return ERR_INTERNAL;
}

static int key_index(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int read_line(struct file_values *fv, char *line, const char *path,
    int lineno, char err[CONFIG_ERR_LEN])
{
	char *eq, *name, *value;
	int idx;

	name = trim(line);
	if (*name == '\0' || *name == '#')
		return 0;
	if ((eq = strchr(name, '=')) == NULL)
		return config_error(err, "%.128s line %d: expected KEY = value", path, lineno);
	*eq = '\0';
	name = trim(name);
	value = trim(eq + 1);
	if ((idx = key_index(name)) < 0)
		return config_error(err, "%.128s line %d: unknown key %.64s", path, lineno, name);
	free(fv->v[idx]);
	if ((fv->v[idx] = strdup(value)) == NULL)
		return ERR_NOMEM;
	return 0;
}

/* optional: a file that does not exist is no settings, not an error. */
static int read_file(struct file_values *fv, const char *path, int optional,
    char err[CONFIG_ERR_LEN])
{
	char line[MAX_FILE_LINE];
	int rc = 0, lineno = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		if (optional && errno == ENOENT)
			return 0;
		return config_error(err, "%s: cannot open %.128s: %s",
		    optional ? "settings file" : "CHATS3_CONFIG_FILE", path, strerror(errno));
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			rc = config_error(err, "%.128s line %d: longer than %d bytes", path, lineno, MAX_FILE_LINE);
		else
			rc = read_line(fv, line, path, lineno, err);
	}
	if (rc == 0 && ferror(f))
		rc = config_error(err, "%.128s: read error", path);
	fclose(f);
	return rc;
}

/* 1 when url is http:// to a host off this machine (not localhost,
 * 127.0.0.0/8 or [::1]): requests and objects would cross a network in
 * clear. */
static int http_off_loopback(const char *url)
{
	const char *h = url + 7;
	size_t n;

	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) || (n == 5 && strncmp(h, "[::1]", 5) == 0))
		return 0;
	return !(strncmp(h, "127.", 4) == 0 && strspn(h, "0123456789.") == n);
}

static int check_combination(struct config *c, char err[CONFIG_ERR_LEN])
{
	if (c->state == STATE_AUTO)
		c->state = c->redis_url != NULL ? STATE_REDIS : STATE_SQLITE;
	if (c->state == STATE_REDIS && c->redis_url == NULL)
		return config_error(err, "CHATS3_STATE: redis needs CHATS3_REDIS_URL");
	if (c->storage == STORAGE_S3 && c->s3_bucket == NULL)
		return config_error(err, "CHATS3_S3_BUCKET: required when CHATS3_STORAGE=s3");
	if (c->storage == STORAGE_S3 && c->s3_endpoint != NULL && !c->s3_allow_http &&
	    http_off_loopback(c->s3_endpoint))
		return config_error(err, "AWS_ENDPOINT_URL_S3: http:// to another host sends the "
		    "requests and every object in clear; use https://, or set CHATS3_S3_ALLOW_HTTP=1");
	if (c->admin_token != NULL && strlen(c->admin_token) < CONFIG_ADMIN_TOKEN_MIN)
		return config_error(err, "CHATS3_ADMIN_TOKEN: at least %d characters, got %zu "
		    "(make one with: openssl rand -hex 32)", CONFIG_ADMIN_TOKEN_MIN,
		    strlen(c->admin_token));
	return 0;
}

/* Is the field of k a string the config owns? */
static int is_string(const struct key *k)
{
	return k->kind == K_STR || k->kind == K_ICE || k->kind == K_REDIS;
}

/* Has an earlier key already filled the field of keys[i]? */
static int field_taken(const struct config *c, size_t i)
{
	return is_string(&keys[i]) && *(char *const *)((const char *)c + keys[i].off) != NULL;
}

/* An empty setting counts as unset, as in a shell's VAR= */
static const char *nonempty(const char *v) { return v != NULL && *v != '\0' ? v : NULL; }

static int apply(struct config *c, const struct file_values *fv,
    const char *(*get)(const char *), char err[CONFIG_ERR_LEN])
{
	const char *v;
	int rc;

	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < NKEYS; i++) {
			if (field_taken(c, i))
				continue;
			v = nonempty(get(keys[i].name));
			if (v == NULL)
				v = nonempty(fv->v[i]);
			if (v == NULL && pass == 1)
				v = keys[i].def;
			if (v != NULL && (rc = set_value(c, &keys[i], v, err)) < 0)
				return rc;
		}
	}
	return check_combination(c, err);
}

int config_load_with(struct config *c, const char *(*get)(const char *),
    const char *fallback_file, char err[CONFIG_ERR_LEN])
{
	struct file_values fv = { { 0 } };
	const char *path = nonempty(get("CHATS3_CONFIG_FILE"));
	int rc = 0;

	memset(c, 0, sizeof *c);
	err[0] = '\0';
	if (path != NULL)
		rc = read_file(&fv, path, 0, err);
	else if (fallback_file != NULL)
		rc = read_file(&fv, fallback_file, 1, err);
	if (rc == 0)
		rc = apply(c, &fv, get, err);
	for (size_t i = 0; i < NKEYS; i++) {
		if (fv.v[i] != NULL)
			OPENSSL_cleanse(fv.v[i], strlen(fv.v[i]));
		free(fv.v[i]);
	}
	if (rc < 0)
		config_free(c);
	return rc;
}

int config_load_from(struct config *c, const char *(*get)(const char *),
    char err[CONFIG_ERR_LEN])
{
	return config_load_with(c, get, NULL, err);
}

static const char *env_get(const char *name) { return getenv(name); }

/* CONFIG_FILE_NAME in the directory of the running program's file. 0, or
 * -1 when that cannot be known (then there is no such file). */
static int file_beside_program(char out[PATH_MAX])
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	slash[1] = '\0';
	n = snprintf(out, PATH_MAX, "%s%s", exe, CONFIG_FILE_NAME);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

int config_load(struct config *c, char err[CONFIG_ERR_LEN])
{
	char beside[PATH_MAX];

	return config_load_with(c, env_get,
	    file_beside_program(beside) == 0 ? beside : NULL, err);
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char **p;
		if (!is_string(&keys[i]))
			continue;
		p = (char **)((char *)c + keys[i].off);
		if (*p != NULL && keys[i].secret)
			OPENSSL_cleanse(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}
