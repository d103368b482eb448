/*
 * s3xml: see s3xml.h. A reader walks the input once and reports each
 * element's start and end (with its path from the root and the decoded
 * text directly inside it) to one of two users: the error reader and the
 * list reader. XML 1.0 (Fifth Edition) is the reference for what counts
 * as a name, a reference and a CDATA section.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "escape.h"
#include "s3xml.h"
#include "utf8.h"

#define MAX_PATH (S3XML_MAX_DEPTH * (S3XML_MAX_NAME + 1))
#define MAX_ENTITY 12 /* bytes between '&' and ';': "#x10FFFF", names */

/* One element as the reader reports it. */
struct elem {
	const char *path; /* qualified names from the root: "Error/Code" */
	int depth;        /* 1 for the root */
	const char *text; /* decoded text directly inside, NUL-terminated */
	size_t len;
	int exact;        /* 0 when an unknown entity was kept or text was cut */
};

struct reader {
	const char *p, *end;
	char path[MAX_PATH + 1];
	size_t off[S3XML_MAX_DEPTH]; /* path length before each open element */
	int depth;
	int root_done;
	struct buf text;
	int inexact;
	int (*start)(void *ctx, const struct elem *e);
	int (*finish)(void *ctx, const struct elem *e);
	void *ctx;
};

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* 1 when the unread input begins with s. */
static int starts(const struct reader *r, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(r->end - r->p) >= n && memcmp(r->p, s, n) == 0;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && is_ws((unsigned char)*r->p))
		r->p++;
}

/* Moves past the first s found from skip bytes on (comments, PIs). */
static int skip_past(struct reader *r, size_t skip, const char *s)
{
	size_t n = strlen(s);
	const char *hit;

	if ((size_t)(r->end - r->p) < skip)
		return ERR_INVAL;
	hit = memmem(r->p + skip, (size_t)(r->end - r->p) - skip, s, n);
	if (hit == NULL)
		return ERR_INVAL;
	r->p = hit + n;
	return 0;
}

/* Every byte valid UTF-8, no control characters but tab, CR and LF. */
static int check_bytes(const char *p, size_t n)
{
	if (utf8_count(p, n) < 0)
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 && !is_ws(c))
			return ERR_INVAL;
	}
	return 0;
}

/* Adds decoded text, keeping at most S3XML_MAX_TEXT bytes. */
static int text_add(struct reader *r, const char *s, size_t n)
{
	size_t room = S3XML_MAX_TEXT - r->text.len;

	if (n > room) {
		n = room;
		r->inexact = 1;
	}
	return n ? buf_append(&r->text, s, n) : 0;
}

/* Appends code point cp as UTF-8; XML's Char production, less NUL. */
static int add_code_point(struct reader *r, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
	    cp == 0xffff || cp > 0x10ffff)
		return ERR_INVAL;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12)), n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18)), n = 4;
	}
	for (size_t i = 1; i < n; i++)
		u[i] = (char)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3f));
	return text_add(r, u, n);
}

/* "#233" or "#xE9" (s[0..n) without '&' and ';'). */
static int numeric_ref(struct reader *r, const char *s, size_t n)
{
	unsigned long cp = 0;
	int base = 10, d;
	size_t i = 1;

	if (n > 1 && s[1] == 'x')
		base = 16, i = 2;
	if (i == n)
		return ERR_INVAL;
	for (; i < n; i++) {
		d = base == 16 ? escape_hex_digit(s[i]) :
		    (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return ERR_INVAL;
		cp = cp * (unsigned long)base + (unsigned long)d;
		if (cp > 0x10ffff)
			return ERR_INVAL;
	}
	return add_code_point(r, cp);
}

/* A named reference: the five of XML decoded, any other kept as written. */
static int named_ref(struct reader *r, const char *s, size_t n)
{
	static const struct { const char *name; char c; } known[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' },
	};

	if (!is_name_start((unsigned char)s[0]) || s[0] == ':')
		return ERR_INVAL;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char((unsigned char)s[i]) || s[i] == ':')
			return ERR_INVAL;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i].name) == n && memcmp(known[i].name, s, n) == 0)
			return text_add(r, &known[i].c, 1);
	r->inexact = 1;
	return text_add(r, s - 1, n + 2);
}

/* At '&': one reference up to its ';'. */
static int reference(struct reader *r)
{
	size_t avail = (size_t)(r->end - r->p) - 1;
	const char *s = r->p + 1;
	const char *semi = memchr(s, ';', avail < MAX_ENTITY + 1 ? avail : MAX_ENTITY + 1);
	size_t n;
	int rc;

	if (semi == NULL || semi == s)
		return ERR_INVAL;
	n = (size_t)(semi - s);
	rc = s[0] == '#' ? numeric_ref(r, s, n) : named_ref(r, s, n);
	r->p = semi + 1;
	return rc;
}

/* Character data inside an element, up to the next '<'. */
static int read_text(struct reader *r)
{
	const char *chunk;
	int rc = 0;

	while (rc == 0 && r->p < r->end && *r->p != '<') {
		if (*r->p == '&') {
			rc = reference(r);
			continue;
		}
		chunk = r->p;
		while (r->p < r->end && *r->p != '<' && *r->p != '&')
			r->p++;
		rc = text_add(r, chunk, (size_t)(r->p - chunk));
	}
	return rc;
}

/* Outside the root only white space may stand between markup. */
static int read_outside(struct reader *r)
{
	skip_ws(r);
	return r->p < r->end && *r->p != '<' ? ERR_INVAL : 0;
}

/* At "<![CDATA[": its bytes are text as they stand. */
static int read_cdata(struct reader *r)
{
	const char *body = r->p + 9;
	int rc;

	if (r->depth == 0)
		return ERR_INVAL;
	if ((rc = skip_past(r, 9, "]]>")) < 0)
		return rc;
	return text_add(r, body, (size_t)(r->p - 3 - body));
}

static int read_name(struct reader *r, const char **name, size_t *len)
{
	const char *s = r->p;

	if (r->p >= r->end || !is_name_start((unsigned char)*r->p))
		return ERR_INVAL;
	while (r->p < r->end && is_name_char((unsigned char)*r->p))
		r->p++;
	*name = s;
	*len = (size_t)(r->p - s);
	return *len > S3XML_MAX_NAME ? ERR_INVAL : 0;
}

/* One attribute: name, '=', a quoted value without '<'. */
static int skip_attr(struct reader *r)
{
	const char *name, *close;
	size_t len;
	char q;

	if (read_name(r, &name, &len) < 0)
		return ERR_INVAL;
	skip_ws(r);
	if (r->p >= r->end || *r->p++ != '=')
		return ERR_INVAL;
	skip_ws(r);
	if (r->p >= r->end || (*r->p != '"' && *r->p != '\''))
		return ERR_INVAL;
	q = *r->p++;
	close = memchr(r->p, q, (size_t)(r->end - r->p));
	if (close == NULL || memchr(r->p, '<', (size_t)(close - r->p)) != NULL)
		return ERR_INVAL;
	r->p = close + 1;
	return 0;
}

/* After a tag's name: attributes, then '>' or "/>" (*empty set). */
static int tag_rest(struct reader *r, int *empty)
{
	const char *before;

	for (;;) {
		before = r->p;
		skip_ws(r);
		if (r->p >= r->end)
			return ERR_INVAL;
		if (*r->p == '>') {
			r->p++;
			return 0;
		}
		if (starts(r, "/>")) {
			r->p += 2;
			*empty = 1;
			return 0;
		}
		if (r->p == before || skip_attr(r) < 0)
			return ERR_INVAL;
	}
}

/* Empties the text buffer (reserved in run(), so data is never NULL). */
static void text_reset(struct reader *r)
{
	r->text.len = 0;
	r->text.data[0] = '\0';
	r->inexact = 0;
}

static struct elem current(const struct reader *r)
{
	struct elem e = { r->path, r->depth, r->text.data, r->text.len, !r->inexact };

	return e;
}

/* Reports the innermost element's end and pops it. */
static int pop(struct reader *r)
{
	struct elem e = current(r);
	int rc = r->finish(r->ctx, &e);

	r->depth--;
	r->path[r->off[r->depth]] = '\0';
	text_reset(r);
	if (r->depth == 0)
		r->root_done = 1;
	return rc;
}

/* At '<' of a start tag. */
static int open_elem(struct reader *r)
{
	const char *name;
	size_t len, at = strlen(r->path);
	int empty = 0, rc;
	struct elem e;

	r->p++;
	if (read_name(r, &name, &len) < 0 || tag_rest(r, &empty) < 0)
		return ERR_INVAL;
	if ((r->depth == 0 && r->root_done) || r->depth == S3XML_MAX_DEPTH)
		return ERR_INVAL;
	r->off[r->depth++] = at;
	if (at)
		r->path[at++] = '/';
	memcpy(r->path + at, name, len);
	r->path[at + len] = '\0';
	text_reset(r);
	e = current(r);
	if ((rc = r->start(r->ctx, &e)) < 0)
		return rc;
	return empty ? pop(r) : 0;
}

/* At "</": the name must close the innermost open element. */
static int close_elem(struct reader *r)
{
	const char *name, *last;
	size_t len;

	r->p += 2;
	if (r->depth == 0 || read_name(r, &name, &len) < 0)
		return ERR_INVAL;
	skip_ws(r);
	if (r->p >= r->end || *r->p++ != '>')
		return ERR_INVAL;
	last = r->path + r->off[r->depth - 1] + (r->depth > 1);
	if (strlen(last) != len || memcmp(last, name, len) != 0)
		return ERR_INVAL;
	return pop(r);
}

static int step(struct reader *r)
{
	if (*r->p != '<')
		return r->depth ? read_text(r) : read_outside(r);
	if (starts(r, "<?"))
		return skip_past(r, 2, "?>");
	if (starts(r, "<!--"))
		return skip_past(r, 4, "-->");
	if (starts(r, "<![CDATA["))
		return read_cdata(r);
	if (starts(r, "</"))
		return close_elem(r);
	if (starts(r, "<!"))
		return ERR_INVAL; /* DOCTYPE and declarations: refused */
	return open_elem(r);
}

/* Reads p[0..n) to its end, calling the user's start and finish. */
static int run(struct reader *r, const char *p, size_t n)
{
	int rc;

	if (n > S3XML_MAX_INPUT)
		return ERR_TOOBIG;
	if ((rc = check_bytes(p, n)) < 0)
		return rc;
	r->p = p;
	r->end = p + n;
	if (starts(r, "\xef\xbb\xbf"))
		r->p += 3;
	buf_init(&r->text, 0);
	if ((rc = buf_reserve(&r->text, S3XML_MAX_TEXT)) == 0)
		while (rc == 0 && r->p < r->end)
			rc = step(r);
	if (rc == 0 && (r->depth != 0 || !r->root_done))
		rc = ERR_INVAL;
	buf_free(&r->text);
	return rc;
}

/* ---- the error document ---- */

static int code_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':';
}

static int error_start(void *ctx, const struct elem *e)
{
	(void)ctx;
	return e->depth == 1 && strcmp(e->path, "Error") != 0 ? ERR_INVAL : 0;
}

/* Copies at most size - 1 bytes of s[0..n), cut at a character boundary. */
static void copy_cut(char *out, size_t size, const char *s, size_t n)
{
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

static int error_finish(void *ctx, const struct elem *e)
{
	struct s3xml_error *out = ctx;

	if (strcmp(e->path, "Error/Message") == 0) {
		copy_cut(out->message, sizeof out->message, e->text, e->len);
	} else if (strcmp(e->path, "Error/Code") == 0) {
		if (!e->exact || e->len == 0 || e->len >= sizeof out->code)
			return ERR_INVAL;
		for (size_t i = 0; i < e->len; i++)
			if (!code_char((unsigned char)e->text[i]))
				return ERR_INVAL;
		memcpy(out->code, e->text, e->len + 1);
	}
	return 0;
}

int s3xml_parse_error(const char *p, size_t n, struct s3xml_error *out)
{
	struct reader r = { .start = error_start, .finish = error_finish, .ctx = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = run(&r, p, n);
	if (rc == 0 && out->code[0] == '\0')
		rc = ERR_INVAL;
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- the ListObjectsV2 page ---- */

#define LIST_ROOT "ListBucketResult"

struct list_reader {
	struct storage_list *out;
	size_t keys_cap, prefixes_cap;
	int has_name;  /* the open <Contents> or <CommonPrefixes> has its name */
	int truncated; /* <IsTruncated>: -1 absent, 0 false, 1 true */
	char *token;
};

/* Appends a copy of e's text to *arr (count *n, capacity *cap). */
static int add_entry(struct list_reader *l, char ***arr, size_t *n, size_t *cap,
    const struct elem *e)
{
	char **grown, *copy;
	size_t want;

	if (l->has_name || !e->exact || e->len == 0 || e->len > STORAGE_MAX_KEY)
		return ERR_INVAL;
	if (l->out->nkeys + l->out->nprefixes >= S3XML_MAX_ENTRIES)
		return ERR_INVAL;
	if (*n == *cap) {
		want = *cap ? *cap * 2 : 16;
		if ((grown = realloc(*arr, want * sizeof *grown)) == NULL)
			return ERR_NOMEM;
		*arr = grown;
		*cap = want;
	}
	if ((copy = strdup(e->text)) == NULL)
		return ERR_NOMEM;
	(*arr)[(*n)++] = copy;
	l->has_name = 1;
	return 0;
}

static int list_start(void *ctx, const struct elem *e)
{
	struct list_reader *l = ctx;

	if (e->depth == 1 && strcmp(e->path, LIST_ROOT) != 0)
		return ERR_INVAL;
	if (strcmp(e->path, LIST_ROOT "/Contents") == 0 ||
	    strcmp(e->path, LIST_ROOT "/CommonPrefixes") == 0)
		l->has_name = 0;
	return 0;
}

static int list_flag(struct list_reader *l, const struct elem *e)
{
	if (l->truncated != -1)
		return ERR_INVAL;
	if (strcmp(e->text, "true") == 0)
		l->truncated = 1;
	else if (strcmp(e->text, "false") == 0)
		l->truncated = 0;
	else
		return ERR_INVAL;
	return 0;
}

static int list_token(struct list_reader *l, const struct elem *e)
{
	if (l->token != NULL || !e->exact || e->len == 0 || e->len > S3XML_MAX_TOKEN)
		return ERR_INVAL;
	return (l->token = strdup(e->text)) == NULL ? ERR_NOMEM : 0;
}

static int list_finish(void *ctx, const struct elem *e)
{
	struct list_reader *l = ctx;
	struct storage_list *o = l->out;

	if (strcmp(e->path, LIST_ROOT "/Contents/Key") == 0)
		return add_entry(l, &o->keys, &o->nkeys, &l->keys_cap, e);
	if (strcmp(e->path, LIST_ROOT "/CommonPrefixes/Prefix") == 0)
		return add_entry(l, &o->prefixes, &o->nprefixes, &l->prefixes_cap, e);
	if (strcmp(e->path, LIST_ROOT "/Contents") == 0 ||
	    strcmp(e->path, LIST_ROOT "/CommonPrefixes") == 0)
		return l->has_name ? 0 : ERR_INVAL;
	if (strcmp(e->path, LIST_ROOT "/IsTruncated") == 0)
		return list_flag(l, e);
	if (strcmp(e->path, LIST_ROOT "/NextContinuationToken") == 0)
		return list_token(l, e);
	return 0;
}

int s3xml_parse_list(const char *p, size_t n, struct storage_list *out)
{
	struct list_reader l = { .out = out, .truncated = -1 };
	struct reader r = { .start = list_start, .finish = list_finish, .ctx = &l };
	int rc;

	memset(out, 0, sizeof *out);
	rc = run(&r, p, n);
	if (rc == 0 && l.truncated == 1) {
		if (l.token == NULL)
			rc = ERR_INVAL;
		out->next_continuation = l.token;
		l.token = NULL;
	}
	free(l.token);
	if (rc < 0)
		storage_list_free(out);
	return rc;
}

/* ---- one element's text ---- */

struct text_reader {
	const char *path;
	char *out;
	size_t cap;
	int found;
};

static int text_start(void *ctx, const struct elem *e)
{
	const struct text_reader *t = ctx;
	size_t root = strcspn(t->path, "/");

	return e->depth == 1 && (strlen(e->path) != root || memcmp(e->path, t->path, root) != 0) ?
	    ERR_INVAL : 0;
}

static int text_finish(void *ctx, const struct elem *e)
{
	struct text_reader *t = ctx;

	if (strcmp(e->path, t->path) != 0 || t->found)
		return 0;
	if (!e->exact || e->len == 0 || e->len >= t->cap)
		return ERR_INVAL;
	for (size_t i = 0; i < e->len; i++)
		if ((unsigned char)e->text[i] < 0x21 || (unsigned char)e->text[i] > 0x7e)
			return ERR_INVAL;
	memcpy(t->out, e->text, e->len + 1);
	t->found = 1;
	return 0;
}

int s3xml_parse_text(const char *p, size_t n, const char *path, char *out, size_t cap)
{
	struct text_reader t = { path, out, cap, 0 };
	struct reader r = { .start = text_start, .finish = text_finish, .ctx = &t };
	int rc;

	if (cap == 0)
		return ERR_INVAL;
	out[0] = '\0';
	rc = run(&r, p, n);
	if (rc == 0 && !t.found)
		rc = ERR_INVAL;
	if (rc < 0)
		out[0] = '\0';
	return rc;
}
