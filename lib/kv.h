/*
 * kv: decoded name/value pairs from the untrusted syntaxes of a request:
 * application/x-www-form-urlencoded (query strings and form bodies) and the
 * Cookie header (RFC 6265 section 5.4).
 *
 * A struct kvlist owns copies of every name and value (NUL-terminated, no
 * embedded NUL). Parsing is bounded: at most KV_MAX_PAIRS pairs and
 * KV_MAX_INPUT input bytes; past either the parse fails with ERR_TOOBIG.
 */
#ifndef CHATS3_KV_H
#define CHATS3_KV_H

#include <stddef.h>

#define KV_MAX_PAIRS 64
#define KV_MAX_INPUT 16384

struct kv {
	char *name;
	char *value;
};

struct kvlist {
	struct kv pairs[KV_MAX_PAIRS];
	size_t n;
};

/* Parses "a=1&b=2" (percent-decoding, '+' as space) into l, which must be
 * empty. A pair without '=' has the empty value. ERR_INVAL on bad escapes. */
int kv_parse_urlencoded(struct kvlist *l, const char *s, size_t n);

/* Parses "a=1; b=2" into l. Values are taken as sent (one pair of double
 * quotes stripped); malformed pairs are skipped, as browsers expect. */
int kv_parse_cookies(struct kvlist *l, const char *s, size_t n);

/* The same keeping only the cookies called name, however many others
 * come first: l holds every one of that name, in order (a second one is
 * how a cookie set by another site of the domain shows). */
int kv_parse_cookies_named(struct kvlist *l, const char *s, size_t n, const char *name);

/* First value named name, or NULL. */
const char *kv_get(const struct kvlist *l, const char *name);

/* Frees every pair; l is empty afterwards. */
void kv_free(struct kvlist *l);

#endif
