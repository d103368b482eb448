/*
 * session_page: a conversation's live sessions a page at a time, oldest
 * first (by createdAt, then userId), for GET /api/v1/participants and the
 * admin's sessions list, which both declare session_page_form (limit,
 * cursor) for their query. A page's cursor names its last session
 * ("<createdAt ms>.<userId>"), so the next page starts after it whoever
 * left or joined in between: nobody is skipped or listed twice.
 *
 * Ownership: the caller owns the array the sessions go into and the
 * buffer the next cursor goes into; nothing here keeps memory.
 */
#ifndef CHATS3_SESSION_PAGE_H
#define CHATS3_SESSION_PAGE_H

#include "ids.h"

struct cJSON;
struct state;
struct vform;

#define SESSION_PAGE_MAX 500 /* sessions in one page, the default page too */
#define SESSION_PAGE_CURSOR_MAX (20 + 1 + UUID_STRLEN + 1) /* NUL included */

/* What session_page_form's fields go into (dispatch fills and frees it). */
struct session_page_query {
	char *cursor; /* the previous page's next cursor, or NULL */
	long limit;   /* 1..SESSION_PAGE_MAX; 0 when not given */
};

/* The query form: limit (1..SESSION_PAGE_MAX) and cursor, both optional. */
extern const struct vform session_page_form;

/* 1 when c can be a cursor of a page (its syntax). */
int session_page_cursor_valid(const char *c);

/* Appends session_store_json(s, NULL) of the sessions of conversation_id
 * that q asks for (q NULL or its limit 0: the first SESSION_PAGE_MAX) to
 * array; next gets the cursor of the next page, "" when this one is the
 * last. 0, ERR_INVAL (a cursor that is not one), ERR_DB, ERR_NOMEM. */
int session_page_json(struct state *st, const char *conversation_id,
    const struct session_page_query *q, struct cJSON *array,
    char next[SESSION_PAGE_CURSOR_MAX]);

#endif
