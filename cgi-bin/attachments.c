/*
 * attachments: files shared in the caller's conversation (R_SESSION; the
 * sessionId query parameter works too, for <img src>).
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

/* Sends u's file under the key the upload names. */
static int send_upload(struct request *r, struct attachment_upload *u)
{
	char *key = NULL;
	const char *field, *why = message_send_key(u->has_key ? u->client_message_id : NULL,
	    request_header(r, "idempotency-key"), &key, &field);
	cJSON *data = NULL;
	int rc, replayed;

	if (why != NULL)
		rc = emit_invalid(r, INVALID_UPLOAD, field, why);
	else if ((rc = attachment_upload_send(r, u, key, &data, &replayed)) == 0)
		rc = response_ok(r, replayed ? 200 : 201, data);
	free(key);
	return rc;
}

static int upload(struct request *r)
{
	struct attachment_upload u;
	int rc = attachment_upload_read(r, &u);

	if (rc == 0)
		rc = send_upload(r, &u);
	else if (rc == ERR_INVAL || rc == ERR_TOOBIG)
		rc = emit_error(r, err_http_status(rc), u.why, NULL);
	attachment_upload_free(&u);
	return rc;
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
	{ "GET", "/api/v1/attachments/*", download, R_SESSION, BODY_NONE, 0, NULL, NULL,
	  RATE_NONE },
	{ "GET", "/api/v1/attachments/*/meta", meta, R_SESSION, BODY_NONE, 0, NULL, NULL,
	  RATE_NONE },
};

int main(int argc, char **argv)
{
	return server_main(argc, argv, routes, sizeof routes / sizeof routes[0]);
}
