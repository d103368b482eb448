#!/usr/bin/env python3
"""tests/memcheck_relay.py BUILD_DIR DATA_DIR PID: drives the running chats3-relay PID
(tests/memcheck starts it under valgrind) through what it does: streams
opening and closing, events from real sends (the programs run as CGI, so
reserve frames and seq'd new-message events come as in production), the
history order holding an event back and letting it go, Last-Event-ID
replay, a targeted event, a kick, a slow consumer cut, a closed
conversation, and, left for SIGTERM, an open stream, a connection without
a head and an event still held back, when it sends the relay SIGTERM and
waits for it to go. With MEMCHECK_REDIS_PORT (the relay's link to other
hosts on that redis-server) it first waits for the link, hears another
host's reserve and release through it, and stops Redis before the
SIGTERM: an event still reaches the stream. Prints one line per
step; exits 1 at the first that goes wrong. Settings come from
CHATS3_CONFIG_FILE."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

BUILD, DATA, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
RUN = os.path.join(DATA, "run")
TIMEOUT = 30  # valgrind makes the relay some 20 times slower


def fail(what):
    print("relay scenario FAILED: " + what)
    sys.exit(1)


def admin(*args):
    out = subprocess.run([os.path.join(BUILD, "tools", "chats3-admin"), *args],
                         capture_output=True, check=False)
    if out.returncode != 0:
        fail("chats3-admin %s: %s" % (" ".join(args), out.stderr.decode()))
    return json.loads(out.stdout)


def cgi(program, method, path, doc=None, session=None):
    """A program run as CGI; the envelope's data."""
    body = json.dumps(doc).encode() if doc is not None else b""
    env = dict(os.environ, REQUEST_METHOD=method, SCRIPT_NAME=path, PATH_INFO="",
               REQUEST_URI=path, CONTENT_LENGTH=str(len(body)), REMOTE_ADDR="127.0.0.1",
               SERVER_PROTOCOL="HTTP/1.1", GATEWAY_INTERFACE="CGI/1.1")
    if doc is not None:
        env["CONTENT_TYPE"] = "application/json"
    if session:
        env["HTTP_X_SESSION_ID"] = session["sessionId"]
    out = subprocess.run([os.path.join(BUILD, "cgi-bin", program)], input=body, env=env,
                         capture_output=True, check=False).stdout
    text = out.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in out else out.split(b"\n\n", 1)[-1]
    doc = json.loads(text)
    if not doc.get("success"):
        fail("%s %s: %s" % (method, path, doc))
    return doc["data"]


def join(conv, name):
    return cgi("session", "POST", "/api/v1/join",
               {"conversationId": conv["conversationId"], "joinCode": conv["joinCode"],
                "displayName": name})["session"]


def send(who, body):
    return cgi("messages", "POST", "/api/v1/messages", {"body": body}, who)["message"]


def frame(doc):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(json.dumps(doc).encode(), os.path.join(RUN, "relay-events.sock"))


def event(conv, type_, data, to=None, seq=None):
    doc = {"v": 1, "conversationId": conv["conversationId"],
           "event": {"id": "x", "type": type_, "fromUserId": "memcheck", "toUserId": to,
                     "data": data, "timestamp": 1}}
    if seq is not None:
        doc["seq"] = seq
    frame(doc)


def connect(rcvbuf=None):
    s = socket.socket(socket.AF_UNIX)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(TIMEOUT)
    s.connect(os.path.join(RUN, "relay.sock"))
    return s


def health():
    with connect() as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: relay\r\n\r\n")
        data = chunk = s.recv(4096)
        while chunk:  # the relay closes after its answer
            chunk = s.recv(4096)
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])["data"]


class Stream:
    def __init__(self, who, last_event_id=None, rcvbuf=None, read=True):
        self.sock = connect(rcvbuf)
        head = "GET /api/v1/signaling HTTP/1.1\r\nHost: relay\r\nx-session-id: %s\r\n" \
            % who["sessionId"]
        if last_event_id:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        self.sock.sendall((head + "\r\n").encode())
        self.buf = b""
        if read:
            self.until(b'"connected"')

    def until(self, needle):
        deadline = time.monotonic() + TIMEOUT
        while needle not in self.buf:
            if time.monotonic() > deadline:
                fail("no %r on the stream" % needle)
            data = self.sock.recv(65536)
            if not data:
                fail("the stream ended before %r" % needle)
            self.buf += data
        return self.buf

    def last_id(self):
        return [l for l in self.buf.split(b"\n") if l.startswith(b"id: ")][-1][4:].decode()

    def ends(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            data = self.sock.recv(65536)
            if not data:
                return True
            self.buf += data
        return False

    def close(self):
        self.sock.close()


def wait_until(pred, what):
    deadline = time.monotonic() + TIMEOUT
    while not pred():
        if time.monotonic() > deadline:
            fail("gave up waiting for " + what)
        time.sleep(0.05)


def publish(port, frame):
    """frame on the relays' channel, as another host sends it."""
    subprocess.run(["redis-cli", "-p", port, "publish", "chats3:relay:0", "0 " + json.dumps(frame)],
                   capture_output=True, check=True)


def redis_link_steps(stream, conv):
    """With a Redis link: Redis goes away, and an event still reaches stream."""
    port = os.environ.get("MEMCHECK_REDIS_PORT")
    if not port:
        return
    seq = {"conversationId": conv["conversationId"], "seq": 10 ** 13 + 20}
    publish(port, {"v": 1, "reserve": seq})  # another host's send
    event(conv, "new-message", {"body": "after another host's"}, seq=seq["seq"] + 1)
    publish(port, {"v": 1, "release": seq})  # and its failure
    stream.until(b"after another host's")
    print("redis link: an event behind another host's reserve, let go by its release")
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True,
                   check=False)
    wait_until(lambda: health().get("redis") == "down", "the link to see Redis gone")
    event(conv, "offer", {"sdp": "without Redis"})
    stream.until(b"without Redis")
    print("redis link: Redis gone, the event reaches the stream still")


def main():
    if os.environ.get("MEMCHECK_REDIS_PORT"):
        wait_until(lambda: health().get("redis") == "up", "the link to Redis")
        print("redis link: up")
    room, other = admin("create", "room")["conversation"], admin("create", "other")["conversation"]
    alice, bob, carol = join(room, "Alice"), join(room, "Bob"), join(room, "Carol")
    dave = join(other, "Dave")
    a, b = Stream(alice), Stream(bob)
    for i in range(3):
        send(alice, "m%d" % i)
    a.until(b'"body":"m2"')
    b.until(b'"body":"m2"')
    print("streams: sends reach both")

    event(room, "new-message", {"body": "late"}, seq=10 ** 13 + 2)  # unreserved: out at once
    frame({"v": 1, "reserve": {"conversationId": room["conversationId"], "seq": 10 ** 13 + 5}})
    event(room, "new-message", {"body": "held"}, seq=10 ** 13 + 6)
    frame({"v": 1, "release": {"conversationId": room["conversationId"], "seq": 10 ** 13 + 5}})
    a.until(b'"body":"held"')
    print("order: a held event let go by its release")

    seen = a.last_id()
    a.close()
    send(alice, "missed")
    a = Stream(alice, last_event_id=seen)
    a.until(b'"body":"missed"')
    print("replay: Last-Event-ID")

    event(room, "offer", {"sdp": "for-bob"}, to=bob["userId"])
    b.until(b"for-bob")
    admin("kick", bob["userId"])
    if not b.ends():
        fail("the kicked stream did not end")
    b.close()
    print("kick: the stream ends")

    c = Stream(carol, rcvbuf=4096)  # never read again
    before = health()["streams"]
    big = "x" * 4000
    for _ in range(2000):
        event(room, "typing", {"pad": big})
        if health()["streams"] < before:
            break
    else:
        fail("the slow stream was never cut")
    a.until(b"x" * 100)
    c.close()
    print("slow consumer: cut while the other keeps up")

    admin("close", room["conversationId"])
    if not a.ends():
        fail("the closed conversation's stream did not end")
    a.close()
    print("close: a closed conversation's streams end")

    d = Stream(dave)
    redis_link_steps(d, other)
    headless = connect()
    frame({"v": 1, "reserve": {"conversationId": other["conversationId"], "seq": 10 ** 13 + 1}})
    event(other, "new-message", {"body": "still held"}, seq=10 ** 13 + 9)
    wait_until(lambda: health()["streams"] == 1, "the last stream to be counted")
    print("left for SIGTERM: a stream, a headless connection, an event held back")
    os.kill(PID, signal.SIGTERM)
    wait_until(lambda: not os.path.exists("/proc/%d/status" % PID) or
               b"State:\tZ" in open("/proc/%d/status" % PID, "rb").read(), "the relay to stop")
    d.close()
    headless.close()
    print("SIGTERM: the relay stopped")


main()
