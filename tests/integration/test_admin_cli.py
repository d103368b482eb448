"""chats3-admin, the operator's command: it works on the same settings and
data as the running programs, so what it does shows through the API."""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

from test_session import WithAdminServer, join
from harness import envelope, free_port


# The exit statuses of docs/admin.md.
USAGE, NOT_FOUND, CONFLICT, UNAVAILABLE = 2, 3, 4, 5


class AdminCommand(WithAdminServer):
    def run_cli(self, *args, status=0, settings=None):
        """chats3-admin ARGS on the server's settings (or those of the
        dict SETTINGS alone), exiting STATUS; the finished process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        if settings is None:
            env["CHATS3_CONFIG_FILE"] = os.path.join(self.srv.dir, "chats3.conf")
        env.update(settings or {})
        extra = {}
        if self.srv.server == "apache" and os.getuid() == 0 and settings is None:
            www = pwd.getpwnam("www-data")  # the data directory's owner there
            extra = {"user": www.pw_uid, "group": www.pw_gid}
        p = subprocess.run([os.path.join(self.srv.build_dir, "tools", "chats3-admin")] +
                           list(args), env=env, capture_output=True, text=True, timeout=60,
                           **extra)
        self.assertEqual(p.returncode, status, (args, p.stdout, p.stderr))
        return p

    def cli(self, *args, status=0):
        p = self.run_cli(*args, status=status)
        return json.loads(p.stdout) if status == 0 else p.stderr

    def test_root_refuses_a_data_directory_of_another_user(self):
        if os.getuid() != 0:
            self.skipTest("needs root")
        data = tempfile.mkdtemp(prefix="chats3-admin-")
        self.addCleanup(shutil.rmtree, data)
        os.chown(data, 65534, 65534)
        env = {"PATH": os.environ["PATH"], "CHATS3_DATA_DIR": data}
        p = subprocess.run([os.path.join(self.srv.build_dir, "tools", "chats3-admin"), "list"],
                           env=env, capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("runuser -u nobody -- chats3-admin", p.stderr)
        self.assertEqual(os.listdir(data), [])

    def test_operations_show_through_the_api(self):
        conv = self.cli("create", "cli-room")["conversation"]
        self.assertEqual(conv["conversationId"], "cli-room")
        r = join(self.srv, conv, "Zoe")
        self.assertEqual(r.status, 201, r.body)
        me = envelope(r)["data"]["session"]
        self.assertEqual(self.cli("show", "cli-room")["conversation"]["participantCount"], 1)
        sessions = self.cli("sessions", "cli-room")["sessions"]
        self.assertEqual([s["userId"] for s in sessions], [me["userId"]])
        self.assertEqual(self.cli("kick", me["userId"]), {"kicked": True})
        r = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": me["sessionId"]})
        self.assertEqual(r.status, 401)
        code = self.cli("join-code", "cli-room")["conversation"]["joinCode"]
        self.assertEqual(join(self.srv, conv, "Old").status, 403)
        self.assertEqual(join(self.srv, conv, "New", code=code).status, 201)
        self.assertEqual(self.cli("close", "cli-room")["conversation"]["status"], "closed")
        self.assertEqual(join(self.srv, conv, "Late", code=code).status, 410)
        listed = self.cli("list", "closed")["conversations"]
        self.assertIn("cli-room", [c["conversationId"] for c in listed])

    def test_failures_exit_by_kind_with_a_reason(self):
        self.cli("create", "cli-twice")
        self.assertIn("ERR_CONFLICT", self.cli("create", "cli-twice", status=CONFLICT))
        self.assertIn("ERR_NOTFOUND", self.cli("show", "nope", status=NOT_FOUND))
        self.assertIn("ERR_INVAL", self.cli("create", "../x", status=USAGE))
        self.assertIn("usage", self.cli("bogus", status=2))
        self.assertIn("usage", self.cli("list", "open", status=2))
        self.assertIn("usage", self.cli("show", status=2))

        self.assertIn("usage", self.cli("kick", "a", "b", "c", status=USAGE))
        self.assertIn("usage", self.cli("message", "cli-twice", status=USAGE))

    def test_system_message_export_and_kick_by_user(self):
        conv = self.cli("create", "cli-notice")["conversation"]
        self.cli("create", "cli-elsewhere")
        r = join(self.srv, conv, "Ann")
        self.assertEqual(r.status, 201, r.body)
        ann = envelope(r)["data"]["session"]
        sent = self.cli("message", "cli-notice", "Maintenance at noon")["message"]
        self.assertEqual((sent["type"], sent["body"]), ("system", "Maintenance at noon"))
        r = self.srv.request("GET", "/api/v1/messages", headers={"x-session-id": ann["sessionId"]})
        self.assertEqual([m["body"] for m in envelope(r)["data"]["messages"]],
                         ["Maintenance at noon"])
        self.assertIn("must not be empty",
                      self.cli("message", "cli-notice", " \t ", status=USAGE))
        self.assertIn("ERR_NOTFOUND", self.cli("message", "nope", "Hi", status=NOT_FOUND))
        lines = self.run_cli("export", "cli-notice").stdout.splitlines()
        self.assertEqual([json.loads(line)["messageId"] for line in lines], [sent["messageId"]])
        self.assertIn("ERR_NOTFOUND", self.cli("export", "nope", status=NOT_FOUND))
        self.assertIn("ERR_NOTFOUND", self.cli("kick", "cli-elsewhere", ann["userId"],
                                               status=NOT_FOUND))
        self.assertEqual(self.cli("kick", "cli-notice", ann["userId"]), {"kicked": True})
        r = self.srv.request("GET", "/api/v1/session", headers={"x-session-id": ann["sessionId"]})
        self.assertEqual(r.status, 401)
        self.assertIn("ERR_NOTFOUND", self.cli("kick", "cli-notice", ann["userId"],
                                               status=NOT_FOUND))

    def test_list_pages_through_every_conversation_once(self):
        made = {self.cli("create", f"cli-page-{i}")["conversation"]["conversationId"]
                for i in range(5)}
        seen, cursor = [], []
        while True:
            page = self.cli("list", "active", "2", *cursor)
            self.assertLessEqual(len(page["conversations"]), 2)
            seen += [c["conversationId"] for c in page["conversations"]]
            if page["nextCursor"] is None:
                break
            cursor = [page["nextCursor"]]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertLessEqual(made, set(seen))

    def test_json_prints_the_whole_envelope(self):
        got = self.cli("--json", "create", "cli-json")
        self.assertIs(got["success"], True)
        self.assertEqual(got["data"]["conversation"]["conversationId"], "cli-json")
        self.assertTrue(got["meta"]["requestId"] and got["meta"]["timestamp"])
        p = self.run_cli("--json", "show", "nope", status=NOT_FOUND)
        failed = json.loads(p.stdout)
        self.assertEqual((failed["success"], failed["message"]),
                         (False, "No such conversation or session"))
        p = self.run_cli("--json", "create", "cli-json", status=CONFLICT)
        self.assertIs(json.loads(p.stdout)["success"], False)

    def test_storage_away_exits_5(self):
        data = tempfile.mkdtemp(prefix="chats3-admin-")
        self.addCleanup(shutil.rmtree, data)
        down = {"CHATS3_DATA_DIR": data, "CHATS3_STORAGE": "s3", "CHATS3_S3_BUCKET": "chats3",
                "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{free_port()}",
                "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                "CHATS3_S3_TIMEOUT_SECONDS": "1"}
        p = self.run_cli("create", "cli-away", status=UNAVAILABLE, settings=down)
        self.assertIn("ERR_UNAVAILABLE", p.stderr)


if __name__ == "__main__":
    unittest.main()
