"""The web client in a real browser (Debian's chromium through
playwright-core, tests/browser/chat.js), against lighttpd with FastCGI and
the SSE relay: two people join through the join form and chat both ways,
with typing, an unread count while a tab is hidden, a reload that keeps
the session and its history, a payload in a message and a display name
that stays text, quick short messages without a refused request, a
message whose event came after later ones shown in its place; older messages when scrolling up; polling while the relay
is stopped and the stream again once it is back; files picked or dropped
shown as a thumbnail and as download links, a failed upload retried with
its key, one over the limit; a room embedded by the demo integrator on
another site (no cookie, no storage) that still chats, shows an image and
tells its parent page. Screenshots go to tests/artifacts/."""

import datetime
import json
import os
import re
import socket
import subprocess
import threading
import unittest
import uuid

import harness
from harness import envelope
from test_embed_browser import integrators_file, start_demo
from test_session import ADMIN, post_json

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(harness.ROOT, "tests", "artifacts")
SCENARIO_SECONDS = 180
XSS_NAME = "Mal<img src=x onerror=window.__xss=1>"
XSS_BODY = ('<script>window.__xss=2</script><img src=x onerror="window.__xss=3"> '
            "see https://example.com/a?b=1. not javascript:window.__xss=4")
XSS_FILENAME = "<img src=x onerror=window.__xss=5>.txt"
MAX_UPLOAD = 1024 * 1024
LINK = [{"href": "https://example.com/a?b=1", "rel": "noopener noreferrer nofollow",
         "text": "https://example.com/a?b=1"}]


class ChatInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = harness.free_port()
        cls.integrator = "http://localhost:%d" % port
        cls.srv = harness.new_server({
            "CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000", "CHATS3_TRUSTED_PROXIES": "127.0.0.1",
            "CHATS3_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
            "CHATS3_INTEGRATORS_FILE": integrators_file(cls, [cls.integrator])}, relay=True)
        cls.addClassCleanup(cls.srv.stop)
        cls.base = "http://127.0.0.1:%d" % cls.srv.port
        start_demo(cls, cls.base, cls.integrator, port)

    def conversation(self, cid):
        r = post_json(self.srv, "/api/v1/admin/conversations", {"conversationId": cid},
                      {"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 201, r.body)
        return envelope(r)["data"]["conversation"]

    def close(self, conv):
        r = post_json(self.srv, "/api/v1/admin/conversations/%s/close" % conv["conversationId"],
                      {}, {"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)

    def say_as(self, conv, name, bodies):
        r = post_json(self.srv, "/api/v1/join", {"conversationId": conv["conversationId"],
                                                 "joinCode": conv["joinCode"], "displayName": name})
        sid = envelope(r)["data"]["session"]["sessionId"]
        for body in bodies:
            r = post_json(self.srv, "/api/v1/messages", {"body": body}, {"x-session-id": sid})
            self.assertEqual(r.status, 201, r.body)

    def crossed(self, conv, after, body):
        """Hands the relay the new-message event of a message history puts
        1 ms after the message `after`, once later ones were shown: as an
        event sent through another host can reach a stream after those."""
        r = post_json(self.srv, "/api/v1/join", {"conversationId": conv["conversationId"],
                                                 "joinCode": conv["joinCode"], "displayName": "Carol"})
        carol = envelope(r)["data"]["session"]
        r = self.srv.request("GET", "/api/v1/messages?limit=200",
                             headers={"x-session-id": carol["sessionId"]})
        shown = envelope(r)["data"]["messages"]
        i = [m["body"] for m in shown].index(after)
        at = datetime.datetime.strptime(shown[i]["serverReceivedAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        at += datetime.timedelta(milliseconds=1)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (at.microsecond // 1000)
        self.assertLess(stamp, shown[i + 1]["serverReceivedAt"])
        message = dict(shown[i], messageId=str(uuid.uuid4()), body=body, serverReceivedAt=stamp,
                       senderUserId=carol["userId"], senderDisplayName="Carol")
        frame = {"v": 1, "conversationId": conv["conversationId"], "event": {
            "type": "new-message", "fromUserId": carol["userId"], "toUserId": None,
            "data": message}}
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(json.dumps(frame).encode(),
                     os.path.join(self.srv.data_dir, "run", "relay-events.sock"))

    def badge(self):
        """docs/integrators.md's badge example for this server: its markup and script."""
        with open(os.path.join(harness.ROOT, "docs", "integrators.md")) as f:
            code = re.search(r"<!-- browser example: badge -->\n```html\n(.*?)```", f.read(),
                             re.S).group(1)
        code = code.replace('"https://chat.example.com"', json.dumps(self.base))
        markup, script = code.split("<script>")
        return {"html": markup, "script": script.split("</script>")[0]}

    def drive(self, scenario, conv, steps=None):
        """Runs chat.js scenario; answers its asks from steps; returns its checks."""
        cfg = {"base": self.base, "conversationId": conv["conversationId"],
               "joinCode": conv["joinCode"], "artifacts": ARTIFACTS,
               "integrator": self.integrator, "badge": self.badge(),
               "xssFilename": XSS_FILENAME, "maxUpload": MAX_UPLOAD}
        proc = subprocess.Popen(["node", os.path.join(HERE, "chat.js"), scenario, json.dumps(cfg)],
                                cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        watchdog = threading.Timer(SCENARIO_SECONDS, proc.kill)
        watchdog.start()
        checks, done = {}, False
        try:
            for line in proc.stdout:
                got = json.loads(line)
                if "ask" in got:
                    (steps or {})[got["ask"]]()
                    proc.stdin.write("ok\n")
                    proc.stdin.flush()
                elif "check" in got:
                    checks[got["check"]] = got["got"]
                done = done or got.get("done", False)
            err = proc.stderr.read()
            self.assertEqual(proc.wait(), 0, "%s\nchecks so far: %s\n%s" % (
                err[-3000:], checks, self.srv.log_tail()))
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertTrue(done)
        return checks

    def test_two_people_chat_through_the_join_form(self):
        conv = self.conversation("team-chat")
        got = self.drive("chat", conv, {"a message whose event crossed another": lambda: self.crossed(
            conv, "ok", "crossed on the way")})
        self.assertIn("join code", got["a wrong code"].lower())
        self.assertIn("already in use", got["a name taken"])
        bob_sees = got["bob sees alice"]
        self.assertEqual((bob_sees["sender"], bob_sees["own"], bob_sees["time"]), ("Alice", False, True))
        self.assertEqual((got["alice sees her own"]["own"], got["alice sees her own"]["pending"]),
                         (True, False))
        self.assertEqual(got["alice sees bob's two lines"]["sender"], "Bob")
        self.assertEqual(got["bob sees alice typing"], "Alice is typing…")
        self.assertEqual(got["typing gone after the send"], "")
        self.assertEqual(got["quick short messages: requests refused"], [])
        self.assertEqual(got["a message whose event came late, in its place"],
                         ["ok", "crossed on the way", "sure"])
        for who in ("alice", "bob"):
            seen = got[who + " sees the payload"]
            self.assertEqual((seen["sender"], seen["links"]), (XSS_NAME, LINK))
        self.assertEqual(got["scripts that ran"], [None, None])
        self.assertTrue(got["bob's title while hidden"].startswith("(1) "))
        self.assertTrue(got["the divider"])
        self.assertFalse(got["bob's title when back"].startswith("("))
        self.assertEqual(got["history after a reload"], ["Alice", "Alice"])

    def test_files_as_thumbnails_and_download_links(self):
        got = self.drive("files", self.conversation("files"))
        image = got["bob sees the image"]
        self.assertEqual((image["sender"], image["thumbnail"], image["link"]), ("Alice", 400, None))
        self.assertTrue(image["size"].endswith(" KB"), image["size"])
        self.assertEqual(got["alice sees her image"], "You")
        progress = got["alice's progress bar"]
        self.assertEqual((progress["shown"], progress["progress"]), (True, 1))
        text = got["bob sees the text file"]
        self.assertEqual((text["thumbnail"], text["link"]), (None, {
            "text": XSS_FILENAME, "download": XSS_FILENAME, "attachment": True}))
        self.assertEqual(text["size"], "15 bytes")
        self.assertIn("could not be reached", got["a failed upload"])
        self.assertEqual(got["bob sees the retried file"]["text"], "notes.pdf")
        self.assertTrue(got["one key for both tries"])
        self.assertIn("limit of 1 MB", got["too large"])
        self.assertEqual(got["scripts that ran"], [None, None])
        self.assertEqual(got["files bob has"], 3)

    def test_scrolling_up_loads_older_messages(self):
        conv = self.conversation("long-history")
        self.say_as(conv, "Writer", ["m%03d" % i for i in range(120)])
        got = self.drive("history", conv)
        self.assertEqual(got["first page"], 50)
        self.assertEqual(got["all pages"], 120)
        self.assertEqual(got["the oldest first"], "m000")
        self.assertEqual(got["after leaving"], "/join?conversationId=long-history")

    def test_polling_while_the_relay_is_stopped_then_the_stream_and_a_close(self):
        conv = self.conversation("relay-restart")
        got = self.drive("relay", conv, {
            "stop-relay": self.srv.stop_relay, "start-relay": self.srv.start_relay,
            "close": lambda: self.close(conv)})
        self.assertIn("checking for new messages", got["state while polling"])
        self.assertEqual(got["a message by polling"], "Eve")
        self.assertEqual(got["the stream is back"], "Eve is typing…")
        self.assertEqual(got["a message by the stream"], "Eve")
        self.assertIn("closed", got["the closed banner"])
        self.assertTrue(got["the composer"])

    def test_an_embedded_room_without_cookies_still_chats(self):
        got = self.drive("embed", self.conversation("embedded-room"))
        self.assertEqual((got["the frame's own message"]["own"],
                          got["the frame's own message"]["sender"]), (True, "You"))
        self.assertEqual(got["a message into the frame"], "Outside")
        self.assertEqual(got["an image into the frame"], 40)
        posted = got["posted to the parent"]
        self.assertTrue(all(m["origin"] == self.base for m in posted), posted)
        self.assertEqual(posted[0]["data"], {"source": "chats3", "type": "ready"})
        self.assertIn({"source": "chats3", "type": "unread", "count": 1}, [m["data"] for m in posted])
        self.assertEqual((got["the badge"], got["the badge once seen"]), ("1", None))


if __name__ == "__main__":
    unittest.main()
