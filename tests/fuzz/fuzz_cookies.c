/*
 * fuzz_cookies: kv_parse_cookies on arbitrary bytes. Every kept cookie has
 * a non-empty name with no '=', ';' or surrounding blanks, a value with no
 * ';', and kv_get finds the first cookie by its name. Keeping only the
 * first cookie's name (kv_parse_cookies_named) keeps the same values of
 * that name, in order, however many others there are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static int blank(char c) { return c == ' ' || c == '\t'; }

static int name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && strpbrk(name, "=;") == NULL && !blank(name[0]) && !blank(name[n - 1]);
}

/* The cookies of all's first name, parsed alone, are all's of that name. */
static void check_named(const struct kvlist *all, const char *data, size_t size)
{
	struct kvlist named = { .n = 0 };
	const char *name = all->pairs[0].name;
	size_t k = 0;

	must(kv_parse_cookies_named(&named, data, size, name) == 0);
	for (size_t i = 0; i < all->n; i++) {
		if (strcmp(all->pairs[i].name, name) != 0)
			continue;
		must(k < named.n && strcmp(named.pairs[k].value, all->pairs[i].value) == 0);
		k++;
	}
	must(k == named.n);
	kv_free(&named);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist l = { .n = 0 };
	int rc = kv_parse_cookies(&l, (const char *)data, size);

	must(rc == 0 || rc == ERR_TOOBIG || rc == ERR_NOMEM);
	must(l.n <= KV_MAX_PAIRS);
	for (size_t i = 0; i < l.n; i++)
		must(l.pairs[i].name != NULL && l.pairs[i].value != NULL &&
		    name_ok(l.pairs[i].name) && strchr(l.pairs[i].value, ';') == NULL);
	if (rc == 0 && l.n > 0)
		must(kv_get(&l, l.pairs[0].name) == l.pairs[0].value);
	if (rc == 0 && l.n > 0)
		check_named(&l, (const char *)data, size);
	kv_free(&l);
	return 0;
}
