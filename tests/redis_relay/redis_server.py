"""A private redis-server for the redis-relay tests and bench/scaleout."""

import os
import shutil
import subprocess
import tempfile

import harness
from harness import wait_for


class RedisServer:
    """A redis-server on a free loopback port, nothing saved to disk; stop()
    and start() again keep the port (a Redis restarted mid-run)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="chats3-redis-")
        self.port = harness.free_port()
        self.proc = None

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def cli(self, *args):
        """redis-cli's answer to args, or None when Redis does not answer."""
        r = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                           text=True, timeout=10)
        return r.stdout.strip() if r.returncode == 0 else None

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir], stdout=log, stderr=log,
            start_new_session=True)
        log.close()
        wait_for(lambda: self.cli("PING") == "PONG", 10, "redis-server to answer")
        return self

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
