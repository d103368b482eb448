/*
 * clock: wall-clock and monotonic time, the contract's timestamp format
 * (ISO 8601 UTC with milliseconds: 2026-11-24T10:00:00.000Z) and HTTP's
 * (IMF-fixdate, RFC 9110 section 5.6.7: Tue, 24 Nov 2026 10:00:00 GMT).
 * Tests may drive the wall clock of their process (clock_set_now_fn).
 */
#ifndef CHATS3_CLOCK_H
#define CHATS3_CLOCK_H

#include <stdint.h>

#define ISO_TIME_LEN 24
#define HTTP_DATE_LEN 29

/* Milliseconds since the Unix epoch. */
int64_t clock_now_ms(void);

/* For tests: while fn is set, clock_now_ms() returns fn() (a clock that
 * stands still, or one moved ahead); NULL gives the real clock back. */
void clock_set_now_fn(int64_t (*fn)(void));

/* Microseconds of a monotonic clock, for measuring durations. */
int64_t clock_mono_us(void);

/* Formats epoch milliseconds ms into out[ISO_TIME_LEN + 1]. 0 or ERR_INVAL. */
int clock_iso(int64_t ms, char out[ISO_TIME_LEN + 1]);

/* Formats epoch milliseconds ms (whole seconds of it) as an HTTP date into
 * out[HTTP_DATE_LEN + 1], English names whatever the locale. 0 or ERR_INVAL. */
int clock_http_date(int64_t ms, char out[HTTP_DATE_LEN + 1]);

/* Parses s, exactly that format (from 1970 on), into *ms. 0 or ERR_INVAL. */
int clock_parse_iso(const char *s, int64_t *ms);

#endif
