#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ids.h"
#include "numparse.h"
#include "session_page.h"
#include "session_store.h"
#include "validate.h"

static const struct vpredicate a_cursor = {
	session_page_cursor_valid, "is not a cursor from this list"
};

static const struct vfield page_fields[] = {
	{ "limit", v_integer, 0, 1, SESSION_PAGE_MAX, offsetof(struct session_page_query, limit), 0 },
	{ "cursor", v_matching, 0, 1, SESSION_PAGE_CURSOR_MAX - 1,
	  offsetof(struct session_page_query, cursor), &a_cursor },
};

const struct vform session_page_form = {
	page_fields, sizeof page_fields / sizeof page_fields[0], sizeof(struct session_page_query),
	"Invalid query parameter", NULL
};

/* A position in the order of the list: after the session it names. */
struct position {
	long created_at;
	char user_id[UUID_STRLEN + 1];
};

static int cursor_decode(const char *c, struct position *p)
{
	const char *dot = c ? strchr(c, '.') : NULL;
	size_t n;

	if (dot == NULL || c[0] < '0' || c[0] > '9' || /* as page_json writes them: no "-0" */
	    numparse_long(c, (size_t)(dot - c), 0, LONG_MAX, &p->created_at) < 0)
		return ERR_INVAL;
	n = strlen(dot + 1);
	if (!ids_is_uuid4(dot + 1, n))
		return ERR_INVAL;
	memcpy(p->user_id, dot + 1, n + 1);
	return 0;
}

int session_page_cursor_valid(const char *c)
{
	struct position p;

	return cursor_decode(c, &p) == 0;
}

/* Taking a page while the sessions go by in the list's order. */
struct page {
	const struct position *after; /* NULL: from the first */
	long limit, taken;
	int more;
	struct position last;
	cJSON *array;
};

static int is_after(const struct position *p, const struct session *s)
{
	if (p == NULL)
		return 1;
	if (s->created_at != p->created_at)
		return s->created_at > p->created_at;
	return strcmp(s->user_id, p->user_id) > 0;
}

static int take(void *ctx, const struct session *s)
{
	struct page *w = ctx;
	cJSON *o;

	if (!is_after(w->after, s))
		return 0;
	if (w->taken == w->limit) {
		w->more = 1;
		return 0;
	}
	if ((o = session_store_json(s, NULL)) == NULL || !cJSON_AddItemToArray(w->array, o)) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	w->taken++;
	w->last.created_at = (long)s->created_at;
	memcpy(w->last.user_id, s->user_id, sizeof w->last.user_id);
	return 0;
}

int session_page_json(struct state *st, const char *conversation_id,
    const struct session_page_query *q, cJSON *array, char next[SESSION_PAGE_CURSOR_MAX])
{
	struct position after;
	struct page w = { NULL, SESSION_PAGE_MAX, 0, 0, { 0, "" }, array };
	int rc;

	next[0] = '\0';
	if (q != NULL && q->limit > 0)
		w.limit = q->limit;
	if (q != NULL && q->cursor != NULL) {
		if (cursor_decode(q->cursor, &after) < 0)
			return ERR_INVAL;
		w.after = &after;
	}
	if ((rc = session_store_list(st, conversation_id, take, &w)) < 0)
		return rc;
	if (w.more && snprintf(next, SESSION_PAGE_CURSOR_MAX, "%ld.%s", w.last.created_at,
	    w.last.user_id) >= SESSION_PAGE_CURSOR_MAX)
		return ERR_INTERNAL;
	return 0;
}
