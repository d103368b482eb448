"""Bad input gets a clear 4xx in the envelope, never a 5xx or a hang:
unknown routes (404), wrong methods (405), wrong content types (415),
oversized bodies (413), malformed JSON (400). JSON route checks are shown
on the test fixture POST /_test/echo, which shares dispatch with every
program."""

import json
import random
import unittest

import harness
from harness import envelope, TEST_ROUTE

JSON = {"Content-Type": "application/json"}


class UnknownRoutes(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def test_unknown_api_routes_are_404_envelopes(self):
        for method, path in [("GET", "/api/v1/nope"), ("GET", "/api/v1"),
                             ("GET", "/api/v1/"), ("POST", "/api/v1/nope/deeper"),
                             ("GET", "/api/v1/healthz"), ("GET", "/api/v1/health/extra"),
                             ("DELETE", "/api/v1/admin/nope")]:
            r = self.srv.request(method, path)
            self.assertEqual(r.status, 404, (method, path))
            doc = envelope(r)
            self.assertIs(doc["success"], False)
            self.assertTrue(doc["message"])
            self.assertEqual(r.getheader("Cache-Control"), "no-store")

    def test_wrong_method_on_a_json_route_is_405(self):
        r = self.srv.request("GET", TEST_ROUTE)
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "POST")
        self.assertIs(envelope(r)["success"], False)

    def test_static_files_are_served_with_safety_headers(self):
        r = self.srv.request("GET", "/robots.txt")
        self.assertEqual(r.status, 200)
        self.assertIn(b"Disallow: /api/", r.body)
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        for path in ("/index.html",):  # "/" goes to /join (test_pages)
            r = self.srv.request("GET", path)
            self.assertEqual(r.status, 200)
            self.assertIn(b"/api/v1/health", r.body)
            self.assertIn("frame-ancestors", r.getheader("Content-Security-Policy") or "")
            self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")


class JsonRoutes(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def post(self, body, headers=JSON):
        return self.srv.request("POST", TEST_ROUTE, body=body, headers=headers)

    def test_valid_json_reaches_the_handler(self):
        sent = {"text": "h\u00e9llo <b>\"x\"</b> \U0001F600", "n": [1, 2.5, None, True]}
        r = self.post(json.dumps(sent).encode())
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(envelope(r)["data"]["echo"], sent)

    def test_content_type_parameters_are_accepted(self):
        r = self.post(b'{"a":1}', {"Content-Type": "Application/JSON; charset=utf-8"})
        self.assertEqual(r.status, 200, r.body)

    def test_wrong_or_missing_content_type_is_415(self):
        for headers in [{"Content-Type": "text/plain"}, {},
                        {"Content-Type": "application/x-www-form-urlencoded"},
                        {"Content-Type": "application/jsonx"}]:
            r = self.post(b'{"a":1}', headers)
            self.assertEqual(r.status, 415, headers)
            self.assertIs(envelope(r)["success"], False)

    def test_malformed_json_is_400(self):
        for body in [b"", b"{", b'{"a":}', b"[1,2", b'{"a":1} trailing', b"nul",
                     b'{"a":"\xff\xfe"}', b'"\xed\xa0\x80"', b"[" * 100 + b"]" * 100,
                     b"\x00", b'{"a":1}\x00']:
            r = self.post(body)
            self.assertEqual(r.status, 400, body[:40])
            doc = envelope(r)
            self.assertIs(doc["success"], False)
            self.assertTrue(doc["message"])

    def test_body_over_the_json_cap_is_413(self):
        r = self.post(b'{"a":"' + b"x" * (64 * 1024) + b'"}')
        self.assertEqual(r.status, 413)
        self.assertIs(envelope(r)["success"], False)

    def test_megabyte_body_is_413_from_the_program(self):
        r = self.post(b"[" + b"1," * (512 * 1024) + b"1]")
        self.assertEqual(r.status, 413)
        self.assertIs(envelope(r)["success"], False)

    def test_answer_survives_a_body_the_program_does_not_read(self):
        # A 405 is decided before the body is read; under CGI the program
        # must still consume it or some servers (mod_cgid) lose the answer.
        for size in (200 * 1024, 1024 * 1024):
            r = self.srv.request("POST", "/api/v1/health", body=b"x" * size, headers=JSON)
            self.assertEqual(r.status, 405, size)
            self.assertIs(envelope(r)["success"], False)

    def test_body_over_the_server_limit_is_413(self):
        r = self.post(b"x" * (12 * 1024 * 1024))
        self.assertEqual(r.status, 413)


class Garbage(unittest.TestCase):
    """Odd requests: every answer is below 500 and arrives in time."""

    def test_random_requests_never_get_5xx(self):
        srv = harness.shared()
        rnd = random.Random(1234)
        paths = ["/api/v1/health", "/api/v1/%00", "/api/v1/health%2F..", "/api/v1//health",
                 "/api/v1/health?%", "/api/v1/health?deep=1&deep=0", "/api/v1/health?" + "a=1&" * 200,
                 "/api/v1/health?" + "x" * 6000, TEST_ROUTE, TEST_ROUTE + "?q=%ff", "/api/v1/%C3%A9", "/api/v1/health/%2e%2e/x"]
        for _ in range(60):
            method = rnd.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
            path = rnd.choice(paths)
            body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 300)))
            ctype = rnd.choice(["application/json", "text/plain", "multipart/form-data", ""])
            headers = {"Content-Type": ctype} if ctype else {}
            headers["Cookie"] = rnd.choice(["sessionId=abc", "a=b; ;; =x; sessionId", "\"" * 10])
            r = srv.request(method, path, body=body, headers=headers)
            self.assertLess(r.status, 500, (method, path, body[:30], r.body[:200]))
