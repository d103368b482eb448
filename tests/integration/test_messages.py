"""Messages through the web server (contract: Messages): sending with its
validation and idempotency, history pages and catch-up, the write rate
limit, the new-message event, and the admin's system messages and export."""

import json
import os
import socket
import sqlite3
import threading
import time
import unittest
import urllib.parse

import harness
from harness import envelope
from test_session import (ADMIN, UUID4, WithAdminServer, bind_relay, detail_fields, failure,
                          join, new_conversation, post_json)

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}


def joined(test, srv, conv, name):
    r = join(srv, conv, name)
    test.assertEqual(r.status, 201, r.body)
    return envelope(r)["data"]["session"]


def send(srv, who, doc, headers=None):
    return post_json(srv, "/api/v1/messages", doc,
                     dict({"x-session-id": who["sessionId"]}, **(headers or {})))


def read(srv, who, query=""):
    r = srv.request("GET", "/api/v1/messages" + query, headers={"x-session-id": who["sessionId"]})
    return r


def history(test, srv, who):
    """Every message of the conversation, oldest first, through before cursors."""
    pages, cursor = [], None
    while True:
        r = read(srv, who, "?limit=200" + ("&before=" + cursor if cursor else ""))
        test.assertEqual(r.status, 200, r.body)
        data = envelope(r)["data"]
        pages.insert(0, data["messages"])
        cursor = data["nextCursor"]
        if cursor is None:
            return [m for p in pages for m in p]


class Messages(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.me = joined(self, self.srv, self.conv, "Alice")

    def sent(self, body, status=201, **extra):
        r = send(self.srv, self.me, dict({"body": body}, **extra))
        self.assertEqual(r.status, status, r.body)
        return envelope(r)["data"]["message"]

    def test_round_trip_keeps_text_unchanged(self):
        body = 'Grüße, 世界 😀👍🏽 <script>alert("x")</script> & \'q\' "dq"\nline\ttab'
        m = self.sent(body, clientTimestamp="2026-01-02T03:04:05.678Z")
        self.assertEqual(m["body"], body)
        self.assertEqual(m["type"], "text")
        self.assertEqual(m["senderUserId"], self.me["userId"])
        self.assertEqual(m["senderDisplayName"], "Alice")
        self.assertEqual(m["senderRole"], "user")
        self.assertEqual(m["clientTimestamp"], "2026-01-02T03:04:05.678Z")
        self.assertRegex(m["messageId"], UUID4)
        got = envelope(read(self.srv, self.me))["data"]["messages"]
        self.assertEqual(got, [m])

    def test_control_characters_are_removed(self):
        m = self.sent("a\u0001b\u007fc\u0085d\ne")
        self.assertEqual(m["body"], "abcd\ne")

    def test_4000_multibyte_characters_are_accepted(self):
        self.assertEqual(self.sent("😀" * 4000)["body"], "😀" * 4000)
        self.assertEqual(self.sent("é" * 4000)["body"], "é" * 4000)

    def assert_invalid(self, doc, fields, headers=None):
        doc_ = failure(self, send(self.srv, self.me, doc, headers), 400)
        self.assertEqual(detail_fields(doc_), fields, doc_)

    def test_validation_errors_name_each_field(self):
        self.assert_invalid({"body": ""}, ["body"])
        self.assert_invalid({"body": "  \n\t "}, ["body"])
        self.assert_invalid({"body": "\u0001\u0002"}, ["body"])
        self.assert_invalid({"body": "x" * 4001}, ["body"])
        self.assert_invalid({}, ["body"])
        self.assert_invalid({"body": 5}, ["body"])
        self.assert_invalid({"body": "hi", "clientTimestamp": "yesterday"}, ["clientTimestamp"])
        self.assert_invalid({"body": "hi", "clientTimestamp": 12}, ["clientTimestamp"])
        self.assert_invalid({"body": ["x"], "clientMessageId": 7}, ["body", "clientMessageId"])
        self.assert_invalid({"body": "hi"}, ["Idempotency-Key"], {"Idempotency-Key": "a" * 129})
        self.assertEqual(envelope(read(self.srv, self.me))["data"]["messages"], [])

    def test_without_session_is_401(self):
        failure(self, post_json(self.srv, "/api/v1/messages", {"body": "hi"}), 401)
        failure(self, self.srv.request("GET", "/api/v1/messages"), 401)

    def test_closed_conversation_is_410(self):
        r = self.srv.request("POST", "/api/v1/admin/conversations/%s/close"
                             % self.conv["conversationId"], headers=ADMIN_AUTH)
        self.assertEqual(r.status, 200, r.body)
        failure(self, send(self.srv, self.me, {"body": "late"}), 410)

    def test_120_messages_page_through_exactly_once(self):
        sent = [self.sent("m%d" % i)["messageId"] for i in range(120)]
        seen, cursor = [], None
        while True:
            q = "?limit=50" + ("&before=" + cursor if cursor else "")
            data = envelope(read(self.srv, self.me, q))["data"]
            self.assertLessEqual(len(data["messages"]), 50)
            seen = data["messages"] + seen
            cursor = data["nextCursor"]
            if cursor is None:
                break
        # Messages of one millisecond are ordered by key, not sending order.
        self.assertEqual(sorted(m["messageId"] for m in seen), sorted(sent))
        times = [m["serverReceivedAt"] for m in seen]
        self.assertEqual(times, sorted(times))

    def test_since_catches_up(self):
        for i in range(5):
            self.sent("c%d" % i)
        # History order (messages of one millisecond go by key).
        ids = [m["messageId"] for m in history(self, self.srv, self.me)]
        self.assertEqual(len(ids), 5)
        data = envelope(read(self.srv, self.me, "?since=" + ids[1]))["data"]
        self.assertEqual([m["messageId"] for m in data["messages"]], ids[2:])
        self.assertIs(data["hasMore"], False)
        data = envelope(read(self.srv, self.me, "?since=%s&limit=2" % ids[0]))["data"]
        self.assertEqual([m["messageId"] for m in data["messages"]], ids[1:3])
        self.assertIs(data["hasMore"], True)
        data = envelope(read(self.srv, self.me, "?since=" + ids[4]))["data"]
        self.assertEqual(data["messages"], [])

    def test_bad_queries_are_400_with_details(self):
        for q, field in (("?limit=0", "limit"), ("?limit=201", "limit"), ("?limit=x", "limit"),
                         ("?before=nonsense", "before"), ("?since=nope", "since")):
            doc = failure(self, read(self.srv, self.me, q), 400)
            self.assertEqual(detail_fields(doc), [field], q)

    def test_same_client_message_id_is_stored_once(self):
        first = self.sent("once", clientMessageId="k-1")
        again = self.sent("once", status=200, clientMessageId="k-1")
        self.assertEqual(again, first)
        r = send(self.srv, self.me, {"body": "hdr"}, {"Idempotency-Key": "h-1"})
        self.assertEqual(r.status, 201, r.body)
        r2 = send(self.srv, self.me, {"body": "hdr"}, {"Idempotency-Key": "h-1"})
        self.assertEqual(r2.status, 200, r2.body)
        self.assertEqual(envelope(r2)["data"], envelope(r)["data"])
        bodies = [m["body"] for m in history(self, self.srv, self.me)]
        self.assertEqual(bodies, ["once", "hdr"])

    def test_another_user_may_use_the_same_key(self):
        other = joined(self, self.srv, self.conv, "Bob")
        self.sent("mine", clientMessageId="shared")
        r = send(self.srv, other, {"body": "theirs", "clientMessageId": "shared"})
        self.assertEqual(r.status, 201, r.body)

    def test_racing_requests_with_one_key_store_one_message(self):
        results = []

        def go():
            results.append(send(self.srv, self.me, {"body": "race", "clientMessageId": "race-1"}))
        threads = [threading.Thread(target=go) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] * 5 + [201], [r.body for r in results])
        ids = {envelope(r)["data"]["message"]["messageId"] for r in results}
        self.assertEqual(len(ids), 1)
        self.assertEqual(len(history(self, self.srv, self.me)), 1)

    @harness.sqlite_only
    def test_a_twin_of_a_stuck_send_gets_409_and_retry_after_within_a_second(self):
        # A send that holds its key without finishing (its process died
        # mid-write): a twin is not held for seconds.
        db = sqlite3.connect(os.path.join(self.srv.data_dir, "chats3.db"), timeout=10)
        with db:
            now = int(time.time() * 1000)
            db.execute("INSERT INTO idempotency (user_id, key, message, created_at, expires_at) "
                       "VALUES (?, 'stuck-1', NULL, ?, ?)", (self.me["userId"], now, now + 300000))
        start = time.monotonic()
        r = send(self.srv, self.me, {"body": "twin", "clientMessageId": "stuck-1"})
        elapsed = time.monotonic() - start
        failure(self, r, 409)
        self.assertEqual(r.getheader("Retry-After"), "1")
        self.assertLess(elapsed, 1.0)
        with db:
            db.execute("DELETE FROM idempotency WHERE key = 'stuck-1'")
        db.close()
        self.sent("twin", clientMessageId="stuck-1")
        self.assertEqual([m["body"] for m in history(self, self.srv, self.me)], ["twin"])


class WriteRateLimit(unittest.TestCase):
    def test_sends_over_the_limit_get_429_with_retry_after(self):
        srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_WRITE_RATE": "3"})
        try:
            conv = new_conversation(srv)
            me = joined(self, srv, conv, "Fast")
            rs = [send(srv, me, {"body": "m"}) for _ in range(7)]
            statuses = [r.status for r in rs]
            self.assertEqual(statuses[:3], [201] * 3)
            # 7 quick sends meet at most two windows: one of them gets 4 or more.
            self.assertIn(429, statuses)
            r = rs[statuses.index(429)]
            failure(self, r, 429)
            self.assertTrue(1 <= int(r.getheader("Retry-After")) <= 60)
        finally:
            srv.stop()


class NewMessageEvent(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.relay = bind_relay(self, self.srv)

    def test_a_sent_message_is_published(self):
        me = joined(self, self.srv, self.conv, "Pub")
        r = send(self.srv, me, {"body": "event"})
        self.assertEqual(r.status, 201, r.body)
        m = envelope(r)["data"]["message"]
        doc = json.loads(harness.next_datagram(self.relay, "the new-message event on the relay socket",
                                              skip=("peer-join",)))
        self.assertEqual(doc["conversationId"], self.conv["conversationId"])
        self.assertEqual(doc["event"]["type"], "new-message")
        self.assertEqual(doc["event"]["fromUserId"], me["userId"])
        self.assertEqual(doc["event"]["data"], m)


class MessageConcurrency(WithAdminServer):
    def test_10_clients_send_100_each_in_parallel(self):
        conv = new_conversation(self.srv)
        who = [joined(self, self.srv, conv, "C%d" % i) for i in range(10)]
        bad = []

        def client(i):
            for k in range(100):
                r = send(self.srv, who[i], {"body": "%d-%d" % (i, k)})
                if r.status != 201:
                    bad.append((r.status, r.body))
        threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(bad, [])
        bodies = [m["body"] for m in history(self, self.srv, who[0])]
        self.assertEqual(len(bodies), 1000)
        self.assertEqual(set(bodies), {"%d-%d" % (i, k) for i in range(10) for k in range(100)})


class AdminMessages(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.cid = self.conv["conversationId"]
        self.me = joined(self, self.srv, self.conv, "Reader")

    def admin(self, method, tail, doc=None):
        path = "/api/v1/admin/conversations/%s%s" % (self.cid, tail)
        if doc is not None:
            return post_json(self.srv, path, doc, ADMIN_AUTH)
        return self.srv.request(method, path, headers=ADMIN_AUTH)

    def test_system_message_is_stored_and_seen(self):
        r = self.admin("POST", "/messages", {"body": "Maintenance at <b>noon</b>"})
        self.assertEqual(r.status, 201, r.body)
        m = envelope(r)["data"]["message"]
        self.assertEqual((m["type"], m["senderRole"]), ("system", "system"))
        self.assertEqual(m["body"], "Maintenance at <b>noon</b>")
        self.assertEqual(history(self, self.srv, self.me), [m])
        doc = failure(self, self.admin("POST", "/messages", {"body": ""}), 400)
        self.assertEqual(detail_fields(doc), ["body"])
        failure(self, post_json(self.srv, "/api/v1/admin/conversations/%s/messages" % self.cid,
                                {"body": "x"}), 401)
        self.cid = "no-such-conversation"
        failure(self, self.admin("POST", "/messages", {"body": "x"}), 404)

    def test_export_is_ndjson_oldest_first(self):
        bodies = ["e%d" % i for i in range(30)]
        for b in bodies:
            self.assertEqual(send(self.srv, self.me, {"body": b}).status, 201)
        r = self.admin("GET", "/export")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.getheader("Content-Type").startswith("application/x-ndjson"))
        lines = r.body.decode().splitlines()
        got = [json.loads(line) for line in lines]
        self.assertEqual(got, history(self, self.srv, self.me))
        self.assertEqual(sorted(m["body"] for m in got), sorted(bodies))
        times = [m["serverReceivedAt"] for m in got]
        self.assertEqual(times, sorted(times))
        head = self.admin("HEAD", "/export")
        self.assertEqual((head.status, head.body), (200, b""))
        self.cid = "no-such-conversation"
        failure(self, self.admin("GET", "/export"), 404)

    def test_close_stores_a_system_message_once(self):
        self.assertEqual(self.admin("POST", "/close").status, 200)
        self.assertEqual(self.admin("POST", "/close").status, 200)
        got = history(self, self.srv, self.me)
        self.assertEqual([(m["type"], m["body"]) for m in got],
                         [("system", "Conversation closed")])


class Switch:
    """A TCP forwarder to the run's s3rver that the test turns off (every
    connection refused or cut) and on again: storage that goes away."""

    def __init__(self, target):
        self.target = target
        self.lock = threading.Lock()
        self.conns = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(64)
        self.on = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            if not self.on:
                c.close()
                continue
            try:
                u = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def turn(self, on):
        self.on = on
        if not on:
            with self.lock:
                conns, self.conns = self.conns, []
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.turn(False)
        self.listener.close()


class StorageDownCase:
    """With the S3 server away a send is 503 and stores nothing; the same
    clientMessageId once it is back stores the message exactly once. Runs
    with --storage s3 only (the runner counts a skip as a failure)."""

    def setUp(self):
        settings = harness._storage_settings()
        url = urllib.parse.urlsplit(settings.get("AWS_ENDPOINT_URL_S3")
                                    or settings["AWS_ENDPOINT_URL"])
        self.switch = Switch((url.hostname, url.port))
        self.addCleanup(self.switch.close)
        proxy = "http://127.0.0.1:%d" % self.switch.port
        self.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "AWS_ENDPOINT_URL": proxy,
                                       "AWS_ENDPOINT_URL_S3": proxy})
        self.addCleanup(self.srv.stop)

    def test_send_is_503_then_stored_once_after_recovery(self):
        conv = new_conversation(self.srv)
        me = joined(self, self.srv, conv, "Patient")
        self.switch.turn(False)
        # The programs retry S3 for their budget (10 s) before giving up.
        r = send(self.srv, me, {"body": "later", "clientMessageId": "down-1"})
        failure(self, r, 503)
        self.assertTrue(r.getheader("Retry-After"))
        self.switch.turn(True)
        r = send(self.srv, me, {"body": "later", "clientMessageId": "down-1"})
        self.assertEqual(r.status, 201, r.body)
        r2 = send(self.srv, me, {"body": "later", "clientMessageId": "down-1"})
        self.assertEqual(r2.status, 200, r2.body)
        self.assertEqual([m["body"] for m in history(self, self.srv, me)], ["later"])



if harness.CONFIG.get("storage") == "s3":
    class StorageDown(StorageDownCase, unittest.TestCase):
        pass

if __name__ == "__main__":
    unittest.main()
