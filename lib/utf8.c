#include <stdint.h>
#include <string.h>

#include "utf8.h"
#include "utf8_tables.h"

size_t utf8_decode(const char *p, size_t n, unsigned long *out)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char c = s[0];
	size_t len, i;
	unsigned long cp;

	*out = c;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*out = cp;
	return len;
}

size_t utf8_seq_len(const char *p, size_t n)
{
	unsigned long cp;

	return utf8_decode(p, n, &cp);
}

long utf8_count(const char *s, size_t n)
{
	long count = 0;
	size_t i = 0, len;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) { /* ASCII, most of any text: no decoding */
			i++;
			count++;
			continue;
		}
		if ((len = utf8_seq_len(s + i, n - i)) == 0)
			return -1;
		i += len;
		count++;
	}
	return count;
}

/* The index of the last of n sorted elements of size bytes at base whose
 * leading uint32_t is <= cp; n when there is none. */
static size_t floor_index(const void *base, size_t n, size_t size, unsigned long cp)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t key;

		memcpy(&key, (const char *)base + mid * size, sizeof key);
		if (key <= cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? n : lo - 1;
}

static int in_ranges(const struct utf8_range *r, size_t n, unsigned long cp)
{
	size_t i = floor_index(r, n, sizeof *r, cp);

	return i < n && cp <= r[i].last;
}

int utf8_is_format(unsigned long cp)
{
	return in_ranges(utf8_format, utf8_format_n, cp);
}

int utf8_is_ignorable(unsigned long cp)
{
	return in_ranges(utf8_ignorable, utf8_ignorable_n, cp);
}

int utf8_is_space(unsigned long cp)
{
	return in_ranges(utf8_space, utf8_space_n, cp);
}

/* The case folding of cp into to[]: how many code points (1-3). */
static size_t fold(unsigned long cp, unsigned long to[3])
{
	size_t i = floor_index(utf8_fold_full, utf8_fold_full_n, sizeof utf8_fold_full[0], cp);
	const struct utf8_fold_run *r;
	size_t k;

	if (i < utf8_fold_full_n && utf8_fold_full[i].from == cp) {
		for (k = 0; k < 3 && utf8_fold_full[i].to[k] != 0; k++)
			to[k] = utf8_fold_full[i].to[k];
		return k;
	}
	to[0] = cp;
	i = floor_index(utf8_fold_runs, utf8_fold_runs_n, sizeof utf8_fold_runs[0], cp);
	if (i == utf8_fold_runs_n)
		return 1;
	r = &utf8_fold_runs[i];
	if (cp <= r->last && (cp - r->first) % r->stride == 0)
		to[0] = (unsigned long)((long)cp + r->delta);
	return 1;
}

size_t utf8_encode(unsigned long cp, char out[4])
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

int utf8_casefold(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i = 0, k = 0, len, m;
	unsigned long cp, to[3];
	char enc[4];

	while (i < n) {
		if ((len = utf8_decode(s + i, n - i, &cp)) == 0)
			return -1;
		for (size_t j = 0, nto = fold(cp, to); j < nto; j++) {
			m = utf8_encode(to[j], enc);
			if (outlen - k <= m)
				return -1;
			memcpy(out + k, enc, m);
			k += m;
		}
		i += len;
	}
	if (outlen <= k)
		return -1;
	out[k] = '\0';
	return 0;
}
