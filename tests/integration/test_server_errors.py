"""Errors the web server makes itself (a body over its own limit, the relay
proxy with no relay behind it) answer under /api/ in the contract's JSON
envelope, as the programs' own errors do; other paths keep the server's
pages."""

import unittest

import harness
from harness import envelope

JSON = {"Content-Type": "application/json"}
UPLOAD_LIMIT = 1024  # the web server then takes bodies up to 1 MiB + 1 KiB


def server_failure(test, r, status):
    """r is the envelope of a failure with status, from a program."""
    test.assertEqual(r.status, status, r.body[:300])
    test.assertTrue(r.getheader("Content-Type", "").startswith("application/json"),
                    r.getheaders())
    doc = envelope(r)
    test.assertIs(doc["success"], False)
    test.assertTrue(doc["message"])
    test.assertRegex(doc["meta"]["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    return doc


class BodyOverTheServerLimit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_is_a_json_413_on_api_paths(self):
        body = b"x" * (2 * 1024 * 1024)
        for path in ("/api/v1/messages", "/api/v1/join", "/api/v1/no-such-route"):
            r = self.srv.request("POST", path, body=body, headers=JSON)
            server_failure(self, r, 413)

    def test_is_a_json_413_also_without_content_length(self):
        chunks = (b"x" * 65536 for _ in range(32))  # sent chunked
        r = self.srv.request("POST", "/api/v1/join", body=chunks, headers=JSON)
        server_failure(self, r, 413)

    def test_bodies_under_it_still_reach_the_programs(self):
        r = self.srv.request("POST", "/api/v1/join", body=b"{}", headers=JSON)
        doc = server_failure(self, r, 400)
        self.assertIn("displayName", [d["field"] for d in doc["details"]])


class RelayNotRunning(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def test_signaling_stream_is_a_json_503_with_retry_after(self):
        for query in ("", "?sessionId=" + "0" * 64):
            r = self.srv.request("GET", "/api/v1/signaling" + query)
            server_failure(self, r, 503)
            self.assertGreaterEqual(int(r.getheader("Retry-After")), 1)

    def test_other_methods_do_not_go_to_the_relay(self):
        # POST is the signaling program's: its 401, not the proxy's 503.
        r = self.srv.request("POST", "/api/v1/signaling", body=b"{}", headers=JSON)
        server_failure(self, r, 401)


class OutsideTheApi(unittest.TestCase):
    def test_the_servers_own_pages_stay(self):
        srv = harness.shared()
        r = srv.request("GET", "/no-such-page.html")
        self.assertEqual(r.status, 404)
        self.assertFalse(r.getheader("Content-Type", "").startswith("application/json"),
                         r.getheaders())
        self.assertIsNone(r.getheader("X-Request-Id"))


if __name__ == "__main__":
    unittest.main()
