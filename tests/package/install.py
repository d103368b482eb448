#!/usr/bin/env python3
"""make install DESTDIR=...: the relay's systemd unit runs the relay where
make install put it (ExecStartPre and ExecStart name an executable file of
the installation), as the user ./configure was given, and the relay is
installed once; the programs, commands, templates, static files, settings
and man pages are where README.md (Deployment) says, and man formats each
page without a warning; and the service files work (services.py).

    tests/package/install.py BUILD_DIR

Ends with "install: N passed, N failed"."""
import os
import re
import subprocess
import sys
import tempfile

from checks import Checks
from services import check_services

check = Checks("install")


def installed(destdir, name):
    """The files called NAME under DESTDIR."""
    return [os.path.join(top, name) for top, _, files in os.walk(destdir) if name in files]


def check_unit(destdir, unit, relay_user):
    text = open(unit).read()
    for key in ("ExecStartPre", "ExecStart"):
        line = re.search(rf"^{key}=(\S+)", text, re.M)
        program = destdir + line.group(1) if line else None
        check(program and os.path.isfile(program) and os.access(program, os.X_OK),
              f"{key} of the installed unit is no installed program: {line and line.group(1)}")
    check(re.search(rf"^User={re.escape(relay_user)}$", text, re.M),
          f"the installed unit does not run the relay as {relay_user}")


def layout(makefile):
    """The files make install must write, under the configured paths."""
    value = dict(re.findall(r"^(\w+) = (.*)$", makefile, re.M))
    prefix = value["prefix"]
    libexec, bindir = prefix + "/libexec/chats3", prefix + "/bin"
    share, man = prefix + "/share/chats3", prefix + "/share/man"
    files = [f"{libexec}/{p}" for p in ("health", "session", "admin", "messages", "signaling",
                                        "pages", "attachments", "notfound", "chats3-relay")]
    files += [f"{bindir}/chats3-admin", f"{bindir}/chats3-ticket"]
    files += [f"{share}/templates/room.html", f"{share}/htdocs/index.html",
              f"{share}/htdocs/js/room.js", f"{share}/etc/chats3.conf.example",
              f"{share}/etc/lighttpd.conf.in", f"{share}/etc/apache-chats3.conf.in",
              f"{share}/etc/chats3-relay.service", f"{share}/etc/chats3-fcgi@.service",
              f"{share}/etc/chats3-fcgi@.socket", f"{share}/etc/chats3.logrotate"]
    pages = [f"{man}/man1/chats3-admin.1", f"{man}/man1/chats3-ticket.1",
             f"{man}/man8/chats3-relay.8", f"{man}/man7/chats3.7"]
    return prefix, share + "/etc", files + pages, pages


def check_man(destdir, pages):
    """Each installed man page formats without a warning from man."""
    for page in pages:
        got = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", destdir + page],
                             capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
        check(got.returncode == 0 and got.stdout and not got.stderr,
              f"man --warnings -l {page}: {got.returncode} {got.stderr}")


def main():
    build = os.path.abspath(sys.argv[1])
    makefile = open(os.path.join(build, "Makefile")).read()
    relay_user = re.search(r"^RELAY_USER = (\S+)", makefile, re.M).group(1)
    with tempfile.TemporaryDirectory() as destdir:
        made = subprocess.run(["make", "-C", build, "-s", "install", f"DESTDIR={destdir}"],
                              capture_output=True, text=True)
        if not check(made.returncode == 0, "make install: " + made.stdout + made.stderr):
            return
        units = installed(destdir, "chats3-relay.service")
        relays = installed(destdir, "chats3-relay")
        check(len(units) == 1, f"installed units: {units}")
        check(len(relays) == 1, f"installed relays: {relays}")
        if units:
            check_unit(destdir, units[0], relay_user)
        prefix, etc, files, pages = layout(makefile)
        for f in files:
            check(os.path.isfile(destdir + f), f"make install wrote no {f}")
        check_man(destdir, pages)
        check_services(check, destdir, prefix, destdir + etc, destdir)


if __name__ == "__main__":
    check.run(main)
