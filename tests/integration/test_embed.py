"""Flow 2 through the web server (contract: Pages /embed, Tickets,
Authentication): a signed ticket opens a session and redirects to the room;
every bad ticket of issue 16 gets its status and an HTML page that says
what was wrong without echoing the ticket, its signature or a secret; a
nonce opens one session, also when two uses race; the room page may be
framed only by the ticket's origin; and state-changing requests from other
sites are refused (CSRF), the SameSite=None embed cookie included."""

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest
from urllib.parse import quote

import harness
from harness import envelope
from embed_tickets import (ORIGIN, OTHER_SECRET, SECRET, embed_path, embed_server, encode,
                           iso, sign, signed_path, ticket_doc)
from test_session import ADMIN, failure, join, new_conversation, post_json

LOCATION = re.compile(r"^/room/([A-Za-z0-9_-]+)#session=([0-9a-f]{64})$")
HTTPS = {"X-Forwarded-Proto": "https"}  # from 127.0.0.1, a trusted proxy here


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def headers_named(resp, name):
    return [v for k, v in resp.getheaders() if k.lower() == name.lower()]


class EmbedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = embed_server(cls, {"CHATS3_ADMIN_TOKEN": ADMIN})
        cls.n = 0

    def conv(self):
        EmbedTest.n += 1
        return "embed-%s-%d" % (self._testMethodName[-20:].strip("_"), EmbedTest.n)

    def enter(self, doc, headers=None):
        """GET /embed with doc signed; asserts the 302; returns (resp, conv, session id)."""
        r = self.srv.request("GET", signed_path(doc), headers=headers)
        self.assertEqual(r.status, 302, r.body)
        m = LOCATION.match(r.getheader("Location") or "")
        self.assertIsNotNone(m, r.getheader("Location"))
        return r, m.group(1), m.group(2)

    def session_of(self, sid):
        r = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": sid})
        return r.status, envelope(r).get("data")

    # -- a good ticket ---------------------------------------------------------
    def test_ticket_opens_a_session_in_a_new_conversation(self):
        conv = self.conv()
        doc = ticket_doc(conv, "Zoë <b>", avatarUrl="https://cdn.example/a.png", role="admin")
        r, where, sid = self.enter(doc)
        self.assertEqual(where, conv)
        cookie = r.getheader("Set-Cookie")
        self.assertTrue(cookie.startswith("sessionId=%s;" % sid), cookie)
        self.assertIn("SameSite=Lax", cookie)  # plain HTTP: None would be refused
        status, data = self.session_of(sid)
        self.assertEqual(status, 200)
        s = data["session"]
        self.assertEqual((s["userId"], s["displayName"], s["avatarUrl"], s["role"],
                          s["conversationId"]),
                         (doc["userId"], "Zoë <b>", "https://cdn.example/a.png", "admin", conv))
        self.assertEqual(data["conversation"]["status"], "active")

    def test_raw_json_ticket_is_accepted(self):
        text = json.dumps(ticket_doc(self.conv()))
        r = self.srv.request("GET", embed_path(text, sign(text)))
        self.assertEqual(r.status, 302, r.body)

    def test_https_embed_cookie_is_partitioned_samesite_none(self):
        r, _, sid = self.enter(ticket_doc(self.conv()), HTTPS)
        cookie = r.getheader("Set-Cookie")
        for attr in ("sessionId=" + sid, "HttpOnly", "Secure", "SameSite=None", "Partitioned"):
            self.assertIn(attr, cookie)

    def test_existing_conversation_is_joined(self):
        conv = new_conversation(self.srv)
        _, where, sid = self.enter(ticket_doc(conv["conversationId"]))
        self.assertEqual(where, conv["conversationId"])
        r = self.srv.request("GET", "/api/v1/participants", headers={"x-session-id": sid})
        self.assertEqual(len(envelope(r)["data"]["participants"]), 1)

    def test_a_new_ticket_for_the_same_user_replaces_the_session(self):
        conv = self.conv()
        first = ticket_doc(conv, "Bob")
        _, _, old = self.enter(first)
        _, _, new = self.enter(ticket_doc(conv, "Bob", userId=first["userId"]))
        self.assertEqual(self.session_of(old)[0], 401)
        self.assertEqual(self.session_of(new)[1]["session"]["userId"], first["userId"])

    # -- bad tickets -------------------------------------------------------------
    def error_page(self, path, status, *words):
        """GET path must answer an HTML page of status holding words, and
        nothing of the request's secrets."""
        r = self.srv.request("GET", path)
        self.assertEqual(r.status, status, r.body)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"), r.getheaders())
        self.assertIn("frame-ancestors 'none'", r.getheader("Content-Security-Policy"))
        self.assertIsNone(r.getheader("Set-Cookie"))
        page = r.body.decode()
        for w in words:
            self.assertIn(w, page)
        query = dict(p.split("=", 1) for p in path.partition("?")[2].split("&") if "=" in p)
        for secret in (SECRET, OTHER_SECRET, query.get("signature"), query.get("ticket")):
            if secret and len(secret) > 8:
                self.assertNotIn(secret, page)
        return page

    def test_bad_signatures_are_401(self):
        t = encode(ticket_doc(self.conv()))
        good = sign(t)
        flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
        for sig in (flipped, good[:40], good.upper(), sign(t, OTHER_SECRET), "", "zz" * 32):
            with self.subTest(sig=sig):
                self.error_page(embed_path(t, sig), 401, "Bad signature")

    def test_times_are_checked(self):
        conv, t0 = self.conv(), now()
        cases = [
            ("expired", t0 - datetime.timedelta(seconds=61), t0 - datetime.timedelta(seconds=1),
             "Ticket expired"),
            ("issued in the future", t0 + datetime.timedelta(seconds=30),
             t0 + datetime.timedelta(seconds=50), "issued in the future"),
            ("lifetime over 60 s", t0, t0 + datetime.timedelta(seconds=120), "lifetime"),
            ("expires before it is issued", t0 + datetime.timedelta(seconds=2),
             t0 + datetime.timedelta(seconds=1), "lifetime"),
        ]
        for what, issued, expires, words in cases:
            with self.subTest(what):
                doc = ticket_doc(conv, issuedAt=iso(issued), expiresAt=iso(expires))
                self.error_page(signed_path(doc), 401, words)

    def test_a_few_seconds_of_clock_skew_pass(self):
        t0 = now() + datetime.timedelta(seconds=3)
        self.enter(ticket_doc(self.conv(), issuedAt=iso(t0),
                              expiresAt=iso(t0 + datetime.timedelta(seconds=60))))

    def test_origin_and_integrator_are_403(self):
        conv = self.conv()
        self.error_page(signed_path(ticket_doc(conv, origin="https://evil.example")), 403,
                        "Origin not allowed")
        self.error_page(signed_path(ticket_doc(conv, origin="https://other.example")), 403,
                        "Origin not allowed")  # another integrator's origin
        self.error_page(signed_path(ticket_doc(conv, integratorId="nobody")), 403,
                        "Unknown integrator")

    def test_malformed_tickets_are_400(self):
        conv = self.conv()
        big = ticket_doc(conv, displayName="x" * 3500)
        cases = [
            ("malformed base64", "!!not-base64!!", "Malformed ticket"),
            ("padded base64", encode(ticket_doc(conv)) + "=", "Malformed ticket"),
            ("malformed JSON", encode("{not json"), "Malformed ticket"),
            ("JSON but no object", encode("[1,2]"), "Malformed ticket"),
            ("over 4 KiB", encode(big), "Ticket too large"),
            ("missing nonce", encode(ticket_doc(conv, nonce=None)), "nonce is required"),
            ("missing userId", encode(ticket_doc(conv, userId=None)), "userId is required"),
            ("displayName a number", encode(ticket_doc(conv, displayName=5)), "displayName"),
            ("role not a role", encode(ticket_doc(conv, role="owner")), "role"),
            ("issuedAt not a time", encode(ticket_doc(conv, issuedAt="yesterday")), "issuedAt"),
            ("origin with a path", encode(ticket_doc(conv, origin=ORIGIN + "/page")), "origin"),
            ("userId not a UUID", encode(ticket_doc(conv, userId="u-1")), "userId"),
            ("short nonce", encode(ticket_doc(conv, nonce="abc")), "nonce"),
            ("invalid conversation id", encode(ticket_doc("../etc")), "conversationId"),
        ]
        for what, t, words in cases:
            with self.subTest(what):
                self.error_page(embed_path(t, sign(t)), 400, words)

    def test_missing_parameters_are_400(self):
        t = encode(ticket_doc(self.conv()))
        for path in ("/embed", "/embed?ticket=" + t, "/embed?signature=" + sign(t)):
            with self.subTest(path=path[:30]):
                self.error_page(path, 400, "Missing ticket")

    def test_error_page_escapes_and_hides_the_secret(self):
        # a ticket that names the secret itself still shows nothing of it
        doc = ticket_doc(self.conv(), integratorId=SECRET)
        self.error_page(signed_path(doc), 403, "Unknown integrator")

    def test_a_closed_conversation_is_410(self):
        conv = new_conversation(self.srv)
        r = post_json(self.srv, "/api/v1/admin/conversations/%s/close" % conv["conversationId"],
                      {}, {"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        self.error_page(signed_path(ticket_doc(conv["conversationId"])), 410)

    # -- nonces --------------------------------------------------------------------
    def test_replay_is_401(self):
        path = signed_path(ticket_doc(self.conv()))
        self.assertEqual(self.srv.request("GET", path).status, 302)
        self.error_page(path, 401, "Ticket already used")

    def test_two_racing_uses_of_one_ticket_give_one_session(self):
        for _ in range(5):
            path = signed_path(ticket_doc(self.conv()))
            statuses, start = [], threading.Barrier(2)

            def go():
                start.wait()
                statuses.append(self.srv.request("GET", path).status)
            threads = [threading.Thread(target=go) for _ in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            self.assertEqual(sorted(statuses), [302, 401])

    # -- the room page -----------------------------------------------------------
    def test_room_of_a_ticket_session_is_frameable_by_its_origin_only(self):
        _, conv, sid = self.enter(ticket_doc(self.conv(), "Eve <i>"))
        for how in ({"x-session-id": sid}, {"Cookie": "sessionId=" + sid}):
            r = self.srv.request("GET", "/room/" + conv, headers=how)
            self.assertEqual(r.status, 200, r.body)
            csp = headers_named(r, "Content-Security-Policy")
            self.assertEqual(len(csp), 1, r.getheaders())
            self.assertIn("frame-ancestors %s" % ORIGIN, csp[0])
            self.assertNotIn("'unsafe-inline'", csp[0])
            self.assertEqual(headers_named(r, "X-Frame-Options"), [])
            self.assertEqual(len(headers_named(r, "X-Content-Type-Options")), 1)
            page = r.body.decode()
            self.assertIn("Eve &lt;i&gt;", page)
            self.assertIn('<script src="/js/session.js"></script>', page)
            self.assertNotIn(sid, page)

    def test_room_of_a_direct_session_is_not_frameable(self):
        conv = new_conversation(self.srv)
        r = join(self.srv, conv, "Dana")
        sid = envelope(r)["data"]["session"]["sessionId"]
        r = self.srv.request("GET", "/room/" + conv["conversationId"],
                             headers={"x-session-id": sid})
        self.assertEqual(r.status, 200, r.body)
        csp = headers_named(r, "Content-Security-Policy")
        self.assertEqual(len(csp), 1, r.getheaders())
        self.assertIn("frame-ancestors 'none'", csp[0])
        self.assertEqual(r.getheader("X-Frame-Options"), "DENY")

    def test_room_without_a_session_of_it_redirects_to_join(self):
        _, conv, sid = self.enter(ticket_doc(self.conv()))
        for path, headers in (("/room/" + conv, {}),
                              ("/room/" + conv, {"x-session-id": "0" * 64}),
                              ("/room/another-room", {"x-session-id": sid})):
            with self.subTest(path=path, headers=headers):
                r = self.srv.request("GET", path, headers=headers)
                self.assertEqual(r.status, 302, r.body)
                self.assertEqual(r.getheader("Location"),
                                 "/join?conversationId=" + path.rsplit("/", 1)[1])
        r = self.srv.request("GET", "/room/" + quote("a b", safe=""))
        self.assertEqual((r.status, r.getheader("Location")), (302, "/join"))

    def test_a_frame_without_its_cookie_gets_the_shell_for_the_integrators(self):
        # third-party cookies blocked: the frame's navigation to the room
        # carries no session; the shell's script has it from the fragment
        _, conv, sid = self.enter(ticket_doc(self.conv()))
        r = self.srv.request("GET", "/room/" + conv, headers={"Sec-Fetch-Dest": "iframe"})
        self.assertEqual(r.status, 200, r.body)
        csp = headers_named(r, "Content-Security-Policy")
        self.assertEqual(len(csp), 1, r.getheaders())
        self.assertIn("frame-ancestors %s https://www.acme.example https://other.example"
                      % ORIGIN, csp[0])
        self.assertIn('<script src="/js/session.js"></script>', r.body.decode())
        r = self.srv.request("GET", "/room/" + conv, headers={"Sec-Fetch-Dest": "document"})
        self.assertEqual(r.status, 302, r.body)

    def test_session_script_is_served_and_parses(self):
        r = self.srv.request("GET", "/js/session.js")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("Content-Type").startswith("text/javascript"))
        self.assertIn(b"x-session-id", r.body)
        with tempfile.NamedTemporaryFile(suffix=".js") as f:
            f.write(r.body)
            f.flush()
            out = subprocess.run(["node", "--check", f.name], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)

    # -- CSRF ----------------------------------------------------------------------
    def test_cross_site_writes_are_403_with_the_embed_cookie(self):
        r, _, sid = self.enter(ticket_doc(self.conv()), HTTPS)
        self.assertIn("SameSite=None", r.getheader("Set-Cookie"))
        own = "https://127.0.0.1:%d" % self.srv.port
        base = dict(HTTPS, Cookie="__Host-sessionId=" + sid, **{"Content-Type": "application/json"})
        body = json.dumps({"body": "hi"}).encode()
        refused = ({"Origin": "https://evil.example"}, {"Origin": ORIGIN},
                   {"Origin": "null"}, {"Origin": "http://127.0.0.1:%d" % self.srv.port},
                   {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Sec-Fetch-Site": "cross-site", "Origin": own})
        for extra in refused:
            with self.subTest(extra=extra):
                r = self.srv.request("POST", "/api/v1/messages", body=body,
                                     headers=dict(base, **extra))
                failure(self, r, 403)
        for extra in ({}, {"Origin": own}, {"Sec-Fetch-Site": "same-origin", "Origin": own},
                      {"Sec-Fetch-Site": "none"}):
            with self.subTest(extra=extra):
                r = self.srv.request("POST", "/api/v1/messages", body=body,
                                     headers=dict(base, **extra))
                self.assertEqual(r.status, 201, r.body)
        got = self.srv.request("GET", "/api/v1/messages", headers={"x-session-id": sid})
        self.assertEqual(len(envelope(got)["data"]["messages"]), 4)

    def test_cross_site_join_and_leave_are_403(self):
        conv = new_conversation(self.srv)
        evil = {"Origin": "https://evil.example"}
        r = join(self.srv, conv, "Mallory")
        sid = envelope(r)["data"]["session"]["sessionId"]
        failure(self, post_json(self.srv, "/api/v1/join",
                                {"conversationId": conv["conversationId"],
                                 "joinCode": conv["joinCode"], "displayName": "X"}, evil), 403)
        failure(self, self.srv.request("POST", "/api/v1/leave",
                                       headers=dict(evil, **{"x-session-id": sid})), 403)
        self.assertEqual(self.session_of(sid)[0], 200)  # still there
        own = {"Origin": "http://127.0.0.1:%d" % self.srv.port}
        r = self.srv.request("POST", "/api/v1/leave", headers=dict(own, **{"x-session-id": sid}))
        self.assertEqual(r.status, 200, r.body)

    def test_cross_site_gets_are_not_refused(self):
        r = self.srv.request("GET", "/api/v1/health", headers={"Origin": "https://evil.example",
                                                               "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 200, r.body)


class MissingTemplates(unittest.TestCase):
    """CHATS3_TEMPLATES_DIR without the templates: the pages are our fault."""

    @classmethod
    def setUpClass(cls):
        d = tempfile.mkdtemp(prefix="chats3-it-templates-")
        os.chmod(d, 0o755)
        cls.addClassCleanup(shutil.rmtree, d, True)
        cls.srv = embed_server(cls, {"CHATS3_TEMPLATES_DIR": d})

    def test_a_page_without_its_template_is_500_and_logged(self):
        r = self.srv.request("GET", "/embed")
        self.assertEqual(r.status, 500, r.body)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        self.assertIn(b"Internal server error", r.body)
        harness.wait_for(lambda: "page embed-error.html: ERR_NOTFOUND" in self.srv.log_text(),
                         10, "the log line naming the template")
