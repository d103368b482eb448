"""A program run as a CGI program with nothing in its environment but what
CGI sets (as under suEXEC, which drops SetEnv): it finds chats3.conf
beside its own file. And ?deep=1 run by a user who may only read the
database says "database":"error" (503), as the contract's Health says."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

TOKEN = "t" * 40


def cgi_env(method, path, query="", token=None):
    env = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": method, "REQUEST_URI": path + ("?" + query if query else ""),
        "SCRIPT_NAME": path, "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
    }
    if token:
        env["HTTP_AUTHORIZATION"] = "Bearer " + token
    return env


def run_cgi(program, env, user=None):
    """(status, JSON body) of one CGI run of program with exactly env."""
    cmd = [program]
    if user:
        cmd = ["setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups"] + cmd
    out = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                         timeout=10, check=False).stdout.decode()
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    status = 200
    for line in head.split("\n"):
        if line.lower().startswith("status:"):
            status = int(line.split()[1])
    return status, json.loads(body)


class BareCgi(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="chats3-bare-")
        self.addCleanup(shutil.rmtree, self.dir)
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        bindir = os.path.join(self.dir, "chats3-bin")
        os.mkdir(bindir)
        for name in ("admin", "health"):
            shutil.copy(os.path.join(harness.CONFIG["build"], "cgi-bin", name), bindir)
        with open(os.path.join(bindir, "chats3.conf"), "w") as f:
            f.write("CHATS3_DATA_DIR = %s\nCHATS3_ADMIN_TOKEN = %s\n" % (self.data, TOKEN))
        self.bin = bindir

    def test_settings_beside_the_program_without_environment(self):
        program = os.path.join(self.bin, "admin")
        status, doc = run_cgi(program, cgi_env("GET", "/api/v1/admin/conversations", token=TOKEN))
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["data"]["conversations"], [])
        status, _ = run_cgi(program, cgi_env("GET", "/api/v1/admin/conversations", token="x" * 40))
        self.assertEqual(status, 401)
        self.assertTrue(os.path.exists(os.path.join(self.data, "chats3.db")))

    def test_deep_health_of_a_database_the_user_may_only_read(self):
        program = os.path.join(self.bin, "health")
        env = cgi_env("GET", "/api/v1/health", "deep=1")
        run_cgi(program, env)  # creates the database, owned by this user
        # what "chats3-admin as root" leaves: the directories open to the
        # server's user, the database file only readable by it
        os.chmod(self.data, 0o777)
        os.chmod(os.path.join(self.data, "objects"), 0o777)
        for name in os.listdir(self.data):
            if name.startswith("chats3.db"):
                os.chmod(os.path.join(self.data, name), 0o644)
        status, doc = run_cgi(program, env, user="65534")
        self.assertEqual(status, 503, doc)
        self.assertEqual(doc["data"]["checks"]["database"], "error")
        self.assertEqual(doc["data"]["checks"]["storage"], "ok")


if __name__ == "__main__":
    unittest.main()
