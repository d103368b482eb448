"""What the fault tests share: the run's seed, writers that send with
clientMessageIds and retry each send until it is answered, and the check
that every answered send is in history exactly once."""

import collections
import concurrent.futures
import http.client
import os
import random
import re
import threading
import time

import harness
from harness import envelope
from test_messages import history, joined, send
from test_session import ADMIN

SEED = 0
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "1000000", "CHATS3_READ_BUDGET": "100000000",
            "CHATS3_RELAY_HEARTBEAT_MS": "200"}
SEND_DEADLINE = 60  # seconds one message may take, retries included


class QuickRespawn(harness.WebServer):
    """lighttpd with 4 processes of each program and a failed one retried
    at once (disable-time 0; the default waits a second and more), so that
    200 kills cost seconds of the stage, not minutes."""

    def _fixture_conf(self, conf_dir, bin_dir, conf_file):
        super()._fixture_conf(conf_dir, bin_dir, conf_file)
        edited = 0
        for name in os.listdir(conf_dir):
            path = os.path.join(conf_dir, name)
            with open(path) as f:
                text = f.read()
            new = re.sub(r'"max-procs"\s*=>\s*2,', '"max-procs" => 4, "disable-time" => 0,', text)
            if new != text:
                with open(path, "w") as f:
                    f.write(new)
                edited += 1
        if not edited:
            raise AssertionError("no max-procs in the rendered lighttpd configuration")


def live_children(srv, name):
    """The running (not zombie) child processes of srv's lighttpd that are
    the program name: what lighttpd spawned, read from /proc at once."""
    pids = []
    for task in os.listdir("/proc/%d/task" % srv.proc.pid):
        with open("/proc/%d/task/%s/children" % (srv.proc.pid, task)) as f:
            pids += [int(p) for p in f.read().split()]
    live = []
    for pid in pids:
        stat = harness.proc_file(pid, "stat")
        if stat and stat.rsplit(b")", 1)[-1].split()[0] not in (b"Z", b"X") and \
                harness.proc_file(pid, "comm").strip() == name.encode():
            live.append(pid)
    return live


def rng(name):
    """A random generator of its own for name, from the run's seed."""
    return random.Random("%d:%s" % (SEED, name))


class Writers:
    """n writers, each with a session of its own in conv, sending messages
    with clientMessageIds until stop(); each send is retried with its key
    until it is answered 200 or 201. statuses counts every answer (None: no
    answer) in the phase it came in ("fault" until calm(), then "calm");
    answers holds the 503s, for their Retry-After."""

    def __init__(self, test, srv, conv, n, name):
        self.test, self.srv = test, srv
        self.sessions = [joined(test, srv, conv, "%s%d" % (name, i)) for i in range(n)]
        self.rngs = [rng("%s-%d" % (name, i)) for i in range(n)]
        self.sent = {}  # key -> the message as answered
        self.statuses = {"fault": collections.Counter(), "calm": collections.Counter()}
        self.unavailable = []  # the 503 answers
        self.phase = "fault"
        self.failures = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(n)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def wait_sends(self, n, what):
        """Waits until n more sends are answered (or a writer failed)."""
        target = self.count() + n
        harness.wait_for(lambda: self.count() >= target or self.failures, SEND_DEADLINE, what)

    def calm(self, n):
        """The fault is over: waits for n more sends, now counted as calm."""
        self.phase = "calm"
        self.wait_sends(n, "%d sends after the fault" % n)

    def stop(self):
        self._stop.set()
        for t in self.threads:
            t.join(SEND_DEADLINE + 30)

    def count(self):
        with self.lock:
            return len(self.sent)

    def _note(self, r):
        with self.lock:
            self.statuses[self.phase][r.status if r is not None else None] += 1
            if r is not None and r.status == 503:
                self.unavailable.append(r)

    def _run(self, i):
        n = 0
        while not self._stop.is_set():
            key = "%s-%d" % (self.sessions[i]["displayName"], n)
            try:
                self.deliver(i, key, "message " + key)
            except AssertionError as e:
                with self.lock:
                    self.failures.append(str(e))
                return
            n += 1

    def deliver(self, i, key, body):
        """Sends body with key as writer i until it is answered 200/201."""
        deadline = time.monotonic() + SEND_DEADLINE
        while True:
            try:
                r = send(self.srv, self.sessions[i], {"body": body, "clientMessageId": key})
            except (OSError, http.client.HTTPException):
                r = None
            self._note(r)
            if r is not None and r.status in (200, 201):
                with self.lock:
                    self.sent[key] = envelope(r)["data"]["message"]
                return
            if time.monotonic() > deadline:
                raise AssertionError("%s unanswered after %d s (last: %s)"
                                     % (key, SEND_DEADLINE, r and (r.status, r.body)))
            time.sleep(self.rngs[i].uniform(0.005, 0.05))  # a client's pause between retries

    def assert_recovered(self, what):
        """Nothing answered 409 once the fault was over, every send is in
        history once (assert_all_once); prints what was answered, and when."""
        self.test.assertEqual(self.statuses["calm"].get(409, 0), 0, self.statuses)
        self.assert_all_once()
        print("    %d sends, answers %s %s, after %s"
              % (len(self.sent), what, dict(self.statuses["fault"]),
                 dict(self.statuses["calm"])), flush=True)

    def assert_all_once(self):
        """Every key answered is in history exactly once, as answered, and
        nothing else is; then a repeat of each key answers 200 with it."""
        t = self.test
        t.assertEqual(self.failures, [])
        t.assertGreater(len(self.sent), 0)
        msgs = history(t, self.srv, self.sessions[0])
        bodies = collections.Counter(m["body"] for m in msgs)
        twice = sorted(b for b, c in bodies.items() if c > 1)
        t.assertEqual(twice, [], "stored more than once")
        by_body = {m["body"]: m for m in msgs}
        lost = sorted(k for k, m in self.sent.items() if by_body.get(m["body"]) != m)
        t.assertEqual(lost, [], "answered but not in history as answered")
        t.assertEqual(len(msgs), len(self.sent), "in history but never answered")
        names = {s["displayName"]: s for s in self.sessions}

        def repeat(key):
            r = send(self.srv, names[key.rsplit("-", 1)[0]],
                     {"body": self.sent[key]["body"], "clientMessageId": key})
            return key, r.status, r.status == 200 and envelope(r)["data"]["message"]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            bad = [(k, s) for k, s, m in pool.map(repeat, sorted(self.sent))
                   if s != 200 or m != self.sent[k]]
        t.assertEqual(bad, [], "repeats not answered 200 with the first message")
