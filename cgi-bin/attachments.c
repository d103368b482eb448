/*
 * attachments: files shared in the caller's conversation (R_SESSION; the
 * download also takes the sessionId query parameter, R_QUERY_SESSION, for
 * <img src>).
 *   POST /api/v1/attachments   multipart/form-data, part "file" (and an
 *                              optional "clientMessageId", or an
 *                              Idempotency-Key header) -> 201
 *                              {"attachment","message"}, 200 for a key
 *                              already used
 *   GET  /api/v1/attachments/<id>        the bytes (Range, If-None-Match)
 *   GET  /api/v1/attachments/<id>/meta   {"attachment": AttachmentMetadata}
 * An attachment of another conversation is 404, as one that does not exist.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "attachment.h"
#include "attachment_download.h"
#include "attachment_upload.h"
#include "errors.h"
#include "json.h"
#include "message_send.h"
#include "request.h"
#include "response.h"
#include "server.h"

#define INVALID_UPLOAD "Invalid upload"

/* Sends u's file under the key the upload names into *data; NULL, or
 * the key's reason for being refused with *field naming it. */
static const char *send_upload(struct request *r, struct attachment_upload *u, int *rc,
    cJSON **data, int *replayed, const char **field)
{
	char *key = NULL;
	const char *why = message_send_key(u->has_key ? u->client_message_id : NULL,
	    request_header(r, "idempotency-key"), &key, field);

	if (why == NULL)
		*rc = attachment_upload_send(r, u, key, data, replayed);
	free(key);
	return why;
}

static int upload(struct request *r)
{
	struct attachment_upload u;
	const char *field = NULL, *why = NULL;
	cJSON *data = NULL;
	int replayed = 0, rc, read = attachment_upload_read(r, &u);

	rc = read;
	if (read == 0)
		why = send_upload(r, &u, &rc, &data, &replayed, &field);
	attachment_upload_free(&u); /* before answering: no spool file outlives its answer */
	if (why != NULL)
		return emit_invalid(r, INVALID_UPLOAD, field, why);
	if (read == ERR_INVAL || read == ERR_TOOBIG)
		return emit_error(r, err_http_status(read), u.why, NULL);
	return rc == 0 ? response_ok(r, replayed ? 200 : 201, data) : rc;
}

/* The caller's conversation's attachment of the path's id into a. */
static int find(struct request *r, struct storage **s, struct attachment *a)
{
	int rc = app_storage(r->app, s);

	return rc < 0 ? rc : attachment_load(*s, r->session->conversation_id, r->captures[0], a);
}

static int download(struct request *r)
{
	struct attachment a;
	struct storage *s;
	int rc = find(r, &s, &a);

	return rc < 0 ? rc : attachment_download(r, s, &a);
}

static int meta(struct request *r)
{
	struct attachment a;
	struct storage *s;
	cJSON *j = NULL, *data = NULL;
	int rc = find(r, &s, &a);

	if (rc == 0 && (rc = attachment_meta_json(&a, &j)) == 0 &&
	    (rc = json_wrap("attachment", j, &data)) == 0)
		rc = response_ok(r, 200, data);
	return rc;
}

static const struct route routes[] = {
	{ "POST", "/api/v1/attachments", upload, R_SESSION, BODY_MULTIPART, 0, NULL, NULL,
	  RATE_WRITE },
	{ "GET", "/api/v1/attachments/*", download, R_SESSION | R_QUERY_SESSION, BODY_NONE, 0,
	  NULL, NULL, RATE_NONE },
	{ "GET", "/api/v1/attachments/*/meta", meta, R_SESSION, BODY_NONE, 0, NULL, NULL,
	  RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
