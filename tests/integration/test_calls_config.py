"""Calls' STUN/TURN servers (CHATS3_ICE_SERVERS, docs/calls.md): the room
page hands them to js/call.js in the data-ice-servers attribute of its
calls bar, escaped, and "[]" when unset; an invalid value stops the
programs naming the setting; call.js and call.css are served."""

import json
import tempfile
import unittest

import harness
from harness import envelope
from test_session import ADMIN, join, new_conversation

ICE = [{"urls": ["stun:stun.example.org:3478", "turns:turn.example.org:443"],
        "username": "chats3", "credential": 'p"><script>alert(1)</script>&'}]
ICE_ATTR = ('data-ice-servers="[{&quot;urls&quot;:[&quot;stun:stun.example.org:3478&quot;,'
            '&quot;turns:turn.example.org:443&quot;],&quot;username&quot;:&quot;chats3&quot;,'
            '&quot;credential&quot;:&quot;p\\&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
            '&amp;&quot;}]"')


def room_page(srv):
    conv = new_conversation(srv)
    sid = envelope(join(srv, conv, "Caller"))["data"]["session"]["sessionId"]
    r = srv.request("GET", "/room/" + conv["conversationId"], headers={"x-session-id": sid})
    assert r.status == 200, (r.status, r.body)
    return r.body.decode()


class IceServersOnThePage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN,
                                      "CHATS3_ICE_SERVERS": json.dumps(ICE)})
        cls.addClassCleanup(cls.srv.stop)

    def test_the_room_page_carries_them_escaped(self):
        body = room_page(self.srv)
        self.assertIn(ICE_ATTR, body)
        self.assertIn('<script src="/js/call.js"></script>', body)
        self.assertNotIn("<script>alert", body)

    def test_the_calls_script_and_style_are_served(self):
        for path, kind in (("/js/call.js", "text/javascript"), ("/css/call.css", "text/css")):
            with self.subTest(path=path):
                r = self.srv.request("GET", path)
                self.assertEqual(r.status, 200)
                self.assertTrue(r.getheader("Content-Type").startswith(kind))


class NoIceServers(unittest.TestCase):
    def test_the_page_has_an_empty_list(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN})
        self.addCleanup(srv.stop)
        self.assertIn('data-ice-servers="[]"', room_page(srv))

    def test_an_invalid_value_stops_the_programs(self):
        for value, words in (("stun:stun.example.org", "expected a JSON array"),
                             ('[{"urls":"turn:t.example.org"}]', "a TURN server needs"),
                             ('[{"urls":"https://t.example.org"}]', '"urls" must be')):
            with self.subTest(value=value), tempfile.TemporaryDirectory() as d:
                out = harness.check_config({"CHATS3_ICE_SERVERS": value, "CHATS3_DATA_DIR": d})
                self.assertEqual(out.returncode, 1, out.stderr)
                self.assertIn("CHATS3_ICE_SERVERS", out.stderr)
                self.assertIn(words, out.stderr)


if __name__ == "__main__":
    unittest.main()
