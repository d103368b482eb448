/*
 * fuzz_ticket: ticket_parse on arbitrary bytes, then ticket_verify of
 * what parses against a fixed integrator at a fixed time with a wrong and
 * with the right signature. Every outcome is a known fault; a ticket that
 * parses holds members within their bounds; a wrong signature is never
 * accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "integrators.h"
#include "session_store.h"
#include "ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret-0123456789abcdef-0123"

static const char list_json[] = "[{\"id\":\"acme\",\"secret\":\"" SECRET "\","
    "\"allowedOrigins\":[\"https://acme.example\"]}]";

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_bounds(const struct ticket *t)
{
	must(strlen(t->v.user_id) == 36 && strlen(t->v.conversation_id) <= 64);
	must(strlen(t->v.display_name) <= SESSION_NAME_MAX);
	must(t->v.avatar_url == NULL || strlen(t->v.avatar_url) <= SESSION_URL_MAX);
	must(strcmp(t->v.role, "user") == 0 || strcmp(t->v.role, "admin") == 0);
	must(strlen(t->v.nonce) >= TICKET_NONCE_MIN && strlen(t->v.nonce) <= TICKET_NONCE_MAX);
}

static void verify(const struct ticket *t, const char *p, size_t n,
    const struct integrators *list)
{
	char sig[TICKET_SIG_LEN + 1];
	const struct integrator *who;
	int rc;

	must(ticket_sign(SECRET, strlen(SECRET), p, n, sig) == 0);
	rc = ticket_verify(t, p, n, sig, list, t->issued_at, &who);
	must(rc >= TICKET_OK && rc < TICKET__MAX && (rc == TICKET_OK) == (who != NULL));
	sig[0] = sig[0] == '0' ? '1' : '0';
	rc = ticket_verify(t, p, n, sig, list, t->issued_at, &who);
	must(rc == TICKET_UNKNOWN_INTEGRATOR || rc == TICKET_BAD_SIGNATURE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct integrators list;
	static int loaded;
	char err[CONFIG_ERR_LEN];
	struct ticket t;
	int rc;

	if (!loaded) {
		must(integrators_parse(list_json, strlen(list_json), &list, err) == 0);
		loaded = 1;
	}
	rc = ticket_parse((const char *)data, size, &t);
	must(rc == ERR_NOMEM || (rc >= TICKET_OK && rc < TICKET__MAX));
	must(ticket_fault_status(rc < 0 ? TICKET_OK : rc) >= 200);
	if (rc == TICKET_OK) {
		check_bounds(&t);
		verify(&t, (const char *)data, size, &list);
	}
	ticket_free(&t);
	return 0;
}
