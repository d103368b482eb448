#include <stdio.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "page.h"
#include "request.h"
#include "response.h"
#include "session_store.h"
#include "template.h"
#include "ticket.h"

#define FAIL_PAGE "<!DOCTYPE html><title>Error</title><p>Internal server error</p>"

/* A page we cannot build: 500 with a fixed body. */
static int broken(struct request *r, const char *name, int rc, const char *why)
{
	log_error(r->id, "page %s: %s %s", name, err_str(rc), why);
	response_page(r, 500, FAIL_PAGE, strlen(FAIL_PAGE), NULL);
	return rc;
}

int page_send(struct request *r, int status, const char *name,
    const struct template_var *vars, size_t n, const struct page_policy *policy)
{
	char err[TEMPLATE_ERR_LEN];
	struct template *t = NULL;
	struct buf html;
	int rc;

	buf_init(&html, PAGE_MAX);
	if ((rc = template_load(r->app->cfg.templates_dir, name, &t, err)) < 0)
		rc = broken(r, name, rc, err);
	else if ((rc = template_render(t, vars, n, &html)) < 0)
		rc = broken(r, name, rc, "rendering");
	else
		rc = response_page(r, status, html.data ? html.data : "", html.len, policy);
	template_free(t);
	buf_free(&html);
	return rc;
}

int page_join(struct request *r, const char *conversation_id, const char *join_code,
    const char *display_name)
{
	const struct template_var vars[] = {
		{ "conversationId", conversation_id ? conversation_id : "" },
		{ "joinCode", join_code ? join_code : "" },
		{ "displayName", display_name ? display_name : "" },
	};
	return page_send(r, 200, "join.html", vars, sizeof vars / sizeof vars[0], NULL);
}

/* The origins that may frame the room of s into out: s's own (none for a
 * direct session), or every integrator's when s is NULL. Their number. */
static int ancestors(const struct request *r, const struct session *s, const char **out)
{
	if (s == NULL)
		return integrators_origins(&r->app->integrators, out, PAGE_MAX_ANCESTORS);
	out[0] = s->origin;
	return s->origin[0] != '\0';
}

int page_room(struct request *r, const char *conversation_id, const struct session *s)
{
	const char *origins[PAGE_MAX_ANCESTORS];
	char max_upload[24];
	const struct template_var vars[] = {
		{ "conversationId", conversation_id },
		{ "displayName", s != NULL ? s->display_name : "" },
		{ "iceServers", r->app->cfg.ice_servers ? r->app->cfg.ice_servers : "[]" },
		{ "maxUploadBytes", max_upload },
	};
	struct page_policy policy = { .img_src = PAGE_IMG_SRC, .frame_ancestors = origins };
	int n = ancestors(r, s, origins);

	(void)snprintf(max_upload, sizeof max_upload, "%ld", r->app->cfg.max_upload_bytes);
	if (n < 0)
		return broken(r, "room.html", ERR_CONFIG, "more integrator origins than fit");
	policy.n_frame_ancestors = (size_t)n;
	return page_send(r, 200, "room.html", vars, sizeof vars / sizeof vars[0], &policy);
}

/* What a failed join means for the developer: title and advice. */
static void join_fault(int err, const char **title, const char **advice)
{
	*title = "Cannot enter the conversation";
	*advice = err_public_message(err);
	if (err == ERR_CLOSED)
		*advice = "The ticket's conversation is closed: nobody can enter it any more.";
	else if (err == ERR_NAME_TAKEN)
		*advice = "Another participant of the ticket's conversation uses this displayName.";
}

int page_embed_error(struct request *r, int fault, const char *detail)
{
	char code[8], secs[16];
	struct template_var vars[] = {
		{ "status", code }, { "title", ticket_fault_title(fault) },
		{ "advice", ticket_fault_advice(fault) }, { "detail", detail ? detail : "" },
	};
	int status = ticket_fault_status(fault), after = 0;

	if (fault < 0) {
		status = err_http_status(fault);
		after = err_retry_after(fault);
		join_fault(fault, &vars[1].value, &vars[2].value);
		if (status >= 500)
			log_error(r->id, "embed: %s", err_str(fault));
	}
	snprintf(code, sizeof code, "%d", status);
	snprintf(secs, sizeof secs, "%d", after);
	if (after > 0 && request_add_header(r, "Retry-After", secs) < 0)
		return ERR_NOMEM;
	return page_send(r, status, "embed-error.html", vars, sizeof vars / sizeof vars[0], NULL);
}
