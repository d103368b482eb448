"""Several hosts as one (issue 20): two full stacks, A and B (each its own
lighttpd, programs, data directory and port), on one redis-server and one
s3rver (tests/redis/run.py own runs with S3 storage). What one host did is
in force on the other at once: sessions, rate limits, ticket nonces, close
and join-code rotation, and the messages, in sending order."""

import time
import unittest

import harness
import redis_server
from embed_tickets import integrators_file, signed_path, ticket_doc
from harness import envelope
from test_session import ADMIN, join, new_conversation, post_json

WRITE_RATE = 6


class TwoHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = redis_server.started(cls.addClassCleanup)
        settings = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_REDIS_URL": cls.redis.url(),
                    "CHATS3_WRITE_RATE": str(WRITE_RATE), "CHATS3_JOIN_RATE": "100000",
                    "CHATS3_INTEGRATORS_FILE": integrators_file(cls)}
        cls.a = harness.new_server(settings)
        cls.addClassCleanup(cls.a.stop)
        cls.b = harness.new_server(settings)
        cls.addClassCleanup(cls.b.stop)

    def joined(self, srv, conv, name, code=None):
        r = join(srv, conv, name, code)
        self.assertEqual(r.status, 201, r.body)
        return {"x-session-id": envelope(r)["data"]["session"]["sessionId"]}

    def send(self, srv, sid, body):
        return post_json(srv, "/api/v1/messages", {"body": body}, sid)

    def admin(self, srv, conv, action):
        r = post_json(srv, "/api/v1/admin/conversations/%s/%s" % (conv["conversationId"], action),
                      {}, {"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        return envelope(r)["data"]["conversation"]

    def test_a_session_made_on_a_works_on_b(self):
        conv = new_conversation(self.a)
        sid = self.joined(self.a, conv, "Alice")
        r = self.b.request("GET", "/api/v1/session", headers=sid)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(envelope(r)["data"]["session"]["displayName"], "Alice")
        self.assertEqual(join(self.b, conv, "alice").status, 409)  # the name is taken on both
        self.assertEqual(post_json(self.b, "/api/v1/leave", {}, sid).status, 200)
        self.assertEqual(self.a.request("GET", "/api/v1/session", headers=sid).status, 401)

    def test_the_write_rate_counts_the_sends_of_both(self):
        conv = new_conversation(self.a)
        sid = self.joined(self.a, conv, "Writer")
        # one window of a minute (lib/ratelimit.h): wait for one with time left
        harness.wait_for(lambda: time.time() % 60 < 40, 41, "a fresh minute's window")
        hosts = [self.a, self.b] * WRITE_RATE
        statuses = [self.send(hosts[i], sid, "m%d" % i).status for i in range(WRITE_RATE)]
        self.assertEqual(statuses, [201] * WRITE_RATE)
        self.assertEqual(self.send(self.a, sid, "one too many").status, 429)
        self.assertEqual(self.send(self.b, sid, "one too many").status, 429)

    def test_a_ticket_used_on_a_is_refused_on_b(self):
        path = signed_path(ticket_doc("scaleout-ticket"))
        self.assertEqual(self.a.request("GET", path).status, 302)
        r = self.b.request("GET", path)
        self.assertEqual(r.status, 401, r.body)
        self.assertIn(b"Ticket already used", r.body)

    def test_a_close_on_a_is_in_force_on_b_at_once(self):
        conv = new_conversation(self.a)
        sid = self.joined(self.b, conv, "Bob")
        self.assertEqual(self.send(self.b, sid, "open").status, 201)
        self.admin(self.a, conv, "close")
        self.assertEqual(self.send(self.b, sid, "closed").status, 410)
        self.assertEqual(join(self.b, conv, "Carol").status, 410)

    def test_a_new_join_code_on_a_is_in_force_on_b_at_once(self):
        conv = new_conversation(self.a)
        code = self.admin(self.a, conv, "join-code")["joinCode"]
        self.assertEqual(join(self.b, conv, "Dora").status, 403)
        self.joined(self.b, conv, "Dora", code)

    def test_messages_sent_on_both_are_listed_on_each_in_sending_order(self):
        conv = new_conversation(self.a)
        hosts = [self.a, self.b]
        sids = [self.joined(self.a, conv, "Eve"), self.joined(self.b, conv, "Finn")]
        sent = []
        for i in range(WRITE_RATE):
            r = self.send(hosts[i % 2], sids[i % 2], "m%d" % i)
            self.assertEqual(r.status, 201, r.body)
            sent.append(envelope(r)["data"]["message"]["messageId"])
        for srv in hosts:
            r = srv.request("GET", "/api/v1/messages?limit=50", headers=sids[0])
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual([m["messageId"] for m in envelope(r)["data"]["messages"]], sent)
