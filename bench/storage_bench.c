/*
 * storage_bench: N puts or gets of one SIZE-byte object through lib/storage
 * (one struct storage, so one kept-alive connection), as bench/storage
 * runs it against s3rver. Storage comes from the environment as
 * config_load reads it.
 *
 *   storage_bench put|get N SIZE KEY
 *
 * get puts the object once first (not timed). Prints one line:
 * "ours <op> <N> ops of <SIZE> bytes: <us> us/op" and exits 0, or prints
 * the failure and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "errors.h"
#include "storage.h"

static int parse_count(const char *s, long max, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *end == '\0' && *out >= 1 && *out <= max ? 0 : -1;
}

static int loop(struct storage *s, int get, long n, const char *key, const char *body,
    size_t size)
{
	struct buf b;
	int rc = 0;

	buf_init(&b, 0);
	for (long i = 0; i < n && rc == 0; i++) {
		if (get) {
			b.len = 0;
			rc = storage_get(s, key, &b, NULL);
			if (rc == 0 && b.len != size)
				rc = ERR_INTERNAL;
		} else {
			rc = storage_put(s, key, body, size, "application/octet-stream", 0);
		}
	}
	buf_free(&b);
	return rc;
}

static int bench(struct storage *s, int get, long n, long size, const char *key)
{
	char *body = malloc((size_t)size);
	int64_t t0;
	int rc;

	if (body == NULL)
		return ERR_NOMEM;
	memset(body, 'b', (size_t)size);
	rc = get ? storage_put(s, key, body, (size_t)size, "application/octet-stream", 0) : 0;
	t0 = clock_mono_us();
	if (rc == 0)
		rc = loop(s, get, n, key, body, (size_t)size);
	if (rc == 0)
		printf("ours %s %ld ops of %ld bytes: %.1f us/op\n", get ? "get" : "put", n, size,
		    (double)(clock_mono_us() - t0) / (double)n);
	free(body);
	return rc;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct storage *s = NULL;
	struct config cfg;
	long n, size;
	int rc;

	if (argc != 5 || (strcmp(argv[1], "put") != 0 && strcmp(argv[1], "get") != 0) ||
	    parse_count(argv[2], 1000000, &n) < 0 || parse_count(argv[3], 1 << 24, &size) < 0) {
		fputs("usage: storage_bench put|get N SIZE KEY\n", stderr);
		return 2;
	}
	if (config_load(&cfg, err) < 0) {
		printf("config: %s\n", err);
		return 1;
	}
	if ((rc = storage_open(&s, &cfg)) == 0)
		rc = bench(s, strcmp(argv[1], "get") == 0, n, size, argv[4]);
	if (rc < 0)
		printf("storage_bench: %s %s %s\n", err_str(rc), s ? storage_error_code(s) : "",
		    s ? storage_error_message(s) : "");
	storage_close(s);
	config_free(&cfg);
	return rc < 0 ? 1 : 0;
}
