"""The conversation cache is never stale (issue 13): a new join code or a
close made by one program process is in force in every other one as soon
as it has answered, whether the processes are the web server's (FastCGI
keeps two per program, each warmed up first) or programs run directly as
CGI against the same data directory; and a close racing a new code keeps
both changes."""

import json
import os
import pwd
import subprocess
import threading
import unittest

import harness
from harness import envelope
from test_session import ADMIN, WithAdminServer, join, new_conversation, post_json

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}
ROUNDS = 10


def admin(srv, cid, action):
    r = srv.request("POST", "/api/v1/admin/conversations/%s/%s" % (cid, action),
                    headers=ADMIN_AUTH)
    assert r.status == 200, (r.status, r.body)
    return envelope(r)["data"]["conversation"]


def send(srv, who, body):
    return post_json(srv, "/api/v1/messages", {"body": body}, {"x-session-id": who})


class Program:
    """A program of the build run once as plain CGI, as a web server would,
    on the server's settings (so on its data directory and storage)."""

    def __init__(self, srv):
        self.srv = srv

    def request(self, program, method, path, doc=None, headers=None):
        body = json.dumps(doc).encode() if doc is not None else b""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env.update(CHATS3_CONFIG_FILE=os.path.join(self.srv.dir, "chats3.conf"),
                   GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD=method, REQUEST_URI=path,
                   SCRIPT_NAME=path, REMOTE_ADDR="127.0.0.1", CONTENT_LENGTH=str(len(body)),
                   **harness._sanitizer_env())
        if doc is not None:
            env["CONTENT_TYPE"] = "application/json"
        for k, v in (headers or {}).items():
            env["HTTP_" + k.upper().replace("-", "_")] = v
        p = subprocess.run([os.path.join(self.srv.build_dir, "cgi-bin", program)], input=body,
                           env=env, capture_output=True, timeout=60, **self._user())
        head, _, payload = p.stdout.partition(b"\r\n\r\n")
        status = int(head.split(b"\r\n")[0].split()[1])
        return status, json.loads(payload) if payload else None

    def _user(self):
        """Under Apache the data directory belongs to its user: run as it."""
        if self.srv.server != "apache" or os.getuid() != 0:
            return {}
        www = pwd.getpwnam("www-data")
        return {"user": www.pw_uid, "group": www.pw_gid}


class CacheAcrossProcesses(WithAdminServer):
    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.cid = self.conv["conversationId"]

    def warm_up(self, n=6):
        """Joins enough times that every session process has read the
        conversation (lighttpd and mod_fcgid spread them over their two)."""
        return [envelope(join(self.srv, self.conv, "warm-%d" % i))["data"]["session"]
                for i in range(n)]

    def test_a_new_code_holds_at_once_in_every_process(self):
        self.warm_up()
        old = self.conv["joinCode"]
        for i in range(ROUNDS):
            new = admin(self.srv, self.cid, "join-code")["joinCode"]
            self.assertEqual(join(self.srv, self.conv, "old-%d" % i, code=old).status, 403)
            self.assertEqual(join(self.srv, self.conv, "new-%d" % i, code=new).status, 201)
            old = new

    def test_a_close_holds_at_once_for_sends_and_joins(self):
        me = self.warm_up()[0]["sessionId"]
        for i in range(4):
            self.assertEqual(send(self.srv, me, "before %d" % i).status, 201)
        admin(self.srv, self.cid, "close")
        self.assertEqual(send(self.srv, me, "after").status, 410)
        self.assertEqual(join(self.srv, self.conv, "late").status, 410)

    def test_programs_run_directly_see_each_other_at_once(self):
        cgi = Program(self.srv)
        path = "/api/v1/admin/conversations/%s/" % self.cid
        old = self.conv["joinCode"]
        status, doc = cgi.request("admin", "POST", path + "join-code", headers=ADMIN_AUTH)
        self.assertEqual(status, 200, doc)
        new = doc["data"]["conversation"]["joinCode"]
        entry = {"conversationId": self.cid, "displayName": "Direct"}
        status, doc = cgi.request("session", "POST", "/api/v1/join", dict(entry, joinCode=old))
        self.assertEqual(status, 403, doc)
        status, doc = cgi.request("session", "POST", "/api/v1/join", dict(entry, joinCode=new))
        self.assertEqual(status, 201, doc)
        me = {"x-session-id": doc["data"]["session"]["sessionId"]}
        status, doc = cgi.request("messages", "POST", "/api/v1/messages", {"body": "hi"}, me)
        self.assertEqual(status, 201, doc)
        status, doc = cgi.request("admin", "POST", path + "close", headers=ADMIN_AUTH)
        self.assertEqual(status, 200, doc)
        status, doc = cgi.request("messages", "POST", "/api/v1/messages", {"body": "x"}, me)
        self.assertEqual(status, 410, doc)
        # ...and the server's own processes agree.
        self.assertEqual(send(self.srv, me["x-session-id"], "x").status, 410)

    def test_a_close_racing_a_new_code_keeps_both(self):
        for _ in range(ROUNDS):
            conv = new_conversation(self.srv)
            cid, answers = conv["conversationId"], {}
            barrier = threading.Barrier(2)

            def go(action):
                barrier.wait()
                answers[action] = admin(self.srv, cid, action)

            threads = [threading.Thread(target=go, args=(a,)) for a in ("close", "join-code")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(answers), ["close", "join-code"])
            code = answers["join-code"]["joinCode"]
            r = self.srv.request("GET", "/api/v1/admin/conversations/" + cid, headers=ADMIN_AUTH)
            shown = envelope(r)["data"]["conversation"]
            self.assertEqual((shown["status"], shown["joinCode"]), ("closed", code))
            self.assertEqual(join(self.srv, conv, "old", code=conv["joinCode"]).status, 403)
            self.assertEqual(join(self.srv, conv, "new", code=code).status, 410)
            self.assert_stored(cid, "closed", code)

    def assert_stored(self, cid, status, code):
        """On the local directory backend, meta.json (the truth) agrees."""
        if harness.CONFIG.get("storage", "fs") != "fs":
            return
        path = os.path.join(self.srv.data_dir, "objects", "conversations", cid, "meta.json")
        with open(path) as f:
            meta = json.load(f)
        self.assertEqual((meta["status"], meta["joinCode"]), (status, code))


if __name__ == "__main__":
    unittest.main()
