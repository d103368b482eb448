/*
 * test_sigv4: the SigV4 signer against AWS's test suite (tests/data/sigv4,
 * both formats: every case that applies to an S3 signer), the S3 API
 * Reference examples, URI encoding, query sorting and the input checks.
 *
 * The data directory comes from argv[1], else $SIGV4_TESTDATA, else
 * tests/data/sigv4 relative to the working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "escape.h"
#include "sigv4.h"

#define MAX_FILE (1024 * 1024)
#define MAX_PARTS 32

/* The classic suite's fixed inputs (classic/README.md). */
#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE "20150830T123600Z"

#define NORMALIZES "normalize: true with a path that generic normalization changes; S3 never normalizes (the *-unnormalized twin runs)"
#define CLASSIC_NORMALIZES "normalize-path/ expects generic normalization; S3 never normalizes (the aws-c-auth *-unnormalized twin runs)"

/* Every case of both suites: run it, or say why an S3 signer skips it. */
static const struct {
	int line;
	const char *dir;    /* under the data directory */
	int classic;        /* .req/.creq/.sts/.authz instead of aws-c-auth files */
	const char *token;  /* classic: session token not written in the .req */
	const char *skip;   /* NULL: run */
} cases[] = {
	{ __LINE__, "get-header-key-duplicate", 0, NULL, NULL },
	{ __LINE__, "get-header-value-multiline", 0, NULL, NULL },
	{ __LINE__, "get-header-value-order", 0, NULL, NULL },
	{ __LINE__, "get-header-value-trim", 0, NULL, NULL },
	{ __LINE__, "get-relative-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-relative-relative-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-relative-relative-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-relative-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-slash-dot-slash-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-slash-dot-slash-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-slash-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-slash-pointless-dot-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-slash-pointless-dot-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-slash-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-slashes-normalized", 0, NULL, NORMALIZES },
	{ __LINE__, "get-slashes-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-space-normalized", 0, NULL, NULL },
	{ __LINE__, "get-space-unnormalized", 0, NULL, NULL },
	{ __LINE__, "get-unreserved", 0, NULL, NULL },
	{ __LINE__, "get-utf8", 0, NULL, NULL },
	{ __LINE__, "get-vanilla", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-empty-query-key", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-query", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-query-order-encoded", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-query-order-key-case", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-query-unreserved", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-utf8-query", 0, NULL, NULL },
	{ __LINE__, "get-vanilla-with-session-token", 0, NULL, NULL },
	{ __LINE__, "post-header-key-case", 0, NULL, NULL },
	{ __LINE__, "post-header-key-sort", 0, NULL, NULL },
	{ __LINE__, "post-header-value-case", 0, NULL, NULL },
	{ __LINE__, "post-sts-header-after", 0, NULL, NULL },
	{ __LINE__, "post-sts-header-before", 0, NULL, NULL },
	{ __LINE__, "post-vanilla", 0, NULL, NULL },
	{ __LINE__, "post-vanilla-empty-query-value", 0, NULL, NULL },
	{ __LINE__, "post-vanilla-query", 0, NULL, NULL },
	{ __LINE__, "post-x-www-form-urlencoded", 0, NULL, NULL },
	{ __LINE__, "post-x-www-form-urlencoded-parameters", 0, NULL, NULL },

	{ __LINE__, "classic/get-header-key-duplicate", 1, NULL, NULL },
	{ __LINE__, "classic/get-header-value-multiline", 1, NULL, NULL },
	{ __LINE__, "classic/get-header-value-order", 1, NULL, NULL },
	{ __LINE__, "classic/get-header-value-trim", 1, NULL, NULL },
	{ __LINE__, "classic/get-unreserved", 1, NULL, NULL },
	{ __LINE__, "classic/get-utf8", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-empty-query-key", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query-order-encoded", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query-order-key", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query-order-key-case", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query-order-value", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-query-unreserved", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-utf8-query", 1, NULL, NULL },
	{ __LINE__, "classic/get-vanilla-with-session-token", 1,
	    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267", NULL },
	{ __LINE__, "classic/normalize-path/get-relative", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-relative-relative", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-slash", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-slash-dot-slash", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-slash-pointless-dot", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-slashes", 1, NULL, CLASSIC_NORMALIZES },
	{ __LINE__, "classic/normalize-path/get-space", 1, NULL, NULL },
	{ __LINE__, "classic/normalize-path/get-special-character", 1, NULL, NULL },
	{ __LINE__, "classic/post-header-key-case", 1, NULL, NULL },
	{ __LINE__, "classic/post-header-key-sort", 1, NULL, NULL },
	{ __LINE__, "classic/post-header-value-case", 1, NULL, NULL },
	{ __LINE__, "classic/post-sts-token/post-sts-header-after", 1, NULL, NULL },
	{ __LINE__, "classic/post-sts-token/post-sts-header-before", 1, NULL, NULL },
	{ __LINE__, "classic/post-vanilla", 1, NULL, NULL },
	{ __LINE__, "classic/post-vanilla-empty-query-value", 1, NULL, NULL },
	{ __LINE__, "classic/post-vanilla-query", 1, NULL, NULL },
	{ __LINE__, "classic/post-x-www-form-urlencoded", 1, NULL, NULL },
	{ __LINE__, "classic/post-x-www-form-urlencoded-parameters", 1, NULL, NULL },
};

/* A request.txt/.req parsed in place: pointers into text. */
struct parsed {
	char *text;
	const char *method, *path, *host, *amz_date, *token, *body;
	struct sigv4_pair query[MAX_PARTS], headers[MAX_PARTS];
	struct buf decoded[2 * MAX_PARTS];
	size_t nquery, nheaders;
};

static const char *datadir = "tests/data/sigv4";

/* Reads datadir/dir/name into a new string; NULL (and a FAIL) on error. */
static char *slurp(int line, const char *dir, const char *name)
{
	char path[4096];
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;
	int n_path, ok = 1;

	buf_init(&b, MAX_FILE);
	n_path = snprintf(path, sizeof path, "%s/%s/%s", datadir, dir, name);
	if (n_path < 0 || (size_t)n_path >= sizeof path || (f = fopen(path, "rb")) == NULL) {
		printf("  cannot open %s\n", path);
		CHECK_AT(line, !"test data readable");
		return NULL;
	}
	while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ok = buf_append(&b, chunk, n) == 0;
	ok = ok && !ferror(f) && buf_reserve(&b, 0) == 0;
	fclose(f);
	CHECK_AT(line, ok);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Splits the query of a request target into percent-decoded pairs. */
static int parse_query(struct parsed *r, char *q)
{
	char *next, *eq;

	for (; q != NULL && *q != '\0'; q = next) {
		struct buf *bn = &r->decoded[2 * r->nquery], *bv = bn + 1;

		if ((next = strchr(q, '&')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(q, '=')) != NULL)
			*eq++ = '\0';
		if (r->nquery == MAX_PARTS ||
		    escape_url_decode(bn, q, strlen(q), 0) < 0 || buf_puts(bn, "") < 0 ||
		    escape_url_decode(bv, eq ? eq : "", eq ? strlen(eq) : 0, 0) < 0 ||
		    buf_puts(bv, "") < 0)
			return -1;
		r->query[r->nquery].name = bn->data;
		r->query[r->nquery++].value = bv->data;
	}
	return 0;
}

/* One header line at p (folded continuation lines joined with spaces);
 * returns the start of the next line. Host, X-Amz-Date and
 * X-Amz-Security-Token are taken out: the signer adds them itself. */
static char *parse_header(struct parsed *r, char *p, int *bad)
{
	char *end = strchr(p, '\n'), *colon = strchr(p, ':');

	while (end != NULL && (end[1] == ' ' || end[1] == '\t')) {
		*end = ' ';
		end = strchr(end, '\n');
	}
	if (end != NULL)
		*end++ = '\0';
	if (colon == NULL || (end != NULL && colon > end)) {
		*bad = 1;
		return end;
	}
	*colon = '\0';
	if (strcasecmp(p, "host") == 0)
		r->host = colon + 1;
	else if (strcasecmp(p, "x-amz-date") == 0)
		r->amz_date = colon + 1;
	else if (strcasecmp(p, "x-amz-security-token") == 0)
		r->token = colon + 1;
	else if (r->nheaders == MAX_PARTS)
		*bad = 1;
	else
		r->headers[r->nheaders++] = (struct sigv4_pair){ p, colon + 1 };
	return end;
}

/* Parses r->text: request line, headers, optional blank line and body. */
static int parse_request(struct parsed *r)
{
	char *p = r->text, *end, *sp1, *sp2, *q;
	int bad = 0;

	if ((end = strchr(p, '\n')) != NULL)
		*end = '\0';
	if ((sp1 = strchr(p, ' ')) == NULL || (sp2 = strrchr(p, ' ')) == sp1)
		return -1;
	*sp1 = *sp2 = '\0'; /* the target may hold spaces: "/example space/" */
	r->method = p;
	r->path = sp1 + 1;
	if ((q = strchr(sp1 + 1, '?')) != NULL)
		*q++ = '\0';
	if (parse_query(r, q) < 0)
		return -1;
	for (p = end ? end + 1 : NULL; p != NULL && *p != '\0' && !bad;) {
		if (*p == '\n') {
			r->body = p + 1;
			break;
		}
		p = parse_header(r, p, &bad);
	}
	return bad || r->host == NULL ? -1 : 0;
}

static void parsed_free(struct parsed *r)
{
	for (size_t i = 0; i < 2 * MAX_PARTS; i++)
		buf_free(&r->decoded[i]);
	free(r->text);
}

/* Whether generic normalization (remove dot segments, collapse "//")
 * would leave path as it is. */
static int normalizes_to_itself(const char *path)
{
	const char *seg = path + 1, *slash;

	for (;; seg = slash + 1) {
		size_t n;

		slash = strchr(seg, '/');
		n = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((n == 0 && slash != NULL) || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (slash == NULL)
			return 1;
	}
}

/* Signs r and compares the three results with the expected texts. */
static void sign_and_compare(int line, const struct sigv4_credentials *cred,
    struct sigv4_request *req, const struct parsed *r, const char *amz_date,
    const char *creq, const char *sts, const char *authz)
{
	struct sigv4_result res;

	req->method = r->method;
	req->host = r->host;
	req->path = r->path;
	req->query = r->query;
	req->nquery = r->nquery;
	req->headers = r->headers;
	req->nheaders = r->nheaders;
	CHECK_AT(line, sigv4_sign(cred, req, amz_date, &res) == 0);
	CHECK_STR(line, res.canonical_request.data, creq);
	CHECK_STR(line, res.string_to_sign.data, sts);
	CHECK_STR(line, res.authorization.data, authz);
	sigv4_result_free(&res);
}

/* The Authorization value in an aws-c-auth header-signed-request.txt. */
static const char *authorization_line(char *signed_req)
{
	char *p = strstr(signed_req, "\nAuthorization:"), *end;

	if (p == NULL)
		return "";
	p += strlen("\nAuthorization:");
	while (*p == ' ')
		p++;
	if ((end = strchr(p, '\n')) != NULL)
		*end = '\0';
	return p;
}

static const char *json_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int json_true(const cJSON *o, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* One aws-c-auth case: context.json, request.txt, header-*.txt. */
static void run_crt_case(int line, const char *dir)
{
	struct parsed r = { 0 };
	struct sigv4_credentials cred = { 0 };
	struct sigv4_request req = { 0 };
	char *ctx_text = NULL, *creq = NULL, *sts = NULL, *signed_req = NULL;
	cJSON *ctx = NULL, *c;
	char date[17] = "", hash[65];
	const char *ts;
	size_t k = 0;

	if ((ctx_text = slurp(line, dir, "context.json")) == NULL ||
	    (r.text = slurp(line, dir, "request.txt")) == NULL ||
	    (creq = slurp(line, dir, "header-canonical-request.txt")) == NULL ||
	    (sts = slurp(line, dir, "header-string-to-sign.txt")) == NULL ||
	    (signed_req = slurp(line, dir, "header-signed-request.txt")) == NULL)
		goto done;
	ctx = cJSON_Parse(ctx_text);
	c = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
	CHECK_AT(line, ctx != NULL && c != NULL && parse_request(&r) == 0);
	if (ctx == NULL || c == NULL || r.host == NULL)
		goto done;
	cred.access_key_id = json_str(c, "access_key_id");
	cred.secret_access_key = json_str(c, "secret_access_key");
	if (!json_true(ctx, "omit_session_token"))
		cred.session_token = json_str(c, "token");
	cred.region = json_str(ctx, "region");
	cred.service = json_str(ctx, "service");
	/* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
	for (ts = json_str(ctx, "timestamp"); ts != NULL && *ts != '\0' && k < 16; ts++)
		if (*ts != '-' && *ts != ':')
			date[k++] = *ts;
	/* A normalize: true case runs only when normalization is a no-op. */
	CHECK_AT(line, !json_true(ctx, "normalize") || normalizes_to_itself(r.path));
	if (json_true(ctx, "sign_body")) {
		const char *body = r.body ? r.body : "";

		CHECK_AT(line, sigv4_sha256_hex(body, strlen(body), hash) == 0);
		req.payload_hash = hash;
	} else {
		req.no_content_sha256 = 1;
	}
	sign_and_compare(line, &cred, &req, &r, date, creq, sts,
	    authorization_line(signed_req));
done:
	cJSON_Delete(ctx);
	parsed_free(&r);
	free(ctx_text);
	free(creq);
	free(sts);
	free(signed_req);
}

/* One classic case: <dir>/<name>.req, .creq, .sts, .authz. */
static void run_classic_case(int line, const char *dir, const char *token)
{
	const char *base = strrchr(dir, '/') + 1;
	struct parsed r = { 0 };
	struct sigv4_credentials cred = {
		SUITE_KEY, SUITE_SECRET, token, "us-east-1", "service"
	};
	struct sigv4_request req = { 0 };
	char *creq = NULL, *sts = NULL, *authz = NULL, name[256], hash[65];
	const char *exts[] = { "req", "creq", "sts", "authz" };
	char **dst[] = { &r.text, &creq, &sts, &authz };
	int n;

	for (size_t i = 0; i < 4; i++) {
		n = snprintf(name, sizeof name, "%s.%s", base, exts[i]);
		if (n < 0 || (size_t)n >= sizeof name || (*dst[i] = slurp(line, dir, name)) == NULL)
			goto done;
	}
	CHECK_AT(line, parse_request(&r) == 0);
	if (r.host == NULL)
		goto done;
	CHECK_AT(line, r.amz_date != NULL && strcmp(r.amz_date, SUITE_DATE) == 0);
	if (r.token != NULL)
		cred.session_token = r.token;
	/* The classic suite hashes the body but never sends x-amz-content-sha256. */
	CHECK_AT(line, sigv4_sha256_hex(r.body ? r.body : "", r.body ? strlen(r.body) : 0,
	    hash) == 0);
	req.payload_hash = hash;
	req.no_content_sha256 = 1;
	sign_and_compare(line, &cred, &req, &r, SUITE_DATE, creq, sts, authz);
done:
	parsed_free(&r);
	free(creq);
	free(sts);
	free(authz);
}

static void test_vectors(void)
{
	size_t ran = 0, skipped = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].skip != NULL) {
			printf("skip %s: %s\n", cases[i].dir, cases[i].skip);
			skipped++;
			continue;
		}
		if (cases[i].classic)
			run_classic_case(cases[i].line, cases[i].dir, cases[i].token);
		else
			run_crt_case(cases[i].line, cases[i].dir);
		ran++;
	}
	printf("vectors: %zu run, %zu skipped\n", ran, skipped);
}

/*
 * The worked examples of the Amazon S3 API Reference, "Signature
 * Calculations for the Authorization Header" (sig-v4-header-based-auth):
 * GET object, PUT object, GET bucket lifecycle, GET bucket (list objects).
 */
#define DOC_CREDENTIALS { "AKIAIOSFODNN7EXAMPLE", \
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "us-east-1", "s3" }
#define DOC_AUTH "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders="

static const struct sigv4_pair doc_range[] = { { "Range", "bytes=0-9" } };
static const struct sigv4_pair doc_put_headers[] = {
	{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
	{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
};
static const struct sigv4_pair doc_lifecycle[] = { { "lifecycle", "" } };
static const struct sigv4_pair doc_list[] = { { "prefix", "J" }, { "max-keys", "2" } };

static const struct {
	int line;
	const char *desc;
	struct sigv4_request req;
	const char *creq, *sts, *authz;
} doc_cases[] = {
	{ __LINE__, "GET object, Range signed",
	    { "GET", "examplebucket.s3.amazonaws.com", "/test.txt", NULL, 0,
	    doc_range, 1, SIGV4_EMPTY_SHA256, 0 },
	    "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
	    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\nx-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n" SIGV4_EMPTY_SHA256,
	    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
	    DOC_AUTH "host;range;x-amz-content-sha256;x-amz-date, "
	    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
	{ __LINE__, "PUT object, '$' in the key, body hashed",
	    { "PUT", "examplebucket.s3.amazonaws.com", "/test$file.text", NULL, 0,
	    doc_put_headers, 2,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", 0 },
	    NULL, NULL,
	    DOC_AUTH "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
	    "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" },
	{ __LINE__, "GET bucket lifecycle, empty query value",
	    { "GET", "examplebucket.s3.amazonaws.com", "/", doc_lifecycle, 1,
	    NULL, 0, SIGV4_EMPTY_SHA256, 0 },
	    NULL, NULL,
	    DOC_AUTH "host;x-amz-content-sha256;x-amz-date, "
	    "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
	{ __LINE__, "GET bucket (list objects), query sorted",
	    { "GET", "examplebucket.s3.amazonaws.com", "/", doc_list, 2,
	    NULL, 0, SIGV4_EMPTY_SHA256, 0 },
	    NULL, NULL,
	    DOC_AUTH "host;x-amz-content-sha256;x-amz-date, "
	    "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
};

static void test_s3_examples(void)
{
	const struct sigv4_credentials cred = DOC_CREDENTIALS;
	struct sigv4_result res;

	for (size_t i = 0; i < sizeof doc_cases / sizeof doc_cases[0]; i++) {
		int line = doc_cases[i].line;

		CHECK_AT(line, sigv4_sign(&cred, &doc_cases[i].req, "20130524T000000Z", &res) == 0);
		if (doc_cases[i].creq != NULL)
			CHECK_STR(line, res.canonical_request.data, doc_cases[i].creq);
		if (doc_cases[i].sts != NULL)
			CHECK_STR(line, res.string_to_sign.data, doc_cases[i].sts);
		CHECK_STR(line, res.authorization.data, doc_cases[i].authz);
		sigv4_result_free(&res);
	}
}

static const struct {
	int line;
	const char *desc;
	const char *in;
	size_t n;
	int keep_slash;
	const char *want;
} encode_cases[] = {
	{ __LINE__, "empty", S(""), 1, "" },
	{ __LINE__, "unreserved kept", S("AZaz09-._~"), 0, "AZaz09-._~" },
	{ __LINE__, "space is %20, never +", S("a b"), 1, "a%20b" },
	{ __LINE__, "plus escaped", S("a+b"), 1, "a%2Bb" },
	{ __LINE__, "percent escaped", S("%"), 1, "%25" },
	{ __LINE__, "tilde kept", S("~"), 0, "~" },
	{ __LINE__, "percent escaped, not taken as an escape", S("100%25"), 1, "100%2525" },
	{ __LINE__, "slash kept in a path", S("/a/b/"), 1, "/a/b/" },
	{ __LINE__, "slash escaped in a query", S("/a/b/"), 0, "%2Fa%2Fb%2F" },
	{ __LINE__, "double slash kept as is", S("//x//"), 1, "//x//" },
	{ __LINE__, "dot segments kept as is", S("/./../a"), 1, "/./../a" },
	{ __LINE__, "euro sign, one escape per UTF-8 byte", S("\xe2\x82\xac"), 1, "%E2%82%AC" },
	{ __LINE__, "emoji, four bytes", S("\xf0\x9f\x98\x80"), 1, "%F0%9F%98%80" },
	{ __LINE__, "uppercase hex", S("\xff\xfe"), 0, "%FF%FE" },
	{ __LINE__, "reserved sub-delims escaped", S("!$&'()*,;=:@"), 1,
	    "%21%24%26%27%28%29%2A%2C%3B%3D%3A%40" },
	{ __LINE__, "gen-delims escaped", S("?#[]"), 1, "%3F%23%5B%5D" },
	{ __LINE__, "controls and DEL escaped", S("\t\n\x7f"), 1, "%09%0A%7F" },
	{ __LINE__, "NUL byte inside the length", "a\0b", 3, 1, "a%00b" },
	{ __LINE__, "quote, backslash, braces", S("\"\\{}^`|<>"), 1,
	    "%22%5C%7B%7D%5E%60%7C%3C%3E" },
};

static void test_uri_encode(void)
{
	struct buf out;

	for (size_t i = 0; i < sizeof encode_cases / sizeof encode_cases[0]; i++) {
		int line = encode_cases[i].line;

		buf_init(&out, 0);
		CHECK_AT(line, sigv4_uri_encode(&out, encode_cases[i].in, encode_cases[i].n,
		    encode_cases[i].keep_slash) == 0);
		CHECK_STR(line, out.len ? out.data : "", encode_cases[i].want);
		buf_free(&out);
	}
	buf_init(&out, 5);
	CHECK(sigv4_uri_encode(&out, S("abc d"), 0) == ERR_TOOBIG);
	buf_free(&out);
}

static const struct sigv4_pair q_sorted[] = {
	{ "prefix", "a b+c" }, { "list-type", "2" }, { "delimiter", "/" },
};
static const struct sigv4_pair q_empty[] = { { "uploads", "" }, { "", "x" } };
static const struct sigv4_pair q_dup[] = { { "a", "2" }, { "a", "10" }, { "a", "1" } };
/* Raw '~' sorts after raw 0xC3; encoded, "%C3%A9" sorts first. */
static const struct sigv4_pair q_encoded_order[] = { { "~", "1" }, { "\xc3\xa9", "2" } };
static const struct sigv4_pair q_space_plus[] = { { "a+b", "1" }, { "a b", "2" } };

static const struct {
	int line;
	const char *desc;
	const struct sigv4_pair *q;
	size_t n;
	const char *want;
} query_cases[] = {
	{ __LINE__, "none", NULL, 0, "" },
	{ __LINE__, "sorted by name, values encoded", q_sorted, 3,
	    "delimiter=%2F&list-type=2&prefix=a%20b%2Bc" },
	{ __LINE__, "empty value gives name=, empty name sorts first", q_empty, 2,
	    "=x&uploads=" },
	{ __LINE__, "same name: sorted by value bytes", q_dup, 3, "a=1&a=10&a=2" },
	{ __LINE__, "sorted after encoding", q_encoded_order, 2, "%C3%A9=2&~=1" },
	{ __LINE__, "%20 before %2B", q_space_plus, 2, "a%20b=2&a%2Bb=1" },
};

static void test_canonical_query(void)
{
	struct buf out;

	for (size_t i = 0; i < sizeof query_cases / sizeof query_cases[0]; i++) {
		int line = query_cases[i].line;

		buf_init(&out, 0);
		CHECK_AT(line, sigv4_canonical_query(&out, query_cases[i].q, query_cases[i].n) == 0);
		CHECK_STR(line, out.len ? out.data : "", query_cases[i].want);
		buf_free(&out);
	}
}

static void test_helpers(void)
{
	char hex[65], date[17];

	CHECK(sigv4_sha256_hex("", 0, hex) == 0);
	CHECK_STR(__LINE__, hex, SIGV4_EMPTY_SHA256);
	CHECK(sigv4_sha256_hex("abc", 3, hex) == 0);
	CHECK_STR(__LINE__, hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(sigv4_amz_date(0, date) == 0);
	CHECK_STR(__LINE__, date, "19700101T000000Z");
	CHECK(sigv4_amz_date(1440938160, date) == 0);
	CHECK_STR(__LINE__, date, SUITE_DATE);
	CHECK(sigv4_amz_date(1369353600, date) == 0);
	CHECK_STR(__LINE__, date, "20130524T000000Z");
}

/* Inputs the signer must refuse; each case changes one field of a good
 * request (set by the fill function). */
enum bad_field { B_NONE, B_KEY, B_SECRET, B_REGION, B_DATE, B_METHOD, B_HOST,
	B_PATH, B_HASH, B_HEADER, B_NQUERY, B_QUERY };

static char long_string[SIGV4_MAX_FIELD + 2];

static const struct {
	int line;
	int rc;
	const char *desc;
	enum bad_field field;
	const char *value;  /* for B_HEADER: the header name */
	const char *value2; /* for B_HEADER: the header value */
} bad_cases[] = {
	{ __LINE__, 0, "the good request signs", B_NONE, NULL, NULL },
	{ __LINE__, ERR_INVAL, "access key with '/'", B_KEY, "AKID/X", NULL },
	{ __LINE__, ERR_INVAL, "access key with a space", B_KEY, "AKID X", NULL },
	{ __LINE__, ERR_INVAL, "empty access key", B_KEY, "", NULL },
	{ __LINE__, ERR_INVAL, "no secret", B_SECRET, NULL, NULL },
	{ __LINE__, ERR_INVAL, "empty secret", B_SECRET, "", NULL },
	{ __LINE__, ERR_TOOBIG, "absurd secret", B_SECRET, long_string, NULL },
	{ __LINE__, ERR_INVAL, "region with '/'", B_REGION, "us/east", NULL },
	{ __LINE__, ERR_INVAL, "date without Z", B_DATE, "20150830T123600", NULL },
	{ __LINE__, ERR_INVAL, "date with letters", B_DATE, "2015083OT123600Z", NULL },
	{ __LINE__, ERR_INVAL, "date too long", B_DATE, "20150830T123600ZZ", NULL },
	{ __LINE__, ERR_INVAL, "method with a space", B_METHOD, "GE T", NULL },
	{ __LINE__, ERR_INVAL, "empty method", B_METHOD, "", NULL },
	{ __LINE__, ERR_INVAL, "host with CRLF", B_HOST, "a\r\nx: y", NULL },
	{ __LINE__, ERR_INVAL, "empty host", B_HOST, "", NULL },
	{ __LINE__, ERR_INVAL, "relative path", B_PATH, "key", NULL },
	{ __LINE__, ERR_INVAL, "empty path", B_PATH, "", NULL },
	{ __LINE__, ERR_TOOBIG, "absurd path", B_PATH, long_string, NULL },
	{ __LINE__, ERR_INVAL, "uppercase hex payload hash", B_HASH,
	    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", NULL },
	{ __LINE__, ERR_INVAL, "short payload hash", B_HASH, "e3b0", NULL },
	{ __LINE__, 0, "UNSIGNED-PAYLOAD", B_HASH, SIGV4_UNSIGNED_PAYLOAD, NULL },
	{ __LINE__, ERR_INVAL, "header value with LF", B_HEADER, "x-amz-meta-a", "a\nb" },
	{ __LINE__, ERR_INVAL, "header value with a control byte", B_HEADER, "x-amz-meta-a", "a\x01" },
	{ __LINE__, 0, "header value with a tab", B_HEADER, "x-amz-meta-a", "a\tb" },
	{ __LINE__, ERR_INVAL, "header name with a space", B_HEADER, "x amz", "v" },
	{ __LINE__, ERR_INVAL, "header name with a colon", B_HEADER, "x:amz", "v" },
	{ __LINE__, ERR_INVAL, "empty header name", B_HEADER, "", "v" },
	{ __LINE__, ERR_INVAL, "Host passed again", B_HEADER, "Host", "evil" },
	{ __LINE__, ERR_INVAL, "X-Amz-Date passed again", B_HEADER, "X-Amz-Date", "20200101T000000Z" },
	{ __LINE__, ERR_INVAL, "x-amz-content-sha256 passed again", B_HEADER, "x-amz-content-sha256", "x" },
	{ __LINE__, ERR_INVAL, "x-amz-security-token passed again", B_HEADER, "X-Amz-Security-Token", "x" },
	{ __LINE__, ERR_INVAL, "Authorization passed in", B_HEADER, "Authorization", "x" },
	{ __LINE__, ERR_TOOBIG, "absurd header value", B_HEADER, "x-amz-meta-a", long_string },
	{ __LINE__, ERR_TOOBIG, "too many query parameters", B_NQUERY, NULL, NULL },
	{ __LINE__, ERR_INVAL, "query name NULL", B_QUERY, NULL, "v" },
	{ __LINE__, ERR_TOOBIG, "absurd query value", B_QUERY, "n", long_string },
};

static void test_bad_inputs(void)
{
	static struct sigv4_pair many[SIGV4_MAX_PAIRS + 1];
	struct sigv4_pair one;
	struct sigv4_result res;

	memset(long_string, 'a', sizeof long_string - 1);
	long_string[0] = '/';
	for (size_t i = 0; i < SIGV4_MAX_PAIRS + 1; i++)
		many[i] = (struct sigv4_pair){ "a", "b" };
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct sigv4_credentials cred = { "AKID", "secret", NULL, "us-east-1", "s3" };
		struct sigv4_request req = { "GET", "b.example", "/k", NULL, 0, NULL, 0, NULL, 0 };
		const char *date = SUITE_DATE, *v = bad_cases[i].value;

		switch (bad_cases[i].field) {
		case B_NONE: break;
		case B_KEY: cred.access_key_id = v; break;
		case B_SECRET: cred.secret_access_key = v; break;
		case B_REGION: cred.region = v; break;
		case B_DATE: date = v; break;
		case B_METHOD: req.method = v; break;
		case B_HOST: req.host = v; break;
		case B_PATH: req.path = v; break;
		case B_HASH: req.payload_hash = v; break;
		case B_HEADER:
			one = (struct sigv4_pair){ v, bad_cases[i].value2 };
			req.headers = &one;
			req.nheaders = 1;
			break;
		case B_NQUERY: req.query = many; req.nquery = SIGV4_MAX_PAIRS + 1; break;
		case B_QUERY:
			one = (struct sigv4_pair){ v, bad_cases[i].value2 };
			req.query = &one;
			req.nquery = 1;
			break;
		}
		CHECK_AT(bad_cases[i].line, sigv4_sign(&cred, &req, date, &res) == bad_cases[i].rc);
		if (bad_cases[i].rc == 0)
			CHECK_AT(bad_cases[i].line, res.authorization.len > 0);
		sigv4_result_free(&res);
	}
}

/* What the signer adds by itself: token only when set, content hash
 * unless told not to, headers merged case-insensitively. */
static void test_own_headers(void)
{
	struct sigv4_credentials cred = { "AKID", "secret", "", "us-east-1", "s3" };
	const struct sigv4_pair h[] = {
		{ "X-Amz-Meta-B", "  two   words  " }, { "x-amz-meta-a", "1" },
		{ "X-AMZ-META-A", "2" }, { "Content-Type", "" },
	};
	struct sigv4_request req = { "PUT", "127.0.0.1:9000", "/bucket/a b/c+d%e~",
		NULL, 0, h, 4, SIGV4_UNSIGNED_PAYLOAD, 0 };
	struct sigv4_result res;

	CHECK(sigv4_sign(&cred, &req, SUITE_DATE, &res) == 0);
	CHECK_STR(__LINE__, res.canonical_request.data,
	    "PUT\n/bucket/a%20b/c%2Bd%25e~\n\n"
	    "content-type:\nhost:127.0.0.1:9000\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"
	    "x-amz-date:20150830T123600Z\nx-amz-meta-a:1,2\nx-amz-meta-b:two words\n\n"
	    "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a;x-amz-meta-b\n"
	    "UNSIGNED-PAYLOAD");
	sigv4_result_free(&res);
	cred.session_token = "tok";
	req.no_content_sha256 = 1;
	req.nheaders = 0;
	CHECK(sigv4_sign(&cred, &req, SUITE_DATE, &res) == 0);
	CHECK(strstr(res.authorization.data,
	    "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=") != NULL);
	CHECK(strstr(res.canonical_request.data, "\nx-amz-security-token:tok\n") != NULL);
	sigv4_result_free(&res);
}

/* A kept signing key signs as a fresh derivation does: again on its day,
 * and derived anew for another day, region, service or secret. */
static void test_signing_key(void)
{
	static const struct {
		int line;
		const char *date, *region, *service, *secret;
	} scopes[] = {
		{ __LINE__, SUITE_DATE, "us-east-1", "s3", "secret" },
		{ __LINE__, "20150830T235959Z", "us-east-1", "s3", "secret" }, /* kept */
		{ __LINE__, "20150831T000000Z", "us-east-1", "s3", "secret" }, /* a new day */
		{ __LINE__, "20150831T000000Z", "eu-west-1", "s3", "secret" },
		{ __LINE__, "20150831T000000Z", "eu-west-1", "iam", "secret" },
		{ __LINE__, "20150831T000000Z", "eu-west-1", "iam", "rotated" },
		{ __LINE__, "20150831T000001Z", "eu-west-1", "iam", "rotated" }, /* kept */
	};
	struct sigv4_key key;
	struct sigv4_request req = { "GET", "127.0.0.1:9000", "/bucket/k", NULL, 0, NULL, 0,
		NULL, 0 };

	memset(&key, 0, sizeof key);
	for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
		struct sigv4_credentials cred = { "AKID", scopes[i].secret, "", scopes[i].region,
			scopes[i].service };
		struct sigv4_result fresh, kept;

		CHECK_AT(scopes[i].line, sigv4_sign(&cred, &req, scopes[i].date, &fresh) == 0);
		CHECK_AT(scopes[i].line, sigv4_sign_keyed(&cred, &req, scopes[i].date, &key,
		    &kept) == 0);
		CHECK_STR(scopes[i].line, kept.authorization.data, fresh.authorization.data);
		sigv4_result_free(&fresh);
		sigv4_result_free(&kept);
	}
	sigv4_key_clear(&key);
	CHECK(key.scope[0] == '\0');
}

int main(int argc, char **argv)
{
	const char *env = getenv("SIGV4_TESTDATA");

	if (argc > 1)
		datadir = argv[1];
	else if (env != NULL && *env != '\0')
		datadir = env;
	test_uri_encode();
	test_canonical_query();
	test_helpers();
	test_bad_inputs();
	test_own_headers();
	test_signing_key();
	test_s3_examples();
	test_vectors();
	return check_done("test_sigv4");
}
