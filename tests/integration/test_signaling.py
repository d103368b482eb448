"""POST /api/v1/signaling through the web server (contract: Real time): a
participant's event reaches the relay's event socket as one frame, checked
as the contract says; 503 with Retry-After when the relay cannot take it.
The stream (GET) is the relay's: test_server_errors covers it with no
relay running."""

import json
import select
import unittest

import harness
from harness import envelope
from test_messages import joined
from test_session import (ADMIN, UUID4, WithAdminServer, bind_relay, detail_fields, failure,
                          new_conversation, post_json)

TYPES = ["peer-join", "peer-leave", "offer", "answer", "ice-candidate", "end-call", "typing"]
DATA_MAX = 65536


def signal(srv, who, doc):
    return post_json(srv, "/api/v1/signaling", doc, {"x-session-id": who["sessionId"]})


def data_of(n):
    """A data object whose JSON text is exactly n bytes."""
    doc = {"b": ""}
    doc["b"] = "x" * (n - len(json.dumps(doc, separators=(",", ":"))))
    return doc


def accepted(test, r):
    test.assertEqual(r.status, 202, r.body)
    return envelope(r)["data"]["event"]


class Signaling(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.relay = bind_relay(self, self.srv)
        self.alice = joined(self, self.srv, self.conv, "Alice")
        self.bob = joined(self, self.srv, self.conv, "Bob")
        self.drain()  # the peer-join events of the joins, if any

    def drain(self):
        self.relay.setblocking(False)
        try:
            while self.relay.recv(70000):
                pass
        except BlockingIOError:
            pass
        finally:
            self.relay.setblocking(True)

    def frame(self):
        return json.loads(harness.next_datagram(self.relay, "the signaling frame on the relay socket"))

    def test_an_offer_to_one_participant_reaches_the_relay(self):
        sdp = {"sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1 <script>&", "kind": "offer"}
        ev = accepted(self, signal(self.srv, self.alice,
                                   {"type": "offer", "toUserId": self.bob["userId"], "data": sdp}))
        self.assertRegex(ev["id"], UUID4)
        self.assertEqual((ev["type"], ev["fromUserId"], ev["toUserId"], ev["data"]),
                         ("offer", self.alice["userId"], self.bob["userId"], sdp))
        self.assertIsInstance(ev["timestamp"], (int, float))
        doc = self.frame()
        self.assertEqual(doc, {"v": 1, "conversationId": self.conv["conversationId"], "event": ev})

    def test_without_a_target_the_event_is_for_everyone(self):
        for doc in ({"type": "end-call", "data": {}},
                    {"type": "end-call", "toUserId": None, "data": {}}):
            ev = accepted(self, signal(self.srv, self.alice, doc))
            self.assertIsNone(ev["toUserId"])
            self.assertIsNone(self.frame()["event"]["toUserId"])

    def test_every_type_of_the_contract_is_accepted(self):
        for t in TYPES:
            data = {"typing": True} if t == "typing" else {"n": 1}
            ev = accepted(self, signal(self.srv, self.bob, {"type": t, "data": data}))
            self.assertEqual(ev["type"], t)
            self.assertEqual(self.frame()["event"]["type"], t)

    def test_new_message_and_unknown_types_are_refused(self):
        for t in ("new-message", "system", "", 7, None):
            doc = failure(self, signal(self.srv, self.alice, {"type": t, "data": {}}), 400)
            self.assertEqual(detail_fields(doc), ["type"], t)

    def test_a_target_must_be_a_user_id(self):
        for to in ("bob", self.bob["userId"].upper(), 12):
            doc = failure(self, signal(self.srv, self.alice,
                                       {"type": "offer", "toUserId": to, "data": {}}), 400)
            self.assertEqual(detail_fields(doc), ["toUserId"], to)

    def test_data_is_required_and_typing_data_is_one_boolean(self):
        bad = [{"type": "offer"}, {"type": "typing", "data": {}},
               {"type": "typing", "data": {"typing": "yes"}},
               {"type": "typing", "data": {"typing": True, "more": 1}},
               {"type": "typing", "data": [True]}]
        for doc in bad:
            got = failure(self, signal(self.srv, self.alice, doc), 400)
            self.assertEqual(detail_fields(got), ["data"], doc)
        ev = accepted(self, signal(self.srv, self.alice, {"type": "typing", "data": {"typing": False}}))
        self.assertEqual(ev["data"], {"typing": False})

    def test_data_of_64_kib_goes_through_and_one_byte_more_does_not(self):
        ev = accepted(self, signal(self.srv, self.alice, {"type": "offer", "data": data_of(DATA_MAX)}))
        self.assertEqual(self.frame()["event"], ev)
        doc = failure(self, signal(self.srv, self.alice,
                                   {"type": "offer", "data": data_of(DATA_MAX + 1)}), 400)
        self.assertEqual(detail_fields(doc), ["data"])
        failure(self, signal(self.srv, self.alice,
                             {"type": "offer", "data": data_of(3 * DATA_MAX)}), 413)

    def test_a_session_is_required(self):
        r = post_json(self.srv, "/api/v1/signaling", {"type": "offer", "data": {}})
        failure(self, r, 401)
        r = post_json(self.srv, "/api/v1/signaling", {"type": "offer", "data": {}},
                      {"x-session-id": "0" * 64})
        failure(self, r, 401)

    def test_other_methods_are_405(self):
        for method in ("PUT", "DELETE"):
            r = self.srv.request(method, "/api/v1/signaling", headers={"x-session-id": self.alice["sessionId"]})
            failure(self, r, 405)
            self.assertEqual(r.getheader("Allow"), "POST")


class RelayCannotTakeIt(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.me = joined(self, self.srv, self.conv, "Caller")

    def assert_unavailable(self, r):
        failure(self, r, 503)
        self.assertGreaterEqual(int(r.getheader("Retry-After")), 1)

    def test_relay_not_running_is_503_with_retry_after(self):
        self.assert_unavailable(signal(self.srv, self.me, {"type": "end-call", "data": {}}))

    def test_relay_queue_full_is_503_and_then_sends_again(self):
        relay = bind_relay(self, self.srv)  # bound, never read until full
        statuses = []
        for _ in range(200):
            r = signal(self.srv, self.me, {"type": "offer", "data": {"n": len(statuses)}})
            statuses.append(r.status)
            if r.status != 202:
                break
        self.assertEqual(statuses[-1], 503, statuses)
        self.assert_unavailable(r)
        self.assertEqual(set(statuses[:-1]), {202})
        for n in range(len(statuses) - 1):  # every accepted event is in the queue, in order
            self.assertEqual(json.loads(relay.recv(70000))["event"]["data"], {"n": n})
        accepted(self, signal(self.srv, self.me, {"type": "offer", "data": {}}))


class TypingRate(unittest.TestCase):
    def test_typing_is_limited_to_a_few_a_second_per_user(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_WRITE_RATE": "1000"})
        self.addCleanup(srv.stop)
        relay = bind_relay(self, srv)
        conv = new_conversation(srv)
        me, other = joined(self, srv, conv, "Typist"), joined(self, srv, conv, "Other")
        typing = {"type": "typing", "data": {"typing": True}}

        def refused_typing():
            # The fake relay is drained so that its queue never answers for the limit.
            while select.select([relay], [], [], 0)[0]:
                relay.recv(70000)
            r = signal(srv, me, typing)
            return r if r.status != 202 else None
        # Typing events sent back to back meet the limit (SIGNAL_TYPING_PER_SECOND)
        # whatever the machine's pace: a slow one needs more to fill a second.
        r = harness.wait_for(refused_typing, 10, "a typing event answered other than 202",
                             interval=0)
        failure(self, r, 429)
        self.assertEqual(r.getheader("Retry-After"), "1")
        # Another user, and other types, are not held back by it.
        accepted(self, signal(srv, other, typing))
        accepted(self, signal(srv, me, {"type": "offer", "data": {}}))
        harness.wait_for(lambda: signal(srv, me, typing).status == 202, 3,
                         "a typing event to pass again once its second is over")


if __name__ == "__main__":
    unittest.main()
