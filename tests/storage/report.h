/*
 * report.h: the one-line-per-check output of the suites that run against
 * a storage backend (tests/storage/test_storage.c,
 * tests/messages/test_message_store.c): "ok   <what>" or "FAIL <what>"
 * with the backend's code and message for the last failure, counted in
 * *passed or *failed.
 */
#ifndef CHATS3_TESTS_REPORT_H
#define CHATS3_TESTS_REPORT_H

#include <stdarg.h>
#include <stdio.h>

#include "storage.h"

static void report_v(const struct storage *s, int *passed, int *failed, int ok,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void report_v(const struct storage *s, int *passed, int *failed, int ok,
    const char *fmt, va_list ap)
{
	fputs(ok ? "ok   " : "FAIL ", stdout);
	vprintf(fmt, ap);
	if (!ok && s != NULL && storage_error_code(s)[0] != '\0')
		printf(" [%s: %s]", storage_error_code(s), storage_error_message(s));
	putchar('\n');
	if (ok)
		(*passed)++;
	else
		(*failed)++;
}

/* Defines report(t, ok, fmt, ...) for a suite type with members s, passed
 * and failed. */
#define REPORT_FOR(suite_type) \
	static void report(suite_type *t, int ok, const char *fmt, ...) \
	    __attribute__((format(printf, 3, 4))); \
	static void report(suite_type *t, int ok, const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		report_v(t->s, &t->passed, &t->failed, ok, fmt, ap); \
		va_end(ap); \
	}

#endif
