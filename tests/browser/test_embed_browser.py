"""The embed flow in a real browser (Debian's chromium through
playwright-core), from the demo integrator's page (examples/integrator/):

- on http://localhost:PORT, another site than Chats3 (http://127.0.0.1:PORT):
  the session cookie (SameSite=Lax over plain HTTP) never reaches the frame,
  and this browser denies the frame its storage too, as when third-party
  cookies are blocked: the room must work from the URL fragment alone;
- on http://127.0.0.1:OTHER_PORT, the same site on another origin: the
  frame keeps the session in sessionStorage and the fragment goes.

In both the frame reads its session and posts a message with x-session-id,
again after a reload, and the integrator's own page cannot post (CSRF)."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import harness
from embed_tickets import SECRET, embed_server

HERE = os.path.dirname(os.path.abspath(__file__))


def start_demo(test_cls, chats3, origin, port):
    env = dict(os.environ, CHATS3_URL=chats3, INTEGRATOR_ID="demo", INTEGRATOR_SECRET=SECRET,
               ORIGIN=origin)
    proc = subprocess.Popen(
        [sys.executable, os.path.join(harness.ROOT, "examples", "integrator", "server.py"),
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    test_cls.addClassCleanup(proc.wait, 10)
    test_cls.addClassCleanup(proc.terminate)

    def accepts():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    harness.wait_for(accepts, 10, "the demo integrator on port %d to accept" % port)


def integrators_file(test_cls, origins):
    d = tempfile.mkdtemp(prefix="chats3-browser-")
    os.chmod(d, 0o755)
    path = os.path.join(d, "integrators.json")
    with open(path, "w") as f:
        json.dump([{"id": "demo", "secret": SECRET, "allowedOrigins": origins}], f)
    os.chmod(path, 0o644)
    test_cls.addClassCleanup(shutil.rmtree, d, True)
    return path


class EmbedInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = harness.free_port(), harness.free_port()
        cls.cross = "http://localhost:%d" % ports[0]
        cls.same = "http://127.0.0.1:%d" % ports[1]
        cls.srv = embed_server(cls, {
            "CHATS3_INTEGRATORS_FILE": integrators_file(cls, [cls.cross, cls.same])})
        cls.chats3 = "http://127.0.0.1:%d" % cls.srv.port
        start_demo(cls, cls.chats3, cls.cross, ports[0])
        start_demo(cls, cls.chats3, cls.same, ports[1])

    def drive(self, origin, room):
        out = subprocess.run(["node", os.path.join(HERE, "embed.js"),
                              "%s/?name=Browser%%20User&room=%s" % (origin, room), self.chats3],
                             capture_output=True, text=True, timeout=60, cwd=HERE)
        self.assertEqual(out.returncode, 0, out.stderr[-3000:])
        return json.loads(out.stdout.strip().splitlines()[-1])

    def check_views(self, got, room, stored):
        for view in ("first", "again"):
            v = got[view]
            with self.subTest(view):
                self.assertRegex(v["id"], r"^[0-9a-f]{64}$")
                url = "%s/room/%s" % (self.chats3, room)
                if stored:  # kept in the frame's sessionStorage, gone from the URL
                    self.assertEqual((v["href"], v["kept"]), (url, v["id"]))
                else:  # no storage: the fragment is what survives the reload
                    self.assertEqual((v["href"], v["kept"]), (url + "#session=" + v["id"],
                                                              "denied"))
                self.assertEqual(v["eventSource"], "/api/v1/signaling?sessionId=" + v["id"])
                self.assertEqual(v["sessionStatus"], 200)
                self.assertEqual(v["session"]["session"]["displayName"], "Browser User")
                self.assertEqual(v["sendStatus"], 201)
                self.assertFalse(v["cookieVisible"])  # HttpOnly
        self.assertEqual(got["first"]["id"], got["again"]["id"])
        r = self.srv.request("GET", "/api/v1/messages", headers={"x-session-id": got["first"]["id"]})
        bodies = [m["body"] for m in json.loads(r.body)["data"]["messages"]]
        self.assertEqual(bodies, ["from the frame", "from the frame"])

    def refused_posts(self):
        return len(re.findall(r'method="POST" path="/api/v1/messages" status=403',
                              self.srv.log_text()))

    def test_a_cross_site_frame_works_from_the_fragment_alone(self):
        before = self.refused_posts()
        got = self.drive(self.cross, "browser-cross")
        self.check_views(got, "browser-cross", stored=False)
        self.assertEqual(got["cross"], "sent")
        harness.wait_for(lambda: self.refused_posts() > before, 10,
                         "the integrator page's own POST to be refused with 403")

    def test_a_same_site_frame_keeps_the_session_in_session_storage(self):
        got = self.drive(self.same, "browser-same")
        self.check_views(got, "browser-same", stored=True)
