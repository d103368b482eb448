#!/usr/bin/env python3
"""Runs tests/browser/test_*.py with the integration tests' harness and
result lines (tests/integration/run.py), against lighttpd with FastCGI."""

import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
import run as integration  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("-k", dest="pattern", help="only the tests whose name contains this")
    args = ap.parse_args()
    harness.CONFIG.update(server="lighttpd", mode="fastcgi", storage="fs",
                          build=os.path.abspath(args.build))
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % args.pattern]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = integration.Result("browser")
    try:
        suite.run(result)
    finally:
        harness.stop_all()
    failed = len(result.failures) + len(result.errors)
    print("browser: %d passed, %d failed" % (result.passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
