#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "errors.h"
#include "escape.h"
#include "ids.h"

int ids_random(void *p, size_t n)
{
	unsigned char *out = p;
	ssize_t got;

	while (n > 0) {
		got = getrandom(out, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return ERR_IO;
		}
		out += got;
		n -= (size_t)got;
	}
	return 0;
}

int ids_uuid4(char out[UUID_STRLEN + 1])
{
	unsigned char r[16];
	static const size_t groups[] = { 4, 2, 2, 2, 6 };
	size_t i, o = 0, k = 0;
	int rc;

	if ((rc = ids_random(r, sizeof r)) < 0)
		return rc;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < 5; i++) {
		if (i)
			out[o++] = '-';
		escape_hex(out + o, r + k, groups[i]);
		o += 2 * groups[i];
		k += groups[i];
	}
	out[o] = '\0';
	return 0;
}

int ids_token_hex(char *out, size_t outlen, size_t nbytes)
{
	unsigned char r[64];
	int rc;

	if (nbytes > sizeof r || outlen < 2 * nbytes + 1)
		return ERR_INTERNAL;
	if ((rc = ids_random(r, nbytes)) < 0)
		return rc;
	escape_hex(out, r, nbytes);
	return 0;
}

int ids_is_uuid4(const char *s, size_t len)
{
	if (len != UUID_STRLEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int dash = (i == 8 || i == 13 || i == 18 || i == 23);
		if (dash ? s[i] != '-' : escape_hex_digit(s[i]) < 0)
			return 0;
	}
	if (s[14] != '4')
		return 0;
	return s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b' ||
	    s[19] == 'A' || s[19] == 'B';
}

int ids_sha256(const void *p, size_t n, unsigned char out[IDS_SHA256_LEN])
{
	/* An explicit fetch, kept: EVP_sha256() makes OpenSSL 3 look the
	 * algorithm up again on every call, a cost on each request. */
	static EVP_MD *md;
	unsigned int len = 0;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return ERR_INTERNAL;
	return EVP_Digest(p, n, out, &len, md, NULL) == 1 && len == IDS_SHA256_LEN ?
	    0 : ERR_INTERNAL;
}
