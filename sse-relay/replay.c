#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "replay.h"

static struct replay_entry *at(const struct replay *r, size_t i)
{
	return &r->e[(r->first + i) % r->cap];
}

static void drop_oldest(struct replay *r)
{
	free(at(r, 0)->text);
	r->first = (r->first + 1) % r->cap;
	r->count--;
}

/* Room for one more entry: the ring grows (to REPLAY_MAX), then the
 * oldest goes. */
static int make_room(struct replay *r)
{
	size_t cap;
	struct replay_entry *e;

	if (r->count < r->cap)
		return 0;
	if (r->cap == REPLAY_MAX) {
		drop_oldest(r);
		return 0;
	}
	cap = r->cap ? r->cap * 2 : 8;
	if ((e = calloc(cap, sizeof *e)) == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < r->count; i++)
		e[i] = *at(r, i);
	free(r->e);
	r->e = e;
	r->cap = cap;
	r->first = 0;
	return 0;
}

int replay_add(struct replay *r, uint64_t id, int64_t when, const char *to,
    const char *text, size_t len)
{
	struct replay_entry *e;
	char *copy;
	int rc;

	if ((rc = make_room(r)) < 0 || (copy = malloc(len)) == NULL)
		return rc < 0 ? rc : ERR_NOMEM;
	memcpy(copy, text, len);
	e = at(r, r->count);
	*e = (struct replay_entry){ .id = id, .at = when, .text = copy, .len = len };
	if (to != NULL)
		memcpy(e->to, to, strnlen(to, UUID_STRLEN));
	r->count++;
	return 0;
}

void replay_prune(struct replay *r, int64_t before)
{
	while (r->count > 0 && at(r, 0)->at < before)
		drop_oldest(r);
}

int replay_after(const struct replay *r, uint64_t after, const char *user, replay_fn *fn,
    void *ctx)
{
	int rc;

	for (size_t i = 0; i < r->count; i++) {
		const struct replay_entry *e = at(r, i);
		if (e->id <= after || (e->to[0] != '\0' && strcmp(e->to, user) != 0))
			continue;
		if ((rc = fn(ctx, e->text, e->len)) < 0)
			return rc;
	}
	return 0;
}

void replay_free(struct replay *r)
{
	while (r->count > 0)
		drop_oldest(r);
	free(r->e);
	memset(r, 0, sizeof *r);
}
