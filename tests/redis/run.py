#!/usr/bin/env python3
"""The Redis state's tests (tests/run redis), one part a call, each on a
private redis-server (redis_server.py) stopped at the end:

    run.py --build BUILD_DIR unit          the unit tests that take their
                                           state from state_open.h, and the
                                           message store, on Redis
    run.py --build BUILD_DIR integration   tests/integration on lighttpd
                                           FastCGI with the state on Redis
    run.py --build BUILD_DIR own           the tests of this directory
                                           (lighttpd FastCGI, s3rver): Redis
                                           away, the relay's sweep, two hosts
                                           as one (state, and the relays'
                                           link: test_relay_link.py)
    run.py --build BUILD_DIR beside-writes tests/integration against host B
                                           while host A, on the same Redis
                                           database and s3rver, takes a
                                           stream of sends; then B's
                                           history lists every one in order

Each part ends with "redis-PART: N passed, N failed"."""

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
import run as integration_run  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from test_session import ADMIN, join, new_conversation, post_json  # noqa: E402

UNIT_TESTS = ["tests/unit/test_state", "tests/unit/test_session_store",
              "tests/unit/test_idempotency", "tests/unit/test_ratelimit"]
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed$")


def env_for(url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
    env.update(CHATS3_STATE="redis", CHATS3_REDIS_URL=url)
    return env


def unit(build, redis):
    """Each program on a database of its own; sums their summary lines."""
    passed = failed = 0
    commands = [[os.path.join(build, t)] for t in UNIT_TESTS]
    commands.append([os.path.join(ROOT, "tests", "storage", "fs.sh"),
                     os.path.join(build, "tests", "messages", "test_message_store")])
    for db, command in enumerate(commands, 1):
        p = subprocess.run(command, cwd=build, env=env_for(redis.url(db)), timeout=600,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(p.stdout, end="", flush=True)
        lines = p.stdout.strip().splitlines()
        m = SUMMARY.search(lines[-1]) if lines else None
        if m is None or (p.returncode != 0 and m.group(2) == "0"):
            print("%s: exit status %d: 0 passed, 1 failed" % (command[-1], p.returncode))
            failed += 1
        else:
            passed, failed = passed + int(m.group(1)), failed + int(m.group(2))
    print("redis-unit: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


def integration(build, redis):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tests", "integration", "run.py"),
                           "--server", "lighttpd", "--mode", "fastcgi", "--build", build,
                           "--redis", redis.url(), "--label", "redis-integration"],
                          timeout=3600).returncode


def own(build, pattern):
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="s3", build=build)
    return integration_run.run_suite(HERE, "redis-own", pattern)


class Tee:
    """Writes to out, keeping the last line that holds a summary."""

    def __init__(self, out):
        self.out, self.last = out, ""

    def write(self, text):
        for line in text.splitlines():
            if SUMMARY.search(line):
                self.last = line
        return self.out.write(text)

    def flush(self):
        self.out.flush()


class Writer(threading.Thread):
    """Sends to one conversation of host srv every 50 ms until stopped: the
    message ids answered 201, and the other answers."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv, self.conv = srv, new_conversation(srv)
        r = join(srv, self.conv, "Writer on A")
        self.session = {"x-session-id": harness.envelope(r)["data"]["session"]["sessionId"]}
        self.sent, self.failures = [], []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            r = post_json(self.srv, "/api/v1/messages", {"body": "m%d" % len(self.sent)},
                          self.session)
            if r.status == 201:
                self.sent.append(harness.envelope(r)["data"]["message"]["messageId"])
            else:
                self.failures.append((r.status, r.body[:200]))

    def lost_on(self, srv):
        """What srv's history shows amiss of the sends: [] when it lists
        every one, in order."""
        ids, query = [], "limit=100"
        while True:
            r = srv.request("GET", "/api/v1/messages?" + query, headers=self.session)
            page = harness.envelope(r)["data"]
            ids[:0] = [m["messageId"] for m in page["messages"]]
            if not page.get("nextCursor"):
                break
            query = "limit=100&before=" + page["nextCursor"]
        return [] if ids == self.sent else [
            "history on %d lists %d of %d sends, or not in order" % (srv.port, len(ids),
                                                                   len(self.sent))]


def suite_on_shared(pattern):
    """tests/integration on harness.shared(), left running with this run's
    s3rver: (passed, failed)."""
    tee, stop_all = Tee(sys.stdout), harness.stop_all
    harness.stop_all = lambda: None  # run_suite's; the caller stops them
    try:
        with contextlib.redirect_stdout(tee):
            integration_run.run_suite(os.path.join(ROOT, "tests", "integration"),
                                      "redis-beside-writes-b", pattern)
    finally:
        harness.stop_all = stop_all
    return tuple(map(int, SUMMARY.search(tee.last).groups()))


def beside_writes(build, redis, pattern):
    """The integration suite on host B while host A writes (see the top)."""
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="s3", build=build,
                          redis=redis.url())
    # the final check reads the writer's whole history on both hosts: past
    # any read budget, which is not what this part tests
    unbudgeted = {"CHATS3_READ_BUDGET": "100000000"}
    a = harness.new_server(dict(unbudgeted, CHATS3_WRITE_RATE="100000", CHATS3_ADMIN_TOKEN=ADMIN))
    try:
        harness.CONFIG["redis_db"] -= 1  # the next server on A's database
        harness._shared = harness.new_server(unbudgeted)  # B, the suite's server
        writer = Writer(a)
        writer.start()
        passed, failed = suite_on_shared(pattern)
        writer.stop.set()
        writer.join(10)
        problems = writer.failures[:3] + writer.lost_on(a) + writer.lost_on(harness.shared())
        print("host A's writes: %d answered 201, %d not: %s"
              % (len(writer.sent), len(writer.failures), problems or "none lost"))
        passed, failed = (passed, failed + 1) if problems else (passed + 1, failed)
        print("redis-beside-writes: %d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        harness.stop_all()
        a.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", dest="pattern")
    ap.add_argument("part", choices=["unit", "integration", "own", "beside-writes"])
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if args.part == "own":
        return own(build, args.pattern)
    redis = RedisServer().start()
    try:
        if args.part == "beside-writes":
            return beside_writes(build, redis, args.pattern)
        return unit(build, redis) if args.part == "unit" else integration(build, redis)
    finally:
        redis.stop()
        shutil.rmtree(redis.dir, True)


if __name__ == "__main__":
    sys.exit(main())
