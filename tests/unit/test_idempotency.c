/*
 * test_idempotency: claims on a real state: the first claim owns the
 * key, a second waits (claimed, no result), a recorded message is found,
 * a released claim can be taken again, users are separate, and a claim
 * older than the TTL is swept by the next claim. A claim whose process is
 * gone (killed, a zombie not yet reaped) is taken over at once with the
 * message it was storing; another host's after the lease; a claim given
 * up with its message pending hands that message to the next claim. A
 * renewed claim moves its lease, and a renewal after a takeover fails.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "errors.h"
#include "idempotency.h"
#include "owner.h"
#include "state_open.h"
#include "tmpdir.h"

#define T0 INT64_C(1700000000000)

static void cases(struct state *db)
{
	char *out = NULL, *p = NULL;

	CHECK(idempotency_result(db, "u1", "k", &out) == ERR_NOTFOUND && out == NULL);
	CHECK(idempotency_claim(db, "u1", "k", T0, &p) == 0);
	CHECK(idempotency_claim(db, "u1", "k", T0 + 1, &p) == 1);
	CHECK(idempotency_result(db, "u1", "k", &out) == 1 && out == NULL);
	CHECK(idempotency_claim(db, "u2", "k", T0, &p) == 0);
	CHECK(idempotency_record(db, "u1", "k", "{\"m\":1}") == 0);
	CHECK(idempotency_result(db, "u1", "k", &out) == 0 && out && strcmp(out, "{\"m\":1}") == 0);
	free(out);
	CHECK(idempotency_release(db, "u2", "k") == 0);
	CHECK(idempotency_claim(db, "u2", "k", T0 + 2, &p) == 0);
	/* Within the TTL the key stays taken; after it, the sweep frees it. */
	CHECK(idempotency_claim(db, "u1", "k", T0 + IDEMPOTENCY_TTL_MS - 1, &p) == 1);
	CHECK(idempotency_claim(db, "u1", "k", T0 + IDEMPOTENCY_TTL_MS + 1, &p) == 0);
	CHECK(idempotency_result(db, "u1", "k", &out) == 1 && out == NULL);
	CHECK(p == NULL);
}

/* Notes json pending under this process's claim of (user, "k"), as a send
 * does with its clock. */
static int idempotency_pending(struct state *st, const char *user, const char *json)
{
	char me[OWNER_MAX];

	if (owner_self(me) < 0)
		return ERR_IO;
	return test_state_note(st, T0, (struct state_note){ NULL, user, "k", me, json, 0 });
}

/* A child that claims (user, "k") in dir at T0 and notes pending (NULL:
 * nothing), then waits to be killed: its pid once it holds the claim, or -1. */
static pid_t claimer(const char *dir, const char *user, const char *pending)
{
	int ready[2];
	char c = '0';
	pid_t pid;

	if (pipe(ready) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		struct state *st = NULL;
		char *p = NULL;
		int ok = test_state_open(&st, dir) == 0 && idempotency_claim(st, user, "k", T0, &p) == 0 &&
		    (pending == NULL || idempotency_pending(st, user, pending) == 0);

		if (write(ready[1], ok ? "1" : "0", 1) == 1)
			pause();
		_exit(1);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != '1') {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/* Claims of processes that die: kill -9 between claim and record. */
static void dead_owners(struct state *db, const char *dir)
{
	char *p = NULL;
	pid_t pid = claimer(dir, "d1", "{\"m\":\"d1\"}");
	siginfo_t info;

	CHECK(pid > 0);
	CHECK(idempotency_claim(db, "d1", "k", T0 + 1, &p) == 1 && p == NULL);
	CHECK(kill(pid, SIGKILL) == 0);
	/* Ended, not reaped yet: a zombie holds nothing. */
	CHECK(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0);
	CHECK(idempotency_claim(db, "d1", "k", T0 + 2, &p) == 0 && p &&
	    strcmp(p, "{\"m\":\"d1\"}") == 0);
	free(p);
	CHECK(waitpid(pid, NULL, 0) == pid);
	CHECK(idempotency_claim(db, "d1", "k", T0 + 3, &p) == 1 && p == NULL);
	/* Killed before it noted a message: the key is simply free. */
	pid = claimer(dir, "d2", NULL);
	CHECK(pid > 0 && kill(pid, SIGKILL) == 0 && waitpid(pid, NULL, 0) == pid);
	CHECK(idempotency_claim(db, "d2", "k", T0 + 1, &p) == 0 && p == NULL);
	/* A recorded key stays recorded when its owner is gone. */
	pid = claimer(dir, "d3", "{}");
	CHECK(pid > 0);
	CHECK(idempotency_record(db, "d3", "k", "{}") == 0);
	CHECK(kill(pid, SIGKILL) == 0 && waitpid(pid, NULL, 0) == pid);
	CHECK(idempotency_claim(db, "d3", "k", T0 + 1, &p) == 1 && p == NULL);
}

/* Another host's claim is waited on for the lease; one given up with its
 * message pending goes to the next claim with that message. */
static void leases(struct state *db)
{
	char *p = NULL, me[OWNER_MAX];

	CHECK(owner_self(me) == 0 && owner_liveness(me) == OWNER_ALIVE);
	CHECK(owner_liveness("elsewhere 0 1 1") == OWNER_UNKNOWN);
	CHECK(state_idempotency_claim(db, "h", "k", T0, IDEMPOTENCY_TTL_MS, "elsewhere 0 1 1") == 0);
	CHECK(idempotency_claim(db, "h", "k", T0 + IDEMPOTENCY_LEASE_MS - 1, &p) == 1 && p == NULL);
	CHECK(idempotency_claim(db, "h", "k", T0 + IDEMPOTENCY_LEASE_MS, &p) == 0 && p == NULL);
	CHECK(idempotency_pending(db, "h", "{\"m\":\"h\"}") == 0);
	CHECK(idempotency_release(db, "h", "k") == 0);
	CHECK(idempotency_claim(db, "h", "k", T0 + IDEMPOTENCY_LEASE_MS + 1, &p) == 0 && p &&
	    strcmp(p, "{\"m\":\"h\"}") == 0);
	free(p);
	CHECK(idempotency_record(db, "h", "k", "{\"m\":\"h\"}") == 0);
	CHECK(idempotency_claim(db, "h", "k", T0 + IDEMPOTENCY_LEASE_MS + 2, &p) == 1 && p == NULL);
}

/* A long holder (the compactor) renews its claim, which moves the lease
 * another host waits for; once another host took it over, it is told. */
static void renewals(struct state *db)
{
	char *p = NULL, me[OWNER_MAX];
	const int64_t later = T0 + 2 * IDEMPOTENCY_LEASE_MS;
	struct state_claim c;

	CHECK(owner_self(me) == 0);
	CHECK(idempotency_claim(db, "r", "k", T0, &p) == 0 && p == NULL);
	CHECK(idempotency_renew(db, "r", "k", later) == 0);
	CHECK(state_idempotency_get(db, "r", "k", &c) == 0 && c.claimed_at == later &&
	    strcmp(c.owner, me) == 0);
	free(c.pending);
	free(c.message);
	CHECK(state_idempotency_takeover(db, "r", "k", me, "elsewhere 0 1 1",
	    later + IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS) == 0);
	CHECK(idempotency_renew(db, "r", "k", later + IDEMPOTENCY_LEASE_MS + 1) == 1);
	CHECK(idempotency_renew(db, "nobody", "k", T0) == 1);
}

int main(void)
{
	char dir[TMPDIR_MAX];
	struct state *db = NULL;

	if (tmpdir_make(dir, "test_idempotency") < 0)
		return 1;
	CHECK(test_state_open(&db, dir) == 0);
	if (db != NULL) {
		cases(db);
		dead_owners(db, dir);
		leases(db);
		renewals(db);
	}
	state_close(db);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_idempotency");
}
