/*
 * storage_s3: the S3 backend behind storage.h, over libcurl's easy
 * interface with one handle per struct storage, reset before each request
 * (curl_easy_reset keeps the connection cache, so requests reuse one
 * kept-alive connection). Requests are signed with sigv4.c, with the day's
 * signing key derived once per process and day; the answers'
 * XML (errors, ListObjectsV2 pages) is read by s3xml.c.
 *
 * Addressing: path-style http(s)://endpoint/bucket/key when an endpoint is
 * configured (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: MinIO, s3rver), else
 * virtual-hosted https://bucket.s3.<region>.amazonaws.com/key. A key is
 * percent-encoded once, '/' kept, on the wire and in the signature alike.
 *
 * Retries (every operation here is idempotent, a create-only put included,
 * see confirm_own): connection failures and timeouts, HTTP 500, 502, 503,
 * 504 and the codes SlowDown and RequestTimeout are retried with capped
 * exponential backoff and full jitter while the total time stays within
 * S3_RETRY_BUDGET_MS; then the call fails with ERR_UNAVAILABLE. Other 4xx
 * are final. A storage with patience (storage_set_patience) makes one try
 * of that long instead. Every call has an overall deadline,
 * CHATS3_S3_TIMEOUT_SECONDS plus a second per S3_MIN_RATE bytes it moves
 * (retries included; on_progress stops a transfer past it): an endpoint
 * that trickles cannot hold a worker. A streamed get is retried only until its sink has seen its
 * first byte. Every failure goes through storage_fail with the S3 <Code>
 * (or the errno/curl name) and a message for the log.
 *
 * Memory: bodies are never held whole. put_file hashes the file in a first
 * pass (unless the caller hashed it already, storage_put_file_hashed) and
 * streams it in a second one through CURLOPT_READFUNCTION (put_begin's
 * early PUT reads it once, as it is written, on a handle of its own in
 * put_multi, paused while the file has no more bytes ready); a get
 * goes to the caller's sink; a list page is read as it arrives (s3xml_list_feed,
 * at most S3XML_MAX_INPUT bytes); only error bodies are kept, within
 * S3_ERROR_BODY_MAX (and the answers of multipart calls, within the same).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "errors.h"
#include "metrics.h"
#include "escape.h"
#include "fdio.h"
#include "numparse.h"
#include "s3xml.h"
#include "sigv4.h"
#include "storage_backend.h"
#include "storage_digest.h"

/* Tunables. */
#define S3_CONNECT_TIMEOUT_MS 3000L
#define S3_LOW_SPEED_LIMIT 1L  /* bytes per second under which, ... */
#define S3_LOW_SPEED_TIME 5L   /* ... for this many seconds, a transfer has stalled */
#define S3_RETRY_BASE_MS 100   /* first backoff ceiling, doubled per retry */
#define S3_RETRY_CAP_MS 2000   /* highest backoff ceiling */
#define S3_RETRY_BUDGET_MS 10000 /* no retry starts later than this after the first try */
#define S3_MIN_RATE 16384      /* bytes a second a transfer is given beyond CHATS3_S3_TIMEOUT_SECONDS */
#define S3_ERROR_BODY_MAX 16384 /* bytes of an error answer kept to read its <Code> */
#define S3_HASH_CHUNK 65536    /* bytes read at a time to hash a file */
#define S3_STREAM_BUFFER 262144L /* curl's receive buffer of get_stream: the sink's chunk */
#define S3_MAX_KEY_ID 128
#define S3_MAX_SECRET 1024
#define S3_MAX_TOKEN 8192
#define S3_GET_PARALLEL 16     /* transfers of a get_many at once */
#define S3_PART_SIZE (8LL << 20) /* bytes of a part (S3: 5 MiB to 5 GiB but the last) */
#define S3_MAX_PARTS 10000     /* parts of an upload (S3's limit) */
#define S3_UPLOAD_ID_MAX 1024  /* bytes of an upload id, NUL included */
#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

struct s3 {
	CURL *curl;
	char *origin;      /* "http://127.0.0.1:4568", "https://b.s3.eu-west-1.amazonaws.com" */
	char *host;        /* Host header as sent and signed */
	char *bucket_path; /* raw path of the bucket: "/b" (path-style) or "" */
	char *bucket;
	char *region, *key_id, *secret, *token;
	long long multipart_bytes;     /* put_file above this: a multipart upload */
	long timeout_ms;               /* CHATS3_S3_TIMEOUT_SECONDS: a call's time, retries included */
	struct sigv4_credentials cred; /* points at the strings above */
	struct sigv4_key signing_key;  /* today's, reused by every request */
	char errbuf[CURL_ERROR_SIZE];
	CURLM *multi;                  /* get_many: its connections stay open */
	CURL *pool[S3_GET_PARALLEL];   /* get_many's handles, made on first use */
	CURLM *put_multi;              /* put_begin's transfer, beside other calls ... */
	CURL *put_curl;                /* ... on a handle (and connection) of its own */
};

/* One request and what came back; reused across the attempts of a call. */
struct call {
	const char *method;
	const char *key;            /* NULL: the bucket itself */
	const struct sigv4_pair *query;
	size_t nquery;
	const char *content_type;   /* PUT */
	const char *payload_hash;   /* hex SHA-256 of the body; NULL: empty */
	const char *content_md5;    /* base64 MD5 of the body; PUT */
	int create_only;
	const char *data;           /* PUT or POST from memory, ... */
	int fd;                     /* ... or PUT from this file when >= 0, */
	long long offset;           /* from this byte of it */
	long long size;             /* bytes to send */
	long long ready;            /* of them, those that may go now (a file still written) */
	int paused;                 /* on_read paused the transfer for more ready bytes */
	size_t body_limit;          /* bytes of a 2xx answer kept or read (list) */
	const struct storage_sink *sink; /* get_stream: 2xx bytes go here, */
	struct s3xml_list *page;    /* list: a 2xx body is read into it as it arrives */
	long recv_buffer;           /* in chunks of up to this (0: curl's 16 KiB) */
	/* one attempt */
	long long sent;
	long status;
	struct storage_meta meta;
	char request_id[64];
	struct buf body;            /* bytes kept of the answer */
	int body_cut, begun, sink_failed, read_failed;
	/* across attempts */
	int retryable, attempts;
	int64_t deadline_us;        /* storage_set_patience: the call ends by then; 0: none */
	int64_t due_us;             /* the call's overall deadline, before its bytes' allowance */
	int overdue;                /* on_progress stopped it at its due time */
};

static const char *call_what(const struct call *c, const struct s3 *b)
{
	return c->key ? c->key : b->bucket;
}

/* Clears a failure recorded by an attempt that a later one made good. */
static void clear_fail(struct storage *s)
{
	s->code[0] = '\0';
	s->message[0] = '\0';
}

/* ---- configuration ---- */

/* Printable ASCII without spaces, 1..max bytes: goes into headers. */
static int valid_token_string(const char *v, size_t max)
{
	size_t n;

	if (v == NULL || (n = strnlen(v, max + 1)) == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return 1;
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* S3 bucket naming rules: 3..63 of [a-z0-9.-], alphanumeric at both ends. */
static int valid_bucket(const char *b)
{
	size_t n = b ? strnlen(b, 64) : 0;

	if (n < 3 || n > 63 || !is_lower_alnum(b[0]) || !is_lower_alnum(b[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(b[i]) && b[i] != '.' && b[i] != '-')
			return 0;
	return 1;
}

static int valid_region(const char *r)
{
	size_t n = strnlen(r, 33);

	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(r[i]) && r[i] != '-')
			return 0;
	return 1;
}

static int host_char(char c)
{
	return (c >= 'A' && c <= 'Z') || is_lower_alnum(c) || c == '.' || c == '-';
}

/* Length of the host at h: a name, or an IPv6 literal in brackets. */
static size_t host_len(const char *h)
{
	size_t n = 0;

	if (h[0] == '[') {
		while (h[++n] != '\0' && h[n] != ']')
			if (!(h[n] == ':' || h[n] == '.' || escape_hex_digit(h[n]) >= 0))
				return 0;
		return h[n] == ']' && n > 1 ? n + 1 : 0;
	}
	while (host_char(h[n]))
		n++;
	return n;
}

/* "http(s)://host[:port][/]": fills origin and the Host header value
 * (the port left out when it is the scheme's default, as curl does). */
static int parse_endpoint(const char *url, char **origin, char **host)
{
	const char *h, *rest;
	size_t hn, pn = 0;
	long port = 0, dflt;

	if (strncmp(url, "http://", 7) == 0)
		h = url + 7, dflt = 80;
	else if (strncmp(url, "https://", 8) == 0)
		h = url + 8, dflt = 443;
	else
		return ERR_CONFIG;
	if ((hn = host_len(h)) == 0 || hn > 253)
		return ERR_CONFIG;
	rest = h + hn;
	if (*rest == ':') {
		pn = strspn(rest + 1, "0123456789");
		if (numparse_long(rest + 1, pn, 1, 65535, &port) < 0)
			return ERR_CONFIG;
		rest += 1 + pn;
	}
	if (strcmp(rest, "") != 0 && strcmp(rest, "/") != 0)
		return ERR_CONFIG; /* a path, a query, user info: not an endpoint */
	*origin = strndup(url, (size_t)(rest - url));
	*host = strndup(h, port == dflt ? hn : hn + (pn ? pn + 1 : 0));
	return *origin && *host ? 0 : ERR_NOMEM;
}

/* Virtual-hosted style on AWS: https://bucket.s3.<region>.amazonaws.com */
static int aws_endpoint(struct s3 *b)
{
	char name[256];
	int k = snprintf(name, sizeof name, "%s.s3.%s.amazonaws.com", b->bucket, b->region);

	if (k < 0 || (size_t)k >= sizeof name)
		return ERR_CONFIG;
	b->host = strdup(name);
	if (asprintf(&b->origin, "https://%s", name) < 0)
		b->origin = NULL;
	b->bucket_path = strdup("");
	return b->host && b->origin && b->bucket_path ? 0 : ERR_NOMEM;
}

static int path_style_endpoint(struct s3 *b, const char *url)
{
	int rc;

	if ((rc = parse_endpoint(url, &b->origin, &b->host)) < 0)
		return rc;
	if (asprintf(&b->bucket_path, "/%s", b->bucket) < 0) {
		b->bucket_path = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

static void wipe_free(char *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, strlen(p));
	free(p);
}

static void s3_free(struct s3 *b)
{
	if (b == NULL)
		return;
	if (b->curl != NULL)
		curl_easy_cleanup(b->curl);
	for (int i = 0; i < S3_GET_PARALLEL; i++)
		if (b->pool[i] != NULL)
			curl_easy_cleanup(b->pool[i]);
	if (b->multi != NULL)
		curl_multi_cleanup(b->multi);
	if (b->put_curl != NULL)
		curl_easy_cleanup(b->put_curl);
	if (b->put_multi != NULL)
		curl_multi_cleanup(b->put_multi);
	free(b->origin);
	free(b->host);
	free(b->bucket_path);
	free(b->bucket);
	free(b->region);
	wipe_free(b->key_id);
	wipe_free(b->secret);
	wipe_free(b->token);
	sigv4_key_clear(&b->signing_key);
	OPENSSL_cleanse(b, sizeof *b);
	free(b);
}

/* Checks cfg's S3 settings; a sentence naming the bad one goes to s. */
static int check_config(struct storage *s, const struct config *cfg)
{
	const char *region = cfg->region ? cfg->region : "us-east-1";

	if (!valid_bucket(cfg->s3_bucket))
		return storage_fail(s, ERR_CONFIG, "InvalidBucketName",
		    "CHATS3_S3_BUCKET: 3 to 63 of a-z 0-9 . -, alphanumeric at both ends");
	if (!valid_region(region))
		return storage_fail(s, ERR_CONFIG, "InvalidRegion", "AWS_REGION: not a region name");
	if (!valid_token_string(cfg->access_key_id, S3_MAX_KEY_ID) ||
	    !valid_token_string(cfg->secret_access_key, S3_MAX_SECRET))
		return storage_fail(s, ERR_CONFIG, "InvalidAccessKeyId",
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required");
	if (cfg->session_token && cfg->session_token[0] &&
	    !valid_token_string(cfg->session_token, S3_MAX_TOKEN))
		return storage_fail(s, ERR_CONFIG, "InvalidToken", "AWS_SESSION_TOKEN: not a token");
	if (cfg->s3_endpoint == NULL && strchr(cfg->s3_bucket, '.') != NULL)
		return storage_fail(s, ERR_CONFIG, "InvalidBucketName",
		    "a bucket name with dots needs path-style: set AWS_ENDPOINT_URL_S3=https://s3.%s.amazonaws.com",
		    region);
	return 0;
}

static int copy_settings(struct s3 *b, const struct config *cfg)
{
	const char *token = cfg->session_token && cfg->session_token[0] ? cfg->session_token : NULL;

	b->multipart_bytes = cfg->s3_multipart_bytes;
	b->timeout_ms = cfg->s3_timeout_seconds * 1000;
	b->bucket = strdup(cfg->s3_bucket);
	b->region = strdup(cfg->region ? cfg->region : "us-east-1");
	b->key_id = strdup(cfg->access_key_id);
	b->secret = strdup(cfg->secret_access_key);
	b->token = token ? strdup(token) : NULL;
	if (!b->bucket || !b->region || !b->key_id || !b->secret || (token && !b->token))
		return ERR_NOMEM;
	b->cred = (struct sigv4_credentials){ b->key_id, b->secret, b->token, b->region, "s3" };
	return 0;
}

static const struct storage_ops s3_ops;

int storage_s3_open(struct storage *s, const struct config *cfg)
{
	struct s3 *b = NULL;
	int rc;

	if ((rc = check_config(s, cfg)) < 0)
		return rc;
	if ((b = calloc(1, sizeof *b)) == NULL)
		return ERR_NOMEM;
	if ((rc = copy_settings(b, cfg)) < 0)
		goto fail;
	rc = cfg->s3_endpoint ? path_style_endpoint(b, cfg->s3_endpoint) : aws_endpoint(b);
	if (rc == ERR_CONFIG)
		storage_fail(s, rc, "InvalidEndpoint",
		    "AWS_ENDPOINT_URL_S3: expected http(s)://host[:port] without a path");
	if (rc < 0)
		goto fail;
	if ((b->curl = curl_easy_init()) == NULL) {
		rc = ERR_NOMEM;
		goto fail;
	}
	s->ops = &s3_ops;
	s->backend = b;
	return 0;
fail:
	s3_free(b);
	return rc;
}

static void s3_close(struct storage *s)
{
	s3_free(s->backend);
	s->backend = NULL;
}

/* ---- digests ---- */

/* The first pass over size bytes of the file from offset: their digests,
 * in S3_HASH_CHUNK reads. */
static int digest_file(int fd, long long offset, long long size, struct storage_digests *d)
{
	struct storage_digest h = { NULL, NULL };
	char *chunk = malloc(S3_HASH_CHUNK);
	long long off = offset, end = offset + size;
	size_t n;
	int rc = chunk ? storage_digest_start(&h) : ERR_NOMEM;

	while (rc == 0 && off < end) {
		n = end - off < S3_HASH_CHUNK ? (size_t)(end - off) : S3_HASH_CHUNK;
		if ((rc = fdio_pread_exact(fd, chunk, n, off) < 0 ? ERR_IO : 0) == 0)
			rc = storage_digest_add(&h, chunk, n);
		off += (long long)n;
	}
	if (rc == 0)
		rc = storage_digest_end(&h, d);
	storage_digest_free(&h);
	free(chunk);
	return rc;
}

/* ---- curl callbacks ---- */

static int is_2xx(long status)
{
	return status >= 200 && status <= 299;
}

/* Copies v[0..n) into out (size bytes), cut to fit; "" unless it is
 * printable ASCII (it may become a header of our own answer). */
static void copy_field(char *out, size_t size, const char *v, size_t n)
{
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			n = 0;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* "HTTP/1.1 200 OK": a new answer (after a 100 Continue, say) starts. */
static void status_line(struct call *c, const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);
	long status;

	memset(&c->meta, 0, sizeof c->meta);
	c->meta.size = -1;
	c->request_id[0] = '\0';
	if (sp && (size_t)(line + n - sp) > 3 && numparse_long(sp + 1, 3, 100, 599, &status) == 0)
		c->status = status;
}

static void header_field(struct call *c, const char *name, size_t nn, const char *v, size_t vn)
{
	char date[64];
	long size;
	time_t t;

	if (nn == 12 && strncasecmp(name, "content-type", nn) == 0) {
		copy_field(c->meta.content_type, sizeof c->meta.content_type, v, vn);
	} else if (nn == 4 && strncasecmp(name, "etag", nn) == 0) {
		copy_field(c->meta.etag, sizeof c->meta.etag, v, vn);
	} else if (nn == 14 && strncasecmp(name, "content-length", nn) == 0) {
		if (numparse_long(v, vn, 0, LONG_MAX, &size) == 0)
			c->meta.size = size;
	} else if (nn == 13 && strncasecmp(name, "last-modified", nn) == 0) {
		copy_field(date, sizeof date, v, vn);
		if ((t = curl_getdate(date, NULL)) > 0)
			c->meta.last_modified_ms = (int64_t)t * 1000;
	} else if (nn == 16 && strncasecmp(name, "x-amz-request-id", nn) == 0) {
		copy_field(c->request_id, sizeof c->request_id, v, vn);
	}
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
	struct call *c = ud;
	size_t n = size * nitems, len = n, nn;
	const char *colon, *v;

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		status_line(c, p, len);
		return n;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return n;
	nn = (size_t)(colon - p);
	v = colon + 1;
	while (v < p + len && (*v == ' ' || *v == '\t'))
		v++;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	header_field(c, p, nn, v, v <= p + len ? (size_t)(p + len - v) : 0);
	return n;
}

/* A 2xx body to the sink: begin once, before the first byte. */
static int to_sink(struct call *c, const char *p, size_t n)
{
	const struct storage_sink *k = c->sink;

	if (!c->begun) {
		c->begun = 1;
		if (k->begin(k->ctx, &c->meta) < 0)
			return -1;
	}
	return n ? k->write(k->ctx, p, n) : 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct call *c = ud;
	size_t n = size * nmemb, limit, room;

	if (c->sink != NULL && is_2xx(c->status)) {
		if (to_sink(c, p, n) < 0) {
			c->sink_failed = 1;
			return 0; /* curl stops with CURLE_WRITE_ERROR */
		}
		return n;
	}
	if (c->page != NULL && is_2xx(c->status)) {
		/* a malformed page is read to its end, and refused after it */
		if (s3xml_list_feed(c->page, p, n) == ERR_TOOBIG)
			c->body_cut = 1;
		return n;
	}
	limit = is_2xx(c->status) ? c->body_limit : S3_ERROR_BODY_MAX;
	room = limit > c->body.len ? limit - c->body.len : 0;
	if (n > room)
		c->body_cut = 1;
	if (buf_append(&c->body, p, n < room ? n : room) < 0)
		return 0;
	return n;
}

static size_t on_read(char *p, size_t size, size_t nitems, void *ud)
{
	struct call *c = ud;
	size_t want = size * nitems;
	long long left = (c->ready < c->size ? c->ready : c->size) - c->sent;
	size_t n = left < (long long)want ? (size_t)left : want;

	if (n == 0 && c->sent < c->size) {
		c->paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	if (n == 0)
		return 0;
	if (c->fd < 0) {
		memcpy(p, c->data + c->sent, n);
	} else if (fdio_pread_exact(c->fd, p, n, c->offset + c->sent) < 0) {
		c->read_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	c->sent += (long long)n;
	return n;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct call *c = ud;

	if (origin != SEEK_SET || offset < 0 || offset > c->size)
		return CURL_SEEKFUNC_CANTSEEK;
	c->sent = offset;
	return CURL_SEEKFUNC_OK;
}

/* ---- one attempt ---- */

/* The raw (unencoded) path of c: "/bucket/key", "/key", "/bucket", "/". */
static int raw_path(const struct s3 *b, const struct call *c, struct buf *out)
{
	int rc = buf_puts(out, b->bucket_path);

	if (rc == 0 && c->key != NULL)
		rc = buf_putc(out, '/') == 0 ? buf_puts(out, c->key) : ERR_NOMEM;
	if (rc == 0 && out->len == 0)
		rc = buf_putc(out, '/');
	return rc;
}

static int build_url(const struct s3 *b, const struct call *c, const char *path,
    struct buf *url)
{
	int rc = buf_puts(url, b->origin);

	if (rc == 0)
		rc = sigv4_uri_encode(url, path, strlen(path), 1);
	if (rc == 0 && c->nquery > 0 && (rc = buf_putc(url, '?')) == 0)
		rc = sigv4_canonical_query(url, c->query, c->nquery);
	return rc;
}

static int add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *l;
	struct buf line;
	int rc;

	buf_init(&line, 0);
	if ((rc = buf_puts(&line, name)) == 0 && (rc = buf_puts(&line, value)) == 0) {
		if ((l = curl_slist_append(*list, line.data)) == NULL)
			rc = ERR_NOMEM;
		else
			*list = l;
	}
	if (line.data != NULL)
		OPENSSL_cleanse(line.data, line.len);
	buf_free(&line);
	return rc;
}

/* Frees the header list, wiping it first (it holds the session token). */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* Signs c and lists every header to send: the signed ones with the values
 * signed, then the rest. */
static int signed_headers(struct s3 *b, const struct call *c, const char *path,
    struct curl_slist **list)
{
	const char *hash = c->payload_hash ? c->payload_hash : SIGV4_EMPTY_SHA256;
	struct sigv4_request req = { c->method, b->host, path, c->query, c->nquery,
		NULL, 0, hash, 0 };
	struct sigv4_result sig;
	char date[17];
	int rc;

	memset(&sig, 0, sizeof sig);
	if ((rc = sigv4_amz_date(time(NULL), date)) < 0 ||
	    (rc = sigv4_sign_keyed(&b->cred, &req, date, &b->signing_key, &sig)) < 0)
		goto done;
	if ((rc = add_header(list, "Host: ", b->host)) < 0 ||
	    (rc = add_header(list, "x-amz-date: ", date)) < 0 ||
	    (rc = add_header(list, "x-amz-content-sha256: ", hash)) < 0 ||
	    (b->token && (rc = add_header(list, "x-amz-security-token: ", b->token)) < 0) ||
	    (rc = add_header(list, "Authorization: ", sig.authorization.data)) < 0)
		goto done;
	rc = 0;
done:
	sigv4_result_free(&sig);
	return rc;
}

static int other_headers(const struct call *c, struct curl_slist **list)
{
	int rc = add_header(list, "Expect:", "");

	if (rc == 0)
		rc = add_header(list, "Accept:", "");
	if (rc == 0 && c->content_type)
		rc = add_header(list, "Content-Type: ", c->content_type);
	if (rc == 0 && c->content_md5)
		rc = add_header(list, "Content-MD5: ", c->content_md5);
	if (rc == 0 && c->create_only)
		rc = add_header(list, "If-None-Match: ", "*");
	return rc;
}

/* Sets one curl option unless an earlier one failed (e holds the first
 * failure). */
#define SET(opt, val) if (e == CURLE_OK) e = curl_easy_setopt(h, opt, val)

/* Milliseconds until deadline_us, at least 1 (curl's 0 is "no limit"). */
static long ms_left(int64_t deadline_us)
{
	int64_t left = (deadline_us - clock_mono_us()) / 1000;

	return left < 1 ? 1 : left > LONG_MAX ? LONG_MAX : (long)left;
}

/* curl's progress callback: stops a transfer past its call's due time,
 * which a transfer of N bytes pushes back by N / S3_MIN_RATE seconds: a
 * trickle (1 B/s) cannot hold a worker, a large object at a fair pace is
 * not cut. */
static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct call *c = p;
	curl_off_t bytes = dltotal > ultotal ? dltotal : ultotal;

	(void)dlnow;
	(void)ulnow;
	if (c->due_us == 0 || clock_mono_us() <= c->due_us + (int64_t)(bytes / S3_MIN_RATE) * 1000000)
		return 0;
	c->overdue = 1;
	return 1;
}

/* Options of every request on h; curl_easy_reset came first. */
static int common_options(CURL *h, char *errbuf, struct call *c, const char *url,
    struct curl_slist *headers)
{
	CURLcode e = CURLE_OK;

	errbuf[0] = '\0';
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_PATH_AS_IS, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, S3_CONNECT_TIMEOUT_MS);
	if (c->deadline_us)
		SET(CURLOPT_TIMEOUT_MS, ms_left(c->deadline_us));
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, c);
	SET(CURLOPT_LOW_SPEED_LIMIT, S3_LOW_SPEED_LIMIT);
	SET(CURLOPT_LOW_SPEED_TIME, S3_LOW_SPEED_TIME);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	return e == CURLE_OK ? 0 : ERR_INTERNAL;
}

static int method_options(CURL *h, struct call *c)
{
	CURLcode e = CURLE_OK;

	if (strcmp(c->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (strcmp(c->method, "POST") == 0 ||
	    (strcmp(c->method, "PUT") == 0 && c->fd < 0)) {
		/* from memory: headers and body leave in one send */
		SET(CURLOPT_CUSTOMREQUEST, c->method);
		SET(CURLOPT_POSTFIELDS, c->data ? c->data : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->size);
	} else if (strcmp(c->method, "PUT") == 0) {
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->size);
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, c);
		SET(CURLOPT_SEEKFUNCTION, on_seek);
		SET(CURLOPT_SEEKDATA, c);
	} else if (strcmp(c->method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, c->method);
	}
	if (c->recv_buffer > 0)
		SET(CURLOPT_BUFFERSIZE, c->recv_buffer);
#undef SET
	return e == CURLE_OK ? 0 : ERR_INTERNAL;
}

/* Readies c for another attempt: 0; ERR_NOMEM. */
static int reset_attempt(struct call *c)
{
	c->sent = 0;
	c->status = 0;
	memset(&c->meta, 0, sizeof c->meta);
	c->meta.size = -1;
	c->request_id[0] = '\0';
	c->body.len = 0;
	if (c->body.data)
		c->body.data[0] = '\0';
	c->body_cut = c->sink_failed = c->read_failed = 0;
	c->retryable = 0;
	return c->page != NULL ? s3xml_list_start(c->page) : 0;
}

/* Builds and signs c on the handle h; the headers it sends go to *headers
 * (free_headers them once the transfer is over). */
static int prepare(struct storage *s, CURL *h, char *errbuf, struct call *c,
    struct curl_slist **headers)
{
	struct s3 *b = s->backend;
	struct buf path, url;
	int rc;

	buf_init(&path, 0);
	buf_init(&url, 0);
	curl_easy_reset(h);
	if ((rc = reset_attempt(c)) < 0 || (rc = raw_path(b, c, &path)) < 0 || (rc = build_url(b, c, path.data, &url)) < 0 ||
	    (rc = signed_headers(b, c, path.data, headers)) < 0 ||
	    (rc = other_headers(c, headers)) < 0 ||
	    (rc = common_options(h, errbuf, c, url.data, *headers)) < 0 ||
	    (rc = method_options(h, c)) < 0)
		rc = storage_fail(s, rc, "RequestNotBuilt", "%s %s: the request could not be built (%s)",
		    c->method, call_what(c, b), err_str(rc));
	buf_free(&path); /* curl keeps its own copy of the URL */
	buf_free(&url);
	return rc;
}

/* Builds, signs and sends c once; the answer lands in c. CURLcode in *e. */
static int send_once(struct storage *s, struct call *c, CURLcode *e)
{
	struct s3 *b = s->backend;
	struct curl_slist *headers = NULL;
	int rc = prepare(s, b->curl, b->errbuf, c, &headers);

	if (rc == 0) {
		*e = curl_easy_perform(b->curl);
		/* the list is freed below: leave the handle no pointer to it */
		(void)curl_easy_setopt(b->curl, CURLOPT_HTTPHEADER, NULL);
	}
	free_headers(headers);
	return rc;
}

/* ---- what an attempt's outcome means ---- */

static const char *curl_code_name(CURLcode e)
{
	switch (e) {
	case CURLE_COULDNT_RESOLVE_HOST: return "CURLE_COULDNT_RESOLVE_HOST";
	case CURLE_COULDNT_CONNECT: return "CURLE_COULDNT_CONNECT";
	case CURLE_OPERATION_TIMEDOUT: return "CURLE_OPERATION_TIMEDOUT";
	case CURLE_SEND_ERROR: return "CURLE_SEND_ERROR";
	case CURLE_RECV_ERROR: return "CURLE_RECV_ERROR";
	case CURLE_GOT_NOTHING: return "CURLE_GOT_NOTHING";
	case CURLE_PARTIAL_FILE: return "CURLE_PARTIAL_FILE";
	case CURLE_SSL_CONNECT_ERROR: return "CURLE_SSL_CONNECT_ERROR";
	case CURLE_PEER_FAILED_VERIFICATION: return "CURLE_PEER_FAILED_VERIFICATION";
	case CURLE_WEIRD_SERVER_REPLY: return "CURLE_WEIRD_SERVER_REPLY";
	default: return "CURLE_OTHER";
	}
}

static int transient_curl(CURLcode e)
{
	return e == CURLE_COULDNT_RESOLVE_HOST || e == CURLE_COULDNT_CONNECT ||
	    e == CURLE_OPERATION_TIMEDOUT || e == CURLE_SEND_ERROR ||
	    e == CURLE_RECV_ERROR || e == CURLE_GOT_NOTHING || e == CURLE_PARTIAL_FILE ||
	    e == CURLE_SSL_CONNECT_ERROR || e == CURLE_WEIRD_SERVER_REPLY;
}

/* A transfer that failed below HTTP. */
static int curl_failed(struct storage *s, struct call *c, CURLcode e)
{
	struct s3 *b = s->backend;
	const char *what = call_what(c, b), *detail = b->errbuf[0] ? b->errbuf : curl_easy_strerror(e);
	const char *code = curl_code_name(e), *name;
	long os_errno = 0;

	if (c->sink_failed)
		return storage_fail(s, ERR_IO, "SinkAborted", "GET %s: the reader stopped", what);
	if (c->overdue)
		return storage_fail(s, ERR_UNAVAILABLE, "Deadline", "%s %s: not done within "
		    "CHATS3_S3_TIMEOUT_SECONDS (%ld s, and a second per %d bytes)", c->method, what,
		    b->timeout_ms / 1000, S3_MIN_RATE);
	if (c->read_failed)
		return storage_fail(s, ERR_IO, "EIO", "PUT %s: the file could not be read", what);
	if (curl_easy_getinfo(b->curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno > 0 &&
	    os_errno < INT_MAX && (name = strerrorname_np((int)os_errno)) != NULL)
		code = name;
	if (!transient_curl(e))
		return storage_fail(s, ERR_STORAGE, code, "%s %s: %s", c->method, what, detail);
	c->retryable = !c->begun;
	return storage_fail(s, ERR_UNAVAILABLE, code, "%s %s: %s", c->method, what, detail);
}

static int retryable_answer(long status, const char *code)
{
	return status == 500 || status == 502 || status == 503 || status == 504 ||
	    strcmp(code, "SlowDown") == 0 || strcmp(code, "RequestTimeout") == 0;
}

/* The error an HTTP answer other than 2xx stands for. */
static int answer_error(const struct call *c, long status, const char *code)
{
	if (retryable_answer(status, code))
		return ERR_UNAVAILABLE;
	if (status == 404 && c->key != NULL &&
	    (strcmp(code, "NoSuchKey") == 0 || strcmp(code, "NotFound") == 0))
		return ERR_NOTFOUND;
	if (status == 412 || (status == 409 && strcmp(code, "ConditionalRequestConflict") == 0))
		return c->create_only ? ERR_CONFLICT : ERR_STORAGE;
	return ERR_STORAGE;
}

static int http_failed(struct storage *s, struct call *c)
{
	struct s3 *b = s->backend;
	struct s3xml_error x;
	char code[64];
	int err;

	if (c->body.len > 0 && !c->body_cut && s3xml_parse_error(c->body.data, c->body.len, &x) == 0) {
		snprintf(code, sizeof code, "%s", x.code);
	} else {
		x.message[0] = '\0';
		/* HEAD answers have no body: name the status as AWS SDKs do */
		snprintf(code, sizeof code, c->status == 404 && c->key ? "NotFound" :
		    c->status == 412 ? "PreconditionFailed" : "HTTP%ld", c->status);
	}
	err = answer_error(c, c->status, code);
	c->retryable = err == ERR_UNAVAILABLE;
	return storage_fail(s, err, code, "%s %s: HTTP %ld%s%s%s%s", c->method, call_what(c, b),
	    c->status, x.message[0] ? ", " : "", x.message,
	    c->request_id[0] ? ", request id " : "", c->request_id);
}

/* One attempt: 0 for a 2xx answer, else the failure (retryable set). */
static int attempt(struct storage *s, struct call *c)
{
	CURLcode e = CURLE_OK;
	int rc;

	if ((rc = send_once(s, c, &e)) < 0)
		return rc;
	if (e != CURLE_OK)
		return curl_failed(s, c, e);
	if (!is_2xx(c->status))
		return http_failed(s, c);
	if (c->body_cut)
		return storage_fail(s, ERR_STORAGE, "ResponseTooLarge", "%s %s: answer over %zu bytes",
		    c->method, call_what(c, s->backend), c->body_limit);
	if (c->sink != NULL && !c->begun && to_sink(c, NULL, 0) < 0) /* an empty object */
		return storage_fail(s, ERR_IO, "SinkAborted", "GET %s: the reader stopped",
		    call_what(c, s->backend));
	return 0;
}

/* ---- retries ---- */

/* Full jitter: a random wait in [0, min(cap, base * 2^n)] milliseconds. */
static long backoff_ms(int n)
{
	long ceiling = S3_RETRY_BASE_MS;
	uint32_t r;

	for (int i = 0; i < n && ceiling < S3_RETRY_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > S3_RETRY_CAP_MS)
		ceiling = S3_RETRY_CAP_MS;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		return ceiling / 2;
	return (long)(r % (uint32_t)(ceiling + 1));
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* Attempts c until it succeeds, fails for good, or the budget is spent. */
static int perform(struct storage *s, struct call *c)
{
	int64_t start = clock_mono_us();
	long wait, elapsed;
	int rc;

	if (s->patience_ms > 0)
		c->deadline_us = start + (int64_t)s->patience_ms * 1000;
	c->due_us = start + (int64_t)((struct s3 *)s->backend)->timeout_ms * 1000;
	buf_init(&c->body, 0);
	c->attempts = 0;
	for (;;) {
		if (c->attempts > 0)
			metrics_add(METRIC_STORAGE_RETRIES, (const char *[]){ "s3", c->method }, 1);
		rc = attempt(s, c);
		c->attempts++;
		if (rc == 0)
			clear_fail(s);
		if (rc == 0 || !c->retryable || s->patience_ms > 0)
			break;
		wait = backoff_ms(c->attempts - 1);
		elapsed = (long)((clock_mono_us() - start) / 1000);
		if (elapsed + wait > S3_RETRY_BUDGET_MS || clock_mono_us() + wait * 1000 >= c->due_us)
			break;
		sleep_ms(wait);
	}
	if (rc == ERR_UNAVAILABLE && c->attempts > 1) {
		size_t n = strnlen(s->message, sizeof s->message);

		snprintf(s->message + n, sizeof s->message - n, " (%d attempts)", c->attempts);
	}
	return rc;
}

/* ---- the operations ---- */

static struct call new_call(const char *method, const char *key)
{
	struct call c;

	memset(&c, 0, sizeof c);
	c.method = method;
	c.key = key;
	c.fd = -1;
	c.ready = LLONG_MAX;
	c.meta.size = -1;
	return c;
}

/* 1 when an ETag (quoted or not) is the hex MD5 md5_hex. */
static int etag_is_md5(const char *etag, const char *md5_hex)
{
	size_t n = strlen(etag);

	if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"')
		etag++, n -= 2;
	return n == 32 && strncasecmp(etag, md5_hex, 32) == 0;
}

/* A create-only put that was retried and then found the key taken may
 * have been our own first attempt, whose answer was lost: it is ours when
 * the object's ETag is the MD5 of our bytes (true of single-part puts
 * without SSE-KMS). Then the put succeeded; otherwise it is a conflict. */
static int confirm_own(struct storage *s, const char *key, const char *md5_hex)
{
	struct call c = new_call("HEAD", key);
	int rc = perform(s, &c);

	buf_free(&c.body);
	if (rc < 0)
		return rc;
	if (etag_is_md5(c.meta.etag, md5_hex))
		return 0;
	return storage_fail(s, ERR_CONFLICT, "PreconditionFailed",
	    "PUT %s: the key exists (create-only)", key);
}

static int put_call(struct storage *s, struct call *c, const struct storage_digests *d)
{
	int rc;

	c->payload_hash = d->sha256_hex;
	c->content_md5 = d->md5_b64;
	rc = perform(s, c);
	buf_free(&c->body);
	if (rc == ERR_CONFLICT && c->attempts > 1)
		rc = confirm_own(s, c->key, d->md5_hex);
	return rc;
}

static int s3_put(struct storage *s, const char *key, const void *p, size_t n,
    const char *content_type, unsigned flags)
{
	struct call c = new_call("PUT", key);
	struct storage_digests d;
	int rc;

	if ((rc = storage_digest_memory(p ? p : "", n, &d)) < 0)
		return storage_fail(s, rc, "DigestFailed", "PUT %s: hashing failed", key);
	c.data = p ? p : "";
	c.size = (long long)n;
	c.content_type = content_type;
	c.create_only = (flags & STORAGE_CREATE_ONLY) != 0;
	return put_call(s, &c, &d);
}

/* ---- multipart upload: put_file of a large file, part by part ---- */

/* Part size of a file of size bytes: S3_PART_SIZE, or more when that
 * would take over S3_MAX_PARTS parts. */
static long long part_size(long long size)
{
	long long min = (size + S3_MAX_PARTS - 1) / S3_MAX_PARTS;

	return min > S3_PART_SIZE ? min : S3_PART_SIZE;
}

/* The answer to the POST of a multipart upload, kept to read; an S3
 * <Error> inside a 200 (CompleteMultipartUpload may send one) is a failure. */
static int post_call(struct storage *s, struct call *c, const char *path, char *out,
    size_t cap)
{
	struct s3xml_error x;
	int rc;

	c->body_limit = S3_ERROR_BODY_MAX;
	if ((rc = perform(s, c)) == 0 && s3xml_parse_error(c->body.data, c->body.len, &x) == 0)
		rc = storage_fail(s, retryable_answer(500, x.code) ? ERR_UNAVAILABLE : ERR_STORAGE,
		    x.code, "POST %s: %s", c->key, x.message);
	else if (rc == 0 && s3xml_parse_text(c->body.data, c->body.len, path, out, cap) < 0)
		rc = storage_fail(s, ERR_STORAGE, "MalformedXML", "POST %s: no %s in the answer",
		    c->key, path);
	buf_free(&c->body);
	return rc;
}

/* CreateMultipartUpload: the upload's id into id[S3_UPLOAD_ID_MAX]. */
static int upload_create(struct storage *s, const char *key, const char *content_type,
    char *id)
{
	static const struct sigv4_pair q[] = { { "uploads", "" } };
	struct call c = new_call("POST", key);

	c.query = q;
	c.nquery = 1;
	c.content_type = content_type ? content_type : "application/octet-stream";
	return post_call(s, &c, "InitiateMultipartUploadResult/UploadId", id, S3_UPLOAD_ID_MAX);
}

/* UploadPart number n: size bytes of fd from offset; its ETag appended
 * to the CompleteMultipartUpload document xml. */
static int upload_part(struct storage *s, const char *key, const char *id, int n, int fd,
    long long offset, long long size, struct buf *xml)
{
	char num[16];
	const struct sigv4_pair q[] = { { "partNumber", num }, { "uploadId", id } };
	struct call c = new_call("PUT", key);
	struct storage_digests d;
	int rc;

	snprintf(num, sizeof num, "%d", n);
	if ((rc = digest_file(fd, offset, size, &d)) < 0)
		return storage_fail(s, rc, "EIO", "PUT %s: part %d could not be read", key, n);
	c.query = q;
	c.nquery = 2;
	c.fd = fd;
	c.offset = offset;
	c.size = size;
	if ((rc = put_call(s, &c, &d)) < 0)
		return rc;
	if (c.meta.etag[0] == '\0' || strpbrk(c.meta.etag, "<>&") != NULL)
		return storage_fail(s, ERR_STORAGE, "MalformedETag", "PUT %s: part %d has no ETag",
		    key, n);
	if (buf_puts(xml, "<Part><PartNumber>") < 0 || buf_puts(xml, num) < 0 ||
	    buf_puts(xml, "</PartNumber><ETag>") < 0 || buf_puts(xml, c.meta.etag) < 0 ||
	    buf_puts(xml, "</ETag></Part>") < 0)
		return ERR_NOMEM;
	return 0;
}

/* CompleteMultipartUpload with the parts listed in xml. */
static int upload_complete(struct storage *s, const char *key, const char *id,
    const struct buf *xml, int create_only)
{
	const struct sigv4_pair q[] = { { "uploadId", id } };
	struct call c = new_call("POST", key);
	struct storage_digests d;
	char etag[128];
	int rc;

	if ((rc = storage_digest_memory(xml->data, xml->len, &d)) < 0)
		return storage_fail(s, rc, "DigestFailed", "POST %s: hashing failed", key);
	c.query = q;
	c.nquery = 1;
	c.content_type = "application/xml";
	c.data = xml->data;
	c.size = (long long)xml->len;
	c.payload_hash = d.sha256_hex;
	c.content_md5 = d.md5_b64;
	c.create_only = create_only;
	return post_call(s, &c, "CompleteMultipartUploadResult/ETag", etag, sizeof etag);
}

/* AbortMultipartUpload, so that S3 keeps (and bills) no parts. */
static void upload_abort(struct storage *s, const char *key, const char *id)
{
	const struct sigv4_pair q[] = { { "uploadId", id } };
	struct call c = new_call("DELETE", key);
	char code[sizeof s->code], message[sizeof s->message];

	memcpy(code, s->code, sizeof code); /* the failure that made us abort */
	memcpy(message, s->message, sizeof message);
	c.query = q;
	c.nquery = 1;
	(void)perform(s, &c);
	buf_free(&c.body);
	memcpy(s->code, code, sizeof code);
	memcpy(s->message, message, sizeof message);
}

static int s3_head(struct storage *s, const char *key, struct storage_meta *meta);

/* A create-only multipart upload refuses a key taken before it starts
 * (and AWS checks If-None-Match again when it completes). */
static int key_free(struct storage *s, const char *key)
{
	struct storage_meta m;
	int rc = s3_head(s, key, &m);

	if (rc == 0)
		return storage_fail(s, ERR_CONFLICT, "PreconditionFailed",
		    "PUT %s: the key exists (create-only)", key);
	if (rc == ERR_NOTFOUND)
		clear_fail(s);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static int put_parts(struct storage *s, const char *key, int fd, long long size,
    const char *content_type, unsigned flags)
{
	char id[S3_UPLOAD_ID_MAX];
	long long step = part_size(size), off;
	struct buf xml;
	int rc, n = 1;

	if ((flags & STORAGE_CREATE_ONLY) && (rc = key_free(s, key)) < 0)
		return rc;
	if ((rc = upload_create(s, key, content_type, id)) < 0)
		return rc;
	buf_init(&xml, 0);
	rc = buf_puts(&xml, "<CompleteMultipartUpload xmlns=\"" S3_XMLNS "\">");
	for (off = 0; rc == 0 && off < size; off += step, n++)
		rc = upload_part(s, key, id, n, fd, off, size - off < step ? size - off : step, &xml);
	if (rc == 0 && (rc = buf_puts(&xml, "</CompleteMultipartUpload>")) == 0)
		rc = upload_complete(s, key, id, &xml, (flags & STORAGE_CREATE_ONLY) != 0);
	if (rc < 0)
		upload_abort(s, key, id);
	buf_free(&xml);
	return rc;
}

static int s3_put_file(struct storage *s, const char *key, int fd, long long size,
    const struct storage_digests *known, const char *content_type, unsigned flags)
{
	struct call c = new_call("PUT", key);
	struct storage_digests d;
	int rc;

	if (size > ((struct s3 *)s->backend)->multipart_bytes)
		return put_parts(s, key, fd, size, content_type, flags);
	if (known != NULL)
		d = *known;
	else if ((rc = digest_file(fd, 0, size, &d)) < 0)
		return storage_fail(s, rc, rc == ERR_IO ? "EIO" : "DigestFailed",
		    "PUT %s: the file could not be read and hashed", key);
	c.fd = fd;
	c.size = size;
	c.content_type = content_type;
	c.create_only = (flags & STORAGE_CREATE_ONLY) != 0;
	return put_call(s, &c, &d);
}

static int s3_get_stream(struct storage *s, const char *key, const struct storage_sink *sink)
{
	struct call c = new_call("GET", key);
	int rc;

	c.sink = sink;
	c.recv_buffer = S3_STREAM_BUFFER;
	rc = perform(s, &c);
	buf_free(&c.body);
	return rc;
}

/* One wave of a get_many: up to S3_GET_PARALLEL gets on the pool's handles
 * in the multi handle at once. */
struct wave {
	struct call c[S3_GET_PARALLEL];
	struct curl_slist *headers[S3_GET_PARALLEL];
	char errbuf[S3_GET_PARALLEL][CURL_ERROR_SIZE];
	CURLcode result[S3_GET_PARALLEL];
	int added[S3_GET_PARALLEL];
};

static int pool_handle(struct s3 *b, size_t i)
{
	if (b->multi == NULL && (b->multi = curl_multi_init()) == NULL)
		return ERR_NOMEM;
	if (b->pool[i] == NULL && (b->pool[i] = curl_easy_init()) == NULL)
		return ERR_NOMEM;
	return 0;
}

/* Starts item i's get in the multi handle; a failure leaves it pending. */
static void wave_add(struct storage *s, struct wave *w, size_t i,
    const struct storage_get_item *item)
{
	struct s3 *b = s->backend;
	struct buf *out = item->out;

	w->c[i] = new_call("GET", item->key);
	w->c[i].due_us = clock_mono_us() + b->timeout_ms * 1000;
	w->c[i].body_limit = out->limit == 0 ? SIZE_MAX : out->limit > out->len ?
	    out->limit - out->len : 0;
	buf_init(&w->c[i].body, 0);
	w->result[i] = CURLE_FAILED_INIT;
	if (item->rc != STORAGE_GET_PENDING || pool_handle(b, i) < 0 ||
	    prepare(s, b->pool[i], w->errbuf[i], &w->c[i], &w->headers[i]) < 0)
		return;
	w->added[i] = curl_multi_add_handle(b->multi, b->pool[i]) == CURLM_OK;
}

/* Runs the multi handle until its transfers are over (each has its own
 * timeouts), noting each one's result. */
static void wave_run(struct s3 *b, struct wave *w, size_t k)
{
	int running = 1, left;
	CURLMsg *msg;

	while (running > 0 && curl_multi_perform(b->multi, &running) == CURLM_OK && running > 0 &&
	    curl_multi_poll(b->multi, NULL, 0, 1000, NULL) == CURLM_OK)
		;
	while ((msg = curl_multi_info_read(b->multi, &left)) != NULL)
		for (size_t i = 0; i < k; i++)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == b->pool[i])
				w->result[i] = msg->data.result;
}

/* Leaves h no pointer into a call being freed. */
static void leave_handle(CURL *h)
{
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	(void)curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
	(void)curl_easy_setopt(h, CURLOPT_XFERINFODATA, NULL);
	(void)curl_easy_setopt(h, CURLOPT_READDATA, NULL);
	(void)curl_easy_setopt(h, CURLOPT_SEEKDATA, NULL);
	(void)curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
}

/* Item i got a whole 2xx answer: its bytes go out; else it stays pending. */
static void wave_finish(struct s3 *b, struct wave *w, size_t i, struct storage_get_item *item)
{
	struct call *c = &w->c[i];

	if (w->added[i]) {
		(void)curl_multi_remove_handle(b->multi, b->pool[i]);
		if (w->result[i] == CURLE_OK && is_2xx(c->status) && !c->body_cut &&
		    buf_append(item->out, c->body.data ? c->body.data : "", c->body.len) == 0)
			item->rc = 0;
	}
	if (b->pool[i] != NULL)
		leave_handle(b->pool[i]);
	free_headers(w->headers[i]);
	buf_free(&c->body);
}

static int s3_get_many(struct storage *s, struct storage_get_item *items, size_t n)
{
	struct s3 *b = s->backend;
	struct wave *w = malloc(sizeof *w);
	size_t k;

	if (w == NULL)
		return 0; /* each item is then read alone */
	for (size_t at = 0; at < n; at += k) {
		k = n - at < S3_GET_PARALLEL ? n - at : S3_GET_PARALLEL;
		memset(w, 0, sizeof *w);
		for (size_t i = 0; i < k; i++)
			wave_add(s, w, i, &items[at + i]);
		wave_run(b, w, k);
		for (size_t i = 0; i < k; i++)
			wave_finish(b, w, i, &items[at + i]);
	}
	free(w);
	clear_fail(s); /* the items left are read alone, and fail there */
	return 0;
}

static int s3_head(struct storage *s, const char *key, struct storage_meta *meta)
{
	struct call c = new_call("HEAD", key);
	int rc = perform(s, &c);

	buf_free(&c.body);
	if (rc == 0)
		*meta = c.meta;
	return rc;
}

static int s3_del(struct storage *s, const char *key)
{
	struct call c = new_call("DELETE", key);
	int rc = perform(s, &c);

	buf_free(&c.body);
	if (rc == ERR_NOTFOUND) { /* S3 answers 204; some compatible servers 404 */
		clear_fail(s);
		rc = 0;
	}
	return rc;
}

/* ---- an early put: a file sent while it is still written ---- */

/* storage_put_begin's transfer on put_curl in put_multi. */
struct early {
	struct call c;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	int done;
	CURLcode result;
};

static void early_free(struct s3 *b, struct storage_put *p)
{
	struct early *e = p->early;

	(void)curl_multi_remove_handle(b->put_multi, b->put_curl); /* an unfinished PUT is dropped */
	leave_handle(b->put_curl);
	free_headers(e->headers);
	buf_free(&e->c.body);
	free(e);
	p->early = NULL;
}

/* Sends what may go and reads what came, without waiting. */
static void early_pump(struct s3 *b, struct early *e)
{
	CURLMsg *msg;
	int running, left;

	if (e->done)
		return;
	if (e->c.paused) {
		e->c.paused = 0;
		(void)curl_easy_pause(b->put_curl, CURLPAUSE_CONT);
	}
	if (curl_multi_perform(b->put_multi, &running) != CURLM_OK) {
		e->done = 1;
		e->result = CURLE_FAILED_INIT;
	}
	while ((msg = curl_multi_info_read(b->put_multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE) {
			e->done = 1;
			e->result = msg->data.result;
		}
}

static void s3_put_begin(struct storage *s, struct storage_put *p)
{
	struct s3 *b = s->backend;
	struct early *e;

	if (p->size < 2 || p->size > b->multipart_bytes || s->patience_ms > 0)
		return;
	if ((b->put_multi == NULL && (b->put_multi = curl_multi_init()) == NULL) ||
	    (b->put_curl == NULL && (b->put_curl = curl_easy_init()) == NULL) ||
	    (e = calloc(1, sizeof *e)) == NULL)
		return;
	e->c = new_call("PUT", p->key);
	e->c.fd = p->fd;
	e->c.size = p->size;
	e->c.ready = 0;
	e->c.content_type = p->content_type;
	e->c.create_only = (p->flags & STORAGE_CREATE_ONLY) != 0;
	e->c.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	e->c.due_us = clock_mono_us() + (int64_t)b->timeout_ms * 1000;
	buf_init(&e->c.body, 0);
	p->early = e;
	if (prepare(s, b->put_curl, e->errbuf, &e->c, &e->headers) < 0 ||
	    curl_multi_add_handle(b->put_multi, b->put_curl) != CURLM_OK) {
		early_free(b, p);
		clear_fail(s); /* the file goes whole at the end */
		return;
	}
	early_pump(b, e);
}

static void s3_put_more(struct storage *s, struct storage_put *p)
{
	struct s3 *b = s->backend;
	struct early *e = p->early;

	e->c.ready = p->have < p->size ? p->have : p->size - 1; /* the last byte at put_end */
	early_pump(b, e);
}

/* What the finished early PUT of p came to: 0 stored with d's bytes, a
 * final failure, or STORAGE_PUT_WHOLE (after removing what a transfer
 * that sent every byte may have stored). */
static int early_outcome(struct storage *s, struct storage_put *p, const struct storage_digests *d)
{
	struct early *e = p->early;
	int rc;

	if (e->done && e->result == CURLE_OK && is_2xx(e->c.status) &&
	    etag_is_md5(e->c.meta.etag, d->md5_hex))
		return 0;
	if (e->done && e->result == CURLE_OK && !is_2xx(e->c.status) &&
	    http_failed(s, &e->c) == ERR_CONFLICT)
		return ERR_CONFLICT;
	if (e->c.sent == p->size && (rc = s3_del(s, p->key)) < 0)
		return rc;
	clear_fail(s);
	return STORAGE_PUT_WHOLE;
}

static int s3_put_end(struct storage *s, struct storage_put *p, const struct storage_digests *d)
{
	struct s3 *b = s->backend;
	struct early *e = p->early;
	int rc;

	e->c.ready = p->size;
	for (early_pump(b, e); !e->done; early_pump(b, e))
		if (curl_multi_poll(b->put_multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	rc = early_outcome(s, p, d);
	early_free(b, p);
	return rc;
}

static void s3_put_cancel(struct storage *s, struct storage_put *p)
{
	early_free(s->backend, p);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A continuation token of our own: the page after this entry. S3 counts
 * keys and prefixes against max-keys; s3rver counts keys only and can
 * send more. Such a page is cut to max_keys here, and the next one asked
 * for with start-after (past everything under a prefix: U+10FFFF). */
#define AFTER_TOKEN "chats3-after:"
#define PAST_PREFIX "\xf4\x8f\xbf\xbf"

static void free_tail(char **v, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++)
		free(v[i]);
}

static int cut_page(struct storage_list *l, size_t max)
{
	size_t i = 0, j = 0;
	const char *last = NULL;
	int prefix = 0;
	char *token;

	if (l->nkeys + l->nprefixes <= max)
		return 0;
	while (i + j < max) {
		prefix = i == l->nkeys || (j < l->nprefixes && strcmp(l->prefixes[j], l->keys[i]) < 0);
		last = prefix ? l->prefixes[j++] : l->keys[i++];
	}
	if (asprintf(&token, "%s%s%s", AFTER_TOKEN, last, prefix ? PAST_PREFIX : "") < 0)
		return ERR_NOMEM;
	free_tail(l->keys, i, l->nkeys);
	free_tail(l->prefixes, j, l->nprefixes);
	l->nkeys = i;
	l->nprefixes = j;
	free(l->next_continuation);
	l->next_continuation = token;
	return 0;
}

/* Reads a page into out, in byte order (s3rver sends its walk order),
 * at most max entries. */
static int read_page(struct storage *s, const struct call *c, struct storage_list *out,
    size_t max)
{
	struct s3 *b = s->backend;
	int rc = s3xml_list_end(c->page, out);

	if (rc == ERR_NOMEM)
		return storage_fail(s, rc, "ENOMEM", "GET %s: out of memory reading the list", b->bucket);
	if (rc < 0)
		return storage_fail(s, ERR_STORAGE, "InvalidResponse",
		    "GET %s: the ListObjectsV2 answer could not be read", b->bucket);
	if (out->nkeys > 1)
		qsort(out->keys, out->nkeys, sizeof out->keys[0], str_cmp);
	if (out->nprefixes > 1)
		qsort(out->prefixes, out->nprefixes, sizeof out->prefixes[0], str_cmp);
	if (cut_page(out, max) < 0)
		return storage_fail(s, ERR_NOMEM, "ENOMEM", "GET %s: out of memory", b->bucket);
	return 0;
}

static size_t list_query(const struct storage_list_opts *o, struct sigv4_pair q[6], char *max)
{
	const char *after = o->start_after, *token = o->continuation;
	size_t n = 0;

	if (token && strncmp(token, AFTER_TOKEN, strlen(AFTER_TOKEN)) == 0) {
		after = token + strlen(AFTER_TOKEN);
		token = NULL;
	}
	q[n++] = (struct sigv4_pair){ "list-type", "2" };
	q[n++] = (struct sigv4_pair){ "max-keys", max };
	if (o->prefix && o->prefix[0])
		q[n++] = (struct sigv4_pair){ "prefix", o->prefix };
	if (o->delimiter && o->delimiter[0])
		q[n++] = (struct sigv4_pair){ "delimiter", o->delimiter };
	if (after && after[0])
		q[n++] = (struct sigv4_pair){ "start-after", after };
	if (token && token[0])
		q[n++] = (struct sigv4_pair){ "continuation-token", token };
	return n;
}

static int s3_list(struct storage *s, const struct storage_list_opts *o,
    struct storage_list *out)
{
	struct s3 *b = s->backend;
	struct call c = new_call("GET", NULL);
	struct sigv4_pair q[6];
	char max[16];
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(max, sizeof max, "%d", o->max_keys);
	c.query = q;
	c.nquery = list_query(o, q, max);
	c.body_limit = S3XML_MAX_INPUT;
	if ((c.page = s3xml_list_new()) == NULL)
		return storage_fail(s, ERR_NOMEM, "ENOMEM", "GET %s: out of memory", b->bucket);
	if ((rc = perform(s, &c)) == 0)
		rc = read_page(s, &c, out, (size_t)o->max_keys);
	s3xml_list_free(c.page);
	buf_free(&c.body);
	return rc;
}

/* The bucket answers a one-key list: the store is up and ours to use. */
static int s3_check(struct storage *s)
{
	struct storage_list_opts o = { NULL, NULL, NULL, NULL, 1 };
	struct storage_list l;
	int rc = s3_list(s, &o, &l);

	storage_list_free(&l);
	return rc == ERR_UNAVAILABLE || rc == 0 ? rc : ERR_STORAGE;
}

static const struct storage_ops s3_ops = {
	.name = "s3",
	.put = s3_put,
	.put_file = s3_put_file,
	.put_begin = s3_put_begin,
	.put_more = s3_put_more,
	.put_end = s3_put_end,
	.put_cancel = s3_put_cancel,
	.get_stream = s3_get_stream,
	.get_many = s3_get_many,
	.head = s3_head,
	.del = s3_del,
	.list = s3_list,
	.check = s3_check,
	.close = s3_close,
};
