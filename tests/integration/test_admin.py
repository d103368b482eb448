"""The admin API through the web server (contract: Admin): who may use it,
create, list with a status filter and cursor, get, close, a new join code,
sessions and kick (by session, by user id in a conversation)."""

import json
import unittest

from test_session import ADMIN, WithAdminServer, failure, join, new_conversation, post_json
from harness import envelope

BEARER = {"Authorization": "Bearer " + ADMIN}
BASE = "/api/v1/admin/conversations"


class Admin(WithAdminServer):
    def call(self, method, path, status=200, body=None):
        headers = dict(BEARER)
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        r = self.srv.request(method, path, body=body, headers=headers)
        self.assertEqual(r.status, status, r.body)
        return envelope(r)

    def test_without_a_valid_token_is_401_and_a_user_session_403(self):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "},
                        {"Authorization": "Basic " + ADMIN}, {"x-session-id": "0" * 64}):
            failure(self, self.srv.request("GET", BASE, headers=headers), 401)
        conv = new_conversation(self.srv)
        sid = envelope(join(self.srv, conv, "User"))["data"]["session"]["sessionId"]
        failure(self, self.srv.request("GET", BASE, headers={"x-session-id": sid}), 403)
        failure(self, post_json(self.srv, BASE, {}, {"x-session-id": sid}), 403)

    def test_a_method_the_path_does_not_take_is_405_with_allow(self):
        r = self.srv.request("DELETE", BASE + "/x", headers=BEARER)
        failure(self, r, 405)
        self.assertEqual(r.getheader("Allow"), "GET, HEAD")

    def test_create_custom_and_generated_ids(self):
        doc = self.call("POST", BASE, 201, {"conversationId": "team-standup_1"})
        c = doc["data"]["conversation"]
        self.assertEqual(c["conversationId"], "team-standup_1")
        self.assertRegex(c["joinCode"], r"^[A-Z2-9]{8}$")
        self.assertEqual(c["status"], "active")
        self.assertIsNone(c["closedAt"])
        c = self.call("POST", BASE, 201, {})["data"]["conversation"]
        self.assertRegex(c["conversationId"], r"^conv-[0-9a-f-]{36}$")
        failure(self, post_json(self.srv, BASE, {"conversationId": "team-standup_1"}, BEARER), 409)

    def test_create_rejects_ids_that_are_not_storage_safe(self):
        for cid in ("../x", "a/b", "-lead", "x" * 65, "sp ace", "é", 7):
            doc = failure(self, post_json(self.srv, BASE, {"conversationId": cid}, BEARER), 400)
            self.assertEqual([d["field"] for d in doc["details"]], ["conversationId"])

    def test_get_shows_code_and_participant_count(self):
        conv = new_conversation(self.srv)
        join(self.srv, conv, "A")
        join(self.srv, conv, "B")
        c = self.call("GET", BASE + "/" + conv["conversationId"])["data"]["conversation"]
        self.assertEqual(c["joinCode"], conv["joinCode"])
        self.assertEqual(c["participantCount"], 2)
        failure(self, self.srv.request("GET", BASE + "/nope", headers=BEARER), 404)

    def test_close_sets_status_and_closed_at_and_stops_joins(self):
        conv = new_conversation(self.srv)
        c = self.call("POST", BASE + "/%s/close" % conv["conversationId"])["data"]["conversation"]
        self.assertEqual(c["status"], "closed")
        self.assertRegex(c["closedAt"], r"Z$")
        again = self.call("POST", BASE + "/%s/close" % conv["conversationId"])
        self.assertEqual(again["data"]["conversation"]["closedAt"], c["closedAt"])
        self.assertEqual(join(self.srv, conv, "Late").status, 410)
        failure(self, self.srv.request("POST", BASE + "/nope/close", headers=BEARER), 404)

    def test_new_join_code_replaces_the_old(self):
        conv = new_conversation(self.srv)
        c = self.call("POST", BASE + "/%s/join-code" % conv["conversationId"])["data"]["conversation"]
        self.assertNotEqual(c["joinCode"], conv["joinCode"])
        self.assertEqual(join(self.srv, conv, "Old").status, 403)
        self.assertEqual(join(self.srv, conv, "New", code=c["joinCode"]).status, 201)

    def test_list_filters_by_status_and_pages_with_a_cursor(self):
        made = sorted(new_conversation(self.srv, "list-%d" % i)["conversationId"] for i in range(5))
        self.call("POST", BASE + "/list-2/close")
        seen, cursor = [], None
        while True:
            path = BASE + "?status=active&limit=2" + ("&cursor=" + cursor if cursor else "")
            data = self.call("GET", path)["data"]
            self.assertLessEqual(len(data["conversations"]), 2)
            seen += [c["conversationId"] for c in data["conversations"]]
            self.assertTrue(all(c["status"] == "active" for c in data["conversations"]))
            self.assertNotIn("joinCode", json.dumps(data["conversations"]))
            cursor = data["nextCursor"]
            if cursor is None:
                break
        self.assertEqual([i for i in seen if i.startswith("list-")],
                         [m for m in made if m != "list-2"])
        closed = self.call("GET", BASE + "?status=closed")["data"]["conversations"]
        self.assertIn("list-2", [c["conversationId"] for c in closed])
        for q in ("status=open", "limit=0", "limit=201", "limit=x", "cursor=../x"):
            failure(self, self.srv.request("GET", BASE + "?" + q, headers=BEARER), 400)

    def test_sessions_and_kick(self):
        conv = new_conversation(self.srv)
        me = envelope(join(self.srv, conv, "Kicked"))["data"]["session"]
        other = envelope(join(self.srv, conv, "Stays"))["data"]["session"]
        listed = self.call("GET", BASE + "/%s/sessions" % conv["conversationId"])["data"]["sessions"]
        self.assertEqual([s["displayName"] for s in listed], ["Kicked", "Stays"])
        self.assertNotIn("sessionId", json.dumps(listed))
        self.call("DELETE", "/api/v1/admin/sessions/" + me["userId"])
        failure(self, self.srv.request("GET", "/api/v1/session",
                                       headers={"x-session-id": me["sessionId"]}), 401)
        self.call("DELETE", "/api/v1/admin/sessions/" + other["sessionId"])
        failure(self, self.srv.request("GET", "/api/v1/session",
                                       headers={"x-session-id": other["sessionId"]}), 401)
        failure(self, self.srv.request("DELETE", "/api/v1/admin/sessions/" + me["userId"],
                                       headers=BEARER), 404)
        failure(self, self.srv.request("GET", BASE + "/nope/sessions", headers=BEARER), 404)

    def test_kick_a_participant_by_user_id(self):
        conv, elsewhere = new_conversation(self.srv), new_conversation(self.srv)
        me = envelope(join(self.srv, conv, "Kicked"))["data"]["session"]
        other = envelope(join(self.srv, conv, "Stays"))["data"]["session"]
        stranger = envelope(join(self.srv, elsewhere, "Elsewhere"))["data"]["session"]
        path = BASE + "/%s/participants/" % conv["conversationId"]

        def alive(s):
            return self.srv.request("GET", "/api/v1/session",
                                    headers={"x-session-id": s["sessionId"]}).status
        for who in (stranger["userId"], me["sessionId"], "nobody"):
            failure(self, self.srv.request("DELETE", path + who, headers=BEARER), 404)
        self.assertEqual([alive(s) for s in (me, other, stranger)], [200, 200, 200])
        self.assertEqual(self.call("DELETE", path + me["userId"])["data"], {"kicked": True})
        self.assertEqual([alive(s) for s in (me, other, stranger)], [401, 200, 200])
        failure(self, self.srv.request("DELETE", path + me["userId"], headers=BEARER), 404)
        failure(self, self.srv.request("DELETE", path + me["userId"]), 401)


if __name__ == "__main__":
    unittest.main()
