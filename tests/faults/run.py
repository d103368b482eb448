#!/usr/bin/env python3
"""tests/faults/run.py --build BUILD_DIR [--seed N] [-k SUBSTR]: the faults
stage (issue 19, "Faults, with nothing lost"), against the real stack:
lighttpd with the programs as FastCGI, the SSE relay, s3rver or the local
directory as storage. Each test_*.py here is one fault: programs killed
with kill -9 during sends, S3 stopped during sends, the relay killed.

Randomness (when and what to kill, the writers' pauses) comes from one
seed, printed first; --seed N repeats a run. Prints one line per test and
ends with "faults: N passed, N failed"."""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
import faults  # noqa: E402
from run import run_suite  # noqa: E402  (tests/integration/run.py)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--seed", type=int)
    ap.add_argument("-k", dest="pattern")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print("faults: seed %d (tests/faults/run.py --seed %d repeats this run)" % (seed, seed),
          flush=True)
    faults.SEED = seed
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="fs",
                          build=os.path.abspath(args.build))
    return run_suite(HERE, "faults", args.pattern)


if __name__ == "__main__":
    sys.exit(main())
