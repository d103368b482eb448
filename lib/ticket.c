#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64url.h"
#include "clock.h"
#include "errors.h"
#include "escape.h"
#include "http_origin.h"
#include "ids.h"
#include "integrators.h"
#include "json.h"
#include "session_store.h"
#include "ticket.h"
#include "validate.h"

static int user_id_ok(const char *s)
{
	size_t n = strlen(s);

	return ids_is_uuid4(s, n) && strspn(s, "0123456789abcdef-") == n;
}

static int origin_ok(const char *s)
{
	return http_origin_valid(s, strlen(s));
}

static int nonce_ok(const char *s)
{
	size_t n = strlen(s);

	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") == n;
}

static const struct vpredicate user_id_rule = { user_id_ok, "must be a lowercase UUID" };
static const struct vpredicate origin_rule = { origin_ok,
	"must be an origin such as https://www.example.com (no path, no trailing slash)" };
static const struct vpredicate nonce_rule = { nonce_ok,
	"must be letters, digits and . _ ~ - only" };
static const char *const roles[] = { "user", "admin", NULL };

#define AT(f) offsetof(struct ticket_values, f)

static const struct vfield fields[] = {
	{ "integratorId", v_text, 1, 1, INTEGRATOR_ID_MAX, AT(integrator_id), NULL },
	{ "conversationId", v_conversation_id, 1, 0, 0, AT(conversation_id), NULL },
	{ "userId", v_matching, 1, 36, 36, AT(user_id), &user_id_rule },
	{ "displayName", v_display_name, 1, 0, 0, AT(display_name), NULL },
	{ "avatarUrl", v_avatar_url, 0, 0, SESSION_URL_MAX, AT(avatar_url), NULL },
	{ "role", v_one_of, 1, 0, 0, AT(role), roles },
	{ "origin", v_matching, 1, 1, HTTP_ORIGIN_MAX, AT(origin), &origin_rule },
	{ "issuedAt", v_iso_time, 1, 0, 0, AT(issued_at), NULL },
	{ "expiresAt", v_iso_time, 1, 0, 0, AT(expires_at), NULL },
	{ "nonce", v_matching, 1, TICKET_NONCE_MIN, TICKET_NONCE_MAX, AT(nonce), &nonce_rule },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The JSON text of the parameter p[0..n) into *json: p itself when it
 * starts with '{', else its base64url decoding into buf. */
static int json_text(const char *p, size_t n, char *buf, size_t cap, const char **json,
    size_t *len)
{
	char copy[TICKET_MAX + 1];

	if (n > 0 && p[0] == '{') {
		*json = p;
		*len = n;
		return TICKET_OK;
	}
	memcpy(copy, p, n);
	copy[n] = '\0';
	if (memchr(p, '\0', n) != NULL || base64url_decode(copy, buf, cap, len) < 0)
		return TICKET_BAD_ENCODING;
	*json = buf;
	return TICKET_OK;
}

/* "<field> <message>" of the first detail into t->detail. */
static void first_detail(const cJSON *details, struct ticket *t)
{
	const cJSON *d = cJSON_GetArrayItem(details, 0);
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(d, "field");
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(d, "message");

	if (cJSON_IsString(field) && cJSON_IsString(message))
		snprintf(t->detail, sizeof t->detail, "%s %s", field->valuestring,
		    message->valuestring);
}

/* 1 when a member name of doc appears twice (which one counts would be
 * up to the parser), naming it in t->detail. */
static int repeated(const cJSON *doc, struct ticket *t)
{
	for (const cJSON *a = doc->child; a != NULL; a = a->next)
		for (const cJSON *b = a->next; b != NULL; b = b->next)
			if (strcmp(a->string, b->string) == 0) {
				snprintf(t->detail, sizeof t->detail, "a member appears twice");
				return 1;
			}
	return 0;
}

/* Runs the field table over doc into t. */
static int read_fields(const cJSON *doc, struct ticket *t)
{
	cJSON *details = NULL;
	int rc;

	if (repeated(doc, t))
		return TICKET_BAD_FIELD;
	rc = validate_object(doc, fields, NFIELDS, &t->v, &details);

	if (rc == ERR_INVAL)
		first_detail(details, t);
	cJSON_Delete(details);
	if (rc < 0)
		return rc == ERR_INVAL ? TICKET_BAD_FIELD : rc;
	if (clock_parse_iso(t->v.issued_at, &t->issued_at) < 0 ||
	    clock_parse_iso(t->v.expires_at, &t->expires_at) < 0)
		return TICKET_BAD_FIELD;
	return TICKET_OK;
}

int ticket_parse(const char *p, size_t n, struct ticket *t)
{
	char buf[TICKET_MAX];
	const char *json = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	if (n > TICKET_MAX)
		return TICKET_TOO_BIG;
	if ((rc = json_text(p, n, buf, sizeof buf, &json, &len)) != TICKET_OK)
		return rc;
	if (json_parse(json, len, &doc) < 0 || !cJSON_IsObject(doc))
		rc = TICKET_BAD_JSON;
	else
		rc = read_fields(doc, t);
	cJSON_Delete(doc);
	return rc;
}

int ticket_sign(const char *secret, size_t len, const char *p, size_t n,
    char out[TICKET_SIG_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (len > (size_t)2147483647 ||
	    HMAC(EVP_sha256(), secret, (int)len, (const unsigned char *)p, n, mac, &maclen) == NULL ||
	    maclen != TICKET_SIG_LEN / 2)
		return ERR_INTERNAL;
	escape_hex(out, mac, maclen);
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

/* 1 when sig is the signature of p[0..n) under it's secret. */
static int signed_by(const struct integrator *it, const char *p, size_t n, const char *sig)
{
	char want[TICKET_SIG_LEN + 1];
	int ok;

	if (sig == NULL || strlen(sig) != TICKET_SIG_LEN ||
	    !escape_is_lower_hex(sig, TICKET_SIG_LEN) ||
	    ticket_sign(it->secret, it->secret_len, p, n, want) < 0)
		return 0;
	ok = CRYPTO_memcmp(want, sig, TICKET_SIG_LEN) == 0;
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

int ticket_verify(const struct ticket *t, const char *p, size_t n, const char *sig,
    const struct integrators *list, int64_t now, const struct integrator **who)
{
	const struct integrator *it = integrators_find(list, t->v.integrator_id);

	*who = NULL;
	if (it == NULL)
		return TICKET_UNKNOWN_INTEGRATOR;
	if (!signed_by(it, p, n, sig))
		return TICKET_BAD_SIGNATURE;
	if (t->issued_at > now + TICKET_SKEW_MS)
		return TICKET_FUTURE;
	if (now >= t->expires_at)
		return TICKET_EXPIRED;
	if (t->expires_at <= t->issued_at || t->expires_at - t->issued_at > TICKET_LIFETIME_MS)
		return TICKET_LIFETIME;
	if (!integrators_allows(it, t->v.origin))
		return TICKET_ORIGIN;
	*who = it;
	return TICKET_OK;
}

static const struct {
	int status;
	const char *title;
	const char *advice;
} faults[TICKET__MAX] = {
	[TICKET_OK] = { 200, "Ticket accepted", "" },
	[TICKET_MISSING] = { 400, "Missing ticket",
		"The embed URL needs both a ticket and a signature query parameter." },
	[TICKET_TOO_BIG] = { 400, "Ticket too large",
		"The ticket parameter may be at most 4096 bytes." },
	[TICKET_BAD_ENCODING] = { 400, "Malformed ticket",
		"The ticket must be base64url without padding (RFC 4648 section 5) of the "
		"ticket JSON, or the JSON text itself." },
	[TICKET_BAD_JSON] = { 400, "Malformed ticket",
		"The ticket does not decode to a JSON object." },
	[TICKET_BAD_FIELD] = { 400, "Invalid ticket",
		"A member of the ticket is missing or has the wrong type or form." },
	[TICKET_UNKNOWN_INTEGRATOR] = { 403, "Unknown integrator",
		"No integrator with this integratorId is configured on this server." },
	[TICKET_BAD_SIGNATURE] = { 401, "Bad signature",
		"The signature must be the lowercase hex HMAC-SHA256 of the ticket parameter "
		"exactly as sent, keyed with the integrator's secret." },
	[TICKET_FUTURE] = { 401, "Ticket issued in the future",
		"issuedAt is more than 5 seconds ahead of this server's clock: check the "
		"clock of the server that signs tickets." },
	[TICKET_EXPIRED] = { 401, "Ticket expired",
		"expiresAt has passed: sign a fresh ticket for each page view, just before "
		"rendering the iframe." },
	[TICKET_LIFETIME] = { 401, "Ticket lifetime too long",
		"expiresAt must be after issuedAt and at most 60 seconds after it." },
	[TICKET_ORIGIN] = { 403, "Origin not allowed",
		"The ticket's origin is not among the integrator's allowedOrigins." },
	[TICKET_REPLAY] = { 401, "Ticket already used",
		"This ticket's nonce has been used before: every ticket needs a new nonce, "
		"and a ticket opens one session only." },
};

static int known(int fault)
{
	return fault >= 0 && fault < TICKET__MAX;
}

int ticket_fault_status(int fault)
{
	return known(fault) ? faults[fault].status : 500;
}

const char *ticket_fault_title(int fault)
{
	return known(fault) ? faults[fault].title : "Error";
}

const char *ticket_fault_advice(int fault)
{
	return known(fault) ? faults[fault].advice : "";
}

void ticket_free(struct ticket *t)
{
	validate_free(fields, NFIELDS, &t->v);
}
