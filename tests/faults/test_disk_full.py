"""A full disk (issue 19): the data directory on a 16 MiB tmpfs, its
objects/ (the local storage) on a 2 MiB one, which the test fills up: first
the storage's alone, then the SQLite file's too. Sends are answered 503
with Retry-After, nothing is stored half and history still reads; once
space returns the same clientMessageIds store each message once, and the
database passes SQLite's integrity check."""

import errno
import os
import shutil
import sqlite3
import subprocess
import unittest
import uuid

import harness
from harness import envelope
from test_messages import history, joined, send
from test_session import new_conversation

import faults


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path],
                   check=True)


class SmallDisk(harness.WebServer):
    """A server whose data directory and storage are small tmpfs of their own."""

    def prepare_data_dir(self):
        mount_tmpfs(self.data_dir, "16m")
        os.makedirs(os.path.join(self.data_dir, "run"))
        mount_tmpfs(os.path.join(self.data_dir, "objects"), "2m")

    def stop(self):
        try:
            super().stop()
        finally:
            for path in (os.path.join(self.data_dir, "objects"), self.data_dir):
                subprocess.run(["umount", path], check=False)
            shutil.rmtree(self.dir, ignore_errors=True)


def fill(path):
    """Writes path until the disk is full."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise


@unittest.skipUnless(os.getuid() == 0, "mounting a tmpfs needs root")
class DiskFull(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(faults.SETTINGS, cls=SmallDisk)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_full_disk_gives_503_and_recovers_with_nothing_lost(self):
        srv = self.srv
        conv = new_conversation(srv, "faults-disk-" + uuid.uuid4().hex[:8])
        me = joined(self, srv, conv, "Alice")
        for i in range(5):
            self.assertEqual(send(srv, me, {"body": "before %d" % i}).status, 201)
        fillers = [os.path.join(srv.data_dir, "objects", "filler"),
                   os.path.join(srv.data_dir, "filler")]
        try:
            for i, filler in enumerate(fillers):  # the storage full, then the database too
                fill(filler)
                r = send(srv, me, {"body": "full %d" % i, "clientMessageId": "full-%d" % i})
                self.assertEqual(r.status, 503, r.body)
                self.assertIsNotNone(r.getheader("Retry-After"))
                self.assertEqual([m["body"] for m in history(self, srv, me)],
                                 ["before %d" % i for i in range(5)])
        finally:
            for filler in fillers:
                if os.path.exists(filler):
                    os.unlink(filler)
        for i in range(2):
            r = send(srv, me, {"body": "full %d" % i, "clientMessageId": "full-%d" % i})
            self.assertIn(r.status, (200, 201), r.body)
            self.assertEqual(envelope(r)["data"]["message"]["body"], "full %d" % i)
        self.assertEqual(send(srv, me, {"body": "after"}).status, 201)
        self.assertEqual([m["body"] for m in history(self, srv, me)],
                         ["before %d" % i for i in range(5)] + ["full %d" % i for i in range(2)]
                         + ["after"])
        db = sqlite3.connect(os.path.join(srv.data_dir, "chats3.db"), timeout=10)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        finally:
            db.close()


if __name__ == "__main__":
    unittest.main()
