"""kill -9 of the messages programs at random points during sends (issue
19): 4 writers send with clientMessageIds, retrying each send until it is
answered, while the messages FastCGI processes (4 of them, see
faults.QuickRespawn) are killed 200 times at random moments. Every answered send is in history exactly once, and once
the kills stop no send is answered 409 (no claim stays stuck behind a dead
process)."""

import os
import time
import unittest
import uuid

import harness
from harness import wait_for
from test_session import new_conversation

import faults

KILLS = 200


class Kills(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(faults.SETTINGS, cls=faults.QuickRespawn)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def kill_one(self, rnd):
        """kill -9 of one running messages process, once another one runs
        too (so that sends go on while lighttpd starts new ones)."""
        pids = wait_for(lambda: (lambda p: p if len(p) >= 2 else None)(
            faults.live_children(self.srv, "messages")), 20, "two messages processes to run")
        try:
            os.kill(rnd.choice(sorted(pids)), 9)
        except ProcessLookupError:
            return 0
        return 1

    def test_200_kills_during_sends_lose_nothing_and_leave_no_key_stuck(self):
        conv = new_conversation(self.srv, "faults-kills-" + uuid.uuid4().hex[:8])
        writers = faults.Writers(self, self.srv, conv, 4, "K").start()
        rnd = faults.rng("kills")
        kills, started = 0, time.monotonic()
        try:
            while kills < KILLS:
                # A random moment: after 0 to 3 more answered sends.
                writers.wait_sends(rnd.randrange(0, 4), "the writers to go on")
                kills += self.kill_one(rnd)
            killed_at = time.monotonic()
            writers.calm(40)
        finally:
            writers.stop()
        self.assertEqual(kills, KILLS)
        checked_at = time.monotonic()
        writers.assert_recovered("during %.1f s of kills" % (killed_at - started))
        print("    checked in %.1f s" % (time.monotonic() - checked_at), flush=True)


if __name__ == "__main__":
    unittest.main()
