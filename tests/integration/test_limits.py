"""Issue 19, the last of its abuse list: a budget of history reads per
session (CHATS3_READ_BUDGET storage reads per CHATS3_READ_WINDOW_SECONDS),
the participants list and the admin's sessions list in pages, and
?sessionId= only where the contract takes it (the event stream and a
download)."""

import socket
import time
import unittest

import harness
from harness import envelope
from test_attachments import BOUNDARY, post_upload, upload_body
from test_session import ADMIN, JSON, failure, join, new_conversation, post_json

READ_BUDGET = 10
READ_WINDOW = 4  # seconds


def session_of(test, srv, conv, name):
    """The x-session-id header of a new session of conv named name."""
    r = join(srv, conv, name)
    test.assertEqual(r.status, 201, r.body)
    return {"x-session-id": envelope(r)["data"]["session"]["sessionId"]}


def send(test, srv, who, body):
    """Sends body as who; returns the message's id."""
    r = post_json(srv, "/api/v1/messages", {"body": body}, who)
    test.assertEqual(r.status, 201, r.body)
    return envelope(r)["data"]["message"]["messageId"]


def within_one_read_window(seconds):
    """Waits until the read budget's window (READ_WINDOW seconds of the
    clock, counted from the epoch) has seconds left."""
    harness.wait_for(lambda: time.time() % READ_WINDOW < READ_WINDOW - seconds,
                     timeout=READ_WINDOW, what="a read window with %g s left" % seconds)


class ReadBudget(unittest.TestCase):
    """READ_BUDGET storage reads per session and READ_WINDOW seconds."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN,
                                      "CHATS3_READ_BUDGET": str(READ_BUDGET),
                                      "CHATS3_READ_WINDOW_SECONDS": str(READ_WINDOW)})
        cls.conv = new_conversation(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def history(self, who, query="limit=50"):
        return self.srv.request("GET", "/api/v1/messages?" + query, headers=who)

    def test_a_session_that_pages_hard_waits_and_the_others_do_not(self):
        conv = new_conversation(self.srv)
        hard, calm = (session_of(self, self.srv, conv, n) for n in ("Hard", "Calm"))
        for i in range(READ_BUDGET + 2):  # a batch object each
            send(self, self.srv, calm, "message %d" % i)
        within_one_read_window(3)
        first = self.history(hard)
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(len(envelope(first)["data"]["messages"]), READ_BUDGET + 2)
        r = self.history(hard)
        doc = failure(self, r, 429)
        self.assertIn("history", doc["message"])
        self.assertTrue(1 <= int(r.getheader("Retry-After")) <= READ_WINDOW,
                        r.getheader("Retry-After"))
        # Another session of the same conversation reads on.
        self.assertEqual(self.history(calm).status, 200)
        # Once the window is over, the first one reads again.
        harness.wait_for(lambda: self.history(hard).status == 200, timeout=READ_WINDOW + 2,
                         what="the read budget's next window")

    def test_a_catch_up_with_nothing_new_costs_nothing(self):
        """The web client polls since= while the relay is down: a poll
        that reads no stored object never spends the budget."""
        conv = new_conversation(self.srv)
        who = session_of(self, self.srv, conv, "Poller")
        last = send(self, self.srv, who, "the last one")
        within_one_read_window(3)
        statuses = [self.history(who, "since=" + last).status for _ in range(READ_BUDGET + 2)]
        self.assertEqual(statuses, [200] * (READ_BUDGET + 2))


class Paging(unittest.TestCase):
    """GET /api/v1/participants?limit=&cursor= (the next cursor in
    X-Next-Cursor, the body as the contract has it) and the admin's GET
    /conversations/<id>/sessions?limit=&cursor= (nextCursor in the body)."""

    NAMES = ["Ann", "Ben", "Cy", "Dee", "Eve"]

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.who = [session_of(self, self.srv, self.conv, n) for n in self.NAMES]

    def participants(self, query=""):
        return self.srv.request("GET", "/api/v1/participants" + query, headers=self.who[0])

    def whole_list(self):
        """The names of the list in one answer (oldest first; joins of one
        millisecond by their user ids), with no next cursor."""
        r = self.participants()
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNone(r.getheader("X-Next-Cursor"))
        return [p["displayName"] for p in envelope(r)["data"]["participants"]]

    def all_pages(self, limit, between=None):
        """The names of every page of limit participants, in order, and
        the number of pages; between(page) runs after each page."""
        names, query, pages = [], "?limit=%d" % limit, 0
        while True:
            r = self.participants(query)
            self.assertEqual(r.status, 200, r.body)
            page = envelope(r)["data"]["participants"]
            self.assertLessEqual(len(page), limit)
            names += [p["displayName"] for p in page]
            pages += 1
            if between:
                between(pages)
            cursor = r.getheader("X-Next-Cursor")
            if cursor is None:
                return names, pages
            query = "?limit=%d&cursor=%s" % (limit, cursor)

    def test_participants_page_in_the_lists_order(self):
        whole = self.whole_list()
        self.assertEqual(sorted(whole), self.NAMES)
        self.assertEqual(self.all_pages(2), (whole, 3))
        self.assertEqual(self.all_pages(5), (whole, 1))

    def test_whoever_leaves_between_pages_hides_nobody_else(self):
        whole = self.whole_list()
        second = self.who[self.NAMES.index(whole[1])]

        def second_leaves(page):
            if page == 1:
                r = self.srv.request("POST", "/api/v1/leave", headers=second)
                self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.all_pages(2, second_leaves)[0], whole)
        self.assertEqual(self.all_pages(2)[0], whole[:1] + whole[2:])

    def test_bad_limits_and_cursors_are_400(self):
        for query in ("?limit=0", "?limit=501", "?limit=x", "?cursor=x", "?cursor=1.not-a-uuid"):
            doc = failure(self, self.participants(query), 400)
            self.assertIn(query[1:query.index("=")], [d["field"] for d in doc["details"]])
        self.assertEqual(self.participants("?limit=500").status, 200)

    def test_admin_sessions_page(self):
        path = "/api/v1/admin/conversations/%s/sessions" % self.conv["conversationId"]
        admin = {"Authorization": "Bearer " + ADMIN}
        names, query = [], "?limit=2"
        while True:
            r = self.srv.request("GET", path + query, headers=admin)
            self.assertEqual(r.status, 200, r.body)
            data = envelope(r)["data"]
            self.assertLessEqual(len(data["sessions"]), 2)
            names += [s["displayName"] for s in data["sessions"]]
            if data["nextCursor"] is None:
                break
            query = "?limit=2&cursor=" + data["nextCursor"]
        data = envelope(self.srv.request("GET", path, headers=admin))["data"]
        self.assertEqual(([s["displayName"] for s in data["sessions"]], data["nextCursor"]),
                         (names, None))
        self.assertEqual(names, self.whole_list())
        failure(self, self.srv.request("GET", path + "?limit=501", headers=admin), 400)


def stream_head(srv, path):
    """The status line and headers of GET path, read as an EventSource
    would before the events (the stream is then closed)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                   % path).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            data = s.recv(4096)
            if not data:
                break
            head += data
    return head.split(b"\r\n\r\n")[0].decode("latin-1")


class QuerySession(unittest.TestCase):
    """The contract (Authentication) takes ?sessionId= only on GET
    /api/v1/signaling and GET /api/v1/attachments/<id>."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN}, relay=True)
        cls.conv = new_conversation(cls.srv)
        r = join(cls.srv, cls.conv, "Query")
        assert r.status == 201, r.body
        cls.session = envelope(r)["data"]["session"]
        cls.sid = cls.session["sessionId"]
        r = post_upload(cls.srv, cls.session, upload_body(b"the file's bytes"))
        assert r.status == 201, r.body
        cls.attachment = envelope(r)["data"]["attachment"]["attachmentId"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_no_other_route_takes_it(self):
        q = "?sessionId=" + self.sid
        conv, att = self.conv["conversationId"], self.attachment
        routes = (("GET", "/api/v1/session", None, {}),
                  ("GET", "/api/v1/participants", None, {}),
                  ("POST", "/api/v1/leave", None, {}),
                  ("GET", "/api/v1/messages", None, {}),
                  ("POST", "/api/v1/messages", b'{"body":"hi"}', JSON),
                  ("POST", "/api/v1/signaling", b'{"type":"typing","data":{"typing":true}}', JSON),
                  ("POST", "/api/v1/attachments", upload_body(b"x"),
                   {"Content-Type": "multipart/form-data; boundary=" + BOUNDARY}),
                  ("GET", "/api/v1/attachments/%s/meta" % att, None, {}),
                  ("GET", "/api/v1/admin/conversations", None, {}),
                  ("GET", "/api/v1/admin/conversations/%s/sessions" % conv, None, {}))
        for method, path, body, headers in routes:
            r = self.srv.request(method, path + q, body=body, headers=headers)
            failure(self, r, 401)
        # The room page does not open for it either: to the join form.
        r = self.srv.request("GET", "/room/%s%s" % (conv, q))
        self.assertEqual(r.status, 302)
        self.assertTrue(r.getheader("Location").startswith("/join"), r.getheader("Location"))
        # The session itself is alive: the header still works.
        self.assertEqual(self.srv.request("GET", "/api/v1/session",
                                          headers={"x-session-id": self.sid}).status, 200)

    def test_a_download_and_the_event_stream_take_it(self):
        r = self.srv.request("GET", "/api/v1/attachments/%s?sessionId=%s"
                             % (self.attachment, self.sid))
        self.assertEqual((r.status, r.body), (200, b"the file's bytes"))
        head = stream_head(self.srv, "/api/v1/signaling?sessionId=" + self.sid)
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        self.assertIn("text/event-stream", head)
        head = stream_head(self.srv, "/api/v1/signaling?sessionId=" + "0" * 64)
        self.assertTrue(head.startswith("HTTP/1.1 401"), head)

    def test_no_log_line_has_the_token(self):
        self.test_no_other_route_takes_it()
        self.test_a_download_and_the_event_stream_take_it()
        self.assertNotIn(self.sid, self.srv.log_text())


if __name__ == "__main__":
    unittest.main()
