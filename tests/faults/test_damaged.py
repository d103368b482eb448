"""Damaged objects in storage (issue 19). A stored NDJSON batch overwritten
with garbage: the conversation still reads (history pages and since=,
answered 200 every time, never a 500), the bad batch is logged by its key
and passed over, and sends go on. A damaged meta.json: the state's cache
of the conversation serves joins and sends; should the cache miss it (a
state started afresh), history still reads and the bad object is logged
by its key."""

import glob
import os
import sqlite3
import unittest
import uuid

import harness
from harness import envelope, wait_for
from test_messages import history, joined, read, send
from test_session import new_conversation

import faults


class WithServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(faults.SETTINGS)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


class Damaged(WithServer):
    def test_a_damaged_batch_is_logged_and_skipped(self):
        cid = "faults-damaged-" + uuid.uuid4().hex[:8]
        conv = new_conversation(self.srv, cid)
        me = joined(self, self.srv, conv, "Alice")
        sent = []
        for body in ("one", "two", "three"):
            r = send(self.srv, me, {"body": body})
            self.assertEqual(r.status, 201, r.body)
            sent.append(envelope(r)["data"]["message"])
        batches = glob.glob(os.path.join(self.srv.data_dir, "objects", "conversations", cid,
                                         "messages", "*", "*-%s.ndjson" % sent[1]["messageId"]))
        self.assertEqual(len(batches), 1)
        with open(batches[0], "w") as f:
            f.write('{"not a message"\n')
        key = os.path.relpath(batches[0], os.path.join(self.srv.data_dir, "objects"))
        for _ in range(2):  # and again: no 500 loop
            self.assertEqual([m["body"] for m in history(self, self.srv, me)], ["one", "three"])
            r = read(self.srv, me, "?since=" + sent[0]["messageId"])
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual([m["body"] for m in envelope(r)["data"]["messages"]], ["three"])
        wait_for(lambda: "skipped %s: not a valid message batch" % key in self.srv.log_text(),
                 10, "the log line naming the damaged batch")
        r = send(self.srv, me, {"body": "four"})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual([m["body"] for m in history(self, self.srv, me)],
                         ["one", "three", "four"])


if __name__ == "__main__":
    unittest.main()


class DamagedMeta(WithServer):
    def test_a_damaged_meta_json_is_logged_and_history_still_reads(self):
        cid = "faults-meta-" + uuid.uuid4().hex[:8]
        conv = new_conversation(self.srv, cid)
        me = joined(self, self.srv, conv, "Alice")
        self.assertEqual(send(self.srv, me, {"body": "one"}).status, 201)
        meta = os.path.join(self.srv.data_dir, "objects", "conversations", cid, "meta.json")
        with open(meta, "w") as f:
            f.write("{damaged")
        self.assertEqual(send(self.srv, me, {"body": "two"}).status, 201)
        joined(self, self.srv, conv, "Bob")
        db = sqlite3.connect(os.path.join(self.srv.data_dir, "chats3.db"), timeout=10)
        with db:
            db.execute("DELETE FROM conversations WHERE conversation_id = ?", (cid,))
        db.close()
        for _ in range(2):
            self.assertEqual([m["body"] for m in history(self, self.srv, me)], ["one", "two"])
        r = send(self.srv, me, {"body": "three"})  # needs the conversation's status
        self.assertGreaterEqual(r.status, 400, r.body)
        self.assertEqual([m["body"] for m in history(self, self.srv, me)], ["one", "two"])
        key = os.path.join("conversations", cid, "meta.json")
        wait_for(lambda: "%s is not a valid meta.json" % key in self.srv.log_text(), 10,
                 "the log line naming the damaged meta.json")
