/*
 * fuzz_config: the configuration file parser. Each input becomes the
 * contents of one temporary file that CHATS3_CONFIG_FILE names; the load
 * either succeeds or fails with a sentence in err.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];

static void must(int cond)
{
	if (!cond)
		abort();
}

static const char *lookup(const char *name)
{
	return strcmp(name, "CHATS3_CONFIG_FILE") == 0 ? path : NULL;
}

static void remove_file(void)
{
	unlink(path);
}

static void make_file(void)
{
	const char *dir = getenv("TMPDIR");
	int n, fd;

	n = snprintf(path, sizeof path, "%s/fuzz_config.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : P_tmpdir);
	must(n > 0 && (size_t)n < sizeof path);
	must((fd = mkstemp(path)) >= 0);
	must(close(fd) == 0);
	must(atexit(remove_file) == 0);
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t w;

	must(fd >= 0);
	while (size > 0) {
		if ((w = write(fd, data, size)) < 0) {
			must(errno == EINTR);
			continue;
		}
		data += w;
		size -= (size_t)w;
	}
	must(close(fd) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_LEN];
	struct config c;
	int rc;

	if (path[0] == '\0')
		make_file();
	write_file(data, size);
	rc = config_load_from(&c, lookup, err);
	must(rc == 0 || rc == ERR_CONFIG || rc == ERR_NOMEM);
	must(memchr(err, '\0', sizeof err) != NULL);
	if (rc == ERR_CONFIG)
		must(err[0] != '\0');
	if (rc == 0)
		must(c.data_dir != NULL && c.region != NULL &&
		    (c.storage != STORAGE_S3 || c.s3_bucket != NULL));
	config_free(&c);
	return 0;
}
