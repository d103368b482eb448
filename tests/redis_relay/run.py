#!/usr/bin/env python3
"""The fan-out between the relays of two hosts over Redis (issue 20; docs/relay.md,
Several hosts): two full stacks (lighttpd FastCGI, programs, relay), each with its
own data directory and port, sharing one s3rver and one redis-server of this run
(a private port, no persistence), all on 127.0.0.1.

    run.py --build BUILD_DIR [-k SUBSTR]

Prints one line per test and ends with "redis-relay: N passed, N failed"."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
from harness import wait_for  # noqa: E402
from run import run_suite  # noqa: E402


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", dest="pattern")
    args = ap.parse_args()
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="s3",
                          build=os.path.abspath(args.build))
    redis = RedisServer()
    harness.CONFIG["redis"] = redis
    try:
        redis.start()
        return run_suite(HERE, "redis-relay", args.pattern)
    finally:
        redis.remove()


if __name__ == "__main__":
    sys.exit(main())
