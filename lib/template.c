#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "escape.h"
#include "template.h"

/* How a placeholder's value is written. */
enum ctx { C_TEXT, C_ATTR, C_URL, C_URL_PART, C_JS };

/* Where the scanner is in the HTML. */
enum state { S_TEXT, S_TAG, S_AFTER_EQ, S_VALUE, S_UNQUOTED, S_COMMENT, S_SCRIPT, S_STYLE };

#define WORD_MAX 16

struct scan {
	enum state st;
	int line;
	char tag[WORD_MAX + 1];  /* the tag's name, lowercase, cut */
	int in_tag_name, closing;
	char attr[WORD_MAX + 1]; /* the attribute being read, lowercase, cut */
	int attr_sep;            /* a space since the last name character */
	char quote;              /* of the attribute value */
	int value_empty;         /* nothing in the value yet */
	char js_quote;           /* the string the script is in, or 0 */
	int js_escape;
};

struct seg {
	size_t off, len;                  /* literal: text[off..off+len) */
	char name[TEMPLATE_NAME_MAX + 1]; /* "" for a literal */
	enum ctx ctx;
};

struct template {
	char *text;
	struct seg *segs;
	size_t n, cap;
};

static void add_char(char *word, char c)
{
	size_t n = strlen(word);

	if (n < WORD_MAX) {
		word[n] = (char)tolower((unsigned char)c);
		word[n + 1] = '\0';
	}
}

static int starts(const char *p, size_t left, const char *s)
{
	size_t n = strlen(s);

	return left >= n && strncasecmp(p, s, n) == 0;
}

static void end_tag(struct scan *sc)
{
	sc->st = S_TEXT;
	if (!sc->closing && strcmp(sc->tag, "script") == 0) {
		sc->st = S_SCRIPT;
		sc->js_quote = 0;
	} else if (!sc->closing && strcmp(sc->tag, "style") == 0) {
		sc->st = S_STYLE;
	}
}

/* Enters a tag whose name starts after skip bytes. */
static size_t open_tag(struct scan *sc, int closing, size_t skip)
{
	sc->st = S_TAG;
	sc->tag[0] = sc->attr[0] = '\0';
	sc->in_tag_name = 1;
	sc->closing = closing;
	sc->attr_sep = 1;
	return skip;
}

static size_t step_tag(struct scan *sc, char c)
{
	if (sc->in_tag_name && (isalnum((unsigned char)c) || c == '-')) {
		add_char(sc->tag, c);
		return 1;
	}
	sc->in_tag_name = 0;
	if (c == '>')
		end_tag(sc);
	else if (c == '=')
		sc->st = S_AFTER_EQ;
	else if (isspace((unsigned char)c) || c == '/')
		sc->attr_sep = 1;
	else {
		if (sc->attr_sep)
			sc->attr[0] = '\0';
		sc->attr_sep = 0;
		add_char(sc->attr, c);
	}
	return 1;
}

static size_t step_after_eq(struct scan *sc, char c)
{
	if (c == '"' || c == '\'') {
		sc->st = S_VALUE;
		sc->quote = c;
		sc->value_empty = 1;
	} else if (c == '>') {
		end_tag(sc);
	} else if (!isspace((unsigned char)c)) {
		sc->st = S_UNQUOTED;
	}
	return 1;
}

static size_t step_script(struct scan *sc, const char *p, size_t left)
{
	char c = *p;

	if (sc->js_quote) {
		if (sc->js_escape)
			sc->js_escape = 0;
		else if (c == '\\')
			sc->js_escape = 1;
		else if (c == sc->js_quote)
			sc->js_quote = 0;
		return 1;
	}
	if (starts(p, left, "</script")) {
		open_tag(sc, 1, 0);
		strcpy(sc->tag, "script");
		sc->in_tag_name = 0;
		return 8;
	}
	if (c == '"' || c == '\'' || c == '`')
		sc->js_quote = c;
	return 1;
}

/* Moves the scanner over the literal bytes at p; returns how many. */
static size_t step(struct scan *sc, const char *p, size_t left)
{
	char c = *p;

	if (c == '\n')
		sc->line++;
	switch (sc->st) {
	case S_TEXT:
		if (starts(p, left, "<!--")) {
			sc->st = S_COMMENT;
			return 4;
		}
		if (c == '<' && left > 1 && (isalpha((unsigned char)p[1]) || p[1] == '/'))
			return open_tag(sc, p[1] == '/', p[1] == '/' ? 2 : 1);
		return 1;
	case S_TAG:
		return step_tag(sc, c);
	case S_AFTER_EQ:
		return step_after_eq(sc, c);
	case S_VALUE:
		if (c == sc->quote) {
			sc->st = S_TAG;
			sc->attr_sep = 1;
		}
		sc->value_empty = 0;
		return 1;
	case S_UNQUOTED:
		if (c == '>')
			end_tag(sc);
		else if (isspace((unsigned char)c))
			sc->st = S_TAG;
		return 1;
	case S_COMMENT:
		if (starts(p, left, "-->")) {
			sc->st = S_TEXT;
			return 3;
		}
		return 1;
	case S_SCRIPT:
		return step_script(sc, p, left);
	case S_STYLE:
		return starts(p, left, "</style") ? open_tag(sc, 1, 2) : 1;
	}
	return 1;
}

static int is_url_attr(const char *a)
{
	static const char *const urls[] = { "href", "src", "action", "formaction", "poster",
		"cite", NULL };

	for (size_t i = 0; urls[i]; i++)
		if (strcmp(a, urls[i]) == 0)
			return 1;
	return 0;
}

/* The context of a placeholder where sc is, or -1 where none may be. */
static int context(const struct scan *sc)
{
	if (sc->st == S_TEXT)
		return C_TEXT;
	if (sc->st == S_SCRIPT)
		return sc->js_quote == '"' || sc->js_quote == '\'' ? C_JS : -1;
	if (sc->st != S_VALUE || sc->attr[0] == '\0' || strcmp(sc->attr, "style") == 0 ||
	    strncmp(sc->attr, "on", 2) == 0)
		return -1;
	if (is_url_attr(sc->attr))
		return sc->value_empty ? C_URL : C_URL_PART;
	return C_ATTR;
}

static int push(struct template *t, size_t off, size_t len, const char *name, enum ctx ctx)
{
	struct seg *s;

	if (name == NULL && len == 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		if ((s = realloc(t->segs, cap * sizeof *s)) == NULL)
			return ERR_NOMEM;
		t->segs = s;
		t->cap = cap;
	}
	s = &t->segs[t->n++];
	s->off = off;
	s->len = len;
	snprintf(s->name, sizeof s->name, "%s", name ? name : "");
	s->ctx = ctx;
	return 0;
}

/* The placeholder at p ("{{"), its name into name; its length, or 0 when
 * it is malformed. */
static size_t placeholder(const char *p, size_t left, char name[TEMPLATE_NAME_MAX + 1])
{
	size_t i = 2, k = 0;

	while (i < left && p[i] == ' ')
		i++;
	if (i >= left || !(isalpha((unsigned char)p[i]) || p[i] == '_'))
		return 0;
	while (i < left && (isalnum((unsigned char)p[i]) || p[i] == '_')) {
		if (k == TEMPLATE_NAME_MAX)
			return 0;
		name[k++] = p[i++];
	}
	name[k] = '\0';
	while (i < left && p[i] == ' ')
		i++;
	return i + 1 < left && p[i] == '}' && p[i + 1] == '}' ? i + 2 : 0;
}

static int fail(char err[TEMPLATE_ERR_LEN], int line, const char *why)
{
	snprintf(err, TEMPLATE_ERR_LEN, "line %d: %s", line, why);
	return ERR_INVAL;
}

static int compile(struct template *t, size_t n, char err[TEMPLATE_ERR_LEN])
{
	struct scan sc = { .st = S_TEXT, .line = 1 };
	char name[TEMPLATE_NAME_MAX + 1];
	size_t i = 0, lit = 0, len;
	int ctx, rc;

	while (i < n) {
		if (!(t->text[i] == '{' && i + 1 < n && t->text[i + 1] == '{')) {
			len = step(&sc, t->text + i, n - i);
			i += len < n - i ? len : n - i;
			continue;
		}
		if ((len = placeholder(t->text + i, n - i, name)) == 0)
			return fail(err, sc.line, "\"{{\" without a name and \"}}\"");
		if ((ctx = context(&sc)) < 0)
			return fail(err, sc.line, "a placeholder where none may be");
		if ((rc = push(t, lit, i - lit, NULL, C_TEXT)) < 0 ||
		    (rc = push(t, 0, 0, name, (enum ctx)ctx)) < 0)
			return rc;
		sc.value_empty = 0;
		i += len;
		lit = i;
	}
	return push(t, lit, n - lit, NULL, C_TEXT);
}

int template_parse(const char *text, size_t n, struct template **out,
    char err[TEMPLATE_ERR_LEN])
{
	struct template *t;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (n > TEMPLATE_MAX)
		return fail(err, 0, "the template is too large");
	if (memchr(text, '\0', n) != NULL)
		return fail(err, 0, "the template holds a NUL byte");
	if ((t = calloc(1, sizeof *t)) == NULL || (t->text = malloc(n + 1)) == NULL) {
		free(t);
		return ERR_NOMEM;
	}
	memcpy(t->text, text, n);
	t->text[n] = '\0';
	if ((rc = compile(t, n, err)) < 0) {
		template_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name), base = strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

	return base > 0 && n - base == 5 && strcmp(name + base, ".html") == 0;
}

/* The bytes of path into *text (caller frees). */
static int slurp(const char *path, char **text, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	int rc = 0;

	if (f == NULL)
		return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
	if ((buf = malloc(TEMPLATE_MAX + 1)) == NULL)
		rc = ERR_NOMEM;
	else if ((*n = fread(buf, 1, TEMPLATE_MAX + 1, f)) > TEMPLATE_MAX || ferror(f))
		rc = ERR_IO;
	fclose(f);
	if (rc < 0)
		free(buf);
	else
		*text = buf;
	return rc;
}

/* The bytes of dir/name into *text (caller frees). */
static int read_named(const char *dir, const char *name, char **text, size_t *n)
{
	char path[4096];

	if (!name_ok(name) || snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return ERR_ARG;
	return slurp(path, text, n);
}

/* The part named at p ("{{>", up to end) appended to out; its length
 * into *len. A part includes no other. */
static int include(const char *dir, const char *p, const char *end, struct buf *out,
    size_t *len)
{
	char name[TEMPLATE_NAME_MAX + 8], *text = NULL;
	size_t i = 3, k, n = 0;
	int rc;

	while (p + i < end && p[i] == ' ')
		i++;
	for (k = 0; p + i < end && k < TEMPLATE_NAME_MAX && (isalnum((unsigned char)p[i]) ||
	    p[i] == '_' || p[i] == '-'); k++)
		name[k] = p[i++];
	while (p + i < end && p[i] == ' ')
		i++;
	if (k == 0 || p + i + 1 >= end || p[i] != '}' || p[i + 1] != '}')
		return ERR_INVAL;
	memcpy(name + k, ".html", 6);
	*len = i + 2;
	if ((rc = read_named(dir, name, &text, &n)) < 0)
		return rc == ERR_NOTFOUND || rc == ERR_ARG ? ERR_INVAL : rc;
	rc = memmem(text, n, "{{>", 3) != NULL ? ERR_INVAL : buf_append(out, text, n);
	free(text);
	return rc;
}

/* text[0..n) with every "{{> part}}" replaced by dir/part.html into out. */
static int expand(const char *dir, const char *text, size_t n, struct buf *out)
{
	const char *p = text, *end = text + n, *at;
	size_t len;
	int rc;

	while ((at = memmem(p, (size_t)(end - p), "{{>", 3)) != NULL) {
		if ((rc = buf_append(out, p, (size_t)(at - p))) < 0 ||
		    (rc = include(dir, at, end, out, &len)) < 0)
			return rc;
		p = at + len;
	}
	return buf_append(out, p, (size_t)(end - p));
}

int template_load(const char *dir, const char *name, struct template **out,
    char err[TEMPLATE_ERR_LEN])
{
	char why[TEMPLATE_ERR_LEN] = "an include names no part of the directory";
	char *text = NULL;
	struct buf all;
	size_t n = 0;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if ((rc = read_named(dir, name, &text, &n)) < 0)
		return rc;
	buf_init(&all, TEMPLATE_MAX);
	if ((rc = expand(dir, text, n, &all)) == 0)
		rc = template_parse(all.data ? all.data : "", all.len, out, why);
	if (rc == ERR_INVAL || rc == ERR_TOOBIG)
		snprintf(err, TEMPLATE_ERR_LEN, "%.32s: %.90s", name, why);
	rc = rc == ERR_TOOBIG ? ERR_INVAL : rc;
	buf_free(&all);
	free(text);
	return rc;
}

static const char *lookup(const struct template_var *vars, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

/* v when a browser may follow it from an attribute as a link, else a
 * URL that goes nowhere. */
static const char *safe_url(const char *v)
{
	if (strncasecmp(v, "https://", 8) == 0 || strncasecmp(v, "http://", 7) == 0 ||
	    v[0] == '#' || (v[0] == '/' && v[1] != '/' && v[1] != '\\'))
		return v;
	return "about:invalid";
}

static int put_value(struct buf *out, enum ctx ctx, const char *v)
{
	size_t n = strlen(v);

	switch (ctx) {
	case C_TEXT: return escape_html_text(out, v, n);
	case C_ATTR: return escape_html_attr(out, v, n);
	case C_URL: v = safe_url(v); return escape_html_attr(out, v, strlen(v));
	case C_URL_PART: return escape_url_query(out, v, n);
	case C_JS: return escape_js_string(out, v, n);
	}
	return ERR_INTERNAL;
}

int template_render(const struct template *t, const struct template_var *vars, size_t n,
    struct buf *out)
{
	const char *v;
	int rc = 0;

	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const struct seg *s = &t->segs[i];

		if (s->name[0] == '\0')
			rc = buf_append(out, t->text + s->off, s->len);
		else if ((v = lookup(vars, n, s->name)) == NULL)
			rc = ERR_ARG;
		else
			rc = put_value(out, s->ctx, v);
	}
	return rc;
}

void template_free(struct template *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->segs);
	free(t);
}
