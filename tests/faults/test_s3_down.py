"""S3 stopped during sends (issue 19): 3 writers send with
clientMessageIds into s3rver while it is stopped and started again on the
same port and data. While it is away a send answers 503 with Retry-After
(after the storage client's retries) and stores nothing half: once it is
back every send is answered, none 409, and each is in history exactly
once."""

import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

import harness
from harness import wait_for
from test_session import new_conversation

import faults

S3RVER = os.path.join(harness.ROOT, "tests", "s3", "s3rver-run")


def s3rver(action, d):
    subprocess.run([S3RVER, action, d], check=True, stdout=subprocess.DEVNULL)


class S3Down(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = tempfile.mkdtemp(prefix="chats3-faults-s3-")
        s3rver("start", cls.s3)
        settings = dict(faults.SETTINGS)
        with open(os.path.join(cls.s3, "env")) as f:
            settings.update(line.strip().split("=", 1) for line in f if "=" in line)
        try:
            cls.srv = harness.new_server(settings)
        except BaseException:
            cls.tearDownS3()
            raise

    @classmethod
    def tearDownS3(cls):
        s3rver("stop", cls.s3)
        shutil.rmtree(cls.s3, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.tearDownS3()

    def test_sends_while_s3_is_stopped_get_503_and_are_stored_once_when_it_is_back(self):
        conv = new_conversation(self.srv, "faults-s3-" + uuid.uuid4().hex[:8])
        writers = faults.Writers(self, self.srv, conv, 3, "S").start()
        try:
            writers.wait_sends(20, "20 sends")
            s3rver("stop", self.s3)
            try:
                wait_for(lambda: len(writers.unavailable) >= 3 or writers.failures, 60,
                         "three sends to be answered 503")
            finally:
                s3rver("start", self.s3)
            writers.calm(20)
        finally:
            writers.stop()
        self.assertEqual(set(writers.statuses["fault"]) - {200, 201, 503}, set(),
                         writers.statuses)
        self.assertEqual([r.getheader("Retry-After") is not None for r in writers.unavailable],
                         [True] * len(writers.unavailable))
        writers.assert_recovered("while S3 was away")

if __name__ == "__main__":
    unittest.main()
