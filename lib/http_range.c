#include <string.h>
#include <strings.h>

#include "http_range.h"

static size_t skip_ows(const char *h, size_t n, size_t i)
{
	while (i < n && (h[i] == ' ' || h[i] == '\t'))
		i++;
	return i;
}

/* The digits at h[*i..n) into *v (saturating), *i past them; 1 when any. */
static int digits(const char *h, size_t n, size_t *i, uint64_t *v)
{
	size_t start = *i;

	*v = 0;
	for (; *i < n && h[*i] >= '0' && h[*i] <= '9'; (*i)++)
		*v = *v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : *v * 10 + (uint64_t)(h[*i] - '0');
	return *i > start;
}

/* One range-spec at h[*i..n) ("a-b", "a-" or "-b"), *i past it: 1 when
 * well formed (b >= a when both are there), else 0. */
static int range_spec(const char *h, size_t n, size_t *i, int has[2], uint64_t v[2])
{
	has[0] = digits(h, n, i, &v[0]);
	if (*i >= n || h[*i] != '-')
		return 0;
	(*i)++;
	has[1] = digits(h, n, i, &v[1]);
	return (has[0] || has[1]) && !(has[0] && has[1] && v[1] < v[0]);
}

/* 1 when the well-formed range has[], v[] names bytes of an entity of
 * length, which then go into *out. */
static int satisfiable(const int has[2], const uint64_t v[2], uint64_t length,
    struct http_range *out)
{
	if (!has[0]) {
		if (v[1] == 0 || length == 0)
			return 0;
		out->first = v[1] >= length ? 0 : length - v[1];
		out->last = length - 1;
		return 1;
	}
	if (v[0] >= length)
		return 0;
	out->first = v[0];
	out->last = has[1] && v[1] < length - 1 ? v[1] : length - 1;
	return 1;
}

enum http_range_kind http_range_parse(const char *h, size_t n, uint64_t length,
    struct http_range *out)
{
	struct http_range r, first = { 0, 0 };
	size_t i = 6, count = 0, good = 0;
	uint64_t v[2];
	int has[2];

	if (h == NULL || n > HTTP_RANGE_MAX_HEADER || n < 6 || strncasecmp(h, "bytes=", 6) != 0)
		return HTTP_RANGE_WHOLE;
	/* 1#range-spec: empty list elements are allowed */
	while ((i = skip_ows(h, n, i)) < n) {
		if (h[i] == ',') {
			i++;
			continue;
		}
		if (!range_spec(h, n, &i, has, v))
			return HTTP_RANGE_UNSATISFIABLE;
		if (satisfiable(has, v, length, &r) && good++ == 0)
			first = r;
		count++;
		if ((i = skip_ows(h, n, i)) < n && h[i] != ',')
			return HTTP_RANGE_UNSATISFIABLE;
	}
	if (good == 0)
		return HTTP_RANGE_UNSATISFIABLE;
	if (count > 1)
		return HTTP_RANGE_WHOLE;
	*out = first;
	return HTTP_RANGE_PARTIAL;
}

/* etagc: %x21 / %x23-7E / obs-text */
static int is_etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* Length of the entity-tag that starts s[0..n), 0 when none does; *weak
 * says whether it had W/. */
static size_t etag_len(const char *s, size_t n, int *weak)
{
	size_t i;

	*weak = n >= 2 && s[0] == 'W' && s[1] == '/';
	i = *weak ? 2 : 0;
	if (i >= n || s[i] != '"')
		return 0;
	for (i++; i < n && s[i] != '"'; i++)
		if (!is_etagc((unsigned char)s[i]))
			return 0;
	return i < n ? i + 1 : 0;
}

int http_etag_valid(const char *s, size_t n, int strong_only)
{
	int weak;

	return s != NULL && n > 0 && etag_len(s, n, &weak) == n && !(weak && strong_only);
}

/* 1 when entity-tags a[0..an) and b[0..bn), both valid, have the same
 * opaque tag (weak comparison). */
static int weak_equal(const char *a, size_t an, const char *b, size_t bn)
{
	if (a[0] == 'W')
		a += 2, an -= 2;
	if (b[0] == 'W')
		b += 2, bn -= 2;
	return an == bn && memcmp(a, b, an) == 0;
}

int http_if_none_match(const char *h, size_t n, const char *etag)
{
	size_t i, len, elen = etag != NULL ? strlen(etag) : 0;
	int weak;

	if (h == NULL || n > HTTP_RANGE_MAX_HEADER || !http_etag_valid(etag, elen, 0))
		return 0;
	i = skip_ows(h, n, 0);
	if (i < n && h[i] == '*')
		return skip_ows(h, n, i + 1) == n;
	while (i < n) {
		if (h[i] == ',') {
			i = skip_ows(h, n, i + 1);
			continue;
		}
		if ((len = etag_len(h + i, n - i, &weak)) == 0)
			return 0;
		if (weak_equal(h + i, len, etag, elen))
			return 1;
		i = skip_ows(h, n, i + len);
		if (i < n && h[i] != ',')
			return 0;
	}
	return 0;
}

int http_if_range(const char *h, size_t n, const char *etag, const char *last_modified)
{
	size_t i;

	if (h == NULL)
		return 1;
	if (n > HTTP_RANGE_MAX_HEADER)
		return 0;
	i = skip_ows(h, n, 0);
	while (n > i && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	h += i;
	n -= i;
	/* an entity-tag (strong comparison: a weak one never matches) */
	if (n > 0 && (h[0] == '"' || (n >= 2 && h[0] == 'W' && h[1] == '/')))
		return etag != NULL && http_etag_valid(h, n, 1) && strlen(etag) == n &&
		    memcmp(h, etag, n) == 0;
	return last_modified != NULL && strlen(last_modified) == n &&
	    memcmp(h, last_modified, n) == 0;
}
