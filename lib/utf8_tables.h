/*
 * utf8_tables: the Unicode Character Database as lib/utf8.c needs it,
 * generated into lib/utf8_tables.c by tools/utf8_tables.py (which says
 * what each table holds). Constant data; every table is sorted by code
 * point, and ranges do not overlap.
 */
#ifndef CHATS3_UTF8_TABLES_H
#define CHATS3_UTF8_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* first..last, every stride-th code point, folds to itself + delta. */
struct utf8_fold_run {
	uint32_t first, last;
	uint32_t stride;
	int32_t delta;
};

/* from folds to to[0], to[1] and to[2] when not 0. */
struct utf8_fold_full {
	uint32_t from;
	uint32_t to[3];
};

struct utf8_range {
	uint32_t first, last;
};

extern const char utf8_unicode_version[];
extern const struct utf8_fold_run utf8_fold_runs[];
extern const size_t utf8_fold_runs_n;
extern const struct utf8_fold_full utf8_fold_full[];
extern const size_t utf8_fold_full_n;
extern const struct utf8_range utf8_format[];
extern const size_t utf8_format_n;
extern const struct utf8_range utf8_ignorable[];
extern const size_t utf8_ignorable_n;
extern const struct utf8_range utf8_space[];
extern const size_t utf8_space_n;

#endif
