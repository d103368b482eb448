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

Each part ends with "redis-PART: N passed, N failed"."""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
import run as integration_run  # noqa: E402
from redis_server import RedisServer  # noqa: E402

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", dest="pattern")
    ap.add_argument("part", choices=["unit", "integration", "own"])
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    if args.part == "own":
        return own(build, args.pattern)
    redis = RedisServer().start()
    try:
        return unit(build, redis) if args.part == "unit" else integration(build, redis)
    finally:
        redis.stop()
        shutil.rmtree(redis.dir, True)


if __name__ == "__main__":
    sys.exit(main())
