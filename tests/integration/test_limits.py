"""Issue 19, the last of its abuse list: a budget of history reads per
session (CHATS3_READ_BUDGET storage reads per CHATS3_READ_WINDOW_SECONDS)."""

import time
import unittest

import harness
from harness import envelope
from test_session import ADMIN, failure, join, new_conversation, post_json

READ_BUDGET = 10
READ_WINDOW = 4  # seconds


def session_of(test, srv, conv, name):
    """The x-session-id header of a new session of conv named name."""
    r = join(srv, conv, name)
    test.assertEqual(r.status, 201, r.body)
    return {"x-session-id": envelope(r)["data"]["session"]["sessionId"]}


def send(test, srv, who, body):
    """Sends body as who; returns the message's id."""
    r = post_json(srv, "/api/v1/messages", {"body": body}, who)
    test.assertEqual(r.status, 201, r.body)
    return envelope(r)["data"]["message"]["messageId"]


def within_one_read_window(seconds):
    """Waits until the read budget's window (READ_WINDOW seconds of the
    clock, counted from the epoch) has seconds left."""
    harness.wait_for(lambda: time.time() % READ_WINDOW < READ_WINDOW - seconds,
                     timeout=READ_WINDOW, what="a read window with %g s left" % seconds)


class ReadBudget(unittest.TestCase):
    """READ_BUDGET storage reads per session and READ_WINDOW seconds."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN,
                                      "CHATS3_READ_BUDGET": str(READ_BUDGET),
                                      "CHATS3_READ_WINDOW_SECONDS": str(READ_WINDOW)})
        cls.conv = new_conversation(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def history(self, who, query="limit=50"):
        return self.srv.request("GET", "/api/v1/messages?" + query, headers=who)

    def test_a_session_that_pages_hard_waits_and_the_others_do_not(self):
        conv = new_conversation(self.srv)
        hard, calm = (session_of(self, self.srv, conv, n) for n in ("Hard", "Calm"))
        for i in range(READ_BUDGET + 2):  # a batch object each
            send(self, self.srv, calm, "message %d" % i)
        within_one_read_window(3)
        first = self.history(hard)
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(len(envelope(first)["data"]["messages"]), READ_BUDGET + 2)
        r = self.history(hard)
        doc = failure(self, r, 429)
        self.assertIn("history", doc["message"])
        self.assertTrue(1 <= int(r.getheader("Retry-After")) <= READ_WINDOW,
                        r.getheader("Retry-After"))
        # Another session of the same conversation reads on.
        self.assertEqual(self.history(calm).status, 200)
        # Once the window is over, the first one reads again.
        harness.wait_for(lambda: self.history(hard).status == 200, timeout=READ_WINDOW + 2,
                         what="the read budget's next window")

    def test_a_catch_up_with_nothing_new_costs_nothing(self):
        """The web client polls since= while the relay is down: a poll
        that reads no stored object never spends the budget."""
        conv = new_conversation(self.srv)
        who = session_of(self, self.srv, conv, "Poller")
        last = send(self, self.srv, who, "the last one")
        within_one_read_window(3)
        statuses = [self.history(who, "since=" + last).status for _ in range(READ_BUDGET + 2)]
        self.assertEqual(statuses, [200] * (READ_BUDGET + 2))


if __name__ == "__main__":
    unittest.main()
