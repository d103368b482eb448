/*
 * test_relay_frame: the frames between the programs and the relay: what
 * parses (events for everyone or for one user, with a seq or without;
 * close frames of a user or a conversation; reserve and release) and what is
 * refused, and that the encoders' output parses back to the same frame;
 * the messages between relays ("<id> <frame>") likewise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "errors.h"
#include "relay_frame.h"

#define U1 "0b6c5a4e-6f52-4c8e-9d0e-2b1d3c4e5f60"

static const struct {
	int line;
	int want;
	const char *desc;
	const char *text;
} cases[] = {
	{ __LINE__, 0, "an event for everyone",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"event\":{\"type\":\"typing\",\"toUserId\":null}}" },
	{ __LINE__, 0, "an event for one user",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"event\":{\"type\":\"offer\",\"toUserId\":\"" U1 "\"}}" },
	{ __LINE__, 0, "a close frame", "{\"v\":1,\"close\":{\"userId\":\"" U1 "\"}}" },
	{ __LINE__, 0, "a close frame for a conversation",
	  "{\"v\":1,\"close\":{\"conversationId\":\"c-1\"}}" },
	{ __LINE__, ERR_INVAL, "a close frame for both a user and a conversation",
	  "{\"v\":1,\"close\":{\"conversationId\":\"c-1\",\"userId\":\"" U1 "\"}}" },
	{ __LINE__, ERR_INVAL, "a close frame for a bad conversation id",
	  "{\"v\":1,\"close\":{\"conversationId\":\"../x\"}}" },
	{ __LINE__, 0, "an event with its seq",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"seq\":1764590000000,\"event\":{\"type\":\"new-message\"}}" },
	{ __LINE__, ERR_INVAL, "an event with a seq of 0",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"seq\":0,\"event\":{\"type\":\"new-message\"}}" },
	{ __LINE__, ERR_INVAL, "an event with a fractional seq",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"seq\":1.5,\"event\":{\"type\":\"new-message\"}}" },
	{ __LINE__, ERR_INVAL, "an event with a seq as a string",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"seq\":\"7\",\"event\":{\"type\":\"new-message\"}}" },
	{ __LINE__, 0, "a reserve frame", "{\"v\":1,\"reserve\":{\"conversationId\":\"c-1\",\"seq\":7}}" },
	{ __LINE__, 0, "a release frame", "{\"v\":1,\"release\":{\"conversationId\":\"c-1\",\"seq\":7}}" },
	{ __LINE__, 0, "the largest seq",
	  "{\"v\":1,\"reserve\":{\"conversationId\":\"c-1\",\"seq\":999999999999999}}" },
	{ __LINE__, ERR_INVAL, "a seq past RELAY_SEQ_MAX",
	  "{\"v\":1,\"reserve\":{\"conversationId\":\"c-1\",\"seq\":1000000000000000}}" },
	{ __LINE__, ERR_INVAL, "a negative seq", "{\"v\":1,\"release\":{\"conversationId\":\"c-1\",\"seq\":-7}}" },
	{ __LINE__, ERR_INVAL, "a reserve without a seq", "{\"v\":1,\"reserve\":{\"conversationId\":\"c-1\"}}" },
	{ __LINE__, ERR_INVAL, "a reserve without a conversation", "{\"v\":1,\"reserve\":{\"seq\":7}}" },
	{ __LINE__, ERR_INVAL, "a release that is no object", "{\"v\":1,\"release\":7}" },
	{ __LINE__, ERR_INVAL, "another version",
	  "{\"v\":2,\"conversationId\":\"c-1\",\"event\":{\"type\":\"typing\"}}" },
	{ __LINE__, ERR_INVAL, "no version", "{\"conversationId\":\"c-1\",\"event\":{\"type\":\"x\"}}" },
	{ __LINE__, ERR_INVAL, "a bad conversation id",
	  "{\"v\":1,\"conversationId\":\"../x\",\"event\":{\"type\":\"typing\"}}" },
	{ __LINE__, ERR_INVAL, "an event without a type",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"event\":{}}" },
	{ __LINE__, ERR_INVAL, "a target that is no user id",
	  "{\"v\":1,\"conversationId\":\"c-1\",\"event\":{\"type\":\"x\",\"toUserId\":\"bob\"}}" },
	{ __LINE__, ERR_INVAL, "a close without a user id", "{\"v\":1,\"close\":{}}" },
	{ __LINE__, ERR_INVAL, "not an object", "[1]" },
	{ __LINE__, ERR_INVAL, "not JSON", "{\"v\":1," },
	{ __LINE__, ERR_INVAL, "empty", "" },
};

#define EV "{\"v\":1,\"conversationId\":\"c-1\",\"event\":{\"type\":\"typing\"}}"
#define CLOSE "{\"v\":1,\"close\":{\"userId\":\"" U1 "\"}}"

static const struct {
	int line;
	int want;
	uint64_t id;
	const char *desc;
	const char *text;
} peer_cases[] = {
	{ __LINE__, 0, 1, "an event with the first id", "1 " EV },
	{ __LINE__, 0, UINT64_MAX, "an event with the largest id", "18446744073709551615 " EV },
	{ __LINE__, 0, 0, "a close with id 0", "0 " CLOSE },
	{ __LINE__, ERR_INVAL, 0, "an id past 64 bits", "18446744073709551616 " EV },
	{ __LINE__, ERR_INVAL, 0, "an event with id 0", "0 " EV },
	{ __LINE__, ERR_INVAL, 0, "a close with an id", "7 " CLOSE },
	{ __LINE__, ERR_INVAL, 0, "a leading zero", "07 " EV },
	{ __LINE__, ERR_INVAL, 0, "no id", EV },
	{ __LINE__, ERR_INVAL, 0, "no space", "7" EV },
	{ __LINE__, ERR_INVAL, 0, "two spaces", "7  " EV },
	{ __LINE__, ERR_INVAL, 0, "an id alone", "7 " },
	{ __LINE__, ERR_INVAL, 0, "a negative id", "-7 " EV },
	{ __LINE__, 0, 7, "an event with its seq (history order across hosts)",
	  "7 {\"v\":1,\"conversationId\":\"c-1\",\"seq\":5,\"event\":{\"type\":\"new-message\"}}" },
	{ __LINE__, 0, 0, "a reserve frame, from the message clock",
	  "0 {\"v\":1,\"reserve\":{\"conversationId\":\"c-1\",\"seq\":7}}" },
	{ __LINE__, 0, 0, "a release frame",
	  "0 {\"v\":1,\"release\":{\"conversationId\":\"c-1\",\"seq\":7}}" },
	{ __LINE__, ERR_INVAL, 0, "a reserve frame with an id",
	  "7 {\"v\":1,\"reserve\":{\"conversationId\":\"c-1\",\"seq\":7}}" },
	{ __LINE__, ERR_INVAL, 0, "a reserve frame without its seq",
	  "0 {\"v\":1,\"reserve\":{\"conversationId\":\"c-1\"}}" },
	{ __LINE__, ERR_INVAL, 0, "empty", "" },
};

static void test_peer_cases(void)
{
	struct relay_frame f;
	uint64_t id;

	for (size_t i = 0; i < sizeof peer_cases / sizeof peer_cases[0]; i++) {
		int rc = relay_frame_parse_peer(peer_cases[i].text, strlen(peer_cases[i].text), &id, &f);
		CHECK_AT(peer_cases[i].line, rc == peer_cases[i].want);
		CHECK_AT(peer_cases[i].line, (rc == 0) == (f.root != NULL));
		CHECK_AT(peer_cases[i].line, rc < 0 || id == peer_cases[i].id);
		relay_frame_free(&f);
	}
}

static void test_peer_round_trip(void)
{
	char *text = relay_frame_peer(1764590000123456, EV);
	struct relay_frame f;
	uint64_t id;

	CHECK(text != NULL && relay_frame_parse_peer(text, strlen(text), &id, &f) == 0);
	CHECK(id == 1764590000123456 && f.kind == RELAY_FRAME_EVENT);
	relay_frame_free(&f);
	free(text);
}

static void test_cases(void)
{
	struct relay_frame f;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = relay_frame_parse(cases[i].text, strlen(cases[i].text), &f);
		CHECK_AT(cases[i].line, rc == cases[i].want);
		CHECK_AT(cases[i].line, (rc == 0) == (f.root != NULL));
		relay_frame_free(&f);
	}
}

static void test_round_trip(void)
{
	cJSON *ev = cJSON_CreateObject();
	struct relay_frame f;
	char *text;

	cJSON_AddStringToObject(ev, "type", "answer");
	cJSON_AddStringToObject(ev, "toUserId", U1);
	text = relay_frame_event("room-7", 0, ev);
	CHECK(text != NULL && relay_frame_parse(text, strlen(text), &f) == 0);
	CHECK(f.kind == RELAY_FRAME_EVENT && strcmp(f.conversation_id, "room-7") == 0);
	CHECK(f.to_user_id != NULL && strcmp(f.to_user_id, U1) == 0);
	relay_frame_free(&f);
	free(text);
	text = relay_frame_close(U1);
	CHECK(text != NULL && relay_frame_parse(text, strlen(text), &f) == 0);
	CHECK(f.kind == RELAY_FRAME_CLOSE && strcmp(f.user_id, U1) == 0);
	relay_frame_free(&f);
	free(text);
	text = relay_frame_close_conversation("room-7");
	CHECK(text != NULL && relay_frame_parse(text, strlen(text), &f) == 0);
	CHECK(f.kind == RELAY_FRAME_CLOSE && f.user_id == NULL &&
	    strcmp(f.conversation_id, "room-7") == 0);
	relay_frame_free(&f);
	free(text);
	text = relay_frame_event("room-7", 1764590000123, ev);
	CHECK(text != NULL && relay_frame_parse(text, strlen(text), &f) == 0);
	CHECK(f.kind == RELAY_FRAME_EVENT && f.seq == 1764590000123);
	relay_frame_free(&f);
	free(text);
	for (int k = RELAY_FRAME_RESERVE; k <= RELAY_FRAME_RELEASE; k++) {
		text = relay_frame_seq((enum relay_frame_kind)k, "room-7", RELAY_SEQ_MAX);
		CHECK(text != NULL && relay_frame_parse(text, strlen(text), &f) == 0);
		CHECK((int)f.kind == k && f.seq == RELAY_SEQ_MAX &&
		    strcmp(f.conversation_id, "room-7") == 0);
		relay_frame_free(&f);
		free(text);
	}
	cJSON_Delete(ev);
}

static void test_cap(void)
{
	size_t n = RELAY_FRAME_MAX + 1;
	char *big = malloc(n);
	struct relay_frame f;

	if (big == NULL)
		abort();
	memset(big, ' ', n);
	memcpy(big, "{\"v\":1,\"close\":{\"userId\":\"" U1 "\"}}", 65);
	CHECK(relay_frame_parse(big, RELAY_FRAME_MAX, &f) == 0);
	relay_frame_free(&f);
	CHECK(relay_frame_parse(big, n, &f) == ERR_INVAL);
	free(big);
}

int main(void)
{
	test_cases();
	test_round_trip();
	test_cap();
	test_peer_cases();
	test_peer_round_trip();
	return check_done("test_relay_frame");
}
