# Shared helpers for the adversarial tests: the integration tests' lib.sh
# (root, loop devices, cleanup trap, start_daemon, ctl, check) plus
# resource probes of the running daemon. Source it.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the system python: a per-user one (pyenv under /root) is not reachable as nobody
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
PEER="$PY $HDIR/kbpeer.py"

# daemon_fds: open file descriptors of the daemon (the wrapper's own under valgrind)
daemon_fds() { ls "/proc/$DAEMON/fd" 2>/dev/null | wc -l; }
# daemon_rss: resident set in KiB
daemon_rss() { awk '/^VmRSS/ {print $2}' "/proc/$DAEMON/status" 2>/dev/null; }
# daemon_hwm: peak resident set in KiB
daemon_hwm() { awk '/^VmHWM/ {print $2}' "/proc/$DAEMON/status" 2>/dev/null; }
# rss_meaningful: RSS figures say something (no valgrind, no ASan shadow memory)
rss_meaningful() { [ -z "${KB_DAEMON_WRAPPER:-}" ] && ! grep -qa __asan_init "$DISCOVER"; }
daemon_alive() { kill -0 "$DAEMON" 2>/dev/null; }
# our_mounts: mounts under the work directory
our_mounts() { grep -c " $W/" /proc/self/mountinfo; }
# ms COMMAND...: run it, print its wall time in milliseconds
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
# talloc_report_empty FILE: the daemon's exit report names no block
talloc_report_empty() {
	[ -s "$1" ] && head -1 "$1" | grep -Eq "total +0 bytes in +1 blocks" && [ "$(wc -l < "$1")" = 1 ] ||
		{ echo "talloc report:"; head -40 "$1"; return 1; }
}
# unpriv COMMAND...: run as nobody (the socket must be reachable: chmod first)
unpriv() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
open_socket_to_all() {
	chmod 0711 "$W"
	chmod 0666 "$SOCK"
}
