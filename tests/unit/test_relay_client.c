/*
 * test_relay_client: publishing to a real bound datagram socket (delivered,
 * the frame as documented; the reserve, release and conversation close
 * frames), and to none (absent, at once), to a stale one,
 * to a full one (busy, never blocking), and a frame over the cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "clock.h"
#include "errors.h"
#include "json.h"
#include "relay_client.h"
#include "tmpdir.h"

#define SLOW_US 100000 /* a publish taking this long has blocked */
/* a busy relay: RELAY_BUSY_WAIT_MS of retries, then that bound again */
#define SLOW_BUSY_US (RELAY_BUSY_WAIT_MS * 1000 + SLOW_US)

struct fixture {
	char dir[TMPDIR_MAX];
	char sock[sizeof ((struct sockaddr_un *)0)->sun_path];
	struct relay *r;
	cJSON *event;
};

static int bind_receiver(const struct fixture *f)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof a.sun_path, "%s", f->sock);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		abort();
	return fd;
}

static cJSON *make_event(size_t data_len)
{
	cJSON *e = cJSON_CreateObject();
	char *data = malloc(data_len + 1);

	if (e == NULL || data == NULL)
		abort();
	memset(data, 'd', data_len);
	data[data_len] = '\0';
	cJSON_AddStringToObject(e, "id", "0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60");
	cJSON_AddStringToObject(e, "type", "new-message");
	cJSON_AddStringToObject(e, "fromUserId", "u1");
	cJSON_AddNullToObject(e, "toUserId");
	cJSON_AddStringToObject(e, "data", data);
	cJSON_AddNumberToObject(e, "timestamp", 1764000000000.0);
	free(data);
	return e;
}

/* Publishes and measures; *us gets the time it took. */
static enum relay_status timed_publish(struct fixture *f, const cJSON *event, int64_t *us)
{
	int64_t t0 = clock_mono_us();
	enum relay_status st = relay_publish(f->r, "conv-1", event);

	*us = clock_mono_us() - t0;
	return st;
}

static void test_absent(struct fixture *f)
{
	int64_t us;

	CHECK(timed_publish(f, f->event, &us) == RELAY_ABSENT && us < SLOW_US);
	CHECK(strcmp(relay_status_str(RELAY_ABSENT), "absent") == 0);
}

static void test_delivered(struct fixture *f)
{
	char got[RELAY_FRAME_MAX + 1];
	int fd = bind_receiver(f);
	cJSON *frame = NULL;
	int64_t us;
	ssize_t n;

	CHECK(timed_publish(f, f->event, &us) == RELAY_SENT);
	n = recv(fd, got, sizeof got, MSG_DONTWAIT);
	CHECK(n > 0 && json_parse(got, (size_t)n, &frame) == 0);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(frame, "v")) == RELAY_FRAME_VERSION);
	CHECK_STR(__LINE__, cJSON_GetStringValue(cJSON_GetObjectItem(frame, "conversationId")),
	    "conv-1");
	CHECK(cJSON_Compare(cJSON_GetObjectItem(frame, "event"), f->event, 1));
	cJSON_Delete(frame);
	close(fd);
	/* the socket file stays behind with nobody bound to it */
	CHECK(timed_publish(f, f->event, &us) == RELAY_ABSENT && us < SLOW_US);
	unlink(f->sock);
}

/* The frame fd received next, parsed (the caller frees it). */
static void next_frame(int fd, struct relay_frame *out)
{
	static char got[RELAY_FRAME_MAX + 1];
	ssize_t n = recv(fd, got, sizeof got, MSG_DONTWAIT);

	if (n < 0 || relay_frame_parse(got, (size_t)n, out) < 0)
		memset(out, 0, sizeof *out);
}

/* A send's reserve, its event with the same seq, a release, and the close
 * of a conversation, each as one frame; bad seqs are refused unsent. */
static void test_order_frames(struct fixture *f)
{
	int fd = bind_receiver(f);
	struct relay_frame got;

	CHECK(relay_reserve(f->r, "conv-1", 1764000000123) == RELAY_SENT);
	CHECK(relay_publish_at(f->r, "conv-1", 1764000000123, f->event) == RELAY_SENT);
	CHECK(relay_release(f->r, "conv-1", 1764000000124) == RELAY_SENT);
	CHECK(relay_close_conversation(f->r, "conv-1") == RELAY_SENT);
	CHECK(relay_reserve(f->r, "conv-1", 0) == RELAY_ERROR);
	CHECK(relay_release(f->r, "conv-1", RELAY_SEQ_MAX + 1) == RELAY_ERROR);
	CHECK(relay_publish_at(f->r, "conv-1", -1, f->event) == RELAY_ERROR);
	CHECK(relay_close_conversation(f->r, "../x") == RELAY_ERROR);
	next_frame(fd, &got);
	CHECK(got.kind == RELAY_FRAME_RESERVE && got.seq == 1764000000123);
	relay_frame_free(&got);
	next_frame(fd, &got);
	CHECK(got.kind == RELAY_FRAME_EVENT && got.seq == 1764000000123 && got.event != NULL);
	relay_frame_free(&got);
	next_frame(fd, &got);
	CHECK(got.kind == RELAY_FRAME_RELEASE && got.seq == 1764000000124);
	relay_frame_free(&got);
	next_frame(fd, &got);
	CHECK(got.kind == RELAY_FRAME_CLOSE && got.conversation_id != NULL &&
	    strcmp(got.conversation_id, "conv-1") == 0);
	relay_frame_free(&got);
	next_frame(fd, &got);
	CHECK(got.root == NULL); /* nothing else was sent */
	close(fd);
	unlink(f->sock);
}

static void test_busy_and_big(struct fixture *f)
{
	int fd = bind_receiver(f), i, busy = 0;
	int64_t us, slowest = 0;
	cJSON *big = make_event(RELAY_FRAME_MAX);
	enum relay_status st = RELAY_SENT;

	for (i = 0; i < 100000 && st == RELAY_SENT; i++) {
		st = timed_publish(f, f->event, &us);
		slowest = us > slowest ? us : slowest;
	}
	busy = st == RELAY_BUSY;
	CHECK(busy);
	CHECK(slowest < SLOW_BUSY_US);
	printf("queue full after %d frames, slowest publish %lld us\n", i, (long long)slowest);
	CHECK(relay_publish(f->r, "conv-1", big) == RELAY_TOOBIG);
	CHECK(relay_publish(f->r, "../x", f->event) == RELAY_ERROR);
	cJSON_Delete(big);
	close(fd);
	unlink(f->sock);
}

int main(void)
{
	static struct fixture f;
	char run[TMPDIR_MAX + 8];

	if (tmpdir_make(f.dir, "chats3-relay") < 0 ||
	    snprintf(run, sizeof run, "%s/run", f.dir) >= (int)sizeof run ||
	    snprintf(f.sock, sizeof f.sock, "%s/%s", f.dir, RELAY_SOCKET) >= (int)sizeof f.sock ||
	    mkdir(run, 0700) < 0 || relay_open(&f.r, f.dir) < 0)
		abort();
	f.event = make_event(100);
	test_absent(&f);
	test_delivered(&f);
	test_order_frames(&f);
	test_busy_and_big(&f);
	CHECK(relay_open(&(struct relay *){ NULL }, NULL) == ERR_CONFIG);
	relay_close(f.r);
	cJSON_Delete(f.event);
	tmpdir_remove(f.dir);
	return check_done("test_relay_client");
}
