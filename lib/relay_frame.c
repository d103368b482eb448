#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ids.h"
#include "json.h"
#include "relay_frame.h"
#include "storage_keys.h"

/* The member names of the reserve and release frames, by kind. */
static const char *seq_frame_name(enum relay_frame_kind kind)
{
	return kind == RELAY_FRAME_RESERVE ? "reserve" : "release";
}

/* The string of obj's member name, or NULL when it is not a string. */
static const char *string_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int is_user_id(const char *s)
{
	return s != NULL && ids_is_uuid4(s, strlen(s));
}

static int is_conversation_id(const char *s)
{
	return s != NULL && keys_valid_conversation_id(s);
}

/* obj's member "seq" into *seq: 0, or ERR_INVAL when it is not an integer
 * from 1 to RELAY_SEQ_MAX (absent: ERR_INVAL too, *seq 0). */
static int read_seq(const cJSON *obj, int64_t *seq)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "seq");
	double d = cJSON_IsNumber(v) ? v->valuedouble : 0;

	*seq = 0;
	if (!(d >= 1 && d <= (double)RELAY_SEQ_MAX) || d != (double)(int64_t)d)
		return ERR_INVAL;
	*seq = (int64_t)d;
	return 0;
}

/* An event frame's members into f: 0 or ERR_INVAL. */
static int read_event(const cJSON *root, struct relay_frame *f)
{
	cJSON *event = cJSON_GetObjectItemCaseSensitive(root, "event");
	const cJSON *to;

	f->kind = RELAY_FRAME_EVENT;
	f->conversation_id = string_of(root, "conversationId");
	if (!is_conversation_id(f->conversation_id) || !cJSON_IsObject(event) ||
	    string_of(event, "type") == NULL ||
	    (cJSON_HasObjectItem(root, "seq") && read_seq(root, &f->seq) < 0))
		return ERR_INVAL;
	to = cJSON_GetObjectItemCaseSensitive(event, "toUserId");
	if (to != NULL && !cJSON_IsNull(to) && !is_user_id(string_of(event, "toUserId")))
		return ERR_INVAL;
	f->to_user_id = cJSON_IsString(to) ? to->valuestring : NULL;
	f->event = event;
	return 0;
}

/* A close frame: of one user, or of one conversation. */
static int read_close(const cJSON *close, struct relay_frame *f)
{
	f->kind = RELAY_FRAME_CLOSE;
	if (!cJSON_IsObject(close))
		return ERR_INVAL;
	if (cJSON_HasObjectItem(close, "conversationId")) {
		f->conversation_id = string_of(close, "conversationId");
		return is_conversation_id(f->conversation_id) &&
		    !cJSON_HasObjectItem(close, "userId") ? 0 : ERR_INVAL;
	}
	f->user_id = string_of(close, "userId");
	return is_user_id(f->user_id) ? 0 : ERR_INVAL;
}

/* A reserve or release frame (kind) whose member is body. */
static int read_seq_frame(const cJSON *body, enum relay_frame_kind kind, struct relay_frame *f)
{
	f->kind = kind;
	f->conversation_id = string_of(body, "conversationId");
	return cJSON_IsObject(body) && is_conversation_id(f->conversation_id) &&
	    read_seq(body, &f->seq) == 0 ? 0 : ERR_INVAL;
}

/* The frame's kind by its one distinguishing member. */
static int read_frame(const cJSON *root, struct relay_frame *f)
{
	static const enum relay_frame_kind seq_kinds[] = { RELAY_FRAME_RESERVE, RELAY_FRAME_RELEASE };
	const cJSON *close = cJSON_GetObjectItemCaseSensitive(root, "close");

	if (close != NULL)
		return read_close(close, f);
	for (size_t i = 0; i < sizeof seq_kinds / sizeof seq_kinds[0]; i++) {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(root, seq_frame_name(seq_kinds[i]));
		if (body != NULL)
			return read_seq_frame(body, seq_kinds[i], f);
	}
	return read_event(root, f);
}

int relay_frame_parse(const char *p, size_t n, struct relay_frame *out)
{
	const cJSON *v;
	cJSON *root = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (n > RELAY_FRAME_MAX || json_parse(p, n, &root) < 0)
		return ERR_INVAL;
	v = cJSON_GetObjectItemCaseSensitive(root, "v");
	if (!cJSON_IsObject(root) || !cJSON_IsNumber(v) || v->valuedouble != RELAY_FRAME_VERSION)
		rc = ERR_INVAL;
	else
		rc = read_frame(root, out);
	if (rc < 0) {
		cJSON_Delete(root);
		memset(out, 0, sizeof *out);
		return rc;
	}
	out->root = root;
	return 0;
}

/* The decimal id at the head of p[0..n), up to the one space before the
 * frame's "{", into *id: the bytes it took (the space too), or 0 when
 * there is none. */
static size_t read_peer_id(const char *p, size_t n, uint64_t *id)
{
	size_t i = 0;

	*id = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned digit = (unsigned)(p[i] - '0');
		if ((i == 1 && p[0] == '0') || *id > (UINT64_MAX - digit) / 10)
			return 0; /* a leading zero, or past 64 bits */
		*id = *id * 10 + digit;
	}
	return i > 0 && i + 1 < n && p[i] == ' ' && p[i + 1] == '{' ? i + 1 : 0;
}

int relay_frame_parse_peer(const char *p, size_t n, uint64_t *id, struct relay_frame *out)
{
	size_t head = n <= RELAY_PEER_MAX ? read_peer_id(p, n, id) : 0;
	int fits;

	memset(out, 0, sizeof *out);
	if (head == 0 || relay_frame_parse(p + head, n - head, out) < 0)
		return ERR_INVAL;
	fits = out->kind == RELAY_FRAME_EVENT ? *id >= 1 : *id == 0;
	if (!fits) {
		relay_frame_free(out);
		return ERR_INVAL;
	}
	return 0;
}

char *relay_frame_peer(uint64_t id, const char *frame)
{
	size_t n = strlen(frame) + 22;
	char *text = malloc(n);

	if (text != NULL)
		snprintf(text, n, "%" PRIu64 " %s", id, frame);
	return text;
}

void relay_frame_free(struct relay_frame *f)
{
	if (f == NULL)
		return;
	cJSON_Delete(f->root);
	memset(f, 0, sizeof *f);
}

/* A new frame object {"v":1}, or NULL. */
static cJSON *frame_new(void)
{
	cJSON *frame = cJSON_CreateObject();

	if (frame != NULL && cJSON_AddNumberToObject(frame, "v", RELAY_FRAME_VERSION) == NULL) {
		cJSON_Delete(frame);
		return NULL;
	}
	return frame;
}

/* The text of frame (NULL: out of memory, or ok false), which is freed. */
static char *print_frame(cJSON *frame, int ok)
{
	char *text = frame != NULL && ok ? cJSON_PrintUnformatted(frame) : NULL;

	cJSON_Delete(frame);
	return text;
}

char *relay_frame_event(const char *conversation_id, int64_t seq, const cJSON *event)
{
	cJSON *frame = frame_new();
	int ok = frame != NULL &&
	    cJSON_AddStringToObject(frame, "conversationId", conversation_id) != NULL &&
	    (seq == 0 || cJSON_AddNumberToObject(frame, "seq", (double)seq) != NULL) &&
	    cJSON_AddItemReferenceToObject(frame, "event", (cJSON *)event);

	return print_frame(frame, ok); /* the reference leaves event to its owner */
}

/* The text of {"v":1,"<name>":{"<key>":"<value>"}} plus seq when not 0. */
static char *member_frame(const char *name, const char *key, const char *value, int64_t seq)
{
	cJSON *frame = frame_new(), *body = NULL;
	int ok = frame != NULL && (body = cJSON_AddObjectToObject(frame, name)) != NULL &&
	    cJSON_AddStringToObject(body, key, value) != NULL &&
	    (seq == 0 || cJSON_AddNumberToObject(body, "seq", (double)seq) != NULL);

	return print_frame(frame, ok);
}

char *relay_frame_close(const char *user_id)
{
	return member_frame("close", "userId", user_id, 0);
}

char *relay_frame_close_conversation(const char *conversation_id)
{
	return member_frame("close", "conversationId", conversation_id, 0);
}

char *relay_frame_seq(enum relay_frame_kind kind, const char *conversation_id, int64_t seq)
{
	return member_frame(seq_frame_name(kind), "conversationId", conversation_id, seq);
}
