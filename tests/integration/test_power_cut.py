"""A message answered 201 stays in history after a power cut
(docs/state.md, Durability). Its object is synced before the answer, its
key in the SQLite state's message index only reaches the WAL: a power cut
may take the newest keys back while the index still covers the
conversation. The host as it comes back is a server on a copy of the data
the first one left, the copy's newest index keys deleted as a rolled-back
WAL loses them; a reboot (CHATS3_BOOT_ID, the tests' stand-in for the
kernel's boot id) makes the state uncover every conversation, so history
and since= list storage again. Without the boot change the loss shows:
the test can fail."""

import os
import shutil
import sqlite3
import tempfile
import unittest

import harness
from harness import envelope
from test_messages import history, read, send
from test_session import ADMIN, join, new_conversation

MESSAGES = 6
LOST = 2  # the newest index keys the power cut takes
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000"}


def copy_data(src_dir, dst_dir):
    """chats3.db (through SQLite's backup: whole commits) and local
    storage's objects, xattrs included (S3's bucket is the same for all)."""
    os.makedirs(dst_dir, exist_ok=True)
    src = sqlite3.connect(os.path.join(src_dir, "chats3.db"), timeout=10)
    dst = sqlite3.connect(os.path.join(dst_dir, "chats3.db"))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    objects = os.path.join(src_dir, "objects")
    if os.path.isdir(objects):
        shutil.copytree(objects, os.path.join(dst_dir, "objects"), symlinks=True)


def lose_newest_keys(data_dir, cid, n):
    """What a WAL rolled back to before the last sends holds: their keys
    gone from the index, the conversation still covered."""
    db = sqlite3.connect(os.path.join(data_dir, "chats3.db"), timeout=10)
    try:
        with db:
            gone = db.execute("DELETE FROM message_batches WHERE conversation_id = ?1 AND key IN "
                              "(SELECT key FROM message_batches WHERE conversation_id = ?1 "
                              "ORDER BY key DESC LIMIT ?2)", (cid, n)).rowcount
            covered = db.execute("SELECT count(*) FROM message_covered "
                                 "WHERE conversation_id = ?", (cid,)).fetchone()[0]
    finally:
        db.close()
    assert (gone, covered) == (n, 1), (gone, covered)


class CameBack(harness.WebServer):
    """A server on the data the host held when the power came back."""

    saved = None  # the data directory as the power cut left it

    def prepare_data_dir(self):
        copy_data(self.saved, self.data_dir)


@harness.sqlite_only
class PowerCut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        srv = harness.new_server(dict(SETTINGS, CHATS3_BOOT_ID="boot-before"))
        try:
            conv = new_conversation(srv)
            r = join(srv, conv, "Alice")
            assert r.status == 201, (r.status, r.body)
            cls.me = envelope(r)["data"]["session"]
            cls.sent = []
            for i in range(MESSAGES):
                r = send(srv, cls.me, {"body": "message %d" % i})
                assert r.status == 201, (r.status, r.body)
                cls.sent.append(envelope(r)["data"]["message"]["messageId"])
            cls.saved = tempfile.mkdtemp(prefix="chats3-it-power-cut-")
            copy_data(srv.data_dir, cls.saved)
        finally:
            srv.stop()
        lose_newest_keys(cls.saved, conv["conversationId"], LOST)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.saved, ignore_errors=True)

    def come_back(self, boot):
        CameBack.saved = self.saved
        srv = harness.new_server(dict(SETTINGS, CHATS3_BOOT_ID=boot), cls=CameBack)
        self.addCleanup(srv.stop)
        return srv

    def listed(self, srv):
        """(history's ids, oldest first, and since= the first message's)."""
        pages = [m["messageId"] for m in history(self, srv, self.me)]
        r = read(srv, self.me, "?since=" + self.sent[0])
        self.assertEqual(r.status, 200, r.body)
        return pages, [m["messageId"] for m in envelope(r)["data"]["messages"]]

    def test_after_a_reboot_history_lists_every_message_once_in_order(self):
        srv = self.come_back("boot-after")
        self.assertEqual(self.listed(srv), (self.sent, self.sent[1:]))
        # Covered again by that read: the next one reads the index alike.
        self.assertEqual(self.listed(srv), (self.sent, self.sent[1:]))

    def test_without_a_reboot_the_lost_keys_hide_their_messages(self):
        srv = self.come_back("boot-before")
        self.assertEqual(self.listed(srv), (self.sent[:-LOST], self.sent[1:-LOST]))

