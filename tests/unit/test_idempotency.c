/*
 * test_idempotency: claims on a real state: the first claim owns the
 * key, a second waits (claimed, no result), a recorded message is found,
 * a released claim can be taken again, users are separate, and a claim
 * older than the TTL is swept by the next claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "errors.h"
#include "idempotency.h"
#include "state_open.h"
#include "tmpdir.h"

#define T0 INT64_C(1700000000000)

static void cases(struct state *db)
{
	char *out = NULL;

	CHECK(idempotency_result(db, "u1", "k", &out) == ERR_NOTFOUND && out == NULL);
	CHECK(idempotency_claim(db, "u1", "k", T0) == 0);
	CHECK(idempotency_claim(db, "u1", "k", T0 + 1) == 1);
	CHECK(idempotency_result(db, "u1", "k", &out) == 1 && out == NULL);
	CHECK(idempotency_claim(db, "u2", "k", T0) == 0);
	CHECK(idempotency_record(db, "u1", "k", "{\"m\":1}") == 0);
	CHECK(idempotency_result(db, "u1", "k", &out) == 0 && out && strcmp(out, "{\"m\":1}") == 0);
	free(out);
	CHECK(idempotency_release(db, "u2", "k") == 0);
	CHECK(idempotency_claim(db, "u2", "k", T0 + 2) == 0);
	/* Within the TTL the key stays taken; after it, the sweep frees it. */
	CHECK(idempotency_claim(db, "u1", "k", T0 + IDEMPOTENCY_TTL_MS - 1) == 1);
	CHECK(idempotency_claim(db, "u1", "k", T0 + IDEMPOTENCY_TTL_MS + 1) == 0);
	CHECK(idempotency_result(db, "u1", "k", &out) == 1 && out == NULL);
}

int main(void)
{
	char dir[TMPDIR_MAX];
	struct state *db = NULL;

	if (tmpdir_make(dir, "test_idempotency") < 0)
		return 1;
	CHECK(test_state_open(&db, dir) == 0);
	if (db != NULL)
		cases(db);
	state_close(db);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_idempotency");
}
