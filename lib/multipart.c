/*
 * multipart: the push parser of multipart.h. The body is a byte machine
 * whose states each consume some of a chunk (steps[] below); only a
 * partial match of the delimiter, the current header line and the part's
 * three header values outlive a chunk. A partial match needs no copy: the
 * bytes held back are the delimiter's first `matched` bytes, and since the
 * delimiter's only CR is its first byte, a mismatch can only restart the
 * match at the byte that broke it. Content goes to on_data in runs as
 * long as the chunk allows: a run ends only at a CR whose following bytes
 * in the chunk match the delimiter so far (content_run).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "errors.h"
#include "escape.h"
#include "multipart.h"

#define DELIM_LEAD "\r\n--"
#define DELIM_LEAD_LEN (sizeof DELIM_LEAD - 1)

enum state {
	S_PREAMBLE, /* looking for the first delimiter; bytes ignored */
	S_BODY,     /* a part's content, looking for the next delimiter */
	S_AFTER,    /* a delimiter seen: the next byte says whether it is one */
	S_DASH,     /* "-" after it: the close delimiter needs a second */
	S_PAD,      /* transport padding after it, up to CR */
	S_LF,       /* CR after it: LF must follow */
	S_HEADERS,  /* a part's header lines */
	S_EPILOGUE, /* after the close delimiter; bytes ignored */
	S_FAILED,
};

/* What a part's header lines said so far. */
struct part_headers {
	struct buf name, filename, content_type;
	int disposition, has_name, has_filename, has_filename_ext, has_type;
};

struct multipart {
	struct multipart_handler h;
	struct multipart_limits lim;
	char delim[DELIM_LEAD_LEN + MULTIPART_BOUNDARY_MAX + 1]; /* CRLF "--" boundary */
	size_t dlen;
	enum state state;
	int failure;         /* the code of S_FAILED */
	size_t matched;      /* delim bytes matched (S_PREAMBLE, S_BODY) */
	int in_part;         /* on_begin called, on_end not yet */
	size_t parts;
	char *line;          /* the header line being read, max_header_bytes */
	size_t line_len;
	size_t header_bytes; /* of the part's header block so far */
	int cr;              /* the header bytes so far end in CR */
	uint64_t consumed;   /* bytes of the body the steps have used */
	struct part_headers ph;
};

/* A parameter "name=value" of a header value; value is raw: a run of
 * plain bytes, or a quoted string with its quotes. */
struct param {
	const char *name, *value;
	size_t name_len, value_len;
};

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int is_ctl(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/* RFC 9110 tchar. */
static int is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A byte of an unquoted parameter value: tchar and more (a boundary may
 * hold / = ? : and a filename anything), but no blank, ';', '"', '\\'. */
static int is_plain(char c)
{
	return (unsigned char)c > ' ' && c != 0x7f && c != ';' && c != '"' && c != '\\';
}

/* RFC 2046 bchars. */
static int is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

static int boundary_valid(const char *b, size_t n)
{
	if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_bchar(b[i]))
			return 0;
	return 1;
}

static size_t skip_ows(const char *s, size_t n, size_t i)
{
	while (i < n && is_ows(s[i]))
		i++;
	return i;
}

static size_t token_end(const char *s, size_t n, size_t i)
{
	while (i < n && is_tchar(s[i]))
		i++;
	return i;
}

/* Where the raw value that starts at s[i] ends (a quoted string's closing
 * quote included), or 0 when no value starts there. */
static size_t value_end(const char *s, size_t n, size_t i)
{
	size_t j = i;

	if (i < n && s[i] == '"') {
		for (j = i + 1; j < n; j++) {
			if (s[j] == '"')
				return j + 1;
			if (s[j] == '\\')
				j++;
		}
		return 0;
	}
	while (j < n && is_plain(s[j]))
		j++;
	return j > i ? j : 0;
}

/* Reads the parameter at s[*pos..n) (OWS ";" OWS name OWS "=" OWS value)
 * into p and moves *pos past it: 1, or 0 at the end of s (a last ";" is
 * allowed), or ERR_INVAL. */
static int param_next(const char *s, size_t n, size_t *pos, struct param *p)
{
	size_t i = skip_ows(s, n, *pos), end;

	if (i == n)
		return 0;
	if (s[i] != ';')
		return ERR_INVAL;
	if ((i = skip_ows(s, n, i + 1)) == n)
		return 0;
	if ((end = token_end(s, n, i)) == i)
		return ERR_INVAL;
	p->name = s + i;
	p->name_len = end - i;
	i = skip_ows(s, n, end);
	if (i == n || s[i] != '=')
		return ERR_INVAL;
	i = skip_ows(s, n, i + 1);
	if ((end = value_end(s, n, i)) == 0)
		return ERR_INVAL;
	p->value = s + i;
	p->value_len = end - i;
	*pos = end;
	return 1;
}

static int param_is(const struct param *p, const char *name)
{
	return p->name_len == strlen(name) && strncasecmp(p->name, name, p->name_len) == 0;
}

/* Appends p's value to out, a quoted string unquoted and unescaped. */
static int param_value(struct buf *out, const struct param *p)
{
	const char *v = p->value;
	size_t n = p->value_len;
	int rc = 0;

	if (v[0] != '"')
		return buf_append(out, v, n);
	for (size_t i = 1; i + 1 < n && rc == 0; i++) {
		if (v[i] == '\\')
			i++;
		rc = buf_putc(out, v[i]);
	}
	return rc;
}

/* Appends the RFC 5987 ext-value of p (UTF-8'language'percent-encoded),
 * decoded, to out. ERR_INVAL for another charset, a quoted value or a
 * broken escape. */
static int param_ext_value(struct buf *out, const struct param *p)
{
	static const char charset[] = "UTF-8'";
	const size_t clen = sizeof charset - 1;
	const char *lang_end;

	if (p->value_len < clen || strncasecmp(p->value, charset, clen) != 0)
		return ERR_INVAL;
	lang_end = memchr(p->value + clen, '\'', p->value_len - clen);
	if (lang_end == NULL)
		return ERR_INVAL;
	lang_end++;
	return escape_url_decode(out, lang_end, (size_t)(p->value + p->value_len - lang_end), 0);
}

int multipart_boundary(const char *content_type, char *out, size_t out_size)
{
	static const char type[] = "multipart/form-data";
	struct buf b;
	struct param p;
	size_t n, i, pos;
	int rc, found = 0;

	if (content_type == NULL)
		return ERR_MEDIATYPE;
	n = strlen(content_type);
	i = skip_ows(content_type, n, 0);
	for (pos = i; pos < n && !is_ows(content_type[pos]) && content_type[pos] != ';'; pos++)
		;
	if (pos - i != sizeof type - 1 || strncasecmp(content_type + i, type, pos - i) != 0)
		return ERR_MEDIATYPE;
	buf_init(&b, MULTIPART_BOUNDARY_MAX);
	while ((rc = param_next(content_type, n, &pos, &p)) == 1) {
		if (!param_is(&p, "boundary"))
			continue;
		rc = found++ ? ERR_INVAL : param_value(&b, &p);
		if (rc < 0)
			break;
	}
	if (rc == ERR_TOOBIG || (rc == 0 && !boundary_valid(b.data, b.len)))
		rc = ERR_INVAL;
	if (rc == 0 && b.len >= out_size)
		rc = ERR_ARG;
	if (rc == 0)
		memcpy(out, b.data, b.len + 1);
	buf_free(&b);
	return rc;
}

/* The filename parameters: filename* wins, in either order; each once. */
static int disposition_filename(struct part_headers *ph, const struct param *p, int ext)
{
	int *seen = ext ? &ph->has_filename_ext : &ph->has_filename;

	if ((*seen)++)
		return ERR_INVAL;
	if (!ext && ph->has_filename_ext)
		return 0;
	buf_free(&ph->filename);
	return ext ? param_ext_value(&ph->filename, p) : param_value(&ph->filename, p);
}

static int disposition_param(struct part_headers *ph, const struct param *p)
{
	if (param_is(p, "name"))
		return ph->has_name++ ? ERR_INVAL : param_value(&ph->name, p);
	if (param_is(p, "filename"))
		return disposition_filename(ph, p, 0);
	if (param_is(p, "filename*"))
		return disposition_filename(ph, p, 1);
	return 0;
}

/* Content-Disposition: form-data; name="..."[; filename="..."]. */
static int disposition(struct part_headers *ph, const char *v, size_t n)
{
	static const char type[] = "form-data";
	struct param p;
	size_t pos = token_end(v, n, 0);
	int rc;

	if (ph->disposition++ || pos != sizeof type - 1 || strncasecmp(v, type, pos) != 0)
		return ERR_INVAL;
	while ((rc = param_next(v, n, &pos, &p)) == 1)
		if ((rc = disposition_param(ph, &p)) < 0)
			return rc;
	return rc == 0 && !ph->has_name ? ERR_INVAL : rc;
}

static int header_is(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(s, name, n) == 0;
}

/* One header line s[0..n), n > 0, without its CRLF. */
static int header_line(struct part_headers *ph, const char *s, size_t n)
{
	size_t colon = token_end(s, n, 0), v, end;

	for (size_t i = 0; i < n; i++)
		if (is_ctl(s[i]))
			return ERR_INVAL;
	if (colon == 0 || colon == n || s[colon] != ':')
		return ERR_INVAL;
	v = skip_ows(s, n, colon + 1);
	for (end = n; end > v && is_ows(s[end - 1]); end--)
		;
	if (header_is(s, colon, "Content-Disposition"))
		return disposition(ph, s + v, end - v);
	if (header_is(s, colon, "Content-Type"))
		return ph->has_type++ ? ERR_INVAL : buf_append(&ph->content_type, s + v, end - v);
	return 0;
}

static void headers_reset(struct part_headers *ph)
{
	buf_free(&ph->name);
	buf_free(&ph->filename);
	buf_free(&ph->content_type);
	ph->disposition = ph->has_name = ph->has_filename = ph->has_filename_ext = ph->has_type = 0;
}

/* A buf's text, "" when it holds nothing yet. */
static const char *text(const struct buf *b)
{
	return b->data ? b->data : "";
}

static int callback(int rc)
{
	return rc < 0 ? rc : 0;
}

/* Hands n bytes of content to on_data; nothing outside a part. */
static int emit(struct multipart *mp, const char *p, size_t n)
{
	if (!mp->in_part || n == 0)
		return 0;
	return callback(mp->h.on_data(mp->h.ctx, p, n));
}

static int part_begin(struct multipart *mp)
{
	struct part_headers *ph = &mp->ph;
	struct multipart_part part = {
		.name = text(&ph->name),
		.filename = ph->has_filename || ph->has_filename_ext ? text(&ph->filename) : NULL,
		.content_type = ph->has_type ? text(&ph->content_type) : NULL,
		.content_offset = mp->consumed + 1, /* after the LF step_headers is on */
	};

	if (!ph->disposition)
		return ERR_INVAL;
	mp->parts++;
	mp->in_part = 1;
	mp->matched = 0;
	mp->state = S_BODY;
	return callback(mp->h.on_begin(mp->h.ctx, &part));
}

static int part_end(struct multipart *mp)
{
	if (!mp->in_part)
		return 0;
	mp->in_part = 0;
	return callback(mp->h.on_end(mp->h.ctx));
}

/* The bytes of p[0..n) before the first CR that may start the
 * delimiter: one whose following bytes in p match it as far as they go. */
static size_t content_run(const struct multipart *mp, const char *p, size_t n)
{
	const char *cr = p, *end = p + n;
	size_t left;

	while ((cr = memchr(cr, '\r', (size_t)(end - cr))) != NULL) {
		left = (size_t)(end - cr);
		if (memcmp(cr, mp->delim, left < mp->dlen ? left : mp->dlen) == 0)
			return (size_t)(cr - p);
		cr++;
	}
	return n;
}

static int step_scan(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	size_t i = 0, run;
	int rc = 0;

	while (i < n && rc == 0 && mp->state != S_AFTER) {
		if (mp->matched == 0) {
			run = content_run(mp, p + i, n - i);
			rc = emit(mp, p + i, run);
			i += run;
			if (i < n) { /* a CR that may start the delimiter */
				i++;
				mp->matched = 1;
			}
		} else if (p[i] == mp->delim[mp->matched]) {
			i++;
			if (++mp->matched == mp->dlen)
				mp->state = S_AFTER;
		} else {
			rc = emit(mp, mp->delim, mp->matched);
			mp->matched = 0;
		}
	}
	*used = i;
	return rc;
}

static int step_after(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	(void)n;
	*used = 1;
	mp->matched = 0;
	switch (p[0]) {
	case '-':
		mp->state = S_DASH;
		return 0;
	case ' ':
	case '\t':
		mp->state = S_PAD;
		return 0;
	case '\r':
		mp->state = S_LF;
		return 0;
	}
	*used = 0; /* a near miss: the delimiter's text was content */
	mp->state = mp->in_part ? S_BODY : S_PREAMBLE;
	return emit(mp, mp->delim, mp->dlen);
}

static int step_dash(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	(void)n;
	*used = 1;
	if (p[0] != '-')
		return ERR_INVAL;
	mp->state = S_EPILOGUE;
	return part_end(mp);
}

static int step_pad(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	(void)n;
	*used = 1;
	if (p[0] == '\r')
		mp->state = S_LF;
	return is_ows(p[0]) || p[0] == '\r' ? 0 : ERR_INVAL;
}

static int step_lf(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	int rc;

	(void)n;
	*used = 1;
	if (p[0] != '\n')
		return ERR_INVAL;
	if ((rc = part_end(mp)) < 0)
		return rc;
	if (mp->parts == mp->lim.max_parts)
		return ERR_TOOBIG;
	headers_reset(&mp->ph);
	mp->line_len = mp->header_bytes = 0;
	mp->cr = 0;
	mp->state = S_HEADERS;
	return 0;
}

static int line_done(struct multipart *mp)
{
	size_t n = mp->line_len;

	mp->line_len = 0;
	return n == 0 ? part_begin(mp) : header_line(&mp->ph, mp->line, n);
}

static int step_headers(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	(void)n;
	*used = 1;
	if (++mp->header_bytes > mp->lim.max_header_bytes)
		return ERR_TOOBIG;
	if (mp->cr) {
		mp->cr = 0;
		return p[0] == '\n' ? line_done(mp) : ERR_INVAL;
	}
	if (p[0] == '\r')
		mp->cr = 1;
	else if (p[0] == '\n')
		return ERR_INVAL;
	else
		mp->line[mp->line_len++] = p[0];
	return 0;
}

static int step_epilogue(struct multipart *mp, const char *p, size_t n, size_t *used)
{
	(void)mp;
	(void)p;
	*used = n;
	return 0;
}

/* Each consumes bytes of p[0..n), n > 0, into *used, or changes state. */
static int (*const steps[])(struct multipart *, const char *, size_t, size_t *) = {
	[S_PREAMBLE] = step_scan,
	[S_BODY] = step_scan,
	[S_AFTER] = step_after,
	[S_DASH] = step_dash,
	[S_PAD] = step_pad,
	[S_LF] = step_lf,
	[S_HEADERS] = step_headers,
	[S_EPILOGUE] = step_epilogue,
};

static int fail(struct multipart *mp, int rc)
{
	mp->state = S_FAILED;
	mp->failure = rc;
	return rc;
}

int multipart_open(struct multipart **out, const char *boundary,
    const struct multipart_limits *lim, const struct multipart_handler *h)
{
	size_t blen = boundary ? strlen(boundary) : 0;
	struct multipart *mp;

	*out = NULL;
	if (!boundary_valid(boundary, blen) || lim == NULL || lim->max_parts == 0 ||
	    lim->max_header_bytes == 0 || h == NULL || h->on_begin == NULL ||
	    h->on_data == NULL || h->on_end == NULL)
		return ERR_ARG;
	if ((mp = calloc(1, sizeof *mp)) == NULL)
		return ERR_NOMEM;
	if ((mp->line = malloc(lim->max_header_bytes)) == NULL) {
		free(mp);
		return ERR_NOMEM;
	}
	mp->h = *h;
	mp->lim = *lim;
	memcpy(mp->delim, DELIM_LEAD, DELIM_LEAD_LEN);
	memcpy(mp->delim + DELIM_LEAD_LEN, boundary, blen);
	mp->dlen = DELIM_LEAD_LEN + blen;
	mp->state = S_PREAMBLE;
	mp->matched = 2; /* the CRLF the body is read as starting with */
	buf_init(&mp->ph.name, lim->max_header_bytes);
	buf_init(&mp->ph.filename, lim->max_header_bytes);
	buf_init(&mp->ph.content_type, lim->max_header_bytes);
	*out = mp;
	return 0;
}

int multipart_feed(struct multipart *mp, const char *p, size_t n)
{
	size_t i = 0, used;
	int rc;

	while (mp->state != S_FAILED && i < n) {
		if ((rc = steps[mp->state](mp, p + i, n - i, &used)) < 0)
			return fail(mp, rc);
		i += used;
		mp->consumed += used;
	}
	return mp->state == S_FAILED ? mp->failure : 0;
}

int multipart_finish(struct multipart *mp)
{
	if (mp->state == S_FAILED)
		return mp->failure;
	return mp->state == S_EPILOGUE ? 0 : fail(mp, ERR_INVAL);
}

void multipart_free(struct multipart *mp)
{
	if (mp == NULL)
		return;
	headers_reset(&mp->ph);
	free(mp->line);
	free(mp);
}
