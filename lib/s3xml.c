/*
 * s3xml: see s3xml.h. expat reads the bytes; a reader on top of it keeps
 * the path of open elements and the text directly inside the innermost one,
 * and reports each element's start and end to one of three users: the
 * error reader, the list reader and the one-value reader.
 *
 * expat is set up so that it never expands anything it did not get from
 * the input itself: a DOCTYPE stops the parse at its start (so no entity
 * is ever declared, internal or external), no external entity is read, and
 * the billion-laughs guard is armed anyway. A foreign DTD is announced and
 * never read, which makes expat report an undeclared named entity
 * (&eacute;) as skipped instead of failing: the reader keeps it as written.
 */
/* Debian builds expat with DTD support (XML_GetFeatureList names XML_DTD);
 * its header declares the billion-laughs guard only when told so. */
#define XML_DTD
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "s3xml.h"

#define MAX_PATH (S3XML_MAX_DEPTH * (S3XML_MAX_NAME + 1))
/* The billion-laughs guard: expanded bytes over input bytes may not pass
 * this once the guard is active (expat's default: 100x past 8 MiB). */
#define MAX_AMPLIFICATION 2.0f
#define AMPLIFICATION_AFTER (64u << 10)

/* One element as the reader reports it. */
struct elem {
	const char *path; /* qualified names from the root: "Error/Code" */
	int depth;        /* 1 for the root */
	const char *text; /* decoded text directly inside, NUL-terminated */
	size_t len;
	int exact;        /* 0 when an unknown entity was kept or text was cut */
};

struct reader {
	XML_Parser xml;
	int rc;     /* the first failure, 0 while none; it sticks */
	size_t fed; /* bytes read so far */
	char path[MAX_PATH + 1];
	size_t off[S3XML_MAX_DEPTH]; /* path length before each open element */
	int depth;
	struct buf text;
	int inexact;
	int (*start)(void *ctx, const struct elem *e);
	int (*finish)(void *ctx, const struct elem *e);
	void *ctx;
};

/* Records the first failure and makes expat stop at once. */
static void fail(struct reader *r, int rc)
{
	if (r->rc == 0) {
		r->rc = rc;
		(void)XML_StopParser(r->xml, XML_FALSE);
	}
}

/* Adds text, keeping at most S3XML_MAX_TEXT bytes. */
static void text_add(struct reader *r, const char *s, size_t n)
{
	size_t room = S3XML_MAX_TEXT - r->text.len;

	if (n > room) {
		n = room;
		r->inexact = 1;
	}
	if (n && buf_append(&r->text, s, n) < 0)
		fail(r, ERR_NOMEM);
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

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct reader *r = ud;
	size_t len = strlen(name), at = strlen(r->path);
	struct elem e;
	int rc;

	(void)attrs;
	if (r->rc < 0)
		return;
	if (len > S3XML_MAX_NAME || r->depth == S3XML_MAX_DEPTH) {
		fail(r, ERR_INVAL);
		return;
	}
	r->off[r->depth++] = at;
	if (at)
		r->path[at++] = '/';
	memcpy(r->path + at, name, len + 1);
	text_reset(r);
	e = current(r);
	if ((rc = r->start(r->ctx, &e)) < 0)
		fail(r, rc);
}

/* Reports the innermost element's end and pops it (expat has checked
 * that the end tag matches). */
static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct reader *r = ud;
	struct elem e = current(r);
	int rc;

	(void)name;
	if (r->rc < 0)
		return;
	if ((rc = r->finish(r->ctx, &e)) < 0)
		fail(r, rc);
	r->depth--;
	r->path[r->off[r->depth]] = '\0';
	text_reset(r);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct reader *r = ud;

	if (r->rc == 0)
		text_add(r, s, (size_t)len);
}

/* An undeclared named entity (&eacute;), kept as written. */
static void XMLCALL on_skipped(void *ud, const XML_Char *name, int parameter)
{
	struct reader *r = ud;

	if (r->rc < 0 || parameter)
		return;
	text_add(r, "&", 1);
	text_add(r, name, strlen(name));
	text_add(r, ";", 1);
	r->inexact = 1;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(ud, ERR_INVAL);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int parameter,
    const XML_Char *value, int value_len, const XML_Char *base, const XML_Char *sysid,
    const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)parameter, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	fail(ud, ERR_INVAL);
}

/* A parser for UTF-8 whatever the document declares, with the handlers
 * above and nothing that could expand or fetch an entity. NULL: no memory. */
static XML_Parser parser_new(struct reader *r)
{
	XML_Parser x = XML_ParserCreate("UTF-8");

	if (x == NULL)
		return NULL;
	XML_SetUserData(x, r);
	XML_SetElementHandler(x, on_start, on_end);
	XML_SetCharacterDataHandler(x, on_text);
	XML_SetSkippedEntityHandler(x, on_skipped);
	XML_SetStartDoctypeDeclHandler(x, on_doctype);
	XML_SetEntityDeclHandler(x, on_entity);
	if (XML_SetParamEntityParsing(x, XML_PARAM_ENTITY_PARSING_NEVER) == 0 ||
	    XML_UseForeignDTD(x, XML_TRUE) != XML_ERROR_NONE ||
	    !XML_SetBillionLaughsAttackProtectionMaximumAmplification(x, MAX_AMPLIFICATION) ||
	    !XML_SetBillionLaughsAttackProtectionActivationThreshold(x, AMPLIFICATION_AFTER)) {
		XML_ParserFree(x);
		return NULL;
	}
	return x;
}

/* Readies r (its start, finish and ctx set) for a document: 0 or
 * ERR_NOMEM, which sticks. reader_close it whatever the result. */
static int reader_open(struct reader *r)
{
	r->rc = 0;
	r->fed = 0;
	r->path[0] = '\0';
	r->depth = 0;
	r->inexact = 0;
	buf_init(&r->text, 0);
	if (buf_reserve(&r->text, S3XML_MAX_TEXT) < 0 || (r->xml = parser_new(r)) == NULL)
		r->rc = ERR_NOMEM;
	return r->rc;
}

/* Reads the next n bytes of the document, the last ones when final: 0 or
 * the first failure (ERR_TOOBIG past S3XML_MAX_INPUT), which sticks. */
static int reader_feed(struct reader *r, const char *p, size_t n, int final)
{
	if (r->rc < 0)
		return r->rc;
	if (r->xml == NULL)
		return ERR_ARG; /* never opened */
	if (n > S3XML_MAX_INPUT - r->fed)
		return r->rc = ERR_TOOBIG;
	r->fed += n;
	if (XML_Parse(r->xml, p, (int)n, final ? XML_TRUE : XML_FALSE) != XML_STATUS_OK &&
	    r->rc == 0)
		r->rc = XML_GetErrorCode(r->xml) == XML_ERROR_NO_MEMORY ? ERR_NOMEM : ERR_INVAL;
	return r->rc;
}

static void reader_close(struct reader *r)
{
	if (r->xml != NULL)
		XML_ParserFree(r->xml);
	r->xml = NULL;
	buf_free(&r->text);
}

/* Reads p[0..n) to its end, calling the user's start and finish. */
static int run(struct reader *r, const char *p, size_t n)
{
	int rc;

	if (n > S3XML_MAX_INPUT)
		return ERR_TOOBIG;
	if ((rc = reader_open(r)) == 0)
		rc = reader_feed(r, p, n, 1);
	reader_close(r);
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
	struct storage_list *out; /* the page being read */
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

struct s3xml_list {
	struct reader r;
	struct list_reader l;
	struct storage_list page;
};

/* Forgets what x read. */
static void list_clear(struct s3xml_list *x)
{
	reader_close(&x->r);
	storage_list_free(&x->page);
	free(x->l.token);
	memset(&x->l, 0, sizeof x->l);
}

int s3xml_list_start(struct s3xml_list *x)
{
	list_clear(x);
	x->l.out = &x->page;
	x->l.truncated = -1;
	x->r.start = list_start;
	x->r.finish = list_finish;
	x->r.ctx = &x->l;
	return reader_open(&x->r);
}

struct s3xml_list *s3xml_list_new(void)
{
	return calloc(1, sizeof(struct s3xml_list));
}

int s3xml_list_feed(struct s3xml_list *x, const char *p, size_t n)
{
	return reader_feed(&x->r, p, n, 0);
}

int s3xml_list_end(struct s3xml_list *x, struct storage_list *out)
{
	int rc = reader_feed(&x->r, NULL, 0, 1);

	memset(out, 0, sizeof *out);
	if (rc == 0 && x->l.truncated == 1) {
		if (x->l.token == NULL)
			return ERR_INVAL;
		x->page.next_continuation = x->l.token;
		x->l.token = NULL;
	}
	if (rc == 0) {
		*out = x->page;
		memset(&x->page, 0, sizeof x->page);
	}
	return rc;
}

void s3xml_list_free(struct s3xml_list *x)
{
	if (x == NULL)
		return;
	list_clear(x);
	free(x);
}

int s3xml_parse_list(const char *p, size_t n, struct storage_list *out)
{
	struct s3xml_list *x;
	int rc;

	memset(out, 0, sizeof *out);
	if (n > S3XML_MAX_INPUT)
		return ERR_TOOBIG;
	if ((x = s3xml_list_new()) == NULL)
		return ERR_NOMEM;
	if ((rc = s3xml_list_start(x)) == 0 && (rc = s3xml_list_feed(x, p, n)) == 0)
		rc = s3xml_list_end(x, out);
	s3xml_list_free(x);
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
