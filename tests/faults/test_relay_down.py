"""The SSE relay killed with kill -9 (issue 19): sends stay 201 while it
is gone, an open stream ends and a new one is refused with 503 +
Retry-After, and once the relay is started again a stream comes back and
since= catches up with exactly what was sent meanwhile, in order."""

import unittest
import uuid

import harness
from harness import envelope, wait_for
from test_messages import joined, read, send
from test_session import new_conversation

import faults


def next_message(test, st):
    """The body of the stream's next new-message (other events passed over)."""
    while True:
        ev = st.next_data()
        test.assertIsNotNone(ev, "the stream ended")
        if ev["data"].get("type") == "new-message":
            return ev["data"]["data"]["body"]


def ended(st):
    """True once the stream has ended (heartbeats passed over)."""
    return st.next_event(timeout=0.2) is None


class RelayDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(faults.SETTINGS, relay=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def stream(self, who):
        """A stream of who's, once one is answered 200 (the web server may
        wait a moment before it tries a relay that failed again)."""
        streams = []

        def answered():
            streams.append(harness.sse(self.srv, who["sessionId"]))
            self.addCleanup(streams[-1].close)
            return streams[-1].status == 200
        wait_for(answered, 10, "a stream to be answered 200")
        return streams[-1]

    def test_sends_stay_201_while_the_relay_is_killed_and_since_catches_up(self):
        srv = self.srv
        conv = new_conversation(srv, "faults-relay-" + uuid.uuid4().hex[:8])
        alice, bob = joined(self, srv, conv, "Alice"), joined(self, srv, conv, "Bob")
        st = self.stream(bob)
        r = send(srv, alice, {"body": "before", "clientMessageId": "before"})
        self.assertEqual(r.status, 201, r.body)
        last_seen = envelope(r)["data"]["message"]["messageId"]
        self.assertEqual(next_message(self, st), "before")

        srv.relay_proc.kill()
        srv.relay_proc.wait(10)
        srv.relay_proc = None
        wait_for(lambda: ended(st), 10, "the open stream to end")
        during = ["while down %d" % i for i in range(5)]
        for body in during:
            r = send(srv, alice, {"body": body, "clientMessageId": body})
            self.assertEqual(r.status, 201, r.body)
        r = srv.request("GET", "/api/v1/signaling", headers={"x-session-id": bob["sessionId"]},
                        timeout=10)
        self.assertEqual(r.status, 503, r.body)
        self.assertIsNotNone(r.getheader("Retry-After"))

        srv.start_relay()
        st2 = self.stream(bob)
        r = read(srv, bob, "?since=" + last_seen)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([m["body"] for m in envelope(r)["data"]["messages"]], during)
        r = send(srv, alice, {"body": "after", "clientMessageId": "after"})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(next_message(self, st2), "after")


if __name__ == "__main__":
    unittest.main()
