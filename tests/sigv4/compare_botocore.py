#!/usr/bin/python3
"""Compare lib/sigv4 with botocore's S3 signer on generated requests.

Usage: tests/sigv4/compare_botocore.py BUILD_DIR [--count N] [--seed S]

Generates N deterministic-random S3 requests (odd object keys with spaces,
'+', '%', '~', '=', '&', unicode and emoji, nested and doubled '/', dot
segments; ListObjectsV2-style query parameters with odd prefixes and
continuation tokens, empty values; extra signed headers; session tokens on
some; signed and unsigned payloads; timestamps from 2000 to 2037). Each is
signed by botocore's S3SigV4Auth, the signer boto3 uses for S3 (no path
normalization, no second encoding), at the request's time, and by
BUILD_DIR/tests/fixtures/sigv4_sign. The two Authorization headers must be
equal. Prints the first mismatches as diffs of the canonical requests and,
last, "sigv4-botocore: N passed, N failed"; exits 1 on any failure, 2 when
it cannot run.

botocore comes from Debian's python3-botocore (apt-get install
python3-botocore), hence /usr/bin/python3 above.
"""

import argparse
import difflib
import hashlib
import json
import os
import random
import subprocess
import sys
import types
from datetime import datetime, timedelta
from unittest import mock
from urllib.parse import quote

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit("compare_botocore: botocore missing; on Debian: apt-get install "
             "python3-botocore, and run with /usr/bin/python3")

SHOW_MISMATCHES = 3

HOSTS = [
    ("https", "examplebucket.s3.amazonaws.com", False),
    ("https", "s3.us-west-2.amazonaws.com", True),
    ("https", "chats3-media.s3.eu-central-1.amazonaws.com", False),
    ("http", "localhost:9000", True),
    ("http", "127.0.0.1:9000", True),
    ("https", "minio.example.test:9443", True),
]
REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"]
METHODS = ["GET", "PUT", "HEAD", "DELETE", "POST"]

# Pieces of object keys: the characters a client must get right.
KEY_PIECES = [
    "a", "photo", "2024", "file.txt", "x_y-z", "v1.0", "~tilde", "caf\u00e9",
    " ", "  ", "a b", "+", "a+b", "%", "100%", "%20", "%2F", "%%41", "=", "&",
    "a=b&c=d", "?", "#frag", "!", "$", "'", "(1)", "*", ",", ";", ":", "@",
    "[x]", "\"", "<>", "\\", "^", "`", "{}", "|", "\u20ac", "\u1234",
    "\u65e5\u672c\u8a9e", "\U0001f600", "\U0001faa3", "\u00a0nbsp", "\t",
    "\x7f", ".", "..", "...", "-", "_",
]
ODD_VALUES = [
    "", "a", "photos/", "photos/2024/", "a b", "a+b", "100%", "x=y", "a&b",
    "~", "caf\u00e9/", "\U0001f600", "/", "//", "dir with spaces/",
    "%2F", "?", "#", "\u20ac", "a;b,c",
]
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def rand_str(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_key(rng):
    segments = []
    for _ in range(rng.randint(1, 5)):
        segments.append("".join(rng.choice(KEY_PIECES)
                                for _ in range(rng.randint(0, 4))))
    if rng.random() < 0.1:  # S3 keeps dot segments as they are
        segments.insert(rng.randint(0, len(segments)), rng.choice([".", ".."]))
    key = "/".join(segments)
    if rng.random() < 0.1:
        key += "/"
    return key or "k"


def rand_query(rng):
    """ListObjectsV2-style parameters and others a client sends."""
    kind = rng.random()
    q = []
    if kind < 0.3:
        return q
    if kind < 0.65:
        q.append(("list-type", "2"))
        if rng.random() < 0.7:
            q.append(("prefix", rng.choice(ODD_VALUES) + rand_key(rng)
                      if rng.random() < 0.5 else rng.choice(ODD_VALUES)))
        if rng.random() < 0.5:
            q.append(("delimiter", rng.choice(["/", "-", "%", " "])))
        if rng.random() < 0.4:
            q.append(("continuation-token", rand_str(rng, TOKEN_CHARS, 8, 80)))
        if rng.random() < 0.3:
            q.append(("start-after", rand_key(rng)))
        if rng.random() < 0.3:
            q.append(("max-keys", str(rng.randint(0, 1000))))
        if rng.random() < 0.2:
            q.append(("encoding-type", "url"))
        if rng.random() < 0.2:
            q.append(("fetch-owner", "true"))
    else:
        q.extend(rng.sample([
            ("uploads", ""), ("uploadId", rand_str(rng, TOKEN_CHARS, 10, 40)),
            ("partNumber", str(rng.randint(1, 10000))), ("tagging", ""),
            ("acl", ""), ("versionId", rand_str(rng, TOKEN_CHARS, 5, 30)),
            ("response-content-type", "text/plain; charset=utf-8"),
            ("response-content-disposition", 'attachment; filename="a b.txt"'),
            ("x-id", "GetObject"), ("", "empty-name"),
            (rng.choice(ODD_VALUES) or "n", rng.choice(ODD_VALUES)),
        ], rng.randint(1, 4)))
    if q and rng.random() < 0.15:
        q.append((q[0][0], rng.choice(ODD_VALUES)))  # a repeated name
    rng.shuffle(q)
    return q


def spaced(rng, value):
    """value with the white space a header may carry: leading, trailing,
    inner runs of spaces and tabs (trimmed and collapsed when signing)."""
    pad = ["", " ", "  ", "\t", " \t "]
    words = value.split(" ")
    return rng.choice(pad) + "".join(
        w + (rng.choice([" ", "   ", " \t"]) if i + 1 < len(words) else "")
        for i, w in enumerate(words)) + rng.choice(pad)


def rand_headers(rng, method, body):
    h = []
    if method in ("PUT", "POST") and rng.random() < 0.7:
        h.append(("Content-Type", spaced(rng, rng.choice(
            ["image/png", "text/plain; charset=utf-8", "application/octet-stream"]))))
    if method in ("PUT", "POST") and rng.random() < 0.4:
        h.append(("Content-Length", str(len(body))))
    if method in ("PUT", "POST") and rng.random() < 0.3:
        h.append(("Content-MD5", rand_str(rng, TOKEN_CHARS, 22, 22) + "=="))
    if method == "GET" and rng.random() < 0.3:
        h.append(("Range", "bytes=%d-%d" % (rng.randint(0, 99), rng.randint(100, 9999))))
    if rng.random() < 0.3:
        h.append((rng.choice(["x-amz-meta-caption", "X-Amz-Meta-Caption"]),
                  spaced(rng, rng.choice(["a b  c", "caf\u00e9 au lait", "x", ""]))))
    if rng.random() < 0.1:
        h.append(("X-Amz-Meta-Dup", "first"))
        h.append(("x-amz-meta-dup", spaced(rng, "second one")))
    if method == "PUT" and rng.random() < 0.2:
        h.append(("If-None-Match", "*"))
    if method == "PUT" and rng.random() < 0.15:
        h.append(("x-amz-copy-source",
                  quote("/srcbucket/" + rand_key(rng), safe="/~")))
    if rng.random() < 0.1:
        h.append(("Cache-Control", "max-age=60,  public"))
    rng.shuffle(h)
    return h


def make_case(rng, i):
    scheme, host, path_style = rng.choice(HOSTS)
    method = rng.choice(METHODS)
    key = rand_key(rng)
    if rng.random() < 0.1:
        path = "/chats3/" if path_style else "/"  # a bucket-level request
    else:
        path = ("/chats3/" if path_style else "/") + key
    body = b""
    if method in ("PUT", "POST"):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    unsigned = scheme == "https" and rng.random() < 0.3
    when = datetime(2000, 1, 1) + timedelta(seconds=rng.randint(0, 37 * 365 * 86400))
    token = None
    if rng.random() < 0.35:
        token = rand_str(rng, TOKEN_CHARS, 100, 600)
    return {
        "scheme": scheme, "host": host, "method": method, "path": path,
        "query": rand_query(rng), "headers": rand_headers(rng, method, body),
        "body": body, "unsigned": unsigned, "when": when,
        "access_key": "AKIA" + rand_str(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
        "secret_key": rand_str(rng, TOKEN_CHARS[:-1], 40, 40),
        "session_token": token, "region": rng.choice(REGIONS),
        # Half the requests give botocore the query as params (botocore
        # encodes it), half already encoded in the URL (botocore sorts it).
        "query_in_url": i % 2 == 1,
    }


def encode(s):
    return quote(s, safe="-_.~")


def botocore_sign(case):
    """Signs with S3SigV4Auth at case["when"]; returns (authorization,
    x-amz-content-sha256, canonical request, string to sign)."""
    url = "%s://%s%s" % (case["scheme"], case["host"], quote(case["path"], safe="/~"))
    params = case["query"]
    if case["query_in_url"] and params:
        url += "?" + "&".join(encode(n) + "=" + encode(v) for n, v in params)
        params = None
    req = AWSRequest(method=case["method"], url=url, data=case["body"], params=params)
    for name, value in case["headers"]:
        req.headers[name] = value  # HTTPHeaders appends: repeats are kept
    req.context["client_config"] = types.SimpleNamespace(
        s3={"payload_signing_enabled": not case["unsigned"]})
    auth = S3SigV4Auth(Credentials(case["access_key"], case["secret_key"],
                                   case["session_token"]), "s3", case["region"])
    with mock.patch("botocore.auth.datetime") as fake:
        fake.datetime.utcnow.return_value = case["when"]
        auth.add_auth(req)
    authorization = req.headers["Authorization"]
    del req.headers["Authorization"]
    creq = auth.canonical_request(req)
    return (authorization, req.headers["X-Amz-Content-SHA256"], creq,
            auth.string_to_sign(req, creq), req.headers["X-Amz-Date"])


def fixture_input(case):
    if case["unsigned"]:
        payload_hash = "UNSIGNED-PAYLOAD"
    else:
        payload_hash = hashlib.sha256(case["body"]).hexdigest()
    return {
        "method": case["method"], "host": case["host"], "path": case["path"],
        "query": [list(p) for p in case["query"]],
        "headers": [list(h) for h in case["headers"]],
        "payload_hash": payload_hash, "access_key": case["access_key"],
        "secret_key": case["secret_key"], "session_token": case["session_token"],
        "region": case["region"], "service": "s3",
        "amz_date": case["when"].strftime("%Y%m%dT%H%M%SZ"),
    }


def run_fixture(fixture, inputs):
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in inputs)
    out = subprocess.run([fixture, "-v"], input=text.encode("utf-8"),
                         stdout=subprocess.PIPE, check=True).stdout
    lines = out.decode("utf-8").split("\n")[:-1]
    if len(lines) != len(inputs):
        sys.exit("compare_botocore: %s gave %d lines for %d requests"
                 % (fixture, len(lines), len(inputs)))
    return [json.loads(l) if l.startswith("{") else {"authorization": l}
            for l in lines]


def show(i, case, want, got):
    print("mismatch #%d: %s %s%s" % (i, case["method"], case["host"],
                                      case["path"].encode("unicode_escape").decode()))
    print("  botocore: %s\n  ours:     %s" % (want[0], got.get("authorization")))
    for name, w, g in (("canonical request", want[2], got.get("canonical_request", "")),
                       ("string to sign", want[3], got.get("string_to_sign", ""))):
        diff = list(difflib.unified_diff(w.split("\n"), g.split("\n"), "botocore",
                                         "ours", lineterm="", n=1))
        if diff:
            print("  %s:" % name)
            print("\n".join("    " + d for d in diff))


def coverage(cases):
    """One line saying how many requests had each odd feature."""
    def count(pred):
        return sum(1 for c in cases if pred(c))
    def names(c):
        return [h[0].lower() for h in c["headers"]]
    feats = [
        ("session token", lambda c: c["session_token"]),
        ("UNSIGNED-PAYLOAD", lambda c: c["unsigned"]),
        ("query", lambda c: c["query"]),
        ("query in URL", lambda c: c["query"] and c["query_in_url"]),
        ("empty query value", lambda c: any(v == "" for _, v in c["query"])),
        ("repeated query name", lambda c: len({n for n, _ in c["query"]}) < len(c["query"])),
        ("repeated header", lambda c: len(set(names(c))) < len(names(c))),
        ("space in key", lambda c: " " in c["path"]),
        ("'+' in key", lambda c: "+" in c["path"]),
        ("'%' in key", lambda c: "%" in c["path"]),
        ("non-ASCII key", lambda c: not c["path"].isascii()),
        ("emoji", lambda c: any(ord(ch) > 0xffff for ch in c["path"])),
        ("'//' in key", lambda c: "//" in c["path"]),
        ("dot segment", lambda c: any(g in (".", "..") for g in c["path"].split("/"))),
    ]
    return "coverage: " + ", ".join("%d %s" % (count(f), n) for n, f in feats)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build_dir")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20240901)
    args = ap.parse_args()
    fixture = os.path.join(args.build_dir, "tests", "fixtures", "sigv4_sign")
    if not os.access(fixture, os.X_OK):
        print("compare_botocore: %s missing; build it first (make)" % fixture)
        return 2

    rng = random.Random(args.seed)
    cases = [make_case(rng, i) for i in range(args.count)]
    inputs = [fixture_input(c) for c in cases]
    ours = run_fixture(fixture, inputs)
    passed = failed = 0
    for i, (case, inp, got) in enumerate(zip(cases, inputs, ours)):
        want = botocore_sign(case)
        ok = (got.get("authorization") == want[0] and want[1] == inp["payload_hash"]
              and want[4] == inp["amz_date"])
        if ok:
            passed += 1
            continue
        failed += 1
        if failed <= SHOW_MISMATCHES:
            show(i, case, want, got)
    print(coverage(cases))
    print("sigv4-botocore: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
