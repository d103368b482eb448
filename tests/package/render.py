#!/usr/bin/env python3
"""./chats3 render-config, the one renderer of the web server templates
(the launcher, the tests and debian/rules use it): every server and mode
renders with no @NAME@ left; with CHATS3_DESTDIR the files are staged there
while naming their final place; and a placeholder that has no value, in
any template of etc/, fails the rendering by name instead of passing
through.

    tests/package/render.py SOURCE_DIR

Ends with "render: N passed, N failed"."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import Checks

check = Checks("render")
MODES = [(server, mode) for server in ("lighttpd", "apache") for mode in ("fastcgi", "cgi")]
PLACEHOLDER = re.compile(r"@[A-Z][A-Z0-9_]*@")
UNFILLED = "@CHATS3_NO_SUCH_VALUE@"


def render(launcher, server, mode, out, tmp, **env):
    """render-config SERVER MODE OUT with the data directory in TMP."""
    env = dict(os.environ, **dict({"CHATS3_DATA_DIR": os.path.join(tmp, "data")}, **env))
    return subprocess.run([launcher, "render-config", server, mode, out], env=env,
                          capture_output=True, text=True, timeout=60)


def leftovers(top):
    """{file: [placeholders]} of the files under TOP that still have some."""
    found = {}
    for path in glob.glob(os.path.join(top, "**", "*"), recursive=True):
        if os.path.isfile(path):
            left = PLACEHOLDER.findall(open(path).read())
            if left:
                found[path] = left
    return found


def check_every_mode(src, tmp):
    for server, mode in MODES:
        out = os.path.join(tmp, f"{server}-{mode}")
        got = render(os.path.join(src, "chats3"), server, mode, out, tmp)
        check(got.returncode == 0, f"render-config {server} {mode}: {got.stderr}")
        check(not leftovers(out), f"{server} {mode}: unfilled {leftovers(out)}")


def check_destdir(src, tmp):
    """As debian/rules stages the package's snippets."""
    stage, final = os.path.join(tmp, "stage"), "/usr/share/chats3/conf"
    got = render(os.path.join(src, "chats3"), "lighttpd", "fastcgi", final, tmp,
                 CHATS3_DESTDIR=stage, CHATS3_DATA_DIR="/var/lib/chats3")
    check(got.returncode == 0, f"render-config with CHATS3_DESTDIR: {got.stderr}")
    staged = stage + final
    names = sorted(os.listdir(staged)) if os.path.isdir(staged) else []
    check(names == ["lighttpd-chats3.conf", "lighttpd-fastcgi.conf", "lighttpd.conf"],
          f"staged in {staged}: {names}")
    check(not os.path.exists(os.path.join(stage, "var")), "CHATS3_DESTDIR: run directory made")
    if "lighttpd-chats3.conf" in names:
        snippet = open(os.path.join(staged, "lighttpd-chats3.conf")).read()
        check(f'include "{final}/lighttpd-fastcgi.conf"' in snippet,
              "the staged snippet does not include the mode's file at its final place")
        check('"/var/lib/chats3/run/relay.sock"' in snippet,
              "the staged snippet's relay socket is not in the package's data directory")


def check_unfilled_fails(src, tmp):
    """Each template with a placeholder added that has no value: some
    server and mode renders it and fails, naming the template and the
    placeholder."""
    for template in sorted(glob.glob(os.path.join(src, "etc", "*.conf.in"))):
        name = os.path.basename(template)
        tree = os.path.join(tmp, "tree-" + name)
        shutil.copytree(os.path.join(src, "etc"), os.path.join(tree, "etc"))
        shutil.copy2(os.path.join(src, "chats3"), tree)
        with open(os.path.join(tree, "etc", name), "a") as f:
            f.write(f"# a value nobody gives: {UNFILLED}\n")
        named = [got for server, mode in MODES
                 for got in [render(os.path.join(tree, "chats3"), server, mode,
                                    os.path.join(tree, "out"), tmp)]
                 if got.returncode != 0 and name in got.stderr and UNFILLED in got.stderr]
        check(named, f"{name}: a placeholder without a value renders without an error")


def main():
    src = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        check_every_mode(src, tmp)
        check_destdir(src, tmp)
        check_unfilled_fails(src, tmp)


if __name__ == "__main__":
    check.run(main)
