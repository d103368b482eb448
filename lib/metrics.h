/*
 * metrics: counters every process of an installation adds to, and their
 * Prometheus text exposition (GET /metrics).
 *
 * The programs are many short-lived processes, so the counters live in one
 * shared file, $CHATS3_DATA_DIR/metrics (mode 0600), that each process maps
 * (MAP_SHARED) once: a header (magic, layout, size) and a fixed table of
 * series slots. A slot is claimed once for a metric and its label values
 * (a compare-and-swap on its state) and then only ever updated with C11
 * atomic adds and stores, so a process killed at any point leaves the
 * table readable; at worst a slot it was claiming stays unused. A file of
 * another layout (a newer build's table below) is replaced, not misread.
 *
 * The metrics are declared once, in metric_defs[] (name, help, type,
 * labels): the writers below and the exposition read the same table.
 * Metrics marked per_program carry a first label "program", the name this
 * process gave metrics_open.
 *
 * The mapping is the process's own (a static of this module, opened once
 * by server.c or the relay's main): every call before metrics_open, or
 * after it failed, does nothing, so tools and tests that never open it pay
 * nothing. Not for threads: each process here has one.
 */
#ifndef CHATS3_METRICS_H
#define CHATS3_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

enum metric {
	METRIC_HTTP_REQUESTS,     /* route, method, code */
	METRIC_HTTP_DURATION,     /* route: a histogram of microseconds */
	METRIC_STORAGE_CALLS,     /* backend, op */
	METRIC_STORAGE_ERRORS,    /* backend, op, kind */
	METRIC_STORAGE_RETRIES,   /* backend, method */
	METRIC_SQLITE_BUSY_WAITS,
	METRIC_SQLITE_BUSY_SECONDS, /* added in microseconds */
	METRIC_RELAY_STREAMS,     /* a gauge */
	METRIC_RELAY_EVENTS_IN,   /* kind */
	METRIC_RELAY_EVENTS_OUT,
	METRIC_RELAY_REPLAYED,
	METRIC_RELAY_SLOW_DROPPED,
	METRIC__MAX
};

#define METRIC_LABELS_MAX 4 /* besides program */

struct metric_def {
	const char *name; /* counters end in _total */
	const char *help;
	enum metric_type type;
	int per_program;
	int microseconds; /* a counter added to in microseconds, shown in seconds */
	const char *labels[METRIC_LABELS_MAX + 1]; /* NULL-terminated */
};

extern const struct metric_def metric_defs[METRIC__MAX];

/* A histogram's upper bounds in microseconds (ascending); +Inf follows. */
#define METRIC_BUCKETS 14
extern const uint64_t metric_bucket_us[METRIC_BUCKETS];

#define METRICS_FILE "metrics"
#define METRICS_PROGRAM_MAX 32

/* Maps data_dir/metrics, creating it (or replacing one of another
 * layout), for this process, whose per_program series say program
 * (copied; its base name is taken: argv[0] will do). 0, ERR_INVAL (a
 * path too long), ERR_IO (errno says why). Opening again first closes. */
int metrics_open(const char *data_dir, const char *program);

/* Unmaps the file; later calls do nothing. */
void metrics_close(void);

/* values: one per label of m's definition (program aside), in order;
 * NULL when m has none. Quotes and backslashes are fine (the exposition
 * escapes them); a value with a control character, or values longer
 * together than a slot's METRICS_KEY_MAX, make the call do nothing. */
#define METRICS_KEY_MAX 159

/* Adds n to counter m. */
void metrics_add(enum metric m, const char *const *values, uint64_t n);

/* Sets gauge m to v. */
void metrics_set(enum metric m, const char *const *values, uint64_t v);

/* Counts one observation of us microseconds in histogram m. */
void metrics_observe_us(enum metric m, const char *const *values, uint64_t us);

/* Appends the exposition (text format 0.0.4) of every series in the file
 * to out. 0, ERR_UNAVAILABLE when no file is mapped, ERR_NOMEM/ERR_TOOBIG
 * from out. */
int metrics_write(struct buf *out);

/* Appends s to out escaped as a label value of the text format (\\, \",
 * \n); help text escapes only \\ and \n (help != 0). 0 or out's error. */
int metrics_escape(struct buf *out, const char *s, size_t n, int help);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
