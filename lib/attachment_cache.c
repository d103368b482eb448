#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attachment_cache.h"
#include "fdio.h"

#define COPY_CHUNK 65536
#define NAME_CAP 64 /* bytes of a cached file's name: an id, with room to spare */

/* A cached file, as make_room weighs it. */
struct entry {
	time_t used;
	uint64_t size;
	char name[NAME_CAP];
};

/* The cache directory's files, oldest first once sorted. */
struct listing {
	struct entry *e;
	size_t n, cap;
	uint64_t bytes;
};

void attachment_cache_init(struct attachment_cache *c, const char *data_dir, long max_bytes)
{
	int n = snprintf(c->dir, sizeof c->dir, "%s/%s", data_dir, ATTACHMENT_CACHE_DIR);

	c->max_bytes = max_bytes > 0 ? (uint64_t)max_bytes : 0;
	if (max_bytes <= 0 || n < 0 || (size_t)n + NAME_CAP + 1 >= sizeof c->dir)
		c->dir[0] = '\0';
}

static int is_on(const struct attachment_cache *c)
{
	return c->dir[0] != '\0';
}

/* A name a file of the cache may have: no directory part, no dot file
 * (the names of other things), short. */
static int name_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < NAME_CAP && id[0] != '.' && strchr(id, '/') == NULL;
}

static int path_of(const struct attachment_cache *c, const char *id, char *out, size_t cap)
{
	int n;

	if (!is_on(c) || !name_ok(id))
		return -1;
	n = snprintf(out, cap, "%s/%s", c->dir, id);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int mkdir_ok(const char *dir)
{
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* The cache directory and its parent (the data directory must exist). */
static int make_dirs(const struct attachment_cache *c)
{
	char parent[ATTACHMENT_CACHE_PATH_MAX];
	char *slash;

	if (mkdir_ok(c->dir) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	memcpy(parent, c->dir, sizeof parent);
	if ((slash = strrchr(parent, '/')) == NULL)
		return -1;
	*slash = '\0';
	return mkdir_ok(parent) == 0 ? mkdir_ok(c->dir) : -1;
}

int attachment_cache_open(const struct attachment_cache *c, const char *id, uint64_t size,
    char *path, size_t cap)
{
	struct stat st;
	int fd;

	if (path_of(c, id, path, cap) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		close(fd);
		(void)unlink(path); /* removed or not, it is never served */
		return -1;
	}
	(void)futimens(fd, NULL); /* marked used; a failure only makes it look older */
	return fd;
}

static int listing_add(struct listing *l, const char *name, const struct stat *st)
{
	struct entry *grown;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof *grown || (grown = realloc(l->e, cap * sizeof *grown)) == NULL)
			return -1;
		l->e = grown;
		l->cap = cap;
	}
	l->e[l->n].used = st->st_mtim.tv_sec;
	l->e[l->n].size = (uint64_t)st->st_size;
	memcpy(l->e[l->n].name, name, strlen(name) + 1);
	l->n++;
	l->bytes += (uint64_t)st->st_size;
	return 0;
}

/* The regular files of the cache directory open as d into l. */
static int list_files(DIR *d, struct listing *l)
{
	struct dirent *de;
	struct stat st;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			return errno == 0 ? 0 : -1;
		if (!name_ok(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue; /* not ours, or gone since readdir */
		if (listing_add(l, de->d_name, &st) < 0)
			return -1;
	}
}

static int older_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->used > y->used) - (x->used < y->used);
}

/* Removes l's files, oldest first, until size more bytes fit under max;
 * a file used within the grace period stops it. */
static void evict(DIR *d, struct listing *l, uint64_t size, uint64_t max)
{
	time_t recent = time(NULL) - ATTACHMENT_CACHE_GRACE_SECONDS;
	size_t i;

	qsort(l->e, l->n, sizeof *l->e, older_first);
	for (i = 0; i < l->n && l->bytes + size > max && l->e[i].used <= recent; i++)
		if (unlinkat(dirfd(d), l->e[i].name, 0) == 0 || errno == ENOENT)
			l->bytes -= l->e[i].size;
}

/* Makes room for a file of size bytes: 0 when it fits under the bound. */
static int make_room(const struct attachment_cache *c, uint64_t size)
{
	struct listing l = { NULL, 0, 0, 0 };
	DIR *d = opendir(c->dir);
	int rc = -1;

	if (d == NULL)
		return -1;
	if (list_files(d, &l) == 0) {
		if (l.bytes + size > c->max_bytes)
			evict(d, &l, size, c->max_bytes);
		rc = l.bytes + size <= c->max_bytes ? 0 : -1;
	}
	free(l.e);
	closedir(d);
	return rc;
}

/* Gives the unnamed file open on fd the name id: 0, also when id already
 * has a file (another process cached it first), else -1. */
static int link_as(const struct attachment_cache *c, const char *id, int fd)
{
	char path[ATTACHMENT_CACHE_PATH_MAX], proc[64];
	int n = snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);

	if (n < 0 || (size_t)n >= sizeof proc || path_of(c, id, path, sizeof path) < 0)
		return -1;
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST)
		return 0;
	/* without /proc: needs CAP_DAC_READ_SEARCH */
	return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0 || errno == EEXIST ? 0 : -1;
}

int attachment_cache_fill_begin(const struct attachment_cache *c, uint64_t size,
    struct attachment_cache_fill *f)
{
	f->c = c;
	f->fd = -1;
	f->size = size;
	f->have = 0;
	if (!is_on(c) || size > c->max_bytes || make_dirs(c) < 0)
		return -1;
	f->fd = open(c->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	return f->fd >= 0 ? 0 : -1;
}

void attachment_cache_fill_cancel(struct attachment_cache_fill *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

void attachment_cache_fill_write(struct attachment_cache_fill *f, const void *p, size_t n)
{
	if (f->fd < 0)
		return;
	if (n > f->size - f->have || fdio_write_all(f->fd, p, n) < 0)
		attachment_cache_fill_cancel(f);
	else
		f->have += n;
}

int attachment_cache_fill_end(struct attachment_cache_fill *f, const char *id)
{
	int rc = -1;

	if (f->fd >= 0 && f->have == f->size && make_room(f->c, f->size) == 0)
		rc = link_as(f->c, id, f->fd);
	attachment_cache_fill_cancel(f);
	return rc;
}

/* Caches a copy of the size bytes of fd as id. */
static int copy_in(const struct attachment_cache *c, const char *id, int fd, uint64_t size)
{
	struct attachment_cache_fill f;
	char chunk[COPY_CHUNK];
	uint64_t off;
	size_t n;

	if (attachment_cache_fill_begin(c, size, &f) < 0)
		return -1;
	for (off = 0; off < size && f.fd >= 0; off += n) {
		n = size - off < sizeof chunk ? (size_t)(size - off) : sizeof chunk;
		if (fdio_pread_exact(fd, chunk, n, (long long)off) < 0) {
			attachment_cache_fill_cancel(&f);
			return -1;
		}
		attachment_cache_fill_write(&f, chunk, n);
	}
	return attachment_cache_fill_end(&f, id);
}

int attachment_cache_put_fd(const struct attachment_cache *c, const char *id, int fd,
    uint64_t size)
{
	struct stat st;

	if (!is_on(c) || !name_ok(id) || size > c->max_bytes || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size || make_dirs(c) < 0)
		return -1;
	if (st.st_nlink == 0) { /* unnamed: give it the cache's name, no copy */
		if (make_room(c, size) < 0)
			return -1;
		if (link_as(c, id, fd) == 0)
			return 0;
	}
	return copy_in(c, id, fd, size);
}
