"""What tests/package/*.py share: counted checks and a program run as CGI."""
import subprocess
import sys


class Checks:
    """Counts checks; run() ends with the stage's "N passed, N failed" line."""

    def __init__(self, label):
        self.label, self.passed, self.failed = label, 0, 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + what)
        return ok

    def run(self, main):
        """Runs MAIN, then prints the summary line whatever happened, and
        exits 1 when a check failed (or MAIN raised)."""
        try:
            main()
        finally:
            print(f"{self.label}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def cgi_get(program, uri, query, conf):
    """Runs PROGRAM as a CGI program for GET URI?QUERY with the settings
    file CONF (None: only what CGI sets, so the program reads chats3.conf
    beside itself, as under suEXEC); the finished process (stdout: the CGI
    answer)."""
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1",
           "REQUEST_METHOD": "GET", "REQUEST_URI": uri + ("?" + query if query else ""),
           "SCRIPT_NAME": uri, "QUERY_STRING": query, "SERVER_NAME": "localhost",
           "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    if conf is not None:
        env["CHATS3_CONFIG_FILE"] = conf
    return subprocess.run([program], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


def check_health(check, program, conf):
    """GET /api/v1/health and ?deep=1 through PROGRAM as CGI answer 200, the
    deep one with the database written."""
    for query, body in (("", '"status":"ok"'), ("deep=1", '"database":"ok"')):
        got = cgi_get(program, "/api/v1/health", query, conf)
        check(got.returncode == 0 and got.stdout.startswith("Status: 200")
              and body in got.stdout,
              f"GET /api/v1/health?{query} as CGI: {got.stdout!r} {got.stderr!r}")
