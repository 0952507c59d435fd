#!/bin/bash
# The control socket appears only once the daemon listens: a client that
# waits for the socket file (as init scripts and our own tests do) must never
# be refused. strace delays the daemon's listen() by 300 ms to widen the
# window that used to exist between bind() and listen(); a stale socket left
# by a killed daemon is replaced.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { echo "SKIP: strace missing"; exit 77; }
strace -f -o /dev/null -e trace=listen -e inject=listen:delay_enter=1 true 2>/dev/null ||
	{ echo "SKIP: strace cannot inject delays here"; exit 77; }

DEVGLOBS=(kb-no-such-device)
: > "$W/kexboot.conf"

for round in 1 2 3; do
	rm -f "$SOCK"
	# a leftover from a daemon killed with SIGKILL: a socket nobody listens on
	[ $round = 3 ] && python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$SOCK"
	# (LeakSanitizer cannot run under ptrace: off for this daemon only)
	KB_DAEMON_WRAPPER="env ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -o /dev/null -e trace=listen -e inject=listen:delay_enter=300000" \
		start_daemon --no-autoboot || exit 1
	if [ $round = 3 ]; then
		# the stale socket was there before the daemon: it must be replaced
		for i in $(seq 100); do ctl status > "$W/status.out" 2>&1 && break; sleep 0.1; done
		check "round 3: a stale socket is replaced ($(head -1 "$W/status.out"))" ctl status
	else
		# start_daemon returned as soon as the socket existed: connect at once
		ctl status > "$W/status.out" 2>&1
		rc=$?
		check "round $round: the first client after the socket appeared is answered (exit $rc: $(head -1 "$W/status.out"))" test $rc = 0
	fi
	# SIGTERM the daemon itself (strace holds on to it), then reap strace
	kill $(pgrep -P "$DAEMON")
	wait "$DAEMON"
done
check "no temporary socket left behind" sh -c "! ls '$W' | grep -q 'sock.new'"
finish
