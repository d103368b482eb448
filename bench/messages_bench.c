/*
 * messages_bench: the message store's two costs, as bench/messages runs
 * them, against the store config_load names (one struct storage, so one
 * kept-alive connection).
 *
 *   messages_bench [--index DIR] append CONV N
 *       appends N single-message batches (now's time), one after another;
 *       prints "append <N> <us per op> <ops per s>"
 *   messages_bench [--index DIR] newest ROUNDS LIMIT CONV...
 *       ROUNDS times, reads the newest LIMIT messages of each CONV in turn
 *       (so a change in the machine's load falls on all of them); prints
 *       "newest <CONV> <messages> <median us> <min us> <storage reads>" per CONV
 *   messages_bench --index DIR compact CONV...
 *       compacts each CONV (lib/message_compact.h: every batch up to now,
 *       no grace); prints "compact <CONV> <batches written> <replaced>
 *       <deleted> <ms>" per CONV
 *
 * --index DIR: through the message index of the state in DIR (CHATS3_STATE's
 * backend; sqlite: DIR/chats3.db).
 * Exits 0, or prints the failure and exits 1 (2 for bad arguments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "errors.h"
#include "ids.h"
#include "message_compact.h"
#include "message_store.h"
#include "numparse.h"
#include "state.h"
#include "storage.h"

#define CONVS_MAX 8
#define ROUNDS_MAX 1000

static int count_arg(const char *s, long max, long *out)
{
	return numparse_long(s, strlen(s), 1, max, out);
}

static int append_one(struct storage *s, struct state *ix, const char *conv, char *body)
{
	char user[] = "0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60", name[] = "bench";
	char sent[] = "2026-11-25T00:00:00.000Z";
	struct message m = { .sender_role = MESSAGE_ROLE_USER, .type = MESSAGE_TEXT };
	int rc;

	if ((rc = ids_uuid4(m.message_id)) < 0)
		return rc;
	snprintf(m.conversation_id, sizeof m.conversation_id, "%s", conv);
	m.sender_user_id = user;
	m.sender_display_name = name;
	m.body = body;
	m.client_timestamp = sent;
	m.server_received_ms = clock_now_ms();
	return message_store_append(s, ix, &m, 1); /* m borrows: nothing to free */
}

static int bench_append(struct storage *s, struct state *ix, const char *conv, long n)
{
	char body[] = "a message of about the size people write, with a few words in it";
	int64_t t0 = clock_mono_us();
	double us;
	int rc = 0;

	for (long i = 0; i < n && rc == 0; i++)
		rc = append_one(s, ix, conv, body);
	us = (double)(clock_mono_us() - t0) / (double)n;
	if (rc == 0)
		printf("append %ld %.1f %.1f\n", n, us, 1e6 / us);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One read of the newest limit of conv: its time in *us. */
static int read_newest(struct storage *s, struct state *ix, const char *conv, int limit,
    int64_t *us, size_t *n, size_t *reads)
{
	struct message_page p;
	int64_t t0 = clock_mono_us();
	int rc = message_store_history(s, ix, conv, limit, NULL, &p);

	*us = clock_mono_us() - t0;
	*n = p.n;
	*reads = p.reads;
	message_page_free(&p);
	return rc;
}

static int bench_newest(struct storage *s, struct state *ix, long rounds, long limit,
    char **convs, int nconv)
{
	static int64_t us[CONVS_MAX][ROUNDS_MAX];
	size_t n[CONVS_MAX] = { 0 }, reads[CONVS_MAX] = { 0 };
	int rc = 0;

	for (long r = 0; r < rounds && rc == 0; r++)
		for (int c = 0; c < nconv && rc == 0; c++)
			rc = read_newest(s, ix, convs[c], (int)limit, &us[c][r], &n[c], &reads[c]);
	for (int c = 0; c < nconv && rc == 0; c++) {
		qsort(us[c], (size_t)rounds, sizeof us[c][0], cmp_i64);
		printf("newest %s %zu %lld %lld %zu\n", convs[c], n[c], (long long)us[c][rounds / 2],
		    (long long)us[c][0], reads[c]);
	}
	return rc;
}

static int bench_compact(struct storage *s, struct state *ix, char **convs, int nconv)
{
	struct message_compact_report r;
	int64_t t0;
	int rc = 0;

	for (int c = 0; c < nconv && rc == 0; c++) {
		memset(&r, 0, sizeof r);
		t0 = clock_mono_us();
		rc = message_compact(s, ix, convs[c], clock_now_ms() + 1, 0, &r);
		printf("compact %s %zu %zu %zu %lld\n", convs[c], r.written, r.replaced, r.deleted,
		    (long long)(clock_mono_us() - t0) / 1000);
	}
	return rc;
}

static int run(struct storage *s, struct state *ix, int argc, char **argv)
{
	long a, b;

	if (argc == 4 && strcmp(argv[1], "append") == 0 && count_arg(argv[3], 10000000, &a) == 0)
		return bench_append(s, ix, argv[2], a);
	if (argc >= 5 && argc - 4 <= CONVS_MAX && strcmp(argv[1], "newest") == 0 &&
	    count_arg(argv[2], ROUNDS_MAX, &a) == 0 &&
	    count_arg(argv[3], MESSAGE_LIMIT_MAX, &b) == 0)
		return bench_newest(s, ix, a, b, argv + 4, argc - 4);
	if (argc >= 3 && argc - 2 <= CONVS_MAX && strcmp(argv[1], "compact") == 0 && ix != NULL)
		return bench_compact(s, ix, argv + 2, argc - 2);
	return ERR_INVAL;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct storage *s = NULL;
	struct state *ix = NULL;
	struct config cfg;
	int rc = 0;

	if (config_load(&cfg, err) < 0) {
		printf("config: %s\n", err);
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "--index") == 0) {
		struct config at = cfg; /* borrows cfg's strings */

		at.data_dir = argv[2];
		rc = state_open(&ix, &at);
		argc -= 2;
		argv += 2;
	}
	if (rc == 0 && (rc = storage_open(&s, &cfg)) == 0)
		rc = run(s, ix, argc, argv);
	if (rc == ERR_INVAL)
		fputs("usage: messages_bench [--index DIR] append CONV N | newest ROUNDS LIMIT CONV...\n"
		    "       messages_bench --index DIR compact CONV...\n", stderr);
	else if (rc < 0)
		printf("messages_bench: %s %s %s\n", err_str(rc), s ? storage_error_code(s) : "",
		    s ? storage_error_message(s) : "");
	storage_close(s);
	state_close(ix);
	config_free(&cfg);
	return rc == ERR_INVAL ? 2 : rc < 0 ? 1 : 0;
}
