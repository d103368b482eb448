/*
 * s3_tool: one storage call from the command line, for tests/s3/run (the
 * S3 checks that need a server stopped, a wrong bucket, or awscli on the
 * other side). Storage comes from the environment as config_load reads it.
 *
 *   s3_tool put KEY FILE [create-only]   storage_put_file
 *   s3_tool get KEY FILE                 storage_get_stream into FILE
 *   s3_tool head KEY | delete KEY | check
 *   s3_tool heads N KEY                  N heads through one struct storage
 *   s3_tool list PREFIX [MAX]            every page, MAX (1,000) at a time
 *
 * Prints one line, "<ERR_*> code=<code> ms=<elapsed> <message>" (ERR_OK
 * for a success; list adds keys= and pages=), and exits 0 when the call
 * succeeded, 1 when it failed, 2 for a usage or configuration error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "errors.h"
#include "storage.h"

struct file_sink {
	int fd;
};

static int sink_begin(void *ctx, const struct storage_meta *meta)
{
	(void)ctx;
	(void)meta;
	return 0;
}

static int sink_write(void *ctx, const char *p, size_t n)
{
	struct file_sink *f = ctx;
	ssize_t k;

	while (n > 0) {
		if ((k = write(f->fd, p, n)) <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}

static int do_put(struct storage *s, char **argv, int argc)
{
	unsigned flags = argc > 4 && strcmp(argv[4], "create-only") == 0 ? STORAGE_CREATE_ONLY : 0;
	int fd = open(argv[3], O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return ERR_IO;
	rc = storage_put_file(s, argv[2], fd, "application/octet-stream", flags);
	close(fd);
	return rc;
}

static int do_get(struct storage *s, char **argv)
{
	struct file_sink f;
	struct storage_sink sink = { sink_begin, sink_write, &f };
	int rc;

	if ((f.fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return ERR_IO;
	rc = storage_get_stream(s, argv[2], &sink);
	if (close(f.fd) < 0 && rc == 0)
		rc = ERR_IO;
	return rc;
}

/* s as a whole number in [1, max], else 0. */
static long count_arg(const char *s, long max)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *end == '\0' && n >= 1 && n <= max ? n : 0;
}

static int do_list(struct storage *s, char **argv, int argc, size_t *keys, int *pages)
{
	struct storage_list_opts o = { argv[2], NULL, NULL, NULL, STORAGE_LIST_MAX };
	struct storage_list l;
	char *token = NULL;
	int rc;

	if (argc == 4 && (o.max_keys = (int)count_arg(argv[3], STORAGE_LIST_MAX)) == 0)
		return ERR_INVAL;
	do {
		o.continuation = token;
		rc = storage_list(s, &o, &l);
		free(token);
		token = NULL;
		if (rc == 0) {
			*keys += l.nkeys;
			(*pages)++;
			token = l.next_continuation;
			l.next_continuation = NULL;
		}
		storage_list_free(&l);
	} while (rc == 0 && token != NULL);
	free(token);
	return rc;
}

static int do_heads(struct storage *s, const char *count, const char *key)
{
	struct storage_meta m;
	long n = count_arg(count, 100000);
	int rc = 0;

	if (n == 0)
		return ERR_INVAL;
	for (long i = 0; i < n && rc == 0; i++)
		rc = storage_head(s, key, &m);
	return rc;
}

static int usage(void)
{
	fputs("usage: s3_tool put KEY FILE [create-only] | get KEY FILE | head KEY |"
	    " delete KEY | heads N KEY | list PREFIX [MAX] | check\n", stderr);
	return 2;
}

static int run(struct storage *s, int argc, char **argv)
{
	struct storage_meta m;
	size_t keys = 0;
	int pages = 0, rc;
	int64_t t0 = clock_mono_us();

	if (strcmp(argv[1], "put") == 0 && argc >= 4)
		rc = do_put(s, argv, argc);
	else if (strcmp(argv[1], "get") == 0 && argc == 4)
		rc = do_get(s, argv);
	else if (strcmp(argv[1], "head") == 0 && argc == 3)
		rc = storage_head(s, argv[2], &m);
	else if (strcmp(argv[1], "delete") == 0 && argc == 3)
		rc = storage_delete(s, argv[2]);
	else if (strcmp(argv[1], "list") == 0 && (argc == 3 || argc == 4))
		rc = do_list(s, argv, argc, &keys, &pages);
	else if (strcmp(argv[1], "heads") == 0 && argc == 4)
		rc = do_heads(s, argv[2], argv[3]);
	else if (strcmp(argv[1], "check") == 0 && argc == 2)
		rc = storage_check(s);
	else
		return usage();
	printf("%s code=%s ms=%lld", err_str(rc), storage_error_code(s),
	    (long long)((clock_mono_us() - t0) / 1000));
	if (strcmp(argv[1], "list") == 0)
		printf(" keys=%zu pages=%d", keys, pages);
	printf(" %s\n", storage_error_message(s));
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct storage *s = NULL;
	struct config cfg;
	int rc;

	if (argc < 2)
		return usage();
	if (config_load(&cfg, err) < 0) {
		printf("ERR_CONFIG code= ms=0 %s\n", err);
		return 2;
	}
	if ((rc = storage_open(&s, &cfg)) < 0) {
		printf("%s code= ms=0 storage_open failed\n", err_str(rc));
		config_free(&cfg);
		return 2;
	}
	rc = run(s, argc, argv);
	storage_close(s);
	config_free(&cfg);
	return rc;
}
