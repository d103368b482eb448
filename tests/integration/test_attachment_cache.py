"""The attachments' download cache (docs/attachments.md, The cache) through
the real web server, on either backend: an upload fills it; a download it
serves (lighttpd's X-Sendfile under FastCGI, the program's own stream
elsewhere) is byte for byte and header for header what storage would give,
HEAD, Range, 304 and 416 included, and still only for participants; a
download refills a deleted file and never serves a truncated one; the bound
evicts the least recently used file; a download cut short leaves no
temporary file."""

import os
import re
import socket

import harness
from harness import envelope, wait_for
from test_attachments import (PNG, get, post_upload, stored_attachments, unlinked_files_held,
                              upload_body)
from test_messages import joined
from test_session import ADMIN, WithAdminServer, new_conversation

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SIZE = 200 * 1024
LIMIT = 4 * 1024 * 1024
CASES = (
    ("GET", {}),
    ("HEAD", {}),
    ("GET", {"Range": "bytes=1000-1999"}),
    ("GET", {"Range": "bytes=-10"}),
    ("GET", {"Range": "bytes=%d-" % SIZE}),
    ("GET", {"Range": "bytes=8-15", "If-Range": "ETAG"}),
    ("GET", {"Range": "bytes=8-15", "If-Range": '"another"'}),
    ("GET", {"If-None-Match": "ETAG"}),
    ("GET", {"If-None-Match": '"another"'}),
    ("GET", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
)


def not_compared():
    """Headers that differ between any two answers; and the framing Apache's
    CGI module chooses itself (it drops Content-Length and sends chunked when
    the body does not come at once: test_download)."""
    apache_cgi = harness.CONFIG["server"] == "apache" and harness.CONFIG["mode"] == "cgi"
    return ("X-Request-Id", "Date") + (("Content-Length", "Transfer-Encoding") if apache_cgi
                                       else ())


def cache_path(srv, att):
    return os.path.join(srv.data_dir, "cache", "attachments", att["attachmentId"])


def cached_bytes(srv, att):
    try:
        with open(cache_path(srv, att), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def remove_stored_bytes(srv, conv, att):
    """Takes the attachment's bytes out of storage (its meta.json stays), so
    only the cache can answer with them."""
    for key in stored_attachments(srv, conv):
        if att["attachmentId"] in key and key.endswith("/original"):
            top = os.path.dirname(key)
            for name in os.listdir(top):
                if name.startswith("original"):
                    os.unlink(os.path.join(top, name))


def fills_in_progress(srv):
    """The unnamed files programs are writing into the cache directory."""
    return unlinked_files_held(srv, os.path.join(srv.data_dir, "cache", "attachments"))


class CacheServer(WithAdminServer):
    SETTINGS = {}

    @classmethod
    def setUpClass(cls):
        settings = {"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
                    "CHATS3_WRITE_RATE": "100000", "CHATS3_MAX_UPLOAD_BYTES": str(LIMIT)}
        settings.update(cls.SETTINGS)
        cls.srv = harness.new_server(settings)

    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.me = joined(self, self.srv, self.conv, "Alice")

    def uploaded(self, data, filename="cat.png"):
        r = post_upload(self.srv, self.me, upload_body(data, filename=filename))
        self.assertEqual(r.status, 201, r.body)
        return envelope(r)["data"]["attachment"]

    def download(self, att, method="GET", headers=None):
        h = dict({"x-session-id": self.me["sessionId"]}, **(headers or {}))
        return self.srv.request(method, att["url"], headers=h)

    def assertCached(self, att, data):
        wait_for(lambda: cached_bytes(self.srv, att) == data, what="the cache to hold the file")


class Cache(CacheServer):
    def test_an_upload_fills_the_cache(self):
        data = os.urandom(SIZE)
        att = self.uploaded(data, "notes.bin")
        self.assertEqual(cached_bytes(self.srv, att), data)
        self.assertEqual(os.stat(cache_path(self.srv, att)).st_mode & 0o777, 0o600)

    def answers(self, att, drop_cache):
        got = []
        for method, headers in CASES:
            headers = {k: v.replace("ETAG", '"%s"' % att["attachmentId"])
                       for k, v in headers.items()}
            if drop_cache and os.path.exists(cache_path(self.srv, att)):
                os.unlink(cache_path(self.srv, att))
            r = self.download(att, method, headers)
            wait_for(lambda: not fills_in_progress(self.srv), what="the fill to end")
            heads = sorted((k, v) for k, v in r.getheaders() if k not in not_compared())
            body = r.body
            if r.getheader("Content-Type", "").startswith("application/json"):
                body = dict(envelope(r), meta=None)  # meta: the request's id and time
            got.append(((method, headers), r.status, heads, body))
        return got

    def test_the_cache_answers_as_storage_does(self):
        data = PNG + os.urandom(SIZE - len(PNG))  # an image: inline
        att = self.uploaded(data)
        from_storage = self.answers(att, drop_cache=True)
        self.assertEqual(self.download(att).body, data)
        self.assertCached(att, data)
        remove_stored_bytes(self.srv, self.conv, att)
        from_cache = self.answers(att, drop_cache=False)
        for want, got in zip(from_storage, from_cache):
            self.assertEqual(got[:3], want[:3], want[0])
            self.assertTrue(got[3] == want[3], want[0])
        self.assertEqual(from_cache[0][1], 200)
        self.assertEqual(from_cache[0][3], data)
        self.assertEqual([a[1] for a in from_cache], [200, 200, 206, 206, 416, 206, 200, 304,
                                                      200, 200])

    def test_a_deleted_file_is_refilled(self):
        data = os.urandom(SIZE)
        att = self.uploaded(data, "notes.bin")
        os.unlink(cache_path(self.srv, att))
        self.assertEqual(self.download(att).body, data)
        self.assertCached(att, data)

    def test_a_truncated_file_is_never_served(self):
        data = os.urandom(SIZE)
        att = self.uploaded(data, "notes.bin")
        os.truncate(cache_path(self.srv, att), SIZE // 2)
        r = self.download(att)
        self.assertEqual((r.status, r.body), (200, data))
        self.assertCached(att, data)

    def test_a_cached_file_is_still_only_for_participants(self):
        att = self.uploaded(os.urandom(SIZE), "notes.bin")
        self.assertIsNotNone(cached_bytes(self.srv, att))
        other = joined(self, self.srv, new_conversation(self.srv), "Mallory")
        r = get(self.srv, other, att["url"])
        self.assertEqual(r.status, 404)
        self.assertNotIn(att["attachmentId"].encode(), r.body)

    def test_a_download_cut_short_leaves_no_temporary_file(self):
        data = os.urandom(LIMIT)
        att = self.uploaded(data, "big.bin")
        for _ in range(3):
            if os.path.exists(cache_path(self.srv, att)):  # gone when the last one was cut
                os.unlink(cache_path(self.srv, att))
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nx-session-id: %s\r\n\r\n"
                           % (att["url"], self.me["sessionId"])).encode())
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            wait_for(lambda: not fills_in_progress(self.srv), what="the fills to end")
            top = os.path.dirname(cache_path(self.srv, att))
            self.assertEqual([n for n in os.listdir(top) if not UUID.fullmatch(n)], [])
            left = cached_bytes(self.srv, att)
            self.assertIn(left, (None, data), "a cache file is whole or absent")


class Bound(CacheServer):
    """A bound that holds one file of SIZE but not two."""
    SETTINGS = {"CHATS3_ATTACHMENT_CACHE_BYTES": str(SIZE * 3 // 2)}

    def test_the_least_recently_used_file_goes(self):
        first, second = os.urandom(SIZE), os.urandom(SIZE)
        a = self.uploaded(first, "a.bin")
        self.assertEqual(cached_bytes(self.srv, a), first)
        old = os.stat(cache_path(self.srv, a)).st_mtime - 60  # past the grace period
        os.utime(cache_path(self.srv, a), (old, old))
        b = self.uploaded(second, "b.bin")
        self.assertIsNone(cached_bytes(self.srv, a))
        self.assertEqual(cached_bytes(self.srv, b), second)
        # b was just used: a comes from storage and is not cached over b
        self.assertEqual(self.download(a).body, first)
        self.assertEqual(self.download(b).body, second)
        self.assertIsNone(cached_bytes(self.srv, a))


class Off(CacheServer):
    SETTINGS = {"CHATS3_ATTACHMENT_CACHE_BYTES": "0"}

    def test_a_cache_of_0_bytes_keeps_nothing(self):
        data = os.urandom(SIZE)
        att = self.uploaded(data, "a.bin")
        self.assertEqual(self.download(att).body, data)
        self.assertFalse(os.path.exists(os.path.dirname(cache_path(self.srv, att))))
