"""Issue 19, abuse: guessing join codes (a budget of failed joins per
conversation, IPv6 clients counted by their /64, the code's length), and
no existence oracle (an unknown conversation answers as a wrong code, also
while storage is down), the session cookie (found behind many others, two
of it refused, __Host- over HTTPS), the admin token (32 characters at
least, wrong ones throttled and logged), the modes of the programs' files
(0600, directories 0700), an http:// S3 endpoint only on loopback, ?deep=1 health only for
loopback clients and the admin token, no
session token in the programs' log lines."""

import os
import sqlite3
import statistics
import time
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


def own_server(test, settings, cls=harness.WebServer):
    """A server of test's own with the admin token and settings, stopped
    when test ends."""
    srv = harness.new_server(dict({"CHATS3_ADMIN_TOKEN": ADMIN}, **settings), cls=cls)
    test.addCleanup(srv.stop)
    return srv


class WithServer(unittest.TestCase):
    """A server for the class (the admin token and SETTINGS) and a
    conversation on it."""
    SETTINGS = {}

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(dict({"CHATS3_ADMIN_TOKEN": ADMIN}, **cls.SETTINGS))
        cls.conv = new_conversation(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


class JoinGuard(WithServer):
    """3 failed joins per conversation and minute; joins per address unlimited."""

    SETTINGS = {"CHATS3_JOIN_RATE": "100000", "CHATS3_JOIN_FAILURES": "3"}

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
        srv = own_server(self, {"CHATS3_JOIN_RATE": "2", "CHATS3_TRUSTED_PROXIES": "127.0.0.1"})
        conv = new_conversation(srv)
        within_one_rate_window()
        self.assertEqual(join_as(srv, conv, "A", "2001:db8:1:2::a").status, 201)
        self.assertEqual(join_as(srv, conv, "B", "2001:db8:1:2:ffff::b").status, 201)
        failure(self, join_as(srv, conv, "C", "2001:db8:1:2:1:2:3:4"), 429)
        self.assertEqual(join_as(srv, conv, "D", "2001:db8:1:3::a").status, 201)
        self.assertEqual(join_as(srv, conv, "E", "192.0.2.1").status, 201)


class JoinCodeLength(unittest.TestCase):
    def test_new_codes_take_the_configured_length(self):
        srv = own_server(self, {"CHATS3_JOIN_CODE_LENGTH": "12"})
        conv = new_conversation(srv)
        self.assertRegex(conv["joinCode"], r"^[A-HJKMNP-Z2-9]{12}$")
        self.assertEqual(join(srv, conv, "Alice").status, 201)
        self.assertEqual(join(srv, conv, "Bob", code=conv["joinCode"][:8]).status, 403)

    def test_lengths_outside_6_to_16_are_refused_at_start(self):
        for bad in ("5", "17"):
            p = harness.check_config({"CHATS3_JOIN_CODE_LENGTH": bad})
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("CHATS3_JOIN_CODE_LENGTH", p.stderr)
        self.assertEqual(harness.check_config({"CHATS3_JOIN_CODE_LENGTH": "6"}).returncode, 0,
                         "6 is allowed")


HTTPS = {"X-Forwarded-Proto": "https"}  # from 127.0.0.1, a trusted proxy here
OTHERS = "; ".join("c%d=v%d" % (i, i) for i in range(70))


class SessionCookie(WithServer):
    SETTINGS = {"CHATS3_JOIN_RATE": "100000", "CHATS3_TRUSTED_PROXIES": "127.0.0.1"}

    def joined(self, name, headers=None):
        r = post_json(self.srv, "/api/v1/join", {"conversationId": self.conv["conversationId"],
                                                 "joinCode": self.conv["joinCode"],
                                                 "displayName": name}, headers)
        self.assertEqual(r.status, 201, r.body)
        return r.getheader("Set-Cookie"), envelope(r)["data"]["session"]["sessionId"]

    def session_status(self, cookie, headers=None):
        return self.srv.request("GET", "/api/v1/session",
                                headers=dict(headers or {}, Cookie=cookie))

    def test_found_behind_70_other_cookies(self):
        _, sid = self.joined("Many")
        r = self.session_status(OTHERS + "; sessionId=" + sid)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(envelope(r)["data"]["session"]["sessionId"], sid)

    def test_two_session_cookies_are_no_session(self):
        _, sid = self.joined("Twice")
        _, other = self.joined("Other")
        for cookie in ("sessionId=%s; sessionId=%s" % (sid, other),
                       "sessionId=%s; a=1; sessionId=%s" % (sid, sid)):
            failure(self, self.session_status(cookie), 401)

    def test_over_https_the_cookie_is_host_prefixed(self):
        cookie, sid = self.joined("Secure", HTTPS)
        self.assertTrue(cookie.startswith("__Host-sessionId=%s; Path=/;" % sid), cookie)
        self.assertIn("Secure", cookie)
        self.assertNotIn("Domain", cookie)
        self.assertEqual(self.session_status("__Host-sessionId=" + sid, HTTPS).status, 200)
        # The unprefixed name, which any site of the domain could set, is not read.
        failure(self, self.session_status("sessionId=" + sid, HTTPS), 401)
        r = self.srv.request("POST", "/api/v1/leave",
                             headers=dict(HTTPS, Cookie="__Host-sessionId=" + sid))
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.getheader("Set-Cookie").startswith("__Host-sessionId=;"))


class AdminToken(unittest.TestCase):
    def test_a_short_token_is_refused_at_start(self):
        p = harness.check_config({"CHATS3_ADMIN_TOKEN": "x" * 31})
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("CHATS3_ADMIN_TOKEN: at least 32 characters, got 31", p.stderr)
        self.assertNotIn("x" * 31, p.stderr)
        self.assertEqual(harness.check_config({"CHATS3_ADMIN_TOKEN": "x" * 32}).returncode, 0)

    def test_wrong_tokens_are_throttled_and_logged(self):
        srv = own_server(self, {"CHATS3_TRUSTED_PROXIES": "127.0.0.1"})
        def listing(token, headers=None):
            return srv.request("GET", "/api/v1/admin/conversations",
                               headers=dict(headers or {}, Authorization="Bearer " + token))
        within_one_rate_window()
        statuses = [listing("wrong-%d" % i).status for i in range(10)]
        self.assertEqual(statuses, [401] * 10)
        r = listing(ADMIN)  # the right one too, from that address
        failure(self, r, 429)
        self.assertTrue(1 <= int(r.getheader("Retry-After")) <= 60, r.getheader("Retry-After"))
        self.assertEqual(listing(ADMIN, {"X-Forwarded-For": "192.0.2.8"}).status, 200)
        harness.wait_for(lambda: srv.log_text().count(
            "admin: a wrong bearer token from 127.0.0.1") == 10,
            what="a log line per wrong admin token")
        self.assertNotIn("wrong-3", srv.log_text())


class SessionCaps(WithServer):
    """At most 3 live sessions per conversation and 2 per client address
    (an IPv6 client by its /64); leaving frees a place."""

    SETTINGS = {"CHATS3_JOIN_RATE": "100000", "CHATS3_TRUSTED_PROXIES": "127.0.0.1",
                "CHATS3_SESSIONS_PER_CONVERSATION": "3", "CHATS3_SESSIONS_PER_CLIENT": "2"}

    def joins(self, conv, addrs):
        return [join_as(self.srv, conv, "User %d" % i, addr) for i, addr in enumerate(addrs)]

    def test_a_conversation_takes_no_session_past_its_cap(self):
        conv, other = new_conversation(self.srv), new_conversation(self.srv)
        first = self.joins(conv, ["192.0.2.31", "192.0.2.32", "192.0.2.33", "192.0.2.34"])
        self.assertEqual([r.status for r in first], [201, 201, 201, 429])
        self.assertIn("too many sessions", failure(self, first[3], 429)["message"])
        self.assertTrue(first[3].getheader("Retry-After"))
        self.assertEqual(self.joins(other, ["192.0.2.34"])[0].status, 201)
        sid = envelope(first[0])["data"]["session"]["sessionId"]
        self.assertEqual(self.srv.request("POST", "/api/v1/leave",
                                          headers={"x-session-id": sid}).status, 200)
        self.assertEqual(self.joins(conv, ["192.0.2.34"])[0].status, 201)

    def test_an_address_takes_no_session_past_its_cap_in_any_conversation(self):
        convs = [new_conversation(self.srv) for _ in range(3)]
        statuses = [join_as(self.srv, c, "Mallory", "192.0.2.41").status for c in convs]
        self.assertEqual(statuses, [201, 201, 429])
        self.assertIn("Too many sessions from this address",
                      failure(self, join_as(self.srv, convs[2], "Mallory", "192.0.2.41"),
                              429)["message"])
        self.assertEqual(join_as(self.srv, convs[2], "Mallory", "192.0.2.42").status, 201)

    def test_an_ipv6_client_counts_by_its_64(self):
        convs = [new_conversation(self.srv) for _ in range(3)]
        addrs = ["2001:db8:5:6::1", "2001:db8:5:6:ffff::2", "2001:db8:5:6::3"]
        statuses = [join_as(self.srv, c, "Eve", a).status for c, a in zip(convs, addrs)]
        self.assertEqual(statuses, [201, 201, 429])
        self.assertEqual(join_as(self.srv, convs[2], "Eve", "2001:db8:5:7::1").status, 201)

    def test_loopback_is_not_capped(self):
        # this host, or a proxy in front not among CHATS3_TRUSTED_PROXIES: everyone's address
        convs = [new_conversation(self.srv) for _ in range(3)]
        statuses = [post_json(self.srv, "/api/v1/join", {"conversationId": c["conversationId"],
                                                         "joinCode": c["joinCode"],
                                                         "displayName": "Local"}).status
                    for c in convs]
        self.assertEqual(statuses, [201, 201, 201])


class DeepHealth(WithServer):
    """?deep=1 runs the checks for loopback clients and the admin token;
    anyone else gets the cheap answer."""

    SETTINGS = {"CHATS3_TRUSTED_PROXIES": "127.0.0.1"}

    def deep(self, addr=None, token=None):
        headers = {"X-Forwarded-For": addr} if addr else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        return self.srv.request("GET", "/api/v1/health?deep=1", headers=headers)

    def test_a_client_off_loopback_gets_the_cheap_answer(self):
        for addr in ("192.0.2.8", "2001:db8::8", "::ffff:192.0.2.8"):
            r = self.deep(addr)
            self.assertEqual(r.status, 200, addr)
            self.assertEqual(envelope(r)["data"], {"status": "ok"}, addr)

    def test_loopback_clients_and_the_admin_token_get_the_checks(self):
        self.addCleanup(harness.RelayStandIn(self.srv.data_dir, harness.relay_health_answer()).close)
        for addr, token in ((None, None), ("::1", None), ("127.0.0.9", None),
                            ("::ffff:127.0.0.1", None), ("192.0.2.8", ADMIN)):
            r = self.deep(addr, token)
            self.assertEqual(r.status, 200, addr)
            self.assertEqual(envelope(r)["data"]["checks"],
                             {"database": "ok", "storage": "ok", "relay": "ok"}, addr)

    def test_a_wrong_admin_token_is_refused_and_logged(self):
        failure(self, self.deep("192.0.2.9", "wrong-token-for-health"), 401)
        harness.wait_for(lambda: "admin: a wrong bearer token from 192.0.2.9" in self.srv.log_text(),
                         what="the wrong token's log line")


class PrivateFiles(unittest.TestCase):
    @harness.sqlite_only
    def test_the_database_and_stored_objects_are_the_owners_only(self):
        srv = own_server(self, {})
        conv = new_conversation(srv)
        sid = envelope(join(srv, conv, "Alice"))["data"]["session"]["sessionId"]
        self.assertEqual(post_json(srv, "/api/v1/messages", {"body": "hi"},
                                   {"x-session-id": sid}).status, 201)
        mode = lambda p: os.stat(p).st_mode & 0o7777
        self.assertEqual(mode(os.path.join(srv.data_dir, "chats3.db")), 0o600)
        objects = os.path.join(srv.data_dir, "objects")
        if srv.settings.get("CHATS3_STORAGE") != "fs":
            return  # the objects are S3's
        for base, dirs, files in os.walk(objects):
            self.assertEqual(mode(base), 0o700, base)
            for name in files:
                self.assertEqual(mode(os.path.join(base, name)), 0o600, name)
        self.assertTrue(os.path.exists(os.path.join(
            objects, "conversations", conv["conversationId"], "meta.json")))


class PlainHttpEndpoint(unittest.TestCase):
    S3 = {"CHATS3_STORAGE": "s3", "CHATS3_S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "x",
          "AWS_SECRET_ACCESS_KEY": "y"}

    def test_http_off_loopback_is_refused_at_start_unless_allowed(self):
        off = dict(self.S3, AWS_ENDPOINT_URL_S3="http://s3.example.com:9000")
        p = harness.check_config(off)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("AWS_ENDPOINT_URL_S3: http:// to another host", p.stderr)
        self.assertIn("CHATS3_S3_ALLOW_HTTP=1", p.stderr)
        self.assertEqual(harness.check_config(dict(off, CHATS3_S3_ALLOW_HTTP="1")).returncode, 0)
        for url in ("http://127.0.0.1:9000", "http://localhost:9000", "https://s3.example.com"):
            self.assertEqual(harness.check_config(dict(self.S3, AWS_ENDPOINT_URL_S3=url))
                             .returncode, 0, url)


class TokensOutOfLogs(unittest.TestCase):
    def test_a_kick_by_session_id_logs_no_token(self):
        srv = own_server(self, {})
        conv = new_conversation(srv)
        sid = envelope(join(srv, conv, "Kicked"))["data"]["session"]["sessionId"]
        r = srv.request("DELETE", "/api/v1/admin/sessions/" + sid,
                        headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        harness.wait_for(lambda: 'path="/api/v1/admin/sessions/[token]"' in srv.log_text(),
                         what="the kick's log line")
        self.assertNotIn(sid, srv.log_text())


def without_meta(r):
    """What a client reads of an answer but the per-request meta."""
    doc = envelope(r)
    doc.pop("meta", None)
    return r.status, doc


def seconds(fn):
    start = time.monotonic()
    fn()
    return time.monotonic() - start


class DeadStorage(harness.WebServer):
    """A server whose S3 endpoint refuses every connection, on a copy of
    another server's state (so its conversation cache knows conversations
    that storage can no longer give)."""

    source = None  # the server whose chats3.db is copied

    def __init__(self, server, mode, build_dir, settings=None, env=None):
        settings = dict(settings, CHATS3_STORAGE="s3", CHATS3_S3_BUCKET="dead",
                        AWS_ENDPOINT_URL_S3="http://127.0.0.1:%d" % harness.free_port(),
                        AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")
        super().__init__(server, mode, build_dir, settings, env)

    def prepare_data_dir(self):
        src = sqlite3.connect(os.path.join(self.source.data_dir, "chats3.db"))
        dst = sqlite3.connect(os.path.join(self.data_dir, "chats3.db"))
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()


class NoExistenceOracle(WithServer):
    TRIES = 9

    SETTINGS = {"CHATS3_JOIN_RATE": "100000", "CHATS3_JOIN_FAILURES": "100000"}

    def assert_alike(self, srv, conv):
        known = lambda: join(srv, conv, "Guess", code=GUESS)
        unknown = lambda i: join(srv, {"conversationId": "nobody-%d-%d" % (i, time.time_ns()),
                                       "joinCode": GUESS}, "Guess")
        self.assertEqual(without_meta(known()), without_meta(unknown(0)))
        self.assertEqual(without_meta(known())[0], 403)
        # Timing: the medians of several tries, each unknown id a new one
        # (a note of an id asked before would be quicker still).
        t_known = statistics.median(seconds(known) for _ in range(self.TRIES))
        t_unknown = statistics.median(seconds(lambda: unknown(i)) for i in range(self.TRIES))
        self.assertLess(abs(t_unknown - t_known), 0.25, (t_known, t_unknown))

    def test_an_unknown_conversation_answers_as_a_wrong_code(self):
        self.assert_alike(self.srv, self.conv)

    @harness.sqlite_only
    def test_also_while_storage_is_down(self):
        DeadStorage.source = self.srv
        dead = own_server(self, self.SETTINGS, cls=DeadStorage)
        self.assert_alike(dead, self.conv)
        # The conversation's right code still joins: the cache has it.
        self.assertEqual(join(dead, self.conv, "Alice").status, 201)
        harness.wait_for(lambda: "answered as unknown" in dead.log_text(),
                         what="the log line of a lookup storage could not answer")


if __name__ == "__main__":
    unittest.main()
