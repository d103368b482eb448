"""Sending order is reading order (issue 13, found by an outside tester:
message 293 came back before 292): 300 strictly sequential sends by three
users, each sent once the one before was answered, read back in exactly
that order through before= pages, since= and the admin export. The
storage stage runs it again on S3."""

import json
import unittest

import harness
from harness import envelope
from test_session import ADMIN, join, new_conversation, post_json

SENDS = 300
USERS = 3


def ok(r, status):
    assert r.status == status, (r.status, r.body)
    return envelope(r)["data"]


class SendingOrder(unittest.TestCase):
    """One conversation of SENDS messages, sent once for all the reads."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_WRITE_RATE": "100000"})
        try:
            cls.conv = new_conversation(cls.srv)
            cls.users = [ok(join(cls.srv, cls.conv, "Sender %d" % i), 201)["session"]["sessionId"]
                         for i in range(USERS)]
            cls.sent = [ok(post_json(cls.srv, "/api/v1/messages", {"body": "m%d" % i},
                                     {"x-session-id": cls.users[i % USERS]}), 201)["message"]
                        for i in range(SENDS)]
        except BaseException:
            cls.srv.stop()
            raise
        cls.ids = [m["messageId"] for m in cls.sent]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def read(self, query):
        r = self.srv.request("GET", "/api/v1/messages" + query,
                             headers={"x-session-id": self.users[0]})
        self.assertEqual(r.status, 200, r.body)
        return envelope(r)["data"]

    def test_sent_answers_have_rising_times(self):
        times = [m["serverReceivedAt"] for m in self.sent]
        self.assertEqual(times, sorted(set(times)))

    def test_before_pages_give_sending_order(self):
        pages, cursor = [], None
        while True:
            data = self.read("?limit=50" + ("&before=" + cursor if cursor else ""))
            pages.insert(0, [m["messageId"] for m in data["messages"]])
            cursor = data["nextCursor"]
            if cursor is None:
                break
        self.assertEqual([i for p in pages for i in p], self.ids)

    def test_since_gives_sending_order(self):
        seen, last, more = [self.ids[0]], self.ids[0], True
        while more:
            data = self.read("?limit=200&since=" + last)
            seen += [m["messageId"] for m in data["messages"]]
            last, more = seen[-1], data["hasMore"]
        self.assertEqual(seen, self.ids)
        for k in (0, 149, 291, 298):
            data = self.read("?limit=5&since=" + self.ids[k])
            self.assertEqual([m["messageId"] for m in data["messages"]], self.ids[k + 1:k + 6])

    def test_export_gives_sending_order(self):
        r = self.srv.request("GET", "/api/v1/admin/conversations/%s/export"
                             % self.conv["conversationId"],
                             headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        got = [json.loads(line)["messageId"] for line in r.body.decode().splitlines()]
        self.assertEqual(got, self.ids)


if __name__ == "__main__":
    unittest.main()
