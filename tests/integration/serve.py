#!/usr/bin/env python3
"""The launcher's life cycle: `./chats3 serve` (lighttpd with the programs
as FastCGI) stopped by a Ctrl-C (SIGINT to its process group) or by SIGTERM
to the launcher alone leaves no process of the installation running 5 s
later (the relay included), and a second one starts right after on the same port; the programs
also end when their web server is killed outright.

    serve.py [--build BUILD_DIR] [--label L]

Runs the real ./chats3 serve of this checkout from the checkout (it builds
build/ first: a no-op once tests/run has built it) on a free loopback port
with a fresh CHATS3_DATA_DIR. A process belongs to the installation when
its command line or environment names that directory. Prints one line per
test and ends with "L: N passed, N failed"."""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ROOT, installation_pids, proc_file, wait_for  # noqa: E402
from run import Result  # noqa: E402

PROGRAMS = {"health", "session", "messages", "signaling", "admin", "notfound"}
# One request for each program: (path, the status it answers without a session).
REQUESTS = [("/api/v1/health", 200), ("/api/v1/session", 401), ("/api/v1/messages", 401),
            ("/api/v1/admin/conversations", 401), ("/api/v1/nope", 404)]


def default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


STOP_SECONDS = 5  # issue 13: nothing of the installation runs 5 s after the signal
BUILD = os.path.join(ROOT, "build")
RELAY = os.path.join(ROOT, "build", "sse-relay", "chats3-relay")  # what ./chats3 serve starts


def serve_processes():
    """What a serving launcher runs: lighttpd, the programs and, once
    built, the relay."""
    return PROGRAMS | {"lighttpd"} | ({"chats3-relay"} if os.path.exists(RELAY) else set())


def programs_running(marker):
    """The program names (argv[0] without its directory) of the installation."""
    return {os.path.basename(proc_file(p, "cmdline").split(b"\0")[0].decode(errors="replace"))
            for p in installation_pids(marker)}


def children(pid):
    """The processes whose parent is pid."""
    return [p for p in os.listdir("/proc") if p.isdigit()
            and proc_file(p, "stat").rsplit(b")", 1)[-1].split()[1:2] == [str(pid).encode()]]


def past_start(pid, parent_exe):
    """Whether pid, forked by the executable parent_exe, runs a program of
    its own that has installed its SIGTERM handler (or is gone). Before its
    exec a child still has its parent's executable and handlers."""
    try:
        if os.readlink("/proc/%s/exe" % pid) == parent_exe:
            return False
    except OSError:
        return True
    status = proc_file(pid, "status")
    caught = [line.split()[1] for line in status.splitlines() if line.startswith(b"SigCgt:")]
    return not status or bool(caught and int(caught[0], 16) & (1 << (signal.SIGTERM - 1)))


def left_over(marker):
    return ", ".join("%d %s" % (p, proc_file(p, "cmdline").replace(b"\0", b" ").decode(
        errors="replace")) for p in installation_pids(marker)) or "nothing"


class Launcher:
    """One `./chats3 serve` of this checkout, in a session of its own (as a
    shell runs a command in a process group of its own)."""

    def __init__(self, data_dir, port, options=()):
        self.data_dir, self.port, self.options = data_dir, port, list(options)
        self.log_path = os.path.join(os.path.dirname(data_dir), "serve-%d.log" % port)
        self.proc = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env.update(CHATS3_PORT=str(self.port), CHATS3_BIND="127.0.0.1",
                   CHATS3_DATA_DIR=self.data_dir)
        with open(self.log_path, "ab") as log:
            # As from a terminal: a test run started in the background (CI,
            # "tests/run &") has SIGINT ignored, and bash cannot trap a signal
            # ignored when it starts.
            self.proc = subprocess.Popen([os.path.join(ROOT, "chats3"), "serve"] + self.options,
                                         cwd=ROOT,
                                         env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=default_sigint)
        srv = harness.WebServer("lighttpd", "fastcgi", BUILD)
        srv.port = self.port  # only its HTTP helpers
        self.http = srv
        wait_for(self.healthy, 300, lambda: "./chats3 serve to answer health 200:\n" + self.tail())
        return self

    def healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError("./chats3 serve exited (%s):\n%s"
                                 % (self.proc.returncode, self.tail()))
        try:
            return self.http.request("GET", "/api/v1/health", timeout=5).status == 200
        except OSError:
            return False

    def tail(self, n=20):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-n:])

    def signal_group(self, sig):
        os.killpg(self.proc.pid, sig)

    def signal_launcher(self, sig):
        os.kill(self.proc.pid, sig)

    def reap(self):
        try:
            self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("./chats3 serve still running %d s after the signal"
                                 % STOP_SECONDS)


class Serve(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="chats3-serve-")
        self.data_dir = os.path.join(self.dir, "data")
        self.port = harness.free_port()
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.addCleanup(harness.end_processes, self.data_dir)

    def serving(self, options=()):
        """A launcher answering, with every program spawned."""
        launcher = Launcher(self.data_dir, self.port, options).start()
        for path, status in REQUESTS:
            self.assertEqual(launcher.http.request("GET", path).status, status, path)
        running = programs_running(self.data_dir)
        self.assertLessEqual(serve_processes(), running, left_over(self.data_dir))
        return launcher

    def assert_all_stopped(self, launcher, how):
        wait_for(lambda: not installation_pids(self.data_dir), STOP_SECONDS,
                 lambda: "every process to end after %s; left: %s" % (
                     how, left_over(self.data_dir)))
        launcher.reap()
        self.assertIn("chats3: stopped", launcher.tail())

    def assert_starts_again(self):
        launcher = self.serving()  # the same port, the same data directory
        launcher.signal_launcher(signal.SIGTERM)
        self.assert_all_stopped(launcher, "SIGTERM to the second launcher")

    def test_ctrl_c_stops_every_process_and_a_new_serve_starts(self):
        launcher = self.serving()
        launcher.signal_group(signal.SIGINT)
        self.assert_all_stopped(launcher, "SIGINT to the launcher's process group")
        self.assert_starts_again()

    def test_sigterm_to_the_launcher_alone_stops_every_process(self):
        launcher = self.serving()
        launcher.signal_launcher(signal.SIGTERM)
        self.assert_all_stopped(launcher, "SIGTERM to the launcher alone")
        self.assert_starts_again()

    def test_serve_redis_keeps_the_state_in_a_redis_stopped_with_the_rest(self):
        launcher = self.serving(["--redis"])
        self.assertTrue(any(proc_file(p, "cmdline").startswith(b"redis-server")
                            for p in installation_pids(self.data_dir)), left_over(self.data_dir))
        r = launcher.http.request("GET", "/api/v1/health?deep=1")
        self.assertEqual(harness.envelope(r)["data"]["checks"]["database"], "ok", r.body)
        self.assertFalse(os.path.exists(os.path.join(self.data_dir, "chats3.db")))
        launcher.signal_group(signal.SIGINT)
        self.assert_all_stopped(launcher, "SIGINT to a launcher serving with --redis")

    def test_the_data_directory_is_its_users_only(self):
        launcher = self.serving()
        self.addCleanup(launcher.reap)
        self.addCleanup(launcher.signal_launcher, signal.SIGTERM)
        mode = lambda *p: os.stat(os.path.join(self.data_dir, *p)).st_mode & 0o7777
        db = os.path.join(self.data_dir, "chats3.db")
        wait_for(lambda: os.path.exists(db), STOP_SECONDS, "the relay to make chats3.db")
        self.assertEqual((mode(), mode("run"), mode("chats3.db"), mode("admin-token")),
                         (0o700, 0o700, 0o600, 0o600))

    def test_the_programs_end_with_a_web_server_killed_outright(self):
        srv = harness.WebServer("lighttpd", "fastcgi", BUILD).start()
        self.addCleanup(srv.stop)
        for path, status in REQUESTS:
            self.assertEqual(srv.request("GET", path).status, status, path)
        self.assertLessEqual(PROGRAMS, programs_running(srv.dir))
        # A program forked by lighttpd learns its parent first thing; one not
        # yet that far when lighttpd dies would take init for its web server.
        lighttpd = os.readlink("/proc/%d/exe" % srv.proc.pid)
        wait_for(lambda: all(past_start(p, lighttpd) for p in children(srv.proc.pid)),
                 STOP_SECONDS, "every program lighttpd started to be past its start")
        os.kill(srv.proc.pid, signal.SIGKILL)  # lighttpd alone: it stops nothing
        wait_for(lambda: programs_running(srv.dir) <= {"lighttpd"}, STOP_SECONDS,
                 lambda: "the programs to end after SIGKILL to lighttpd; left: %s"
                 % left_over(srv.dir))


def main():
    global BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("--label", default="serve")
    args = ap.parse_args()
    BUILD = os.path.abspath(args.build)
    suite = unittest.TestLoader().loadTestsFromTestCase(Serve)
    result = Result(args.label)
    suite.run(result)
    failed = len(result.failures) + len(result.errors)
    print("%s: %d passed, %d failed" % (args.label, result.passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
