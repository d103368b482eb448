/*
 * relay_client: hands events to the SSE relay (sse-relay/) over a Unix
 * datagram socket at <data_dir>/run/relay-events.sock (its HTTP side for
 * the SSE clients is run/relay.sock). Publishing never fails a request
 * and waits only for a relay that is there but behind: a frame that finds
 * its queue full is sent again every millisecond for up to
 * RELAY_BUSY_WAIT_MS; when the relay is absent, stale or still busy the
 * event is dropped and relay_publish says so, for the log.
 *
 * Frames are lib/relay_frame.h's: events for a conversation (optionally
 * for one user), close frames that end every stream of a user or of a
 * conversation, and the reserve and release frames that keep new-message
 * events in history order (docs/relay.md, "History order").
 *
 * A struct relay belongs to one process (one unbound socket, kept);
 * relay_close frees it.
 */
#ifndef CHATS3_RELAY_CLIENT_H
#define CHATS3_RELAY_CLIENT_H

#include <stdint.h>

#include "relay_frame.h"

struct cJSON;
struct relay;
struct session;

#define RELAY_SOCKET "run/relay-events.sock" /* under the data directory */
#define RELAY_HTTP_SOCKET "run/relay.sock"      /* the relay's HTTP side */
#define RELAY_BUSY_WAIT_MS 50 /* the longest a frame waits for room in a full queue */

enum relay_status {
	RELAY_SENT = 0,   /* in the relay's queue */
	RELAY_ABSENT,     /* no socket, or nobody bound to it: dropped */
	RELAY_BUSY,       /* the relay's queue is full: dropped */
	RELAY_TOOBIG,     /* the frame would exceed RELAY_FRAME_MAX: dropped */
	RELAY_ERROR,      /* anything else (out of memory, bad arguments): dropped */
};

/* Prepares a client for <data_dir>/run/relay-events.sock (the relay need not run).
 * 0, ERR_CONFIG (the path does not fit a socket address), ERR_NOMEM or
 * ERR_IO. *out is NULL on failure. */
int relay_open(struct relay **out, const char *data_dir);

/* Sends event (borrowed) for conversation_id as one frame, without
 * waiting. */
enum relay_status relay_publish(struct relay *r, const char *conversation_id,
    const struct cJSON *event);

/* relay_publish with seq (>= 1: a new-message's serverReceivedAt, which
 * the relay orders by; 0: none). */
enum relay_status relay_publish_at(struct relay *r, const char *conversation_id, int64_t seq,
    const struct cJSON *event);

/* Tells the relay that a message of conversation_id with seq is being
 * stored (relay_reserve: sent while the message clock is held, so these
 * reach the relay in clock order), or that it will not come after all
 * (relay_release). Without waiting. */
enum relay_status relay_reserve(struct relay *r, const char *conversation_id, int64_t seq);
enum relay_status relay_release(struct relay *r, const char *conversation_id, int64_t seq);

/* Asks the relay to close every stream of user_id (a UUID), without
 * waiting. */
enum relay_status relay_close_user(struct relay *r, const char *user_id);

/* Asks the relay to close every stream of conversation_id, without
 * waiting. */
enum relay_status relay_close_conversation(struct relay *r, const char *conversation_id);

/* A new SignalingEvent {id, type, fromUserId, toUserId (null when NULL),
 * data, timestamp} taking ownership of data (NULL: {}); NULL when out of
 * memory (data is freed all the same). */
struct cJSON *relay_event(const char *type, const char *from_user_id,
    const char *to_user_id, struct cJSON *data);

/* A new peer-join or peer-leave (type) event from s's user, data
 * {userId, displayName}; NULL when out of memory. */
struct cJSON *relay_peer_event(const char *type, const struct session *s);

/* "sent", "absent", "busy", "too big", "error". Never NULL. */
const char *relay_status_str(enum relay_status st);

/* Closes the socket and frees r. NULL is fine. */
void relay_close(struct relay *r);

#endif
