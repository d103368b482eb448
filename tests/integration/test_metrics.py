"""GET /metrics through the web server (contract: Metrics): what the
programs and the relay counted, summed over every process, as Prometheus
reads it (promtool check metrics); refused to a remote client without the
admin token; and every series the Grafana dashboard in etc/ queries is
there."""

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import envelope, wait_for
from test_messages import joined, send
from test_relay import RelayCase
from test_session import ADMIN

ADMIN_AUTH = {"Authorization": "Bearer " + ADMIN}
SETTINGS = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
            "CHATS3_WRITE_RATE": "100000", "CHATS3_TRUSTED_PROXIES": "127.0.0.1",
            "CHATS3_RELAY_HEARTBEAT_MS": "200"}  # a closed stream is noticed at the next beat
REMOTE = {"X-Forwarded-For": "192.0.2.8"}
DASHBOARD = os.path.join(harness.ROOT, "etc", "grafana-chats3.json")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse(text):
    """{(name, frozenset of (label, value)): value} of an exposition, and
    {name: type} from its # TYPE lines."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            labels = frozenset(LABEL.findall(m.group(2) or ""))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


class Scrape:
    """One scrape: total(name, **labels) sums the samples of name whose
    labels include those given."""

    def __init__(self, text):
        self.text = text
        self.samples, self.types = parse(text)

    def total(self, name, **labels):
        want = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and want <= ls)


def scrape(srv, headers=None):
    r = srv.request("GET", "/metrics", headers=headers)
    assert r.status == 200, (r.status, r.body)
    assert r.getheader("Content-Type").startswith("text/plain; version=0.0.4"), r.getheaders()
    return Scrape(r.body.decode())


class MetricsCase(RelayCase):
    """A relay case (the earlier tests' streams closed at each start) on a
    server that trusts loopback as a proxy, so a test can come from afar."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server(SETTINGS, relay=True)

    def wait_scrape(self, ok, what):
        """The first scrape that ok accepts (the relay's counting, and a
        program's after its answer, are asynchronous)."""
        last = [None]

        def accepted():
            last[0] = scrape(self.srv)
            return ok(last[0])
        wait_for(accepted, 10, lambda: "%s in:\n%s" % (what, last[0] and last[0].text))
        return last[0]

    def wait_total(self, name, at_least, **labels):
        return self.wait_scrape(lambda s: s.total(name, **labels) >= at_least,
                                "%s%s >= %s" % (name, labels, at_least))


class Counting(MetricsCase):
    def test_requests_by_route_and_status_summed_over_processes(self):
        name = "chats3_http_requests_total"
        health = dict(program="health", route="/api/v1/health", method="GET", code="200")
        before = scrape(self.srv)
        # Concurrent requests keep more than one process of the program busy
        # (lighttpd and mod_fcgid run several; CGI one per request).
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: self.srv.request("GET", "/api/v1/health").status,
                                     range(40)))
        self.assertEqual(statuses, [200] * 40)
        self.assertEqual(self.srv.request("GET", "/api/v1/nope").status, 404)
        after = self.wait_total(name, before.total(name, **health) + 40, **health)
        self.assertEqual(after.total(name, **health), before.total(name, **health) + 40)
        self.assertGreaterEqual(after.total(name, program="notfound", code="404"),
                                before.total(name, program="notfound", code="404") + 1)
        latency = "chats3_http_request_duration_seconds_count"
        self.assertGreaterEqual(after.total(latency, program="health", route="/api/v1/health"),
                                before.total(latency, program="health", route="/api/v1/health") + 40)

    def test_a_send_and_a_stream_move_the_program_and_relay_series(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        before = scrape(self.srv)
        st = harness.sse(self.srv, bob["sessionId"])
        self.addCleanup(st.close)
        self.assertEqual(st.status, 200)
        self.wait_total("chats3_relay_streams", 1)
        r = send(self.srv, alice, {"body": "counted"})
        self.assertEqual(r.status, 201, r.body)
        while st.next_data()["data"].get("type") != "new-message":
            pass
        sent = dict(program="messages", route="/api/v1/messages", method="POST", code="201")
        after = self.wait_total("chats3_http_requests_total",
                                before.total("chats3_http_requests_total", **sent) + 1, **sent)
        for name, labels in (("chats3_storage_calls_total", {"program": "messages", "op": "put"}),
                             ("chats3_relay_events_in_total", {"kind": "event"}),
                             ("chats3_relay_events_out_total", {})):
            self.assertGreaterEqual(after.total(name, **labels), before.total(name, **labels) + 1,
                                    (name, labels, after.text))
        st.close()
        self.wait_scrape(lambda s: s.total("chats3_relay_streams") == 0, "the stream closed")

    def test_a_resumed_stream_counts_its_replay(self):
        alice = joined(self, self.srv, self.conv, "Alice")
        bob = joined(self, self.srv, self.conv, "Bob")
        before = scrape(self.srv).total("chats3_relay_replayed_events_total")
        self.assertEqual(send(self.srv, alice, {"body": "missed"}).status, 201)
        st = harness.sse(self.srv, bob["sessionId"], last_event_id="0")
        self.addCleanup(st.close)
        self.assertEqual(st.status, 200)
        self.wait_total("chats3_relay_replayed_events_total", before + 1)


class Format(MetricsCase):
    def test_promtool_accepts_the_exposition(self):
        self.assertEqual(self.srv.request("GET", "/api/v1/health").status, 200)
        text = scrape(self.srv).text
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + text)
        self.assertEqual(p.stdout + p.stderr, "")

    def test_each_histogram_ends_in_inf_equal_to_its_count(self):
        s = scrape(self.srv)
        for (name, labels), v in s.samples.items():
            if name.endswith("_bucket") and ("le", "+Inf") in labels:
                base = name[:-len("_bucket")]
                count = s.samples[(base + "_count", frozenset(l for l in labels if l[0] != "le"))]
                self.assertEqual(v, count, name)

    def test_the_dashboard_queries_only_series_that_exist(self):
        with open(DASHBOARD) as f:
            board = json.load(f)
        exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 6)
        known = set(scrape(self.srv).types)
        for expr in exprs:
            for name in re.findall(r"\bchats3_[a-z0-9_]+", expr):
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                self.assertTrue(name in known or base in known, "%s in %r" % (name, expr))


class Access(MetricsCase):
    def test_a_remote_client_needs_the_admin_token(self):
        r = self.srv.request("GET", "/metrics", headers=REMOTE)
        self.assertEqual(r.status, 401)
        self.assertIs(envelope(r)["success"], False)
        r = self.srv.request("GET", "/metrics", headers=dict(REMOTE, Authorization="Bearer wrong"))
        self.assertEqual(r.status, 401)
        self.assertIs(envelope(r)["success"], False)
        self.assertIn("chats3_http_requests_total", scrape(self.srv, dict(REMOTE, **ADMIN_AUTH)).text)

    def test_a_session_is_no_admin_token(self):
        who = joined(self, self.srv, self.conv, "Carol")
        r = self.srv.request("GET", "/metrics", headers=dict(REMOTE, **{"x-session-id": who["sessionId"]}))
        self.assertEqual(r.status, 401)
        self.assertIs(envelope(r)["success"], False)

    def test_other_methods_are_405(self):
        r = self.srv.request("POST", "/metrics", body=b"{}",
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 405)
        self.assertIs(envelope(r)["success"], False)
