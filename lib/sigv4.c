/*
 * sigv4: see sigv4.h. The steps follow AWS's "Create a signed AWS API
 * request" (SigV4) and the S3 API Reference "sig-v4-header-based-auth":
 * canonical request, string to sign, signing key, signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "errors.h"
#include "escape.h"
#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_SECRET 1024 /* AWS secrets are 40 bytes; leaves room for others */

/* The headers the signer adds itself; a caller may not pass them too. */
static const char *const own_headers[] = {
	"authorization", "host", "x-amz-content-sha256", "x-amz-date",
	"x-amz-security-token",
};

/* One header to sign: name as given (compared lowercased) and raw value. */
struct hdr {
	const char *name;
	const char *value;
	size_t order; /* position given, so equal names keep their order */
};

/* One encoded query parameter; pointers into a scratch buf. */
struct qent {
	const char *name, *value;
	size_t name_len, value_len;
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* RFC 7230 section 3.2.6 tchar. */
static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* 0 when s is non-NULL and at most SIGV4_MAX_FIELD bytes; sets *len. */
static int field(const char *s, size_t *len)
{
	if (s == NULL)
		return ERR_INVAL;
	*len = strnlen(s, SIGV4_MAX_FIELD + 1);
	return *len > SIGV4_MAX_FIELD ? ERR_TOOBIG : 0;
}

/* A non-empty HTTP token (method, header name). */
static int check_token(const char *s)
{
	size_t n;
	int rc;

	if ((rc = field(s, &n)) < 0)
		return rc;
	if (n == 0)
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return ERR_INVAL;
	return 0;
}

/* A header value: no control characters but tab. */
static int check_value(const char *s)
{
	size_t n;
	int rc;

	if ((rc = field(s, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return ERR_INVAL;
	}
	return 0;
}

/* A piece of the credential or host: non-empty printable ASCII, none of
 * the bytes in reject. */
static int check_printable(const char *s, const char *reject)
{
	size_t n;
	int rc;

	if ((rc = field(s, &n)) < 0)
		return rc;
	if (n == 0)
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr(reject, c) != NULL)
			return ERR_INVAL;
	}
	return 0;
}

/* "YYYYMMDDTHHMMSSZ" by shape; the digits are the caller's. */
static int check_amz_date(const char *s)
{
	if (s == NULL || strnlen(s, 17) != 16 || s[8] != 'T' || s[15] != 'Z')
		return ERR_INVAL;
	for (size_t i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return ERR_INVAL;
	return 0;
}

static int check_payload_hash(const char *s)
{
	if (s == NULL || strcmp(s, SIGV4_UNSIGNED_PAYLOAD) == 0)
		return 0;
	return strnlen(s, 65) == 64 && escape_is_lower_hex(s, 64) ? 0 : ERR_INVAL;
}

/* Compares a and b as lowercase ASCII, byte order. */
static int lower_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = lower((unsigned char)*a), y = lower((unsigned char)*b);

		if (x != y)
			return x < y ? -1 : 1;
		if (x == '\0')
			return 0;
	}
}

static int check_inputs(const struct sigv4_credentials *cred,
    const struct sigv4_request *req, const char *amz_date)
{
	size_t n;
	int rc;

	if (cred == NULL || req == NULL || check_amz_date(amz_date) < 0)
		return ERR_INVAL;
	if ((rc = check_printable(cred->access_key_id, "/,=;")) < 0 ||
	    (rc = check_printable(cred->region, "/,=;")) < 0 ||
	    (rc = check_printable(cred->service, "/,=;")) < 0 ||
	    (rc = check_printable(req->host, "")) < 0 ||
	    (rc = check_token(req->method)) < 0 ||
	    (rc = field(req->path, &n)) < 0)
		return rc;
	if (req->path[0] != '/')
		return ERR_INVAL;
	if ((rc = field(cred->secret_access_key, &n)) < 0)
		return rc;
	if (n == 0 || n > MAX_SECRET)
		return n ? ERR_TOOBIG : ERR_INVAL;
	if (cred->session_token != NULL && (rc = check_value(cred->session_token)) < 0)
		return rc;
	if (req->nquery > SIGV4_MAX_PAIRS || req->nheaders > SIGV4_MAX_PAIRS)
		return ERR_TOOBIG;
	if ((req->nquery && req->query == NULL) || (req->nheaders && req->headers == NULL))
		return ERR_INVAL;
	return check_payload_hash(req->payload_hash);
}

int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash)
{
	const char *slash;
	size_t len;
	int rc;

	if (!keep_slash)
		return escape_url_query(out, s, n);
	/* each piece between slashes as one strictly encoded component */
	for (;;) {
		slash = memchr(s, '/', n);
		len = slash != NULL ? (size_t)(slash - s) : n;
		if ((rc = escape_url_query(out, s, len)) < 0 || slash == NULL)
			return rc;
		if ((rc = buf_putc(out, '/')) < 0)
			return rc;
		s += len + 1;
		n -= len + 1;
	}
}

static int qent_cmp(const void *pa, const void *pb)
{
	const struct qent *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->value, b->value);
}

int sigv4_canonical_query(struct buf *out, const struct sigv4_pair *q, size_t n)
{
	struct buf scratch;
	struct qent *e = NULL;
	size_t *off = NULL, i;
	int rc = ERR_NOMEM;

	buf_init(&scratch, SIGV4_MAX_CANONICAL);
	if (n == 0)
		return 0;
	if (n > SIGV4_MAX_PAIRS)
		return ERR_TOOBIG;
	if ((e = calloc(n, sizeof *e)) == NULL || (off = calloc(2 * n, sizeof *off)) == NULL)
		goto done;
	/* Encode into one buffer, NUL after each string; point in afterwards,
	 * since appending may move the bytes. */
	for (i = 0; i < 2 * n; i++) {
		const char *s = i % 2 ? q[i / 2].value : q[i / 2].name;
		size_t len;

		if ((rc = field(s, &len)) < 0)
			goto done;
		off[i] = scratch.len;
		if ((rc = sigv4_uri_encode(&scratch, s, len, 0)) < 0 ||
		    (rc = buf_putc(&scratch, '\0')) < 0)
			goto done;
	}
	for (i = 0; i < n; i++) {
		e[i].name = scratch.data + off[2 * i];
		e[i].value = scratch.data + off[2 * i + 1];
	}
	qsort(e, n, sizeof *e, qent_cmp);
	for (i = 0; i < n; i++) {
		if ((i > 0 && (rc = buf_putc(out, '&')) < 0) ||
		    (rc = buf_puts(out, e[i].name)) < 0 || (rc = buf_putc(out, '=')) < 0 ||
		    (rc = buf_puts(out, e[i].value)) < 0)
			goto done;
	}
	rc = 0;
done:
	free(e);
	free(off);
	buf_free(&scratch);
	return rc;
}

static int hdr_cmp(const void *pa, const void *pb)
{
	const struct hdr *a = pa, *b = pb;
	int c = lower_cmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Appends value trimmed, each run of spaces and tabs made one space. */
static int put_trimmed(struct buf *out, const char *v)
{
	int space = 0, rc;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if ((space && (rc = buf_putc(out, ' ')) < 0) || (rc = buf_putc(out, *v)) < 0)
			return rc;
		space = 0;
	}
	return 0;
}

/* Appends name lowercased. */
static int put_lower(struct buf *out, const char *name)
{
	int rc;

	for (; *name != '\0'; name++)
		if ((rc = buf_putc(out, (char)lower((unsigned char)*name))) < 0)
			return rc;
	return 0;
}

/* Collects the signer's own headers and the caller's into h (room for
 * nheaders + 4), checking the caller's; sets *n. */
static int collect_headers(const struct sigv4_credentials *cred,
    const struct sigv4_request *req, const char *amz_date, const char *payload,
    struct hdr *h, size_t *n)
{
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < req->nheaders; i++) {
		const struct sigv4_pair *p = &req->headers[i];

		if ((rc = check_token(p->name)) < 0 || (rc = check_value(p->value)) < 0)
			return rc;
		for (size_t j = 0; j < sizeof own_headers / sizeof own_headers[0]; j++)
			if (lower_cmp(p->name, own_headers[j]) == 0)
				return ERR_INVAL;
		h[k++] = (struct hdr){ p->name, p->value, 0 };
	}
	h[k++] = (struct hdr){ "host", req->host, 0 };
	h[k++] = (struct hdr){ "x-amz-date", amz_date, 0 };
	if (!req->no_content_sha256)
		h[k++] = (struct hdr){ "x-amz-content-sha256", payload, 0 };
	if (cred->session_token != NULL && cred->session_token[0] != '\0')
		h[k++] = (struct hdr){ "x-amz-security-token", cred->session_token, 0 };
	for (size_t i = 0; i < k; i++)
		h[i].order = i;
	qsort(h, k, sizeof *h, hdr_cmp);
	*n = k;
	return 0;
}

/* Appends the canonical headers block (each "name:v1,v2\n") to creq and
 * the signed header list ("a;b;c") to signed_list. h is sorted. */
static int put_headers(struct buf *creq, struct buf *signed_list,
    const struct hdr *h, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		int same = i > 0 && lower_cmp(h[i - 1].name, h[i].name) == 0;

		if (same) {
			rc = buf_putc(creq, ',');
		} else {
			if (i > 0 && ((rc = buf_putc(creq, '\n')) < 0 ||
			    (rc = buf_putc(signed_list, ';')) < 0))
				return rc;
			if ((rc = put_lower(creq, h[i].name)) < 0 ||
			    (rc = put_lower(signed_list, h[i].name)) < 0)
				return rc;
			rc = buf_putc(creq, ':');
		}
		if (rc < 0 || (rc = put_trimmed(creq, h[i].value)) < 0)
			return rc;
	}
	return buf_putc(creq, '\n');
}

/* Builds the canonical request into out->canonical_request and the signed
 * header list into signed_list. */
static int canonical_request(const struct sigv4_credentials *cred,
    const struct sigv4_request *req, const char *amz_date,
    struct sigv4_result *out, struct buf *signed_list)
{
	struct buf *c = &out->canonical_request;
	const char *payload = req->payload_hash ? req->payload_hash : SIGV4_EMPTY_SHA256;
	struct hdr *h;
	size_t n = 0;
	int rc;

	if ((h = calloc(req->nheaders + 4, sizeof *h)) == NULL)
		return ERR_NOMEM;
	if ((rc = collect_headers(cred, req, amz_date, payload, h, &n)) < 0)
		goto done;
	if ((rc = buf_puts(c, req->method)) < 0 || (rc = buf_putc(c, '\n')) < 0 ||
	    (rc = sigv4_uri_encode(c, req->path, strlen(req->path), 1)) < 0 ||
	    (rc = buf_putc(c, '\n')) < 0 ||
	    (rc = sigv4_canonical_query(c, req->query, req->nquery)) < 0 ||
	    (rc = buf_putc(c, '\n')) < 0 ||
	    (rc = put_headers(c, signed_list, h, n)) < 0 ||
	    (rc = buf_putc(c, '\n')) < 0 ||
	    (rc = buf_append(c, signed_list->data, signed_list->len)) < 0 ||
	    (rc = buf_putc(c, '\n')) < 0 || (rc = buf_puts(c, payload)) < 0)
		goto done;
	rc = 0;
done:
	free(h);
	return rc;
}

/* Appends "YYYYMMDD/region/service/aws4_request". */
static int put_scope(struct buf *b, const struct sigv4_credentials *cred,
    const char *amz_date)
{
	int rc;

	if ((rc = buf_append(b, amz_date, 8)) < 0 || (rc = buf_putc(b, '/')) < 0 ||
	    (rc = buf_puts(b, cred->region)) < 0 || (rc = buf_putc(b, '/')) < 0 ||
	    (rc = buf_puts(b, cred->service)) < 0)
		return rc;
	return buf_puts(b, "/aws4_request");
}

static int hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char out[32])
{
	unsigned int outlen = 0;

	if (keylen > MAX_SECRET + 4 ||
	    HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &outlen) == NULL ||
	    outlen != 32)
		return ERR_INTERNAL;
	return 0;
}

/* The signing key of cred at amz_date's day into k. */
static int derive_key(const struct sigv4_credentials *cred, const char *amz_date,
    unsigned char k[32])
{
	unsigned char secret[4 + MAX_SECRET];
	size_t n = strlen(cred->secret_access_key);
	int rc;

	memcpy(secret, "AWS4", 4);
	memcpy(secret + 4, cred->secret_access_key, n);
	if ((rc = hmac(secret, 4 + n, amz_date, 8, k)) == 0 &&
	    (rc = hmac(k, 32, cred->region, strlen(cred->region), k)) == 0 &&
	    (rc = hmac(k, 32, cred->service, strlen(cred->service), k)) == 0)
		rc = hmac(k, 32, "aws4_request", 12, k);
	OPENSSL_cleanse(secret, sizeof secret);
	return rc;
}

/* "YYYYMMDD/region/service" into scope: 0, or 1 when it does not fit. */
static int key_scope(const struct sigv4_credentials *cred, const char *amz_date,
    char scope[SIGV4_KEY_SCOPE_MAX])
{
	int n = snprintf(scope, SIGV4_KEY_SCOPE_MAX, "%.8s/%s/%s", amz_date, cred->region,
	    cred->service);

	return n < 0 || n >= SIGV4_KEY_SCOPE_MAX;
}

/* The signing key into k: *cache's when it is of this scope and secret
 * (cache may be NULL), else derived (and kept in *cache). */
static int signing_key(const struct sigv4_credentials *cred, const char *amz_date,
    struct sigv4_key *cache, unsigned char k[32])
{
	char scope[SIGV4_KEY_SCOPE_MAX];
	unsigned char secret_hash[32];
	unsigned int hash_len = 0;
	const char *secret = cred->secret_access_key;
	int rc;

	if (cache == NULL || key_scope(cred, amz_date, scope) != 0)
		return derive_key(cred, amz_date, k);
	if (EVP_Digest(secret, strlen(secret), secret_hash, &hash_len, EVP_sha256(), NULL) != 1 ||
	    hash_len != sizeof secret_hash)
		return ERR_INTERNAL;
	if (strcmp(cache->scope, scope) == 0 &&
	    CRYPTO_memcmp(cache->secret_hash, secret_hash, sizeof secret_hash) == 0) {
		memcpy(k, cache->key, 32);
		return 0;
	}
	sigv4_key_clear(cache);
	if ((rc = derive_key(cred, amz_date, k)) < 0)
		return rc;
	memcpy(cache->scope, scope, sizeof scope);
	memcpy(cache->secret_hash, secret_hash, sizeof secret_hash);
	memcpy(cache->key, k, 32);
	return 0;
}

/* Signs sts with the signing key (from cache, see signing_key); writes hex
 * into sig. */
static int signature(const struct sigv4_credentials *cred, const char *amz_date,
    struct sigv4_key *cache, const struct buf *sts, char sig[65])
{
	unsigned char k[32], mac[32];
	int rc;

	if ((rc = signing_key(cred, amz_date, cache, k)) == 0 &&
	    (rc = hmac(k, 32, sts->data, sts->len, mac)) == 0)
		escape_hex(sig, mac, sizeof mac);
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

void sigv4_key_clear(struct sigv4_key *key)
{
	OPENSSL_cleanse(key, sizeof *key);
}

int sigv4_sign(const struct sigv4_credentials *cred, const struct sigv4_request *req,
    const char *amz_date, struct sigv4_result *out)
{
	return sigv4_sign_keyed(cred, req, amz_date, NULL, out);
}

int sigv4_sign_keyed(const struct sigv4_credentials *cred, const struct sigv4_request *req,
    const char *amz_date, struct sigv4_key *key, struct sigv4_result *out)
{
	struct buf signed_list;
	char hash[65], sig[65];
	int rc;

	buf_init(&out->authorization, SIGV4_MAX_CANONICAL);
	buf_init(&out->canonical_request, SIGV4_MAX_CANONICAL);
	buf_init(&out->string_to_sign, SIGV4_MAX_CANONICAL);
	buf_init(&signed_list, SIGV4_MAX_CANONICAL);
	if ((rc = check_inputs(cred, req, amz_date)) < 0 ||
	    (rc = canonical_request(cred, req, amz_date, out, &signed_list)) < 0 ||
	    (rc = sigv4_sha256_hex(out->canonical_request.data,
	    out->canonical_request.len, hash)) < 0)
		goto done;
	if ((rc = buf_puts(&out->string_to_sign, ALGORITHM "\n")) < 0 ||
	    (rc = buf_append(&out->string_to_sign, amz_date, 16)) < 0 ||
	    (rc = buf_putc(&out->string_to_sign, '\n')) < 0 ||
	    (rc = put_scope(&out->string_to_sign, cred, amz_date)) < 0 ||
	    (rc = buf_putc(&out->string_to_sign, '\n')) < 0 ||
	    (rc = buf_puts(&out->string_to_sign, hash)) < 0 ||
	    (rc = signature(cred, amz_date, key, &out->string_to_sign, sig)) < 0)
		goto done;
	if ((rc = buf_puts(&out->authorization, ALGORITHM " Credential=")) < 0 ||
	    (rc = buf_puts(&out->authorization, cred->access_key_id)) < 0 ||
	    (rc = buf_putc(&out->authorization, '/')) < 0 ||
	    (rc = put_scope(&out->authorization, cred, amz_date)) < 0 ||
	    (rc = buf_puts(&out->authorization, ", SignedHeaders=")) < 0 ||
	    (rc = buf_append(&out->authorization, signed_list.data, signed_list.len)) < 0 ||
	    (rc = buf_puts(&out->authorization, ", Signature=")) < 0 ||
	    (rc = buf_puts(&out->authorization, sig)) < 0)
		goto done;
	rc = 0;
done:
	buf_free(&signed_list);
	return rc;
}

void sigv4_result_free(struct sigv4_result *r)
{
	buf_free(&r->authorization);
	buf_free(&r->canonical_request);
	buf_free(&r->string_to_sign);
}

int sigv4_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ERR_INTERNAL;
	escape_hex(out, md, sizeof md);
	return 0;
}

int sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return ERR_INVAL;
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return ERR_INVAL;
	return 0;
}
