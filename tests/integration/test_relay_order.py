"""new-message events go out in history order (issue 14): two racing sends
of one conversation where the first to take the message clock is the last
to be stored. Storage is tests/s3/fake_s3.py, whose hold1st- conversations
keep the first message PUT waiting until the test lets it go: message A
takes its serverReceivedAt, waits in storage, B is sent and answered 201
(so its new-message is already with the relay), then A is let go. History
says A, B; the stream must say A, B too. With the relay's ordering off
(CHATS3_RELAY_ORDER_MS=0) the same race shows B, A: the test can fail.
A send its storage refuses (fake_s3's deny- conversations) releases the
seq it reserved."""

import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import unittest
import urllib.request
import uuid

import harness
from harness import envelope, wait_for
from test_messages import joined, send
from test_relay import SETTINGS
from test_session import bind_relay, new_conversation

FAKE_S3 = os.path.join(harness.ROOT, "tests", "s3", "fake_s3.py")


class FakeS3:
    """tests/s3/fake_s3.py on a free port, with the settings that point the
    programs at it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="chats3-it-fake-s3-")
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(["python3", FAKE_S3, self.dir], stdout=self.log,
                                     stderr=self.log)
        port_file = os.path.join(self.dir, "port")
        wait_for(lambda: os.path.exists(port_file) or self.proc.poll() is not None, 30,
                 "fake_s3.py to listen")
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read())
        self.settings = {"CHATS3_STORAGE": "s3", "AWS_ENDPOINT_URL_S3": self.url,
                         "CHATS3_S3_BUCKET": "fake-bucket", "AWS_REGION": "us-east-1",
                         "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return r.read()

    def message_puts(self, conversation_id):
        prefix = "PUT conversations/%s/messages/" % conversation_id
        stats = json.loads(self.get("/__stats"))
        return sum(n for k, n in stats["requests"].items() if k.startswith(prefix))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class WithFakeS3(unittest.TestCase):
    """A server of this run's kind storing into a FakeS3 of its own, with
    the relay when relay is true."""
    relay = True

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeS3()
        try:
            cls.srv = harness.WebServer(
                harness.CONFIG["server"], harness.CONFIG["mode"], harness.CONFIG["build"],
                dict(SETTINGS, **cls.fake.settings), harness._sanitizer_env(),
                relay=cls.relay).start()
        except BaseException:
            cls.fake.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            cls.fake.stop()


class HistoryOrder(WithFakeS3):
    def race(self):
        """Sends A and B as above; the bodies in history order and in the
        order a participant's stream delivered them."""
        conv = new_conversation(self.srv, "hold1st-" + uuid.uuid4().hex[:12])
        alice = joined(self, self.srv, conv, "Alice")
        bob = joined(self, self.srv, conv, "Bob")
        st = harness.sse(self.srv, bob["sessionId"])
        self.addCleanup(st.close)
        self.assertEqual(st.status, 200)
        answers = {}
        first = threading.Thread(target=lambda: answers.update(a=send(self.srv, alice,
                                                                      {"body": "A"})))
        first.start()
        try:
            wait_for(lambda: self.fake.message_puts(conv["conversationId"]) == 1, 10,
                     "A's PUT to reach the store")
            b = send(self.srv, alice, {"body": "B"})
            self.assertEqual(b.status, 201, b.body)
        finally:
            self.fake.get("/__release?conversation=" + conv["conversationId"])
            first.join(30)
        self.assertEqual(answers["a"].status, 201, answers["a"].body)
        r = self.srv.request("GET", "/api/v1/messages", headers={"x-session-id": bob["sessionId"]})
        self.assertEqual(r.status, 200, r.body)
        history = [m["body"] for m in envelope(r)["data"]["messages"]]
        streamed = []
        while len(streamed) < 2:
            ev = st.next_data()
            self.assertIsNotNone(ev, "the stream ended")
            if ev["data"].get("type") == "new-message":
                streamed.append(ev["data"]["data"]["body"])
        return history, streamed

    def test_the_stream_follows_history_when_the_first_send_is_stored_last(self):
        self.assertEqual(self.race(), (["A", "B"], ["A", "B"]))

    def test_without_the_relays_ordering_the_race_shows(self):
        self.restart_relay({"CHATS3_RELAY_ORDER_MS": "0"})
        self.addCleanup(self.restart_relay, {})
        self.assertEqual(self.race(), (["A", "B"], ["B", "A"]))

    def test_a_failed_send_releases_its_reserve(self):
        """No relay here: a socket in its place shows what a send whose
        storage refuses the message tells it."""
        srv = harness.WebServer(harness.CONFIG["server"], harness.CONFIG["mode"],
                                harness.CONFIG["build"], dict(SETTINGS, **self.fake.settings),
                                harness._sanitizer_env()).start()
        self.addCleanup(srv.stop)
        conv = new_conversation(srv, "deny-" + uuid.uuid4().hex[:12])
        alice = joined(self, srv, conv, "Alice")
        relay = bind_relay(self, srv)
        r = send(srv, alice, {"body": "refused"})
        self.assertNotEqual(r.status, 201, r.body)
        frames = [json.loads(self.next_frame(relay)) for _ in range(2)]
        self.assertEqual([list(f.keys() - {"v"}) for f in frames], [["reserve"], ["release"]])
        self.assertEqual(frames[0]["reserve"], frames[1]["release"])
        self.assertEqual(frames[0]["reserve"]["conversationId"], conv["conversationId"])
        self.assertFalse(select.select([relay], [], [], 0)[0], "no new-message after them")

    @staticmethod
    def next_frame(sock):
        wait_for(lambda: select.select([sock], [], [], 0)[0], 10, "a frame on the relay socket")
        return sock.recv(70000)

    def restart_relay(self, env):
        self.srv.stop_relay()
        self.srv.env = dict(harness._sanitizer_env(), **env)  # the relay's environment wins
        self.srv.start_relay()


if __name__ == "__main__":
    unittest.main()
