"""Closing a conversation closes its streams (issue 14): an operator's
close is heard on every stream of the conversation as the closing system
message, then the stream ends; a new stream for a session of the closed
conversation is refused with 410 in the envelope (docs/api-choices.md),
while other conversations' streams go on."""

import json
import unittest

import harness
from test_messages import joined
from test_relay import ADMIN_AUTH, RelayCase
from test_session import new_conversation


class ClosingAConversation(RelayCase):
    def close(self, conv):
        r = self.srv.request("POST", "/api/v1/admin/conversations/%s/close"
                             % conv["conversationId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)

    def test_its_streams_hear_the_notice_then_end(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        streams = [self.open_stream(alice), self.open_stream(bob)]
        other = new_conversation(self.srv)
        carol = joined(self, self.srv, other, "Carol")
        stays = self.open_stream(carol)
        self.close(self.conv)
        for st in streams:
            ev = self.next_of(st, "new-message")
            self.assertEqual(ev["data"]["data"]["type"], "system")
            self.assertEqual(ev["data"]["data"]["body"], "Conversation closed")
            while st.next_event() is not None:
                pass  # ends: next_event fails after its timeout otherwise
        m = self.sent(carol, "still open here")
        self.assertEqual(self.next_of(stays, "new-message")["data"]["data"]["messageId"],
                         m["messageId"])

    def test_a_new_stream_of_a_closed_conversation_is_410(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        self.close(self.conv)
        st = harness.sse(self.srv, alice["sessionId"])
        self.addCleanup(st.close)
        self.assertEqual(st.status, 410, st.body)
        doc = json.loads(st.body)
        self.assertIs(doc["success"], False)
        self.assertEqual(doc["message"], "This conversation is closed")
        self.assertEqual(doc["meta"]["requestId"], st.headers.get("x-request-id"))
        r = self.srv.request("GET", "/api/v1/messages", headers={"x-session-id": alice["sessionId"]})
        self.assertEqual(r.status, 200, r.body)


if __name__ == "__main__":
    unittest.main()
