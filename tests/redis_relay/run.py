#!/usr/bin/env python3
"""The fan-out between the relays of two hosts over Redis (issue 20; docs/relay.md,
Several hosts): two full stacks (lighttpd FastCGI, programs, relay), each with its
own data directory and port, sharing one s3rver and one redis-server of this run
(a private port, no persistence), all on 127.0.0.1.

    run.py --build BUILD_DIR [-k SUBSTR]

Prints one line per test and ends with "redis-relay: N passed, N failed"."""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from run import run_suite  # noqa: E402  (tests/integration/run.py)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", dest="pattern")
    args = ap.parse_args()
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="s3",
                          build=os.path.abspath(args.build))
    redis = RedisServer()
    harness.CONFIG["redis_server"] = redis
    try:
        redis.start()
        return run_suite(HERE, "redis-relay", args.pattern)
    finally:
        redis.remove()


if __name__ == "__main__":
    sys.exit(main())
