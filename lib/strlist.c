#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "strlist.h"

int strlist_add(struct strlist *l, const char *s)
{
	char **v = buf_grow_array(l->v, &l->cap, l->n, sizeof *l->v);

	if (v == NULL)
		return ERR_NOMEM;
	l->v = v;
	return (l->v[l->n] = strdup(s)) != NULL ? (l->n++, 0) : ERR_NOMEM;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
