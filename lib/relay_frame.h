/*
 * relay_frame: the datagrams the programs send the SSE relay
 * (lib/relay_client.c writes them, sse-relay/ingest.c reads them). One
 * frame per datagram: the UTF-8 text of one JSON object, no trailing
 * newline, at most RELAY_FRAME_MAX bytes, of one of two kinds:
 *
 *   event    {"v":1,"conversationId":"<id>","event":<SignalingEvent>}
 *            the seed's {"id","type","fromUserId","toUserId","data",
 *            "timestamp"}; toUserId null is everyone in the conversation,
 *            a user id only that user's streams
 *   close    {"v":1,"close":{"userId":"<uuid>"}}
 *            close every stream of that user (leave, kick, expiry)
 *
 * "v" is the frame version: a frame of another version is refused, as is
 * anything longer than RELAY_FRAME_MAX or not one of these shapes.
 *
 * A parsed struct relay_frame owns one cJSON tree (root); its pointers
 * point into it. relay_frame_free releases it. Encoders return text the
 * caller frees with free().
 */
#ifndef CHATS3_RELAY_FRAME_H
#define CHATS3_RELAY_FRAME_H

#include <stddef.h>

struct cJSON;

#define RELAY_EVENT_DATA_MAX 65536      /* an event's data, as the API caps it */
#define RELAY_FRAME_MAX (RELAY_EVENT_DATA_MAX + 4096) /* the frame around it */
#define RELAY_FRAME_VERSION 1

enum relay_frame_kind { RELAY_FRAME_EVENT, RELAY_FRAME_CLOSE };

struct relay_frame {
	enum relay_frame_kind kind;
	const char *conversation_id; /* event: a valid conversation id */
	const char *to_user_id;      /* event: NULL for everyone */
	struct cJSON *event;         /* event: the SignalingEvent object */
	const char *user_id;         /* close: a UUID */
	struct cJSON *root;          /* what the frame owns */
};

/* Parses p[0..n) (no NUL needed) into *out. 0, or ERR_INVAL for anything
 * that is not a frame of the shapes above (out then owns nothing). */
int relay_frame_parse(const char *p, size_t n, struct relay_frame *out);

/* Frees what f owns and clears it. NULL is fine. */
void relay_frame_free(struct relay_frame *f);

/* The text of an event frame for event (borrowed) in conversation_id, or
 * NULL when out of memory. */
char *relay_frame_event(const char *conversation_id, const struct cJSON *event);

/* The text of a close frame for user_id, or NULL when out of memory. */
char *relay_frame_close(const char *user_id);

#endif
