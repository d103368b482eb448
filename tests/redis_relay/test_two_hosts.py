"""Two hosts, A and B, on one Redis and one bucket: events sent on A reach
B's streams in history order with the same ids, Last-Event-ID replays on
whichever host a stream comes back to, close frames (a kick, an operator's
close) reach every host, a malformed message on the channel is dropped with
a log line, and a Redis restart: local delivery goes on, the link comes
back, cross-host delivery resumes.

Sessions still live in each host's own SQLite (until the Redis state
backend): a participant joins on each host it uses, so a "reconnect from A
to B" is the same reader with its session of B."""

import os
import signal
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import envelope, wait_for
from test_messages import history, joined, send
from test_relay import RelayCase, relay_health
from test_session import ADMIN, new_conversation

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000", "CHATS3_RELAY_HEARTBEAT_MS": "500"}


def relay_log(srv):
    try:
        with open(srv.relay_log, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def link(srv):
    """What srv's relay says of its link to Redis: "up" or "down"."""
    return relay_health(srv)[1]["data"]["redis"]


def wait_link(srv, state):
    wait_for(lambda: link(srv) == state, 15,
             lambda: "the link of %s's relay to be %s: %s" % (srv.port, state, relay_log(srv)[-2000:]))


class TwoHosts(RelayCase):  # its next_of; its one host's setup replaced
    @classmethod
    def setUpClass(cls):
        cls.redis = harness.CONFIG["redis_server"]
        settings = dict(SETTINGS, CHATS3_REDIS_URL=cls.redis.url)
        cls.a = harness.new_server(settings, relay=True)
        try:
            cls.b = harness.new_server(settings, relay=True)
        except Exception:
            cls.a.stop()
            raise
        for srv in (cls.a, cls.b):
            wait_link(srv, "up")

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()

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

    def test_fifty_sent_quickly_on_a_reach_b_in_history_order_with_the_same_ids(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        with ThreadPoolExecutor(5) as pool:
            list(pool.map(lambda i: self.sent(self.a, alice, "m%d" % i), range(50)))
        order = [m["messageId"] for m in history(self, self.a, alice)]
        got_a, got_b = self.messages(on_a, 50), self.messages(on_b, 50)
        self.assertEqual([m for _, m in got_b], order)
        self.assertEqual([m for _, m in got_a], order)
        self.assert_rising([i for i, _ in got_b])
        self.assertEqual(got_a, got_b)  # one id per event, Redis's, on every host

    def test_both_hosts_sending_keep_ids_rising_on_both(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        for i in range(10):
            self.sent(self.a if i % 2 else self.b, alice if i % 2 else bob, "m%d" % i)
        got_a, got_b = self.messages(on_a, 10), self.messages(on_b, 10)
        self.assert_rising([i for i, _ in got_a])
        self.assertEqual(got_a, got_b)

    def test_a_stream_that_comes_back_on_b_with_last_event_id_misses_nothing(self):
        alice = joined(self, self.a, self.conv, "Alice")
        reader_a = joined(self, self.a, self.conv, "Reader")
        reader_b = joined(self, self.b, self.conv, "Reader")  # its session of host B
        st = self.stream(self.a, reader_a)
        self.sent(self.a, alice, "before")
        last, _ = self.messages(st, 1)[0]
        st.close()
        missed = [self.sent(self.a, alice, "missed %d" % i)["messageId"] for i in range(5)]
        back = self.stream(self.b, reader_b, last_event_id=str(last))
        got = self.messages(back, 5)
        self.assertEqual([m for _, m in got], missed)
        self.assertGreater(got[0][0], last)

    def test_a_kick_on_b_ends_the_stream_on_b_and_a_hears_the_leave(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, kicked = self.stream(self.a, alice), self.stream(self.b, bob)
        r = self.b.request("DELETE", "/api/v1/admin/sessions/" + bob["userId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(on_a, "peer-leave")["data"]["fromUserId"], bob["userId"])
        while kicked.next_event() is not None:
            pass  # ends: next_event fails after its timeout otherwise

    def test_closing_the_conversation_on_a_ends_the_streams_on_b(self):
        bob = joined(self, self.b, self.conv, "Bob")
        on_b = self.stream(self.b, bob)
        r = self.a.request("POST", "/api/v1/admin/conversations/%s/close"
                           % self.conv["conversationId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(on_b, "new-message")["data"]["data"]["body"],
                         "Conversation closed")
        while on_b.next_event() is not None:
            pass

    def test_a_malformed_message_on_the_channel_is_dropped_and_logged(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_b = self.stream(self.b, bob)
        self.assertEqual(self.redis.cli("PUBLISH", "chats3:relay:0", "7 {not json"), "2")
        wait_for(lambda: "dropped a malformed message of 11 bytes" in relay_log(self.b), 10,
                 "B's relay to log the dropped message")
        m = self.sent(self.a, alice, "after the noise")
        self.assertEqual(self.messages(on_b, 1)[0][1], m["messageId"])

    def test_redis_restarted_local_delivery_goes_on_then_cross_host_resumes(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        self.sent(self.a, alice, "before")
        before = self.messages(on_a, 1)[0][0]
        self.assertEqual(self.messages(on_b, 1)[0][0], before)
        self.redis.stop()
        wait_link(self.a, "down")
        local = self.sent(self.a, alice, "while Redis is away")
        got = self.messages(on_a, 1)[0]
        self.assertEqual(got[1], local["messageId"])
        self.assertGreater(got[0], before)
        self.redis.start()
        for srv in (self.a, self.b):
            wait_link(srv, "up")
        again = self.sent(self.a, alice, "Redis is back")
        after_a, after_b = self.messages(on_a, 1)[0], self.messages(on_b, 1)[0]
        self.assertEqual(after_b[1], again["messageId"])
        self.assertEqual(after_a, after_b)
        self.assertGreater(after_a[0], got[0])

    def test_a_stalled_redis_does_not_hold_this_hosts_events(self):
        alice = joined(self, self.a, self.conv, "Alice")
        bob = joined(self, self.b, self.conv, "Bob")
        on_a, on_b = self.stream(self.a, alice), self.stream(self.b, bob)
        os.kill(self.redis.proc.pid, signal.SIGSTOP)  # connected, answering nothing
        self.addCleanup(os.kill, self.redis.proc.pid, signal.SIGCONT)
        t0 = time.monotonic()
        m = self.sent(self.a, alice, "while Redis stalls")
        self.assertEqual(self.messages(on_a, 1)[0][1], m["messageId"])
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(link(self.a), "down")
        os.kill(self.redis.proc.pid, signal.SIGCONT)
        for srv in (self.a, self.b):
            wait_link(srv, "up")
        again = self.sent(self.a, alice, "Redis answers again")
        self.assertEqual(self.until(on_b, again["messageId"])["id"],
                         self.until(on_a, again["messageId"])["id"])


if __name__ == "__main__":
    unittest.main()
