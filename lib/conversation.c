#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "app.h"
#include "buf.h"
#include "clock.h"
#include "conversation.h"
#include "errors.h"
#include "ids.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "storage.h"
#include "storage_keys.h"

/* No 0/O, 1/I/L: codes get read aloud and typed. */
static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
#define ALPHABET_LEN (sizeof code_alphabet - 1)
#define META_MAX 4096
#define REWRITE_TRIES 8 /* a change that finds the cache moved on starts again */
#define REVISION_MAX 9007199254740991.0 /* 2^53 - 1: exact in JSON */
#define GUEST_PATIENCE_MS 500 /* storage's time for a guest's lookup, retries included */

/* A new code of len characters (JOIN_CODE_MIN..JOIN_CODE_MAX) into out. */
static int new_code(long len, char out[JOIN_CODE_MAX + 1])
{
	unsigned char b;
	int rc;

	if (len < JOIN_CODE_MIN || len > JOIN_CODE_MAX)
		return ERR_ARG;
	for (size_t i = 0; i < (size_t)len; ) {
		if ((rc = ids_random(&b, 1)) < 0)
			return rc;
		/* Only bytes below a multiple of the alphabet: no bias. */
		if (b < 256 - 256 % ALPHABET_LEN)
			out[i++] = code_alphabet[b % ALPHABET_LEN];
	}
	out[len] = '\0';
	return 0;
}

int conversation_code_matches(const struct conversation *c, const char *code)
{
	char upper[JOIN_CODE_MAX];
	size_t n = strlen(c->join_code); /* the length is no secret: the setting's */

	if (strlen(code) != n || n > JOIN_CODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		upper[i] = (code[i] >= 'a' && code[i] <= 'z') ? (char)(code[i] - 32) : code[i];
	return CRYPTO_memcmp(upper, c->join_code, n) == 0;
}

/* Adds name: ISO time of ms, or null when ms is 0. */
static int add_time(cJSON *o, const char *name, int64_t ms)
{
	char iso[ISO_TIME_LEN + 1];

	if (ms == 0)
		return cJSON_AddNullToObject(o, name) != NULL;
	return clock_iso(ms, iso) == 0 && cJSON_AddStringToObject(o, name, iso) != NULL;
}

cJSON *conversation_json(const struct conversation *c, int with_code)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || cJSON_AddStringToObject(o, "conversationId", c->id) == NULL ||
	    (with_code && cJSON_AddStringToObject(o, "joinCode", c->join_code) == NULL) ||
	    cJSON_AddStringToObject(o, "status", c->closed ? "closed" : "active") == NULL ||
	    !add_time(o, "createdAt", c->created_at) || !add_time(o, "closedAt", c->closed_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Copies string member name of o into out[cap]: 0 or ERR_INVAL. */
static int member(const cJSON *o, const char *name, char *out, size_t cap)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));

	if (v == NULL || strlen(v) >= cap)
		return ERR_INVAL;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* The revision member of o into *rev: absent (a meta.json written
 * before revisions) is 0. ERR_INVAL when it is not a whole number. */
static int revision_of(const cJSON *o, int64_t *rev)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "revision");

	*rev = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > REVISION_MAX ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return ERR_INVAL;
	*rev = (int64_t)v->valuedouble;
	return 0;
}

/* Reads meta.json text into c; ERR_INTERNAL when it is not ours. */
static int parse_meta(const struct buf *b, struct conversation *c)
{
	char status[8], created[ISO_TIME_LEN + 1], closed[ISO_TIME_LEN + 1] = "";
	cJSON *doc = NULL;
	int rc = ERR_INTERNAL;

	memset(c, 0, sizeof *c);
	if (json_parse(b->data, b->len, &doc) < 0 ||
	    member(doc, "conversationId", c->id, sizeof c->id) < 0 ||
	    member(doc, "joinCode", c->join_code, sizeof c->join_code) < 0 ||
	    member(doc, "status", status, sizeof status) < 0 ||
	    member(doc, "createdAt", created, sizeof created) < 0 ||
	    clock_parse_iso(created, &c->created_at) < 0 || revision_of(doc, &c->revision) < 0)
		goto out;
	c->closed = strcmp(status, "closed") == 0;
	if (c->closed && (member(doc, "closedAt", closed, sizeof closed) < 0 ||
	    clock_parse_iso(closed, &c->closed_at) < 0))
		goto out;
	if (c->closed || strcmp(status, "active") == 0)
		rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* Writes c's meta.json (flags: STORAGE_CREATE_ONLY or 0). */
static int put_meta(struct app *app, const struct conversation *c, unsigned flags)
{
	char key[STORAGE_MAX_KEY + 1], *text = NULL;
	struct storage *st;
	cJSON *o = NULL;
	int rc;

	if ((rc = keys_meta(key, c->id)) < 0 || (rc = app_storage(app, &st)) < 0)
		return rc;
	if ((o = conversation_json(c, 1)) == NULL ||
	    cJSON_AddNumberToObject(o, "revision", (double)c->revision) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		rc = ERR_NOMEM;
	else
		rc = storage_put(st, key, text, strlen(text), "application/json", flags);
	cJSON_free(text);
	cJSON_Delete(o);
	return rc;
}

static int get_meta(struct app *app, const char *id, struct conversation *c)
{
	char key[STORAGE_MAX_KEY + 1];
	struct storage *st;
	struct buf b;
	int rc;

	if ((rc = keys_meta(key, id)) < 0)
		return ERR_NOTFOUND;
	if ((rc = app_storage(app, &st)) < 0)
		return rc;
	buf_init(&b, META_MAX);
	if ((rc = storage_get(st, key, &b, NULL)) == 0)
		rc = parse_meta(&b, c);
	buf_free(&b);
	if (rc == 0 && strcmp(c->id, id) != 0)
		rc = ERR_INTERNAL;
	if (rc == ERR_INTERNAL)
		log_error(NULL, "conversation: %s is not a valid meta.json", key);
	return rc;
}

/* Caches c unless the cache holds it or a newer revision: 0, or 1 then. */
static int cache_put(struct app *app, const struct conversation *c)
{
	struct state *st;
	int rc;

	return (rc = app_state(app, &st)) < 0 ? rc : state_conversation_put(st, c);
}

static int cache_get(struct app *app, const char *id, struct conversation *c)
{
	struct state *st;
	int rc;

	return (rc = app_state(app, &st)) < 0 ? rc : state_conversation_get(st, id, c);
}

/* id from storage into the cache, and then out. */
static int fill_cache(struct app *app, const char *id, struct conversation *out)
{
	int rc;

	if ((rc = get_meta(app, id, out)) < 0 || (rc = cache_put(app, out)) <= 0)
		return rc;
	/* A writer cached a newer revision meanwhile: that one holds. */
	return cache_get(app, id, out);
}

int conversation_get(struct app *app, const char *id, struct conversation *out)
{
	int rc;

	if (!keys_valid_conversation_id(id))
		return ERR_NOTFOUND;
	if ((rc = cache_get(app, id, out)) != ERR_NOTFOUND)
		return rc;
	return fill_cache(app, id, out);
}

/* Peeks at (mark 0) or sets (mark 1) the note that a guest found no id:
 * 1 when it is there, 0 when not, or a state error. */
static int absence(struct app *app, const char *id, int mark)
{
	char bucket[CONV_ID_MAX + 16];
	int64_t end;
	struct state *st;
	long seen = 0;
	int rc = snprintf(bucket, sizeof bucket, "absent:%s", id);

	if (rc < 0 || rc >= (int)sizeof bucket)
		return ERR_ARG;
	if ((rc = app_state(app, &st)) < 0)
		return rc;
	rc = (mark ? state_bucket_hit : state_bucket_peek)(st, bucket, clock_now_ms(),
	    CONV_ABSENT_MS, &seen, &end);
	return rc < 0 ? rc : seen > 0;
}

/* fill_cache within GUEST_PATIENCE_MS of storage's time. */
static int fill_cache_quickly(struct app *app, const char *id, struct conversation *out)
{
	struct storage *s;
	long was;
	int rc;

	if ((rc = app_storage(app, &s)) < 0)
		return rc;
	was = storage_set_patience(s, GUEST_PATIENCE_MS);
	rc = fill_cache(app, id, out);
	storage_set_patience(s, was);
	if (rc < 0 && rc != ERR_NOTFOUND && rc != ERR_DB)
		log_error(NULL, "conversation %s: a join could not read it from storage (%s: %s); "
		    "answered as unknown", id, err_str(rc), storage_error_message(s));
	return rc;
}

int conversation_find(struct app *app, const char *id, struct conversation *out)
{
	int rc;

	if (!keys_valid_conversation_id(id))
		return ERR_NOTFOUND;
	if ((rc = cache_get(app, id, out)) != ERR_NOTFOUND)
		return rc;
	if ((rc = absence(app, id, 0)) != 0)
		return rc < 0 ? rc : ERR_NOTFOUND;
	if ((rc = fill_cache_quickly(app, id, out)) == 0 || rc == ERR_DB)
		return rc;
	return (rc = absence(app, id, 1)) < 0 ? rc : ERR_NOTFOUND;
}

int conversation_create(struct app *app, const char *id, struct conversation *out)
{
	struct conversation existing;
	char uuid[UUID_STRLEN + 1];
	int rc;

	memset(out, 0, sizeof *out);
	if (id == NULL) {
		if ((rc = ids_uuid4(uuid)) < 0)
			return rc;
		snprintf(out->id, sizeof out->id, "conv-%s", uuid);
	} else if (keys_valid_conversation_id(id)) {
		snprintf(out->id, sizeof out->id, "%s", id);
	} else {
		return ERR_INVAL;
	}
	/* The create-only put settles races where the store honours it; this
	 * look first also covers stores that ignore If-None-Match (s3rver). */
	if ((rc = get_meta(app, out->id, &existing)) != ERR_NOTFOUND)
		return rc == 0 ? ERR_CONFLICT : rc;
	/* A copy still cached of an object removed from storage gives way. */
	if ((rc = cache_get(app, out->id, &existing)) < 0 && rc != ERR_NOTFOUND)
		return rc;
	out->revision = rc == 0 ? existing.revision + 1 : 1;
	out->created_at = clock_now_ms();
	if ((rc = new_code(app->cfg.join_code_length, out->join_code)) < 0 ||
	    (rc = put_meta(app, out, STORAGE_CREATE_ONLY)) < 0 ||
	    (rc = cache_put(app, out)) < 0)
		return rc;
	return 0;
}

/* Lets change edit the current conversation id (change returns 1 when it
 * changed something), writes it to storage with the next revision, then
 * to the cache. When the cache has moved on meanwhile (another change, or
 * a reader that cached this very write), it starts again from there. */
static int rewrite(struct app *app, const char *id, struct conversation *out,
    int (*change)(const struct app *, struct conversation *))
{
	int rc, changed;

	for (int i = 0; i < REWRITE_TRIES; i++) {
		if ((rc = conversation_get(app, id, out)) < 0 || (changed = change(app, out)) <= 0)
			return rc < 0 ? rc : changed;
		out->revision++;
		if ((rc = put_meta(app, out, 0)) < 0 || (rc = cache_put(app, out)) <= 0)
			return rc;
	}
	return ERR_UNAVAILABLE;
}

static int mark_closed(const struct app *app, struct conversation *c)
{
	(void)app;
	if (c->closed)
		return 0;
	c->closed = 1;
	c->closed_at = clock_now_ms();
	return 1;
}

/* A new code has the length the settings say now. */
static int replace_code(const struct app *app, struct conversation *c)
{
	int rc = new_code(app->cfg.join_code_length, c->join_code);

	return rc < 0 ? rc : 1;
}

int conversation_close(struct app *app, const char *id, struct conversation *out)
{
	return rewrite(app, id, out, mark_closed);
}

int conversation_new_code(struct app *app, const char *id, struct conversation *out)
{
	return rewrite(app, id, out, replace_code);
}

struct listing {
	cJSON *array;
	int limit, n;
	char *next;
	char last[CONV_ID_MAX + 1];
};

/* Appends c to the page; the one after the page's last makes the cursor. */
static int list_one(void *ctx, const struct conversation *c)
{
	struct listing *l = ctx;
	cJSON *o;

	if (++l->n > l->limit) {
		memcpy(l->next, l->last, sizeof l->last);
		return 1;
	}
	memcpy(l->last, c->id, sizeof l->last);
	if ((o = conversation_json(c, 0)) == NULL || !cJSON_AddItemToArray(l->array, o)) {
		cJSON_Delete(o);
		return ERR_NOMEM;
	}
	return 0;
}

int conversation_list(struct app *app, const char *status, const char *cursor,
    int limit, cJSON *array, char *next)
{
	struct listing l = { array, limit, 0, next, "" };
	enum state_status which = STATE_ANY;
	struct state *st;
	int rc;

	next[0] = '\0';
	if (status != NULL)
		which = strcmp(status, "closed") == 0 ? STATE_CLOSED : STATE_ACTIVE;
	if ((rc = app_state(app, &st)) < 0)
		return rc;
	return state_conversation_list(st, which, cursor, limit + 1, list_one, &l);
}
