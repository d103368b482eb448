"""What make install puts beside the programs for running them as
services, tried on the installation (install.py calls check_services):
systemd-analyze verify on every unit (the installation's paths moved
into DESTDIR), logrotate -d on the logrotate file and a real rotation of
its logs while the installed relay writes its own, and one program run the
way chats3-fcgi@.socket starts it (its standard input a listening socket
it did not create), answering through lighttpd configured as
docs/deploy-lighttpd.md says for such sockets."""
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import free_port, wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "deploy-lighttpd.md")
SOCKET_DIR = "/run/chats3"  # chats3-fcgi@.socket's ListenStream directory
INSTANCE = "health"


def moved(text, destdir, prefix):
    """TEXT with the installation's absolute paths (under PREFIX) moved into DESTDIR."""
    return text.replace(prefix + "/", destdir + prefix + "/")


def staged_units(destdir, prefix, etc, out):
    """The installed units in OUT, their paths moved into DESTDIR, each
    template also as its INSTANCE (systemd-analyze verifies instances);
    the names to verify."""
    names = []
    for name in sorted(os.listdir(etc)):
        if not name.endswith((".service", ".socket")):
            continue
        with open(os.path.join(out, name), "w") as f:
            f.write(moved(open(os.path.join(etc, name)).read(), destdir, prefix))
        if "@." in name:
            os.symlink(name, os.path.join(out, name.replace("@.", f"@{INSTANCE}.")))
            name = name.replace("@.", f"@{INSTANCE}.")
        names.append(os.path.join(out, name))
    return names


def check_units(check, destdir, prefix, etc, tmp):
    if not check(shutil.which("systemd-analyze"), "no systemd-analyze (Debian package systemd)"):
        return
    out = os.path.join(tmp, "units")
    os.mkdir(out)
    units = staged_units(destdir, prefix, etc, out)
    kinds = sorted(os.path.basename(u).replace(f"@{INSTANCE}", "@") for u in units)
    check(kinds == ["chats3-fcgi@.service", "chats3-fcgi@.socket", "chats3-relay.service"],
          f"installed units: {kinds}")
    got = subprocess.run(["systemd-analyze", "verify"] + units, capture_output=True, text=True)
    check(got.returncode == 0 and not got.stderr.strip(),
          f"systemd-analyze verify: {got.returncode} {got.stdout}{got.stderr}")


def give_logs(logdir, su, top):
    """LOGDIR with both logs, owned by the user logrotate switches to
    (su USER GROUP), as the relay's user would have them, and the
    directories from TOP down to it open to that user."""
    os.makedirs(logdir, exist_ok=True)
    for log in ("relay.log", "programs.log"):
        with open(os.path.join(logdir, log), "w") as f:
            f.write("a line\n")
        if su:
            shutil.chown(os.path.join(logdir, log), su.group(1), su.group(2))
    if su:
        shutil.chown(logdir, su.group(1), su.group(2))
    d = os.path.dirname(logdir)
    while len(d) >= len(top):
        os.chmod(d, os.stat(d).st_mode | 0o711)
        d = os.path.dirname(d)


def check_logrotate(check, destdir, prefix, etc, tmp):
    if not check(shutil.which("logrotate"), "no logrotate (Debian package logrotate)"):
        return
    text = moved(open(os.path.join(etc, "chats3.logrotate")).read(), destdir, prefix)
    logdir = re.search(r"^(/\S+)/relay\.log \{", text, re.M)
    if not check(logdir, "the logrotate file names no relay.log"):
        return
    give_logs(logdir.group(1), re.search(r"^\s*su (\S+) (\S+)$", text, re.M), tmp)
    conf = os.path.join(tmp, "logrotate.conf")
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    got = subprocess.run(["logrotate", "-d", "-f", "-s", os.path.join(tmp, "logrotate.state"),
                          conf], capture_output=True, text=True)
    said = got.stdout + got.stderr
    check(got.returncode == 0 and "error" not in said.lower(), f"logrotate -d: {said}")
    relay, programs = (os.path.join(logdir.group(1), n) for n in ("relay.log", "programs.log"))
    check(f"renaming {relay} to {relay}.1" in said and "reload chats3-relay" in said,
          f"logrotate -d does not move relay.log and reload the relay: {said}")
    check(f"copying {programs} to {programs}.1" in said and f"truncating {programs}" in said,
          f"logrotate -d does not copy and truncate programs.log: {said}")
    relay_program = destdir + re.search(r"^ExecStart=(\S+)$", open(
        os.path.join(etc, "chats3-relay.service")).read(), re.M).group(1)
    check_rotation(check, relay_program, text, logdir.group(1), tmp)


def frame_logged(events, log, mark):
    """Sends the relay a malformed event frame (which it logs) of MARK's
    length and waits for the line in LOG."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(mark.encode(), events)
    line = f"malformed frame of {len(mark)} bytes"
    wait_for(lambda: os.path.exists(log) and line in open(log).read(),
             what=f"the relay's line about {len(mark)} bytes in {log}")


def check_rotation(check, relay_program, text, logdir, tmp):
    """A real rotation of TEXT's logs while the installed relay writes
    relay.log as the user logrotate switches to, the postrotate's reload
    done as systemd does it (SIGHUP): the old lines in relay.log.1, the
    next ones in a new relay.log; programs.log copied and emptied."""
    su = re.search(r"^\s*su (\S+) (\S+)$", text, re.M)
    if not check(su, "the logrotate file names no su USER GROUP"):
        return
    data = os.path.join(tmp, "relay-data")
    os.makedirs(os.path.join(data, "run"))
    for d in (data, os.path.join(data, "run")):
        shutil.chown(d, su.group(1), su.group(2))
    conf = os.path.join(tmp, "relay.conf")
    relay_log = os.path.join(logdir, "relay.log")
    with open(conf, "w") as f:
        f.write(f"CHATS3_DATA_DIR = {data}\nCHATS3_RELAY_LOG = {relay_log}\n")
    os.chmod(conf, 0o644)
    relay = subprocess.Popen([relay_program], env={"PATH": "/usr/bin:/bin",
                             "CHATS3_CONFIG_FILE": conf}, user=su.group(1), group=su.group(2))
    try:
        events = os.path.join(data, "run", "relay-events.sock")
        wait_for(lambda: os.path.exists(events), what=f"the relay's {events}")
        frame_logged(events, relay_log, "before")
        rotated = text.replace("systemctl reload chats3-relay.service", f"kill -HUP {relay.pid}")
        with open(os.path.join(tmp, "logrotate-real.conf"), "w") as f:
            f.write(rotated)
        got = subprocess.run(["logrotate", "-f", "-s", os.path.join(tmp, "logrotate-real.state"),
                              os.path.join(tmp, "logrotate-real.conf")], capture_output=True,
                             text=True)
        check(got.returncode == 0, f"logrotate -f: {got.stdout}{got.stderr}")
        frame_logged(events, relay_log, "after the rotation")
        old = open(relay_log + ".1").read()
        check("of 6 bytes" in old and "of 18 bytes" not in old,
              f"relay.log.1 after the rotation: {old!r}")
        check("of 6 bytes" not in open(relay_log).read(), "relay.log kept the lines before")
        programs = os.path.join(logdir, "programs.log")
        check(open(programs + ".1").read() == "a line\n" and os.path.getsize(programs) == 0,
              "programs.log was not copied and truncated")
    finally:
        check(stop(relay) == 0, f"the relay did not end on SIGTERM: {relay.returncode}")


def doc_config(sockets):
    """The lighttpd block of docs/deploy-lighttpd.md for systemd's sockets,
    its socket directory moved to SOCKETS."""
    text = open(DOC).read()
    section = text[text.index("## 7. Programs started by systemd"):]
    block = re.search(r"^```lighttpd\n(.*?)^```", section, re.M | re.S)
    return block.group(1).replace(SOCKET_DIR + "/", sockets + "/")


def listening(path):
    """A listening Unix socket at PATH, as systemd makes it for a socket unit."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(64)
    return s


def settings(destdir, prefix, tmp):
    data = os.path.join(tmp, "data")
    os.makedirs(os.path.join(data, "run"), mode=0o700)
    conf = os.path.join(tmp, "chats3.conf")
    with open(conf, "w") as f:
        f.write(f"CHATS3_DATA_DIR = {data}\n"
                f"CHATS3_TEMPLATES_DIR = {destdir}{prefix}/share/chats3/templates\n")
    return conf


def activated(program, sock, conf, log):
    """PROGRAM started as chats3-fcgi@.service starts it: standard input
    the listening socket SOCK, the settings file from the environment."""
    return subprocess.Popen([program], stdin=sock.fileno(), stdout=log, stderr=log,
                            env={"PATH": "/usr/bin:/bin", "CHATS3_CONFIG_FILE": conf})


def lighttpd_up(port, lighttpd):
    if lighttpd.poll() is not None:
        raise AssertionError(f"lighttpd exited with {lighttpd.returncode}")
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_lighttpd(tmp, sockets, log):
    port = free_port()
    conf = os.path.join(tmp, "lighttpd.conf")
    with open(conf, "w") as f:
        f.write(f'server.document-root = "{tmp}"\nserver.bind = "127.0.0.1"\n'
                f'server.port = {port}\nserver.errorlog = "{tmp}/lighttpd-error.log"\n'
                + doc_config(sockets))
    lighttpd = subprocess.Popen(["lighttpd", "-D", "-f", conf], stdout=log, stderr=log)
    wait_for(lambda: lighttpd_up(port, lighttpd), what=f"lighttpd on port {port}")
    return lighttpd, port


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def check_socket_activation(check, destdir, prefix, etc, tmp):
    unit = open(os.path.join(etc, "chats3-fcgi@.service")).read()
    start = re.search(r"^ExecStart=(\S+)$", unit, re.M)
    if not check(start and "StandardInput=socket" in unit,
                 "chats3-fcgi@.service starts no program on its socket"):
        return
    program = destdir + start.group(1).replace("%i", INSTANCE)
    sockets = os.path.join(tmp, "sockets")
    os.mkdir(sockets)
    with open(os.path.join(tmp, "services.log"), "w+") as log:
        sock = listening(os.path.join(sockets, INSTANCE + ".sock"))
        health = activated(program, sock, settings(destdir, prefix, tmp), log)
        sock.close()
        lighttpd = None
        try:
            lighttpd, port = start_lighttpd(tmp, sockets, log)
            status, body = get(port, "/api/v1/health?deep=1")
            check(status == 200 and '"database":"ok"' in body,
                  f"GET /api/v1/health?deep=1 through lighttpd to the socket: {status} {body}")
            check(health.poll() is None, "the program ended after its request")
        finally:
            if lighttpd:
                stop(lighttpd)
            # systemctl stop sends SIGTERM (KillSignal=): the program ends cleanly.
            check(stop(health) == 0, f"the program did not end on SIGTERM: {health.returncode}")
            log.seek(0)
            print(log.read(), end="")


def check_services(check, destdir, prefix, etc, tmp):
    """Every check of this file on the installation in DESTDIR (PREFIX as
    configured, ETC the installed $(datadir)/chats3/etc)."""
    check_units(check, destdir, prefix, etc, tmp)
    check_logrotate(check, destdir, prefix, etc, tmp)
    check_socket_activation(check, destdir, prefix, etc, tmp)
