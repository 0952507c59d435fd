#!/bin/bash
# The daemon/ctl integration tests with the daemon under valgrind memcheck,
# definite leaks counted as errors. Fails on any test failure, any daemon
# that valgrind ended with an error status, or any log reporting errors.
#   test/hardening/valgrind-lane.sh BUILDDIR [TEST...]
# Default tests: test/integration/test-daemon.sh test/integration/test-config.sh
# test/hardening/test-clients.sh (with 2,000 entries: valgrind is ~20x slower).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:?usage: $0 BUILDDIR [TEST...]}" && pwd)
shift
command -v valgrind >/dev/null || { echo "SKIP: valgrind missing"; exit 77; }
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(test/integration/test-daemon.sh test/integration/test-config.sh
	test/hardening/test-clients.sh)
LOGS=$(mktemp -d /tmp/kb-valgrind.XXXXXX)
export KB_BUILDDIR=$B
export KB_HARD_ENTRIES=${KB_HARD_ENTRIES:-2000}
export KB_DAEMON_WRAPPER="valgrind --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 --track-fds=no --child-silent-after-fork=yes --log-file=$LOGS/vg.%p.log"
passed=0 failed=0
for t in "${TESTS[@]}"; do
	echo "=== $t (daemon under valgrind)"
	(cd "$B" && bash "$SRC/$t") > "$LOGS/$(basename "$t").out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "ok: $t ($(tail -1 "$LOGS/$(basename "$t").out"))"
	elif [ $rc = 77 ]; then
		echo "skipped: $t"
	else
		failed=$((failed + 1))
		echo "FAIL: $t (exit $rc)"
		grep -E "^FAIL" "$LOGS/$(basename "$t").out" | head -20
	fi
done
# every daemon must have ended with an error summary of 0 (valgrind's
# warnings about syscalls it does not know, such as openat2, are not errors)
n_logs=0
for l in "$LOGS"/vg.*.log; do
	[ -e "$l" ] || continue
	n_logs=$((n_logs + 1))
	grep -q "ERROR SUMMARY: 0 errors" "$l" && continue
	failed=$((failed + 1))
	echo "FAIL: valgrind reported errors (or the daemon did not exit) in $(basename "$l"):"
	grep -vE "^--[0-9]+--|unhandled ioctl|spurious value|README_MISSING" "$l" | head -60
done
echo "$n_logs daemon runs checked by valgrind"
[ "$n_logs" -gt 0 ] || { failed=$((failed + 1)); echo "FAIL: no daemon ran under valgrind"; }
echo "valgrind logs: $LOGS"
[ $failed = 0 ] && rm -rf "$LOGS"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
