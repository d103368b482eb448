"""Errors the web server makes itself (a body over its own limit, the relay
proxy with no relay behind it) answer under /api/ in the contract's JSON
envelope, as the programs' own errors do; other paths keep the server's
pages."""

import socket
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


SSE_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"X-Accel-Buffering: no\r\nConnection: close\r\n\r\n")
CONNECTED = b'retry: 3000\n\ndata: {"type":"system","data":"connected"}\n\n'


class RelayStream(unittest.TestCase):
    """The proxy passes the relay's stream on as it comes: the first event
    arrives while the relay still holds the stream open (no buffering until
    the answer ends), and only GET and HEAD go there."""

    def setUp(self):
        self.srv = harness.shared()
        self.addCleanup(harness.RelayStandIn(self.srv.data_dir, SSE_HEAD + CONNECTED, hold=True).close)

    def first_event(self):
        """The stream's bytes up to its first event, or None when the proxy
        answered 503 (lighttpd tries a relay it found down again after a
        second)."""
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            s.sendall(b"GET /api/v1/signaling?sessionId=x HTTP/1.1\r\nHost: t\r\n"
                      b"Accept: text/event-stream\r\nConnection: close\r\n\r\n")
            got = b""
            while b"connected" not in got:  # the socket's timeout is the deadline
                chunk = s.recv(65536)
                if not chunk and got.startswith(b"HTTP/1.1 503 "):
                    return None
                self.assertTrue(chunk, "the stream ended before its first event: %r" % got)
                got += chunk
            return got

    def test_an_event_passes_before_the_stream_ends(self):
        got = harness.wait_for(self.first_event, 5, "the proxy to reach the relay's stream")
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertRegex(head, rb"^HTTP/1.1 200 ")
        self.assertIn(b"text/event-stream", head)
        self.assertIn(b"retry: 3000", body)

    def test_post_still_goes_to_the_program(self):
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
