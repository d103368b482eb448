#!/usr/bin/env python3
"""tests/s3/fake_s3.py DIR: a small S3 stand-in on 127.0.0.1 for what s3rver
cannot show: failures on cue, and strictness s3rver lacks.

Strict where s3rver is lax: every request must carry a valid AWS Signature
Version 4 (checked here with hmac/hashlib against the key S3RVER/S3RVER,
session token included when one is sent), x-amz-content-sha256 must be
the SHA-256 of the body and Content-MD5 its MD5, and PUT honours
If-None-Match: * (412 when the key exists), as S3 does. Multipart uploads
(CreateMultipartUpload, UploadPart, CompleteMultipartUpload with
If-None-Match too, AbortMultipartUpload) as S3 checks them: parts but the
last at least 5 MiB, the ETags listed in order, the object's ETag the MD5
of the parts' MD5s and "-N".

Failures on cue, chosen by the key's first segment:
  flaky/...     the first 2 requests for the key answer 503 SlowDown
  always503/... every request answers 503 SlowDown
  forbidden/... every request answers 403 AccessDenied
  timeout400/...the first request answers 400 RequestTimeout
  lost/...      the first PUT stores the object, then drops the connection
                without an answer (a lost response)
  dropped/...   the first PUT drops the connection without storing
  stall/...     the first request gets no answer for 8 s
  midget/...    GET sends the headers and half the body, then drops
  midlist/...   the first list of the prefix sends half the page, then drops
  trickle/...   GET sends the headers, then the body at 1 byte a second
  taken/...     held by someone else from the start; the first PUT for the
                key answers 503 (so a create-only put retries into a 412)
  conversations/hold1st-<rest>/messages/...
                the first message PUT of such a conversation waits until
                GET /__release?conversation=hold1st-<rest> (at most 4 s, under
                the client's 5 s stall limit), so a later send can finish
                before the first
  conversations/holddrop-<rest>/messages/...
                as hold1st-, but the held PUT then drops the connection
                without storing (a send whose process died before its
                message reached storage)
  conversations/deny-<rest>/messages/...
                every message PUT of such a conversation answers 403
                AccessDenied (a send that fails after taking its time)
  partfail/...  a multipart upload's part 2 answers 403 AccessDenied

Writes its port to DIR/port once it listens; GET /__stats answers JSON
counters (requests per key and method, connections, signature failures);
GET /__release?conversation=ID lets a held first PUT go on.
Stops on SIGTERM. Only for tests: one bucket, objects in memory.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKET = "fake-bucket"
KEY_ID = "S3RVER"
SECRET = "S3RVER"
REGION = "us-east-1"

lock = threading.RLock()
objects = {  # key -> (bytes, content type, md5 hex)
    "taken/x": (b"someone else's", "text/plain", hashlib.md5(b"someone else's").hexdigest()),
}
uploads = {}  # upload id -> (key, content type, {part number: bytes})
stats = {"requests": {}, "connections": 0, "bad_signatures": 0, "bad_hashes": 0,
         "open_uploads": 0}
MIN_PART = 5 * 1024 * 1024
held = set()  # hold1st conversations whose first message PUT came
gates = {}  # hold1st conversation -> the event that lets its first message PUT go on
passes = {}  # hold1st conversation -> the event set once that PUT has been handled


def gate(conversation):
    with lock:
        return gates.setdefault(conversation, threading.Event())


def passed(conversation):
    with lock:
        return passes.setdefault(conversation, threading.Event())


def count(method, key):
    name = f"{method} {key}"
    with lock:
        stats["requests"][name] = stats["requests"].get(name, 0) + 1
        return stats["requests"][name]


def uri_encode(s, keep_slash):
    return urllib.parse.quote(s, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    enc = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in enc)


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def expected_signature(method, raw_path, query, headers, signed, date, scope):
    names = signed.split(";")
    canon_headers = "".join(
        f"{n}:{' '.join(headers.get(n, '').split())}\n" for n in names)
    creq = "\n".join([method, raw_path, canonical_query(query), canon_headers,
                      signed, headers.get("x-amz-content-sha256", "")])
    sts = "\n".join(["AWS4-HMAC-SHA256", date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    day, region, service, term = scope.split("/")
    k = hmac256(("AWS4" + SECRET).encode(), day)
    for part in (region, service, term):
        k = hmac256(k, part)
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def check_signature(method, raw_path, query, headers):
    """None when the request is signed right, else a reason."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization"
    fields = dict(p.strip().split("=", 1) for p in auth[17:].split(","))
    cred = fields.get("Credential", "").split("/", 1)
    if cred[0] != KEY_ID or len(cred) != 2:
        return "unknown access key"
    signed = fields.get("SignedHeaders", "")
    names = signed.split(";")
    for need in ["host", "x-amz-content-sha256", "x-amz-date"] + (
            ["x-amz-security-token"] if "x-amz-security-token" in headers else []):
        if need not in names:
            return f"{need} not signed"
    if names != sorted(names):
        return "SignedHeaders not sorted"
    scope = cred[1]
    if not scope.startswith(headers.get("x-amz-date", "")[:8]) or \
            not scope.endswith(f"/{REGION}/s3/aws4_request"):
        return "bad credential scope"
    want = expected_signature(method, raw_path, query, headers, signed,
                              headers.get("x-amz-date", ""), scope)
    if not hmac.compare_digest(want, fields.get("Signature", "")):
        return "signature mismatch"
    return None


def error_xml(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message><RequestId>FAKE</RequestId></Error>'
            % (code, message)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        with lock:
            stats["connections"] += 1

    def answer(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("x-amz-request-id", "FAKE")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head:
            self.wfile.write(body)

    def fail(self, status, code, message, head=False):
        self.answer(status, error_xml(code, message),
                    {"Content-Type": "application/xml"}, head)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:  # the client is gone already
            pass

    def parse(self):
        raw_path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length", "0"))
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client gave up: S3 stores nothing of it
            raise ConnectionError("the body ended early")
        return raw_path, query, headers, body

    def check(self, raw_path, query, headers, body):
        """An error answer to send, or None."""
        why = check_signature(self.command, raw_path, query, headers)
        if why:
            with lock:
                stats["bad_signatures"] += 1
            return (403, "SignatureDoesNotMatch", why)
        sha = headers.get("x-amz-content-sha256", "")
        if sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(body).hexdigest():
            with lock:
                stats["bad_hashes"] += 1
            return (400, "XAmzContentSHA256Mismatch", "payload hash mismatch")
        md5 = headers.get("content-md5")
        if md5 is not None and md5 != base64.b64encode(hashlib.md5(body).digest()).decode():
            return (400, "BadDigest", "Content-MD5 mismatch")
        return None

    def cue(self, key, n, body):
        """Answers a failure on cue; True when it did."""
        first = key.split("/", 1)[0]
        if first == "always503" or (first == "flaky" and n <= 2):
            self.fail(503, "SlowDown", "Please reduce your request rate.",
                      self.command == "HEAD")
            return True
        if first == "taken" and self.command == "PUT" and n == 1:
            self.fail(503, "ServiceUnavailable", "Please try again.")
            return True
        if first == "partfail" and self.command == "PUT" and "partNumber=2" in self.path:
            self.fail(403, "AccessDenied", "Access Denied")
            return True
        if first == "forbidden" or (self.command == "PUT" and
                                    key.startswith("conversations/deny-") and "/messages/" in key):
            self.fail(403, "AccessDenied", "Access Denied", self.command == "HEAD")
            return True
        if first == "timeout400" and n == 1:
            self.fail(400, "RequestTimeout", "Your socket connection timed out.")
            return True
        if first == "stall" and n == 1:
            time.sleep(8)
            self.drop()
            return True
        if first in ("lost", "dropped") and self.command == "PUT" and n == 1:
            if first == "lost":
                self.store(key, body)
            self.drop()
            return True
        return False

    def hold_first(self, key):
        """A hold1st (or holddrop) conversation's first message PUT waits at
        its gate; its conversation then (None for any other request), the
        connection dropped for holddrop."""
        parts = key.split("/")
        if self.command != "PUT" or len(parts) < 4 or parts[0] != "conversations" \
                or not parts[1].startswith(("hold1st-", "holddrop-")) or parts[2] != "messages":
            return None
        with lock:
            first = parts[1] not in held
            held.add(parts[1])
        if not first:
            return None
        gate(parts[1]).wait(4)
        if parts[1].startswith("holddrop-"):
            self.drop()
        return parts[1]

    def store(self, key, body):
        ct = self.headers.get("Content-Type", "application/octet-stream")
        with lock:
            objects[key] = (body, ct, hashlib.md5(body).hexdigest())

    def handle_any(self):
        raw_path, query, headers, body = self.parse()
        if raw_path == "/__stats":
            return self.answer(200, json.dumps(stats).encode(),
                               {"Content-Type": "application/json"})
        if raw_path == "/__release":
            # answered once the held PUT has stored (or dropped), so that
            # what the test does next comes after it
            conversation = dict(urllib.parse.parse_qsl(query)).get("conversation", "")
            gate(conversation).set()
            with lock:
                was_held = conversation in held
            if was_held:
                passed(conversation).wait(5)
            return self.answer(204)
        err = self.check(raw_path, query, headers, body)
        if err:
            return self.fail(*err, head=self.command == "HEAD")
        path = urllib.parse.unquote(raw_path)
        if not path.startswith(f"/{BUCKET}/") and path != f"/{BUCKET}":
            return self.fail(404, "NoSuchBucket", "The specified bucket does not exist",
                             self.command == "HEAD")
        if path == f"/{BUCKET}" and self.command == "GET":
            return self.op_list(query)
        key = path[len(BUCKET) + 2:]
        if self.cue(key, count(self.command, key), body):
            return None
        conversation = self.hold_first(key)
        try:
            if conversation is not None and conversation.startswith("holddrop-"):
                return None
            q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
            if "uploads" in q or "uploadId" in q:
                return self.op_upload(key, q, headers, body)
            return getattr(self, "op_" + self.command)(key, headers, body)
        finally:
            if conversation is not None:
                passed(conversation).set()

    # -- multipart uploads ------------------------------------------------------
    def op_upload(self, key, q, headers, body):
        if self.command == "POST" and "uploads" in q:
            uid = hashlib.sha256(os.urandom(16)).hexdigest()
            with lock:
                uploads[uid] = (key, headers.get("content-type", "application/octet-stream"), {})
                stats["open_uploads"] = len(uploads)
            return self.answer(200, ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                     '<InitiateMultipartUploadResult><Bucket>%s</Bucket>'
                                     '<Key>%s</Key><UploadId>%s</UploadId>'
                                     '</InitiateMultipartUploadResult>'
                                     % (BUCKET, key, uid)).encode(),
                               {"Content-Type": "application/xml"})
        with lock:
            upload = uploads.get(q.get("uploadId"))
        if upload is None or upload[0] != key:
            return self.fail(404, "NoSuchUpload", "The specified upload does not exist.")
        if self.command == "PUT":
            upload[2][int(q.get("partNumber", "0"))] = body
            return self.answer(200, headers={"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
        if self.command == "DELETE":
            with lock:
                uploads.pop(q["uploadId"], None)
                stats["open_uploads"] = len(uploads)
            return self.answer(204)
        return self.complete(key, q["uploadId"], upload, headers, body)

    def complete(self, key, uid, upload, headers, body):
        listed = [(int(n), e.decode().strip('"')) for n, e in re.findall(
            rb"<Part><PartNumber>(\d+)</PartNumber><ETag>([^<]*)</ETag></Part>", body)]
        parts = upload[2]
        numbers = [n for n, _ in listed]
        if not listed or numbers != sorted(set(numbers)) or any(
                n not in parts or e != hashlib.md5(parts[n]).hexdigest() for n, e in listed):
            return self.fail(400, "InvalidPart", "One or more of the specified parts was not found")
        if any(len(parts[n]) < MIN_PART for n in numbers[:-1]):
            return self.fail(400, "EntityTooSmall", "Your proposed upload is smaller than allowed")
        data = b"".join(parts[n] for n in numbers)
        etag = "%s-%d" % (hashlib.md5(b"".join(hashlib.md5(parts[n]).digest()
                                               for n in numbers)).hexdigest(), len(numbers))
        with lock:
            if headers.get("if-none-match") == "*" and key in objects:
                return self.fail(412, "PreconditionFailed",
                                 "At least one of the pre-conditions you specified did not hold")
            objects[key] = (data, upload[1], etag)
            uploads.pop(uid, None)
            stats["open_uploads"] = len(uploads)
        return self.answer(200, ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                 '<CompleteMultipartUploadResult><Key>%s</Key>'
                                 '<ETag>&quot;%s&quot;</ETag></CompleteMultipartUploadResult>'
                                 % (key, etag)).encode(), {"Content-Type": "application/xml"})

    def op_list(self, query):
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if q.get("list-type") != "2":
            return self.fail(400, "InvalidArgument", "list-type=2 only")
        prefix, delim = q.get("prefix", ""), q.get("delimiter", "")
        after = q.get("start-after", "")
        if "continuation-token" in q:
            after = base64.b64decode(q["continuation-token"]).decode()
        with lock:
            keys = sorted(k for k in objects if k.startswith(prefix))
        entries = []
        for k in keys:
            if k.encode() <= after.encode():
                continue
            cut = k.find(delim, len(prefix)) if delim else -1
            entry = (k[:cut + 1], True) if cut >= 0 else (k, False)
            if not entries or entries[-1] != entry:
                entries.append(entry)
        page, more = entries[:int(q.get("max-keys", "1000"))], len(entries) > int(q.get("max-keys", "1000"))
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        xml = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns='
               '"http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"]
        for name, is_prefix in page:
            xml.append(f"<CommonPrefixes><Prefix>{esc(name)}</Prefix></CommonPrefixes>" if is_prefix
                       else f"<Contents><Key>{esc(name)}</Key><Size>1</Size></Contents>")
        if more:
            last = page[-1][0] + ("\U0010ffff" if page[-1][1] else "")
            xml.append("<NextContinuationToken>%s</NextContinuationToken>"
                       % base64.b64encode(last.encode()).decode())
        xml.append("</ListBucketResult>")
        page = "".join(xml).encode()
        if prefix.startswith("midlist/") and count("LIST", prefix) == 1:
            return self.cut(page, {"Content-Type": "application/xml"})
        return self.answer(200, page, {"Content-Type": "application/xml"})

    def op_PUT(self, key, headers, body):
        with lock:  # check and store at once: racing creators get one 412
            taken = headers.get("if-none-match") == "*" and key in objects
            if not taken:
                self.store(key, body)
                etag = objects[key][2]
        if taken:
            return self.fail(412, "PreconditionFailed",
                             "At least one of the pre-conditions you specified did not hold")
        return self.answer(200, headers={"ETag": f'"{etag}"'})

    def op_GET(self, key, headers, body, head=False):
        with lock:
            obj = objects.get(key)
        if obj is None:
            return self.fail(404, "NoSuchKey", "The specified key does not exist.", head)
        data, ct, md5 = obj
        hdrs = {"ETag": f'"{md5}"', "Content-Type": ct,
                "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"}
        if key.startswith("midget/") and not head:
            return self.cut(data, hdrs)
        if key.startswith("trickle/") and not head:
            return self.trickle(data, hdrs)
        return self.answer(200, data, hdrs, head)

    def announce(self, data, hdrs):
        """The status line and headers of a 200 that will carry data."""
        self.send_response(200)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()

    def cut(self, data, hdrs):
        """200 announcing all of data, then half of it and a dropped connection."""
        self.announce(data, hdrs)
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        return self.drop()

    def trickle(self, data, hdrs):
        """200 with data at 1 byte a second, until the client gives up."""
        self.announce(data, hdrs)
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            self.close_connection = True

    def op_HEAD(self, key, headers, body):
        return self.op_GET(key, headers, body, head=True)

    def op_DELETE(self, key, headers, body):
        with lock:
            objects.pop(key, None)
        self.answer(204)

    def do_any(self):
        try:
            self.handle_any()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = do_any


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fake_s3.py DIR")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    port_file = os.path.join(sys.argv[1], "port")
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
