# Helpers for driving kexboot-menu in tmux against test/ui/fake-server.
# Sourced by the test scripts; they run from the build directory (make check)
# or with KB_BUILDDIR set.

B=${KB_BUILDDIR:-.}
MENU=$B/ui/ncurses/kexboot-menu
FAKE=$B/test/ui/fake-server

command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux not installed"; exit 77; }
[ -x "$MENU" ] && [ -x "$FAKE" ] || { echo "FAIL: build $MENU and $FAKE first"; exit 1; }

W=$(mktemp -d /tmp/kb-ui-test.XXXXXX)
TMUX_SOCK=kbui$$
T="tmux -L $TMUX_SOCK"
FAKE_PID=
FAILS=0

cleanup() {
	$T kill-server >/dev/null 2>&1
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

# start_fake SCRIPT-FILE: a fresh fake daemon (log in $W/log, control FIFO $W/ctl)
start_fake() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	rm -f "$W/sock" "$W/log" "$W/ctl"
	mkfifo "$W/ctl"
	"$FAKE" --socket "$W/sock" --script "$1" --log "$W/log" --control "$W/ctl" &
	FAKE_PID=$!
	for _ in $(seq 50); do [ -S "$W/sock" ] && return 0; sleep 0.05; done
	echo "FAIL: fake server did not start"; exit 1
}

# start_menu NAME COLS ROWS TERM [VAR=VALUE...]
start_menu() {
	local name=$1 cols=$2 rows=$3 term=$4
	shift 4
	$T kill-session -t "$name" >/dev/null 2>&1
	$T new-session -d -s "$name" -x "$cols" -y "$rows" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 KEXBOOT_LOCALEDIR=$B/po/locale TERM=$term $* $MENU --socket $W/sock 2>$W/$name.err; echo MENU-EXITED \$?; sleep 30"
}

screen() { $T capture-pane -p -t "$1"; }

# wait_screen NAME REGEX [SECONDS]: until the pane matches (grep -E)
wait_screen() {
	local i
	for i in $(seq $((${3:-5} * 20))); do
		screen "$1" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}

# wait_log REGEX [SECONDS]
wait_log() {
	local i
	for i in $(seq $((${2:-5} * 20))); do
		grep -Eq -- "$1" "$W/log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

keys() { $T send-keys -t "$@"; }
text() { $T send-keys -t "$1" -l "$2"; }
control() { printf '%s\n' "$1" > "$W/ctl"; }
# The line of the selected entry (the one with the '>' marker).
selected() { screen "$1" | grep -E '^. +> ' | head -1; }
