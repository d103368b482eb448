"""Attachments through the web server (contract: Attachments): uploads
stored byte for byte with the type their bytes say, the file message they
send, the upload limit, idempotent retries, downloads for the
conversation's participants only (Range, If-None-Match, disposition), the
metadata, every malformed body of issue 15, and the memory a 10 MiB file
costs a FastCGI program."""

import json
import os
import random
import re
import unittest
import urllib.parse

import harness
from harness import envelope
from test_messages import joined
from test_session import ADMIN, UUID4, WithAdminServer, failure, new_conversation

LIMIT = 300000  # the upload limit of the servers here but the memory test's
BOUNDARY = "chats3-test-boundary-7d1f"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CSP = "default-src 'none'; sandbox"


def part(name, data, filename=None, content_type="application/octet-stream"):
    disp = 'form-data; name="%s"' % name
    if filename is not None:
        disp += '; filename="%s"' % filename
    head = "Content-Disposition: %s\r\n" % disp
    if content_type:
        head += "Content-Type: %s\r\n" % content_type
    return head.encode() + b"\r\n" + data


def multipart(*parts, boundary=BOUNDARY, close=True):
    """A multipart/form-data body of the parts (bytes from part())."""
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if close else b"")


def upload_body(data, filename="notes.bin", content_type="application/octet-stream"):
    return multipart(part("file", data, filename, content_type))


def post_upload(srv, who, body, headers=None, boundary=BOUNDARY):
    h = {"x-session-id": who["sessionId"],
         "Content-Type": "multipart/form-data; boundary=" + boundary}
    h.update(headers or {})
    return srv.request("POST", "/api/v1/attachments", body=body, headers=h)


def get(srv, who, path, headers=None):
    return srv.request("GET", path, headers=dict({"x-session-id": who["sessionId"]},
                                                 **(headers or {})))


def stored_attachments(srv, conv):
    """The storage keys under the conversation's attachments/ (either backend:
    s3rver keeps an object as files KEY._S3rver_object, _metadata.json, ...)."""
    prefix = "conversations/%s/attachments/" % conv["conversationId"]
    if harness.CONFIG.get("storage", "fs") == "fs":
        top = os.path.join(srv.data_dir, "objects")
    else:
        top = os.path.join(harness._s3, "data")
    keys = set()
    for base, _, files in os.walk(top):
        for name in files:
            path = os.path.join(base, name)
            if prefix in path:
                keys.add(path.split("._S3rver_")[0])
    return sorted(keys)


def program_pids(srv):
    """The attachments program's processes (FastCGI: long-lived)."""
    marker = os.path.join(srv.dir, "bin", "attachments").encode()
    return sorted(p for p in harness.installation_pids(srv.dir)
                  if harness.proc_file(p, "cmdline").split(b"\0")[0] == marker)


def spool_files(srv):
    """Files of the data directory an upload may have left behind: names,
    and spool files a program still holds open (unlinked ones included)."""
    left = [n for n in os.listdir(srv.data_dir) if n.startswith(".upload")]
    # the state's SQLite files are no spool files (a CGI program that is
    # ending may still map a -shm file the last connection removed)
    return left + [f for f in unlinked_files_held(srv, srv.data_dir)
                   if not f.split(": ", 1)[1].startswith(os.path.join(srv.data_dir, "chats3.db"))]


def unlinked_files_held(srv, top):
    """The unlinked (or unnamed) files under top the attachments programs
    hold open, as "pid: path"."""
    left = []
    for pid in program_pids(srv):
        fd_dir = "/proc/%d/fd" % pid
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # the process ended meanwhile (a CGI program after its request)
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith(top) and "(deleted)" in target:
                left.append("%d: %s" % (pid, target))
    return left


class Attachments(WithAdminServer):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.new_server({"CHATS3_ADMIN_TOKEN": ADMIN, "CHATS3_JOIN_RATE": "100000",
                                      "CHATS3_WRITE_RATE": "100000",
                                      "CHATS3_MAX_UPLOAD_BYTES": str(LIMIT)})

    def setUp(self):
        self.conv = new_conversation(self.srv)
        self.me = joined(self, self.srv, self.conv, "Alice")

    def uploaded(self, data, status=201, **kw):
        r = post_upload(self.srv, self.me, upload_body(data, **kw))
        self.assertEqual(r.status, status, r.body)
        return envelope(r)["data"]

    def assertNothingLeft(self, what):
        self.assertEqual(spool_files(self.srv), [], what)

    def assertRefused(self, body, status, what, **kw):
        r = post_upload(self.srv, self.me, body, **kw)
        failure(self, r, status)
        self.assertEqual(stored_attachments(self.srv, self.conv), [], what)
        self.assertNothingLeft(what)
        return r

    # -- round trips -----------------------------------------------------------
    def test_round_trips_are_byte_exact(self):
        rnd = random.Random(15)
        for size in (0, 1, 200 * 1024, LIMIT):
            data = bytes(rnd.getrandbits(8) for _ in range(size))
            got = self.uploaded(data, filename="f%d.bin" % size)
            att = got["attachment"]
            self.assertRegex(att["attachmentId"], UUID4)
            self.assertEqual(att["sizeBytes"], size)
            self.assertEqual(att["filename"], "f%d.bin" % size)
            self.assertEqual(att["mimetype"], "application/octet-stream")
            self.assertEqual(att["url"], "/api/v1/attachments/" + att["attachmentId"])
            r = get(self.srv, self.me, att["url"])
            self.assertEqual(r.status, 200, size)
            self.assertEqual(r.body, data, size)
            self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")
            self.assertTrue(r.getheader("Content-Disposition").startswith("attachment;"))
        self.assertNothingLeft("after the round trips")

    def test_the_answer_carries_the_file_message_and_history_has_it(self):
        got = self.uploaded(PNG, filename="cat.png")
        att, m = got["attachment"], got["message"]
        self.assertEqual(m["type"], "file")
        self.assertEqual(m["senderUserId"], self.me["userId"])
        self.assertEqual(m["attachmentId"], att["attachmentId"])
        self.assertEqual(m["filename"], "cat.png")
        self.assertEqual(m["mimetype"], "image/png")
        self.assertEqual(m["url"], att["url"])
        r = get(self.srv, self.me, "/api/v1/messages")
        self.assertEqual(envelope(r)["data"]["messages"], [m])

    def test_the_export_holds_the_file_message(self):
        m = self.uploaded(PNG, filename="cat.png")["message"]
        r = self.srv.request("GET", "/api/v1/admin/conversations/%s/export"
                             % self.conv["conversationId"],
                             headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([json.loads(line) for line in r.body.splitlines()], [m])

    def test_the_type_comes_from_the_bytes_never_the_client(self):
        cases = [(PNG, "image/png", True), (b"\xff\xd8\xff\xe0" + b"j" * 50, "image/jpeg", True),
                 (b"GIF89a" + b"g" * 20, "image/gif", True),
                 (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"w" * 20, "image/webp", True),
                 (b"%PDF-1.7\n" + b"p" * 20, "application/pdf", False),
                 (b"<html><script>alert(1)</script>", "application/octet-stream", False)]
        for data, mime, inline in cases:
            att = self.uploaded(data, filename="x", content_type="image/png")["attachment"]
            self.assertEqual(att["mimetype"], mime)
            r = get(self.srv, self.me, att["url"])
            self.assertEqual(r.getheader("Content-Type"), mime)
            self.assertEqual(r.getheader("Content-Disposition").split(";")[0],
                             "inline" if inline else "attachment", mime)
            self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
            self.assertEqual(r.getheader("Content-Security-Policy"), CSP)

    def test_the_filename_is_for_display_only(self):
        for sent, shown in (("../../etc/passwd", "passwd"), (r"C:\\Users\\x\\cv.pdf", "cv.pdf"),
                            ("..", "file")):
            att = self.uploaded(b"x", filename=sent)["attachment"]
            self.assertEqual(att["filename"], shown, sent)
            r = get(self.srv, self.me, att["url"])
            self.assertIn("filename*=UTF-8''" + shown, r.getheader("Content-Disposition"))
        name = "r\u00e9sum\u00e9 \"v2\".txt"
        for sent in (name, "\u202e" + name + "\u0007"):
            body = multipart(b'Content-Disposition: form-data; name="file"; '
                             b"filename*=UTF-8''" + urllib.parse.quote(sent).encode() +
                             b"\r\n\r\nhello")
            r = post_upload(self.srv, self.me, body)
            self.assertEqual(r.status, 201, r.body)
            att = envelope(r)["data"]["attachment"]
            self.assertEqual(att["filename"], name)
        r = get(self.srv, self.me, att["url"])
        self.assertIn("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt",
                      r.getheader("Content-Disposition"))

    def test_meta_is_the_attachment_metadata(self):
        att = self.uploaded(PNG, filename="cat.png")["attachment"]
        r = get(self.srv, self.me, att["url"] + "/meta")
        self.assertEqual(r.status, 200, r.body)
        meta = envelope(r)["data"]["attachment"]
        self.assertEqual(meta["attachmentId"], att["attachmentId"])
        self.assertEqual(meta["conversationId"], self.conv["conversationId"])
        self.assertEqual(meta["uploaderUserId"], self.me["userId"])
        self.assertEqual(meta["originalFilename"], "cat.png")
        self.assertEqual(meta["mimeType"], "image/png")
        self.assertEqual(meta["sizeBytes"], len(PNG))
        self.assertRegex(meta["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIsNone(meta["variants"])

    # -- the limit ---------------------------------------------------------------
    def test_one_byte_over_the_limit_is_413_and_nothing_is_stored(self):
        self.assertRefused(upload_body(b"z" * (LIMIT + 1)), 413, "limit + 1")
        r = get(self.srv, self.me, "/api/v1/messages")
        self.assertEqual(envelope(r)["data"]["messages"], [])

    def test_a_body_announced_too_large_is_413(self):
        body = upload_body(b"z" * (LIMIT + 300000))
        self.assertRefused(body, 413, "limit + envelope")

    # -- idempotency -------------------------------------------------------------
    def test_a_retried_upload_stores_once(self):
        for how in ({"headers": {"Idempotency-Key": "up-1"}}, {"field": "up-2"}):
            body = upload_body(PNG)
            if "field" in how:
                body = multipart(part("clientMessageId", how["field"].encode(), None, None),
                                 part("file", PNG, "cat.png"))
            first = post_upload(self.srv, self.me, body, how.get("headers"))
            again = post_upload(self.srv, self.me, body, how.get("headers"))
            self.assertEqual((first.status, again.status), (201, 200), (first.body, again.body))
            self.assertEqual(envelope(first)["data"], envelope(again)["data"])
        self.assertEqual(len(stored_attachments(self.srv, self.conv)), 4)  # 2 x (bytes, meta)
        r = get(self.srv, self.me, "/api/v1/messages")
        self.assertEqual(len(envelope(r)["data"]["messages"]), 2)

    def test_a_large_file_stores_whole_wherever_its_part_is(self):
        """A file large enough to go to storage while it arrives: last in the
        body, followed by another part, with a preamble and an epilogue; each
        stored once, byte for byte, a retry of the first stored once."""
        rnd = random.Random(16)
        data = bytes(rnd.getrandbits(8) for _ in range(150 * 1024))
        key = part("clientMessageId", b"up-big", None, None)
        bodies = {"last": upload_body(data),
                  "followed": multipart(part("file", data, "f.bin"), key),
                  "epilogue": b"preamble\r\n" + upload_body(data) + b"epilogue"}
        for how, body in bodies.items():
            got = post_upload(self.srv, self.me, body)
            self.assertEqual(got.status, 201, (how, got.body))
            att = envelope(got)["data"]["attachment"]
            self.assertEqual(att["sizeBytes"], len(data), how)
            self.assertEqual(get(self.srv, self.me, att["url"]).body, data, how)
        again = post_upload(self.srv, self.me, bodies["followed"])
        self.assertEqual(again.status, 200, again.body)
        if harness.CONFIG.get("storage", "fs") == "fs":  # s3rver keeps a dropped PUT's bytes
            self.assertEqual(len(stored_attachments(self.srv, self.conv)), 6)  # 3 x (bytes, meta)
        self.assertNothingLeft("after the large uploads")

    # -- downloads ---------------------------------------------------------------
    def test_only_participants_of_the_conversation_may_download(self):
        att = self.uploaded(PNG)["attachment"]
        other = joined(self, self.srv, new_conversation(self.srv), "Mallory")
        for path in (att["url"], att["url"] + "/meta"):
            failure(self, get(self.srv, other, path), 404)
            failure(self, self.srv.request("GET", path), 401)
        failure(self, get(self.srv, self.me, "/api/v1/attachments/not-an-id"), 404)
        r = self.srv.request("GET", att["url"] + "?sessionId=" + self.me["sessionId"])
        self.assertEqual((r.status, r.body), (200, PNG))

    def test_range_and_if_none_match(self):
        data = bytes(range(256)) * 800
        att = self.uploaded(data)["attachment"]
        r = get(self.srv, self.me, att["url"], {"Range": "bytes=1000-1999"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, data[1000:2000])
        self.assertEqual(r.getheader("Content-Range"), "bytes 1000-1999/%d" % len(data))
        r = get(self.srv, self.me, att["url"], {"Range": "bytes=-10"})
        self.assertEqual((r.status, r.body), (206, data[-10:]))
        failure(self, get(self.srv, self.me, att["url"], {"Range": "bytes=%d-" % len(data)}),
                416)
        etag = get(self.srv, self.me, att["url"]).getheader("ETag")
        self.assertEqual(etag, '"%s"' % att["attachmentId"])
        r = get(self.srv, self.me, att["url"], {"If-None-Match": etag})
        self.assertEqual((r.status, r.body), (304, b""))
        r = self.srv.request("HEAD", att["url"], headers={"x-session-id": self.me["sessionId"]})
        self.assertEqual((r.status, r.body), (200, b""))

    # -- bad input -----------------------------------------------------------------
    def test_not_multipart_is_415(self):
        r = self.srv.request("POST", "/api/v1/attachments", body=b'{"file":1}',
                             headers={"x-session-id": self.me["sessionId"],
                                      "Content-Type": "application/json"})
        failure(self, r, 415)

    def test_every_bad_body_is_a_4xx_and_leaves_nothing(self):
        huge = ("X-Pad: " + "h" * 9000 + "\r\n").encode()
        cases = {
            "no boundary": (upload_body(b"x"), {"Content-Type": "multipart/form-data"}, 400),
            "no file field": (multipart(part("other", b"x", "a.txt")), {}, 400),
            "truncated": (upload_body(b"x" * 1000)[:500], {}, 400),
            "no close delimiter": (multipart(part("file", b"x", "a"), close=False), {}, 400),
            "many parts": (multipart(*[part("f%d" % i, b"x") for i in range(40)]), {}, 413),
            "huge part headers": (multipart(huge + part("file", b"x", "a")), {}, 413),
            "field without filename": (multipart(part("file", b"x")), {}, 400),
            "two files": (multipart(part("file", b"x", "a"), part("file", b"y", "b")), {}, 400),
            "garbage": (b"\x00\x01 not multipart at all", {}, 400),
        }
        for what, (body, headers, status) in cases.items():
            r = self.assertRefused(body, status, what, headers=headers)
            self.assertNotIn(b"Internal", r.body, what)

    def test_boundary_text_inside_the_content_is_content(self):
        b = BOUNDARY.encode()
        data = (b"--" + b + b"--\r\n." + b"\r\n--" + b + b"x\r\n" + b"\r\n-" + b + b"\r\n"
                + b"\n--" + b + b"\r\n.") * 50
        att = self.uploaded(data)["attachment"]
        self.assertEqual(get(self.srv, self.me, att["url"]).body, data)

    def test_an_empty_file_and_an_empty_name_are_stored(self):
        att = self.uploaded(b"", filename="")["attachment"]
        self.assertEqual(att["sizeBytes"], 0)
        self.assertTrue(att["filename"])
        self.assertEqual(get(self.srv, self.me, att["url"]).body, b"")

    def test_a_closed_conversation_refuses_uploads(self):
        r = self.srv.request("POST", "/api/v1/admin/conversations/%s/close"
                             % self.conv["conversationId"],
                             headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(r.status, 200, r.body)
        self.assertRefused(upload_body(b"late"), 410, "closed")


def vm_hwm_kib(pid):
    text = harness.proc_file(pid, "status").decode()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", text, re.M).group(1))


class DefaultLimit(WithAdminServer):
    """The default 10 MiB limit: the web server lets uploads that large
    through to the program, and only them. A 10 MiB file up and down grows a
    FastCGI program's peak RSS by less than 2 MiB (there is one long-lived
    process to measure under FastCGI; under CGI every request is a fresh
    process, whose peak is its own)."""

    SIZE = 10 * 1024 * 1024

    def test_the_web_server_takes_large_bodies_for_uploads_only(self):
        me = joined(self, self.srv, new_conversation(self.srv), "Bob")
        r = post_upload(self.srv, me, upload_body(b"u" * (3 * 1024 * 1024)))
        self.assertEqual(r.status, 201, r.body[:300])
        # health reads no body: a 405 would be the program's, the 413 is the web server's
        r = self.srv.request("POST", "/api/v1/health", body=b"x" * (2 * 1024 * 1024),
                             headers={"Content-Type": "application/json"})
        failure(self, r, 413)

    def test_a_10_mib_file_up_and_down_in_constant_memory(self):
        conv = new_conversation(self.srv)
        me = joined(self, self.srv, conv, "Alice")
        for _ in range(3):  # every program process has served an upload and a download
            warm = post_upload(self.srv, me, upload_body(b"w" * 100000))
            self.assertEqual(warm.status, 201, warm.body)
            url = envelope(warm)["data"]["attachment"]["url"]
            self.assertEqual(get(self.srv, me, url).status, 200)
        data = os.urandom(self.SIZE)
        pids = program_pids(self.srv)
        before = {p: vm_hwm_kib(p) for p in pids}
        r = post_upload(self.srv, me, upload_body(data))
        self.assertEqual(r.status, 201, r.body)
        got = get(self.srv, me, envelope(r)["data"]["attachment"]["url"])
        self.assertEqual(got.body, data)
        if harness.CONFIG["mode"] != "fastcgi":
            return
        self.assertTrue(pids, "attachments programs to measure")
        self.assertEqual(program_pids(self.srv), pids, "the same programs served both")
        growth = {p: vm_hwm_kib(p) - before[p] for p in pids}
        self.assertLess(max(growth.values()), 2048, growth)
