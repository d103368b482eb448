"""The pages of the web client (contract: Pages): / goes to /join; /join
is the form prefilled from the query, every value escaped; /room/<id> is the
room for a session of that conversation; each page has one
Content-Security-Policy and no inline script; the room's scripts and style
are served; an embedded session tells the room its embedding origin."""

import re
import unittest
from urllib.parse import quote

from harness import envelope
from embed_tickets import ORIGIN, embed_server, signed_path, ticket_doc
from test_embed import headers_named
from test_session import ADMIN, join, new_conversation

SCRIPT = re.compile(rb"<script([^>]*)>(.*?)</script>", re.S)


class PagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = embed_server(cls, {"CHATS3_ADMIN_TOKEN": ADMIN})

    def assert_page(self, r):
        """One CSP with 'self' scripts only, every script from a file."""
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.getheader("Content-Type"), "text/html; charset=utf-8")
        csp = headers_named(r, "Content-Security-Policy")
        self.assertEqual(len(csp), 1, r.getheaders())
        self.assertTrue(csp[0].startswith("default-src 'self'"), csp[0])
        self.assertNotIn("unsafe-inline", csp[0])
        scripts = SCRIPT.findall(r.body)
        self.assertTrue(scripts)
        for attrs, text in scripts:
            self.assertRegex(attrs, rb'^ src="/js/[a-z-]+\.js"$')
            self.assertEqual(text, b"")
        self.assertNotRegex(r.body, rb"(?i)\son[a-z]+=")
        return csp[0]

    def test_the_front_page_goes_to_join(self):
        r = self.srv.request("GET", "/")
        self.assertEqual(r.status, 302)
        self.assertEqual(r.getheader("Location").split("://")[-1].split("/", 1)[-1], "join")

    def test_join_is_prefilled_from_the_query_and_escaped(self):
        evil = '"><script>alert(1)</script>'
        r = self.srv.request("GET", "/join?conversationId=%s&code=c0de&displayName=%s"
                             % (quote(evil), quote("Zoë & Al")))
        csp = self.assert_page(r)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertIn(b'id="conversationId" name="conversationId" value="&quot;&gt;&lt;script&gt;'
                      b'alert(1)&lt;/script&gt;"', r.body)
        self.assertIn(b'value="c0de"', r.body)
        self.assertIn('value="Zoë &amp; Al"'.encode(), r.body)
        r = self.srv.request("GET", "/join?joinCode=j1")
        self.assert_page(r)
        self.assertIn(b'id="joinCode" name="joinCode" value="j1"', r.body)
        self.assertIn(b'<link rel="icon" href="/favicon.svg" type="image/svg+xml">', r.body)

    def test_the_room_for_its_session(self):
        conv = new_conversation(self.srv)
        sid = envelope(join(self.srv, conv, "Página <b>"))["data"]["session"]["sessionId"]
        r = self.srv.request("GET", "/room/" + conv["conversationId"],
                             headers={"x-session-id": sid})
        csp = self.assert_page(r)
        self.assertIn("img-src 'self' https:", csp)
        self.assertIn('<span id="display-name">Página &lt;b&gt;</span>'.encode(), r.body)
        self.assertIn(('data-conversation-id="%s"' % conv["conversationId"]).encode(), r.body)

    def test_static_files_of_the_client(self):
        for path, kind in (("/js/room.js", "text/javascript"), ("/js/room-view.js", "text/javascript"),
                           ("/js/join.js", "text/javascript"), ("/css/chats3.css", "text/css"),
                           ("/favicon.svg", "image/svg+xml")):
            with self.subTest(path=path):
                r = self.srv.request("GET", path)
                self.assertEqual(r.status, 200)
                self.assertTrue(r.getheader("Content-Type").startswith(kind))
                self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")

    def test_the_room_offers_files_up_to_the_upload_limit(self):
        conv = new_conversation(self.srv)
        sid = envelope(join(self.srv, conv, "Uploader"))["data"]["session"]["sessionId"]
        r = self.srv.request("GET", "/room/" + conv["conversationId"],
                             headers={"x-session-id": sid})
        self.assert_page(r)
        self.assertIn(b'data-max-upload-bytes="10485760"', r.body)
        self.assertIn(b'<input type="file" id="file-input" hidden>', r.body)
        script = self.srv.request("GET", "/js/room-files.js")
        self.assertEqual(script.status, 200)
        self.assertTrue(script.getheader("Content-Type").startswith("text/javascript"))

    def test_an_embedded_session_names_its_origin_and_a_direct_one_none(self):
        r = self.srv.request("GET", signed_path(ticket_doc("pages-embed")))
        self.assertEqual(r.status, 302, r.body)
        sid = r.getheader("Location").rsplit("=", 1)[1]
        r = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": sid})
        self.assertEqual(envelope(r)["data"]["session"]["origin"], ORIGIN)
        conv = new_conversation(self.srv)
        session = envelope(join(self.srv, conv, "Direct"))["data"]["session"]
        self.assertNotIn("origin", session)


if __name__ == "__main__":
    unittest.main()
