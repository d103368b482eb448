#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include "buf.h"
#include "errors.h"
#include "metrics.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
    "counters shared between processes need lock-free atomics");

const struct metric_def metric_defs[METRIC__MAX] = {
	[METRIC_HTTP_REQUESTS] = { "chats3_http_requests_total",
	    "Requests answered by the programs, by route pattern, method and status.",
	    METRIC_COUNTER, 1, 0, { "route", "method", "code", NULL } },
	[METRIC_HTTP_DURATION] = { "chats3_http_request_duration_seconds",
	    "Time from a request's start to its answer in its program, by route pattern.",
	    METRIC_HISTOGRAM, 1, 0, { "route", NULL } },
	[METRIC_STORAGE_CALLS] = { "chats3_storage_calls_total",
	    "Calls to the storage backend, by operation (retries inside a call not counted).",
	    METRIC_COUNTER, 1, 0, { "backend", "op", NULL } },
	[METRIC_STORAGE_ERRORS] = { "chats3_storage_errors_total",
	    "Storage calls that failed, by operation and kind (ERR_NOTFOUND is a missing key).",
	    METRIC_COUNTER, 1, 0, { "backend", "op", "kind", NULL } },
	[METRIC_STORAGE_RETRIES] = { "chats3_storage_retries_total",
	    "Attempts of a storage call after its first, by HTTP method.",
	    METRIC_COUNTER, 1, 0, { "backend", "method", NULL } },
	[METRIC_SQLITE_BUSY_WAITS] = { "chats3_sqlite_busy_waits_total",
	    "Pauses SQLite made waiting for a lock another process held (1 to 100 ms each).",
	    METRIC_COUNTER, 1, 0, { NULL } },
	[METRIC_SQLITE_BUSY_SECONDS] = { "chats3_sqlite_busy_wait_seconds_total",
	    "Time spent in those waits.",
	    METRIC_COUNTER, 1, 1, { NULL } },
	[METRIC_RELAY_STREAMS] = { "chats3_relay_streams",
	    "Event streams the relay holds open now.",
	    METRIC_GAUGE, 0, 0, { NULL } },
	[METRIC_RELAY_EVENTS_IN] = { "chats3_relay_events_in_total",
	    "Frames the relay received from the programs, by kind.",
	    METRIC_COUNTER, 0, 0, { "kind", NULL } },
	[METRIC_RELAY_EVENTS_OUT] = { "chats3_relay_events_out_total",
	    "Events the relay queued to streams (one per stream it reached).",
	    METRIC_COUNTER, 0, 0, { NULL } },
	[METRIC_RELAY_REPLAYED] = { "chats3_relay_replayed_events_total",
	    "Events sent again from the replay ring to a stream resuming with Last-Event-ID.",
	    METRIC_COUNTER, 0, 0, { NULL } },
	[METRIC_RELAY_SLOW_DROPPED] = { "chats3_relay_slow_consumers_dropped_total",
	    "Streams cut because their queue went over CHATS3_RELAY_QUEUE_BYTES.",
	    METRIC_COUNTER, 0, 0, { NULL } },
};

const uint64_t metric_bucket_us[METRIC_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};

#define METRICS_MAGIC 0x4d5354414843ULL /* "CHATSM" */
#define METRICS_SLOTS 2048
#define KEY_SEP '\x1f' /* between label values in a slot's key */

/* A histogram's values: a count per bucket (not cumulative), then the
 * count of all observations, then their sum in microseconds. */
enum { V_COUNT = METRIC_BUCKETS, V_SUM, SLOT_VALUES };

enum slot_state { SLOT_FREE, SLOT_CLAIMING, SLOT_READY };

struct slot {
	_Atomic uint32_t state;
	uint32_t hash;
	uint32_t metric;
	char key[METRICS_KEY_MAX + 1]; /* program (per_program) and values, KEY_SEP between */
	_Atomic uint64_t v[SLOT_VALUES];
};

struct metrics_file {
	uint64_t magic;
	uint64_t layout; /* metrics_layout(): a table that changed is another file */
	uint64_t size;
	_Atomic uint64_t full; /* updates lost for want of a free slot */
	struct slot slots[METRICS_SLOTS];
};

static struct {
	struct metrics_file *f;
	char program[METRICS_PROGRAM_MAX];
} M;

static uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The file's layout: the table's declarations and the slot's shape. */
static uint64_t metrics_layout(void)
{
	uint32_t h = fnv1a(2166136261u, &(uint32_t){ sizeof(struct slot) }, sizeof(uint32_t));

	for (int m = 0; m < METRIC__MAX; m++) {
		h = fnv1a(h, metric_defs[m].name, strlen(metric_defs[m].name) + 1);
		for (const char *const *l = metric_defs[m].labels; *l != NULL; l++)
			h = fnv1a(h, *l, strlen(*l) + 1);
	}
	return (uint64_t)h << 8 | METRIC_BUCKETS;
}

static int usable(const struct metrics_file *f)
{
	return f->magic == METRICS_MAGIC && f->layout == metrics_layout() && f->size == sizeof *f;
}

static struct metrics_file *map(int fd)
{
	void *p = mmap(NULL, sizeof(struct metrics_file), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A new file of this layout at path: made aside, then linked in (unless
 * another process was first) or, replacing one of another layout,
 * renamed over it. 0 or -1 (errno). */
static int create(const char *path, int replace)
{
	char tmp[4096];
	struct metrics_file *f;
	int fd, rc = -1;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp ||
	    (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -1;
	if (fchmod(fd, 0600) == 0 && ftruncate(fd, sizeof *f) == 0 && (f = map(fd)) != NULL) {
		f->layout = metrics_layout();
		f->size = sizeof *f;
		f->magic = METRICS_MAGIC;
		rc = munmap(f, sizeof *f);
	}
	close(fd);
	if (rc == 0)
		rc = replace ? rename(tmp, path) : link(tmp, path) < 0 && errno != EEXIST ? -1 : 0;
	if (rc < 0 || !replace)
		unlink(tmp);
	return rc;
}

/* Maps path when it holds a file of this layout: 1; 0 when it is absent
 * (*stale 0) or of another layout (*stale 1); -1 on failure (errno). */
static int attach(const char *path, int *stale)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	*stale = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size == sizeof *M.f && (M.f = map(fd)) != NULL &&
	    !usable(M.f)) {
		munmap(M.f, sizeof *M.f);
		M.f = NULL;
	}
	*stale = M.f == NULL;
	close(fd);
	return M.f != NULL;
}

int metrics_open(const char *data_dir, const char *program)
{
	const char *base = strrchr(program, '/');
	char path[4096];
	int stale = 0, rc = 0;

	metrics_close();
	if (snprintf(path, sizeof path, "%s/" METRICS_FILE, data_dir) >= (int)sizeof path)
		return ERR_INVAL;
	snprintf(M.program, sizeof M.program, "%s", base ? base + 1 : program);
	for (int tries = 0; tries < 3 && rc == 0; tries++)
		if ((rc = attach(path, &stale)) == 0 && create(path, stale) < 0)
			rc = -1;
	return rc == 1 ? 0 : ERR_IO;
}

void metrics_close(void)
{
	if (M.f != NULL)
		munmap(M.f, sizeof *M.f);
	M.f = NULL;
}

/* m's key for values into key: 0, or -1 when a value will not do. */
static int make_key(enum metric m, const char *const *values, char key[METRICS_KEY_MAX + 1])
{
	size_t len = 0, n;
	int first = 1;

	if (metric_defs[m].per_program) {
		len = strlen(M.program);
		memcpy(key, M.program, len);
		first = 0;
	}
	for (size_t i = 0; metric_defs[m].labels[i] != NULL; i++, first = 0) {
		n = strlen(values[i]);
		if (len + n + !first > METRICS_KEY_MAX)
			return -1;
		for (size_t j = 0; j < n; j++)
			if ((unsigned char)values[i][j] < 0x20 || values[i][j] == 0x7f)
				return -1;
		if (!first)
			key[len++] = KEY_SEP;
		memcpy(key + len, values[i], n);
		len += n;
	}
	key[len] = '\0';
	return 0;
}

/* Fills the slot this process claimed, then shows it. */
static struct slot *claimed(struct slot *s, enum metric m, uint32_t hash, const char *key)
{
	s->hash = hash;
	s->metric = (uint32_t)m;
	strcpy(s->key, key);
	atomic_store(&s->state, SLOT_READY);
	return s;
}

/* The slot of m's series for values, claimed when new; NULL when no
 * file is mapped, a value will not do or the table is full. Two
 * processes claiming one series at once may get a slot each: the
 * exposition adds them up. */
static struct slot *series(enum metric m, const char *const *values)
{
	char key[METRICS_KEY_MAX + 1];
	uint32_t h, state;
	struct slot *s;

	if (M.f == NULL || make_key(m, values, key) < 0)
		return NULL;
	h = fnv1a(fnv1a(2166136261u, &m, sizeof m), key, strlen(key));
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		s = &M.f->slots[(h + i) % METRICS_SLOTS];
		state = atomic_load(&s->state);
		if (state == SLOT_FREE &&
		    atomic_compare_exchange_strong(&s->state, &state, SLOT_CLAIMING))
			return claimed(s, m, h, key);
		if (state == SLOT_READY && s->hash == h && s->metric == (uint32_t)m &&
		    strcmp(s->key, key) == 0)
			return s;
	}
	atomic_fetch_add(&M.f->full, 1);
	return NULL;
}

void metrics_add(enum metric m, const char *const *values, uint64_t n)
{
	struct slot *s = series(m, values);

	if (s != NULL)
		atomic_fetch_add(&s->v[0], n);
}

void metrics_set(enum metric m, const char *const *values, uint64_t v)
{
	struct slot *s = series(m, values);

	if (s != NULL)
		atomic_store(&s->v[0], v);
}

/* The count goes first and the bucket last, and the exposition reads
 * buckets before the count: a scrape never sees more in the buckets
 * than in +Inf. */
void metrics_observe_us(enum metric m, const char *const *values, uint64_t us)
{
	struct slot *s = series(m, values);
	size_t b = 0;

	if (s == NULL)
		return;
	while (b < METRIC_BUCKETS && us > metric_bucket_us[b])
		b++;
	atomic_fetch_add(&s->v[V_COUNT], 1);
	atomic_fetch_add(&s->v[V_SUM], us);
	if (b < METRIC_BUCKETS)
		atomic_fetch_add(&s->v[b], 1);
}

/* ---- the exposition ---- */

int metrics_escape(struct buf *out, const char *s, size_t n, int help)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (s[i] == '\\')
			rc = buf_puts(out, "\\\\");
		else if (s[i] == '\n')
			rc = buf_puts(out, "\\n");
		else if (s[i] == '"' && !help)
			rc = buf_puts(out, "\\\"");
		else
			rc = buf_putc(out, s[i]);
	}
	return rc;
}

/* A series' values, its slots added up. */
struct sum {
	uint64_t v[SLOT_VALUES];
};

/* Adds up the ready slots of s's series from s on (buckets before the
 * count, see metrics_observe_us); 0 when an earlier slot holds it too
 * (it was printed with that one). */
static int add_up(const struct slot *s, struct sum *sum)
{
	const struct slot *end = M.f->slots + METRICS_SLOTS;

	for (const struct slot *o = M.f->slots; o < s; o++)
		if (atomic_load(&o->state) == SLOT_READY && o->hash == s->hash &&
		    o->metric == s->metric && strcmp(o->key, s->key) == 0)
			return 0;
	memset(sum, 0, sizeof *sum);
	for (const struct slot *o = s; o < end; o++)
		if (o == s || (atomic_load(&o->state) == SLOT_READY && o->hash == s->hash &&
		    o->metric == s->metric && strcmp(o->key, s->key) == 0))
			for (int i = 0; i < SLOT_VALUES; i++)
				sum->v[i] += atomic_load(&o->v[i]);
	return 1;
}

/* The label names of m's series, program first when per_program, into
 * names; how many. */
static size_t label_names(enum metric m, const char *names[METRIC_LABELS_MAX + 1])
{
	size_t n = 0;

	if (metric_defs[m].per_program)
		names[n++] = "program";
	for (const char *const *l = metric_defs[m].labels; *l != NULL && n <= METRIC_LABELS_MAX; l++)
		names[n++] = *l;
	return n;
}

static int put_label(struct buf *out, int first, const char *name, const char *v, size_t n)
{
	int rc;

	if ((rc = buf_putc(out, first ? '{' : ',')) < 0 || (rc = buf_puts(out, name)) < 0 ||
	    (rc = buf_puts(out, "=\"")) < 0 || (rc = metrics_escape(out, v, n, 0)) < 0)
		return rc;
	return buf_putc(out, '"');
}

/* name{labels} of the series of key (its values, KEY_SEP between), with
 * the label extra="value" last when extra is not NULL. */
static int put_series(struct buf *out, const char *name, enum metric m, const char *key,
    const char *extra, const char *value)
{
	const char *names[METRIC_LABELS_MAX + 1], *p = key, *e;
	size_t n = label_names(m, names);
	int rc = buf_puts(out, name);

	for (size_t i = 0; i < n && rc == 0; i++, p = *e ? e + 1 : e) {
		e = strchr(p, KEY_SEP);
		e = e ? e : p + strlen(p);
		rc = put_label(out, i == 0, names[i], p, (size_t)(e - p));
	}
	if (rc == 0 && extra != NULL)
		rc = put_label(out, n == 0, extra, value, strlen(value));
	if (rc == 0 && (n || extra != NULL))
		rc = buf_putc(out, '}');
	return rc;
}

/* " v\n", or " seconds\n" for us microseconds. */
static int put_value(struct buf *out, uint64_t v)
{
	int rc;

	if ((rc = buf_putc(out, ' ')) < 0 || (rc = buf_put_u64(out, v)) < 0)
		return rc;
	return buf_putc(out, '\n');
}

static int put_seconds(struct buf *out, uint64_t us)
{
	char s[48];

	snprintf(s, sizeof s, " %llu.%06llu\n", (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
	return buf_puts(out, s);
}

static int put_histogram(struct buf *out, enum metric m, const char *key, const struct sum *sum)
{
	const char *base = metric_defs[m].name;
	char name[128], le[32];
	uint64_t below = 0;
	int rc = 0;

	snprintf(name, sizeof name, "%s_bucket", base);
	for (int b = 0; b < METRIC_BUCKETS && rc == 0; b++) {
		below += sum->v[b];
		snprintf(le, sizeof le, "%g", (double)metric_bucket_us[b] / 1e6);
		if ((rc = put_series(out, name, m, key, "le", le)) == 0)
			rc = put_value(out, below);
	}
	if (rc == 0 && (rc = put_series(out, name, m, key, "le", "+Inf")) == 0)
		rc = put_value(out, sum->v[V_COUNT]);
	snprintf(name, sizeof name, "%s_sum", base);
	if (rc == 0 && (rc = put_series(out, name, m, key, NULL, NULL)) == 0)
		rc = put_seconds(out, sum->v[V_SUM]);
	snprintf(name, sizeof name, "%s_count", base);
	if (rc == 0 && (rc = put_series(out, name, m, key, NULL, NULL)) == 0)
		rc = put_value(out, sum->v[V_COUNT]);
	return rc;
}

static const char *const type_names[] = {
	[METRIC_COUNTER] = "counter", [METRIC_GAUGE] = "gauge", [METRIC_HISTOGRAM] = "histogram",
};

/* # HELP and # TYPE of m. */
static int put_header(struct buf *out, const char *name, const char *help, enum metric_type t)
{
	int rc;

	if ((rc = buf_puts(out, "# HELP ")) < 0 || (rc = buf_puts(out, name)) < 0 ||
	    (rc = buf_putc(out, ' ')) < 0 || (rc = metrics_escape(out, help, strlen(help), 1)) < 0 ||
	    (rc = buf_puts(out, "\n# TYPE ")) < 0 || (rc = buf_puts(out, name)) < 0 ||
	    (rc = buf_putc(out, ' ')) < 0 || (rc = buf_puts(out, type_names[t])) < 0)
		return rc;
	return buf_putc(out, '\n');
}

/* m's header and every series of it in the file. */
static int put_metric(struct buf *out, enum metric m)
{
	const struct metric_def *d = &metric_defs[m];
	struct sum sum;
	int rc = put_header(out, d->name, d->help, d->type);

	for (const struct slot *s = M.f->slots; s < M.f->slots + METRICS_SLOTS && rc == 0; s++) {
		if (atomic_load(&s->state) != SLOT_READY || s->metric != (uint32_t)m || !add_up(s, &sum))
			continue;
		if (d->type == METRIC_HISTOGRAM)
			rc = put_histogram(out, m, s->key, &sum);
		else if ((rc = put_series(out, d->name, m, s->key, NULL, NULL)) == 0)
			rc = d->microseconds ? put_seconds(out, sum.v[0]) : put_value(out, sum.v[0]);
	}
	return rc;
}

#define LOST "chats3_metrics_lost_updates_total"

int metrics_write(struct buf *out)
{
	int rc = 0;

	if (M.f == NULL)
		return ERR_UNAVAILABLE;
	for (int m = 0; m < METRIC__MAX && rc == 0; m++)
		rc = put_metric(out, (enum metric)m);
	if (rc == 0 && (rc = put_header(out, LOST,
	    "Counter updates lost because every series slot of the metrics file was taken.",
	    METRIC_COUNTER)) == 0 && (rc = buf_puts(out, LOST)) == 0)
		rc = put_value(out, atomic_load(&M.f->full));
	return rc;
}
