"""chats3-admin compact (issue 21, History cost): a conversation's small
batches merged while the programs serve it. Pages, cursors, since= and the
export read the same after, readers paging during a compaction see each
message once and in order, and a compactor killed with SIGKILL leaves
history intact for a second run to finish. (What a page costs in storage
reads is counted in tests/messages/test_message_store.c, on both backends.)"""

import os
import signal
import sqlite3
import subprocess
import threading
import unittest

import harness
import test_admin_cli  # not its class: the loader would run its tests here again
from harness import envelope, wait_for
from test_messages import ADMIN_AUTH, joined, read, send
from test_session import ADMIN, new_conversation

MESSAGES = 130
PAGE = 50


class Compaction(unittest.TestCase):
    run_cli = test_admin_cli.AdminCommand.run_cli
    cli = test_admin_cli.AdminCommand.cli

    @classmethod
    def setUpClass(cls):
        # readers page the whole history in a loop: past any read budget
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
                                      "CHATS3_WRITE_RATE": "100000",
                                      "CHATS3_READ_BUDGET": "100000000"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def conversation(self, name):
        conv = new_conversation(self.srv, name)
        who = joined(self, self.srv, conv, "Zoe")
        ids = []
        for i in range(MESSAGES):
            r = send(self.srv, who, {"body": "message %d <b>" % i})
            self.assertEqual(r.status, 201, r.body)
            ids.append(envelope(r)["data"]["message"]["messageId"])
        return conv["conversationId"], who, ids

    def pages(self, who, cursor=None):
        """Every page of PAGE from cursor back: [(ids, nextCursor)]."""
        out = []
        while True:
            r = read(self.srv, who, "?limit=%d" % PAGE + ("&before=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200, r.body)
            data = envelope(r)["data"]
            cursor = data["nextCursor"]
            out.append(([m["messageId"] for m in data["messages"]], cursor))
            if cursor is None:
                return out

    def reads_as(self, cid, who, ids):
        since = envelope(read(self.srv, who, "?since=" + ids[40]))["data"]["messages"]
        export = self.srv.request("GET", "/api/v1/admin/conversations/%s/export" % cid,
                                  headers=ADMIN_AUTH)
        self.assertEqual(export.status, 200)
        return self.pages(who), [m["messageId"] for m in since], export.body

    def setting(self, name):
        """The server's chats3.conf value of name, or None."""
        with open(os.path.join(self.srv.dir, "chats3.conf")) as f:
            for line in f:
                key, _, value = line.partition("=")
                if key.strip() == name:
                    return value.strip()
        return None

    def data_dir(self):
        value = self.setting("CHATS3_DATA_DIR")
        if value is None:
            raise AssertionError("no CHATS3_DATA_DIR")
        return value

    def index_keys(self, cid):
        """The conversation's message index: chats3.db's message_batches,
        or, with the state on Redis (run.py --redis), the sorted set
        chats3:x:<id> there (lib/state_redis.c), read with redis-cli."""
        url = self.setting("CHATS3_REDIS_URL")
        if not url:
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.data_dir(), "chats3.db"),
                                 uri=True, timeout=10)
            try:
                return [k for (k,) in db.execute(
                    "SELECT key FROM message_batches WHERE conversation_id = ?", (cid,))]
            finally:
                db.close()
        if url.startswith("unix:"):
            path, _, db = url[len("unix:"):].partition("?db=")
            where = ["-s", path, "-n", db or "0"]
        else:
            where = ["-u", url]
        command = ["redis-cli"] + where + ["--raw", "ZRANGE", "chats3:x:" + cid, "0", "-1"]
        p = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=10, check=True)
        return p.stdout.split()

    def compacted_keys(self, cid):
        return [k for k in self.index_keys(cid) if "-00000000-0000-4000-8000-" in k]

    def test_history_and_export_read_the_same_after(self):
        cid, who, ids = self.conversation("compact-same")
        before = self.reads_as(cid, who, ids)
        self.assertEqual([i for page, _ in reversed(before[0]) for i in page], ids)
        done = self.cli("compact", "--conversation", cid, "--older-than", "0")["compacted"]
        self.assertEqual((done["batchesWritten"], done["objectsDeleted"]), (1, MESSAGES), done)
        self.assertEqual(self.reads_as(cid, who, ids), before)
        for (page, _), (_, cursor) in zip(before[0][1:], before[0]):
            self.assertEqual(self.pages(who, cursor)[0][0], page, "a cursor from before")
        again = self.cli("compact", "--older-than", "0")["compacted"]
        self.assertEqual(again["batchesWritten"], 0, again)

    def test_readers_during_a_compaction_see_each_message_once(self):
        cid, who, ids = self.conversation("compact-readers")
        bad, passes, stop = [], [0], threading.Event()

        def reader():
            while not stop.is_set():
                got = [i for page, _ in reversed(self.pages(who)) for i in page]
                if got != ids:
                    bad.append(got)
                passes[0] += 1

        t = threading.Thread(target=reader)
        t.start()
        try:
            wait_for(lambda: passes[0] >= 1, what="a first pass of the reader")
            self.cli("compact", "--conversation", cid, "--older-than", "0")
            start = passes[0]
            wait_for(lambda: passes[0] >= start + 2, what="two passes after the compaction")
        finally:
            stop.set()
            t.join(60)
        self.assertEqual(bad, [])

    def test_a_compactor_killed_midway_leaves_history_and_a_second_run_finishes(self):
        cid, who, ids = self.conversation("compact-killed")
        before = self.reads_as(cid, who, ids)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env["CHATS3_CONFIG_FILE"] = os.path.join(self.srv.dir, "chats3.conf")
        owner = os.stat(self.data_dir())  # the programs' user (Apache's, as root)
        p = subprocess.Popen([os.path.join(self.srv.build_dir, "tools", "chats3-admin"),
                              "compact", "--conversation", cid, "--older-than", "0"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             user=owner.st_uid, group=owner.st_gid)
        try:
            # switched, then waiting out its grace before it deletes
            wait_for(lambda: self.compacted_keys(cid), what="the index switched")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
        self.assertEqual(self.reads_as(cid, who, ids), before)
        done = self.cli("compact", "--conversation", cid, "--older-than", "0")["compacted"]
        self.assertEqual((done["batchesWritten"], done["objectsDeleted"]), (0, MESSAGES), done)
        self.assertEqual(self.reads_as(cid, who, ids), before)


if __name__ == "__main__":
    unittest.main()
