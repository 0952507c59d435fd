#!/bin/bash
# kexboot-discover --syslog logs through syslog(3): run the daemon in a
# private mount namespace whose /dev/log is a datagram socket of ours, and
# check the messages: facility daemon, the right priorities, the identifier
# "kexboot-discover[PID]". Needs root (unshare -m); the host's /dev and its
# syslog are never touched (the tmpfs over /dev exists only in that namespace).
set -uo pipefail
B=${KB_BUILDDIR:-$(pwd)}
DISCOVER=$B/discover/kexboot-discover
[[ -x $DISCOVER ]] || { echo "FAIL: $DISCOVER not built"; exit 1; }
if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null || ! command -v python3 >/dev/null; then
	echo "SKIP: needs root, unshare and python3"
	exit 77
fi
W=$(mktemp -d /tmp/kb-syslog.XXXXXX)
RPID= DPID=
cleanup() {
	[[ -n $DPID ]] && kill "$DPID" 2>/dev/null
	[[ -n $RPID ]] && kill "$RPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# the receiver: one line per datagram into $W/got
python3 - "$W/log.sock" "$W/got" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
EOF
RPID=$!
for _ in $(seq 50); do [[ -S $W/log.sock ]] && break; sleep 0.1; done
[[ -S $W/log.sock ]] || { echo "FAIL: receiver did not start"; exit 1; }

unshare -m --propagation private sh -c '
	mount -t tmpfs -o mode=0755 kb-syslog-test /dev || exit 99
	ln -s "$1/log.sock" /dev/log
	exec "$2" --syslog --log-level debug --socket "$1/kb.sock" --runtime-dir "$1/run" \
		--devices "kb-no-such-device*" --dry-run --no-autoboot --config /dev/null --cmdline /dev/null
' sh "$W" "$DISCOVER" 2>"$W/stderr" &
DPID=$!
for _ in $(seq 50); do grep -q "listening on" "$W/got" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=
[[ $rc == 99 ]] && { echo "SKIP: cannot mount in a private namespace here"; exit 77; }
sleep 0.3
fail=0
echo "--- received:"
cat "$W/got"
echo "---"
# <30> = daemon (3) * 8 + info (6); <29> = daemon notice (5)
grep -Eq '^<30>.*kexboot-discover\[[0-9]+\]: listening on '"$W"'/kb.sock' "$W/got" ||
	{ echo "FAIL: no info 'listening on' message from kexboot-discover[PID] at daemon.info"; fail=1; }
grep -Eq '^<29>.*kexboot-discover\[[0-9]+\]: .*shutting down' "$W/got" ||
	{ echo "FAIL: no notice 'shutting down' at daemon.notice"; fail=1; }
[[ $rc == 0 ]] || { echo "FAIL: daemon exited $rc"; fail=1; }
if [[ -s $W/stderr ]]; then
	echo "FAIL: with --syslog nothing should go to stderr, got:"
	cat "$W/stderr"
	fail=1
fi
((fail)) || echo "ok: --syslog messages reach syslog with facility daemon and their priorities"
exit $fail
