"""Joins racing through several FastCGI processes (lighttpd runs two per
program): 200 joins from 20 parallel clients all succeed without a 5xx or
a database-busy error reaching anyone, and two simultaneous joins under
one name give exactly one 201 and one 409."""

import json
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
from harness import envelope
from test_session import WithAdminServer, join, new_conversation

CLIENTS = 20
JOINS = 200


class Concurrency(WithAdminServer):
    def test_200_joins_from_20_clients(self):
        conv = new_conversation(self.srv)

        def one(i):
            r = join(self.srv, conv, "user-%03d" % i)
            return r.status, r.body

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = list(pool.map(one, range(JOINS)))
        bad = [(s, b) for s, b in results if s != 201]
        self.assertEqual(bad, [])
        ids = {json.loads(b)["data"]["session"]["sessionId"] for _, b in results}
        self.assertEqual(len(ids), JOINS)
        # Every program has logged its request (after answering) before
        # the log is searched for what must not be there.
        requests = {"id=" + json.loads(b)["meta"]["requestId"] for _, b in results}
        log = harness.wait_for(lambda: self.logged(requests),
                               what="a log line for each of the %d joins" % JOINS)
        self.assertNotIn("SQLITE_BUSY", log)
        self.assertNotIn("ERR_DB", log)
        r = self.srv.request("GET", "/api/v1/participants", headers={"x-session-id": ids.pop()})
        self.assertEqual(len(envelope(r)["data"]["participants"]), JOINS)

    def logged(self, requests):
        """The log, once it has a line for each of requests ("id=..."), else None."""
        log = self.srv.log_text()
        seen = {word for line in log.splitlines() for word in line.split() if word in requests}
        return log if seen == requests else None

    def test_two_simultaneous_alices(self):
        for _ in range(10):
            conv = new_conversation(self.srv)
            barrier = threading.Barrier(2)
            statuses = []

            def go(name):
                barrier.wait()
                statuses.append(join(self.srv, conv, name).status)

            threads = [threading.Thread(target=go, args=(n,)) for n in ("Alice", "alice")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(statuses), [201, 409])


if __name__ == "__main__":
    unittest.main()
