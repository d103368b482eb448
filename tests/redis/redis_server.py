"""A private redis-server for the Redis tests: Debian's redis-server on a
Unix socket in a directory of its own (no TCP port, so it never meets
another one on the machine), no persistence unless asked for at stop.
The one helper of every Redis test: tests/redis/run.py, the tests of
tests/redis/ and bench/scaleout."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import harness  # noqa: E402

DATABASES = 4096  # one per server a run starts (harness.new_server), and per unit test


class RedisServer:
    """redis-server with its socket, data and log in self.dir. url(db) is
    the CHATS3_REDIS_URL of one of its databases."""

    def __init__(self, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="chats3-redis-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.proc = None

    def url(self, db=0):
        return "unix:%s?db=%d" % (self.sock, db) if db else "unix:" + self.sock

    def start(self):
        """Starts it (again, on the same socket and data, after stop) and
        waits until it answers PING."""
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "777",
             "--dir", self.dir, "--save", "", "--appendonly", "no",
             "--databases", str(DATABASES), "--logfile", os.path.join(self.dir, "log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        harness.wait_for(self.answers, 10, "redis-server to answer on " + self.sock)
        return self

    def command(self, *words):
        """One command over the socket (words as they are, spaces and all):
        the reply's first line ("+PONG", ":2"), or None when nothing answers."""
        request = b"*%d\r\n" % len(words) + b"".join(
            b"$%d\r\n%s\r\n" % (len(w), w) for w in (w.encode() for w in words))
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(self.sock)
                s.sendall(request)
                return s.recv(4096).split(b"\r\n", 1)[0].decode()
        except OSError:
            return None

    def answers(self):
        return self.proc is not None and self.proc.poll() is None and self.command("PING") == "+PONG"

    def stop(self, save=False):
        """Stops it (SHUTDOWN, saving its data first when save is set, so
        a start brings it back as a Redis with persistence restarts), and
        waits until it is gone."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.command("SHUTDOWN", "SAVE" if save else "NOSAVE")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def pause(self):
        """Stops the process (SIGSTOP): connections stay open, nothing answers."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)


def started(add_cleanup):
    """A RedisServer started now, stopped and its directory removed by the
    cleanups add_cleanup registers (a test's addCleanup, or a class's
    addClassCleanup)."""
    redis = RedisServer().start()
    add_cleanup(shutil.rmtree, redis.dir, True)
    add_cleanup(redis.stop)
    return redis
