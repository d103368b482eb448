/*
 * ticket: the signed tickets of flow 2 (contract, Tickets). A ticket is
 * the base64url (no padding) of a JSON object, or that JSON text itself
 * when it starts with '{'; its signature is the lowercase hex
 * HMAC-SHA256 of the ticket parameter exactly as sent, under the
 * integrator's secret.
 *
 *   {"integratorId","conversationId","userId","displayName","avatarUrl"?,
 *    "role","origin","issuedAt","expiresAt","nonce"}
 *
 * ticket_parse checks the shape; ticket_verify the integrator, the
 * signature (constant time), the times and the origin. What is wrong is
 * an enum ticket_fault, which carries the answer's status and a sentence
 * for the integrator's developer; neither ever holds the secret, the
 * signature or the ticket's own text. The nonce is the caller's to claim
 * (session_embed), since that takes the shared state.
 *
 * struct ticket owns its strings; ticket_free releases them.
 */
#ifndef CHATS3_TICKET_H
#define CHATS3_TICKET_H

#include <stddef.h>
#include <stdint.h>

struct integrator;
struct integrators;

#define TICKET_MAX 4096              /* bytes of the ticket parameter */
#define TICKET_SIG_LEN 64            /* hex digits of a signature */
#define TICKET_LIFETIME_MS 60000     /* expiresAt - issuedAt, at most */
#define TICKET_SKEW_MS 5000          /* issuedAt may be this far ahead of us */
#define TICKET_NONCE_MIN 16
#define TICKET_NONCE_MAX 128
#define TICKET_DETAIL_MAX 160

enum ticket_fault {
	TICKET_OK,
	TICKET_MISSING,        /* no ticket or no signature parameter: 400 */
	TICKET_TOO_BIG,        /* over TICKET_MAX: 400 */
	TICKET_BAD_ENCODING,   /* not base64url: 400 */
	TICKET_BAD_JSON,       /* not a JSON object: 400 */
	TICKET_BAD_FIELD,      /* a member missing or wrong (detail names it): 400 */
	TICKET_UNKNOWN_INTEGRATOR, /* 403 */
	TICKET_BAD_SIGNATURE,  /* 401 */
	TICKET_FUTURE,         /* issuedAt later than now + 5 s: 401 */
	TICKET_EXPIRED,        /* now >= expiresAt: 401 */
	TICKET_LIFETIME,       /* expiresAt - issuedAt over 60 s, or not after it: 401 */
	TICKET_ORIGIN,         /* origin not in allowedOrigins: 403 */
	TICKET_REPLAY,         /* the nonce was used: 401 */
	TICKET__MAX
};

struct ticket_values {
	char *integrator_id;
	char *conversation_id;
	char *user_id;
	char *display_name;
	char *avatar_url; /* NULL: none */
	char *role;
	char *origin;
	char *issued_at;
	char *expires_at;
	char *nonce;
};

struct ticket {
	struct ticket_values v;
	int64_t issued_at, expires_at;  /* epoch ms */
	char detail[TICKET_DETAIL_MAX]; /* for TICKET_BAD_FIELD: "displayName is required" */
};

/* Parses the ticket parameter p[0..n) into *t (zeroed first; free it
 * with ticket_free whatever the outcome). TICKET_OK or the fault
 * (TICKET_TOO_BIG, TICKET_BAD_ENCODING, TICKET_BAD_JSON, TICKET_BAD_FIELD),
 * or ERR_NOMEM. */
int ticket_parse(const char *p, size_t n, struct ticket *t);

/* Checks the parsed t, sent as p[0..n) with signature sig, against list
 * at now: TICKET_OK with *who set, or the first fault in the order of
 * enum ticket_fault (a ticket's integrator before its signature, its
 * signature before anything it says). */
int ticket_verify(const struct ticket *t, const char *p, size_t n, const char *sig,
    const struct integrators *list, int64_t now, const struct integrator **who);

/* The signature of p[0..n) under secret[0..len) into out (64 lowercase
 * hex digits and a NUL). 0 or ERR_INTERNAL. */
int ticket_sign(const char *secret, size_t len, const char *p, size_t n,
    char out[TICKET_SIG_LEN + 1]);

/* The status a fault answers with (400, 401, 403). */
int ticket_fault_status(int fault);

/* A short title and a sentence for the developer about the fault. */
const char *ticket_fault_title(int fault);
const char *ticket_fault_advice(int fault);

/* Frees the strings t holds. */
void ticket_free(struct ticket *t);

#endif
