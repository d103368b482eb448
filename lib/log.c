#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "log.h"
#include "request.h"
#include "session_store.h"

#define LOG_LINE_MAX 2048
#define LOG_FIELD_MAX 512
#define LOG_REDACTED "[token]"

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

/* 1 when p[0..n) is a session token's shape: SESSION_TOKEN_LEN hex digits. */
static int token_shaped(const char *p, size_t n)
{
	return n == SESSION_TOKEN_LEN && strspn(p, "0123456789abcdefABCDEF") >= n;
}

/* path[0..n) escaped, each segment shaped like a session token (a kick by
 * session id: DELETE /api/v1/admin/sessions/<id>) written as LOG_REDACTED:
 * a log is no place for a secret. */
static void put_path(struct buf *b, const char *path, size_t n)
{
	char shown[LOG_FIELD_MAX + 1]; /* one past the cap: escape_log marks the cut */
	const char *seg = path, *end = path + n, *stop, *from;
	size_t k = 0, len, m;

	while (seg < end && k < sizeof shown) {
		stop = memchr(seg, '/', (size_t)(end - seg));
		len = (size_t)((stop ? stop : end) - seg);
		from = token_shaped(seg, len) ? LOG_REDACTED : seg;
		m = from == seg ? len : strlen(LOG_REDACTED);
		m = m < sizeof shown - k ? m : sizeof shown - k;
		memcpy(shown + k, from, m);
		k += m;
		if (stop != NULL && k < sizeof shown)
			shown[k++] = '/';
		seg += len + (stop != NULL);
	}
	escape_log(b, shown, k, LOG_FIELD_MAX);
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
	put_path(&b, r->path.data ? r->path.data : "", r->path.data ? r->path.len : 0);
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
