"""Signing embed tickets for the tests (the integrator's side of flow 2,
as docs/integrators.md describes it), and a server configured with
integrators."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import uuid

import harness

SECRET = "it-embed-secret-0123456789abcdef-0123456789"
OTHER_SECRET = "it-other-secret-0123456789abcdef-0123456789"
ORIGIN = "http://integrator.example:3000"
INTEGRATORS = [
    {"id": "acme", "secret": SECRET, "allowedOrigins": [ORIGIN, "https://www.acme.example"]},
    {"id": "other", "secret": OTHER_SECRET, "allowedOrigins": ["https://other.example"]},
]


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def ticket_doc(conversation, name="Alice", **changes):
    """A valid ticket for conversation; changes replace (None: remove) members."""
    now = datetime.datetime.now(datetime.timezone.utc)
    doc = {"integratorId": "acme", "conversationId": conversation, "userId": str(uuid.uuid4()),
           "displayName": name, "role": "user", "origin": ORIGIN, "issuedAt": iso(now),
           "expiresAt": iso(now + datetime.timedelta(seconds=60)),
           "nonce": uuid.uuid4().hex}
    for k, v in changes.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def encode(doc):
    text = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(ticket, secret=SECRET):
    return hmac.new(secret.encode(), ticket.encode(), hashlib.sha256).hexdigest()


def embed_path(ticket, signature):
    from urllib.parse import quote
    return "/embed?ticket=%s&signature=%s" % (quote(ticket, safe=""), quote(signature, safe=""))


def signed_path(doc, secret=SECRET):
    t = encode(doc)
    return embed_path(t, sign(t, secret))


def integrators_file(test_cls):
    """A world-readable integrators file (the programs may run as the web
    server's user), removed with the class."""
    d = tempfile.mkdtemp(prefix="chats3-it-integrators-")
    os.chmod(d, 0o755)
    path = os.path.join(d, "integrators.json")
    with open(path, "w") as f:
        json.dump(INTEGRATORS, f)
    os.chmod(path, 0o644)
    test_cls.addClassCleanup(shutil.rmtree, d, True)
    return path


def embed_server(test_cls, settings=None):
    merged = {"CHATS3_INTEGRATORS_FILE": integrators_file(test_cls),
              "CHATS3_JOIN_RATE": "100000", "CHATS3_WRITE_RATE": "100000",
              "CHATS3_TRUSTED_PROXIES": "127.0.0.1"}
    merged.update(settings or {})
    srv = harness.new_server(merged)
    test_cls.addClassCleanup(srv.stop)
    return srv
