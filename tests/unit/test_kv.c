/*
 * test_kv: form decoding and cookie parsing, their quirks, and the bounds
 * KV_MAX_PAIRS and KV_MAX_INPUT.
 */
#include "buf.h"
#include "check.h"
#include "errors.h"
#include "kv.h"

struct kv_case {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
	const char *name;  /* looked up after the parse */
	const char *want;  /* its value, NULL for absent */
	size_t pairs;      /* how many the parse kept */
};

static const struct kv_case form_cases[] = {
	{ __LINE__, 0, "two pairs", S("a=1&b=2"), "b", "2", 2 },
	{ __LINE__, 0, "empty input", S(""), "a", NULL, 0 },
	{ __LINE__, 0, "no '=' means an empty value", S("a"), "a", "", 1 },
	{ __LINE__, 0, "empty value", S("a="), "a", "", 1 },
	{ __LINE__, 0, "'=' inside the value", S("a=b=c"), "a", "b=c", 1 },
	{ __LINE__, 0, "duplicates: first wins", S("a=1&a=2"), "a", "1", 2 },
	{ __LINE__, 0, "empty pairs skipped", S("&&a=1&&"), "a", "1", 1 },
	{ __LINE__, 0, "plus as space, both sides", S("a+b=c+d"), "a b", "c d", 1 },
	{ __LINE__, 0, "percent-decoded", S("q=%E2%82%AC%26"), "q", "\xe2\x82\xac&", 1 },
	{ __LINE__, 0, "decoded '=' in a name", S("a%3Db=1"), "a=b", "1", 1 },
	{ __LINE__, 0, "names are case-sensitive", S("A=1"), "a", NULL, 1 },
	{ __LINE__, 0, "semicolon is not a separator", S("a=1;b=2"), "a", "1;b=2", 1 },
	{ __LINE__, 0, "length bounds the parse", "a=1&b=2", 3, "b", NULL, 1 },
	{ __LINE__, ERR_INVAL, "bad escape in a value", S("a=%zz"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "truncated escape", S("a=%4"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "lone percent", S("a=%"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "bad escape in a name", S("%g=1"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "decoded NUL in a value", S("a=x%00"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "decoded NUL in a name", S("%00=1"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "raw NUL", S("a=x\0y"), NULL, NULL, 0 },
	{ __LINE__, ERR_INVAL, "bad pair after good ones", S("a=1&b=%"), NULL, NULL, 0 },
};

static const struct kv_case cookie_cases[] = {
	{ __LINE__, 0, "two cookies", S("a=1; b=2"), "b", "2", 2 },
	{ __LINE__, 0, "no space after ';'", S("a=1;b=2"), "b", "2", 2 },
	{ __LINE__, 0, "empty input", S(""), "a", NULL, 0 },
	{ __LINE__, 0, "spaces around name and value", S("  a = 1 ;\tb=2"), "a", "1", 2 },
	{ __LINE__, 0, "quotes stripped", S("a=\"quoted\""), "a", "quoted", 1 },
	{ __LINE__, 0, "only one pair of quotes", S("a=\"\"x\"\""), "a", "\"x\"", 1 },
	{ __LINE__, 0, "empty quoted", S("a=\"\""), "a", "", 1 },
	{ __LINE__, 0, "a lone quote kept", S("a=\""), "a", "\"", 1 },
	{ __LINE__, 0, "an unbalanced quote kept", S("a=\"x"), "a", "\"x", 1 },
	{ __LINE__, 0, "spaces inside quotes kept", S("a=\" x \""), "a", " x ", 1 },
	{ __LINE__, 0, "missing '=' skipped", S("a; b=2"), "a", NULL, 1 },
	{ __LINE__, 0, "missing name skipped", S("=v; b=2"), "b", "2", 1 },
	{ __LINE__, 0, "spaces then '=' skipped", S("  =v"), "", NULL, 0 },
	{ __LINE__, 0, "duplicates: first wins", S("a=1; a=2"), "a", "1", 2 },
	{ __LINE__, 0, "values as sent, not decoded", S("a=%41+b"), "a", "%41+b", 1 },
	{ __LINE__, 0, "empty value", S("a="), "a", "", 1 },
	{ __LINE__, 0, "'=' inside the value", S("a=b=c"), "a", "b=c", 1 },
	{ __LINE__, 0, "empty cookies skipped", S("a=1;;; ;b=2;"), "b", "2", 2 },
	{ __LINE__, 0, "space inside a name kept", S("a b=1"), "a b", "1", 1 },
	{ __LINE__, 0, "NUL in a cookie skips it", S("a=x\0y; b=2"), "a", NULL, 1 },
	{ __LINE__, 0, "length bounds the parse", "a=1; b=2", 3, "b", NULL, 1 },
};

static void run_cases(const struct kv_case *cases, size_t n,
    int (*parse)(struct kvlist *, const char *, size_t))
{
	struct kvlist l = { .n = 0 };

	for (size_t i = 0; i < n; i++) {
		int line = cases[i].line;

		CHECK_AT(line, parse(&l, cases[i].in, cases[i].n) == cases[i].rc);
		if (cases[i].rc == 0) {
			CHECK_AT(line, l.n == cases[i].pairs);
			if (cases[i].want != NULL)
				CHECK_STR(line, kv_get(&l, cases[i].name), cases[i].want);
			else
				CHECK_AT(line, kv_get(&l, cases[i].name) == NULL);
		}
		kv_free(&l);
		CHECK_AT(line, l.n == 0);
	}
}

/* "a=1&a=1&..." with pairs pairs, separated by sep. */
static int repeated(struct buf *b, size_t pairs, const char *sep)
{
	int rc = 0;

	for (size_t i = 0; i < pairs && rc == 0; i++) {
		if (i)
			rc = buf_puts(b, sep);
		if (rc == 0)
			rc = buf_puts(b, "a=1");
	}
	return rc;
}

/* "a=xxx...": exactly len bytes. */
static int long_pair(struct buf *b, size_t len)
{
	int rc = buf_puts(b, "a=");

	while (rc == 0 && b->len < len)
		rc = buf_putc(b, 'x');
	return rc;
}

static const struct {
	int line;
	int rc;
	const char *desc;
	int cookies;     /* 0: form */
	size_t pairs;    /* pairs of "a=1" when non-zero */
	size_t len;      /* else one pair of exactly len bytes */
} bound_cases[] = {
	{ __LINE__, 0, "form at KV_MAX_PAIRS", 0, KV_MAX_PAIRS, 0 },
	{ __LINE__, ERR_TOOBIG, "form one pair past", 0, KV_MAX_PAIRS + 1, 0 },
	{ __LINE__, 0, "form at KV_MAX_INPUT", 0, 0, KV_MAX_INPUT },
	{ __LINE__, ERR_TOOBIG, "form one byte past", 0, 0, KV_MAX_INPUT + 1 },
	{ __LINE__, 0, "cookies at KV_MAX_PAIRS", 1, KV_MAX_PAIRS, 0 },
	{ __LINE__, ERR_TOOBIG, "cookies one pair past", 1, KV_MAX_PAIRS + 1, 0 },
	{ __LINE__, 0, "cookies at KV_MAX_INPUT", 1, 0, KV_MAX_INPUT },
	{ __LINE__, ERR_TOOBIG, "cookies one byte past", 1, 0, KV_MAX_INPUT + 1 },
};

static void test_bounds(void)
{
	struct kvlist l = { .n = 0 };
	struct buf b;

	for (size_t i = 0; i < sizeof bound_cases / sizeof bound_cases[0]; i++) {
		int line = bound_cases[i].line, cookies = bound_cases[i].cookies;

		buf_init(&b, 0);
		if (bound_cases[i].pairs)
			CHECK_AT(line, repeated(&b, bound_cases[i].pairs, cookies ? "; " : "&") == 0);
		else
			CHECK_AT(line, long_pair(&b, bound_cases[i].len) == 0);
		CHECK_AT(line, (cookies ? kv_parse_cookies : kv_parse_urlencoded)(&l,
		    b.data, b.len) == bound_cases[i].rc);
		CHECK_AT(line, l.n <= KV_MAX_PAIRS);
		if (bound_cases[i].rc == 0)
			CHECK_AT(line, kv_get(&l, "a") != NULL);
		kv_free(&l);
		buf_free(&b);
	}
}

static int parse_sid(struct kvlist *l, const char *s, size_t n)
{
	return kv_parse_cookies_named(l, s, n, "sid");
}

/* Only the cookies of one name are kept, however many others there are. */
static const struct kv_case named_cases[] = {
	{ __LINE__, 0, "one of the name", S("a=1; sid=x; b=2"), "sid", "x", 1 },
	{ __LINE__, 0, "two of the name, in order", S("sid=x; a=1; sid=y"), "sid", "x", 2 },
	{ __LINE__, 0, "a longer or shorter name is another", S("sidx=1; si=2; Sid=3"), "sid",
	  NULL, 0 },
	{ __LINE__, 0, "spaces around the name", S("a=1;  sid =\"x\""), "sid", "x", 1 },
	{ __LINE__, 0, "behind 100 others", S("a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; a=1; "
	  "a=1; a=1; a=1; a=1; sid=z"), "sid", "z", 1 },
};

int main(void)
{
	run_cases(form_cases, sizeof form_cases / sizeof form_cases[0], kv_parse_urlencoded);
	run_cases(cookie_cases, sizeof cookie_cases / sizeof cookie_cases[0], kv_parse_cookies);
	run_cases(named_cases, sizeof named_cases / sizeof named_cases[0], parse_sid);
	test_bounds();
	return check_done("test_kv");
}
