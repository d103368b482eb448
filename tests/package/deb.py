#!/usr/bin/env python3
"""debian/: dpkg-buildpackage -us -uc -b in a temporary copy of the tree
(never build/), lintian without errors, the .deb's layout as Debian web
applications have it, and its programs run from the package's files,
extracted with dpkg-deb -x (installing would change this machine).

    tests/package/deb.py SOURCE_DIR

Ends with "deb: N passed, N failed"."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import Checks, check_health

check = Checks("deb")
# Path in the .deb: the mode dpkg-deb -c shows.
LAYOUT = {
    "./etc/chats3/chats3.conf": "-rw-r-----",
    "./etc/apache2/conf-available/chats3.conf": "-rw-r--r--",
    "./etc/lighttpd/conf-available/50-chats3.conf": "-rw-r--r--",
    "./usr/share/chats3/conf/lighttpd-fastcgi.conf": "-rw-r--r--",
    "./lib/systemd/system/chats3-relay.service": "-rw-r--r--",
    "./lib/systemd/system/chats3-fcgi@.service": "-rw-r--r--",
    "./lib/systemd/system/chats3-fcgi@.socket": "-rw-r--r--",
    "./etc/logrotate.d/chats3": "-rw-r--r--",
    "./usr/lib/chats3/chats3-relay": "-rwxr-xr-x",
    "./usr/bin/chats3-admin": "-rwxr-xr-x",
    "./usr/bin/chats3-ticket": "-rwxr-xr-x",
    "./usr/share/chats3/htdocs/index.html": "-rw-r--r--",
    "./usr/share/chats3/templates/room.html": "-rw-r--r--",
    "./usr/share/man/man1/chats3-admin.1.gz": "-rw-r--r--",
    "./usr/share/man/man1/chats3-ticket.1.gz": "-rw-r--r--",
    "./usr/share/man/man8/chats3-relay.8.gz": "-rw-r--r--",
    "./usr/share/man/man7/chats3.7.gz": "-rw-r--r--",
}
CONFFILES = ("/etc/chats3/chats3.conf", "/etc/apache2/conf-available/chats3.conf",
             "/etc/lighttpd/conf-available/50-chats3.conf", "/etc/logrotate.d/chats3")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def copy_tree(src, dst):
    """The tree's files as git knows them (tracked and new, not ignored)."""
    files = run("git", "-C", src, "ls-files", "-z", "--cached", "--others",
                "--exclude-standard", check=True).stdout.split("\0")
    for f in filter(None, files):
        if os.path.isfile(os.path.join(src, f)):
            os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
            shutil.copy2(os.path.join(src, f), os.path.join(dst, f))


def programs(src):
    """The programs Makefile.am installs into the programs' directory."""
    text = open(os.path.join(src, "Makefile.am")).read()
    listed = re.search(r"^cgi_PROGRAMS = ((?:.*\\\n)*.*)", text, re.M).group(1)
    return [p.split("/")[-1] for p in listed.replace("\\\n", " ").split()]


def check_layout(deb, src):
    listing = run("dpkg-deb", "-c", deb, check=True).stdout
    modes = {f[5]: f[0] for f in (line.split() for line in listing.splitlines())}
    want = dict(LAYOUT, **{f"./usr/lib/chats3/{p}": "-rwxr-xr-x" for p in programs(src)})
    for path, mode in want.items():
        check(modes.get(path) == mode, f"{path}: {modes.get(path)}, not {mode}")
    stray = [p for p in modes if p.startswith(("./usr/local", "./var", "./home"))]
    check(not stray, f"files outside Debian's places: {stray}")


def check_control(unpacked):
    conffiles = open(os.path.join(unpacked, "DEBIAN", "conffiles")).read().split()
    for c in CONFFILES:
        check(c in conffiles, f"{c} is not a conffile")
    postinst = open(os.path.join(unpacked, "DEBIAN", "postinst")).read()
    check("adduser --system" in postinst, "postinst does not create the chats3 user")
    check("a2enconf" not in postinst, "postinst enables the Apache snippet by itself")
    unit = open(os.path.join(unpacked, "lib/systemd/system/chats3-relay.service")).read()
    start = re.search(r"^ExecStart=(\S+)", unit, re.M)
    check(start and os.path.isfile(os.path.join(unpacked, start.group(1).lstrip("/"))),
          "the unit's ExecStart names no program of the package")
    check(re.search(r"^User=chats3$", unit, re.M), "the relay does not run as chats3")


def settings(unpacked, tmp):
    """The package's conffile with the data directory and the templates
    moved into TMP and the extracted tree."""
    text = open(os.path.join(unpacked, "etc/chats3/chats3.conf")).read()
    data = os.path.join(tmp, "data")
    os.mkdir(data, 0o700)
    text = re.sub(r"^CHATS3_DATA_DIR = .*$", f"CHATS3_DATA_DIR = {data}", text, flags=re.M)
    text += f"CHATS3_TEMPLATES_DIR = {unpacked}/usr/share/chats3/templates\n"
    conf = os.path.join(tmp, "chats3.conf")
    with open(conf, "w") as f:
        f.write(text)
    return conf


def check_programs(unpacked, tmp):
    conf = settings(unpacked, tmp)
    check_health(check, os.path.join(unpacked, "usr/lib/chats3/health"), conf)
    relay = run(os.path.join(unpacked, "usr/lib/chats3/chats3-relay"), "--check-config",
                env={"CHATS3_CONFIG_FILE": conf, "PATH": "/usr/bin:/bin"})
    check(relay.returncode == 0, f"the relay rejects the settings: {relay.stderr}")


APACHE_MODULES = ("mpm_event", "authz_core", "alias", "mime", "headers", "env", "setenvif",
                  "proxy", "proxy_http", "fcgid")


def moved_snippet(unpacked, tmp, path):
    """The snippet at PATH of the package with the package's absolute paths
    moved into the extracted tree (the data directory into TMP)."""
    text = open(os.path.join(unpacked, path)).read()
    for quote in ('"', "unix:"):
        text = text.replace(quote + "/var/", f"{quote}{tmp}/var/")
        for top in ("/usr/", "/etc/"):
            text = text.replace(quote + top, f"{quote}{unpacked}{top}")
    return text


def check_server_snippets(unpacked, tmp):
    """Each web server snippet is filled in and, in a server of its own,
    passes the server's own configuration test."""
    for path in ("etc/apache2/conf-available/chats3.conf",
                 "etc/lighttpd/conf-available/50-chats3.conf",
                 "usr/share/chats3/conf/lighttpd-fastcgi.conf"):
        full = os.path.join(unpacked, path)
        left = re.findall(r"@[A-Z][A-Z0-9_]*@", open(full).read()) if os.path.isfile(full) \
            else ["the whole file"]
        check(not left, f"/{path}: unfilled {left}")
    lighttpd = os.path.join(tmp, "lighttpd.conf")
    with open(lighttpd, "w") as f:
        f.write(f'server.document-root = "{unpacked}/usr/share/chats3/htdocs"\n'
                'server.bind = "127.0.0.1"\nserver.port = 8080\n'
                + moved_snippet(unpacked, tmp, "etc/lighttpd/conf-available/50-chats3.conf"))
    got = run("lighttpd", "-tt", "-f", lighttpd)
    check(got.returncode == 0, f"lighttpd -tt: {got.stdout}{got.stderr}")
    apache = os.path.join(tmp, "apache.conf")
    modules = "".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n"
                      for m in APACHE_MODULES)
    with open(apache, "w") as f:
        f.write(f"ServerRoot {tmp}\nServerName localhost\nListen 127.0.0.1:8080\n"
                f"PidFile {tmp}/apache.pid\nErrorLog {tmp}/apache-error.log\n" + modules
                + moved_snippet(unpacked, tmp, "etc/apache2/conf-available/chats3.conf"))
    got = run("apache2", "-t", "-f", apache)
    check(got.returncode == 0, f"apache2 -t: {got.stdout}{got.stderr}")


def main():
    src = os.path.abspath(sys.argv[1])
    missing = [t for t in ("dpkg-buildpackage", "dh", "lintian") if not shutil.which(t)]
    if not check(not missing, f"missing {missing}: apt-get install dpkg-dev debhelper lintian"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "chats3")
        copy_tree(src, tree)
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=%d" % os.cpu_count())
        built = run("dpkg-buildpackage", "-us", "-uc", "-b", cwd=tree, env=env)
        if not check(built.returncode == 0, "dpkg-buildpackage: " + built.stdout[-3000:]
                     + built.stderr[-3000:]):
            return
        deb = next(os.path.join(tmp, f) for f in sorted(os.listdir(tmp))
                   if re.match(r"chats3_.*\.deb$", f))
        lint = run("lintian", "--fail-on", "error", deb)
        check(lint.returncode == 0, "lintian: " + lint.stdout + lint.stderr)
        print("lintian tags (errors fail): " + (lint.stdout.strip() or "none"))
        check_layout(deb, src)
        unpacked = os.path.join(tmp, "root")
        run("dpkg-deb", "-x", deb, unpacked, check=True)
        run("dpkg-deb", "-e", deb, os.path.join(unpacked, "DEBIAN"), check=True)
        check_control(unpacked)
        check_programs(unpacked, tmp)
        check_server_snippets(unpacked, tmp)


if __name__ == "__main__":
    check.run(main)
