/*
 * fuzz_origin: http_origin_valid, the check of origins in configuration
 * and tickets, on arbitrary bytes. What it accepts is at most
 * HTTP_ORIGIN_MAX bytes of "http://" or "https://", a host of lowercase
 * letters, digits, '.' and '-', and an optional ":port" of 1-65535
 * without a leading zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static void check_port(const char *p, size_t n)
{
	long v = 0;

	must(n >= 1 && n <= 5 && p[0] != '0');
	for (size_t i = 0; i < n; i++) {
		must(p[i] >= '0' && p[i] <= '9');
		v = v * 10 + (p[i] - '0');
	}
	must(v >= 1 && v <= 65535);
}

static void check_accepted(const char *s, size_t n)
{
	size_t at = strncmp(s, "https://", 8) == 0 ? 8 : 7, host = 0;

	must(n <= HTTP_ORIGIN_MAX && n > at);
	must(strncmp(s, "http://", 7) == 0 || at == 8);
	while (at + host < n && host_char(s[at + host]))
		host++;
	must(host >= 1);
	if (at + host < n) {
		must(s[at + host] == ':');
		check_port(s + at + host + 1, n - at - host - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (http_origin_valid(s, size))
		check_accepted(s, size);
	return 0;
}
