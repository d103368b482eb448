/*
 * test_s3xml: S3 error documents and ListObjectsV2 pages as AWS, MinIO and
 * s3rver send them, odd but valid ones (entities, CDATA, comments,
 * attributes, a BOM), and broken ones: every truncation of a good answer,
 * garbage, HTML from a proxy, DOCTYPE (billion laughs included), over-deep
 * nesting, over-long fields, input past the cap. Inputs are copied to
 * exact-size heap blocks so an over-read shows under ASan.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "errors.h"
#include "s3xml.h"
#include "storage.h"

#define XMLDECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* An exact-size heap copy of in[0..n), so reading past n shows under ASan
 * and valgrind; NULL when out of memory. */
static char *exact_copy(const char *in, size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p != NULL)
		memcpy(p, in, n);
	return p;
}

static int parse_error(const char *in, size_t n, struct s3xml_error *e)
{
	char *p = exact_copy(in, n);
	int rc = p ? s3xml_parse_error(p, n, e) : ERR_NOMEM;

	free(p);
	return rc;
}

static int parse_list(const char *in, size_t n, struct storage_list *l)
{
	char *p = exact_copy(in, n);
	int rc = p ? s3xml_parse_list(p, n, l) : ERR_NOMEM;

	free(p);
	return rc;
}

static const char aws_nosuchkey[] = XMLDECL
	"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
	"<Key>conversations/c1/meta.json</Key><RequestId>4442587FB7D0A2F9</RequestId>"
	"<HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran</HostId></Error>";

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
	const char *code, *message;
} error_cases[] = {
	{ __LINE__, 0, "AWS NoSuchKey", S(aws_nosuchkey), "NoSuchKey",
	  "The specified key does not exist." },
	{ __LINE__, 0, "s3rver NoSuchBucket, newline after the declaration",
	  S(XMLDECL "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist"
	    "</Message><BucketName>nope</BucketName></Error>"),
	  "NoSuchBucket", "The specified bucket does not exist" },
	{ __LINE__, 0, "MinIO, pretty-printed",
	  S(XMLDECL "<Error>\n  <Code>AccessDenied</Code>\n  <Message>Access Denied.</Message>\n"
	    "  <Resource>/b/k</Resource>\n  <RequestId>17A2B</RequestId>\n</Error>\n"),
	  "AccessDenied", "Access Denied." },
	{ __LINE__, 0, "SignatureDoesNotMatch with a multi-line StringToSign",
	  S("<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
	    "does not match the signature you provided. Check your key and signing method.</Message>"
	    "<AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n"
	    "20261124T100000Z\n20261124/us-east-1/s3/aws4_request\nabc</StringToSign>"
	    "<CanonicalRequestBytes>47 45 54 0a</CanonicalRequestBytes></Error>"),
	  "SignatureDoesNotMatch", "The request signature we calculated does not match the "
	  "signature you provided. Check your key and signing method." },
	{ __LINE__, 0, "SlowDown, Message first", S("<Error><Message>Please reduce your request rate."
	    "</Message><Code>SlowDown</Code></Error>"), "SlowDown", "Please reduce your request rate." },
	{ __LINE__, 0, "no Message", S("<Error><Code>InternalError</Code></Error>"), "InternalError", "" },
	{ __LINE__, 0, "empty Message element", S("<Error><Code>X</Code><Message/></Error>"), "X", "" },
	{ __LINE__, 0, "entities in Message",
	  S("<Error><Code>InvalidArgument</Code><Message>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; "
	    "caf&#233; &#x1F600; &#x27;</Message></Error>"),
	  "InvalidArgument", "a & b <c> \"d\" 'e' caf\xc3\xa9 \xf0\x9f\x98\x80 '" },
	{ __LINE__, 0, "HTML named entity kept as written (s3rver's he.encode)",
	  S("<Error><Code>NoSuchKey</Code><Message>caf&eacute;</Message><Key>caf&eacute;</Key></Error>"),
	  "NoSuchKey", "caf&eacute;" },
	{ __LINE__, 0, "CDATA in Message", S("<Error><Code>X</Code><Message><![CDATA[<b>&amp;</b>]]></Message></Error>"),
	  "X", "<b>&amp;</b>" },
	{ __LINE__, 0, "comment and PI inside", S("<?xml version='1.0'?><!-- c --><Error><!--x--><Code>X<!-- y -->Y</Code>"
	    "<?pi data?></Error><!-- after -->\n"), "XY", "" },
	{ __LINE__, 0, "attributes, both quotes, '>' inside a value",
	  S("<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\" a='1>2' b = \"x\"><Code>X</Code></Error>"),
	  "X", "" },
	{ __LINE__, 0, "BOM", S("\xef\xbb\xbf<Error><Code>X</Code></Error>"), "X", "" },
	{ __LINE__, 0, "unknown element nested deep",
	  S("<Error><Code>X</Code><A><B><C><D>t</D></C></B></A></Error>"), "X", "" },
	{ __LINE__, 0, "UTF-8 in an unrelated element",
	  S("<Error><Code>NoSuchKey</Code><Key>\xe2\x82\xac/\xf0\x9f\x98\x80</Key></Error>"), "NoSuchKey", "" },
	{ __LINE__, ERR_INVAL, "empty", S(""), "", "" },
	{ __LINE__, ERR_INVAL, "white space", S(" \n"), "", "" },
	{ __LINE__, ERR_INVAL, "declaration only", S(XMLDECL), "", "" },
	{ __LINE__, ERR_INVAL, "plain text", S("Service Unavailable"), "", "" },
	{ __LINE__, ERR_INVAL, "JSON", S("{\"Code\":\"X\"}"), "", "" },
	{ __LINE__, ERR_INVAL, "HTML from a proxy", S("<html><head><title>502 Bad Gateway</title></head>"
	    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"), "", "" },
	{ __LINE__, ERR_INVAL, "HTML without end tags", S("<html><body><p>oops</body></html>"), "", "" },
	{ __LINE__, ERR_INVAL, "no Code", S("<Error><Message>m</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "empty Code", S("<Error><Code></Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "Code with a space", S("<Error><Code>No Such</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "Code with an unknown entity", S("<Error><Code>caf&eacute;</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "Code of 64 bytes",
	  S("<Error><Code>0123456789012345678901234567890123456789012345678901234567890123</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "Code not under the root", S("<Error><X><Code>A</Code></X></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "wrong root", S("<ListBucketResult><Code>X</Code></ListBucketResult>"), "", "" },
	{ __LINE__, ERR_INVAL, "two roots", S("<Error><Code>X</Code></Error><Error><Code>Y</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "text after the root", S("<Error><Code>X</Code></Error>x"), "", "" },
	{ __LINE__, ERR_INVAL, "text before the root", S("x<Error><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "mismatched end tag", S("<Error><Code>X</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "end tag is a prefix", S("<Error><Code>X</Cod></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "end tag is longer", S("<Error><Code>X</Codes></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "stray end tag", S("</Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "unterminated comment", S("<Error><Code>X</Code><!-- </Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "unterminated PI", S("<?xml <Error><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "unterminated CDATA", S("<Error><Code>X</Code><Message><![CDATA[x</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "CDATA outside the root", S("<![CDATA[x]]><Error><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "DOCTYPE", S("<!DOCTYPE Error [<!ENTITY e \"NoSuchKey\">]><Error><Code>&e;</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "billion laughs", S(XMLDECL "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
	    "<Error><Code>X</Code><Message>&lol9;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "DOCTYPE naming an external file",
	  S("<!DOCTYPE Error SYSTEM \"file:///etc/passwd\"><Error><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "bare DOCTYPE", S("<!DOCTYPE Error><Error><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "undeclared entity as the Code", S("<Error><Code>&lol9;</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "unquoted attribute", S("<Error a=1><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "attribute without value", S("<Error a><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "attribute glued to the name", S("<Error\"a\"><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "'<' in an attribute", S("<Error a='<'><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "unterminated attribute", S("<Error a='x><Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "bare '&'", S("<Error><Code>X</Code><Message>a & b</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "'&' at the end", S("<Error><Code>X</Code><Message>&"), "", "" },
	{ __LINE__, ERR_INVAL, "entity without ';'", S("<Error><Code>X</Code><Message>&amp</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "empty entity", S("<Error><Code>X</Code><Message>&;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#0;", S("<Error><Code>X</Code><Message>&#0;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#x;", S("<Error><Code>X</Code><Message>&#x;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#xD800; surrogate", S("<Error><Code>X</Code><Message>&#xD800;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#x110000;", S("<Error><Code>X</Code><Message>&#x110000;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#99999999999999999999;", S("<Error><Code>X</Code><Message>&#99999999999;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "&#12a;", S("<Error><Code>X</Code><Message>&#12a;</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "raw NUL", S("<Error><Code>X</Code><Message>a\0b</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "raw control character", S("<Error><Code>X</Code><Message>a\x01</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "invalid UTF-8", S("<Error><Code>X</Code><Message>\xff</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "UTF-8 cut in the middle", S("<Error><Code>X</Code><Message>\xe2\x82</Message></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "name starting with a digit", S("<Error><1Code>X</1Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "'<' then space", S("<Error>< Code>X</Code></Error>"), "", "" },
	{ __LINE__, ERR_INVAL, "'<' at the end", S("<Error><Code>X</Code></Error><"), "", "" },
	{ __LINE__, ERR_INVAL, "'<!' declaration inside", S("<Error><!ELEMENT x><Code>X</Code></Error>"), "", "" },
};

static void test_error_cases(void)
{
	struct s3xml_error e;

	for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
		int line = error_cases[i].line;
		int rc = parse_error(error_cases[i].in, error_cases[i].n, &e);

		CHECK_AT(line, rc == error_cases[i].rc);
		if (rc != error_cases[i].rc)
			printf("  %s: got %s\n", error_cases[i].desc, err_str(rc));
		CHECK_STR(line, e.code, error_cases[i].code);
		CHECK_STR(line, e.message, error_cases[i].message);
	}
}

/* head, count times unit, then tail into b (initialised here): 0 or the
 * buf's failure. */
static int repeated(struct buf *b, const char *head, const char *unit, int count,
    const char *tail)
{
	int rc;

	buf_init(b, 0);
	rc = buf_puts(b, head);
	for (int i = 0; i < count && rc == 0; i++)
		rc = buf_puts(b, unit);
	return rc == 0 ? buf_puts(b, tail) : rc;
}

/* A long Message is cut before a character that would not fit whole. */
static void test_error_long_message(void)
{
	struct buf b;
	struct s3xml_error e;

	/* 2 bytes each: 401 in all */
	CHECK(repeated(&b, "<Error><Code>X</Code><Message>a", "\xc3\xa9", 200,
	    "</Message></Error>") == 0);
	CHECK(parse_error(b.data, b.len, &e) == 0);
	CHECK(strlen(e.message) == 255); /* "a" + 127 whole characters */
	CHECK(strncmp(e.message, "a\xc3\xa9\xc3\xa9", 5) == 0);
	CHECK((unsigned char)e.message[254] == 0xa9);
	buf_free(&b);
}

/* Text past S3XML_MAX_TEXT in an element nobody reads is fine. */
static void test_error_huge_detail(void)
{
	struct buf b;
	struct s3xml_error e;

	/* 3 times the cap */
	CHECK(repeated(&b, "<Error><Code>X</Code><CanonicalRequestBytes>", "4a ", S3XML_MAX_TEXT,
	    "</CanonicalRequestBytes><Message>m</Message></Error>") == 0);
	CHECK(parse_error(b.data, b.len, &e) == 0);
	CHECK_STR(__LINE__, e.code, "X");
	CHECK_STR(__LINE__, e.message, "m");
	buf_free(&b);
}

/* A long Message made only of references is read: the entity guard
 * counts expansions, not the five predefined entities or &#...;. */
static void test_error_many_references(void)
{
	struct buf b;
	struct s3xml_error e;

	/* 1.1 MB */
	CHECK(repeated(&b, "<Error><Code>X</Code><Message>", "&amp;&#x41;", 100000,
	    "</Message></Error>") == 0);
	CHECK(parse_error(b.data, b.len, &e) == 0);
	CHECK(strlen(e.message) == 255 && strncmp(e.message, "&A&A", 4) == 0);
	buf_free(&b);
}

/* Nesting up to S3XML_MAX_DEPTH is read; one more is refused. */
static void test_depth(void)
{
	for (int depth = S3XML_MAX_DEPTH - 1; depth <= S3XML_MAX_DEPTH + 1; depth++) {
		struct buf b;
		struct s3xml_error e;
		int extra = depth - 1; /* below <Error> */
		int rc;

		buf_init(&b, 0);
		rc = buf_puts(&b, "<Error><Code>X</Code>");
		for (int i = 0; i < extra && rc == 0; i++)
			rc = buf_puts(&b, "<a>");
		for (int i = 0; i < extra && rc == 0; i++)
			rc = buf_puts(&b, "</a>");
		CHECK(rc == 0 && buf_puts(&b, "</Error>") == 0);
		CHECK(parse_error(b.data, b.len, &e) ==
		    (depth <= S3XML_MAX_DEPTH ? 0 : ERR_INVAL));
		buf_free(&b);
	}
}

/* A name of S3XML_MAX_NAME bytes is read; one more is refused. */
static void test_name_length(void)
{
	char name[S3XML_MAX_NAME + 2];
	struct buf b;
	struct s3xml_error e;

	for (size_t len = S3XML_MAX_NAME; len <= S3XML_MAX_NAME + 1; len++) {
		memset(name, 'n', len);
		name[len] = '\0';
		buf_init(&b, 0);
		CHECK(buf_puts(&b, "<Error><Code>X</Code><") == 0 && buf_puts(&b, name) == 0 &&
		    buf_puts(&b, "/></Error>") == 0);
		CHECK(parse_error(b.data, b.len, &e) == (len == S3XML_MAX_NAME ? 0 : ERR_INVAL));
		buf_free(&b);
	}
}

static const char list_page[] = XMLDECL
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	"<Name>chats3</Name><Prefix>conversations/</Prefix><KeyCount>2</KeyCount>"
	"<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
	"<Contents><Key>conversations/a/meta.json</Key><LastModified>2026-11-24T10:00:00.000Z</LastModified>"
	"<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>120</Size>"
	"<StorageClass>STANDARD</StorageClass></Contents>"
	"<Contents><Key>conversations/b/meta.json</Key><LastModified>2026-11-24T10:00:01.000Z</LastModified>"
	"<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size>"
	"<StorageClass>STANDARD</StorageClass></Contents>"
	"<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
	"</ListBucketResult>";

/* What s3rver 3.7.1 sends: StartAfter, he.escape's &#x27;, owner-less. */
static const char s3rver_page[] = XMLDECL
	"<ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01/\"><Name>chats3-test</Name>"
	"<Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>"
	"<IsTruncated>false</IsTruncated><Contents><Key>it&#x27;s &amp; caf\xc3\xa9</Key>"
	"<LastModified>2026-11-24T10:00:00.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>1</Size>"
	"<StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>conversations/</Prefix>"
	"</CommonPrefixes><CommonPrefixes><Prefix>tmp/</Prefix></CommonPrefixes></ListBucketResult>";

static const struct {
	int line;
	int rc;
	const char *desc;
	const char *in;
	size_t n;
	size_t nkeys, nprefixes;
	const char *first_key, *first_prefix, *token;
} list_cases[] = {
	{ __LINE__, 0, "AWS page, truncated", S(list_page), 2, 0, "conversations/a/meta.json", NULL,
	  "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=" },
	{ __LINE__, 0, "s3rver page with prefixes", S(s3rver_page), 1, 2, "it's & caf\xc3\xa9",
	  "conversations/", NULL },
	{ __LINE__, 0, "empty bucket", S(XMLDECL "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount>"
	    "<IsTruncated>false</IsTruncated></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, 0, "no IsTruncated at all", S("<ListBucketResult><Contents><Key>k</Key></Contents>"
	    "</ListBucketResult>"), 1, 0, "k", NULL, NULL },
	{ __LINE__, 0, "token ignored when not truncated",
	  S("<ListBucketResult><IsTruncated>false</IsTruncated><NextContinuationToken>t"
	    "</NextContinuationToken></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, 0, "token before IsTruncated", S("<ListBucketResult><NextContinuationToken>t"
	    "</NextContinuationToken><Contents><Key>k</Key></Contents><IsTruncated>true</IsTruncated>"
	    "</ListBucketResult>"), 1, 0, "k", NULL, "t" },
	{ __LINE__, 0, "entities and references in keys",
	  S("<ListBucketResult><Contents><Key>a/&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;/"
	    "caf&#xE9;/&#128512;</Key></Contents></ListBucketResult>"),
	  1, 0, "a/<b> & \"c\" 'd'/caf\xc3\xa9/\xf0\x9f\x98\x80", NULL, NULL },
	{ __LINE__, 0, "CDATA key, split text", S("<ListBucketResult><Contents><Key><![CDATA[a<&]]>b"
	    "<!-- c -->c</Key></Contents></ListBucketResult>"), 1, 0, "a<&bc", NULL, NULL },
	{ __LINE__, 0, "key of white space is kept", S("<ListBucketResult><Contents><Key> k </Key>"
	    "</Contents></ListBucketResult>"), 1, 0, " k ", NULL, NULL },
	{ __LINE__, 0, "pretty-printed", S("<ListBucketResult>\n  <Contents>\n    <Key>k</Key>\n"
	    "  </Contents>\n  <IsTruncated>false</IsTruncated>\n</ListBucketResult>\n"),
	  1, 0, "k", NULL, NULL },
	{ __LINE__, ERR_INVAL, "error document", S(aws_nosuchkey), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "truncated without token", S("<ListBucketResult><IsTruncated>true"
	    "</IsTruncated><Contents><Key>k</Key></Contents></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "IsTruncated not a boolean", S("<ListBucketResult><IsTruncated>yes"
	    "</IsTruncated></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "IsTruncated twice", S("<ListBucketResult><IsTruncated>false</IsTruncated>"
	    "<IsTruncated>false</IsTruncated></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "two tokens", S("<ListBucketResult><NextContinuationToken>a</NextContinuationToken>"
	    "<NextContinuationToken>b</NextContinuationToken></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "empty token", S("<ListBucketResult><IsTruncated>true</IsTruncated>"
	    "<NextContinuationToken></NextContinuationToken></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "token with an unknown entity", S("<ListBucketResult><IsTruncated>true"
	    "</IsTruncated><NextContinuationToken>&nbsp;</NextContinuationToken></ListBucketResult>"),
	  0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "Contents without Key", S("<ListBucketResult><Contents><Size>1</Size>"
	    "</Contents></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "empty Contents element", S("<ListBucketResult><Contents/></ListBucketResult>"),
	  0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "two Keys in one Contents", S("<ListBucketResult><Contents><Key>a</Key>"
	    "<Key>b</Key></Contents></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "empty Key", S("<ListBucketResult><Contents><Key></Key></Contents>"
	    "</ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "CommonPrefixes without Prefix", S("<ListBucketResult><CommonPrefixes>"
	    "</CommonPrefixes></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "key with an unknown entity", S("<ListBucketResult><Contents><Key>caf&eacute;"
	    "</Key></Contents></ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "key with &#0;", S("<ListBucketResult><Contents><Key>a&#0;b</Key></Contents>"
	    "</ListBucketResult>"), 0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "unclosed root", S("<ListBucketResult><Contents><Key>k</Key></Contents>"),
	  0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "truncated in a key", S("<ListBucketResult><Contents><Key>conversa"),
	  0, 0, NULL, NULL, NULL },
	{ __LINE__, ERR_INVAL, "garbage", S("\x89PNG\r\n\x1a\n"), 0, 0, NULL, NULL, NULL },
};

static void test_list_cases(void)
{
	struct storage_list l;

	for (size_t i = 0; i < sizeof list_cases / sizeof list_cases[0]; i++) {
		int line = list_cases[i].line;
		int rc = parse_list(list_cases[i].in, list_cases[i].n, &l);

		CHECK_AT(line, rc == list_cases[i].rc);
		if (rc != list_cases[i].rc)
			printf("  %s: got %s\n", list_cases[i].desc, err_str(rc));
		CHECK_AT(line, l.nkeys == list_cases[i].nkeys);
		CHECK_AT(line, l.nprefixes == list_cases[i].nprefixes);
		if (list_cases[i].first_key && l.nkeys)
			CHECK_STR(line, l.keys[0], list_cases[i].first_key);
		if (list_cases[i].first_prefix && l.nprefixes)
			CHECK_STR(line, l.prefixes[0], list_cases[i].first_prefix);
		if (list_cases[i].token)
			CHECK_STR(line, l.next_continuation, list_cases[i].token);
		else
			CHECK_AT(line, l.next_continuation == NULL);
		if (rc < 0)
			CHECK_AT(line, l.keys == NULL && l.prefixes == NULL && l.nkeys == 0);
		storage_list_free(&l);
	}
}

/* Every proper prefix of a good answer is refused (a cut connection),
 * except those that only drop trailing white space. */
static void test_truncations(void)
{
	static const struct { const char *p; size_t n; int list; } docs[] = {
		{ S(aws_nosuchkey), 0 }, { S(list_page), 1 }, { S(s3rver_page), 1 },
	};
	struct storage_list l;
	struct s3xml_error e;
	int bad = 0;

	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		for (size_t n = 0; n < docs[d].n; n++) {
			int rc = docs[d].list ? parse_list(docs[d].p, n, &l) :
			    parse_error(docs[d].p, n, &e);

			if (rc != ERR_INVAL)
				bad++;
			if (docs[d].list)
				storage_list_free(&l);
		}
	}
	CHECK(bad == 0);
}

/* A page fed a byte at a time, after a first answer cut short and begun
 * again (a retried request), reads as the whole page does. */
static void test_list_stream(void)
{
	struct s3xml_list *x = s3xml_list_new();
	struct storage_list l;
	int rc;

	CHECK(x != NULL);
	if (x == NULL)
		return;
	rc = s3xml_list_start(x);
	CHECK(rc == 0 && s3xml_list_feed(x, list_page, 100) == 0);
	rc = s3xml_list_start(x);
	for (size_t i = 0; i < sizeof list_page - 1 && rc == 0; i++)
		rc = s3xml_list_feed(x, list_page + i, 1);
	CHECK(rc == 0 && s3xml_list_end(x, &l) == 0);
	CHECK(l.nkeys == 2 && l.nprefixes == 0);
	CHECK_STR(__LINE__, l.nkeys == 2 ? l.keys[1] : "", "conversations/b/meta.json");
	CHECK_STR(__LINE__, l.next_continuation ? l.next_continuation : "",
	    "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	storage_list_free(&l);
	s3xml_list_free(x);
}

/* Fed in pieces, a page past S3XML_MAX_INPUT fails once it passes, and
 * garbage fails at once and for good. */
static void test_list_stream_refusals(void)
{
	static char chunk[1 << 16];
	struct s3xml_list *x = s3xml_list_new();
	struct storage_list l;
	size_t fed = 0;
	int rc;

	CHECK(x != NULL);
	if (x == NULL)
		return;
	memset(chunk, ' ', sizeof chunk);
	rc = s3xml_list_start(x);
	CHECK(rc == 0 && s3xml_list_feed(x, "<ListBucketResult>", 18) == 0);
	for (fed = 18; rc == 0; fed += sizeof chunk)
		rc = s3xml_list_feed(x, chunk, sizeof chunk);
	CHECK(rc == ERR_TOOBIG && fed > S3XML_MAX_INPUT && fed - sizeof chunk <= S3XML_MAX_INPUT);
	CHECK(s3xml_list_end(x, &l) == ERR_TOOBIG && l.keys == NULL);
	CHECK(s3xml_list_start(x) == 0 && s3xml_list_feed(x, "<html>\x01", 7) == ERR_INVAL);
	CHECK(s3xml_list_feed(x, "</html>", 7) == ERR_INVAL);
	CHECK(s3xml_list_end(x, &l) == ERR_INVAL && l.keys == NULL && l.nkeys == 0);
	s3xml_list_free(x);
	s3xml_list_free(NULL);
}

/* A key of STORAGE_MAX_KEY bytes is read, one more is refused. */
static void test_key_length(void)
{
	for (size_t len = STORAGE_MAX_KEY; len <= STORAGE_MAX_KEY + 1; len++) {
		struct buf b;
		struct storage_list l;
		int rc;

		buf_init(&b, 0);
		rc = buf_puts(&b, "<ListBucketResult><Contents><Key>");
		for (size_t i = 0; i < len && rc == 0; i++)
			rc = buf_putc(&b, 'k');
		CHECK(rc == 0 && buf_puts(&b, "</Key></Contents></ListBucketResult>") == 0);
		CHECK(parse_list(b.data, b.len, &l) == (len == STORAGE_MAX_KEY ? 0 : ERR_INVAL));
		CHECK(len != STORAGE_MAX_KEY || (l.nkeys == 1 && strlen(l.keys[0]) == len));
		storage_list_free(&l);
		buf_free(&b);
	}
}

/* count keys, then as many prefixes; checks the entry cap. */
static int big_page(struct buf *b, size_t count)
{
	char entry[64];
	int rc = buf_puts(b, "<ListBucketResult><IsTruncated>false</IsTruncated>");

	for (size_t i = 0; i < count && rc == 0; i++) {
		snprintf(entry, sizeof entry, "<Contents><Key>k/%08zu</Key></Contents>", i);
		rc = buf_puts(b, entry);
	}
	return rc == 0 ? buf_puts(b, "</ListBucketResult>") : rc;
}

static void test_entry_cap(void)
{
	static const struct { int line; size_t count; int rc; } cases[] = {
		{ __LINE__, 1000, 0 },
		{ __LINE__, S3XML_MAX_ENTRIES, 0 },
		{ __LINE__, S3XML_MAX_ENTRIES + 1, ERR_INVAL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b;
		struct storage_list l;
		int rc;

		buf_init(&b, 0);
		CHECK_AT(cases[i].line, big_page(&b, cases[i].count) == 0);
		rc = parse_list(b.data, b.len, &l);
		CHECK_AT(cases[i].line, rc == cases[i].rc);
		CHECK_AT(cases[i].line, rc < 0 || (l.nkeys == cases[i].count &&
		    strcmp(l.keys[l.nkeys - 1], "k/00000999") >= 0));
		storage_list_free(&l);
		buf_free(&b);
	}
}

/* Input past S3XML_MAX_INPUT is refused before it is read. */
static void test_input_cap(void)
{
	size_t n = S3XML_MAX_INPUT + 1;
	char *p = malloc(n);
	struct storage_list l;
	struct s3xml_error e;

	CHECK(p != NULL);
	if (p == NULL)
		return;
	memset(p, ' ', n);
	memcpy(p, "<ListBucketResult>", 18);
	memcpy(p + n - 1 - 19, "</ListBucketResult>", 19); /* then one space */
	CHECK(s3xml_parse_list(p, n, &l) == ERR_TOOBIG);
	CHECK(s3xml_parse_error(p, n, &e) == ERR_TOOBIG);
	CHECK(s3xml_parse_list(p, n - 1, &l) == 0); /* at the cap: read */
	storage_list_free(&l);
	free(p);
}

#define INITIATED "InitiateMultipartUploadResult/UploadId"

static const struct {
	int line;
	int rc;
	const char *path;
	const char *in;
	size_t n;
	const char *want;
} texts[] = {
	{ __LINE__, 0, INITIATED, S(XMLDECL "<InitiateMultipartUploadResult xmlns=\"x\"><Bucket>b"
	  "</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE.-_~</UploadId>"
	  "</InitiateMultipartUploadResult>"), "VXBsb2FkIElE.-_~" },
	{ __LINE__, 0, "CompleteMultipartUploadResult/ETag",
	  S("<CompleteMultipartUploadResult><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;"
	  "</ETag></CompleteMultipartUploadResult>"), "\"3858f62230ac3c915f300c664312c11f-9\"" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<Error><Code>AccessDenied</Code></Error>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResult><Key>k</Key>"
	  "</InitiateMultipartUploadResult>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResult><UploadId></UploadId>"
	  "</InitiateMultipartUploadResult>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResult><UploadId>a b"
	  "</UploadId></InitiateMultipartUploadResult>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResult><UploadId>abc"
	  "</UploadId>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResultX><UploadId>abc"
	  "</UploadId></InitiateMultipartUploadResultX>"), "" },
	{ __LINE__, ERR_INVAL, INITIATED, S("<InitiateMultipartUploadResult><UploadId>"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "</UploadId></InitiateMultipartUploadResult>"), "" },
};

static void test_texts(void)
{
	char out[64];

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *p = exact_copy(texts[i].in, texts[i].n);

		CHECK_AT(texts[i].line, p && s3xml_parse_text(p, texts[i].n, texts[i].path, out,
		    sizeof out) == texts[i].rc);
		CHECK_STR(texts[i].line, out, texts[i].want);
		free(p);
	}
}

int main(void)
{
	test_texts();
	test_error_cases();
	test_error_long_message();
	test_error_huge_detail();
	test_error_many_references();
	test_depth();
	test_name_length();
	test_list_cases();
	test_truncations();
	test_list_stream();
	test_list_stream_refusals();
	test_key_length();
	test_entry_cap();
	test_input_cap();
	return check_done("test_s3xml");
}
