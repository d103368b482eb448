/*
 * fuzz_template: template_parse on arbitrary bytes. A template either
 * parses or is refused with a sentence naming its line; one that parses
 * renders with every placeholder given a hostile value, and no "<" of
 * that value reaches the output unescaped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

/* The names a fuzzed template is likely to use (from the seeds). */
static const struct template_var vars[] = {
	{ "a", "<x y='z'>" }, { "b", "javascript:<x>" }, { "c", "</script><x>" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TEMPLATE_ERR_LEN];
	struct template *t;
	struct buf out;
	int rc = template_parse((const char *)data, size, &t, err);

	must(rc == 0 || rc == ERR_NOMEM || (rc == ERR_INVAL && strncmp(err, "line ", 5) == 0));
	if (rc != 0)
		return 0;
	buf_init(&out, 4 * size + 4096);
	rc = template_render(t, vars, sizeof vars / sizeof vars[0], &out);
	must(rc == 0 || rc == ERR_ARG || rc == ERR_NOMEM || rc == ERR_TOOBIG);
	if (rc == 0)
		must(out.data == NULL || strstr(out.data, "<x") == NULL ||
		    memmem(data, size, "<x", 2) != NULL);
	buf_free(&out);
	template_free(t);
	return 0;
}
