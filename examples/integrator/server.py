#!/usr/bin/env python3
"""A demo integrator (docs/integrators.md): a page on its own origin that
signs a Chats3 embed ticket for every view and shows the room in an iframe.

    CHATS3_URL=http://127.0.0.1:8080 INTEGRATOR_ID=demo INTEGRATOR_SECRET=... \\
        python3 examples/integrator/server.py [--port 8090] [--bind 127.0.0.1]

GET /?name=Alice&room=demo  the page with the iframe
GET /ticket?name=...&room=  the embed URL alone, as text

The ticket's origin is http://<bind>:<port> unless ORIGIN says otherwise;
it must be among the integrator's allowedOrigins. A name always gets the
same user id, so a reload of the page takes the user back into the room."""

import argparse
import base64
import datetime
import hashlib
import hmac
import html
import json
import os
import secrets
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Demo integrator: %(room)s</title></head>
<body>
<h1>An integrator's page</h1>
<p>%(name)s in %(room)s, embedded from %(chats3)s.</p>
<iframe src="%(src)s" title="Chat" style="width: 100%%; height: 600px; border: 1px solid #ccc"
        allow="camera; microphone; display-capture"></iframe>
</body>
</html>
"""


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def user_id(name):
    """A UUID v4 that is the same for the same name."""
    b = bytearray(hashlib.sha256(name.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(b)))


def embed_url(cfg, name, room):
    now = datetime.datetime.now(datetime.timezone.utc)
    doc = {"integratorId": cfg["id"], "conversationId": room, "userId": user_id(name),
           "displayName": name, "role": "user", "origin": cfg["origin"], "issuedAt": iso(now),
           "expiresAt": iso(now + datetime.timedelta(seconds=60)),
           "nonce": secrets.token_hex(16)}
    ticket = base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    signature = hmac.new(cfg["secret"].encode(), ticket.encode(), hashlib.sha256).hexdigest()
    return "%s/embed?ticket=%s&signature=%s" % (cfg["chats3"], ticket, signature)


def handler(cfg):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            q = parse_qs(url.query)
            name = q.get("name", ["Guest"])[0]
            room = q.get("room", ["demo"])[0]
            if url.path == "/ticket":
                self.answer(200, "text/plain; charset=utf-8", embed_url(cfg, name, room) + "\n")
            elif url.path == "/":
                page = PAGE % {"name": html.escape(name), "room": html.escape(room),
                               "chats3": html.escape(cfg["chats3"]),
                               "src": html.escape(embed_url(cfg, name, room))}
                self.answer(200, "text/html; charset=utf-8", page)
            else:
                self.answer(404, "text/plain; charset=utf-8", "not found\n")

        def answer(self, status, ctype, text):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("integrator: %s\n" % (fmt % args))
    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8090)
    ap.add_argument("--bind", default="127.0.0.1")
    args = ap.parse_args()
    env = os.environ
    missing = [k for k in ("CHATS3_URL", "INTEGRATOR_ID", "INTEGRATOR_SECRET") if not env.get(k)]
    if missing:
        sys.exit("integrator: set %s" % ", ".join(missing))
    cfg = {"chats3": env["CHATS3_URL"].rstrip("/"), "id": env["INTEGRATOR_ID"],
           "secret": env["INTEGRATOR_SECRET"],
           "origin": env.get("ORIGIN") or "http://%s:%d" % (args.bind, args.port)}
    server = ThreadingHTTPServer((args.bind, args.port), handler(cfg))
    print("integrator: http://%s:%d/ embeds %s" % (args.bind, args.port, cfg["chats3"]),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
