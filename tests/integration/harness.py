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


def next_datagram(sock, what, timeout=10):
    """The next datagram on sock (one the programs send after answering)."""
    wait_for(lambda: select.select([sock], [], [], 0)[0], timeout, what)
    return sock.recv(70000)


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

    def __init__(self, server, mode, build_dir, settings=None, env=None):
        self.server, self.mode, self.build_dir = server, mode, build_dir
        self.settings = dict(settings or {})
        self.env = dict(env or {})
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
        bin_dir = self._bin_dir()
        self.log_path = os.path.join(self.dir, "server.log")
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
        if "CHATS3_MAX_UPLOAD_BYTES" in self.settings:  # sets the web server's body limit
            env["CHATS3_MAX_UPLOAD_BYTES"] = str(self.settings["CHATS3_MAX_UPLOAD_BYTES"])
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

    def stop(self):
        if self.proc is None:
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
        # What the server started and left (mod_fcgid's programs run in
        # process groups of their own) ends before its directory goes.
        end_processes(self.dir)
        if not os.environ.get("CHATS3_KEEP_TEST_DIRS"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def _log_paths(self):
        return [self.log_path, os.path.join(self.data_dir, "run", "apache-error.log")]

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


def _sanitizer_env():
    """Sanitizer reports of the programs go to files the driver checks."""
    log = os.environ.get("CHATS3_SANITIZER_LOG")
    if not log:
        return {}
    return {"ASAN_OPTIONS": "log_path=%s:abort_on_error=1:detect_leaks=1" % log,
            "UBSAN_OPTIONS": "log_path=%s:print_stacktrace=1:halt_on_error=1" % log}


def new_server(settings=None, cls=WebServer):
    """A server of this run's kind and storage (not shared), with settings
    added; the caller stops it."""
    merged = dict(_storage_settings(), **(settings or {}))
    return cls(CONFIG["server"], CONFIG["mode"], CONFIG["build"], merged,
               _sanitizer_env()).start()


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
