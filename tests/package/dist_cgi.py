#!/usr/bin/env python3
"""make dist-cgi's bundle, as a shared host would get it: unpacked, its
programs need nothing but the C library, libcurl and OpenSSL (and what
those need), and the health program answers as a CGI program.

    tests/package/dist_cgi.py BUILD_DIR

Ends with "dist-cgi: N passed, N failed"."""
import os
import re
import subprocess
import sys
import tempfile

from checks import Checks, check_health

# What a host is expected to have: the C library, libcurl, OpenSSL, and the
# libraries those load themselves (Debian's libcurl4: HTTP/2, IDN, SSH, ...).
HOST_LIBS = re.compile(
    r"^(ld-linux.*|linux-vdso.*|lib(c|m|pthread|dl|rt|resolv)\.so\..*|libcurl\.so\.4|"
    r"lib(ssl|crypto)\.so\.3|libnghttp2|libidn2|librtmp|libssh2|libpsl|libgssapi_krb5|"
    r"libldap|liblber|libzstd|libbrotli|libz\.so|libunistring|libgnutls|libhogweed|"
    r"libnettle|libgmp|libkrb5|libk5crypto|libcom_err|libkrb5support|libsasl2|"
    r"libp11-kit|libtasn1|libkeyutils|libffi)")
BUNDLED = "libcjson.so.1"
# Never loaded from the host (packaging/dist-cgi.am links them statically;
# libcjson comes from the bundle's lib/).
NOT_SHARED = ("libsqlite3", "libfcgi", "libcjson", "libhiredis", "libexpat")

check = Checks("dist-cgi")


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def ldd(path):
    """{library: resolved path} as the dynamic loader finds them."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)(?: => (\S+))?", line)
        if m:
            libs[m.group(1)] = m.group(2) or m.group(1)
    return libs


def link_problems(path, bindir):
    """What keeps the program at PATH from running on a host with only the
    C library, libcurl and OpenSSL: a list of sentences, empty when none."""
    problems = [f"needs {lib}" for lib in needed(path)
                if lib != BUNDLED and not HOST_LIBS.match(lib)]
    for lib, where in ldd(path).items():
        if where == "not found":
            problems.append(f"{lib} not found")
        elif lib != BUNDLED and lib.startswith(NOT_SHARED):
            problems.append(f"loads {lib} shared")
        elif lib == BUNDLED and os.path.dirname(os.path.realpath(where)) != \
                os.path.realpath(os.path.join(bindir, "lib")):
            problems.append(f"loads {lib} from {where}, not from the bundle")
    return problems


def write_settings(top, bindir, data):
    """The settings where README-hosting puts them: beside the programs."""
    template = open(os.path.join(top, "chats3.conf.example")).read()
    conf = os.path.join(bindir, "chats3.conf")
    with open(conf, "w") as f:
        f.write(template.replace("/home/USER/chats3", top))
    os.chmod(conf, 0o600)
    os.mkdir(data, 0o700)


def main():
    build = os.path.abspath(sys.argv[1])
    makefile = open(os.path.join(build, "Makefile")).read()
    version, bin_dir = (re.search(rf"^{name} = (\S+)", makefile, re.M).group(1)
                        for name in ("VERSION", "HOSTING_BIN_DIR"))
    made = subprocess.run(["make", "-C", build, "-s", "dist-cgi"], capture_output=True,
                          text=True)
    check(made.returncode == 0, "make dist-cgi: " + made.stdout + made.stderr)
    if made.returncode:
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tar", "-xzf", os.path.join(build, f"chats3-cgi-{version}.tar.gz"),
                        "-C", tmp], check=True)
        top = os.path.join(tmp, f"chats3-cgi-{version}")
        for part in ("README-hosting", "chats3.conf.example", "templates/room.html",
                     "htdocs/index.html", "htdocs/.htaccess"):
            check(os.path.isfile(os.path.join(top, part)), f"no {part} in the bundle")
        for lib, words in (("libfcgi-dev", "Open Market"), ("libsqlite3-dev", "public domain"),
                           ("libhiredis-dev", "BSD"), ("libexpat1-dev", "Permission is hereby granted"),
                           ("libcjson-dev", "Permission is hereby granted")):
            notice = os.path.join(top, "licenses", lib)
            check(os.path.isfile(notice) and words.lower() in open(notice).read().lower(),
                  f"no licence notice of {lib} (with '{words}') in the bundle's licenses/")
        steps = re.findall(r"^\d\. ", open(os.path.join(top, "README-hosting")).read(), re.M)
        check(len(steps) == 5, f"README-hosting has {len(steps)} steps, not 5")
        bindir = os.path.join(top, "htdocs", bin_dir)
        programs = sorted(p for p in os.listdir(bindir) if p not in ("lib", "chats3.conf"))
        check("health" in programs and "messages" in programs,
              f"programs in the bundle: {programs}")
        for p in programs:
            problems = link_problems(os.path.join(bindir, p), bindir)
            check(not problems, f"{p}: " + "; ".join(problems))
        write_settings(top, bindir, os.path.join(top, "data"))
        check_health(check, os.path.join(bindir, "health"), None)


if __name__ == "__main__":
    check.run(main)
