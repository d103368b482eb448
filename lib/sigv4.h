/*
 * sigv4: AWS Signature Version 4 for the S3 backend, as a pure function.
 * It takes credentials, a request described by its parts and a timestamp,
 * and computes the canonical request, the string to sign and the value of
 * the Authorization header. No I/O, no clock, no curl.
 *
 * S3 rules: the path is never normalized ("//a/./b" stays as is) and each
 * byte is percent-encoded once, '/' kept; the caller sends the path on the
 * wire encoded the same way (sigv4_uri_encode with keep_slash). The query
 * is sorted by encoded name, then encoded value.
 *
 * The signer always signs host and x-amz-date, x-amz-content-sha256 unless
 * asked not to, x-amz-security-token when the credentials hold a session
 * token, and the caller's extra headers; the caller sends all of them
 * with the values it passed here.
 *
 * Ownership: the signer copies nothing it is given; a sigv4_result owns its
 * buffers until sigv4_result_free. Derived key material is wiped with
 * OPENSSL_cleanse before return, except what a caller's struct sigv4_key
 * keeps (the day's signing key: sigv4_key_clear wipes it).
 */
#ifndef CHATS3_SIGV4_H
#define CHATS3_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* Caps; inputs past them give ERR_TOOBIG. */
#define SIGV4_MAX_FIELD 16384       /* bytes in any one string given */
#define SIGV4_MAX_PAIRS 128         /* query parameters, extra headers: each */
#define SIGV4_MAX_CANONICAL 262144  /* bytes in the canonical request */

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "": none, nothing signed for it */
	const char *region;        /* "us-east-1" */
	const char *service;       /* "s3" */
};

/* One query parameter or header: raw bytes, not encoded, NUL-terminated. */
struct sigv4_pair {
	const char *name;
	const char *value;
};

struct sigv4_request {
	const char *method; /* "GET" */
	const char *host;   /* Host header value as sent: "b.s3.amazonaws.com", "127.0.0.1:9000" */
	const char *path;   /* raw, unencoded, begins with '/' */
	const struct sigv4_pair *query;   /* raw; value "" gives "name=" */
	size_t nquery;
	const struct sigv4_pair *headers; /* extra headers to sign, in send order */
	size_t nheaders;
	/* Lowercase hex SHA-256 of the body, or SIGV4_UNSIGNED_PAYLOAD;
	 * NULL means the SHA-256 of an empty body. */
	const char *payload_hash;
	/* 0 (S3): sign x-amz-content-sha256 with payload_hash. 1: leave that
	 * header out, as generic services and the AWS test suite do. */
	int no_content_sha256;
};

struct sigv4_result {
	struct buf authorization;     /* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." */
	struct buf canonical_request; /* kept for tests and debug logs */
	struct buf string_to_sign;
};

/* Signs req with cred at amz_date ("20150830T123600Z", see sigv4_amz_date).
 * Extra header names must be HTTP tokens and must not repeat what the
 * signer adds itself (host, x-amz-date, x-amz-content-sha256,
 * x-amz-security-token) nor be authorization; values may not hold control
 * characters other than tab. Header names are signed lowercased and sorted,
 * repeated names joined with ',' in the order given, values trimmed with
 * each inner run of spaces and tabs made one space. Fills out, which the caller then frees with
 * sigv4_result_free (also after a failure). Returns 0, ERR_INVAL for a
 * malformed input, ERR_TOOBIG past a cap, ERR_NOMEM, or ERR_INTERNAL when
 * OpenSSL fails. */
int sigv4_sign(const struct sigv4_credentials *cred, const struct sigv4_request *req,
    const char *amz_date, struct sigv4_result *out);

/* The signing key of one day, region and service, derived once and reused
 * by sigv4_sign_keyed for every request of that scope (four HMACs fewer per
 * request). It holds the SHA-256 of the secret it was derived from, never
 * the secret, so other credentials derive again. All zero: empty. */
#define SIGV4_KEY_SCOPE_MAX 128 /* "YYYYMMDD/region/service"; longer: no reuse */
struct sigv4_key {
	char scope[SIGV4_KEY_SCOPE_MAX];
	unsigned char secret_hash[32];
	unsigned char key[32];
};

/* sigv4_sign, taking the signing key from *key when it is of this scope
 * and secret, else deriving it and keeping it there. */
int sigv4_sign_keyed(const struct sigv4_credentials *cred, const struct sigv4_request *req,
    const char *amz_date, struct sigv4_key *key, struct sigv4_result *out);

/* Wipes *key (OPENSSL_cleanse) and leaves it empty. */
void sigv4_key_clear(struct sigv4_key *key);

/* Frees what sigv4_sign put in r; r may then be signed into again. */
void sigv4_result_free(struct sigv4_result *r);

/* Appends s[0..n) percent-encoded per RFC 3986: A-Z a-z 0-9 - . _ ~ kept,
 * '/' kept when keep_slash, every other byte as %XX (uppercase hex). Works
 * on bytes, so UTF-8 gives one escape per byte. ERR_TOOBIG past out's cap. */
int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash);

/* Appends the canonical query string of the n raw pairs q (sorted,
 * encoded, joined with '&'); the query to send on the wire. */
int sigv4_canonical_query(struct buf *out, const struct sigv4_pair *q, size_t n);

/* Writes the lowercase hex SHA-256 of p[0..n) and a NUL into out.
 * 0, or ERR_INTERNAL when OpenSSL fails. */
int sigv4_sha256_hex(const void *p, size_t n, char out[65]);

/* Writes t as "YYYYMMDDTHHMMSSZ" (UTC) and a NUL into out. 0, or ERR_INVAL
 * when t cannot be represented with a four-digit year. */
int sigv4_amz_date(time_t t, char out[17]);

#endif
