"""What only the Redis state shows (issue 20): a Redis that stops or hangs
mid-run answers 503 with Retry-After in the envelope, within the
backend's timeout and never as a wrong answer (a 401 for a session that
exists, a 403 for a conversation that exists); once it is back everything
works again and nothing answered 201 is lost."""

import time
import unittest

import harness
import redis_server
from harness import envelope
from test_session import ADMIN, join, new_conversation, post_json

PATIENCE = 5  # seconds an answer may take while Redis is away (its timeout is 1 s)


class RedisAway(unittest.TestCase):
    def setUp(self):
        self.redis = redis_server.started(self.addCleanup)
        self.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN,
                                       "CHATS3_REDIS_URL": self.redis.url()})
        self.addCleanup(self.srv.stop)
        self.conv = new_conversation(self.srv)
        r = join(self.srv, self.conv, "Alice")
        self.assertEqual(r.status, 201, r.body)
        self.sid = {"x-session-id": envelope(r)["data"]["session"]["sessionId"]}

    def send(self, body):
        return post_json(self.srv, "/api/v1/messages", {"body": body}, self.sid)

    def assert_unavailable(self, r, t0):
        self.assertLess(time.monotonic() - t0, PATIENCE, "an answer while Redis is away")
        self.assertEqual(r.status, 503, r.body)
        self.assertTrue(r.getheader("Retry-After"))
        doc = envelope(r)
        self.assertIs(doc["success"], False)

    def every_route_unavailable(self):
        for request in (lambda: self.srv.request("GET", "/api/v1/session", headers=self.sid),
                        lambda: self.send("while away"),
                        lambda: join(self.srv, self.conv, "Bob")):
            t0 = time.monotonic()
            self.assert_unavailable(request(), t0)
        t0 = time.monotonic()
        r = self.srv.request("GET", "/api/v1/health?deep=1")
        self.assert_unavailable(r, t0)
        self.assertEqual(envelope(r)["data"]["checks"]["database"], "error")
        self.assertEqual(self.srv.request("GET", "/api/v1/health").status, 200)

    def history_ids(self):
        r = self.srv.request("GET", "/api/v1/messages?limit=50", headers=self.sid)
        self.assertEqual(r.status, 200, r.body)
        return [m["messageId"] for m in envelope(r)["data"]["messages"]]

    def session_answers(self):
        return self.srv.request("GET", "/api/v1/session", headers=self.sid).status == 200

    def test_a_stopped_redis_is_503_then_everything_is_back(self):
        r = self.send("before")
        self.assertEqual(r.status, 201, r.body)
        before = envelope(r)["data"]["message"]["messageId"]
        self.redis.stop(save=True)  # as a Redis with persistence restarts
        self.every_route_unavailable()
        self.redis.start()
        harness.wait_for(self.session_answers, 10, "the session to answer again")
        r = self.send("after")
        self.assertEqual(r.status, 201, r.body)
        after = envelope(r)["data"]["message"]["messageId"]
        self.assertEqual(self.history_ids(), [before, after])

    def test_a_hung_redis_is_503_within_the_timeout(self):
        r = self.send("before")
        self.assertEqual(r.status, 201, r.body)
        before = envelope(r)["data"]["message"]["messageId"]
        self.redis.pause()
        try:
            self.every_route_unavailable()
        finally:
            self.redis.resume()
        harness.wait_for(self.session_answers, 10, "the session to answer again")
        self.assertEqual(self.history_ids()[0], before)
        self.assertEqual(self.send("after").status, 201)
