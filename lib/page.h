/*
 * page: the HTML pages the programs answer (cgi-bin/pages.c), filled from
 * the templates in CHATS3_TEMPLATES_DIR (lib/template.h escapes every
 * value) and sent by response_page with the page's Content-Security-Policy.
 * A template that is missing or broken is our fault: 500, logged with the
 * template's name and line under the request id.
 *
 * The embed error page tells the integrator's developer what was wrong
 * with a ticket (the fault's title and advice, the field at fault) and
 * never shows the ticket, its signature or a secret.
 */
#ifndef CHATS3_PAGE_H
#define CHATS3_PAGE_H

#include <stddef.h>

struct page_policy;
struct request;
struct session;
struct template_var;

#define PAGE_MAX (1024 * 1024) /* bytes of a rendered page */
#define PAGE_MAX_ANCESTORS 32  /* origins a page's frame-ancestors names */
#define PAGE_IMG_SRC "'self' https:" /* participants' avatars: https: URLs */

/* Sends the template name filled with vars[0..n) as the page of status
 * under policy (NULL: not frameable). 0, ERR_IO when the client is gone,
 * or a negative enum err after answering 500. */
int page_send(struct request *r, int status, const char *name,
    const struct template_var *vars, size_t n, const struct page_policy *policy);

/* The join form, its fields prefilled with conversation_id, join_code and
 * display_name (each may be NULL: empty); not frameable. */
int page_join(struct request *r, const char *conversation_id, const char *join_code,
    const char *display_name);

/* The room page of conversation_id (the shell issue 17 fills in) for
 * session s, frameable by s's origin alone ('none' for a direct session);
 * or, with s NULL, for a frame that brought no session (its browser
 * blocks the cookie: the page's script takes the session from the URL's
 * fragment), frameable by every integrator's origin. */
int page_room(struct request *r, const char *conversation_id, const struct session *s);

/* The embed error page for fault: a positive enum ticket_fault (its
 * status: 400, 401, 403; detail, may be NULL, names the field at fault),
 * or a negative enum err of the join (its status: 409, 410, 503 ...). */
int page_embed_error(struct request *r, int fault, const char *detail);

#endif
