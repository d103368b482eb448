/*
 * storage_digest: the SHA-256 and MD5 of an object's bytes, as a put to
 * S3 sends them (x-amz-content-sha256 in hex, Content-MD5 in base64, and
 * the MD5 in hex to recognise the object's ETag). A caller that sees the
 * bytes go by anyway (an upload spooling its file) hashes them on the way
 * and hands the result to storage_put_file_hashed, sparing the backend a
 * second pass over the file.
 *
 * A struct storage_digest owns two OpenSSL contexts from
 * storage_digest_start until storage_digest_free (also after a failure);
 * struct storage_digests is plain data.
 */
#ifndef CHATS3_STORAGE_DIGEST_H
#define CHATS3_STORAGE_DIGEST_H

#include <stddef.h>

struct storage_digests {
	char sha256_hex[65];
	char md5_hex[33];
	char md5_b64[25];
};

struct storage_digest {
	void *sha, *md5; /* EVP_MD_CTX, NULL before start */
};

/* Starts d (zeroed or freed before). 0, ERR_NOMEM or ERR_INTERNAL; free
 * d with storage_digest_free in every case. */
int storage_digest_start(struct storage_digest *d);

/* Adds p[0..n) to d. 0 or ERR_INTERNAL. */
int storage_digest_add(struct storage_digest *d, const void *p, size_t n);

/* The digests of every byte added into out. 0 or ERR_INTERNAL; d cannot
 * take more bytes after this. */
int storage_digest_end(struct storage_digest *d, struct storage_digests *out);

/* Frees d's contexts; d may then be started again. */
void storage_digest_free(struct storage_digest *d);

/* The digests of p[0..n) in one call. 0, ERR_NOMEM or ERR_INTERNAL. */
int storage_digest_memory(const void *p, size_t n, struct storage_digests *out);

#endif
