/*
 * test_ticket: parsing (base64url or raw JSON; each member's type and
 * form; the 4 KiB cap), verification in its order (integrator, signature,
 * times, origin) at fixed times, the signature of a known vector, and
 * each fault's status.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base64url.h"
#include "check.h"
#include "errors.h"
#include "integrators.h"
#include "ticket.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define T0 1764590400000LL /* 2025-12-01T12:00:00.000Z */

static const char integrators_json[] =
    "[{\"id\":\"acme\",\"secret\":\"" SECRET "\",\"allowedOrigins\":[\"https://acme.example\"]}]";

#define GOOD_MEMBERS "\"integratorId\":\"acme\",\"conversationId\":\"room-1\"," \
	"\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\",\"displayName\":\"Alice\"," \
	"\"role\":\"user\",\"origin\":\"https://acme.example\",\"nonce\":\"n0nce-0123456789ab\""
#define TIMES(i, e) ",\"issuedAt\":\"" i "\",\"expiresAt\":\"" e "\""
#define GOOD "{" GOOD_MEMBERS TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:01:00.000Z") "}"

static const struct {
	int line;
	int want;
	const char *desc;
	const char *json;
	const char *detail; /* for TICKET_BAD_FIELD */
} parse_cases[] = {
	{ __LINE__, TICKET_OK, "a good ticket", GOOD, "" },
	{ __LINE__, TICKET_OK, "with an avatar", "{" GOOD_MEMBERS ",\"avatarUrl\":\"https://a.example/x.png\""
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", "" },
	{ __LINE__, TICKET_OK, "a null avatar", "{" GOOD_MEMBERS ",\"avatarUrl\":null"
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", "" },
	{ __LINE__, TICKET_BAD_JSON, "not JSON", "{nope", NULL },
	{ __LINE__, TICKET_BAD_JSON, "an array", "[1]", NULL },
	{ __LINE__, TICKET_BAD_FIELD, "a member twice", "{" GOOD_MEMBERS ",\"role\":\"admin\""
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", "a member appears twice" },
	{ __LINE__, TICKET_BAD_FIELD, "no times", "{" GOOD_MEMBERS "}", "issuedAt is required" },
	{ __LINE__, TICKET_BAD_FIELD, "a number for a name", "{\"integratorId\":\"acme\","
	  "\"conversationId\":\"room-1\",\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\","
	  "\"displayName\":5,\"role\":\"user\",\"origin\":\"https://acme.example\","
	  "\"nonce\":\"n0nce-0123456789ab\""
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", NULL },
	{ __LINE__, TICKET_BAD_FIELD, "an upper-case user id", "{\"integratorId\":\"acme\","
	  "\"conversationId\":\"room-1\",\"userId\":\"3F2C7A0E-1B2D-4C5E-8F90-A1B2C3D4E5F6\","
	  "\"displayName\":\"A\",\"role\":\"user\",\"origin\":\"https://acme.example\","
	  "\"nonce\":\"n0nce-0123456789ab\"" TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}",
	  "userId must be a lowercase UUID" },
	{ __LINE__, TICKET_BAD_FIELD, "a path in the origin", "{\"integratorId\":\"acme\","
	  "\"conversationId\":\"room-1\",\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\","
	  "\"displayName\":\"A\",\"role\":\"user\",\"origin\":\"https://acme.example/\","
	  "\"nonce\":\"n0nce-0123456789ab\"" TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}",
	  NULL },
	{ __LINE__, TICKET_BAD_FIELD, "a conversation id with a slash", "{\"integratorId\":\"acme\","
	  "\"conversationId\":\"a/b\",\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\","
	  "\"displayName\":\"A\",\"role\":\"user\",\"origin\":\"https://acme.example\","
	  "\"nonce\":\"n0nce-0123456789ab\"" TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}",
	  NULL },
};

static void test_parse(void)
{
	char b64[BASE64URL_LEN(TICKET_MAX) + 1];
	struct ticket t;

	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *j = parse_cases[i].json;
		/* raw JSON text is taken only when it starts with '{' */
		int rc = ticket_parse(j, strlen(j), &t), raw = j[0] == '{' ? parse_cases[i].want :
		    TICKET_BAD_ENCODING;

		CHECK_AT(parse_cases[i].line, rc == raw);
		if (parse_cases[i].detail != NULL)
			CHECK_STR(parse_cases[i].line, t.detail, parse_cases[i].detail);
		ticket_free(&t);
		CHECK_AT(parse_cases[i].line, base64url_encode(j, strlen(j), b64, sizeof b64) == 0);
		CHECK_AT(parse_cases[i].line, ticket_parse(b64, strlen(b64), &t) == parse_cases[i].want);
		ticket_free(&t);
	}
	CHECK(ticket_parse("e30=", 4, &t) == TICKET_BAD_ENCODING); /* padded "{}" */
	ticket_free(&t);
	CHECK(ticket_parse("!!", 2, &t) == TICKET_BAD_ENCODING);
	ticket_free(&t);
	CHECK(ticket_parse(GOOD, strlen(GOOD), &t) == TICKET_OK);
	CHECK(t.issued_at == T0 && t.expires_at == T0 + 60000 && t.v.avatar_url == NULL);
	ticket_free(&t);
}

static void test_too_big(void)
{
	static char big[TICKET_MAX + 2];
	struct ticket t;

	memset(big, 'A', sizeof big - 1);
	CHECK(ticket_parse(big, TICKET_MAX + 1, &t) == TICKET_TOO_BIG);
	ticket_free(&t);
}

static const struct {
	int line;
	int want;
	const char *desc;
	const char *json;
	int64_t now;
	int resign; /* 0: the signature of another text */
} verify_cases[] = {
	{ __LINE__, TICKET_OK, "good", GOOD, T0 + 1000, 1 },
	{ __LINE__, TICKET_OK, "issued 5 s ahead of us", GOOD, T0 - 5000, 1 },
	{ __LINE__, TICKET_FUTURE, "issued 5.001 s ahead", GOOD, T0 - 5001, 1 },
	{ __LINE__, TICKET_EXPIRED, "at expiresAt", GOOD, T0 + 60000, 1 },
	{ __LINE__, TICKET_BAD_SIGNATURE, "signed another text", GOOD, T0 + 1000, 0 },
	{ __LINE__, TICKET_LIFETIME, "61 s", "{" GOOD_MEMBERS
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:01:01.000Z") "}", T0 + 1000, 1 },
	{ __LINE__, TICKET_LIFETIME, "expires when issued", "{" GOOD_MEMBERS
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:00.000Z") "}", T0 - 1000, 1 },
	{ __LINE__, TICKET_UNKNOWN_INTEGRATOR, "unknown integrator, before its signature",
	  "{\"integratorId\":\"nobody\",\"conversationId\":\"r\","
	  "\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\",\"displayName\":\"A\",\"role\":\"user\","
	  "\"origin\":\"https://acme.example\",\"nonce\":\"n0nce-0123456789ab\""
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", T0, 0 },
	{ __LINE__, TICKET_ORIGIN, "origin not allowed",
	  "{\"integratorId\":\"acme\",\"conversationId\":\"r\","
	  "\"userId\":\"3f2c7a0e-1b2d-4c5e-8f90-a1b2c3d4e5f6\",\"displayName\":\"A\",\"role\":\"user\","
	  "\"origin\":\"https://evil.example\",\"nonce\":\"n0nce-0123456789ab\""
	  TIMES("2025-12-01T12:00:00.000Z", "2025-12-01T12:00:30.000Z") "}", T0, 1 },
};

static void test_verify(void)
{
	char err[CONFIG_ERR_LEN], sig[TICKET_SIG_LEN + 1];
	const struct integrator *who;
	struct integrators list;
	struct ticket t;

	CHECK(integrators_parse(integrators_json, strlen(integrators_json), &list, err) == 0);
	for (size_t i = 0; i < sizeof verify_cases / sizeof verify_cases[0]; i++) {
		const char *j = verify_cases[i].json;

		CHECK_AT(verify_cases[i].line, ticket_parse(j, strlen(j), &t) == TICKET_OK);
		CHECK_AT(verify_cases[i].line, ticket_sign(SECRET, strlen(SECRET),
		    verify_cases[i].resign ? j : "other", verify_cases[i].resign ? strlen(j) : 5, sig) == 0);
		CHECK_AT(verify_cases[i].line, ticket_verify(&t, j, strlen(j), sig, &list,
		    verify_cases[i].now, &who) == verify_cases[i].want);
		CHECK_AT(verify_cases[i].line, (who != NULL) == (verify_cases[i].want == TICKET_OK));
		ticket_free(&t);
	}
	CHECK(ticket_parse(GOOD, strlen(GOOD), &t) == TICKET_OK);
	CHECK(ticket_verify(&t, GOOD, strlen(GOOD), NULL, &list, T0, &who) == TICKET_BAD_SIGNATURE);
	CHECK(ticket_sign(SECRET, strlen(SECRET), GOOD, strlen(GOOD), sig) == 0);
	CHECK(ticket_verify(&t, GOOD, strlen(GOOD), sig, &list, T0, &who) == TICKET_OK);
	for (char *p = sig; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	CHECK(strspn(sig, "0123456789") < TICKET_SIG_LEN); /* a letter was made upper-case */
	CHECK(ticket_verify(&t, GOOD, strlen(GOOD), sig, &list, T0, &who) == TICKET_BAD_SIGNATURE);
	sig[TICKET_SIG_LEN - 1] = '\0';
	CHECK(ticket_verify(&t, GOOD, strlen(GOOD), sig, &list, T0, &who) == TICKET_BAD_SIGNATURE);
	ticket_free(&t);
	integrators_free(&list);
}

static void test_sign(void)
{
	char sig[TICKET_SIG_LEN + 1];

	/* RFC 4231 test case 2 */
	CHECK(ticket_sign("Jefe", 4, "what do ya want for nothing?", 28, sig) == 0);
	CHECK_STR(__LINE__, sig, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_statuses(void)
{
	static const struct { int fault, status; } want[] = {
		{ TICKET_MISSING, 400 }, { TICKET_TOO_BIG, 400 }, { TICKET_BAD_ENCODING, 400 },
		{ TICKET_BAD_JSON, 400 }, { TICKET_BAD_FIELD, 400 }, { TICKET_UNKNOWN_INTEGRATOR, 403 },
		{ TICKET_BAD_SIGNATURE, 401 }, { TICKET_FUTURE, 401 }, { TICKET_EXPIRED, 401 },
		{ TICKET_LIFETIME, 401 }, { TICKET_ORIGIN, 403 }, { TICKET_REPLAY, 401 },
	};

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		CHECK(ticket_fault_status(want[i].fault) == want[i].status);
		CHECK(strlen(ticket_fault_title(want[i].fault)) > 0);
		CHECK(strlen(ticket_fault_advice(want[i].fault)) > 0);
	}
	CHECK(ticket_fault_status(-3) == 500 && ticket_fault_status(TICKET__MAX) == 500);
}

int main(void)
{
	test_parse();
	test_too_big();
	test_verify();
	test_sign();
	test_statuses();
	return check_done("test_ticket");
}
