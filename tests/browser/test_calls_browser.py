"""Audio and video calls in a real browser (Debian's chromium through
playwright-core, tests/browser/calls.js, with chromium's fake camera and
microphone), against lighttpd with FastCGI and the SSE relay: Alice calls
Bob, Bob accepts, both connections reach "connected" and each shows the
other's video, and a hang-up closes both panels; a declined call closes
the caller's panel, and so does the callee's leaving the room; when both call each other at once (their offers
cross), perfect negotiation leaves one connected call. A screenshot of
the call goes to tests/artifacts/."""

import json
import os
import subprocess
import unittest

import harness
from harness import envelope
from test_session import ADMIN, post_json

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(harness.ROOT, "tests", "artifacts")
SCENARIO_SECONDS = 120


class CallsInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({
            "CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000"}, relay=True)
        cls.addClassCleanup(cls.srv.stop)

    def room_of_two(self):
        conv_id = "call-" + self._testMethodName[5:40].replace("_", "-")
        r = post_json(self.srv, "/api/v1/admin/conversations", {"conversationId": conv_id},
                      {"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 201, r.body)
        code = envelope(r)["data"]["conversation"]["joinCode"]
        people = {}
        for name in ("Alice", "Bob"):
            r = post_json(self.srv, "/api/v1/join", {"conversationId": conv_id, "joinCode": code,
                                                     "displayName": name})
            self.assertEqual(r.status, 201, r.body)
            s = envelope(r)["data"]["session"]
            people[name.lower()] = {"sessionId": s["sessionId"], "userId": s["userId"]}
        return dict(people, conversationId=conv_id)

    def scenario(self, name):
        """Runs calls.js name in a room of Alice and Bob; returns its checks."""
        cfg = dict(self.room_of_two(), base="http://127.0.0.1:%d" % self.srv.port,
                   artifacts=ARTIFACTS)
        try:
            done = subprocess.run(["node", os.path.join(HERE, "calls.js"), name, json.dumps(cfg)],
                                  cwd=HERE, capture_output=True, text=True,
                                  timeout=SCENARIO_SECONDS)
        except subprocess.TimeoutExpired as e:
            self.fail("calls.js %s ran over %d s: %s" % (name, SCENARIO_SECONDS, e.stdout))
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        checks = {got["check"]: got["got"] for got in lines if "check" in got}
        self.assertEqual(done.returncode, 0, "%s\nchecks so far: %s\n%s" % (
            done.stderr[-3000:], checks, self.srv.log_tail()))
        self.assertIn({"done": True}, lines)
        return checks

    def assert_in_call(self, seen, title):
        self.assertTrue(seen["panel"], seen)
        self.assertEqual(seen["connection"], "connected")
        self.assertGreater(seen["remoteWidth"], 0)
        self.assertEqual(seen["title"], title)

    def test_alice_calls_bob_who_accepts_then_she_hangs_up(self):
        got = self.scenario("call")
        self.assertEqual(got["bob is rung"], "Alice is calling you (video).AcceptDecline")
        self.assert_in_call(got["alice connected"], "Video call with Bob")
        self.assert_in_call(got["bob connected"], "Video call with Alice")
        self.assertEqual(got["alice connected"]["callId"], got["bob connected"]["callId"])
        self.assertEqual(got["alice muted"], "true")
        self.assertFalse(got["alice after hanging up"]["panel"])
        self.assertEqual(got["alice after hanging up"]["status"], "Call ended.")
        self.assertFalse(got["bob after alice hung up"]["panel"])
        self.assertEqual(got["bob after alice hung up"]["status"], "Alice hung up.")
        self.assertTrue(got["bob can call again"])

    def test_bob_declines_then_leaves_a_call(self):
        got = self.scenario("decline")
        self.assertEqual(got["bob is rung"], "Alice is calling you (audio).AcceptDecline")
        self.assertEqual(got["alice waits"], "Call with Bob")
        self.assertEqual(got["alice after the decline"]["status"], "Bob declined the call.")
        self.assertFalse(got["alice after the decline"]["panel"])
        self.assertEqual(got["bob after declining"]["status"], "You declined the call from Alice.")
        self.assertEqual(got["alice after bob left"]["status"], "Bob left.")

    def test_both_call_at_once_and_get_one_call(self):
        got = self.scenario("glare")
        self.assertEqual(got["offers that crossed"], 2)
        self.assert_in_call(got["alice"], "Video call with Bob")
        self.assert_in_call(got["bob"], "Video call with Alice")
        self.assertEqual(got["alice"]["callId"], got["bob"]["callId"])
        self.assertIsNone(got["alice"]["prompt"])
        self.assertIsNone(got["bob"]["prompt"])
        self.assertEqual(got["alice after bob hung up"]["status"], "Bob hung up.")


if __name__ == "__main__":
    unittest.main()
