"""Two hosts, A and B, on one Redis (state and relay link both) and one
bucket: a session joined on A streams on B; events sent on A reach B's
streams in history order with the same ids and history on B lists them;
Last-Event-ID replays on whichever host a stream comes back to; a kick (by
session or by user) and an operator's close on A end the streams on B; a
malformed message on the channel is dropped with a log line; the scripts
flushed: an event still reaches its own host, and the link loads the
publish script again; Redis restarted (with its data, as a Redis with
persistence restarts) or stalled: 503 while it is away, the streams stay
open, and afterwards the same sessions go on with nothing lost. Sends
alternating between the hosts, or from two sessions on the two hosts at
once, reach the streams of both in history order with the same ids; a
reserve whose message never comes (its host died mid-send) holds the
others' events at most CHATS3_RELAY_ORDER_MS, and one released on one
host holds none on the other."""

import json
import os
import socket
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
import redis_server
from harness import envelope, wait_for
from test_messages import history, joined, send
from test_relay import RelayCase, relay_health
from test_session import ADMIN, new_conversation

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000", "CHATS3_RELAY_HEARTBEAT_MS": "500"}
PATIENCE = 5  # seconds an answer may take while Redis is away (its timeout is 1 s)


def relay_log(srv):
    try:
        with open(srv.relay_log, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def link(srv):
    """What srv's relay says of its link to Redis: "up" or "down"."""
    return relay_health(srv)[1]["data"]["redis"]


def to_relay(srv, frame):
    """A frame (lib/relay_frame.h) straight to srv's relay, as its programs send them."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(json.dumps(frame).encode(), os.path.join(srv.data_dir, "run", "relay-events.sock"))


def wait_link(srv, state):
    wait_for(lambda: link(srv) == state, 15,
             lambda: "the link of %s's relay to be %s: %s" % (srv.port, state, relay_log(srv)[-2000:]))


class TwoHostsCase(RelayCase):  # its next_of; its one host's setup replaced
    SETTINGS = {}  # of the class, beside SETTINGS

    @classmethod
    def setUpClass(cls):
        cls.redis = redis_server.started(cls.addClassCleanup)
        settings = dict(SETTINGS, CHATS3_REDIS_URL=cls.redis.url(), **cls.SETTINGS)
        cls.a = harness.new_server(settings, relay=True)
        cls.addClassCleanup(cls.a.stop)
        cls.b = harness.new_server(settings, relay=True)
        cls.addClassCleanup(cls.b.stop)
        for srv in (cls.a, cls.b):
            wait_link(srv, "up")

    @classmethod
    def tearDownClass(cls):
        pass  # the class cleanups stop both hosts and Redis

    def setUp(self):
        self.conv = new_conversation(self.a)

    def stream(self, srv, who, last_event_id=None):
        st = harness.sse(srv, who["sessionId"], last_event_id)
        self.addCleanup(st.close)
        self.assertEqual(st.status, 200, getattr(st, "body", b""))
        self.assertEqual(st.next_data()["data"], {"type": "system", "data": "connected"})
        return st

    def messages(self, st, n):
        """The next n new-message events of st: [(id, messageId)]."""
        return [(int(ev["id"]), ev["data"]["data"]["messageId"])
                for ev in (self.next_of(st, "new-message") for _ in range(n))]

    def until(self, st, message_id):
        """Reads st up to the new-message of message_id: its event."""
        while True:
            ev = self.next_of(st, "new-message")
            if ev["data"]["data"]["messageId"] == message_id:
                return ev

    def sent(self, srv, who, body):
        r = send(srv, who, {"body": body})
        self.assertEqual(r.status, 201, r.body)
        return envelope(r)["data"]["message"]

    def assert_rising(self, ids):
        self.assertEqual(ids, sorted(set(ids)), "ids not strictly rising")

    def assert_ends(self, st):
        while st.next_event() is not None:
            pass  # ends: next_event fails after its timeout otherwise

    def assert_unavailable(self, srv, who):
        """A send on srv answers 503 with Retry-After within PATIENCE."""
        t0 = time.monotonic()
        r = send(srv, who, {"body": "while Redis is away"})
        self.assertLess(time.monotonic() - t0, PATIENCE, "an answer while Redis is away")
        self.assertEqual(r.status, 503, r.body)
        self.assertTrue(r.getheader("Retry-After"))

    def frame_to_relay(self, srv, text):
        """An event frame straight to srv's relay, as a program that stored
        its message before Redis went away hands it over: its data's n."""
        to_relay(srv, {"v": 1, "conversationId": self.conv["conversationId"], "event": {
            "type": "offer", "fromUserId": None, "toUserId": None, "data": {"n": text}}})
        return text


class TwoHosts(TwoHostsCase):
    def test_a_session_joined_on_a_streams_on_b(self):
        reader = joined(self, self.a, self.conv, "Reader")
        st = self.stream(self.b, reader)
        alice = joined(self, self.a, self.conv, "Alice")
        while self.next_of(st, "peer-join")["data"]["fromUserId"] != alice["userId"]:
            pass  # the reader's own join may come first
        m = self.sent(self.a, alice, "to the reader on B")
        self.assertEqual(self.messages(st, 1)[0][1], m["messageId"])

    def test_fifty_sent_quickly_on_a_reach_b_in_history_order_with_the_same_ids(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.a, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        with ThreadPoolExecutor(5) as pool:
            list(pool.map(lambda i: self.sent(self.a, alice, "m%d" % i), range(50)))
        order = [m["messageId"] for m in history(self, self.a, alice)]
        self.assertEqual([m["messageId"] for m in history(self, self.b, bob)], order)
        got_a, got_b = self.messages(on_a, 50), self.messages(on_b, 50)
        self.assertEqual([m for _, m in got_b], order)
        self.assertEqual([m for _, m in got_a], order)
        self.assert_rising([i for i, _ in got_b])
        self.assertEqual(got_a, got_b)  # one id per event, Redis's, on every host

    def test_one_session_sending_on_both_hosts_keeps_ids_rising_on_both(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, bob), self.stream(self.b, bob)
        sent = [self.sent(self.a if i % 2 else self.b, alice, "m%d" % i)["messageId"]
                for i in range(10)]
        got_a, got_b = self.messages(on_a, 10), self.messages(on_b, 10)
        self.assertEqual([m for _, m in got_b], sent)
        self.assert_rising([i for i, _ in got_a])
        self.assertEqual(got_a, got_b)
        self.assertEqual([m["messageId"] for m in history(self, self.b, bob)
                          if m["messageId"] in sent], sent)

    def assert_in_history_order(self, who, n):
        """The next n new-message events of who's streams on A and on B:
        history's order, rising ids, the same ids on both hosts."""
        on_a, on_b = self.streams[who["sessionId"]]
        got_a, got_b = self.messages(on_a, n), self.messages(on_b, n)
        order = [m["messageId"] for m in history(self, self.b, who)][-n:]
        self.assertEqual([m for _, m in got_a], order)
        self.assert_rising([i for i, _ in got_a])
        self.assertEqual(got_a, got_b)

    def watched(self, name):
        """A participant joined on B with a stream on each host."""
        who = joined(self, self.b, self.conv, name)
        self.streams = getattr(self, "streams", {})
        self.streams[who["sessionId"]] = (self.stream(self.a, who), self.stream(self.b, who))
        return who

    def test_forty_sends_alternating_hosts_from_one_session_reach_both_in_history_order(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = self.watched("Bob")
        sent = [self.sent(self.a if i % 2 else self.b, alice, "m%d" % i)["messageId"]
                for i in range(40)]
        self.assert_in_history_order(bob, 40)
        self.assertEqual([m["messageId"] for m in history(self, self.a, bob)][-40:], sent)

    def test_two_sessions_sending_at_once_on_two_hosts_reach_both_in_history_order(self):
        alice = joined(self, self.a, self.conv, "Alice")
        carol = joined(self, self.b, self.conv, "Carol")
        bob = self.watched("Bob")
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda who: [self.sent(who[0], who[1], "m%d" % i) for i in range(20)],
                          [(self.a, alice), (self.b, carol)]))
        self.assert_in_history_order(bob, 40)

    def test_a_stream_that_comes_back_on_b_with_last_event_id_misses_nothing(self):
        alice = joined(self, self.a, self.conv, "Alice")
        reader = joined(self, self.a, self.conv, "Reader")
        st = self.stream(self.a, reader)
        self.sent(self.a, alice, "before")
        last, _ = self.messages(st, 1)[0]
        st.close()
        missed = [self.sent(self.a, alice, "missed %d" % i)["messageId"] for i in range(5)]
        back = self.stream(self.b, reader, last_event_id=str(last))  # the same session
        got = self.messages(back, 5)
        self.assertEqual([m for _, m in got], missed)
        self.assertGreater(got[0][0], last)

    def test_a_kick_of_the_session_on_a_ends_its_stream_on_b_and_a_hears_the_leave(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.a, self.conv, "Bob")
        on_a, kicked = self.stream(self.a, alice), self.stream(self.b, bob)
        r = self.a.request("DELETE", "/api/v1/admin/sessions/" + bob["sessionId"],
                           headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(on_a, "peer-leave")["data"]["fromUserId"], bob["userId"])
        self.assert_ends(kicked)
        self.assertEqual(self.b.request("GET", "/api/v1/session",
                                        headers={"x-session-id": bob["sessionId"]}).status, 401)

    def test_a_kick_of_the_user_on_a_ends_the_users_streams_on_b(self):
        bob = joined(self, self.a, self.conv, "Bob")
        on_b, on_a = self.stream(self.b, bob), self.stream(self.a, bob)
        r = self.a.request("DELETE", "/api/v1/admin/conversations/%s/participants/%s"
                           % (self.conv["conversationId"], bob["userId"]), headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assert_ends(on_b)
        self.assert_ends(on_a)

    def test_closing_the_conversation_on_a_ends_the_streams_on_b(self):
        bob = joined(self, self.a, self.conv, "Bob")
        on_b = self.stream(self.b, bob)
        r = self.a.request("POST", "/api/v1/admin/conversations/%s/close"
                           % self.conv["conversationId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(on_b, "new-message")["data"]["data"]["body"],
                         "Conversation closed")
        self.assert_ends(on_b)
        self.assertEqual(send(self.b, bob, {"body": "closed"}).status, 410)

    def test_a_malformed_message_on_the_channel_is_dropped_and_logged(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_b = self.stream(self.b, bob)
        self.assertEqual(self.redis.command("PUBLISH", "chats3:relay:0", "7 {not json"), ":2")
        wait_for(lambda: "dropped a malformed message of 11 bytes" in relay_log(self.b), 10,
                 "B's relay to log the dropped message")
        m = self.sent(self.a, alice, "after the noise")
        self.assertEqual(self.messages(on_b, 1)[0][1], m["messageId"])

    def test_scripts_flushed_an_event_still_reaches_a_and_the_link_loads_it_again(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.a, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        self.assertEqual(self.redis.command("SCRIPT", "FLUSH"), "+OK")
        self.offer_on(on_a, self.frame_to_relay(self.a, "scripts flushed"))
        flushed = wait_for(lambda: relay_log(self.a).find("NOSCRIPT") + 1, 10,
                           "A's relay to log the NOSCRIPT")
        wait_for(lambda: "redis link up" in relay_log(self.a)[flushed:], 15,
                 lambda: "A's link up again: " + relay_log(self.a)[-2000:])
        again = self.sent(self.a, alice, "the script loaded again")
        self.assertEqual(self.until(on_b, again["messageId"])["id"],
                         self.until(on_a, again["messageId"])["id"])

    def offer_on(self, st, n):
        """Reads st up to the offer whose data is {"n": n}."""
        while self.next_of(st, "offer")["data"]["data"] != {"n": n}:
            pass

    def test_redis_restarted_503_while_down_then_the_same_sessions_go_on(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.a, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        before = self.sent(self.a, alice, "before")
        first = self.messages(on_a, 1)[0]
        self.assertEqual(self.messages(on_b, 1)[0], first)
        self.redis.stop(save=True)  # as a Redis with persistence restarts
        wait_link(self.a, "down")
        self.assert_unavailable(self.a, alice)
        self.assert_unavailable(self.b, bob)
        self.offer_on(on_a, self.frame_to_relay(self.a, "while Redis is away"))  # local still
        self.redis.start()
        for srv in (self.a, self.b):
            wait_link(srv, "up")
        again = self.sent(self.b, bob, "Redis is back")
        after_a, after_b = self.until(on_a, again["messageId"]), self.until(on_b, again["messageId"])
        self.assertEqual(after_a["id"], after_b["id"])
        self.assertGreater(int(after_a["id"]), first[0])
        self.assertEqual([m["messageId"] for m in history(self, self.b, alice)],
                         [before["messageId"], again["messageId"]])

    def test_a_stalled_redis_holds_no_stream_and_no_answer(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.a, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        self.redis.pause()  # connected, answering nothing
        self.addCleanup(self.redis.resume)
        self.assert_unavailable(self.a, alice)
        t0 = time.monotonic()
        self.offer_on(on_a, self.frame_to_relay(self.a, "while Redis stalls"))
        self.assertLess(time.monotonic() - t0, PATIENCE)
        self.assertEqual(link(self.a), "down")
        self.redis.resume()
        for srv in (self.a, self.b):
            wait_link(srv, "up")
        again = self.sent(self.a, alice, "Redis answers again")
        self.assertEqual(self.until(on_b, again["messageId"])["id"],
                         self.until(on_a, again["messageId"])["id"])


DEADLINE_MS = 2000


class AHostDiedMidSend(TwoHostsCase):
    SETTINGS = {"CHATS3_RELAY_ORDER_MS": str(DEADLINE_MS)}

    def test_a_reserve_whose_message_never_comes_holds_the_others_at_most_the_deadline(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, bob), self.stream(self.b, bob)
        t0 = time.monotonic()
        seq = self.reserved()  # as a host's clock publishes it, the host then dying
        held = self.sent(self.b, alice, "after the dead host's message")
        self.assertEqual(self.until(on_b, held["messageId"])["id"],
                         self.until(on_a, held["messageId"])["id"])
        waited = time.monotonic() - t0
        self.assertGreaterEqual(waited, DEADLINE_MS / 1000 - 0.05, "not held for the dead send")
        self.assertLess(waited, DEADLINE_MS / 1000 + PATIENCE)
        self.assertIn("the message of seq %d did not come within %d ms" % (seq, DEADLINE_MS),
                      relay_log(self.b))
        t1 = time.monotonic()
        flows = self.sent(self.a, alice, "nothing pending any more")
        self.assertEqual(self.until(on_b, flows["messageId"])["id"],
                         self.until(on_a, flows["messageId"])["id"])
        self.assertLess(time.monotonic() - t1, DEADLINE_MS / 1000, "held again")

    def test_a_send_released_on_a_holds_nothing_on_b(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_b = self.stream(self.b, bob)
        seq = self.reserved()
        t0 = time.monotonic()
        to_relay(self.a, {"v": 1, "release": {"conversationId": self.conv["conversationId"],
                                              "seq": seq}})  # as A's program whose store failed
        m = self.sent(self.b, alice, "after the failed send")
        self.until(on_b, m["messageId"])
        self.assertLess(time.monotonic() - t0, DEADLINE_MS / 1000, "held for the released send")

    def reserved(self):
        """A reserve on the relays' channel, as a host's clock publishes it:
        its seq, before the next send's millisecond."""
        seq = int(time.time() * 1000) - 1
        reserve = {"v": 1, "reserve": {"conversationId": self.conv["conversationId"], "seq": seq}}
        self.assertEqual(self.redis.command("PUBLISH", "chats3:relay:0",
                                            "0 " + json.dumps(reserve)), ":2")
        return seq


if __name__ == "__main__":
    unittest.main()
