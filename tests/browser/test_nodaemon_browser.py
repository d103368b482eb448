"""Real time without a daemon (issue 18): on a CGI-only Apache where no SSE
relay runs, as on shared hosting, two people chat through the join form in
Debian's chromium; the room polls since= and says so
(tests/browser/chat.js, scenario nodaemon)."""

import unittest

import harness
import test_chat_browser
from test_session import ADMIN


class ChatWithoutARelay(unittest.TestCase):
    conversation = test_chat_browser.ChatInChromium.conversation
    badge = test_chat_browser.ChatInChromium.badge
    drive = test_chat_browser.ChatInChromium.drive

    @classmethod
    def setUpClass(cls):
        settings = dict(harness._storage_settings(), CHATS3_ADMIN_TOKEN=ADMIN,
                        CHATS3_JOIN_RATE="100000", CHATS3_WRITE_RATE="100000")
        cls.srv = harness.WebServer("apache", "cgi", harness.CONFIG["build"], settings,
                                    harness._sanitizer_env()).start()
        cls.addClassCleanup(cls.srv.stop)
        cls.base = "http://127.0.0.1:%d" % cls.srv.port
        cls.integrator = cls.base

    def test_two_people_chat_by_polling_on_cgi_only_apache(self):
        got = self.drive("nodaemon", self.conversation("no-relay-chat"))
        self.assertIn("checking for new messages", got["alice's connection state"])
        self.assertEqual(got["bob sees alice"], "Alice")
        self.assertEqual(got["alice sees bob"], "Bob")
        self.assertEqual(got["bob's history after a reload"], "Alice")


if __name__ == "__main__":
    unittest.main()
