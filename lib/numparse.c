#include <limits.h>

#include "errors.h"
#include "numparse.h"

int numparse_long(const char *s, size_t n, long min, long max, long *out)
{
	unsigned long v = 0, lim;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-')
		neg = 1, i = 1;
	if (i == n || n - i > 19)
		return ERR_INVAL;
	lim = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || v > (lim - d) / 10)
			return ERR_INVAL;
		v = v * 10 + d;
	}
	if (neg) {
		long r = v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
		if (r < min || r > max)
			return ERR_INVAL;
		*out = r;
		return 0;
	}
	if ((long)v < min || (long)v > max)
		return ERR_INVAL;
	*out = (long)v;
	return 0;
}
