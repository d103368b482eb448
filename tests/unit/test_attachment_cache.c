/*
 * test_attachment_cache: the download cache on a real directory: a file
 * put from an unnamed spool (linked) and from a named one (copied) opens
 * with its bytes; a file of another size is never opened and is removed; a
 * fill is linked only when it holds exactly its size, and a dropped one
 * leaves no file; the bound evicts the least recently used files but none
 * used within the grace period, and leaves what is not its own alone; a
 * cache of 0 bytes is off.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attachment_cache.h"
#include "check.h"
#include "tmpdir.h"

#define ID_A "00000000-0000-4000-8000-00000000000a"
#define ID_B "00000000-0000-4000-8000-00000000000b"
#define ID_C "00000000-0000-4000-8000-00000000000c"
#define ID_D "00000000-0000-4000-8000-00000000000d"
#define ID_E "00000000-0000-4000-8000-00000000000e"

/* An unnamed file in dir holding n bytes of byte b, or -1. */
static int spool(const char *dir, int b, size_t n)
{
	char data[1000];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	memset(data, b, sizeof data);
	if (fd >= 0 && (n > sizeof data || write(fd, data, n) != (ssize_t)n)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* 1 when id is cached with n bytes of byte b. */
static int holds(const struct attachment_cache *c, const char *id, int b, size_t n)
{
	char path[ATTACHMENT_CACHE_PATH_MAX], got[1000];
	int fd = attachment_cache_open(c, id, n, path, sizeof path), ok;
	size_t i;

	if (fd < 0)
		return 0;
	ok = n <= sizeof got && pread(fd, got, n, 0) == (ssize_t)n;
	for (i = 0; ok && i < n; i++)
		ok = got[i] == (char)b;
	close(fd);
	return ok;
}

/* The number of entries of the cache directory (temporary ones would show). */
static int entries(const struct attachment_cache *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Sets id's last use seconds_ago seconds back. */
static int age(const struct attachment_cache *c, const char *id, int seconds_ago)
{
	char path[ATTACHMENT_CACHE_PATH_MAX];
	struct timespec t[2] = { { time(NULL) - seconds_ago, 0 }, { time(NULL) - seconds_ago, 0 } };

	return snprintf(path, sizeof path, "%s/%s", c->dir, id) < (int)sizeof path &&
	    utimensat(AT_FDCWD, path, t, 0) == 0 ? 0 : -1;
}

static void put(const struct attachment_cache *c, const char *id, int b, size_t n, int want)
{
	int fd = spool(tmpdir_data, b, n);

	CHECK(fd >= 0);
	CHECK(attachment_cache_put_fd(c, id, fd, n) == want);
	close(fd);
}

static void test_put_and_open(const struct attachment_cache *c)
{
	char path[TMPDIR_MAX + 16];
	int fd;

	put(c, ID_A, 'a', 100, 0);
	CHECK(holds(c, ID_A, 'a', 100));
	CHECK(!holds(c, ID_A, 'a', 99)); /* another size: removed */
	CHECK(!holds(c, ID_A, 'a', 100));
	CHECK(snprintf(path, sizeof path, "%s/named", tmpdir_data) < (int)sizeof path);
	CHECK((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) >= 0);
	CHECK(write(fd, "bbbbbbbbbb", 10) == 10);
	CHECK(attachment_cache_put_fd(c, ID_B, fd, 10) == 0); /* copied */
	CHECK(attachment_cache_put_fd(c, ID_B, fd, 11) == -1); /* not its size */
	close(fd);
	CHECK(unlink(path) == 0);
	CHECK(holds(c, ID_B, 'b', 10));
	CHECK(attachment_cache_put_fd(c, "../x", fd, 10) == -1);
	CHECK(attachment_cache_open(c, ".hidden", 0, path, sizeof path) == -1);
}

static void fill(const struct attachment_cache *c, const char *id, size_t size, size_t n,
    int want)
{
	struct attachment_cache_fill f;
	char data[300];

	memset(data, 'f', sizeof data);
	CHECK(attachment_cache_fill_begin(c, size, &f) == 0);
	attachment_cache_fill_write(&f, data, n / 2);
	attachment_cache_fill_write(&f, data, n - n / 2);
	CHECK(attachment_cache_fill_end(&f, id) == want);
}

static void test_fill(const struct attachment_cache *c)
{
	struct attachment_cache_fill f;

	fill(c, ID_C, 200, 199, -1); /* cut short */
	fill(c, ID_C, 200, 201, -1); /* more than promised */
	CHECK(!holds(c, ID_C, 'f', 200));
	CHECK(attachment_cache_fill_begin(c, 200, &f) == 0);
	attachment_cache_fill_write(&f, "f", 1);
	attachment_cache_fill_cancel(&f);
	CHECK(entries(c) == 1); /* B alone: nothing of the fills */
	fill(c, ID_C, 200, 200, 0);
	CHECK(holds(c, ID_C, 'f', 200));
	CHECK(attachment_cache_fill_begin(c, 251, &f) == -1); /* over the whole bound */
	attachment_cache_fill_write(&f, "f", 1);
	CHECK(attachment_cache_fill_end(&f, ID_D) == -1);
}

/* The bound (250 bytes) holds B (10) and C (200), beside things not its
 * own (a directory, a dot file), which it neither counts nor removes: */
static void test_bound(const struct attachment_cache *c)
{
	char path[ATTACHMENT_CACHE_PATH_MAX];
	struct stat st;
	int fd;

	CHECK(snprintf(path, sizeof path, "%s/sub", c->dir) < (int)sizeof path && mkdir(path, 0700) == 0);
	CHECK(snprintf(path, sizeof path, "%s/.other", c->dir) < (int)sizeof path);
	CHECK((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0 && ftruncate(fd, 1000) == 0);
	close(fd);
	CHECK(age(c, ID_B, 60) == 0 && age(c, ID_C, 30) == 0);
	put(c, ID_D, 'd', 100, 0); /* B and then C go, oldest first */
	CHECK(!holds(c, ID_B, 'b', 10));
	CHECK(!holds(c, ID_C, 'f', 200));
	CHECK(holds(c, ID_D, 'd', 100));
	put(c, ID_A, 'a', 100, 0); /* fits beside D */
	put(c, ID_E, 'e', 100, -1); /* A and D were just used: nothing may go */
	CHECK(holds(c, ID_A, 'a', 100) && holds(c, ID_D, 'd', 100));
	CHECK(age(c, ID_D, 60) == 0);
	put(c, ID_E, 'e', 100, 0); /* D was the one unused for long */
	CHECK(!holds(c, ID_D, 'd', 100));
	CHECK(holds(c, ID_A, 'a', 100) && holds(c, ID_E, 'e', 100));
	CHECK(stat(path, &st) == 0 && st.st_size == 1000);
}

static void test_off(void)
{
	struct attachment_cache off;
	struct attachment_cache_fill f;
	char path[ATTACHMENT_CACHE_PATH_MAX];
	int fd = spool(tmpdir_data, 'a', 10);

	attachment_cache_init(&off, tmpdir_data, 0);
	CHECK(fd >= 0 && attachment_cache_put_fd(&off, ID_A, fd, 10) == -1);
	CHECK(attachment_cache_fill_begin(&off, 10, &f) == -1);
	CHECK(attachment_cache_open(&off, ID_A, 100, path, sizeof path) == -1);
	close(fd);
}

int main(void)
{
	struct attachment_cache c;

	if (tmpdir_make(tmpdir_data, "test_attachment_cache") < 0)
		return 1;
	attachment_cache_init(&c, tmpdir_data, 250);
	test_put_and_open(&c);
	test_fill(&c);
	test_bound(&c);
	test_off();
	CHECK(tmpdir_remove(tmpdir_data) == 0);
	return check_done("test_attachment_cache");
}
