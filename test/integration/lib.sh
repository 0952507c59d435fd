# Shared helpers for integration tests that drive the real kexboot binaries
# on real loop devices. Source it; it sets a cleanup trap that stops the
# daemons we started (by PID), unmounts what we mounted, detaches the loop
# devices we attached (by path, only while still backed by our file) and
# removes the work directory, even when the test fails.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (loop devices, mounts)"
	exit 77
fi
if [ ! -e /dev/loop-control ] || ! command -v losetup >/dev/null; then
	echo "SKIP: no loop device support"
	exit 77
fi

# the build tree's binaries (make check runs from the build directory)
B=${KB_BUILDDIR:-$(pwd)}
DISCOVER=$B/discover/kexboot-discover
CTL=$B/utils/kexboot-ctl
for bin in "$DISCOVER" "$CTL"; do
	[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
done

FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)
. "$FIXTURES/fake-sysroot.sh"
W=$(mktemp -d /tmp/kb-itest.XXXXXX)
# the engine runs on its recording backend over a fake healthy machine:
# preflight results do not depend on this host, and no kexec can happen
make_fake_sysroot "$W/sysroot"
SOCK=$W/kexboot.sock
LOOPS=()   # "DEV FILE" pairs we attached
MOUNTS=()  # mount points we made
PIDS=()    # processes we started
passed=0
failed=0

kb_cleanup() {
	local p m pair dev file
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for m in "${MOUNTS[@]}"; do
		mountpoint -q "$m" && umount "$m"
	done
	# anything a killed daemon left mounted under our work dir
	grep -o " $W/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
	for pair in "${LOOPS[@]}"; do
		dev=${pair%% *}
		file=${pair#* }
		if [ "$(losetup -nO BACK-FILE "$dev" 2>/dev/null | sed 's/ *$//')" = "$file" ]; then
			losetup -d "$dev"
		fi
	done
	rm -rf --one-file-system "$W"
	[ -n "${KB_DEMO:-}" ] || echo "$passed passed, $failed failed"
}
trap kb_cleanup EXIT
trap 'exit 1' INT TERM

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
# finish: exit status from the counts
finish() { [ "$failed" = 0 ]; exit $?; }

# attach FILE: sets LOOP to the new device, records it for cleanup
attach() {
	local i
	LOOP=$(losetup --find --show --partscan "$1") || { bad "attach $1"; return 1; }
	LOOPS+=("$LOOP $(readlink -f "$1")")
	for i in $(seq 50); do
		[ -e "$LOOP" ] && break
		sleep 0.1
	done
	# kernels without partition-table parsers do not scan: add the
	# partitions with BLKPG (the same "add" uevents a scan would give)
	if [ -n "$(blkid -p -o value -s PTTYPE "$LOOP" 2>/dev/null)" ] &&
		! ls "/sys/class/block/$(basename "$LOOP")/" | grep -q "^$(basename "$LOOP")p"; then
		partx -a "$LOOP" 2>/dev/null
	fi
}
# detach DEV (one we attached)
detach() { losetup -d "$1"; }

# start_daemon ARGS...: runs the daemon on our socket, limited to the loop
# devices in DEVGLOBS, logging to $W/daemon.log; waits for the socket.
# KB_DAEMON_WRAPPER (word-split) runs before it, e.g. "valgrind --error-exitcode=99 …"
# (test/hardening/valgrind-lane.sh); the daemon's exit status is then the wrapper's.
start_daemon() {
	local g args=() i wrapper=()
	for g in "${DEVGLOBS[@]}"; do args+=(--devices "$g"); done
	[ -n "${KB_DAEMON_WRAPPER:-}" ] && read -r -a wrapper <<< "$KB_DAEMON_WRAPPER"
	"${wrapper[@]}" "$DISCOVER" --socket "$SOCK" --runtime-dir "$W/run" --state-dir "$W/state" \
		--config "$W/kexboot.conf" --dry-run --log-level debug --log-file "$W/daemon.log" \
		--kexec-sysroot "$W/sysroot" \
		"${args[@]}" "$@" &
	DAEMON=$!
	PIDS+=("$DAEMON")
	for i in $(seq $(( ${#wrapper[@]} ? 600 : 100 ))); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	bad "daemon socket did not appear"; cat "$W/daemon.log"
	return 1
}
stop_daemon() {
	kill "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
}
ctl() { "$CTL" --socket "$SOCK" "$@"; }

# wait_json JQ_EXPR [SECONDS]: poll `ctl list --json` until the jq
# expression is true
wait_json() {
	local i n=$(( ${2:-15} * 10 ))
	for i in $(seq $n); do
		ctl list --json > "$W/list.json" 2>/dev/null &&
			jqe "$1" "$W/list.json" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1"; cat "$W/list.json"; tail -20 "$W/daemon.log"
	return 1
}
# jqt JQ_EXPR: true when the last list satisfies it
jqt() { jqe "$1" "$W/list.json"; }
# jqe EXPR [FILE]: like jq -e, but empty input is a failure (jq -e says 0)
jqe() {
	local in
	in=$(cat "${2:-/dev/stdin}")
	[ -n "$in" ] && jq -e "$1" <<< "$in" >/dev/null
}
# ctlq EXPR CTL_ARGS...: run kexboot-ctl and test its JSON output with jqe
ctlq() {
	local e=$1
	shift
	ctl "$@" | jqe "$e"
}
