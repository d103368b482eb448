/*
 * test_ratelimit: the per-minute window on a real state: hits up to
 * the limit pass, the next one is refused with the seconds left, buckets
 * are separate, and a new window starts from zero; the same over
 * one-second windows (typing); a budget of failures is spent once it has
 * had its limit of hits, and looking counts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "ratelimit.h"
#include "state_open.h"
#include "tmpdir.h"

#define T0 INT64_C(1700000040000) /* a window's start */

int main(void)
{
	char dir[TMPDIR_MAX];
	struct state *db = NULL;
	long retry = 0;

	if (tmpdir_make(dir, "test_ratelimit") < 0)
		return 1;
	CHECK(test_state_open(&db, dir) == 0);
	for (int i = 0; db != NULL && i < 3; i++)
		CHECK(ratelimit_hit(db, "join:a", 3, T0 + i, &retry) == 0);
	if (db != NULL) {
		CHECK(ratelimit_hit(db, "join:a", 3, T0 + 15000, &retry) == 1 && retry == 45);
		CHECK(ratelimit_hit(db, "join:a", 3, T0 + 59001, &retry) == 1 && retry == 1);
		CHECK(ratelimit_hit(db, "join:b", 3, T0 + 15000, &retry) == 0);
		CHECK(ratelimit_hit(db, "join:a", 3, T0 + 60000, &retry) == 0 && retry == 60);
		for (int i = 0; i < 2; i++)
			CHECK(ratelimit_hit_in(db, "typing:a", 2, 1000, T0 + i, &retry) == 0);
		CHECK(ratelimit_hit_in(db, "typing:a", 2, 1000, T0 + 998, &retry) == 1 && retry == 1);
		CHECK(ratelimit_hit_in(db, "typing:a", 2, 1000, T0 + 1000, &retry) == 0 && retry == 1);
		CHECK(ratelimit_spent(db, "fail:a", 2, T0, &retry) == 0 && retry == 60);
		CHECK(ratelimit_spent(db, "fail:a", 2, T0, &retry) == 0);
		CHECK(ratelimit_hit(db, "fail:a", 2, T0 + 1, &retry) == 0);
		CHECK(ratelimit_spent(db, "fail:a", 2, T0 + 2, &retry) == 0);
		CHECK(ratelimit_hit(db, "fail:a", 2, T0 + 3, &retry) == 0);
		CHECK(ratelimit_spent(db, "fail:a", 2, T0 + 30000, &retry) == 1 && retry == 30);
		CHECK(ratelimit_spent(db, "fail:a", 2, T0 + 60000, &retry) == 0);
	}
	state_close(db);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_ratelimit");
}
