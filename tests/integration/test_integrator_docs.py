"""What docs/integrators.md promises an integrator, run for real: each
signing example of the doc (shell with openssl, PHP, Python, Node),
extracted from the doc, prints a URL that /embed accepts; chats3-ticket
does the same from the settings or a secret file; a broken integrators
file stops the programs at start; and the demo integrator of
examples/integrator/ serves a page on its own origin whose iframe opens
the room."""

import html
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request
import uuid

import harness
from embed_tickets import INTEGRATORS, ORIGIN, SECRET, embed_server
from harness import envelope

DOC = os.path.join(harness.ROOT, "docs", "integrators.md")
RUNNERS = {"shell": ["sh", "-eu"], "php": ["php"], "python": [sys.executable], "node": ["node"]}
LOCATION = re.compile(r"^/room/([A-Za-z0-9_-]+)#session=([0-9a-f]{64})$")


def examples():
    """{name: code} of every '<!-- example: NAME -->' block of the doc."""
    with open(DOC) as f:
        text = f.read()
    found = re.findall(r"<!-- example: (\w+) -->\n```\w*\n(.*?)```", text, re.S)
    return dict(found)


class IntegratorDocs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = embed_server(cls)
        cls.url = "http://127.0.0.1:%d" % cls.srv.port

    def accepted(self, url, name):
        """url (printed by an example) must open a session for name."""
        self.assertTrue(url.startswith(self.url + "/embed?ticket="), url)
        r = self.srv.request("GET", url[len(self.url):])
        self.assertEqual(r.status, 302, r.body)
        m = LOCATION.match(r.getheader("Location"))
        self.assertIsNotNone(m, r.getheader("Location"))
        s = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": m.group(2)})
        self.assertEqual(envelope(s)["data"]["session"]["displayName"], name)
        return m.group(1)

    def test_every_example_of_the_doc_is_accepted(self):
        code = examples()
        self.assertEqual(sorted(code), sorted(RUNNERS))
        for lang, text in sorted(code.items()):
            with self.subTest(lang):
                name = "Doc %s" % lang
                env = dict(os.environ, CHATS3_URL=self.url, INTEGRATOR_ID="acme",
                           INTEGRATOR_SECRET=SECRET, CONVERSATION_ID="docs-" + lang,
                           USER_ID=str(uuid.uuid4()), DISPLAY_NAME=name, ORIGIN=ORIGIN)
                out = subprocess.run(RUNNERS[lang], input=text, env=env, capture_output=True,
                                     text=True, timeout=30)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertEqual(self.accepted(out.stdout.strip(), name), "docs-" + lang)

    def ticket_cli(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATS3_")}
        env["CHATS3_CONFIG_FILE"] = self.srv.conf_file
        return subprocess.run([os.path.join(harness.CONFIG["build"], "tools", "chats3-ticket")]
                              + list(args), env=env, capture_output=True, text=True, timeout=30)

    def test_chats3_ticket_signs_from_the_settings(self):
        out = self.ticket_cli("--base", self.url, "acme", "ticket-cli-room", "Cli User")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.accepted(out.stdout.strip(), "Cli User"), "ticket-cli-room")

    def test_chats3_ticket_signs_with_a_secret_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".secret") as f:
            f.write(SECRET + "\n")
            f.flush()
            out = self.ticket_cli("--secret-file", f.name, "--origin", ORIGIN, "--role", "admin",
                                  "--lifetime", "30", "--base", self.url, "acme", "cli-file",
                                  "File User")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.accepted(out.stdout.strip(), "File User")

    def test_chats3_ticket_refuses_what_it_cannot_sign(self):
        self.assertEqual(self.ticket_cli("acme", "only-two").returncode, 2)
        self.assertEqual(self.ticket_cli("--lifetime", "61", "acme", "r", "N").returncode, 2)
        out = self.ticket_cli("nobody", "r", "N")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no integrator nobody", out.stderr)

    def test_a_broken_integrators_file_stops_the_programs(self):
        bad = dict(INTEGRATORS[0], secret="short")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "integrators.json")
            for text, words in (("[{", "expected a JSON array"),
                                ('[%s]' % __import__("json").dumps(bad), "secret must be"),
                                ('[{"id":"a","secret":"%s","allowedOrigins":["https://A.example"]}]'
                                 % SECRET, "is not an origin")):
                with open(path, "w") as f:
                    f.write(text)
                env = {k: v for k, v in os.environ.items() if not k.startswith("CHATS3_")}
                env.update(CHATS3_INTEGRATORS_FILE=path, CHATS3_DATA_DIR=d)
                out = subprocess.run([os.path.join(harness.CONFIG["build"], "cgi-bin", "pages"),
                                      "--check-config"], env=env, capture_output=True,
                                     text=True, timeout=30)
                self.assertEqual(out.returncode, 1, out.stderr)
                self.assertIn("CHATS3_INTEGRATORS_FILE", out.stderr)
                self.assertIn(words, out.stderr)
                self.assertNotIn(SECRET, out.stderr)


class DemoIntegrator(unittest.TestCase):
    """examples/integrator/server.py on a port of its own: another origin."""

    @classmethod
    def setUpClass(cls):
        cls.srv = embed_server(cls)
        cls.port = harness.free_port()
        env = dict(os.environ, CHATS3_URL="http://127.0.0.1:%d" % cls.srv.port,
                   INTEGRATOR_ID="acme", INTEGRATOR_SECRET=SECRET, ORIGIN=ORIGIN)
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(harness.ROOT, "examples", "integrator", "server.py"),
             "--port", str(cls.port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        cls.addClassCleanup(cls.proc.wait, 10)
        cls.addClassCleanup(cls.proc.terminate)

        def accepts():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", cls.port)) == 0
        harness.wait_for(accepts, 10, "the demo integrator to accept")

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
            return r.read().decode()

    def test_its_page_embeds_the_room(self):
        page = self.get("/?name=Demo%20User&room=demo-room")
        src = html.unescape(re.search(r'<iframe src="([^"]+)"', page).group(1))
        base = "http://127.0.0.1:%d" % self.srv.port
        self.assertTrue(src.startswith(base + "/embed?"), src)
        r = self.srv.request("GET", src[len(base):])
        self.assertEqual(r.status, 302, r.body)
        self.assertTrue(r.getheader("Location").startswith("/room/demo-room#session="))

    def test_a_name_keeps_its_user_across_views(self):
        base = "http://127.0.0.1:%d" % self.srv.port
        users = []
        for _ in range(2):
            url = self.get("/ticket?name=Again&room=demo-again").strip()
            r = self.srv.request("GET", url[len(base):])
            self.assertEqual(r.status, 302, r.body)
            sid = LOCATION.match(r.getheader("Location")).group(2)
            s = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": sid})
            users.append(envelope(s)["data"]["session"]["userId"])
        self.assertEqual(users[0], users[1])
