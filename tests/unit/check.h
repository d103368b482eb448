/*
 * check.h: the unit tests' whole harness. Each test program is a set of
 * table-driven cases; CHECK records one result with the case's line, and
 * check_done() prints "N passed, N failed" and gives the exit status.
 */
#ifndef CHATS3_CHECK_H
#define CHATS3_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

static inline void check_result(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		check_passed++;
	} else {
		check_failed++;
		printf("FAIL %s:%d: %s\n", file, line, what);
	}
}

/* A string literal as (pointer, length) for table cases. */
#define S(s) s, sizeof s - 1

/* Records cond, with the line of the case that produced it. */
#define CHECK_AT(line, cond) check_result((cond) ? 1 : 0, __FILE__, (line), #cond)
#define CHECK(cond) CHECK_AT(__LINE__, cond)
#define CHECK_STR(line, got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	int ok_ = g_ != NULL && strcmp(g_, w_) == 0; \
	check_result(ok_, __FILE__, (line), #got " == " #want); \
	if (!ok_) \
		printf("  got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_); \
} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
