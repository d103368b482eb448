/*
 * test_template: each placeholder escaped for where it stands (text,
 * attribute, URL start and rest, script string), templates with a
 * placeholder where none may be refused with their line, missing vars,
 * the output cap, and loading from a directory with its parts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "template.h"
#include "tmpdir.h"

static const struct template_var vars[] = {
	{ "x", "<a href=\"y\">&'" },
	{ "url", "javascript:alert(1)" },
	{ "path", "/room/a b" },
	{ "name", "Zoë" },
	{ "none", NULL },
};
#define NVARS (sizeof vars / sizeof vars[0])

static const struct {
	int line;
	const char *desc;
	const char *tpl;
	const char *want; /* NULL: the parse fails */
} cases[] = {
	{ __LINE__, "no placeholder", "<p>hi</p>", "<p>hi</p>" },
	{ __LINE__, "HTML text", "<p>{{x}}</p>", "<p>&lt;a href=\"y\"&gt;&amp;'</p>" },
	{ __LINE__, "spaces in braces", "<p>{{ name }}</p>", "<p>Zoë</p>" },
	{ __LINE__, "NULL value is empty", "<p>[{{none}}]</p>", "<p>[]</p>" },
	{ __LINE__, "attribute", "<b title=\"{{x}}\">", "<b title=\"&lt;a href=&quot;y&quot;&gt;&amp;&#39;\">" },
	{ __LINE__, "single-quoted attribute", "<b title='{{name}}'>", "<b title='Zoë'>" },
	{ __LINE__, "javascript: URL refused", "<a href=\"{{url}}\">", "<a href=\"about:invalid\">" },
	{ __LINE__, "a path of this site kept", "<a href=\"{{path}}\">", "<a href=\"/room/a b\">" },
	{ __LINE__, "later in a URL: a component", "<a href=\"/join?c={{path}}\">",
	  "<a href=\"/join?c=%2Froom%2Fa%20b\">" },
	{ __LINE__, "src attribute too", "<img src=\"{{url}}\">", "<img src=\"about:invalid\">" },
	{ __LINE__, "script string", "<script>var a = \"{{x}}\";</script>",
	  "<script>var a = \"\\u003ca href=\\u0022y\\u0022\\u003e\\u0026\\u0027\";</script>" },
	{ __LINE__, "text after a script", "<script>\"a\"</script><p>{{name}}</p>",
	  "<script>\"a\"</script><p>Zoë</p>" },
	{ __LINE__, "attribute after another", "<b class=\"c\" title=\"{{name}}\">",
	  "<b class=\"c\" title=\"Zoë\">" },
	{ __LINE__, "a lone brace is text", "<p>{ {x} }</p>", "<p>{ {x} }</p>" },
	{ __LINE__, "text after a comment", "<!-- c --><p>{{name}}</p>", "<!-- c --><p>Zoë</p>" },
	{ __LINE__, "in a tag", "<b {{x}}>", NULL },
	{ __LINE__, "in a tag name", "<b{{x}}>", NULL },
	{ __LINE__, "no tag without a name", "<{{name}}>", "<Zoë>" },
	{ __LINE__, "unquoted attribute", "<b title={{x}}>", NULL },
	{ __LINE__, "event handler", "<b onclick=\"{{x}}\">", NULL },
	{ __LINE__, "style attribute", "<b style=\"{{x}}\">", NULL },
	{ __LINE__, "in a comment", "<!-- {{x}} -->", NULL },
	{ __LINE__, "script code", "<script>var a = {{x}};</script>", NULL },
	{ __LINE__, "template literal", "<script>`{{x}}`</script>", NULL },
	{ __LINE__, "style element", "<style>{{x}}</style>", NULL },
	{ __LINE__, "unclosed", "<p>{{x</p>", NULL },
	{ __LINE__, "empty name", "<p>{{}}</p>", NULL },
	{ __LINE__, "bad name", "<p>{{a-b}}</p>", NULL },
	{ __LINE__, "name too long", "<p>{{abcdefghijabcdefghijabcdefghijabc}}</p>", NULL },
};

static void test_cases(void)
{
	char err[TEMPLATE_ERR_LEN];
	struct template *t;
	struct buf out;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = template_parse(cases[i].tpl, strlen(cases[i].tpl), &t, err);

		CHECK_AT(cases[i].line, (rc == 0) == (cases[i].want != NULL));
		if (rc == 0 && cases[i].want == NULL)
			template_free(t);
		if (rc != 0 || cases[i].want == NULL) {
			CHECK_AT(cases[i].line, rc == ERR_INVAL && strncmp(err, "line 1: ", 8) == 0);
			continue;
		}
		buf_init(&out, 0);
		CHECK_AT(cases[i].line, template_render(t, vars, NVARS, &out) == 0);
		CHECK_STR(cases[i].line, out.data ? out.data : "", cases[i].want);
		buf_free(&out);
		template_free(t);
	}
}

static void test_errors(void)
{
	static const char multi[] = "<p>\n\n<b {{x}}>";
	char err[TEMPLATE_ERR_LEN];
	struct template *t;
	struct buf out;

	CHECK(template_parse(multi, strlen(multi), &t, err) == ERR_INVAL);
	CHECK_STR(__LINE__, err, "line 3: a placeholder where none may be");
	CHECK(template_parse("a\0b", 3, &t, err) == ERR_INVAL && t == NULL);
	CHECK(template_parse("<p>{{missing}}</p>", 18, &t, err) == 0);
	buf_init(&out, 0);
	CHECK(template_render(t, vars, NVARS, &out) == ERR_ARG);
	buf_free(&out);
	template_free(t);
	CHECK(template_parse("<p>{{x}}</p>", 12, &t, err) == 0);
	buf_init(&out, 10);
	CHECK(template_render(t, vars, NVARS, &out) == ERR_TOOBIG);
	buf_free(&out);
	template_free(t);
	template_free(NULL);
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[TMPDIR_MAX + 32];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_load(void)
{
	char dir[TMPDIR_MAX], err[TEMPLATE_ERR_LEN];
	struct template *t;
	struct buf out;

	CHECK(tmpdir_make(dir, "test_template") == 0);
	CHECK(write_file(dir, "page.html", "<p>{{name}}</p>") == 0);
	CHECK(write_file(dir, "broken.html", "<b {{name}}>") == 0);
	CHECK(template_load(dir, "page.html", &t, err) == 0 && t != NULL);
	template_free(t);
	CHECK(template_load(dir, "absent.html", &t, err) == ERR_NOTFOUND && t == NULL);
	CHECK(template_load(dir, "broken.html", &t, err) == ERR_INVAL);
	CHECK_STR(__LINE__, err, "broken.html: line 1: a placeholder where none may be");
	CHECK(write_file(dir, "_part.html", "<p>{{name}}</p>") == 0);
	CHECK(write_file(dir, "inc.html", "{{> _part}}<b>{{ name }}</b>{{>_part }}") == 0);
	CHECK(write_file(dir, "nested.html", "{{> inc}}") == 0);
	CHECK(write_file(dir, "nopart.html", "{{> absent}}") == 0);
	CHECK(template_load(dir, "inc.html", &t, err) == 0);
	buf_init(&out, 0);
	CHECK(template_render(t, vars, NVARS, &out) == 0);
	CHECK_STR(__LINE__, out.data, "<p>Zoë</p><b>Zoë</b><p>Zoë</p>");
	buf_free(&out);
	template_free(t);
	CHECK(template_load(dir, "nested.html", &t, err) == ERR_INVAL && t == NULL);
	CHECK(template_load(dir, "nopart.html", &t, err) == ERR_INVAL);
	CHECK_STR(__LINE__, err, "nopart.html: an include names no part of the directory");
	CHECK(template_load(dir, "../page.html", &t, err) == ERR_ARG);
	CHECK(template_load(dir, "page.txt", &t, err) == ERR_ARG);
	tmpdir_remove(dir);
}

int main(void)
{
	test_cases();
	test_errors();
	test_load();
	return check_done("test_template");
}
