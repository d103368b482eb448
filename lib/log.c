#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "log.h"
#include "request.h"

#define LOG_LINE_MAX 2048
#define LOG_FIELD_MAX 512

static void emit(struct buf *b)
{
	ssize_t w;

	if (b->data == NULL)
		return;
	if (buf_putc(b, '\n') < 0)
		b->data[b->len - 1] = '\n';
	w = write(STDERR_FILENO, b->data, b->len);
	(void)w; /* nowhere left to report a failing error log */
	buf_free(b);
}

static void prefix(struct buf *b, const char *id)
{
	char now[ISO_TIME_LEN + 1];

	if (clock_iso(clock_now_ms(), now) < 0)
		strcpy(now, "-");
	buf_puts(b, "time=");
	buf_puts(b, now);
	buf_puts(b, " id=");
	buf_puts(b, id ? id : "-");
}

void log_request(const struct request *r)
{
	struct buf b;

	buf_init(&b, LOG_LINE_MAX);
	buf_reserve(&b, 256); /* a typical line, in one allocation */
	prefix(&b, r->id);
	buf_puts(&b, " method=\"");
	escape_log(&b, r->method, strlen(r->method), 16);
	buf_puts(&b, "\" path=\"");
	escape_log(&b, r->path.data ? r->path.data : "", r->path.len, LOG_FIELD_MAX);
	buf_puts(&b, "\" status=");
	buf_put_u64(&b, (unsigned long long)r->status);
	buf_puts(&b, " us=");
	buf_put_u64(&b, (unsigned long long)(clock_mono_us() - r->start_us));
	emit(&b);
}

void log_error(const char *request_id, const char *fmt, ...)
{
	char msg[LOG_FIELD_MAX];
	struct buf b;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_init(&b, LOG_LINE_MAX);
	prefix(&b, request_id);
	buf_puts(&b, " level=error msg=\"");
	escape_log(&b, msg, strlen(msg), sizeof msg);
	buf_putc(&b, '"');
	emit(&b);
}
