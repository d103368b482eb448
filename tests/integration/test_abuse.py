"""Issue 19, abuse: guessing join codes (a budget of failed joins per
conversation, IPv6 clients counted by their /64, the code's length)."""

import re
import unittest

import harness
from harness import envelope
from test_session import ADMIN, failure, join, new_conversation, post_json, within_one_rate_window

GUESS = "ZZZZZZZZ"  # a wrong code (the odds of it being drawn: 1 in 31^8)


def join_as(srv, conv, name, addr, code=None):
    """A join through a trusted proxy (loopback) for client address addr."""
    return post_json(srv, "/api/v1/join", {"conversationId": conv["conversationId"],
                                           "joinCode": code or conv["joinCode"],
                                           "displayName": name},
                     {"X-Forwarded-For": addr})


class JoinGuard(unittest.TestCase):
    """3 failed joins per conversation and minute; joins per address unlimited."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
                                      "CHATS3_JOIN_FAILURES": "3"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_spent_budget_refuses_even_the_right_code_and_is_logged(self):
        conv, other = new_conversation(self.srv), new_conversation(self.srv)
        within_one_rate_window()
        statuses = [join(self.srv, conv, "Guess", code=GUESS).status for _ in range(3)]
        self.assertEqual(statuses, [403] * 3)
        r = join(self.srv, conv, "Right")
        doc = failure(self, r, 429)
        self.assertIn("failed joins", doc["message"])
        self.assertTrue(1 <= int(r.getheader("Retry-After")) <= 60, r.getheader("Retry-After"))
        # Only that conversation is shut: another one takes its right code.
        self.assertEqual(join(self.srv, other, "Right").status, 201)
        line = "join guard: conversation %s spent its 3 failed joins" % conv["conversationId"]
        harness.wait_for(lambda: line in self.srv.log_text(), what="the join guard's log line")

    def test_unknown_conversations_spend_a_budget_alike(self):
        ghost = {"conversationId": "no-such-room-here", "joinCode": GUESS}
        within_one_rate_window()
        answers = [join(self.srv, ghost, "Guess") for _ in range(4)]
        self.assertEqual([r.status for r in answers], [403, 403, 403, 429])
        self.assertEqual(envelope(answers[0])["message"],
                         "Unknown conversation or wrong join code")


class JoinRateByNetwork(unittest.TestCase):
    """CHATS3_JOIN_RATE counts an IPv6 client by its /64."""

    def test_addresses_of_one_64_share_a_limit(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "2",
                                  "CHATS3_TRUSTED_PROXIES": "127.0.0.1"})
        try:
            conv = new_conversation(srv)
            within_one_rate_window()
            self.assertEqual(join_as(srv, conv, "A", "2001:db8:1:2::a").status, 201)
            self.assertEqual(join_as(srv, conv, "B", "2001:db8:1:2:ffff::b").status, 201)
            failure(self, join_as(srv, conv, "C", "2001:db8:1:2:1:2:3:4"), 429)
            self.assertEqual(join_as(srv, conv, "D", "2001:db8:1:3::a").status, 201)
            self.assertEqual(join_as(srv, conv, "E", "192.0.2.1").status, 201)
        finally:
            srv.stop()


class JoinCodeLength(unittest.TestCase):
    def test_new_codes_take_the_configured_length(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_CODE_LENGTH": "12"})
        try:
            conv = new_conversation(srv)
            self.assertRegex(conv["joinCode"], r"^[A-HJKMNP-Z2-9]{12}$")
            self.assertEqual(join(srv, conv, "Alice").status, 201)
            self.assertEqual(join(srv, conv, "Bob", code=conv["joinCode"][:8]).status, 403)
        finally:
            srv.stop()

    def test_lengths_outside_6_to_16_are_refused_at_start(self):
        for bad in ("5", "17"):
            p = harness.check_config({"CHATS3_JOIN_CODE_LENGTH": bad})
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("CHATS3_JOIN_CODE_LENGTH", p.stderr)
        self.assertEqual(harness.check_config({"CHATS3_JOIN_CODE_LENGTH": "6"}).returncode, 0,
                         "6 is allowed")


if __name__ == "__main__":
    unittest.main()
