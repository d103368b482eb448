/*
 * storage_fs: the local-directory backend. The object under a key is the
 * file <data_dir>/objects/<key>: key segments are directories (0700, made
 * on demand, removed again when a delete leaves them empty) and objects are
 * files (0600): only the programs' user (the web server's, which the relay
 * shares) reads them. A put writes a temp file in the object's directory, fsyncs
 * it, renames it into place (create-only: link(), which fails when the name
 * exists) and fsyncs the directory.
 *
 * The content type is the extended attribute user.chats3.content_type, set
 * on the temp file before the rename: the bytes and their type appear
 * together or not at all, and nothing beside the file can go stale.
 *
 * On-disk names: a key segment that begins with '.' is stored with one more
 * '.' in front, so no key ever maps to a name ".x" with x != '.'. Those
 * names are the backend's own (temp files ".tmp-<hex>"): they never collide
 * with a key and never show up in a listing.
 *
 * A file and a directory cannot share a name, so keys "a" and "a/b" cannot
 * both exist here (S3 allows it): the second put is ERR_CONFLICT.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "escape.h"
#include "fdio.h"
#include "ids.h"
#include "storage_backend.h"
#include "storage_keys.h"

#define XATTR_CONTENT_TYPE "user.chats3.content_type"
#define DEFAULT_CONTENT_TYPE "application/octet-stream"
#define TEMP_PREFIX "/.tmp-"
#define TEMP_RANDOM_BYTES 8
#define ATTEMPTS 4 /* temp names to try; directory re-creations to allow */
#define CHUNK 65536
#define WALK_STOP 1

struct fs {
	char *root; /* <data_dir>/objects */
	size_t root_len;
};

struct path {
	char p[PATH_MAX];
	size_t len;
};

enum access { READING, WRITING };

/* ---- errors ---- */

/* The err a failed system call with errno e means to the caller. */
static int err_of(int e, enum access how)
{
	switch (e) {
	case ENOENT:
		return how == READING ? ERR_NOTFOUND : ERR_STORAGE;
	case ENOTDIR:
		return how == READING ? ERR_NOTFOUND : ERR_CONFLICT;
	case ELOOP: /* a symlink is no object */
		return how == READING ? ERR_NOTFOUND : ERR_IO;
	case EEXIST:
	case EISDIR:
		return ERR_CONFLICT;
	case ENAMETOOLONG:
		return ERR_INVAL;
	case ENOMEM:
		return ERR_NOMEM;
	case ENOSPC: /* a full disk: space may come back */
	case EDQUOT:
		return ERR_UNAVAILABLE;
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOTSUP:
		return ERR_STORAGE;
	default:
		return ERR_IO;
	}
}

/* Records errno e (its name as the code) and returns err. */
static int fail_errno(struct storage *s, int err, int e, const char *op, const char *what)
{
	const char *name = strerrorname_np(e);

	return storage_fail(s, err, name != NULL ? name : "EUNKNOWN", "%s %s: %s",
	    op, what, strerror(e));
}

/* Records the current errno for a call that was reading or writing key. */
static int fail_io(struct storage *s, enum access how, const char *op, const char *key)
{
	int e = errno;

	return fail_errno(s, err_of(e, how), e, op, key);
}

/* ---- paths ---- */

static int path_add(struct path *pa, const char *s, size_t n)
{
	if (n >= sizeof pa->p - pa->len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(pa->p + pa->len, s, n);
	pa->len += n;
	pa->p[pa->len] = '\0';
	return 0;
}

/* Appends '/' and the on-disk name of the key segment seg[0..n). */
static int path_segment(struct path *pa, const char *seg, size_t n)
{
	if (path_add(pa, "/", 1) < 0 || (seg[0] == '.' && path_add(pa, ".", 1) < 0))
		return -1;
	return path_add(pa, seg, n);
}

/* The root, then the on-disk names of the segments of key[0..n). */
static int path_of(const struct fs *fs, const char *key, size_t n, struct path *pa)
{
	const char *slash;
	size_t i = 0, len;

	pa->len = 0;
	if (path_add(pa, fs->root, fs->root_len) < 0)
		return -1;
	while (i < n) {
		slash = memchr(key + i, '/', n - i);
		len = slash != NULL ? (size_t)(slash - (key + i)) : n - i;
		if (path_segment(pa, key + i, len) < 0)
			return -1;
		i += len + 1;
	}
	return 0;
}

/* Where the last '/' of pa->p[0..len) is: the end of its parent directory. */
static size_t parent_len(const struct path *pa, size_t len)
{
	const char *slash = memrchr(pa->p, '/', len);

	return slash == NULL || slash == pa->p ? 1 : (size_t)(slash - pa->p);
}

/* The key segment stored under the on-disk name nm; NULL for "." and ".."
 * and for the backend's own names. */
static const char *segment_of(const char *nm)
{
	if (nm[0] != '.')
		return nm;
	if (nm[1] != '.' || nm[2] == '\0' || strcmp(nm, "...") == 0)
		return NULL;
	return nm + 1;
}

/* ---- durable writes ---- */

/* fsyncs the directory pa->p[0..len). */
static int sync_dir(struct path *pa, size_t len)
{
	char saved = pa->p[len];
	int fd, rc, e;

	pa->p[len] = '\0';
	fd = open(pa->p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pa->p[len] = saved;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	if (close(fd) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

/* Makes the directory pa->p[0..len) unless it exists; a new one is made
 * durable in its parent. */
static int make_dir(struct path *pa, size_t len)
{
	char saved = pa->p[len];
	int rc;

	pa->p[len] = '\0';
	rc = mkdir(pa->p, 0700);
	pa->p[len] = saved;
	if (rc < 0)
		return errno == EEXIST ? 0 : -1;
	return sync_dir(pa, parent_len(pa, len));
}

/* Makes the directories of pa->p[0..dir_len), the root first. */
static int make_dirs(const struct fs *fs, struct path *pa, size_t dir_len)
{
	size_t end = fs->root_len;

	for (;;) {
		if (make_dir(pa, end) < 0)
			return -1;
		if (end >= dir_len)
			return 0;
		end += 1 + strcspn(pa->p + end + 1, "/");
	}
}

/* Opens a new temp file, named as no key can be, in dir->p[0..dir_len). */
static int open_temp(const struct path *dir, size_t dir_len, struct path *tmp)
{
	char rnd[2 * TEMP_RANDOM_BYTES + 1];
	int fd = -1;

	for (int i = 0; i < ATTEMPTS; i++) {
		if (ids_token_hex(rnd, sizeof rnd, TEMP_RANDOM_BYTES) < 0) {
			errno = EIO;
			return -1;
		}
		tmp->len = 0;
		if (path_add(tmp, dir->p, dir_len) < 0 ||
		    path_add(tmp, TEMP_PREFIX, strlen(TEMP_PREFIX)) < 0 ||
		    path_add(tmp, rnd, strlen(rnd)) < 0)
			return -1;
		fd = open(tmp->p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return fd;
}

/* The same in dst's directory, making it when it is missing (again when a
 * delete removed it meanwhile). */
static int create_temp(const struct fs *fs, struct path *dst, size_t dir_len,
    struct path *tmp)
{
	int fd = -1;

	for (int i = 0; i < ATTEMPTS; i++) {
		if ((fd = open_temp(dst, dir_len, tmp)) >= 0 || errno != ENOENT)
			return fd;
		if (make_dirs(fs, dst, dir_len) < 0)
			return -1;
	}
	return fd;
}

/* What a put writes: p[0..n), or the first size bytes of the file fd. */
struct source {
	const char *p;
	size_t n;
	int fd; /* -1 for p[0..n) */
	long long size;
};

/* Copies the first size bytes of src to fd, CHUNK bytes at a time. */
static int copy_file(int fd, int src, long long size)
{
	char chunk[CHUNK];
	long long off = 0;
	size_t want;

	while (off < size) {
		want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		if (fdio_pread_exact(src, chunk, want, off) < 0 ||
		    fdio_write_all(fd, chunk, want) < 0)
			return -1;
		off += (long long)want;
	}
	return 0;
}

static int write_source(int fd, const struct source *src)
{
	return src->fd < 0 ? fdio_write_all(fd, src->p, src->n) : copy_file(fd, src->fd, src->size);
}

/* Gives the finished temp file its name: over an existing object, or with
 * create-only only where none exists (link fails with EEXIST: of two racing
 * creators exactly one wins). */
static int publish(const struct path *tmp, const struct path *dst, unsigned flags)
{
	if (flags & STORAGE_CREATE_ONLY) {
		if (link(tmp->p, dst->p) < 0)
			return -1;
		/* The object is in place. Were this to fail, a hidden temp
		 * name would stay behind: never listed, never a key. */
		unlink(tmp->p);
		return 0;
	}
	return rename(tmp->p, dst->p);
}

static int store(struct storage *s, const char *key, const struct source *src,
    const char *content_type, unsigned flags)
{
	struct fs *fs = s->backend;
	struct path dst, tmp;
	size_t dir_len;
	int fd, rc;

	if (path_of(fs, key, strlen(key), &dst) < 0)
		return fail_io(s, WRITING, "put", key);
	dir_len = parent_len(&dst, dst.len);
	if ((fd = create_temp(fs, &dst, dir_len, &tmp)) < 0)
		return fail_io(s, WRITING, "put", key);
	if (write_source(fd, src) < 0 ||
	    fsetxattr(fd, XATTR_CONTENT_TYPE, content_type, strlen(content_type), 0) < 0 ||
	    fsync(fd) < 0) {
		rc = fail_io(s, WRITING, "put", key);
		close(fd);
		goto discard;
	}
	if (close(fd) < 0 || publish(&tmp, &dst, flags) < 0) {
		rc = fail_io(s, WRITING, "put", key);
		goto discard;
	}
	if (sync_dir(&dst, dir_len) < 0)
		return fail_io(s, WRITING, "put", key);
	return 0;
discard:
	unlink(tmp.p); /* on a path that failed already; see publish() */
	return rc;
}

static int fs_put(struct storage *s, const char *key, const void *p, size_t n,
    const char *content_type, unsigned flags)
{
	struct source src = { p, n, -1, 0 };

	return store(s, key, &src, content_type, flags);
}

/* Digests matter to S3 only: a local file needs none. */
static int fs_put_file(struct storage *s, const char *key, int fd, long long size,
    const struct storage_digests *known, const char *content_type, unsigned flags)
{
	struct source src = { NULL, 0, fd, size };

	(void)known;

	return store(s, key, &src, content_type, flags);
}

/* ---- reads ---- */

static int read_meta(int fd, const struct stat *st, struct storage_meta *m)
{
	unsigned long long mtime_ns;
	ssize_t n;
	int k;

	n = fgetxattr(fd, XATTR_CONTENT_TYPE, m->content_type, sizeof m->content_type - 1);
	if (n < 0 && errno != ENODATA)
		return -1;
	if (n < 0)
		memcpy(m->content_type, DEFAULT_CONTENT_TYPE, sizeof DEFAULT_CONTENT_TYPE);
	else
		m->content_type[n] = '\0';
	mtime_ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st->st_mtim.tv_nsec;
	m->size = (long long)st->st_size;
	m->last_modified_ms = (int64_t)(mtime_ns / 1000000);
	/* Each put makes a new inode, so inode, size and mtime name a version. */
	k = snprintf(m->etag, sizeof m->etag, "\"%llx-%llx-%llx\"",
	    (unsigned long long)st->st_ino, (unsigned long long)st->st_size, mtime_ns);
	if (k < 0 || (size_t)k >= sizeof m->etag) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

/* Opens key's file for reading and fills meta; a directory is no object. */
static int open_object(struct storage *s, const char *key, const char *op,
    struct storage_meta *meta, int *fdp)
{
	struct path pa;
	struct stat st;
	int fd, rc;

	if (path_of(s->backend, key, strlen(key), &pa) < 0)
		return fail_io(s, READING, op, key);
	if ((fd = open(pa.p, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return fail_io(s, READING, op, key);
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode))
		errno = ENOENT;
	if (!S_ISREG(st.st_mode) || read_meta(fd, &st, meta) < 0)
		goto fail;
	*fdp = fd;
	return 0;
fail:
	rc = fail_io(s, READING, op, key);
	close(fd);
	return rc;
}

static int sink_aborted(struct storage *s, const char *key)
{
	return storage_fail(s, ERR_IO, "SinkAborted", "get %s: the receiver stopped", key);
}

static int stream_file(struct storage *s, const char *key, int fd,
    const struct storage_sink *sink)
{
	char chunk[CHUNK];
	ssize_t n;

	for (;;) {
		if ((n = fdio_read(fd, chunk, sizeof chunk)) < 0)
			return fail_io(s, READING, "get", key);
		if (n == 0)
			return 0;
		if (sink->write(sink->ctx, chunk, (size_t)n) < 0)
			return sink_aborted(s, key);
	}
}

static int fs_get_stream(struct storage *s, const char *key,
    const struct storage_sink *sink)
{
	struct storage_meta meta;
	int fd, rc;

	if ((rc = open_object(s, key, "get", &meta, &fd)) < 0)
		return rc;
	if (sink->begin(sink->ctx, &meta) < 0)
		rc = sink_aborted(s, key);
	else
		rc = stream_file(s, key, fd, sink);
	close(fd);
	return rc;
}

static int fs_head(struct storage *s, const char *key, struct storage_meta *meta)
{
	int fd, rc;

	if ((rc = open_object(s, key, "head", meta, &fd)) < 0)
		return rc;
	close(fd);
	return 0;
}

/* ---- delete ---- */

/* Removes the directories that are left empty above the object removed
 * from pa, deepest first. The first that is not empty (or cannot go) ends
 * it: an empty directory left behind is harmless, listings skip it. */
static void prune_dirs(const struct fs *fs, struct path *pa, size_t dir_len)
{
	while (dir_len > fs->root_len) {
		pa->p[dir_len] = '\0';
		if (rmdir(pa->p) < 0)
			return;
		dir_len = parent_len(pa, dir_len);
	}
}

static int fs_del(struct storage *s, const char *key)
{
	struct path pa;
	size_t dir_len;

	if (path_of(s->backend, key, strlen(key), &pa) < 0)
		return fail_io(s, WRITING, "delete", key);
	if (unlink(pa.p) < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			return 0;
		return fail_io(s, WRITING, "delete", key);
	}
	dir_len = parent_len(&pa, pa.len);
	if (sync_dir(&pa, dir_len) < 0)
		return fail_io(s, WRITING, "delete", key);
	prune_dirs(s->backend, &pa, dir_len);
	return 0;
}

/* ---- list ---- */

/* One directory entry worth visiting: its key segment, in byte order with
 * a directory's name read as name + '/'. */
struct entry {
	char *name;
	size_t len;
	int is_dir;
};

/* A listing walks the directories depth first, each in byte order of the
 * keys below it, so keys come out in byte order; it skips whole directories
 * outside the prefix or before the marker and stops one item past the page. */
struct walk {
	struct storage *s;
	struct storage_list *out;
	size_t max;             /* keys and prefixes on this page */
	const char *prefix;
	size_t plen;
	const char *marker;     /* keys up to it are done ("" when none) */
	int marker_is_prefix;   /* a common prefix: the keys under it are done too */
	int rollup;             /* delimiter "/" */
	int probe;              /* only asking whether a directory holds a key */
	int found;              /* the probe's answer */
	int more;               /* an item past the page exists */
	const char *last;       /* the page's last item */
	struct path path;       /* the directory being walked, on disk */
	char key[STORAGE_MAX_KEY + 2]; /* and its keys' prefix: "" or ending in '/' */
	size_t klen;
};

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int marker_covers(const struct walk *w, const char *k)
{
	return w->marker_is_prefix && starts_with(k, w->marker);
}

/* Every key under the directory key k ('/'-terminated) is done. */
static int dir_done(const struct walk *w, const char *k)
{
	if (w->marker[0] == '\0')
		return 0;
	if (marker_covers(w, k))
		return 1;
	return !starts_with(w->marker, k) && strcmp(k, w->marker) < 0;
}

static int wanted(const struct walk *w, const char *k, int is_dir)
{
	if (is_dir)
		return (starts_with(k, w->prefix) || starts_with(w->prefix, k)) && !dir_done(w, k);
	return starts_with(k, w->prefix) && strcmp(k, w->marker) > 0 &&
	    !marker_covers(w, k) && keys_valid(k);
}

/* Appends a segment (and '/' for a directory) to w->key; -1 when too long. */
static int key_push(struct walk *w, const char *name, size_t len, int is_dir)
{
	if (len + (size_t)is_dir > sizeof w->key - 1 - w->klen)
		return -1;
	memcpy(w->key + w->klen, name, len);
	w->klen += len;
	if (is_dir)
		w->key[w->klen++] = '/';
	w->key[w->klen] = '\0';
	return 0;
}

static void key_pop(struct walk *w, size_t klen)
{
	w->klen = klen;
	w->key[klen] = '\0';
}

/* 1 for a directory, 0 for a file, -1 for anything else or a failure. */
static int entry_kind(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_DIR || de->d_type == DT_REG)
		return de->d_type == DT_DIR;
	if (de->d_type != DT_UNKNOWN ||
	    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? 1 : S_ISREG(st.st_mode) ? 0 : -1;
}

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].name);
	free(es->v);
}

static int entries_add(struct entries *es, const char *name, size_t len, int is_dir)
{
	struct entry *v;
	size_t cap;

	if (es->n == es->cap) {
		cap = es->cap ? 2 * es->cap : 16;
		if ((v = realloc(es->v, cap * sizeof *v)) == NULL)
			return -1;
		es->v = v;
		es->cap = cap;
	}
	if ((es->v[es->n].name = strndup(name, len)) == NULL)
		return -1;
	es->v[es->n].len = len;
	es->v[es->n++].is_dir = is_dir;
	return 0;
}

/* Keeps the entry de when the walk wants it. */
static int consider(struct walk *w, DIR *d, const struct dirent *de, struct entries *es)
{
	const char *seg = segment_of(de->d_name);
	size_t klen = w->klen, len;
	int is_dir, want;

	if (seg == NULL || (is_dir = entry_kind(d, de)) < 0)
		return 0;
	len = strlen(seg);
	if (key_push(w, seg, len, is_dir) < 0)
		return 0; /* longer than any key */
	want = wanted(w, w->key, is_dir);
	key_pop(w, klen);
	if (want && entries_add(es, seg, len, is_dir) < 0)
		return storage_fail(w->s, ERR_NOMEM, "ENOMEM", "list: out of memory");
	return 0;
}

static unsigned char byte_at(const struct entry *e, size_t i)
{
	return i < e->len ? (unsigned char)e->name[i] : e->is_dir ? '/' : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	return c != 0 ? c : (int)byte_at(x, n) - (int)byte_at(y, n);
}

/* The wanted entries of the directory w->path, sorted. A directory that
 * vanished (a delete pruned it) has none. */
static int read_dir(struct walk *w, struct entries *es)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(w->path.p)) == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 0 : fail_io(w->s, READING, "list", w->key);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if ((rc = consider(w, d, de, es)) < 0)
			break;
	}
	if (rc == 0 && errno != 0)
		rc = fail_io(w->s, READING, "list", w->key);
	closedir(d);
	if (rc == 0 && es->n > 1)
		qsort(es->v, es->n, sizeof *es->v, cmp_entry);
	return rc;
}

static int walk_dir(struct walk *w);

/* Adds w->key to the page, or notes that the page is full. */
static int emit(struct walk *w, int is_prefix)
{
	struct storage_list *l = w->out;
	char *copy;

	if (w->probe) {
		w->found = 1;
		return WALK_STOP;
	}
	if (l->nkeys + l->nprefixes == w->max) {
		w->more = 1;
		return WALK_STOP;
	}
	if ((copy = strdup(w->key)) == NULL)
		return storage_fail(w->s, ERR_NOMEM, "ENOMEM", "list: out of memory");
	if (is_prefix)
		l->prefixes[l->nprefixes++] = copy;
	else
		l->keys[l->nkeys++] = copy;
	w->last = copy;
	return 0;
}

/* 1 when the directory w->path holds a key that is not done yet. */
static int holds_key(struct walk *w)
{
	int rc;

	w->rollup = 0;
	w->probe = 1;
	w->found = 0;
	rc = walk_dir(w);
	w->rollup = 1;
	w->probe = 0;
	return rc < 0 ? rc : w->found;
}

/* A directory past the prefix is a common prefix when rolling up (S3 counts
 * it when a key below it is not done), else the walk goes down into it. */
static int visit_dir(struct walk *w)
{
	int rc;

	if (!w->rollup || w->klen <= w->plen)
		return walk_dir(w);
	if ((rc = holds_key(w)) <= 0)
		return rc;
	return emit(w, 1);
}

static int visit(struct walk *w, const struct entry *e)
{
	size_t plen = w->path.len, klen = w->klen;
	int rc;

	if (path_segment(&w->path, e->name, e->len) < 0)
		return fail_io(w->s, READING, "list", w->key);
	if (key_push(w, e->name, e->len, e->is_dir) < 0)
		return storage_fail(w->s, ERR_INTERNAL, "ENAMETOOLONG", "list: key too long");
	rc = e->is_dir ? visit_dir(w) : emit(w, 0);
	key_pop(w, klen);
	w->path.len = plen;
	w->path.p[plen] = '\0';
	return rc;
}

static int walk_dir(struct walk *w)
{
	struct entries es = { NULL, 0, 0 };
	int rc;

	if ((rc = read_dir(w, &es)) == 0)
		for (size_t i = 0; i < es.n && rc == 0; i++)
			rc = visit(w, &es.v[i]);
	entries_free(&es);
	return rc;
}

/* The continuation token: the page's last item in hex. */
static char *token_encode(const char *last)
{
	size_t n = strlen(last);
	char *t;

	if ((t = malloc(2 * n + 1)) == NULL)
		return NULL;
	escape_hex(t, last, n);
	return t;
}

/* The item of a continuation token (lowercase hex, as token_encode
 * writes it) into out; -1 for anything else or a NUL in the item. */
static int token_decode(const char *t, char out[STORAGE_MAX_KEY + 1])
{
	size_t n = strnlen(t, 2 * STORAGE_MAX_KEY + 1);

	if (n > 2 * STORAGE_MAX_KEY || !escape_is_lower_hex(t, n) ||
	    escape_hex_decode(out, n / 2, t, n) < 0 || memchr(out, '\0', n / 2) != NULL)
		return -1;
	out[n / 2] = '\0';
	return 0;
}

/* Where the page starts: after the continuation token's item, else after
 * start_after (a common prefix given as either skips its keys too). */
static int set_marker(struct storage *s, const struct storage_list_opts *o,
    char marker[STORAGE_MAX_KEY + 1])
{
	marker[0] = '\0';
	if (o->continuation != NULL && o->continuation[0] != '\0') {
		if (token_decode(o->continuation, marker) < 0)
			return storage_fail(s, ERR_INVAL, "InvalidToken", "list: bad continuation token");
	} else if (o->start_after != NULL &&
	    snprintf(marker, STORAGE_MAX_KEY + 1, "%s", o->start_after) > STORAGE_MAX_KEY) {
		return storage_fail(s, ERR_INVAL, "InvalidArgument", "list: start_after too long");
	}
	return 0;
}

/* Starts at the deepest directory the prefix names whole. */
static int start_dir(struct walk *w)
{
	const char *slash = strrchr(w->prefix, '/');
	size_t n = slash != NULL ? (size_t)(slash - w->prefix) + 1 : 0;

	if (path_of(w->s->backend, w->prefix, n, &w->path) < 0)
		return fail_io(w->s, READING, "list", w->prefix);
	memcpy(w->key, w->prefix, n);
	w->key[n] = '\0';
	w->klen = n;
	return 0;
}

static int fs_list(struct storage *s, const struct storage_list_opts *o,
    struct storage_list *out)
{
	char marker[STORAGE_MAX_KEY + 1];
	struct walk w = { 0 };
	size_t mlen;
	int rc;

	if ((rc = set_marker(s, o, marker)) < 0)
		return rc;
	mlen = strlen(marker);
	w.s = s;
	w.out = out;
	w.max = (size_t)o->max_keys;
	w.prefix = o->prefix != NULL ? o->prefix : "";
	w.plen = strlen(w.prefix);
	w.marker = marker;
	w.rollup = o->delimiter != NULL && o->delimiter[0] != '\0';
	w.marker_is_prefix = w.rollup && mlen > 0 && marker[mlen - 1] == '/';
	if ((out->keys = calloc(w.max, sizeof *out->keys)) == NULL ||
	    (out->prefixes = calloc(w.max, sizeof *out->prefixes)) == NULL)
		return storage_fail(s, ERR_NOMEM, "ENOMEM", "list: out of memory");
	if ((rc = start_dir(&w)) < 0 || (rc = walk_dir(&w)) < 0)
		return rc;
	if (w.more && (out->next_continuation = token_encode(w.last)) == NULL)
		return storage_fail(s, ERR_NOMEM, "ENOMEM", "list: out of memory");
	return 0;
}

/* ---- check, open, close ---- */

/* The root exists (made if missing) and takes a file with its type. */
static int fs_check(struct storage *s)
{
	struct fs *fs = s->backend;
	struct path root, tmp;
	int fd, rc = 0;

	root.len = 0;
	if (path_add(&root, fs->root, fs->root_len) < 0 || make_dir(&root, root.len) < 0 ||
	    (fd = open_temp(&root, root.len, &tmp)) < 0)
		return fail_errno(s, ERR_STORAGE, errno, "check", fs->root);
	if (fsetxattr(fd, XATTR_CONTENT_TYPE, DEFAULT_CONTENT_TYPE,
	    strlen(DEFAULT_CONTENT_TYPE), 0) < 0)
		rc = fail_errno(s, ERR_STORAGE, errno, "check (extended attributes)", fs->root);
	if (close(fd) < 0 && rc == 0)
		rc = fail_errno(s, ERR_STORAGE, errno, "check", fs->root);
	if (unlink(tmp.p) < 0 && rc == 0)
		rc = fail_errno(s, ERR_STORAGE, errno, "check", fs->root);
	return rc;
}

static void fs_close(struct storage *s)
{
	struct fs *fs = s->backend;

	free(fs->root);
	free(fs);
	s->backend = NULL;
}

static const struct storage_ops fs_ops = {
	.name = "fs",
	.put = fs_put,
	.put_file = fs_put_file,
	.get_stream = fs_get_stream,
	.head = fs_head,
	.del = fs_del,
	.list = fs_list,
	.check = fs_check,
	.close = fs_close,
};

/* The longest on-disk path of a key: each segment may gain a '.', and a
 * temp name may follow its directory. */
#define PATH_ROOM (STORAGE_MAX_KEY + STORAGE_MAX_KEY / 2 + 2 * TEMP_RANDOM_BYTES + 16)

int storage_fs_open(struct storage *s, const struct config *cfg)
{
	struct fs *fs;
	size_t n;

	if (cfg->data_dir == NULL || (n = strlen(cfg->data_dir)) == 0 ||
	    n + strlen("/objects") + PATH_ROOM >= PATH_MAX)
		return ERR_CONFIG;
	if ((fs = calloc(1, sizeof *fs)) == NULL)
		return ERR_NOMEM;
	fs->root_len = n + strlen("/objects");
	if ((fs->root = malloc(fs->root_len + 1)) == NULL) {
		free(fs);
		return ERR_NOMEM;
	}
	memcpy(fs->root, cfg->data_dir, n);
	memcpy(fs->root + n, "/objects", strlen("/objects") + 1);
	s->ops = &fs_ops;
	s->backend = fs;
	return 0;
}
