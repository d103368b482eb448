"""The relay out of file descriptors (issue 14): with a low RLIMIT_NOFILE
and more clients than descriptors, accept() fails with EMFILE. The relay
must back off (stop watching its listeners for 100 ms, one log line per
back-off) instead of spinning: its CPU time stays low while the open
stream keeps receiving events, and once descriptors free up it accepts
again."""

import os
import resource
import socket
import subprocess
import time
import unittest

from harness import wait_for
from test_messages import joined
from test_relay import RelayCase, publish_frame

NOFILE = 40       # the relay's hard and soft limit here
CLIENTS = 2 * NOFILE
WINDOW_S = 1.0    # how long the relay's CPU time is watched while out of descriptors
MAX_CPU_SHARE = 0.1  # a relay backing off uses next to none; a spinning one, a core when it gets one


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class RawStream:
    """GET /api/v1/signaling straight on the relay's socket."""

    def __init__(self, path, session_id):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.sock.sendall(b"GET /api/v1/signaling HTTP/1.1\r\nHost: relay\r\n"
                          b"x-session-id: %s\r\n\r\n" % session_id.encode())
        self.seen = b""
        self.until(b'"connected"')

    def until(self, needle):
        deadline = time.monotonic() + 10
        while needle not in self.seen:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("the stream ended before %r: %r" % (needle, self.seen))
            self.seen += data

    def close(self):
        self.sock.close()


class OutOfDescriptors(RelayCase):
    def limited_relay(self):
        """The relay on this server's settings, under RLIMIT_NOFILE NOFILE
        (hard too: it raises its soft limit to the hard one)."""
        self.srv.stop_relay()
        self.addCleanup(self.srv.start_relay)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env.update(CHATS3_CONFIG_FILE=self.srv.conf_file, **self.srv.env)
        user = self.srv._relay_user()
        log = open(self.srv.relay_log, "ab")
        proc = subprocess.Popen(
            [os.path.join(self.srv.build_dir, "sse-relay", "chats3-relay")], env=env,
            stdout=log, stderr=log, start_new_session=True, user=user, group=user,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE)))
        log.close()

        def stop():
            proc.terminate()
            self.assertEqual(proc.wait(10), 0)
        self.addCleanup(stop)
        wait_for(lambda: self.health() == 200, 10, "the limited relay to answer")
        return proc

    def connect(self):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(self.path)
        return s

    def health(self):
        """The status of the relay's GET /health on a new connection (0:
        no answer yet)."""
        try:
            with self.connect() as s:
                s.settimeout(2)
                s.sendall(b"GET /health HTTP/1.1\r\nHost: relay\r\n\r\n")
                return int(s.recv(4096).split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    def log_lines(self, needle):
        with open(self.srv.relay_log, errors="replace") as f:
            return sum(needle in line for line in f)

    def test_the_relay_backs_off_and_accepts_again(self):
        self.path = os.path.join(self.srv.data_dir, "run", "relay.sock")
        alice = joined(self, self.srv, self.conv, "Alice")
        before = self.log_lines("out of file descriptors")
        proc = self.limited_relay()
        st = RawStream(self.path, alice["sessionId"])
        self.addCleanup(st.close)
        clients = []
        try:
            for _ in range(CLIENTS):  # past the limit they wait in the backlog
                clients.append(self.connect())
            wait_for(lambda: self.log_lines("out of file descriptors") > before, 10,
                     "the relay to run out of descriptors")
            cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
            publish_frame(self.srv, {"v": 1, "conversationId": self.conv["conversationId"],
                                     "event": {"id": "x", "type": "typing",
                                               "fromUserId": alice["userId"], "toUserId": None,
                                               "data": {"marker": "while-full"}, "timestamp": 1}})
            st.until(b"while-full")  # the open stream is served meanwhile
            wait_for(lambda: time.monotonic() - t0 >= WINDOW_S, WINDOW_S + 5, "the window")
            spent, elapsed = cpu_seconds(proc.pid) - cpu0, time.monotonic() - t0
            self.assertLess(spent, MAX_CPU_SHARE * elapsed,
                            "the relay used %.2f s of CPU in %.2f s" % (spent, elapsed))
            # one line per 100 ms back-off (and the one before the window), not per accept
            pauses = self.log_lines("out of file descriptors") - before
            self.assertLessEqual(pauses, 2 + 2 * (time.monotonic() - t0) * 1000 / 100)
        finally:
            for c in clients:
                c.close()
        wait_for(lambda: self.health() == 200, 10, "the relay to accept again")


if __name__ == "__main__":
    unittest.main()
