"""GET /api/v1/health and ?deep=1 through the web server (contract: Health)."""

import os
import re
import time
import unittest

import harness
from harness import envelope

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Health(unittest.TestCase):
    def setUp(self):
        self.srv = harness.shared()

    def test_liveness_answers_ok_in_the_envelope(self):
        r = self.srv.request("GET", "/api/v1/health")
        self.assertEqual(r.status, 200)
        doc = envelope(r)
        self.assertIs(doc["success"], True)
        self.assertEqual(doc["data"], {"status": "ok"})
        self.assertRegex(doc["meta"]["requestId"], UUID4)
        self.assertRegex(doc["meta"]["timestamp"], ISO_MS)

    def test_api_headers(self):
        r = self.srv.request("GET", "/api/v1/health")
        self.assertTrue(r.getheader("Content-Type").startswith("application/json"))
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
        self.assertTrue(r.getheader("Referrer-Policy"))
        self.assertEqual(r.getheader("Cache-Control"), "no-store")
        self.assertRegex(r.getheader("X-Request-Id"), UUID4)
        names = [k.lower() for k, _ in r.getheaders()]
        dups = sorted(n for n in set(names) if names.count(n) > 1)
        self.assertEqual(dups, [], r.getheaders())

    def test_each_request_gets_its_own_id(self):
        ids = {self.srv.request("GET", "/api/v1/health").getheader("X-Request-Id") for _ in range(5)}
        self.assertEqual(len(ids), 5)

    @harness.sqlite_only
    def test_deep_checks_the_database_and_storage(self):
        self.addCleanup(harness.RelayStandIn(self.srv.data_dir, harness.relay_health_answer()).close)
        r = self.srv.request("GET", "/api/v1/health?deep=1")
        self.assertEqual(r.status, 200)
        doc = envelope(r)
        self.assertEqual(doc["data"]["status"], "ok")
        self.assertEqual(doc["data"]["checks"]["database"], "ok")
        self.assertEqual(doc["data"]["checks"]["storage"], "ok")
        self.assertTrue(os.path.exists(os.path.join(self.srv.data_dir, "chats3.db")))

    def test_deep_with_a_bad_value_is_a_validation_error(self):
        r = self.srv.request("GET", "/api/v1/health?deep=maybe")
        self.assertEqual(r.status, 400)
        doc = envelope(r)
        self.assertIs(doc["success"], False)
        self.assertEqual(doc["details"][0]["field"], "deep")

    def test_malformed_query_string_is_400(self):
        r = self.srv.request("GET", "/api/v1/health?deep=%zz")
        self.assertEqual(r.status, 400)
        self.assertIs(envelope(r)["success"], False)

    def test_head_has_headers_and_no_body(self):
        r = self.srv.request("HEAD", "/api/v1/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertRegex(r.getheader("X-Request-Id"), UUID4)

    def test_post_is_405_with_allow(self):
        r = self.srv.request("POST", "/api/v1/health", body=b"{}",
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 405)
        allow = [m.strip() for m in r.getheader("Allow").split(",")]
        self.assertEqual(sorted(allow), ["GET", "HEAD"])
        self.assertIs(envelope(r)["success"], False)

    def test_each_request_is_logged_once_with_id_status_and_time(self):
        r = self.srv.request("GET", "/api/v1/health?deep=1")
        rid = r.getheader("X-Request-Id")
        # The program may write its line after the answer has left.
        lines = harness.wait_for(
            lambda: [l for l in self.srv.log_text().splitlines() if "id=" + rid in l],
            what=lambda: "the log line of request %s in:\n%s" % (rid, self.srv.log_tail()))
        self.assertEqual(len(lines), 1, self.srv.log_tail())
        self.assertRegex(lines[0], r'method="GET" path="/api/v1/health" status=200 us=\d+')


class DeepHealthRelay(unittest.TestCase):
    """The relay answering its /health is "ok"; not running, failing or too
    slow is "error", and the service "degraded" but up (200): messages are
    still sent and stored, and clients poll for them."""

    def setUp(self):
        self.srv = harness.shared()

    def deep(self):
        r = self.srv.request("GET", "/api/v1/health?deep=1")
        self.assertEqual(r.status, 200, r.body)
        return envelope(r)["data"]

    def test_a_relay_answering_is_ok(self):
        self.addCleanup(harness.RelayStandIn(self.srv.data_dir, harness.relay_health_answer()).close)
        data = self.deep()
        self.assertEqual(data["checks"]["relay"], "ok")
        self.assertEqual(data["status"], "ok")

    def assert_degraded(self):
        data = self.deep()
        self.assertEqual(data["checks"], {"database": "ok", "storage": "ok", "relay": "error"})
        self.assertEqual(data["status"], "degraded")

    def test_no_relay_is_degraded(self):
        self.assert_degraded()

    def test_a_relay_failing_or_hanging_is_degraded(self):
        for answer in (harness.relay_health_answer(503), None):
            standin = harness.RelayStandIn(self.srv.data_dir, answer)
            try:
                started = time.monotonic()
                self.assert_degraded()
                self.assertLess(time.monotonic() - started, 3)
            finally:
                standin.close()


class BrokenDatabase(harness.WebServer):
    def prepare_data_dir(self):
        os.makedirs(os.path.join(self.data_dir, "chats3.db"))  # cannot be opened as a file


class BrokenStorage(harness.WebServer):
    """fs: a file where the storage root should be; s3: a missing bucket."""

    def __init__(self, server, mode, build_dir, settings=None, env=None):
        if settings.get("CHATS3_STORAGE") == "s3":
            settings = dict(settings, CHATS3_S3_BUCKET="no-such-bucket-here")
        super().__init__(server, mode, build_dir, settings, env)

    def prepare_data_dir(self):
        with open(os.path.join(self.data_dir, "objects"), "w") as f:
            f.write("a file where the storage root should be")


class DeepHealthFailure(unittest.TestCase):
    def assert_failing_check(self, cls, failing, working):
        srv = harness.new_server(cls=cls)
        try:
            r = srv.request("GET", "/api/v1/health?deep=1")
            self.assertEqual(r.status, 503)
            self.assertTrue(r.getheader("Retry-After"))
            doc = envelope(r)
            self.assertIs(doc["success"], False)
            self.assertEqual(doc["data"]["checks"][failing], "error")
            self.assertEqual(doc["data"]["checks"][working], "ok")
            self.assertNotIn("sqlite", r.body.decode().lower())
            self.assertNotIn("objects", r.body.decode().lower())
            self.assertNotIn("bucket", r.body.decode().lower())
            # Liveness depends on neither.
            self.assertEqual(srv.request("GET", "/api/v1/health").status, 200)
        finally:
            srv.stop()

    @harness.sqlite_only
    def test_unusable_database_gives_503_naming_the_check(self):
        self.assert_failing_check(BrokenDatabase, "database", "storage")

    def test_unusable_storage_gives_503_naming_the_check(self):
        self.assert_failing_check(BrokenStorage, "storage", "database")
