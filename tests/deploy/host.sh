# tests/deploy/host.sh: sourced by each shell tests/deploy/run starts. The
# few commands of the docs that act on the machine itself get their private
# form here, so that the docs' lines run as written:
#   apt-get install PKG...  checks that each package is installed (installs nothing)
#   systemctl ACTION apache2  starts or gracefully restarts the private Apache
#                           (APACHE_CONFDIR, a copy of Debian's layout)
#   lighttpd -D ..., apache2 ... -DFOREGROUND
#                           the foreground server goes to the background of
#                           this shell, whose processes tests/deploy/run ends
# a2enmod, a2ensite, a2dismod and apache2ctl are Debian's own, acting on
# APACHE_CONFDIR. DEPLOY_PORT is the private server's port.
# shellcheck shell=bash

# shellcheck source=tests/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/../wait.sh"

deploy_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$DEPLOY_PORT") 2>/dev/null; }

# deploy_wait_port: waits up to 10 s for something to listen on DEPLOY_PORT.
deploy_wait_port() {
	wait_until 10 deploy_port_open ||
		{ echo "tests/deploy: nothing listens on port $DEPLOY_PORT after 10 s" >&2; return 1; }
}

apt-get() {
	[ "${1:-}" = install ] || { echo "tests/deploy: apt-get $*: only install is emulated" >&2; return 1; }
	shift
	local p missing=()
	for p in "$@"; do
		case $p in -*) continue ;; esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || { echo "tests/deploy: not installed: ${missing[*]}" >&2; return 1; }
}

# deploy_apache ACTION: apache2 -k ACTION with the private tree's envvars.
deploy_apache() {
	(
		# shellcheck disable=SC1091
		. "$APACHE_CONFDIR/envvars"
		/usr/sbin/apache2 -d "$APACHE_CONFDIR" -k "$1"
	)
}

# deploy_apache_stop: stops the private Apache if it runs, waiting up to 10 s.
deploy_apache_stop() {
	local pid
	pid=$(
		# shellcheck disable=SC1091
		. "$APACHE_CONFDIR/envvars"
		cat "$APACHE_PID_FILE" 2>/dev/null || true
	)
	[ -n "$pid" ] && ! gone "$pid" || return 0
	deploy_apache stop
	wait_until 10 gone "$pid" ||
		{ echo "tests/deploy: Apache $pid still runs 10 s after stop" >&2; return 1; }
}

systemctl() {
	case "$*" in
	"reload apache2")
		apache2ctl configtest
		deploy_apache graceful
		deploy_wait_port
		;;
	"restart apache2" | "start apache2")
		apache2ctl configtest
		deploy_apache_stop
		deploy_apache start
		deploy_wait_port
		;;
	*)
		echo "tests/deploy: systemctl $*: not emulated" >&2
		return 1
		;;
	esac
}

# deploy_foreground FLAG COMMAND ARGS...: COMMAND in the background when
# ARGS have FLAG (it then runs until stopped), else as it is.
deploy_foreground() {
	local flag=$1
	shift
	case " ${*:2} " in
	*" $flag "*)
		command "$@" &
		deploy_wait_port
		;;
	*) command "$@" ;;
	esac
}

lighttpd() { deploy_foreground -D lighttpd "$@"; }
apache2() { deploy_foreground -DFOREGROUND apache2 "$@"; }
