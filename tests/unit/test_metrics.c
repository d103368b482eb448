/*
 * test_metrics: the exposition of counters, gauges and histograms (label
 * values escaped, buckets cumulative in seconds), counts added by two
 * processes summed, a series claimed twice summed once, values that will
 * not do ignored, a file of another layout or size replaced (mode 0600),
 * SQLite's waits for another connection's lock counted, and nothing done
 * before the file is open. Includes metrics.c to reach
 * its slots.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "../../lib/metrics.c"

#include "check.h"
#include "db.h"
#include "tmpdir.h"

static char dir[TMPDIR_MAX], file[TMPDIR_MAX + 16];

static const struct {
	int line;
	const char *in;
	int help;
	const char *want;
} escape_cases[] = {
	{ __LINE__, "plain /api/v1/*", 0, "plain /api/v1/*" },
	{ __LINE__, "a\"b", 0, "a\\\"b" },
	{ __LINE__, "a\"b", 1, "a\"b" },
	{ __LINE__, "back\\slash", 0, "back\\\\slash" },
	{ __LINE__, "back\\slash", 1, "back\\\\slash" },
	{ __LINE__, "two\nlines", 0, "two\\nlines" },
	{ __LINE__, "two\nlines", 1, "two\\nlines" },
	{ __LINE__, "", 0, "" },
};

static void test_escape(void)
{
	struct buf b;

	for (size_t i = 0; i < sizeof escape_cases / sizeof escape_cases[0]; i++) {
		buf_init(&b, 0);
		CHECK_AT(escape_cases[i].line, metrics_escape(&b, escape_cases[i].in,
		    strlen(escape_cases[i].in), escape_cases[i].help) == 0);
		CHECK_STR(escape_cases[i].line, b.data ? b.data : "", escape_cases[i].want);
		buf_free(&b);
	}
}

/* The exposition now, as a string the caller frees ("" when it fails). */
static char *scrape(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	s = strdup(metrics_write(&b) == 0 && b.data ? b.data : "");
	buf_free(&b);
	return s;
}

/* Does the exposition hold line, a whole line? */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static const char *const get_route[] = { "/api/v1/health", "GET", "200" };

static void test_closed(void)
{
	struct buf b;

	buf_init(&b, 0);
	metrics_add(METRIC_HTTP_REQUESTS, get_route, 1); /* does nothing */
	CHECK(metrics_write(&b) == ERR_UNAVAILABLE);
	buf_free(&b);
}

static void test_counters(void)
{
	char *text;

	CHECK(metrics_open(dir, "build/cgi-bin/health") == 0);
	metrics_add(METRIC_HTTP_REQUESTS, get_route, 2);
	metrics_add(METRIC_HTTP_REQUESTS, get_route, 1);
	metrics_add(METRIC_STORAGE_ERRORS, (const char *[]){ "fs", "get", "a\"b\\c" }, 1);
	metrics_add(METRIC_STORAGE_ERRORS, (const char *[]){ "fs", "get", "two\nlines" }, 1);
	metrics_set(METRIC_RELAY_STREAMS, NULL, 7);
	metrics_set(METRIC_RELAY_STREAMS, NULL, 4);
	metrics_add(METRIC_RELAY_EVENTS_IN, (const char *[]){ "event" }, 5);
	text = scrape();
	CHECK(has_line(text, "# TYPE chats3_http_requests_total counter"));
	CHECK(has_line(text, "# HELP chats3_relay_streams Event streams the relay holds open now."));
	CHECK(has_line(text, "# TYPE chats3_relay_streams gauge"));
	CHECK(has_line(text,
	    "chats3_http_requests_total{program=\"health\",route=\"/api/v1/health\",method=\"GET\",code=\"200\"} 3"));
	CHECK(has_line(text,
	    "chats3_storage_errors_total{program=\"health\",backend=\"fs\",op=\"get\",kind=\"a\\\"b\\\\c\"} 1"));
	CHECK(strstr(text, "two") == NULL);
	CHECK(has_line(text, "chats3_relay_streams 4"));
	CHECK(has_line(text, "chats3_relay_events_in_total{kind=\"event\"} 5"));
	CHECK(has_line(text, "chats3_sqlite_busy_waits_total") == 0); /* no series yet */
	CHECK(has_line(text, "chats3_metrics_lost_updates_total 0"));
	free(text);
}

static void test_histogram(void)
{
	const char *const route[] = { "/api/v1/messages" };
	char *text;

	metrics_observe_us(METRIC_HTTP_DURATION, route, 300);
	metrics_observe_us(METRIC_HTTP_DURATION, route, 2000);
	metrics_observe_us(METRIC_HTTP_DURATION, route, 20000000);
	text = scrape();
#define H "chats3_http_request_duration_seconds"
#define R "program=\"health\",route=\"/api/v1/messages\""
	CHECK(has_line(text, "# TYPE " H " histogram"));
	CHECK(has_line(text, H "_bucket{" R ",le=\"0.0005\"} 1"));
	CHECK(has_line(text, H "_bucket{" R ",le=\"0.001\"} 1"));
	CHECK(has_line(text, H "_bucket{" R ",le=\"0.0025\"} 2"));
	CHECK(has_line(text, H "_bucket{" R ",le=\"10\"} 2"));
	CHECK(has_line(text, H "_bucket{" R ",le=\"+Inf\"} 3"));
	CHECK(has_line(text, H "_sum{" R "} 20.002300"));
	CHECK(has_line(text, H "_count{" R "} 3"));
#undef H
#undef R
	free(text);
}

/* Another process (its own mapping) adds to the same series. */
static void test_two_processes(void)
{
	pid_t pid = fork();
	int status = -1;
	char *text;

	if (pid == 0) {
		metrics_close();
		_exit(metrics_open(dir, "health") == 0 &&
		    (metrics_add(METRIC_HTTP_REQUESTS, get_route, 10), 1) ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
	text = scrape();
	CHECK(has_line(text,
	    "chats3_http_requests_total{program=\"health\",route=\"/api/v1/health\",method=\"GET\",code=\"200\"} 13"));
	free(text);
}

/* Two processes that claimed one series at once hold a slot each. */
static void test_duplicate_slot(void)
{
	const struct slot *first = series(METRIC_HTTP_REQUESTS, get_route);
	struct slot *twin = NULL;
	char *text;

	for (size_t i = 0; i < METRICS_SLOTS && twin == NULL; i++)
		if (atomic_load(&M.f->slots[i].state) == SLOT_FREE)
			twin = &M.f->slots[i];
	CHECK(first != NULL && twin != NULL);
	if (first == NULL || twin == NULL)
		return;
	atomic_store(&twin->state, SLOT_CLAIMING);
	claimed(twin, METRIC_HTTP_REQUESTS, first->hash, first->key);
	atomic_store(&twin->v[0], 100);
	text = scrape();
	CHECK(has_line(text,
	    "chats3_http_requests_total{program=\"health\",route=\"/api/v1/health\",method=\"GET\",code=\"200\"} 113"));
	CHECK(strstr(strstr(text, "code=\"200\"} 113") + 1, "code=\"200\"}") == NULL);
	free(text);
}

/* A write waiting for another connection's lock is counted (db.c). */
static void test_busy_waits(void)
{
	char path[TMPDIR_MAX + 16];
	struct db *a = NULL, *b = NULL;
	char *text;

	snprintf(path, sizeof path, "%s/busy.db", dir);
	CHECK(db_open(&a, path, NULL, 0) == 0 && db_open(&b, path, NULL, 0) == 0);
	if (a == NULL || b == NULL)
		goto done;
	CHECK(sqlite3_exec(db_handle(a), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_busy_timeout(db_handle(b), 30);
	CHECK(sqlite3_exec(db_handle(b), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_BUSY);
	text = scrape();
	CHECK(strstr(text, "\nchats3_sqlite_busy_waits_total{program=\"health\"} ") != NULL);
	CHECK(strstr(text, "\nchats3_sqlite_busy_wait_seconds_total{program=\"health\"} 0.0") != NULL);
	free(text);
done:
	db_close(a);
	db_close(b);
}

/* A file of another layout, or cut short, is replaced by an empty one. */
static void test_replaced(void)
{
	struct stat st;
	char *text;

	M.f->layout ^= 1;
	CHECK(metrics_open(dir, "health") == 0);
	text = scrape();
	CHECK(strstr(text, "chats3_http_requests_total{") == NULL);
	free(text);
	metrics_add(METRIC_RELAY_EVENTS_OUT, NULL, 1);
	metrics_close();
	CHECK(truncate(file, 64) == 0);
	CHECK(metrics_open(dir, "health") == 0);
	text = scrape();
	CHECK(strstr(text, "chats3_relay_events_out_total 1") == NULL);
	free(text);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    (size_t)st.st_size == sizeof(struct metrics_file));
	metrics_close();
}

int main(void)
{
	if (tmpdir_make(dir, "test_metrics") < 0 ||
	    snprintf(file, sizeof file, "%s/" METRICS_FILE, dir) >= (int)sizeof file) {
		perror("test_metrics: temporary directory");
		return 1;
	}
	test_escape();
	test_closed();
	test_counters();
	test_histogram();
	test_two_processes();
	test_duplicate_slot();
	test_busy_waits();
	test_replaced();
	tmpdir_remove(dir);
	return check_done("test_metrics");
}
