/*
 * test_buf: growth, the length cap, size overflow and the NUL invariant.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "errors.h"

/* data[len] == '\0' and the bytes fit in what is allocated. */
static int invariant_holds(const struct buf *b)
{
	if (b->data == NULL)
		return b->len == 0;
	return b->len < b->cap && b->data[b->len] == '\0';
}

static const struct {
	int line;
	int rc;            /* of the second append */
	const char *desc;
	size_t limit;
	const char *first, *second;
	const char *want;  /* contents afterwards */
} append_cases[] = {
	{ __LINE__, 0, "unlimited", 0, "abc", "def", "abcdef" },
	{ __LINE__, 0, "exactly at the limit", 6, "abc", "def", "abcdef" },
	{ __LINE__, ERR_TOOBIG, "one past the limit leaves the bytes", 5, "abc", "def", "abc" },
	{ __LINE__, 0, "empty appends make an empty string", 0, "", "", "" },
	{ __LINE__, 0, "empty append at the limit", 3, "abc", "", "abc" },
	{ __LINE__, ERR_TOOBIG, "limit of one byte", 1, "a", "b", "a" },
};

static void test_append(void)
{
	struct buf b;

	for (size_t i = 0; i < sizeof append_cases / sizeof append_cases[0]; i++) {
		int line = append_cases[i].line;

		buf_init(&b, append_cases[i].limit);
		CHECK_AT(line, buf_puts(&b, append_cases[i].first) == 0);
		CHECK_AT(line, buf_puts(&b, append_cases[i].second) == append_cases[i].rc);
		CHECK_STR(line, b.data, append_cases[i].want);
		CHECK_AT(line, b.len == strlen(append_cases[i].want));
		CHECK_AT(line, invariant_holds(&b));
		buf_free(&b);
	}
}

static const struct {
	int line;
	int rc;
	const char *desc;
	size_t limit;
	size_t len;     /* bytes appended first */
	size_t reserve;
} reserve_cases[] = {
	{ __LINE__, ERR_TOOBIG, "SIZE_MAX on an empty buffer", 0, 0, SIZE_MAX },
	{ __LINE__, ERR_TOOBIG, "len + n leaves no room for the NUL", 0, 10, SIZE_MAX - 10 },
	{ __LINE__, ERR_TOOBIG, "len + n wraps", 0, 10, SIZE_MAX - 5 },
	{ __LINE__, ERR_TOOBIG, "past the limit", 100, 10, 91 },
	{ __LINE__, 0, "up to the limit", 100, 10, 90 },
	{ __LINE__, 0, "zero bytes", 0, 0, 0 },
	{ __LINE__, 0, "a large reservation", 0, 3, 100000 },
};

static void test_reserve(void)
{
	struct buf b;

	for (size_t i = 0; i < sizeof reserve_cases / sizeof reserve_cases[0]; i++) {
		int line = reserve_cases[i].line;
		size_t len = reserve_cases[i].len;

		buf_init(&b, reserve_cases[i].limit);
		for (size_t k = 0; k < len; k++)
			CHECK_AT(line, buf_putc(&b, 'x') == 0);
		CHECK_AT(line, buf_reserve(&b, reserve_cases[i].reserve) == reserve_cases[i].rc);
		CHECK_AT(line, b.len == len);
		CHECK_AT(line, invariant_holds(&b));
		if (reserve_cases[i].rc == 0)
			CHECK_AT(line, b.cap >= len + reserve_cases[i].reserve + 1);
		buf_free(&b);
	}
}

static void test_growth(void)
{
	struct buf b;
	int ok = 1;

	buf_init(&b, 0);
	for (size_t i = 0; i < 100000 && ok; i++)
		ok = buf_putc(&b, (char)('a' + i % 26)) == 0 && invariant_holds(&b) &&
		    b.data[i] == (char)('a' + i % 26);
	CHECK(ok);
	CHECK(b.len == 100000);
	CHECK(b.data[25] == 'z' && b.data[26] == 'a');
	buf_free(&b);
}

static void test_detach_and_free(void)
{
	struct buf b;
	char *p;

	buf_init(&b, 8);
	CHECK(buf_puts(&b, "hello") == 0);
	p = buf_detach(&b);
	CHECK_STR(__LINE__, p, "hello");
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	CHECK(b.limit == 8);
	free(p);
	CHECK(buf_detach(&b) == NULL);

	CHECK(buf_puts(&b, "12345678") == 0);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	CHECK(b.limit == 8);
	CHECK(buf_puts(&b, "123456789") == ERR_TOOBIG);
	CHECK(buf_append(&b, "\0z", 2) == 0);
	CHECK(b.len == 2 && b.data[0] == '\0' && b.data[1] == 'z' && invariant_holds(&b));
	buf_free(&b);
	buf_free(&b);
}

int main(void)
{
	test_append();
	test_reserve();
	test_growth();
	test_detach_and_free();
	return check_done("test_buf");
}
