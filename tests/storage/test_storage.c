/*
 * test_storage: one suite for every storage backend, run against the store
 * that config_load() names: CHATS3_STORAGE=fs with CHATS3_DATA_DIR, or
 * CHATS3_STORAGE=s3 with CHATS3_S3_BUCKET and the AWS_* variables.
 * Everything it writes lives under a fresh random prefix and is deleted at
 * the end, so runs can share a bucket. Prints one line per check, then
 * "storage-<fs|s3>: N passed, N failed"; exits 1 when anything failed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "errors.h"
#include "ids.h"
#include "storage.h"
#include "storage_digest.h"
#include "report.h"

#define MIB (1024 * 1024)
#define BIG_FILE (12 * MIB)
#define RSS_GROWTH_MAX_KB (4 * 1024) /* a third of BIG_FILE */
#define MANY 1050

struct suite {
	struct storage *s;
	const struct config *cfg;
	char base[64]; /* "chats3-test-<random>/" */
	int passed, failed;
};

typedef char keybuf[STORAGE_MAX_KEY + 1];

REPORT_FOR(struct suite)

static void expect_rc(struct suite *t, int got, int want, const char *what)
{
	report(t, got == want, "%s: %s%s%s", what, err_str(got),
	    got == want ? "" : ", want ", got == want ? "" : err_str(want));
}

/* base + rel; the test's own keys always fit. */
static char *key_of(const struct suite *t, const char *rel, keybuf out)
{
	int n = snprintf(out, sizeof(keybuf), "%s%s", t->base, rel);

	if (n < 0 || (size_t)n >= sizeof(keybuf))
		abort();
	return out;
}

/* Deterministic bytes, different for each seed. */
static void fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

/* ---- round trips ---- */

static int same_meta(const struct storage_meta *m, size_t n, const char *ct)
{
	return m->size == (long long)n && strcmp(m->content_type, ct) == 0;
}

static void round_trip(struct suite *t, const char *rel, const void *p, size_t n,
    const char *ct)
{
	struct storage_meta got, head;
	struct buf b;
	keybuf k;
	int rc;

	buf_init(&b, 0);
	rc = storage_put(t->s, key_of(t, rel, k), p, n, ct, 0);
	expect_rc(t, rc, 0, rel);
	rc = storage_get(t->s, k, &b, &got);
	report(t, rc == 0 && b.len == n && (n == 0 || memcmp(b.data, p, n) == 0) &&
	    same_meta(&got, n, ct), "%s: get returns the %zu bytes and \"%s\"", rel, n, ct);
	rc = storage_head(t->s, k, &head);
	report(t, rc == 0 && same_meta(&head, n, ct) && head.etag[0] != '\0' &&
	    strcmp(head.etag, got.etag) == 0, "%s: head has size, type and etag", rel);
	buf_free(&b);
}

static void test_round_trips(struct suite *t)
{
	unsigned char bin[1000];

	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i % 7 == 0 ? 0 : i);
	round_trip(t, "rt/binary", bin, sizeof bin, "application/octet-stream");
	round_trip(t, "rt/empty", "", 0, "application/json");
	round_trip(t, "rt/text", "h\xc3\xa9llo\n", 7, "text/plain; charset=utf-8");
}

/* After test_big_file: its peak RSS would hide that test's growth. */
static void test_three_mib(struct suite *t)
{
	unsigned char *big;

	if ((big = malloc(3 * MIB)) == NULL)
		abort();
	fill(big, 3 * MIB, 3);
	round_trip(t, "rt/three-mib", big, 3 * MIB, "image/png");
	free(big);
}

static void test_overwrite(struct suite *t)
{
	struct storage_meta m;
	struct buf b;
	keybuf k;
	int rc;

	buf_init(&b, 0);
	rc = storage_put(t->s, key_of(t, "rt/over", k), "first", 5, "text/plain", 0);
	if (rc == 0)
		rc = storage_put(t->s, k, "second!", 7, "text/markdown", 0);
	expect_rc(t, rc, 0, "put over an existing key");
	rc = storage_get(t->s, k, &b, &m);
	report(t, rc == 0 && b.len == 7 && memcmp(b.data, "second!", 7) == 0 &&
	    strcmp(m.content_type, "text/markdown") == 0, "the second put's bytes and type win");
	buf_free(&b);
}

static void test_missing(struct suite *t)
{
	struct storage_meta m;
	struct buf b;
	keybuf k;
	int rc;

	buf_init(&b, 0);
	rc = storage_get(t->s, key_of(t, "missing/key", k), &b, &m);
	report(t, rc == ERR_NOTFOUND && storage_error_code(t->s)[0] != '\0' && b.len == 0,
	    "get of a missing key: %s, code \"%s\"", err_str(rc), storage_error_code(t->s));
	rc = storage_head(t->s, k, &m);
	expect_rc(t, rc, ERR_NOTFOUND, "head of a missing key");
	rc = storage_delete(t->s, k);
	report(t, rc == 0 && storage_error_code(t->s)[0] == '\0',
	    "delete of a missing key succeeds, code cleared");
	buf_free(&b);
}

static void test_too_big(struct suite *t)
{
	char bytes[100];
	struct buf b;
	keybuf k;
	int rc;

	memset(bytes, 'z', sizeof bytes);
	rc = storage_put(t->s, key_of(t, "rt/hundred", k), bytes, sizeof bytes, "text/plain", 0);
	buf_init(&b, 10);
	if (rc == 0)
		rc = storage_get(t->s, k, &b, NULL);
	report(t, rc == ERR_TOOBIG && b.len == 0,
	    "get of 100 bytes into a 10-byte buffer: %s, buffer untouched", err_str(rc));
	buf_free(&b);
	buf_init(&b, sizeof bytes);
	rc = storage_get(t->s, k, &b, NULL);
	report(t, rc == 0 && b.len == sizeof bytes, "the same into a 100-byte buffer fits");
	buf_free(&b);
}

/* ---- many at once ---- */

#define GET_MANY 40

static void test_get_many(struct suite *t)
{
	struct storage_get_item items[GET_MANY + 3];
	struct buf out[GET_MANY + 3];
	keybuf keys[GET_MANY + 3];
	char body[32];
	int rc = 0, same = 1;

	for (int i = 0; i < GET_MANY + 3; i++) {
		snprintf(body, sizeof body, "object %d", i);
		key_of(t, "gm/", keys[i]);
		snprintf(keys[i] + strlen(keys[i]), sizeof keys[i] - strlen(keys[i]), "%02d", i);
		if (rc == 0 && i != GET_MANY)
			rc = storage_put(t->s, keys[i], body, strlen(body), "text/plain", 0);
		buf_init(&out[i], i == GET_MANY + 1 ? 4 : 0);
		items[i] = (struct storage_get_item){ keys[i], &out[i], 0 };
	}
	items[GET_MANY + 2].key = "gm//bad";
	expect_rc(t, rc, 0, "put 42 objects for get_many");
	rc = storage_get_many(t->s, items, GET_MANY + 3);
	for (int i = 0; i < GET_MANY; i++) {
		snprintf(body, sizeof body, "object %d", i);
		same &= items[i].rc == 0 && out[i].len == strlen(body) &&
		    memcmp(out[i].data, body, out[i].len) == 0;
	}
	report(t, rc == 0 && same, "get_many of %d objects: each its own bytes", GET_MANY);
	report(t, items[GET_MANY].rc == ERR_NOTFOUND && items[GET_MANY + 1].rc == ERR_TOOBIG &&
	    out[GET_MANY + 1].len == 0 && items[GET_MANY + 2].rc == ERR_INVAL,
	    "get_many: a missing key, a buffer too small, an invalid key: each its own error");
	for (int i = 0; i < GET_MANY + 3; i++)
		buf_free(&out[i]);
	expect_rc(t, storage_get_many(t->s, items, STORAGE_GET_MANY_MAX + 1), ERR_INVAL,
	    "get_many over its cap");
}

/* ---- create-only ---- */

static void test_create_only(struct suite *t)
{
	struct buf b;
	keybuf k;
	int rc;

	rc = storage_put(t->s, key_of(t, "co/once", k), "one", 3, "text/plain",
	    STORAGE_CREATE_ONLY);
	expect_rc(t, rc, 0, "create-only on a new key");
	rc = storage_put(t->s, k, "two", 3, "text/plain", STORAGE_CREATE_ONLY);
	expect_rc(t, rc, ERR_CONFLICT, "create-only on an existing key");
	buf_init(&b, 0);
	rc = storage_get(t->s, k, &b, NULL);
	report(t, rc == 0 && b.len == 3 && memcmp(b.data, "one", 3) == 0,
	    "the existing object stays as it was");
	buf_free(&b);
}

/* Opens its own store, waits at the gate, then races for key: exit status
 * 0 (created), 1 (conflict) or 2. */
static void racer(const struct config *cfg, const char *key, int gate)
{
	struct storage *s;
	char c;
	int rc;

	if (storage_open(&s, cfg) < 0)
		_exit(2);
	rc = read(gate, &c, 1) == 0 ? storage_put(s, key, "r", 1, "text/plain",
	    STORAGE_CREATE_ONLY) : ERR_IO;
	storage_close(s);
	_exit(rc == 0 ? 0 : rc == ERR_CONFLICT ? 1 : 2);
}

static void test_create_race(struct suite *t)
{
	int gate[2], status, wins = 0, conflicts = 0;
	pid_t pids[2];
	keybuf k;

	key_of(t, "co/race", k);
	fflush(stdout);
	if (pipe(gate) < 0)
		abort();
	for (int i = 0; i < 2; i++) {
		if ((pids[i] = fork()) < 0)
			abort();
		if (pids[i] == 0) {
			close(gate[1]);
			racer(t->cfg, k, gate[0]);
		}
	}
	close(gate[0]);
	close(gate[1]); /* both read EOF at once */
	for (int i = 0; i < 2; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status))
			continue;
		wins += WEXITSTATUS(status) == 0;
		conflicts += WEXITSTATUS(status) == 1;
	}
	report(t, wins == 1 && conflicts == 1,
	    "two racing create-only puts: %d created, %d conflict", wins, conflicts);
}

/* ---- bounded memory ---- */

struct hashing_sink {
	EVP_MD_CTX *md;
	long long size;
};

static int hash_begin(void *ctx, const struct storage_meta *meta)
{
	struct hashing_sink *h = ctx;

	h->size = meta->size;
	return 0;
}

static int hash_write(void *ctx, const char *p, size_t n)
{
	struct hashing_sink *h = ctx;

	return EVP_DigestUpdate(h->md, p, n) == 1 ? 0 : -1;
}

/* A temp file of BIG_FILE bytes, written in chunks; digest gets its SHA-256. */
static int make_big_file(unsigned char digest[32])
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	unsigned char chunk[65536];
	EVP_MD_CTX *md;
	int fd, ok = 1;

	if (snprintf(path, sizeof path, "%s/chats3-storage.XXXXXX",
	    dir != NULL ? dir : "/tmp") >= (int)sizeof path || (fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		abort();
	for (size_t off = 0; ok && off < BIG_FILE; off += sizeof chunk) {
		fill(chunk, sizeof chunk, off);
		ok = write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk &&
		    EVP_DigestUpdate(md, chunk, sizeof chunk) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(md, digest, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void test_big_file(struct suite *t)
{
	unsigned char want[32], got[32];
	struct hashing_sink h = { NULL, 0 };
	struct storage_sink sink = { hash_begin, hash_write, &h };
	struct storage_meta meta;
	long before, after;
	keybuf k;
	int fd, rc;

	if ((fd = make_big_file(want)) < 0) {
		report(t, 0, "make a 12 MiB temp file");
		return;
	}
	if ((h.md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1)
		abort();
	before = peak_rss_kb();
	rc = storage_put_file(t->s, key_of(t, "big/twelve-mib", k), fd, "video/mp4", 0);
	expect_rc(t, rc, 0, "put_file of 12 MiB");
	rc = storage_get_stream(t->s, k, &sink);
	after = peak_rss_kb();
	report(t, rc == 0 && h.size == BIG_FILE && EVP_DigestFinal_ex(h.md, got, NULL) == 1 &&
	    memcmp(got, want, sizeof want) == 0, "get_stream returns the same SHA-256");
	report(t, before > 0 && after - before < RSS_GROWTH_MAX_KB,
	    "peak RSS grew by %ld KiB over put_file and get_stream (bound %d KiB)",
	    after - before, RSS_GROWTH_MAX_KB);
	rc = storage_head(t->s, k, &meta);
	report(t, rc == 0 && meta.size == BIG_FILE && strcmp(meta.content_type, "video/mp4") == 0,
	    "the 12 MiB object keeps its size and type");
	rc = storage_put_file(t->s, k, fd, "video/mp4", STORAGE_CREATE_ONLY);
	expect_rc(t, rc, ERR_CONFLICT, "create-only put_file of 12 MiB on an existing key");
	EVP_MD_CTX_free(h.md);
	close(fd);
}

/* A put with the digests the caller computed stores the file as it is. */
static void test_hashed_put(struct suite *t)
{
	static const char bytes[] = "bytes hashed while they were written\r\n";
	struct storage_digests d;
	struct buf b;
	keybuf k;
	FILE *f = tmpfile();
	int rc;

	if (f == NULL || fwrite(bytes, 1, sizeof bytes - 1, f) != sizeof bytes - 1 ||
	    fflush(f) != 0 || storage_digest_memory(bytes, sizeof bytes - 1, &d) < 0)
		abort();
	buf_init(&b, 0);
	rc = storage_put_file_hashed(t->s, key_of(t, "hashed/put", k), fileno(f), &d,
	    "text/plain", 0);
	expect_rc(t, rc, 0, "put_file_hashed with the file's digests");
	rc = storage_get(t->s, k, &b, NULL);
	report(t, rc == 0 && b.len == sizeof bytes - 1 && memcmp(b.data, bytes, b.len) == 0,
	    "get returns the bytes put with their digests");
	buf_free(&b);
	fclose(f);
}

/* Writes bytes[0..n) to fd in 64 KiB steps, telling p after each. */
static int grow(struct storage_put *p, int fd, const unsigned char *bytes, size_t n)
{
	size_t k;

	for (size_t off = 0; off < n; off += k) {
		k = n - off < 65536 ? n - off : 65536;
		if (write(fd, bytes + off, k) != (ssize_t)k)
			return -1;
		storage_put_more(p, (long long)(off + k));
	}
	return 0;
}

/* A put begun for size bytes of a file then written with bytes[0..n):
 * storage_put_end (end) or storage_put_cancel; put_end's result. */
static int put_growing(struct suite *t, const char *key, long long size,
    const unsigned char *bytes, size_t n, int end)
{
	struct storage_digests d;
	struct storage_put *p = NULL;
	FILE *f = tmpfile();
	int rc;

	if (f == NULL || storage_digest_memory(bytes, n, &d) < 0)
		abort();
	rc = storage_put_begin(t->s, key, fileno(f), size, "application/pdf", STORAGE_CREATE_ONLY, &p);
	if (rc == 0 && grow(p, fileno(f), bytes, n) < 0)
		rc = ERR_IO;
	if (rc == 0 && end)
		rc = storage_put_end(p, &d);
	else
		storage_put_cancel(p);
	fclose(f);
	return rc;
}

/* A file put while it is written (an upload as it arrives): stored as
 * written, at its real size when that is not the one announced, and
 * nothing at all when cancelled with every byte written. */
static void test_growing_put(struct suite *t)
{
	const size_t n = 3 * MIB + 17;
	unsigned char *bytes = malloc(n);
	struct storage_meta meta;
	struct buf b;
	keybuf k;
	int rc;

	if (bytes == NULL)
		abort();
	fill(bytes, n, 11);
	buf_init(&b, 0);
	rc = put_growing(t, key_of(t, "growing/whole", k), (long long)n, bytes, n, 1);
	expect_rc(t, rc, 0, "put_end of a file put while written");
	rc = storage_get(t->s, k, &b, &meta);
	report(t, rc == 0 && b.len == n && memcmp(b.data, bytes, n) == 0 &&
	    same_meta(&meta, n, "application/pdf"), "get returns the file put while written");
	buf_free(&b);
	rc = put_growing(t, key_of(t, "growing/short", k), (long long)n + 100, bytes, n, 1);
	expect_rc(t, rc, 0, "put_end of a file shorter than announced");
	rc = storage_get(t->s, k, &b, NULL);
	report(t, rc == 0 && b.len == n && memcmp(b.data, bytes, n) == 0,
	    "get returns the shorter file whole");
	buf_free(&b);
	rc = put_growing(t, key_of(t, "growing/cancelled", k), (long long)n, bytes, n, 0);
	expect_rc(t, rc, 0, "put_begin and a whole file, then cancel");
	expect_rc(t, storage_head(t->s, k, &meta), ERR_NOTFOUND, "a cancelled put stores nothing");
	free(bytes);
}

/* ---- listing ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The list got[0..n) equals the rel names want[0..nwant) under base. */
static int same_names(const struct suite *t, char **got, size_t n,
    const char *const *want, size_t nwant)
{
	size_t blen = strlen(t->base);

	if (n != nwant)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(got[i], t->base, blen) != 0 || strcmp(got[i] + blen, want[i]) != 0)
			return 0;
	return 1;
}

static int list_page(struct suite *t, const char *prefix_rel, const char *delimiter,
    const char *start_after_rel, int max_keys, struct storage_list *l)
{
	keybuf prefix, start;
	struct storage_list_opts o = {
		key_of(t, prefix_rel, prefix), delimiter,
		start_after_rel != NULL ? key_of(t, start_after_rel, start) : NULL,
		NULL, max_keys
	};

	return storage_list(t->s, &o, l);
}

static void put_all(struct suite *t, const char *const *rels, size_t n, const char *what)
{
	keybuf k;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = storage_put(t->s, key_of(t, rels[i], k), rels[i], strlen(rels[i]),
		    "text/plain", 0);
	expect_rc(t, rc, 0, what);
}

static const char *const odd_names[] = {
	"odd/with space", "odd/plus+sign", "odd/percent%20x", "odd/tilde~",
	"odd/eq=amp&q", "odd/\303\274nic\303\266de", "odd/emoji-\xf0\x9f\x98\x80",
	"odd/.dot-first", "odd/..two-dots", "odd/paren(1)!*'", "odd/semi;colon:@$,",
	"odd/x#hash?q", "odd/\xe4\xb8\xad\xe6\x96\x87/\xe2\x82\xac",
};
#define NODD (sizeof odd_names / sizeof odd_names[0])

static void test_odd_keys(struct suite *t)
{
	const char *sorted[NODD];
	struct storage_list l;
	struct buf b;
	keybuf k;
	int rc = 0, same = 1;

	put_all(t, odd_names, NODD, "put keys with odd characters");
	buf_init(&b, 0);
	for (size_t i = 0; i < NODD && rc == 0; i++) {
		buf_free(&b);
		rc = storage_get(t->s, key_of(t, odd_names[i], k), &b, NULL);
		same &= rc == 0 && b.len == strlen(odd_names[i]) &&
		    memcmp(b.data, odd_names[i], b.len) == 0;
	}
	buf_free(&b);
	report(t, rc == 0 && same, "each odd key gets its own bytes back");
	memcpy(sorted, odd_names, sizeof sorted);
	qsort(sorted, NODD, sizeof sorted[0], cmp_str);
	rc = list_page(t, "odd/", NULL, NULL, 1000, &l);
	report(t, rc == 0 && same_names(t, l.keys, l.nkeys, sorted, NODD) &&
	    l.nprefixes == 0 && l.next_continuation == NULL,
	    "odd keys list back exactly, in byte order");
	storage_list_free(&l);
}

static const char *const tree_names[] = {
	"tree/a.txt", "tree/b/1", "tree/b/2", "tree/c/d/e", "tree/c-x", "tree/z",
};
static const char *const tree_sorted[] = { /* '-' comes before '/' */
	"tree/a.txt", "tree/b/1", "tree/b/2", "tree/c-x", "tree/c/d/e", "tree/z",
};
#define NTREE (sizeof tree_sorted / sizeof tree_sorted[0])

struct list_case {
	const char *what;
	const char *prefix, *delimiter, *start_after;
	const char *const *keys;
	size_t nkeys;
	const char *const *prefixes;
	size_t nprefixes;
};

#define LIST(...) (const char *const[]){ __VA_ARGS__ }, \
	sizeof (const char *const[]){ __VA_ARGS__ } / sizeof (const char *)
#define NONE NULL, 0

static const struct list_case tree_cases[] = {
	{ "prefix and delimiter: keys and common prefixes", "tree/", "/", NULL,
	    LIST("tree/a.txt", "tree/c-x", "tree/z"), LIST("tree/b/", "tree/c/") },
	{ "a prefix ending inside a segment", "tree/c", "/", NULL,
	    LIST("tree/c-x"), LIST("tree/c/") },
	{ "a prefix naming a directory, deeper", "tree/c/", "/", NULL,
	    NONE, LIST("tree/c/d/") },
	{ "no delimiter: every key in byte order", "tree/", NULL, NULL,
	    tree_sorted, NTREE, NONE },
	{ "start_after inside a directory", "tree/", NULL, "tree/b/1",
	    LIST("tree/b/2", "tree/c-x", "tree/c/d/e", "tree/z"), NONE },
	{ "start_after past everything", "tree/", NULL, "tree/zz", NONE, NONE },
	{ "a prefix nothing has", "tree/q", "/", NULL, NONE, NONE },
};

static void test_tree_case(struct suite *t, const struct list_case *c)
{
	struct storage_list l;
	int rc;

	rc = list_page(t, c->prefix, c->delimiter, c->start_after, 1000, &l);
	report(t, rc == 0 && same_names(t, l.keys, l.nkeys, c->keys, c->nkeys) &&
	    same_names(t, l.prefixes, l.nprefixes, c->prefixes, c->nprefixes) &&
	    l.next_continuation == NULL, "list: %s", c->what);
	storage_list_free(&l);
}

/* Copies a page's keys and common prefixes into out, merged in byte order. */
static int merge_page(const struct storage_list *l, char **out)
{
	size_t i = 0, j = 0, n = 0;
	const char *next;

	while (i < l->nkeys || j < l->nprefixes) {
		if (j == l->nprefixes || (i < l->nkeys && strcmp(l->keys[i], l->prefixes[j]) < 0))
			next = l->keys[i++];
		else
			next = l->prefixes[j++];
		if ((out[n++] = strdup(next)) == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

struct pages {
	char **items; /* every page's items, in the order they came */
	size_t n;
	int count;    /* pages */
};

static void pages_free(struct pages *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
}

static int add_page(struct pages *p, const struct storage_list *l, int max_keys)
{
	size_t n = l->nkeys + l->nprefixes;
	char **v;
	int rc;

	if (n > (size_t)max_keys)
		return ERR_INTERNAL;
	if ((v = realloc(p->items, (p->n + n + 1) * sizeof *v)) == NULL)
		return ERR_NOMEM;
	p->items = v;
	memset(v + p->n, 0, n * sizeof *v);
	rc = merge_page(l, v + p->n);
	p->n += n;
	p->count++;
	return rc;
}

/* Lists prefix page by page, following the continuation tokens. */
static int page_all(struct suite *t, const char *prefix_rel, const char *delimiter,
    int max_keys, struct pages *p)
{
	struct storage_list_opts o = { NULL, delimiter, NULL, NULL, max_keys };
	struct storage_list l;
	char *token = NULL;
	keybuf prefix;
	int rc;

	memset(p, 0, sizeof *p);
	o.prefix = key_of(t, prefix_rel, prefix);
	do {
		o.continuation = token;
		rc = storage_list(t->s, &o, &l);
		free(token);
		token = NULL;
		if (rc == 0 && (rc = add_page(p, &l, max_keys)) == 0) {
			token = l.next_continuation;
			l.next_continuation = NULL;
		}
		storage_list_free(&l);
	} while (rc == 0 && token != NULL);
	return rc;
}

/* Pages through prefix and compares with the sorted rel names want. */
static void check_paging(struct suite *t, const char *prefix_rel, const char *delimiter,
    int max_keys, const char *const *want, size_t nwant, int want_pages)
{
	struct pages p;
	int rc;

	rc = page_all(t, prefix_rel, delimiter, max_keys, &p);
	report(t, rc == 0 && same_names(t, p.items, p.n, want, nwant) && p.count == want_pages,
	    "paging %s%s with max_keys %d: %zu items in %d pages, each once, in byte order",
	    prefix_rel, delimiter != NULL ? " by \"/\"" : "", max_keys, p.n, p.count);
	pages_free(&p);
}

static void test_tree(struct suite *t)
{
	static const char *const rolled[] = {
		"tree/a.txt", "tree/b/", "tree/c-x", "tree/c/", "tree/z",
	};

	put_all(t, tree_names, NTREE, "put a tree of keys");
	for (size_t i = 0; i < sizeof tree_cases / sizeof tree_cases[0]; i++)
		test_tree_case(t, &tree_cases[i]);
	check_paging(t, "tree/", "/", 1, rolled, 5, 5);
	check_paging(t, "tree/", NULL, 4, tree_sorted, NTREE, 2);
}

/* MANY keys: every fifth one a directory ("many/10/x"), so byte order
 * ("many/10/x" < "many/100" < "many/11") is not numeric order. */
struct many {
	char *names[MANY];   /* sorted keys */
	char *rolled[MANY];  /* sorted keys and common prefixes under "/" */
};

static void many_free(struct many *m)
{
	for (size_t i = 0; i < MANY; i++) {
		free(m->names[i]);
		free(m->rolled[i]);
	}
}

static void many_make(struct many *m)
{
	char name[64];

	for (int i = 0; i < MANY; i++) {
		if (snprintf(name, sizeof name, i % 5 == 0 ? "many/%d/x" : "many/%d", i) < 0 ||
		    (m->names[i] = strdup(name)) == NULL)
			abort();
		if (snprintf(name, sizeof name, i % 5 == 0 ? "many/%d/" : "many/%d", i) < 0 ||
		    (m->rolled[i] = strdup(name)) == NULL)
			abort();
	}
}

static void test_many(struct suite *t)
{
	struct storage_list l;
	struct many m;
	int rc;

	many_make(&m);
	put_all(t, (const char *const *)m.names, MANY, "put 1,050 keys");
	qsort(m.names, MANY, sizeof m.names[0], cmp_str);
	qsort(m.rolled, MANY, sizeof m.rolled[0], cmp_str);
	rc = list_page(t, "many/", NULL, NULL, 1000, &l);
	report(t, rc == 0 && l.nkeys == 1000 && l.next_continuation != NULL,
	    "the first page holds 1,000 keys and a continuation token");
	storage_list_free(&l);
	check_paging(t, "many/", NULL, 1000, (const char *const *)m.names, MANY, 2);
	check_paging(t, "many/", NULL, 7, (const char *const *)m.names, MANY, 150);
	check_paging(t, "many/", "/", 7, (const char *const *)m.rolled, MANY, 150);
	rc = list_page(t, "many/", NULL, m.names[499], 1000, &l);
	report(t, rc == 0 && same_names(t, l.keys, l.nkeys,
	    (const char *const *)m.names + 500, MANY - 500) && l.next_continuation == NULL,
	    "start_after the 500th key: the other 550");
	storage_list_free(&l);
	many_free(&m);
}

static void test_list_options(struct suite *t)
{
	struct storage_list l;
	int rc;

	rc = list_page(t, "tree/", NULL, NULL, 0, &l);
	storage_list_free(&l);
	expect_rc(t, rc, ERR_INVAL, "list with max_keys 0");
	rc = list_page(t, "tree/", NULL, NULL, STORAGE_LIST_MAX + 1, &l);
	storage_list_free(&l);
	expect_rc(t, rc, ERR_INVAL, "list with max_keys 1001");
	rc = list_page(t, "../", NULL, NULL, 10, &l);
	storage_list_free(&l);
	expect_rc(t, rc, ERR_INVAL, "list with a \"..\" segment in the prefix");
}

/* ---- invalid keys, delete ---- */

static const struct {
	const char *what;
	const char *key;
	int under_base;
} bad_keys[] = {
	{ "leading '/'", "/lead", 0 },
	{ "empty", "", 0 },
	{ "\"..\"", "..", 0 },
	{ "empty segment", "a//b", 1 },
	{ "\"..\" segment", "a/../b", 1 },
	{ "\".\" segment", "a/./b", 1 },
	{ "trailing '/'", "trail/", 1 },
	{ "control character", "ctl\x01x", 1 },
	{ "tab", "tab\tkey", 1 },
	{ "invalid UTF-8", "bad\xffutf8", 1 },
};

static void test_invalid_keys(struct suite *t)
{
	struct storage_meta m;
	struct buf b;
	keybuf k;
	const char *key;
	int put, get, head, del;

	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
		key = bad_keys[i].under_base ? key_of(t, bad_keys[i].key, k) : bad_keys[i].key;
		put = storage_put(t->s, key, "x", 1, "text/plain", 0);
		get = storage_get(t->s, key, &b, &m);
		head = storage_head(t->s, key, &m);
		del = storage_delete(t->s, key);
		report(t, put == ERR_INVAL && get == ERR_INVAL && head == ERR_INVAL &&
		    del == ERR_INVAL, "key with %s: ERR_INVAL from put, get, head, delete",
		    bad_keys[i].what);
	}
	buf_free(&b);
	put = storage_put(t->s, key_of(t, "rt/bad-type", k), "x", 1, "text/plain\r\nX: y", 0);
	expect_rc(t, put, ERR_INVAL, "content type with CR LF");
}

static void test_delete(struct suite *t)
{
	struct storage_meta m;
	struct storage_list l;
	struct buf b;
	keybuf k;
	int rc;

	rc = storage_put(t->s, key_of(t, "del/gone/x", k), "x", 1, "text/plain", 0);
	if (rc == 0)
		rc = storage_delete(t->s, k);
	expect_rc(t, rc, 0, "delete an object");
	expect_rc(t, storage_head(t->s, k, &m), ERR_NOTFOUND, "head after delete");
	buf_init(&b, 0);
	expect_rc(t, storage_get(t->s, k, &b, &m), ERR_NOTFOUND, "get after delete");
	buf_free(&b);
	expect_rc(t, storage_delete(t->s, k), 0, "delete it again");
	rc = list_page(t, "del/", "/", NULL, 10, &l);
	report(t, rc == 0 && l.nkeys == 0 && l.nprefixes == 0,
	    "nothing lists under its prefix, not even a common prefix");
	storage_list_free(&l);
}

/* Deletes everything under the run's prefix. */
static void cleanup(struct suite *t)
{
	struct pages p;
	int rc, deleted = 0;

	rc = page_all(t, "", NULL, STORAGE_LIST_MAX, &p);
	for (size_t i = 0; i < p.n && rc == 0; i++)
		if ((rc = storage_delete(t->s, p.items[i])) == 0)
			deleted++;
	pages_free(&p);
	if (rc == 0)
		rc = page_all(t, "", NULL, STORAGE_LIST_MAX, &p);
	report(t, rc == 0 && p.n == 0, "cleanup: %d objects deleted, the prefix is empty", deleted);
	pages_free(&p);
}

static int setup(struct suite *t, const struct config *cfg)
{
	char rnd[17];
	int rc;

	t->cfg = cfg;
	if ((rc = storage_open(&t->s, cfg)) < 0 || (rc = ids_token_hex(rnd, sizeof rnd, 8)) < 0) {
		printf("FAIL open storage: %s\n", err_str(rc));
		return -1;
	}
	if (snprintf(t->base, sizeof t->base, "chats3-test-%s/", rnd) >= (int)sizeof t->base)
		abort();
	printf("prefix %s\n", t->base);
	expect_rc(t, storage_check(t->s), 0, "check");
	return 0;
}

int main(void)
{
	const char *label = getenv("CHATS3_STORAGE");
	char err[CONFIG_ERR_LEN];
	struct suite t = { 0 };
	struct config cfg;

	if (label == NULL || label[0] == '\0')
		label = "fs";
	if (config_load(&cfg, err) < 0) {
		printf("FAIL config: %s\nstorage-%s: 0 passed, 1 failed\n", err, label);
		return 1;
	}
	if (setup(&t, &cfg) == 0) {
		test_round_trips(&t);
		test_big_file(&t);
		test_hashed_put(&t);
		test_growing_put(&t);
		test_three_mib(&t);
		test_overwrite(&t);
		test_missing(&t);
		test_too_big(&t);
		test_get_many(&t);
		test_create_only(&t);
		test_create_race(&t);
		test_odd_keys(&t);
		test_tree(&t);
		test_many(&t);
		test_list_options(&t);
		test_invalid_keys(&t);
		test_delete(&t);
		cleanup(&t);
	} else {
		t.failed++;
	}
	storage_close(t.s);
	config_free(&cfg);
	printf("storage-%s: %d passed, %d failed\n", label, t.passed, t.failed);
	return t.failed ? 1 : 0;
}
