#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "escape.h"
#include "kv.h"

static int add_pair(struct kvlist *l, const char *name, size_t nlen,
    const char *value, size_t vlen, int decode)
{
	struct buf bn, bv;
	int rc;

	if (l->n == KV_MAX_PAIRS)
		return ERR_TOOBIG;
	buf_init(&bn, KV_MAX_INPUT);
	buf_init(&bv, KV_MAX_INPUT);
	if (decode) {
		if ((rc = escape_url_decode(&bn, name, nlen, 1)) < 0 ||
		    (rc = escape_url_decode(&bv, value, vlen, 1)) < 0)
			goto err;
	} else if ((rc = buf_append(&bn, name, nlen)) < 0 ||
	    (rc = buf_append(&bv, value, vlen)) < 0) {
		goto err;
	}
	l->pairs[l->n].name = buf_detach(&bn);
	l->pairs[l->n].value = buf_detach(&bv);
	l->n++;
	return 0;
err:
	buf_free(&bn);
	buf_free(&bv);
	return rc;
}

int kv_parse_urlencoded(struct kvlist *l, const char *s, size_t n)
{
	const char *end = s + n, *amp, *eq;
	int rc;

	if (n > KV_MAX_INPUT)
		return ERR_TOOBIG;
	while (s < end) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp > s) {
			if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
				eq = amp;
			rc = add_pair(l, s, (size_t)(eq - s), eq + (eq < amp),
			    (size_t)(amp - eq - (eq < amp)), 1);
			if (rc < 0)
				return rc;
		}
		s = amp + (amp < end);
	}
	return 0;
}

static int is_cookie_space(char c) { return c == ' ' || c == '\t'; }

/* The cookies of s[0..n) into l, only those called only when not NULL. */
static int parse_cookies(struct kvlist *l, const char *s, size_t n, const char *only)
{
	const char *end = s + n, *semi, *eq, *ne, *v, *ve;
	size_t only_len = only ? strlen(only) : 0;
	int rc;

	if (n > KV_MAX_INPUT)
		return ERR_TOOBIG;
	for (; s < end; s = semi + (semi < end)) {
		if ((semi = memchr(s, ';', (size_t)(end - s))) == NULL)
			semi = end;
		while (s < semi && is_cookie_space(*s))
			s++;
		if ((eq = memchr(s, '=', (size_t)(semi - s))) == NULL || eq == s)
			continue;
		for (ne = eq; ne > s && is_cookie_space(ne[-1]); ne--)
			;
		if (only != NULL && ((size_t)(ne - s) != only_len || memcmp(s, only, only_len) != 0))
			continue;
		for (v = eq + 1; v < semi && is_cookie_space(*v); v++)
			;
		for (ve = semi; ve > v && is_cookie_space(ve[-1]); ve--)
			;
		if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
			v++, ve--;
		if (memchr(s, '\0', (size_t)(ve > s ? ve - s : 0)) != NULL)
			continue;
		if ((rc = add_pair(l, s, (size_t)(ne - s), v, (size_t)(ve - v), 0)) < 0)
			return rc;
	}
	return 0;
}

int kv_parse_cookies(struct kvlist *l, const char *s, size_t n)
{
	return parse_cookies(l, s, n, NULL);
}

int kv_parse_cookies_named(struct kvlist *l, const char *s, size_t n, const char *name)
{
	return parse_cookies(l, s, n, name);
}

const char *kv_get(const struct kvlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->pairs[i].name, name) == 0)
			return l->pairs[i].value;
	return NULL;
}

void kv_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->pairs[i].name);
		free(l->pairs[i].value);
	}
	l->n = 0;
}
