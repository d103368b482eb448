/*
 * template: logic-less HTML templates. A template is HTML text with
 * {{name}} placeholders (name: a letter or '_', then letters, digits and
 * '_'; spaces inside the braces are allowed). Each placeholder is escaped
 * for where it stands, found when the template is parsed, through the
 * one escaping module (lib/escape.h):
 *
 *   HTML text                        escape_html_text
 *   a quoted attribute value         escape_html_attr
 *   the start of a quoted URL        a path of this site ("/..." but not
 *     attribute (href, src, action,  "//"), an http(s) URL or a "#"
 *     formaction, poster, cite)      fragment, else "about:invalid";
 *                                    then escape_html_attr
 *   later in such a URL              escape_url_query
 *   a quoted string inside <script>  escape_js_string
 *
 * Anywhere else (a tag or attribute name, an unquoted attribute, an
 * event handler or style attribute, a comment, <style>, script code
 * outside a string) a placeholder is an error of the template, reported
 * by template_parse with its line. There is no unescaped output.
 *
 * struct template owns a copy of its text; template_free frees it.
 * Rendering appends to a caller-owned struct buf, whose cap bounds it.
 */
#ifndef CHATS3_TEMPLATE_H
#define CHATS3_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

struct template;

#define TEMPLATE_MAX (256 * 1024)  /* bytes of a template */
#define TEMPLATE_NAME_MAX 32       /* bytes of a placeholder's name */
#define TEMPLATE_ERR_LEN 128

struct template_var {
	const char *name;
	const char *value; /* UTF-8 text; NULL counts as "" */
};

/* Parses text[0..n) into *out. 0; ERR_INVAL with a sentence naming the
 * line in err (a placeholder where none may be, an unclosed "{{", a bad
 * name, a template over TEMPLATE_MAX); ERR_NOMEM. */
int template_parse(const char *text, size_t n, struct template **out,
    char err[TEMPLATE_ERR_LEN]);

/* Reads and parses dir/name (name: letters, digits, '-', '_' and one
 * ".html"). Each "{{> part}}" in it is first replaced by the bytes of
 * dir/part.html (which includes no other part): the pages' shared head.
 * ERR_NOTFOUND when there is no such file, ERR_IO, or as template_parse
 * (err then names the file; ERR_INVAL too for an include of no part, and
 * lines count in the text with its parts in). */
int template_load(const char *dir, const char *name, struct template **out,
    char err[TEMPLATE_ERR_LEN]);

/* Appends t filled with vars[0..n) to out. ERR_ARG when a placeholder has
 * no var (the caller's bug), ERR_TOOBIG past out's cap, ERR_NOMEM. */
int template_render(const struct template *t, const struct template_var *vars, size_t n,
    struct buf *out);

/* Frees t; NULL is fine. */
void template_free(struct template *t);

#endif
