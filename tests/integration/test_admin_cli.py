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
from harness import envelope


class AdminCommand(WithAdminServer):
    def cli(self, *args, status=0):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env["CHATS3_CONFIG_FILE"] = os.path.join(self.srv.dir, "chats3.conf")
        extra = {}
        if self.srv.server == "apache" and os.getuid() == 0:
            www = pwd.getpwnam("www-data")  # the data directory's owner there
            extra = {"user": www.pw_uid, "group": www.pw_gid}
        p = subprocess.run([os.path.join(self.srv.build_dir, "tools", "chats3-admin")] +
                           list(args), env=env, capture_output=True, text=True, timeout=60,
                           **extra)
        self.assertEqual(p.returncode, status, (args, p.stdout, p.stderr))
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

    def test_failures_exit_1_with_a_reason_and_misuse_2(self):
        self.cli("create", "cli-twice")
        self.assertIn("ERR_CONFLICT", self.cli("create", "cli-twice", status=1))
        self.assertIn("ERR_NOTFOUND", self.cli("show", "nope", status=1))
        self.assertIn("ERR_INVAL", self.cli("create", "../x", status=1))
        self.assertIn("usage", self.cli("bogus", status=2))
        self.assertIn("usage", self.cli("list", "open", status=2))
        self.assertIn("usage", self.cli("show", status=2))


if __name__ == "__main__":
    unittest.main()
