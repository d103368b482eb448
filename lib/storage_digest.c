#include <openssl/evp.h>

#include "errors.h"
#include "escape.h"
#include "storage_digest.h"

int storage_digest_start(struct storage_digest *d)
{
	d->sha = EVP_MD_CTX_new();
	d->md5 = EVP_MD_CTX_new();
	if (d->sha == NULL || d->md5 == NULL)
		return ERR_NOMEM;
	if (EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(d->md5, EVP_md5(), NULL) != 1)
		return ERR_INTERNAL;
	return 0;
}

int storage_digest_add(struct storage_digest *d, const void *p, size_t n)
{
	if (EVP_DigestUpdate(d->sha, p, n) != 1 || EVP_DigestUpdate(d->md5, p, n) != 1)
		return ERR_INTERNAL;
	return 0;
}

int storage_digest_end(struct storage_digest *d, struct storage_digests *out)
{
	unsigned char sha[EVP_MAX_MD_SIZE], md5[EVP_MAX_MD_SIZE];
	unsigned int sn = 0, mn = 0;

	if (EVP_DigestFinal_ex(d->sha, sha, &sn) != 1 || sn != 32 ||
	    EVP_DigestFinal_ex(d->md5, md5, &mn) != 1 || mn != 16)
		return ERR_INTERNAL;
	escape_hex(out->sha256_hex, sha, 32);
	escape_hex(out->md5_hex, md5, 16);
	if (EVP_EncodeBlock((unsigned char *)out->md5_b64, md5, 16) != 24)
		return ERR_INTERNAL;
	return 0;
}

void storage_digest_free(struct storage_digest *d)
{
	EVP_MD_CTX_free(d->sha);
	EVP_MD_CTX_free(d->md5);
	d->sha = d->md5 = NULL;
}

int storage_digest_memory(const void *p, size_t n, struct storage_digests *out)
{
	struct storage_digest d = { NULL, NULL };
	int rc;

	if ((rc = storage_digest_start(&d)) == 0 && (rc = storage_digest_add(&d, p, n)) == 0)
		rc = storage_digest_end(&d, out);
	storage_digest_free(&d);
	return rc;
}
