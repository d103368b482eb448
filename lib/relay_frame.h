/*
 * relay_frame: the datagrams the programs send the SSE relay
 * (lib/relay_client.c writes them, sse-relay/ingest.c reads them). One
 * frame per datagram: the UTF-8 text of one JSON object, no trailing
 * newline, at most RELAY_FRAME_MAX bytes, of one of these kinds:
 *
 *   event    {"v":1,"conversationId":"<id>","seq":<n>?,"event":<SignalingEvent>}
 *            the seed's {"id","type","fromUserId","toUserId","data",
 *            "timestamp"}; toUserId null is everyone in the conversation,
 *            a user id only that user's streams. seq (new-message only:
 *            the message's serverReceivedAt) puts it in history order
 *   close    {"v":1,"close":{"userId":"<uuid>"}}
 *            close every stream of that user (leave, kick, expiry)
 *            {"v":1,"close":{"conversationId":"<id>"}}
 *            close every stream of that conversation (admin close)
 *   reserve  {"v":1,"reserve":{"conversationId":"<id>","seq":<n>}}
 *            a message of the conversation has seq and is being stored:
 *            hold back its later new-message events until it comes
 *   release  {"v":1,"release":{"conversationId":"<id>","seq":<n>}}
 *            that message will not come (its send failed)
 *
 * A seq is an integer from 1 to RELAY_SEQ_MAX (10^15 - 1: cJSON prints
 * 15 digits exactly; epoch milliseconds stay below it for 30,000 years).
 *
 * "v" is the frame version: a frame of another version is refused, as is
 * anything longer than RELAY_FRAME_MAX or not one of these shapes.
 *
 * Between the relays of several hosts (sse-relay/redis_link.c, over Redis
 * pub/sub, channel RELAY_CHANNEL_FORMAT) a message is "<id> <frame>": the
 * decimal event id Redis gave (1 to UINT64_MAX, no leading zero) and an
 * event frame (its seq, when it has one, marks that message published), or
 * "0 <frame>" and a close, reserve or release frame (a reserve: published
 * by the message clock, lib/state_redis.c, in clock order). At most
 * RELAY_PEER_MAX bytes.
 *
 * A parsed struct relay_frame owns one cJSON tree (root); its pointers
 * point into it. relay_frame_free releases it. Encoders return text the
 * caller frees with free().
 */
#ifndef CHATS3_RELAY_FRAME_H
#define CHATS3_RELAY_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define RELAY_EVENT_DATA_MAX 65536      /* an event's data, as the API caps it */
#define RELAY_FRAME_MAX (RELAY_EVENT_DATA_MAX + 4096) /* the frame around it */
#define RELAY_FRAME_VERSION 1
#define RELAY_SEQ_MAX 999999999999999LL /* 15 digits: what cJSON prints exactly */
#define RELAY_PEER_MAX (RELAY_FRAME_MAX + 21) /* an id of 20 digits and a space before it */
#define RELAY_CHANNEL_FORMAT "chats3:relay:%d" /* of the Redis db: pub/sub ignores SELECT */

enum relay_frame_kind {
	RELAY_FRAME_EVENT,
	RELAY_FRAME_CLOSE,
	RELAY_FRAME_RESERVE,
	RELAY_FRAME_RELEASE,
};

struct relay_frame {
	enum relay_frame_kind kind;
	const char *conversation_id; /* event, reserve, release: a valid conversation
	                              * id; close: the conversation's, or NULL */
	const char *to_user_id;      /* event: NULL for everyone */
	struct cJSON *event;         /* event: the SignalingEvent object */
	const char *user_id;         /* close: a UUID, or NULL (conversation_id set) */
	int64_t seq;                 /* event: 0 when absent; reserve, release: >= 1 */
	struct cJSON *root;          /* what the frame owns */
};

/* Parses p[0..n) (no NUL needed) into *out. 0, or ERR_INVAL for anything
 * that is not a frame of the shapes above (out then owns nothing). */
int relay_frame_parse(const char *p, size_t n, struct relay_frame *out);

/* Parses a message between relays p[0..n) into *id and *out: 0, or
 * ERR_INVAL for anything but "<id> <event frame>" (id >= 1) or "0 <close,
 * reserve or release frame>" (out then owns nothing). */
int relay_frame_parse_peer(const char *p, size_t n, uint64_t *id, struct relay_frame *out);

/* Frees what f owns and clears it. NULL is fine. */
void relay_frame_free(struct relay_frame *f);

/* The text of an event frame for event (borrowed) in conversation_id,
 * with seq when it is not 0, or NULL when out of memory. */
char *relay_frame_event(const char *conversation_id, int64_t seq, const struct cJSON *event);

/* The text of a close frame for user_id, or NULL when out of memory. */
char *relay_frame_close(const char *user_id);

/* The text of a close frame for every stream of conversation_id, or NULL. */
char *relay_frame_close_conversation(const char *conversation_id);

/* The message between relays "<id> <frame>" for frame text (borrowed),
 * or NULL when out of memory. */
char *relay_frame_peer(uint64_t id, const char *frame);

/* The text of a reserve or release frame (kind) for seq in
 * conversation_id, or NULL when out of memory. */
char *relay_frame_seq(enum relay_frame_kind kind, const char *conversation_id, int64_t seq);

#endif
