/*
 * strlist: a growable list of copied C strings, in the order added.
 *
 * The list owns its strings and their array; strlist_free releases both
 * and leaves an empty list that may be reused. A zeroed struct is empty.
 */
#ifndef CHATS3_STRLIST_H
#define CHATS3_STRLIST_H

#include <stddef.h>

struct strlist {
	char **v;
	size_t n, cap;
};

/* Appends a copy of s: 0 or ERR_NOMEM. */
int strlist_add(struct strlist *l, const char *s);

void strlist_free(struct strlist *l);

#endif
