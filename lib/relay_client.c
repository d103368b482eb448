#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "clock.h"
#include "ids.h"
#include "relay_client.h"
#include "relay_frame.h"
#include "session_store.h"
#include "storage_keys.h"

struct relay {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
};

int relay_open(struct relay **out, const char *data_dir)
{
	struct relay *r;
	int n;

	*out = NULL;
	if (data_dir == NULL || (r = calloc(1, sizeof *r)) == NULL)
		return data_dir == NULL ? ERR_CONFIG : ERR_NOMEM;
	r->addr.sun_family = AF_UNIX;
	n = snprintf(r->addr.sun_path, sizeof r->addr.sun_path, "%s/%s", data_dir, RELAY_SOCKET);
	if (n < 0 || (size_t)n >= sizeof r->addr.sun_path) {
		free(r);
		return ERR_CONFIG;
	}
	r->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	if ((r->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		free(r);
		return ERR_IO;
	}
	*out = r;
	return 0;
}

static enum relay_status status_of(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		return RELAY_ABSENT;
	case EAGAIN:
	case ENOBUFS:
		return RELAY_BUSY;
	case EMSGSIZE:
		return RELAY_TOOBIG;
	default:
		return RELAY_ERROR;
	}
}

/* One sendto of the n bytes at text; while the relay's queue is full, once
 * more every millisecond until RELAY_BUSY_WAIT_MS have passed. */
static ssize_t send_waiting(struct relay *r, const char *text, size_t n)
{
	const struct timespec tick = { 0, 1000000 };
	int64_t until = clock_mono_us() + RELAY_BUSY_WAIT_MS * 1000;
	ssize_t sent;

	for (;;) {
		do
			sent = sendto(r->fd, text, n, MSG_DONTWAIT | MSG_NOSIGNAL,
			    (const struct sockaddr *)&r->addr, r->addr_len);
		while (sent < 0 && errno == EINTR);
		if (sent >= 0 || errno != EAGAIN || clock_mono_us() >= until)
			return sent;
		nanosleep(&tick, NULL);
	}
}

/* Sends text (freed here; NULL: out of memory) as one datagram. */
static enum relay_status send_frame(struct relay *r, char *text)
{
	enum relay_status st = RELAY_SENT;
	size_t n;
	ssize_t sent;

	if (text == NULL)
		return RELAY_ERROR;
	if ((n = strlen(text)) > RELAY_FRAME_MAX) {
		st = RELAY_TOOBIG;
	} else {
		sent = send_waiting(r, text, n);
		if (sent < 0)
			st = status_of(errno);
		else if ((size_t)sent != n)
			st = RELAY_ERROR;
	}
	free(text);
	return st;
}

static int conversation_ok(const struct relay *r, const char *conversation_id)
{
	return r != NULL && conversation_id != NULL && keys_valid_conversation_id(conversation_id);
}

enum relay_status relay_publish_at(struct relay *r, const char *conversation_id, int64_t seq,
    const cJSON *event)
{
	if (!conversation_ok(r, conversation_id) || !cJSON_IsObject(event) || seq < 0 ||
	    seq > RELAY_SEQ_MAX)
		return RELAY_ERROR;
	return send_frame(r, relay_frame_event(conversation_id, seq, event));
}

enum relay_status relay_publish(struct relay *r, const char *conversation_id,
    const cJSON *event)
{
	return relay_publish_at(r, conversation_id, 0, event);
}

/* A reserve or release frame (kind). */
static enum relay_status send_seq(struct relay *r, enum relay_frame_kind kind,
    const char *conversation_id, int64_t seq)
{
	if (!conversation_ok(r, conversation_id) || seq < 1 || seq > RELAY_SEQ_MAX)
		return RELAY_ERROR;
	return send_frame(r, relay_frame_seq(kind, conversation_id, seq));
}

enum relay_status relay_reserve(struct relay *r, const char *conversation_id, int64_t seq)
{
	return send_seq(r, RELAY_FRAME_RESERVE, conversation_id, seq);
}

enum relay_status relay_release(struct relay *r, const char *conversation_id, int64_t seq)
{
	return send_seq(r, RELAY_FRAME_RELEASE, conversation_id, seq);
}

enum relay_status relay_close_conversation(struct relay *r, const char *conversation_id)
{
	if (!conversation_ok(r, conversation_id))
		return RELAY_ERROR;
	return send_frame(r, relay_frame_close_conversation(conversation_id));
}

enum relay_status relay_close_user(struct relay *r, const char *user_id)
{
	if (r == NULL || user_id == NULL || !ids_is_uuid4(user_id, strlen(user_id)))
		return RELAY_ERROR;
	return send_frame(r, relay_frame_close(user_id));
}

const char *relay_status_str(enum relay_status st)
{
	static const char *const names[] = { "sent", "absent", "busy", "too big", "error" };

	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "error";
}

void relay_close(struct relay *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	free(r);
}

cJSON *relay_event(const char *type, const char *from_user_id,
    const char *to_user_id, cJSON *data)
{
	char id[UUID_STRLEN + 1];
	cJSON *ev = cJSON_CreateObject();

	if (data == NULL)
		data = cJSON_CreateObject();
	if (ev == NULL || data == NULL || ids_uuid4(id) < 0 ||
	    cJSON_AddStringToObject(ev, "id", id) == NULL ||
	    cJSON_AddStringToObject(ev, "type", type) == NULL ||
	    cJSON_AddStringToObject(ev, "fromUserId", from_user_id) == NULL ||
	    (to_user_id ? cJSON_AddStringToObject(ev, "toUserId", to_user_id) :
	    cJSON_AddNullToObject(ev, "toUserId")) == NULL ||
	    !cJSON_AddItemToObject(ev, "data", data)) {
		if (ev == NULL || !cJSON_HasObjectItem(ev, "data"))
			cJSON_Delete(data);
		cJSON_Delete(ev);
		return NULL;
	}
	if (cJSON_AddNumberToObject(ev, "timestamp", (double)clock_now_ms()) == NULL) {
		cJSON_Delete(ev);
		return NULL;
	}
	return ev;
}

cJSON *relay_peer_event(const char *type, const struct session *s)
{
	cJSON *data = cJSON_CreateObject();

	if (cJSON_AddStringToObject(data, "userId", s->user_id) == NULL ||
	    cJSON_AddStringToObject(data, "displayName", s->display_name) == NULL) {
		cJSON_Delete(data);
		return NULL;
	}
	return relay_event(type, s->user_id, NULL, data);
}
