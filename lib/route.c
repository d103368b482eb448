#include <string.h>

#include "errors.h"
#include "escape.h"
#include "request.h"
#include "route.h"

/* Length of the segment starting at s (up to '/' or the end). */
static size_t seglen(const char *s)
{
	const char *e = strchr(s, '/');

	return e ? (size_t)(e - s) : strlen(s);
}

static int capture(struct request *req, size_t i, const char *s, size_t n)
{
	int rc;

	if (req == NULL)
		return 0;
	if (i >= REQUEST_MAX_CAPTURES)
		return ERR_INTERNAL;
	req->captures[i] = NULL;
	buf_free(&req->capture_buf[i]);
	if ((rc = escape_url_decode(&req->capture_buf[i], s, n, 0)) < 0)
		return rc;
	req->captures[i] = req->capture_buf[i].data;
	return 0;
}

/* route_match's walk; captures go into req when it is not NULL. */
static int match_segments(const char *pattern, const char *path, struct request *req)
{
	size_t pl, sl, ncap = 0;
	int rc;

	if (*pattern != '/' || *path != '/')
		return 0;
	while (*pattern == '/' && *path == '/') {
		pattern++, path++;
		pl = seglen(pattern);
		sl = seglen(path);
		if (pl == 1 && *pattern == '*') {
			if (sl == 0)
				return 0;
			if ((rc = capture(req, ncap++, path, sl)) < 0)
				return rc;
		} else if (pl != sl || memcmp(pattern, path, pl) != 0) {
			return 0;
		}
		pattern += pl;
		path += sl;
	}
	return *pattern == '\0' && *path == '\0';
}

int route_match(const char *pattern, const char *path, struct request *req)
{
	int m = match_segments(pattern, path, NULL);

	/* Decode only once the whole path matched: a bad escape in a path
	 * that does not match is no error. */
	if (m != 1 || req == NULL)
		return m;
	return match_segments(pattern, path, req);
}
