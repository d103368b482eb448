"""The integration tests' web server: a real lighttpd or Apache running the
built programs, configured by the launcher's own `render-config`, on a free
loopback port with a fresh data directory. Also small HTTP helpers."""

import http.client
import json
import os
import pwd
import random
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_ROUTE = "/_test/echo"  # the JSON fixture program, tests/fixtures/echo.c
DOWNLOAD_ROUTE = "/_test/download"  # pages, redirects, downloads: tests/fixtures/download.c
# The fixture programs: the URL prefix each one is mounted at.
FIXTURES = {TEST_ROUTE: "echo", DOWNLOAD_ROUTE: "download"}


def free_port():
    """A loopback TCP port free now. It lies below the range the kernel
    hands out to outgoing connections and to bind(port 0) (a connection on
    the machine that took it would keep its server from binding it, for a
    minute once closed), unless that range starts too low to leave room."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    rnd = random.SystemRandom()
    for _ in range(100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", rnd.randrange(10000, low) if low > 11000 else 0))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port found")


def wait_for(predicate, timeout=10, what="the condition", interval=0.05):
    """Calls predicate until it returns something true, and returns that.
    After timeout seconds, fails (AssertionError) naming what it waited
    for; what may be a function giving that sentence then (with the state
    it found). The one way tests wait for what happens after an answer."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise AssertionError("gave up after %g s waiting for %s"
                                 % (timeout, what() if callable(what) else what))
        time.sleep(interval)


def next_datagram(sock, what, timeout=10, skip=()):
    """The next datagram on sock (one the programs send after answering),
    passing over event frames whose type is in skip (a join's peer-join,
    for a test about what comes after) and the reserve and release frames
    of a send (the relay's history order, docs/relay.md)."""
    while True:
        wait_for(lambda: select.select([sock], [], [], 0)[0], timeout, what)
        data = sock.recv(70000)
        frame = json.loads(data)
        if "reserve" in frame or "release" in frame:
            continue
        if not skip or frame.get("event", {}).get("type") not in skip:
            return data


def relay_health_answer(status=200):
    """What the relay answers to GET /health, with status."""
    body = b'{"success":true,"data":{"status":"ok","streams":0}}'
    return (b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (status, len(body), body))


class RelayStandIn:
    """Listens on the relay's HTTP socket (run/relay.sock) in place of the
    relay: reads each request and sends answer (None: nothing, a relay that
    hangs), then closes the connection, or holds it open when hold is set
    (a stream), until close()."""

    def __init__(self, data_dir, answer=None, hold=False):
        self.path = os.path.join(data_dir, "run", "relay.sock")
        self.answer, self.hold = answer, hold
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)  # the programs may run as the web server's user
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        held = []
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                break
            conn.recv(4096)
            if self.answer is not None:
                conn.sendall(self.answer)
            if self.answer is None or self.hold:
                held.append(conn)
            else:
                conn.close()
        for conn in held:
            conn.close()

    def close(self):
        os.unlink(self.path)
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


def proc_file(pid, name):
    """The bytes of /proc/PID/NAME; empty when gone or not ours to read."""
    try:
        with open("/proc/%s/%s" % (pid, name), "rb") as f:
            return f.read()
    except OSError:
        return b""


def installation_pids(marker):
    """The running processes whose command line or environment holds
    marker (a directory only that installation uses); a zombie, which has
    ended, has neither."""
    key = marker.encode()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()
            and (key in proc_file(p, "cmdline") or key in proc_file(p, "environ"))]


def end_processes(marker, timeout=5):
    """Ends every process of the installation marker names: SIGTERM, then
    SIGKILL what is left after timeout seconds; fails if any survives."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in installation_pids(marker):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            wait_for(lambda: not installation_pids(marker), timeout,
                     "the processes of %s to end" % marker)
            return
        except AssertionError:
            if sig == signal.SIGKILL:
                raise


class WebServer:
    """One web server (lighttpd|apache) running the programs as fastcgi|cgi."""

    def __init__(self, server, mode, build_dir, settings=None, env=None, relay=False):
        self.server, self.mode, self.build_dir = server, mode, build_dir
        self.settings = dict(settings or {})
        self.env = dict(env or {})
        self.relay = relay
        self.relay_proc = None
        self.proc = None
        self.port = None
        self.dir = None

    # -- setup -------------------------------------------------------------
    def _bin_dir(self):
        """The programs plus the test fixture, side by side."""
        bin_dir = os.path.join(self.dir, "bin")
        os.makedirs(bin_dir)
        cgi = os.path.join(self.build_dir, "cgi-bin")
        for name in sorted(os.listdir(cgi)):
            path = os.path.join(cgi, name)
            if os.access(path, os.X_OK) and not name.endswith(".o"):
                os.symlink(path, os.path.join(bin_dir, name))
        for name in FIXTURES.values():
            os.symlink(os.path.join(self.build_dir, "tests", "fixtures", name),
                       os.path.join(bin_dir, name))
        return bin_dir

    def _write_settings(self, data_dir):
        path = os.path.join(self.dir, "chats3.conf")
        with open(path, "w") as f:
            f.write("CHATS3_DATA_DIR = %s\n" % data_dir)
            f.write("CHATS3_TEMPLATES_DIR = %s\n" % os.path.join(ROOT, "templates"))
            for k, v in self.settings.items():
                f.write("%s = %s\n" % (k, v))
        return path

    def _fixture_conf(self, conf_dir, bin_dir, conf_file):
        mounts = [(route, os.path.join(bin_dir, name)) for route, name in FIXTURES.items()]
        if self.server == "lighttpd" and self.mode == "fastcgi":
            text = "".join('fastcgi.server += ( "%s" => (( "bin-path" => "%s", "socket" => '
                           '"%s/run/%s.sock", "check-local" => "disable", "max-procs" => 1 )) )\n'
                           % (route, prog, self.data_dir, os.path.basename(prog))
                           for route, prog in mounts)
            path = os.path.join(conf_dir, "lighttpd.conf")
        elif self.server == "lighttpd":
            text = "".join('alias.url += ( "%s" => "%s" )\n' % m for m in mounts)
            text += ('$HTTP["url"] =~ "^/_test/" {\n'
                     '  cgi.assign = ( "" => "" )\n'
                     '  setenv.add-environment = ( "CHATS3_CONFIG_FILE" => "%s" )\n}\n'
                     % conf_file)
            path = os.path.join(conf_dir, "lighttpd.conf")
        else:
            text = "".join('Alias %s "%s"\n' % m for m in mounts)
            path = os.path.join(conf_dir, "chats3-site.conf")
            with open(path) as f:
                site = f.read()
            with open(path, "w") as f:
                f.write(text + site)  # before the /api/v1 catch-all
            return
        with open(path, "a") as f:
            f.write(text)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="chats3-it-")
        self.data_dir = os.path.join(self.dir, "data")
        os.makedirs(os.path.join(self.data_dir, "run"))
        self.prepare_data_dir()
        conf_file = self._write_settings(self.data_dir)
        self.conf_file = conf_file
        bin_dir = self._bin_dir()
        self.log_path = os.path.join(self.dir, "server.log")
        self.relay_log = os.path.join(self.dir, "relay.log")
        if self.relay:
            if self.server == "apache":
                self._give_to_apache_user(conf_file)
            self.start_relay()
        # A port free when picked may be taken (by any connection on the
        # machine) before the server binds it: then try another.
        for _ in range(5):
            if self._launch(conf_file, bin_dir):
                return self
        raise RuntimeError("%s found no free port in 5 tries" % self.server)

    def _launch(self, conf_file, bin_dir):
        """Starts the server on a fresh port: True once it answers, False
        when the port was taken meanwhile."""
        conf_dir = os.path.join(self.dir, "conf")
        self.port = free_port()
        # The programs' environment beats their settings file: pass none of ours.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env.update(CHATS3_DATA_DIR=self.data_dir, CHATS3_CONFIG_FILE=conf_file,
                   CHATS3_PORT=str(self.port), CHATS3_BIND="127.0.0.1", CHATS3_BIN_DIR=bin_dir)
        for key in ("CHATS3_MAX_UPLOAD_BYTES", "CHATS3_MAX_BODY_BYTES"):  # the web server's limits
            if key in self.settings:
                env[key] = str(self.settings[key])
        subprocess.run([os.path.join(ROOT, "chats3"), "render-config", self.server, self.mode,
                        conf_dir], env=env, check=True)
        self._fixture_conf(conf_dir, bin_dir, conf_file)
        env.update(self.env)
        if self.server == "lighttpd":
            cmd = ["lighttpd", "-D", "-f", os.path.join(conf_dir, "lighttpd.conf")]
        else:
            self._give_to_apache_user(conf_file)
            cmd = ["apache2", "-f", os.path.join(conf_dir, "apache.conf"), "-DFOREGROUND"]
        for path in self._log_paths():  # this attempt's lines only
            if os.path.exists(path):
                os.truncate(path, 0)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log,
                                     start_new_session=True)
        log.close()
        return self._wait_ready()

    def prepare_data_dir(self):
        """Hook for tests that need a data directory in a given state."""

    def _give_to_apache_user(self, conf_file):
        if os.getuid() != 0:
            return
        www = pwd.getpwnam("www-data")
        for base, dirs, files in os.walk(self.data_dir):
            for name in [base] + [os.path.join(base, n) for n in dirs + files]:
                os.lchown(name, www.pw_uid, www.pw_gid)
        os.chown(conf_file, www.pw_uid, www.pw_gid)
        os.chmod(self.dir, 0o755)

    def _wait_ready(self):
        """True once the server answers, False when it could not bind its
        port; raises when it fails otherwise."""
        def answers():
            if self.proc.poll() is not None:
                return "exited"
            try:
                return self.request("GET", "/robots.txt", timeout=5).status == 200
            except OSError:
                return False
        state = wait_for(answers, 30, lambda: "%s to answer: %s" % (self.server, self.log_tail()),
                         interval=0.1)
        if state is True:
            return True
        self.proc = None
        if "Address already in use" in self.log_text():
            end_processes(self.dir)
            return False
        raise RuntimeError("%s exited: %s" % (self.server, self.log_tail()))

    # -- the SSE relay ------------------------------------------------------
    def _relay_user(self):
        """Under Apache as root the programs run as www-data: so does the
        relay, which shares their database and sockets."""
        return "www-data" if self.server == "apache" and os.getuid() == 0 else None

    def start_relay(self):
        """Starts build/sse-relay/chats3-relay on this server's settings and
        waits until run/relay.sock accepts."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATS3_", "AWS_"))}
        env.update(CHATS3_CONFIG_FILE=self.conf_file, **self.env)
        user = self._relay_user()
        log = open(self.relay_log, "ab")
        self.relay_proc = subprocess.Popen(
            [os.path.join(self.build_dir, "sse-relay", "chats3-relay")], env=env, stdout=log,
            stderr=log, start_new_session=True, user=user, group=user)
        log.close()
        path = os.path.join(self.data_dir, "run", "relay.sock")

        def accepts():
            if self.relay_proc.poll() is not None:
                raise RuntimeError("the relay exited: %s" % self.log_tail())
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(path)
                    return True
                except OSError:
                    return False
        wait_for(accepts, 10, "the relay to accept on run/relay.sock")

    def stop_relay(self):
        """Stops the relay with SIGTERM; it must exit 0 and leave no socket."""
        if self.relay_proc is None:
            return
        self.relay_proc.terminate()
        try:
            rc = self.relay_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.relay_proc.kill()
            self.relay_proc.wait()
            raise
        finally:
            self.relay_proc = None
        if rc != 0:
            raise RuntimeError("the relay exited %s: %s" % (rc, self.log_tail()))
        left = [n for n in ("relay.sock", "relay-events.sock")
                if os.path.exists(os.path.join(self.data_dir, "run", n))]
        if left:
            raise RuntimeError("the relay left %s behind" % left)

    def stop(self):
        if self.proc is None:
            self.stop_relay()
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None
        self.stop_relay()
        # What the server started and left (mod_fcgid's programs run in
        # process groups of their own) ends before its directory goes.
        end_processes(self.dir)
        if not os.environ.get("CHATS3_KEEP_TEST_DIRS"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def _log_paths(self):
        return [self.log_path, os.path.join(self.data_dir, "run", "apache-error.log"),
                os.path.join(self.dir, "relay.log")]

    def log_text(self):
        out = ""
        for p in self._log_paths():
            try:
                with open(p, errors="replace") as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    # -- HTTP ----------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            resp.body = resp.read()
            return resp
        finally:
            conn.close()

    def raw(self, data, timeout=30):
        """Sends raw bytes; returns the raw answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
            return b"".join(chunks)


def envelope(resp):
    """The JSON body of resp, checked against the contract's envelope."""
    doc = json.loads(resp.body)
    assert isinstance(doc, dict), doc
    assert isinstance(doc.get("success"), bool), doc
    meta = doc.get("meta")
    assert isinstance(meta, dict), doc
    assert meta.get("requestId") == resp.getheader("X-Request-Id"), (meta, resp.getheaders())
    return doc


# -- an event stream client ---------------------------------------------------
class SSE:
    """GET /api/v1/signaling through the web server, read as a browser's
    EventSource would: the status and headers, then one event at a time."""

    def __init__(self, srv, session_id, last_event_id=None, timeout=10, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:  # a small window: the stream backs up sooner
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", srv.port))
        head = "GET /api/v1/signaling HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
               "Accept: text/event-stream\r\n"
        if session_id is not None:
            head += "x-session-id: %s\r\n" % session_id
        if last_event_id is not None:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        self.sock.sendall((head + "\r\n").encode())
        self.raw = b""       # bytes read, not yet decoded
        self.text = b""      # the decoded body, parsed up to pos
        self.pos = 0
        self.chunk_left = 0  # bytes of the current chunk still to come
        self.closed = False
        self._read_head()

    def _fill(self, deadline):
        """Reads more bytes; False when the stream ended."""
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        if not data:
            self.closed = True
            return False
        self.raw += data
        return True

    def _read_head(self):
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in self.raw:
            if time.monotonic() > deadline or not self._fill(deadline):
                raise AssertionError("no answer head: %r" % self.raw)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        if self.status != 200:  # a whole answer: chunked (CGI behind Apache) or sized
            n = int(self.headers.get("content-length", "-1"))
            while (len(self.raw) < n if n >= 0 else not self.closed) and \
                    time.monotonic() < deadline and self._fill(deadline):
                if n < 0 and self.chunked:
                    self._decode()
            self.body = self.raw[:n] if n >= 0 else self.text + self.raw

    def _decode(self):
        """Moves what raw holds of the body into text."""
        if self.pos > 65536:  # drop what was parsed, now and then
            self.text, self.pos = self.text[self.pos:], 0
        if not self.chunked:
            self.text, self.raw = self.text + self.raw, b""
            return
        while self.raw:
            if self.chunk_left == 0:
                if b"\r\n" not in self.raw:
                    return
                size, rest = self.raw.split(b"\r\n", 1)
                if size == b"":  # the CRLF after a chunk
                    self.raw = rest
                    continue
                self.chunk_left = int(size.split(b";")[0], 16)
                self.raw = rest
                if self.chunk_left == 0:
                    self.closed = True
                    return
            take = self.raw[:self.chunk_left]
            self.text += take
            self.raw = self.raw[len(take):]
            self.chunk_left -= len(take)

    def next_event(self, timeout=10):
        """The next block of the stream as a dict: {"id", "data" (parsed
        JSON), "retry"} for an event, {"heartbeat": True} for a comment.
        None when the stream ended; AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            end = self.text.find(b"\n\n", self.pos)
            if end >= 0:
                block, self.pos = self.text[self.pos:end], end + 2
                return self._parse(block.decode())
            if self.closed:
                return None
            if time.monotonic() >= deadline:
                raise AssertionError("no event within %g s (have %r)"
                                     % (timeout, self.text[self.pos:self.pos + 200]))
            self._fill(deadline)

    @staticmethod
    def _parse(block):
        ev = {}
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "":
                ev["heartbeat"] = True
            elif field == "data":
                ev["data"] = json.loads(value)
            elif field in ("id", "retry"):
                ev[field] = value
        return ev

    def next_data(self, timeout=10):
        """The next event that carries data (heartbeats and retry passed
        over); None when the stream ended."""
        deadline = time.monotonic() + timeout
        while True:
            ev = self.next_event(max(0.01, deadline - time.monotonic()))
            if ev is None or "data" in ev:
                return ev

    def close(self):
        self.sock.close()


def sse(srv, session_id, last_event_id=None, rcvbuf=None):
    """An SSE client on srv's /api/v1/signaling for session_id (None: no
    session), sending Last-Event-ID when given."""
    return SSE(srv, session_id, last_event_id, rcvbuf=rcvbuf)


# -- the server shared by a whole run -----------------------------------------
CONFIG = {}
_shared = None
_s3 = None  # the s3rver of this run: its directory, when CONFIG["storage"] is s3


def _storage_settings():
    """Settings that point the programs at this run's storage backend."""
    global _s3
    if CONFIG.get("storage", "fs") == "fs":
        return {"CHATS3_STORAGE": "fs"}
    if _s3 is None:
        _s3 = tempfile.mkdtemp(prefix="chats3-it-s3-")
        subprocess.run([os.path.join(ROOT, "tests", "s3", "s3rver-run"), "start", _s3],
                       check=True, stdout=subprocess.DEVNULL)
    settings = {"CHATS3_STORAGE": "s3"}
    with open(os.path.join(_s3, "env")) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep and (key.startswith("AWS_") or key == "CHATS3_S3_BUCKET"):
                settings[key] = value
    return settings


def _state_settings():
    """With run.py --redis: CHATS3_REDIS_URL naming a database of that Redis
    no other server of this run has used (a fresh state, as SQLite's is)."""
    base = CONFIG.get("redis")
    if not base:
        return {}
    CONFIG["redis_db"] = CONFIG.get("redis_db", 0) + 1
    sep = "&db=" if "?" in base else "?db=" if base.startswith("unix:") else "/"
    return {"CHATS3_REDIS_URL": "%s%s%d" % (base.rstrip("/"), sep, CONFIG["redis_db"])}


def sqlite_only(test):
    """Marks a test (or a class of them) that opens the SQLite state,
    chats3.db, itself: a run on Redis (run.py --redis) leaves it out."""
    test.sqlite_only = True
    return test


def _sanitizer_env():
    """Sanitizer reports of the programs go to files the driver checks."""
    log = os.environ.get("CHATS3_SANITIZER_LOG")
    if not log:
        return {}
    return {"ASAN_OPTIONS": "log_path=%s:abort_on_error=1:detect_leaks=1" % log,
            "UBSAN_OPTIONS": "log_path=%s:print_stacktrace=1:halt_on_error=1" % log}


def new_server(settings=None, cls=WebServer, relay=False):
    """A server of this run's kind and storage (not shared), with settings
    added, and the SSE relay before it when relay is true; the caller
    stops it."""
    merged = dict(_storage_settings(), **_state_settings(), **(settings or {}))
    extra = {"relay": True} if relay else {}  # subclasses may not take it
    return cls(CONFIG["server"], CONFIG["mode"], CONFIG["build"], merged,
               _sanitizer_env(), **extra).start()


def shared():
    """The server most tests use, started on first use."""
    global _shared
    if _shared is None:
        _shared = new_server()
    return _shared


def stop_all():
    """Stops the shared server and this run's s3rver."""
    global _shared, _s3
    if _shared is not None:
        _shared.stop()
        _shared = None
    if _s3 is not None:
        subprocess.run([os.path.join(ROOT, "tests", "s3", "s3rver-run"), "stop", _s3],
                       check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(_s3, ignore_errors=True)
        _s3 = None


def check_config(settings):
    """Runs the pages program's --check-config with settings as the only
    CHATS3_ variables of the environment; returns the finished process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATS3_")}
    env.update(settings)
    return subprocess.run([os.path.join(CONFIG["build"], "cgi-bin", "pages"), "--check-config"],
                          env=env, capture_output=True, text=True, timeout=30)
