# tests/wait.sh: sourced by the test scripts (tests/memcheck, tests/s3/...).
# shellcheck shell=bash
#
# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (returns 0), or returns 1 once SECONDS have passed. The scripts wait this
# way, never with a fixed sleep, for what follows a start or a stop; a
# deadline far above the usual time costs nothing when things go well and
# keeps a loaded machine from failing a test.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# gone PID: no process PID runs (a shell reaps its own children as they end).
gone() { ! kill -0 "$1" 2>/dev/null; }
