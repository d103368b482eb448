#!/usr/bin/env python3
"""Runs the integration tests against one real web server.

    run.py --server lighttpd|apache --mode fastcgi|cgi --build BUILD_DIR
           [--storage fs|s3] [--redis URL] [--label L] [-k SUBSTR]

With --storage s3 the programs store into an s3rver this run starts. With
--redis (a CHATS3_REDIS_URL without its database, such as unix:/path/sock)
each server's state is a database of that Redis of its own, and the tests
marked harness.sqlite_only (they open chats3.db) are left out.

Prints one line per test and ends with "L: N passed, N failed"."""

import argparse
import os
import sys
import time
import traceback
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Result(unittest.TestResult):
    def __init__(self, label):
        super().__init__()
        self.label, self.passed, self.t0 = label, 0, 0.0

    def startTest(self, test):
        super().startTest(test)
        self.t0 = time.time()

    def _line(self, word, test, detail=None):
        print("%s %s %s (%.2fs)" % (self.label, word, test.id().split(".", 1)[1],
                                     time.time() - self.t0), flush=True)
        if detail:
            print("    " + detail.replace("\n", "\n    "), flush=True)

    def addSuccess(self, test):
        self.passed += 1
        self._line("ok", test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line("FAIL", test, "".join(traceback.format_exception(*err))[-3000:])

    def addError(self, test, err):
        super().addError(test, err)
        self._line("ERROR", test, "".join(traceback.format_exception(*err))[-3000:])

    def addSkip(self, test, reason):
        # Nothing may be skipped silently: a skip counts as a failure.
        self.failures.append((test, "skipped: " + reason))
        self._line("FAIL(skipped)", test, reason)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, choices=["lighttpd", "apache"])
    ap.add_argument("--mode", required=True, choices=["fastcgi", "cgi"])
    ap.add_argument("--build", required=True)
    ap.add_argument("--storage", default="fs", choices=["fs", "s3"])
    ap.add_argument("--redis")
    ap.add_argument("--label")
    ap.add_argument("-k", dest="pattern")
    args = ap.parse_args()
    label = args.label or "%s-%s" % (args.server, args.mode)
    harness.CONFIG.update(server=args.server, mode=args.mode, storage=args.storage,
                          build=os.path.abspath(args.build), redis=args.redis)

    return run_suite(os.path.dirname(os.path.abspath(__file__)), label, args.pattern)


def without_sqlite_only(suite):
    """suite less the tests marked harness.sqlite_only (or whose class is)."""
    kept = unittest.TestSuite()
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            kept.addTest(without_sqlite_only(t))
        elif not getattr(getattr(t, t._testMethodName, None), "sqlite_only", False) and \
                not getattr(type(t), "sqlite_only", False):
            kept.addTest(t)
    return kept


def run_suite(here, label, pattern=None):
    """Runs the test_*.py of directory here (only the tests whose names
    hold pattern, when given), then stops the servers; prints the summary
    line. The exit status: 1 when anything failed."""
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    suite = loader.discover(here, pattern="test_*.py", top_level_dir=here)
    if harness.CONFIG.get("redis"):
        suite = without_sqlite_only(suite)
    result = Result(label)
    try:
        suite.run(result)
    finally:
        harness.stop_all()
    failed = len(result.failures) + len(result.errors)
    print("%s: %d passed, %d failed" % (label, result.passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
