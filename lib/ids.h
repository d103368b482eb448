/*
 * ids: identifiers from the operating system's CSPRNG (getrandom):
 * UUID v4 strings and random hex tokens, and the SHA-256 under which
 * secret tokens are stored and compared. Output goes to caller buffers.
 */
#ifndef CHATS3_IDS_H
#define CHATS3_IDS_H

#include <stddef.h>

#define UUID_STRLEN 36
#define IDS_SHA256_LEN 32

/* Fills p with n random bytes. 0 or ERR_IO. */
int ids_random(void *p, size_t n);

/* Writes a lowercase UUID v4 and its NUL into out[UUID_STRLEN + 1]. */
int ids_uuid4(char out[UUID_STRLEN + 1]);

/* Writes 2*nbytes lowercase hex digits of randomness and a NUL into out,
 * which holds outlen bytes (at least 2*nbytes + 1). */
int ids_token_hex(char *out, size_t outlen, size_t nbytes);

/* 1 when s is a lowercase or uppercase UUID v4 string of exactly len bytes. */
int ids_is_uuid4(const char *s, size_t len);

/* The SHA-256 of p[0..n) into out. 0, or ERR_INTERNAL when OpenSSL
 * fails. The digest is fetched once per process and kept. */
int ids_sha256(const void *p, size_t n, unsigned char out[IDS_SHA256_LEN]);

#endif
