/*
 * test_state_boot: the SQLite state's boot check on a real file. A state
 * opened in another boot of the host (CHATS3_BOOT_ID, the tests' stand-in
 * for the kernel's boot id) finds every conversation uncovered (as
 * state_index_covered and a send's state_message_begin say), its index
 * keys kept, so history lists storage again; the same boot, or none to
 * tell (a /proc without the boot id), changes nothing; a database without
 * a recorded boot counts as another boot; and of processes opening at once
 * after a boot, one uncovers and none undoes what another did since.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "owner.h"
#include "state_open.h"
#include "tmpdir.h"

#define RACERS 4
#define KEY "conversations/c1/messages/2026-12-01/1764547200000-a.ndjson"
#define KEY_MS INT64_C(1764547200000)

static char dir[TMPDIR_MAX];
static const char *boot_id; /* NULL: the kernel's */

static const char *boot_env(const char *name)
{
	if (strcmp(name, "CHATS3_DATA_DIR") == 0)
		return dir;
	if (strcmp(name, "CHATS3_STATE") == 0)
		return "sqlite";
	if (strcmp(name, "CHATS3_BOOT_ID") == 0)
		return boot_id;
	return NULL;
}

/* Opens the state in boot (NULL: the kernel's): 0 or an enum err. */
static int open_in(struct state **st, const char *boot)
{
	boot_id = boot;
	return test_state_open_from(st, boot_env);
}

/* Runs sql on the file itself, as an operator would: 0 or -1. */
static int on_file(const char *sql)
{
	char path[TMPDIR_MAX + 16];
	sqlite3 *h = NULL;
	int ok;

	snprintf(path, sizeof path, "%s/chats3.db", dir);
	ok = sqlite3_open(path, &h) == SQLITE_OK &&
	    sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(h);
	return ok ? 0 : -1;
}

/* 1 when conversation is covered, 0 when not, -1 on an error. */
static int covered(struct state *st, const char *conversation)
{
	int c = -1;

	return state_index_covered(st, conversation, &c) == 0 ? c : -1;
}

/* The same as a send in c1 finds it (state_message_begin's answer). */
static int send_covered(struct state *st)
{
	struct state_note n = { KEY, NULL, NULL, NULL, NULL, 0 };
	int64_t ms;
	int c = -1;

	return state_message_begin(st, "c1", KEY_MS, test_state_fill, &n, &ms, &c) == 0 ? c : -1;
}

static const struct {
	int line;
	const char *desc;
	const char *boot; /* NULL: the kernel's */
	int forget;       /* the recorded boot deleted before the open */
	int covered;      /* c1, which the step before covered */
} steps[] = {
	{ __LINE__, "a new state: nothing covered", "boot-1", 0, 0 },
	{ __LINE__, "the same boot", "boot-1", 0, 1 },
	{ __LINE__, "another boot uncovers", "boot-2", 0, 0 },
	{ __LINE__, "that boot again", "boot-2", 0, 1 },
	{ __LINE__, "no boot id to tell a boot by", OWNER_PART_UNKNOWN, 0, 1 },
	{ __LINE__, "which recorded nothing", "boot-2", 0, 1 },
	{ __LINE__, "no boot recorded (an older build, a restored file)", "boot-2", 1, 0 },
	{ __LINE__, "the kernel's boot", NULL, 0, 0 },
	{ __LINE__, "the kernel's boot again", NULL, 0, 1 },
};

static int keep_first(void *ctx, const char *key)
{
	snprintf(ctx, sizeof KEY, "%s", key);
	return 1;
}

static void test_steps(void)
{
	const char *keys[] = { KEY };
	char first[sizeof KEY] = "";
	struct state *st;

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		CHECK_AT(steps[i].line, !steps[i].forget ||
		    on_file("DELETE FROM chats3_info WHERE key = 'boot_id'") == 0);
		CHECK_AT(steps[i].line, open_in(&st, steps[i].boot) == 0);
		if (st == NULL)
			continue;
		CHECK_AT(steps[i].line, covered(st, "c1") == steps[i].covered);
		CHECK_AT(steps[i].line, send_covered(st) == steps[i].covered);
		CHECK_AT(steps[i].line, covered(st, "c2") == 0);
		/* The keys stay: a rebuild adds what storage holds to them. */
		CHECK_AT(steps[i].line, i == 0 || (state_index_newest(st, "c1", NULL, 1, keep_first,
		    first) == 0 && strcmp(first, KEY) == 0));
		CHECK_AT(steps[i].line, state_index_add(st, "c1", keys, 1) == 0 &&
		    state_index_cover(st, "c1") == 0);
		state_close(st);
	}
}

/* Child i: waits for the start, opens in boot, covers r<i>. */
static int racer(int i, int start, const char *boot)
{
	char conversation[16], go;
	struct state *st;
	int ok;

	if (read(start, &go, 1) < 0)
		return 1;
	snprintf(conversation, sizeof conversation, "r%d", i);
	ok = open_in(&st, boot) == 0 && state_index_cover(st, conversation) == 0;
	state_close(st);
	return ok ? 0 : 1;
}

/* Processes that open at once in a new boot: every one opens, the cover
 * made before the boot is gone, and none made after it is undone. */
static void test_racing_opens(void)
{
	char conversation[16];
	pid_t pids[RACERS];
	struct state *st;
	int p[2], status, ok = 1;

	CHECK(open_in(&st, "race-1") == 0 && state_index_cover(st, "before") == 0);
	state_close(st);
	if (pipe(p) < 0)
		return (void)CHECK(0);
	for (int i = 0; i < RACERS; i++)
		if ((pids[i] = fork()) == 0) {
			close(p[1]);
			_exit(racer(i, p[0], "race-2"));
		}
	close(p[0]);
	close(p[1]); /* every child's read returns: the start */
	for (int i = 0; i < RACERS; i++)
		ok &= pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0;
	CHECK(ok);
	CHECK(open_in(&st, "race-2") == 0);
	CHECK(covered(st, "before") == 0);
	for (int i = 0; i < RACERS; i++) {
		snprintf(conversation, sizeof conversation, "r%d", i);
		CHECK(covered(st, conversation) == 1);
	}
	state_close(st);
}

int main(void)
{
	if (tmpdir_make(dir, "test_state_boot") < 0)
		return 1;
	test_steps();
	tmpdir_remove(dir);
	if (tmpdir_make(dir, "test_state_boot") < 0)
		return 1;
	test_racing_opens();
	tmpdir_remove(dir);
	return check_done("test_state_boot");
}
