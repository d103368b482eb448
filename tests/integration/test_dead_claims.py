"""A send whose program is killed (kill -9) in the middle, after it claimed
its clientMessageId (issue 19, "Faults, with nothing lost"): the retry with
the same clientMessageId is answered at once, never 409 for the claim the
dead process left, and the message is in history exactly once: 200 when
the first attempt's message had reached storage, 201 when the retry
stored it. Storage is
tests/s3/fake_s3.py, whose hold1st- and holddrop- conversations hold the
first message PUT until the test lets it go: the test kills the programs
while the PUT waits, then lets it store (hold1st) or drop (holddrop)."""

import os
import threading
import unittest
import uuid

import harness
from harness import envelope, wait_for
from test_messages import history, joined, send
from test_relay_order import WithFakeS3
from test_session import new_conversation


def program_pids(srv, name):
    """The running processes of srv's installation that are the program name."""
    pids = []
    for pid in harness.installation_pids(srv.dir):
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            continue
        if os.path.basename(exe) == name:
            pids.append(pid)
    return pids


def kill_program(srv, name):
    """kill -9 of every process of program name; waits until they are gone."""
    pids = program_pids(srv, name)
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    wait_for(lambda: not set(pids) & set(program_pids(srv, name)), 10,
             "the killed %s processes to end" % name)
    return pids


class DeadClaims(WithFakeS3):
    relay = False

    def killed_mid_put(self, prefix):
        """Sends with a clientMessageId into a new prefix- conversation,
        kills the messages programs while the PUT waits, lets the PUT go,
        then retries: (the retry's answer, history, the sender)."""
        conv = new_conversation(self.srv, prefix + uuid.uuid4().hex[:12])
        me = joined(self, self.srv, conv, "Alice")
        doc = {"body": "sent once", "clientMessageId": "dies-" + prefix}
        first = threading.Thread(target=lambda: send(self.srv, me, doc))
        first.start()
        try:
            wait_for(lambda: self.fake.message_puts(conv["conversationId"]) == 1, 10,
                     "the send's PUT to reach the store")
            self.assertTrue(kill_program(self.srv, "messages"), "no messages process ran")
        finally:
            self.fake.get("/__release?conversation=" + conv["conversationId"])
            first.join(30)
        r = wait_for(lambda: (lambda a: a if a.status in (200, 201) else None)(
            send(self.srv, me, doc)), 20, "the retry to be answered")
        return r, history(self, self.srv, me), me

    def assert_once(self, r, msgs, me, status):
        self.assertEqual(r.status, status, r.body)
        m = envelope(r)["data"]["message"]
        self.assertEqual(m["body"], "sent once")
        self.assertEqual(m["senderUserId"], me["userId"])
        self.assertEqual([(x["messageId"], x["body"]) for x in msgs],
                         [(m["messageId"], "sent once")])

    def test_a_retry_returns_the_message_a_killed_send_had_stored(self):
        self.assert_once(*self.killed_mid_put("hold1st-"), 200)

    def test_a_retry_stores_once_what_a_killed_send_had_not_stored(self):
        r, msgs, me = self.killed_mid_put("holddrop-")
        self.assert_once(r, msgs, me, 201)
        again = send(self.srv, me, {"body": "sent once", "clientMessageId": "dies-holddrop-"})
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual(envelope(again)["data"], envelope(r)["data"])


if __name__ == "__main__":
    unittest.main()
