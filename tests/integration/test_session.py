"""Flow 1 through the web server (contract: Join, Authentication): join with
a code, the caller's session, participants, leave, and every bad input of
issue 4 with its status and envelope."""

import json
import os
import re
import socket
import time
import unittest

import harness
from harness import envelope

ADMIN = "it-admin-token-0123456789abcdef0123456789"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
JSON = {"Content-Type": "application/json"}


def post_json(srv, path, doc, headers=None):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return srv.request("POST", path, body=body, headers=dict(JSON, **(headers or {})))


def new_conversation(srv, cid=None):
    """Creates a conversation through the admin API; returns its JSON."""
    r = post_json(srv, "/api/v1/admin/conversations", {"conversationId": cid} if cid else {},
                  {"Authorization": "Bearer " + ADMIN})
    assert r.status == 201, (r.status, r.body)
    return envelope(r)["data"]["conversation"]


def join(srv, conv, name, code=None, **extra):
    doc = {"conversationId": conv["conversationId"], "joinCode": code or conv["joinCode"],
           "displayName": name}
    doc.update(extra)
    return post_json(srv, "/api/v1/join", doc)


def failure(test, r, status):
    """Asserts r is a failure envelope with status; returns the document."""
    test.assertEqual(r.status, status, r.body)
    doc = envelope(r)
    test.assertIs(doc["success"], False)
    test.assertIsInstance(doc["message"], str)
    return doc


def detail_fields(doc):
    return sorted(d["field"] for d in doc.get("details", []))


def bind_relay(test, srv):
    """A datagram socket bound where the programs send relay events, in
    place of the relay; unbound when test ends."""
    path = os.path.join(srv.data_dir, "run", "relay-events.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)  # the programs may run as the web server's user
    test.addCleanup(os.unlink, path)
    test.addCleanup(sock.close)
    return sock


class WithAdminServer(unittest.TestCase):
    """A server of its own with the admin token set and joins unlimited."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


class Session(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)

    def joined(self, name="Alice", **extra):
        r = join(self.srv, self.conv, name, **extra)
        self.assertEqual(r.status, 201, r.body)
        return r, envelope(r)["data"]

    # -- join ----------------------------------------------------------------
    def test_join_answers_201_with_session_conversation_and_cookie(self):
        r, data = self.joined("  Alice  ", avatarUrl="https://example.com/a.png")
        s = data["session"]
        self.assertEqual(s["displayName"], "Alice")
        self.assertEqual(s["avatarUrl"], "https://example.com/a.png")
        self.assertEqual(s["role"], "user")
        self.assertEqual(s["conversationId"], self.conv["conversationId"])
        self.assertRegex(s["userId"], UUID4)
        self.assertRegex(s["sessionId"], r"^[0-9a-f]{64}$")
        self.assertRegex(s["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(data["conversation"]["status"], "active")
        self.assertNotIn("joinCode", data["conversation"])
        cookie = r.getheader("Set-Cookie")
        self.assertTrue(cookie.startswith("sessionId=%s;" % s["sessionId"]), cookie)
        for attr in ("HttpOnly", "SameSite=Lax", "Path=/"):
            self.assertIn(attr, cookie)
        self.assertNotIn("Secure", cookie)

    def test_join_code_is_not_case_sensitive(self):
        r = join(self.srv, self.conv, "Lower", code=self.conv["joinCode"].lower())
        self.assertEqual(r.status, 201, r.body)

    def test_unknown_conversation_and_wrong_code_give_the_same_403(self):
        wrong = "AAAAAA" if self.conv["joinCode"] != "AAAAAA" else "BBBBBB"
        a = failure(self, join(self.srv, self.conv, "Eve", code=wrong), 403)
        b = failure(self, join(self.srv, {"conversationId": "no-such-room", "joinCode": "ABCDEF"},
                               "Eve"), 403)
        self.assertEqual(a["message"], b["message"])
        self.assertNotIn("details", a)

    def test_closed_conversation_is_410(self):
        r = self.srv.request("POST", "/api/v1/admin/conversations/%s/close"
                             % self.conv["conversationId"],
                             headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        failure(self, join(self.srv, self.conv, "Late"), 410)

    def test_same_name_in_another_case_is_409_until_the_first_leaves(self):
        _, data = self.joined("Alice")
        failure(self, join(self.srv, self.conv, "ALICE"), 409)
        failure(self, join(self.srv, self.conv, " alice "), 409)
        r = self.srv.request("POST", "/api/v1/leave",
                             headers={"x-session-id": data["session"]["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        self.joined("alice")

    def test_same_name_in_another_conversation_is_fine(self):
        self.joined("Bob")
        other = new_conversation(self.srv)
        self.assertEqual(join(self.srv, other, "Bob").status, 201)

    # -- the caller's session ------------------------------------------------
    def test_session_is_found_by_header_and_cookie(self):
        # (?sessionId= only where the contract takes it: test_limits.QuerySession)
        _, data = self.joined("Carol")
        sid = data["session"]["sessionId"]
        for path, headers in (("/api/v1/session", {"x-session-id": sid}),
                              ("/api/v1/session", {"Cookie": "theme=dark; sessionId=" + sid})):
            r = self.srv.request("GET", path, headers=headers)
            self.assertEqual(r.status, 200, (path, r.body))
            got = envelope(r)["data"]
            self.assertEqual(got["session"]["userId"], data["session"]["userId"])
            self.assertEqual(got["session"]["sessionId"], sid)
            self.assertNotIn("Set-Cookie", dict(r.getheaders()))
            self.assertEqual(got["conversation"]["conversationId"], self.conv["conversationId"])

    def test_header_wins_over_cookie(self):
        _, data = self.joined("Dan")
        r = self.srv.request("GET", "/api/v1/session", headers={
            "x-session-id": "0" * 64, "Cookie": "sessionId=" + data["session"]["sessionId"]})
        failure(self, r, 401)

    def test_participants_lists_the_conversation_only(self):
        self.joined("Erin", avatarUrl="https://example.com/e.png")
        _, me = self.joined("Frank")
        other = new_conversation(self.srv)
        self.assertEqual(join(self.srv, other, "Grace").status, 201)
        r = self.srv.request("GET", "/api/v1/participants",
                             headers={"x-session-id": me["session"]["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        people = envelope(r)["data"]["participants"]
        self.assertEqual([p["displayName"] for p in people], ["Erin", "Frank"])
        self.assertEqual(people[0]["avatarUrl"], "https://example.com/e.png")
        self.assertIsNone(people[1]["avatarUrl"])
        for p in people:
            self.assertNotIn("sessionId", p)
            self.assertEqual(sorted(set(p) & {"userId", "displayName", "avatarUrl", "role",
                                              "lastActiveAt"}),
                             ["avatarUrl", "displayName", "lastActiveAt", "role", "userId"])

    def test_leave_ends_the_session_and_clears_the_cookie(self):
        _, data = self.joined("Heidi")
        sid = data["session"]["sessionId"]
        r = self.srv.request("POST", "/api/v1/leave", headers={"Cookie": "sessionId=" + sid})
        self.assertEqual(r.status, 200, r.body)
        cookie = r.getheader("Set-Cookie")
        self.assertTrue(cookie.startswith("sessionId=;"), cookie)
        self.assertIn("Max-Age=0", cookie)
        failure(self, self.srv.request("GET", "/api/v1/session", headers={"x-session-id": sid}),
                401)
        failure(self, self.srv.request("POST", "/api/v1/leave", headers={"x-session-id": sid}),
                401)

    # -- bad input -------------------------------------------------------------
    def test_forged_and_garbage_session_ids_are_401(self):
        _, data = self.joined("Ivan")
        sid = data["session"]["sessionId"]
        forged = ("0" if sid[0] != "0" else "1") + sid[1:]
        for headers in ({}, {"x-session-id": forged}, {"x-session-id": "garbage"},
                        {"x-session-id": sid.upper()}, {"x-session-id": sid + "0"},
                        {"Cookie": "sessionId=" + "%00" * 10}, {"Cookie": "sessionId"}):
            for path in ("/api/v1/session", "/api/v1/participants"):
                failure(self, self.srv.request("GET", path, headers=headers), 401)
        failure(self, self.srv.request("GET", "/api/v1/session?sessionId=%27%20or%201=1"), 401)

    def test_malformed_json_is_400(self):
        for body in (b"{", b"{\"conversationId\":}", b"", b"[1,2", b"{} {}"):
            failure(self, post_json(self.srv, "/api/v1/join", body), 400)

    def test_invalid_utf8_is_400(self):
        body = b'{"conversationId":"%s","joinCode":"%s","displayName":"Al\xff"}' % (
            self.conv["conversationId"].encode(), self.conv["joinCode"].encode())
        failure(self, post_json(self.srv, "/api/v1/join", body), 400)

    def test_wrong_types_missing_and_bad_fields_name_each_field(self):
        cid, code = self.conv["conversationId"], self.conv["joinCode"]
        cases = [
            ({}, ["conversationId", "displayName", "joinCode"]),
            ([], ["body"]),
            ("text", ["body"]),
            ({"conversationId": 1, "joinCode": code, "displayName": "A"}, ["conversationId"]),
            ({"conversationId": cid, "joinCode": ["x"], "displayName": "A"}, ["joinCode"]),
            ({"conversationId": cid, "joinCode": code, "displayName": None}, ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": True}, ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "   "}, ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "x" * 65}, ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "\u00e9" * 65},
             ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "a\u0001b"},
             ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "a\nb"}, ["displayName"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "a\u0085b"},
             ["displayName"]),
            ({"conversationId": "../etc", "joinCode": code, "displayName": "A"},
             ["conversationId"]),
            ({"conversationId": "x" * 65, "joinCode": code, "displayName": "A"},
             ["conversationId"]),
            ({"conversationId": cid, "joinCode": "x" * 17, "displayName": "A"}, ["joinCode"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "A",
              "avatarUrl": "javascript:alert(1)"}, ["avatarUrl"]),
            ({"conversationId": cid, "joinCode": code, "displayName": "A", "avatarUrl": 5},
             ["avatarUrl"]),
        ]
        for doc, fields in cases:
            r = post_json(self.srv, "/api/v1/join", doc)
            out = failure(self, r, 400)
            self.assertEqual(detail_fields(out), fields, (doc, out))

    def test_64_characters_of_4_bytes_are_fine(self):
        self.joined("\U0001F600" * 64)

    def test_body_over_64_kib_is_413(self):
        doc = {"conversationId": self.conv["conversationId"], "joinCode": self.conv["joinCode"],
               "displayName": "A", "pad": "x" * 70000}
        failure(self, post_json(self.srv, "/api/v1/join", doc), 413)

    def test_wrong_content_type_is_415(self):
        r = self.srv.request("POST", "/api/v1/join", body=b"conversationId=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        failure(self, r, 415)

    def test_display_name_is_returned_as_data_not_markup(self):
        _, data = self.joined("<script>alert(1)</script>")
        self.assertEqual(data["session"]["displayName"], "<script>alert(1)</script>")


def within_one_rate_window(seconds=15):
    """Waits until the rate limiter's current window (a minute of the
    clock, lib/ratelimit.h) has seconds left, so that requests sent next
    all count in one window."""
    harness.wait_for(lambda: time.time() % 60 < 60 - seconds, timeout=seconds + 1,
                     what="a rate-limit window with %d s left" % seconds)


class JoinRateLimit(unittest.TestCase):
    def test_joins_over_the_limit_get_429_with_retry_after(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "3"})
        try:
            conv = new_conversation(srv)
            within_one_rate_window()
            statuses = [join(srv, conv, "Guess", code="ZZZZZZ").status for _ in range(3)]
            self.assertEqual(statuses, [403] * 3)
            r = join(srv, conv, "Right")
            failure(self, r, 429)
            self.assertTrue(1 <= int(r.getheader("Retry-After")) <= 60, r.getheader("Retry-After"))
            # The client address counts, not a header the client sets itself.
            r = join(srv, conv, "Right", code=None)
            self.assertEqual(r.status, 429)
            r = post_json(srv, "/api/v1/join", {"conversationId": conv["conversationId"],
                                                "joinCode": conv["joinCode"], "displayName": "X"},
                          {"X-Forwarded-For": "203.0.113.7"})
            self.assertEqual(r.status, 429)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()


class PeerLeave(WithAdminServer):
    """Leaving, and being kicked, are told to the others through the relay:
    this test binds the relay's event socket and reads what arrives."""

    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.relay = bind_relay(self, self.srv)

    def frame(self):
        doc = json.loads(harness.next_datagram(self.relay, "the peer-leave event on the relay socket",
                                              skip=("peer-join",)))
        self.assertEqual(doc["v"], 1)
        self.assertEqual(doc["conversationId"], self.conv["conversationId"])
        return doc["event"]

    def assert_peer_leave(self, ev, who):
        self.assertEqual(ev["type"], "peer-leave")
        self.assertEqual(ev["fromUserId"], who["userId"])
        self.assertIsNone(ev["toUserId"])
        self.assertEqual(ev["data"]["displayName"], who["displayName"])
        self.assertRegex(ev["id"], r"^[0-9a-f-]{36}$")
        self.assertIsInstance(ev["timestamp"], (int, float))

    def test_leave_broadcasts_peer_leave(self):
        r = join(self.srv, self.conv, "Leaver")
        me = envelope(r)["data"]["session"]
        r = self.srv.request("POST", "/api/v1/leave", headers={"x-session-id": me["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        self.assert_peer_leave(self.frame(), me)

    def test_join_broadcasts_peer_join(self):
        r = join(self.srv, self.conv, "Joiner")
        me = envelope(r)["data"]["session"]
        doc = json.loads(harness.next_datagram(self.relay, "the peer-join event on the relay socket"))
        self.assertEqual(doc["conversationId"], self.conv["conversationId"])
        ev = doc["event"]
        self.assertEqual(ev["type"], "peer-join")
        self.assertEqual(ev["fromUserId"], me["userId"])
        self.assertEqual(ev["data"], {"userId": me["userId"], "displayName": "Joiner"})

    def test_leave_closes_the_users_streams(self):
        r = join(self.srv, self.conv, "Closer")
        me = envelope(r)["data"]["session"]
        r = self.srv.request("POST", "/api/v1/leave", headers={"x-session-id": me["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        doc = json.loads(harness.next_datagram(self.relay, "the close frame on the relay socket",
                                               skip=("peer-join", "peer-leave")))
        self.assertEqual(doc, {"v": 1, "close": {"userId": me["userId"]}})

    def test_kick_broadcasts_peer_leave(self):
        r = join(self.srv, self.conv, "Kicked")
        me = envelope(r)["data"]["session"]
        r = self.srv.request("DELETE", "/api/v1/admin/sessions/" + me["userId"],
                             headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        self.assert_peer_leave(self.frame(), me)
