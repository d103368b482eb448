"""The SSE relay end to end: real HTTP clients on GET /api/v1/signaling
through the web server (lighttpd or Apache, FastCGI or CGI, proxying to
build/sse-relay/chats3-relay), events from the programs' sends, joins,
leaves and kicks, and the relay stopped and started again."""

import http.client
import json
import os
import socket
import sqlite3
import unittest

import harness
from harness import envelope, wait_for
from test_messages import joined, send
from test_session import ADMIN, new_conversation

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000", "CHATS3_RELAY_HEARTBEAT_MS": "200",
            "CHATS3_RELAY_QUEUE_BYTES": "16384"}


def relay_health(srv):
    """The relay's own GET /health, straight on run/relay.sock."""
    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(5)
            self.sock.connect(os.path.join(srv.data_dir, "run", "relay.sock"))
    conn = Conn("relay")
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def streams(srv):
    return relay_health(srv)[1]["data"]["streams"]


def publish_frame(srv, frame):
    """Sends one frame to the relay as the programs do."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(json.dumps(frame).encode(), os.path.join(srv.data_dir, "run", "relay-events.sock"))


class RelayCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(SETTINGS, relay=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        # The streams of the tests before are gone (the relay counts none).
        wait_for(lambda: streams(self.srv) == 0, 10, "the earlier tests' streams to close")
        self.conv = new_conversation(self.srv)

    def open_stream(self, who, last_event_id=None, rcvbuf=None):
        """who's stream, read up to its connected event; closed at the end."""
        st = harness.sse(self.srv, who["sessionId"], last_event_id, rcvbuf)
        self.addCleanup(st.close)
        self.assertEqual(st.status, 200, getattr(st, "body", b""))
        self.assertTrue(st.headers["content-type"].startswith("text/event-stream"), st.headers)
        self.assertEqual(st.headers.get("cache-control"), "no-cache")
        first = st.next_event()
        self.assertEqual(first.get("retry"), "3000")
        self.assertEqual(st.next_data()["data"], {"type": "system", "data": "connected"})
        return st

    def next_of(self, st, kind, timeout=10):
        """The next event of type kind on st (others passed over)."""
        while True:
            ev = st.next_data(timeout)
            self.assertIsNotNone(ev, "the stream ended before a %s event" % kind)
            if ev["data"].get("type") == kind:
                return ev

    def sent(self, who, body):
        r = send(self.srv, who, {"body": body})
        self.assertEqual(r.status, 201, r.body)
        return envelope(r)["data"]["message"]


class Delivery(RelayCase):
    def test_a_message_reaches_another_participants_stream(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        st = self.open_stream(bob)
        m = self.sent(alice, "hello <b>")
        ev = self.next_of(st, "new-message")
        self.assertEqual(ev["data"]["data"], m)
        self.assertEqual(ev["data"]["fromUserId"], alice["userId"])
        self.assertEqual(ev["data"]["id"], ev["id"])  # the relay's id, as the SSE id
        self.assertRegex(ev["id"], r"^[0-9]+$")

    def test_join_and_leave_are_heard(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        st = self.open_stream(alice)
        bob = joined(self, self.srv, self.conv, "Bob")
        ev = self.next_of(st, "peer-join")
        if ev["data"]["fromUserId"] == alice["userId"]:
            ev = self.next_of(st, "peer-join")  # her own, late through Redis
        self.assertEqual(ev["data"]["data"], {"userId": bob["userId"], "displayName": "Bob"})
        r = self.srv.request("POST", "/api/v1/leave", headers={"x-session-id": bob["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(st, "peer-leave")["data"]["fromUserId"], bob["userId"])

    def test_ids_grow_and_messages_keep_history_order(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        st = self.open_stream(alice)
        ms = [self.sent(alice, "m%d" % i) for i in range(5)]
        got = [self.next_of(st, "new-message") for _ in ms]
        self.assertEqual([e["data"]["data"]["messageId"] for e in got], [m["messageId"] for m in ms])
        ids = [int(e["id"]) for e in got]
        self.assertEqual(ids, sorted(set(ids)))

    def test_heartbeats_come_while_nothing_happens(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        st = self.open_stream(alice)
        event = st.next_event(5)
        if event.get("data", {}).get("type") == "peer-join":
            # with several hosts her own join comes through Redis, and may
            # come after the stream opened
            self.assertEqual(event["data"]["fromUserId"], alice["userId"])
            event = st.next_event(5)
        self.assertEqual(event, {"heartbeat": True})

    def test_targeted_events_reach_their_user_alone(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        a, b = self.open_stream(alice), self.open_stream(bob)
        publish_frame(self.srv, {"v": 1, "conversationId": self.conv["conversationId"],
                                 "event": {"id": "x", "type": "offer", "fromUserId": alice["userId"],
                                           "toUserId": bob["userId"], "data": {"sdp": "v=0"},
                                           "timestamp": 1}})
        m = self.sent(alice, "after the offer")
        self.assertEqual(self.next_of(b, "offer")["data"]["data"], {"sdp": "v=0"})
        # Alice's next event is the message: the offer was not hers.
        ev = a.next_data()
        while ev["data"]["type"] == "peer-join":
            ev = a.next_data()
        self.assertEqual(ev["data"]["type"], "new-message")
        self.assertEqual(ev["data"]["data"]["messageId"], m["messageId"])

    def test_conversations_are_isolated(self):
        other = new_conversation(self.srv)
        alice = joined(self, self.srv, self.conv, "Alice")
        carol = joined(self, self.srv, other, "Carol")
        st = self.open_stream(carol)
        self.sent(alice, "for the first room")
        m = self.sent(carol, "for the second room")
        self.assertEqual(self.next_of(st, "new-message")["data"]["data"]["messageId"], m["messageId"])

    def test_last_event_id_replays_what_was_missed(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        st = self.open_stream(alice)
        self.sent(alice, "seen")
        seen = self.next_of(st, "new-message")
        st.close()
        missed = [self.sent(alice, "missed %d" % i) for i in range(3)]
        again = self.open_stream(alice, last_event_id=seen["id"])
        got = [self.next_of(again, "new-message")["data"]["data"]["messageId"] for _ in missed]
        self.assertEqual(got, [m["messageId"] for m in missed])


class Refusals(RelayCase):
    def test_no_session_is_401_in_the_envelope(self):
        for sid in (None, "0" * 64, "not-a-token"):
            st = harness.sse(self.srv, sid)
            self.addCleanup(st.close)
            self.assertEqual(st.status, 401, st.body)
            doc = json.loads(st.body)
            self.assertIs(doc["success"], False)
            self.assertEqual(doc["meta"]["requestId"], st.headers.get("x-request-id"))

    def test_the_session_cookie_and_query_work_too(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        for headers, path in (({"Cookie": "sessionId=" + alice["sessionId"]}, ""),
                              ({}, "?sessionId=" + alice["sessionId"])):
            conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
            conn.request("GET", "/api/v1/signaling" + path, headers=headers)
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertIn(b"connected", r.readline() + r.readline() + r.readline() + r.readline())
            conn.close()

    def test_a_connection_that_sends_no_head_is_closed(self):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(os.path.join(self.srv.data_dir, "run", "relay.sock"))
            s.settimeout(20)  # the relay gives a head 10 s
            self.assertEqual(s.recv(1), b"")

    def test_relay_health(self):
        status, doc = relay_health(self.srv)
        self.assertEqual(status, 200)
        self.assertEqual(doc["data"]["status"], "ok")
        self.assertIsInstance(doc["data"]["streams"], int)


class Closing(RelayCase):
    def test_a_kick_closes_the_stream(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        kicked, stays = self.open_stream(bob), self.open_stream(alice)
        r = self.srv.request("DELETE", "/api/v1/admin/sessions/" + bob["userId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.next_of(stays, "peer-leave")["data"]["fromUserId"], bob["userId"])
        while kicked.next_event() is not None:
            pass  # ends: next_event fails after its timeout otherwise
        m = self.sent(alice, "still here")
        self.assertEqual(self.next_of(stays, "new-message")["data"]["data"]["messageId"],
                         m["messageId"])

    def test_a_slow_consumer_is_cut_off_while_others_keep_receiving(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        fast = self.open_stream(alice)
        slow = self.open_stream(bob, rcvbuf=4096)  # then never read until the end
        before = 1
        self.assertEqual(streams(self.srv), 2)
        sent, got, body = [], [], "x" * 4000
        # Whatever the web server and the kernel buffer, the relay's queue
        # overflows once enough is sent; the fast reader keeps up meanwhile.
        while streams(self.srv) > before and len(sent) < 2000:
            sent.append(self.sent(alice, body)["messageId"])
            got.append(self.next_of(fast, "new-message")["data"]["data"]["messageId"])
        self.assertEqual(streams(self.srv), before, "the slow stream was never cut")
        self.assertEqual(got, sent)
        n = 0
        while True:
            ev = slow.next_data(10)
            if ev is None:
                break
            n += ev["data"].get("type") == "new-message"
        self.assertLess(n, len(sent))


class Expiry(RelayCase):
    def run_out(self, who):
        """Ends who's session (as a day without a request would have it)."""
        with sqlite3.connect(os.path.join(self.srv.data_dir, "chats3.db"), timeout=10) as db:
            db.execute("UPDATE sessions SET expires_at = 1 WHERE user_id = ?", (who["userId"],))
        db.close()

    @harness.sqlite_only
    def test_an_expired_session_is_swept_told_and_its_stream_closed(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        stays, expires = self.open_stream(alice), self.open_stream(bob)
        # Bob's session runs out (as a day without a request would have it).
        self.run_out(bob)
        # The relay's sweep (every 10 s) removes it, tells the others and cuts its stream.
        ev = self.next_of(stays, "peer-leave", timeout=20)
        self.assertEqual(ev["data"]["fromUserId"], bob["userId"])
        while expires.next_event(20) is not None:
            pass
        r = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": bob["sessionId"]})
        self.assertEqual(r.status, 401, r.body)


class RelayDown(RelayCase):
    def test_relay_stopped_then_restarted(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        st = self.open_stream(alice)
        last = self.sent(alice, "before")
        self.next_of(st, "new-message")
        self.srv.stop_relay()
        self.assertIsNone(st.next_data(), "the stream must end with the relay")
        # Down: sends still 201, the stream 503 in the envelope with Retry-After.
        during = [self.sent(alice, "while down %d" % i) for i in range(2)]
        down = harness.sse(self.srv, alice["sessionId"])
        self.addCleanup(down.close)
        self.assertEqual(down.status, 503, down.body)
        self.assertIs(json.loads(down.body)["success"], False)
        self.assertTrue(int(down.headers["retry-after"]) > 0)
        # Back: a reconnect is served within a second (lighttpd looks at a
        # backend it found down again once a second), and since= catches up.
        self.srv.start_relay()

        def reconnects():
            st = harness.sse(self.srv, alice["sessionId"])
            if st.status == 200:
                return st
            st.close()
            return None
        back = wait_for(reconnects, 3, "the stream to come back with the relay")
        self.addCleanup(back.close)
        self.assertEqual(back.next_event().get("retry"), "3000")
        r = self.srv.request("GET", "/api/v1/messages?since=" + last["messageId"],
                             headers={"x-session-id": alice["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([m["messageId"] for m in envelope(r)["data"]["messages"]],
                         [m["messageId"] for m in during])
        m = self.sent(alice, "after")
        self.assertEqual(self.next_of(back, "new-message")["data"]["data"]["messageId"],
                         m["messageId"])


if __name__ == "__main__":
    unittest.main()
