#!/bin/bash
# Benchmark (not a test): CPU the running kexboot-menu spends while N options
# arrive, for N = 1000, 2000, 3000 (and any given on the command line).
# A fresh menu per N in an 80x24 tmux pane; the fake daemon sends a device and
# N OPTION_ADD messages in one burst, then a STATUS marker; we wait for the
# marker on screen and read the menu's CPU: utime+stime from /proc/PID/stat
# (clock ticks) and, where the kernel has it, the nanosecond run time from
# /proc/PID/schedstat. Usage: test/ui/bench-3000.sh [N...]   (from the build dir)
. "$(dirname "$0")/lib.sh"

TAB=$'\t'
COUNTS=${*:-1000 2000 3000}
TICK=$(getconf CLK_TCK)
printf 'sync\n' > "$W/script"
start_fake "$W/script"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
cpu_ns() { [ -r "/proc/$1/schedstat" ] && awk '{ print $1 }' "/proc/$1/schedstat" || echo 0; }

printf '%8s %12s %14s %12s\n' options "cpu (ticks)" "cpu (schedstat)" "per option"
for n in $COUNTS; do
	start_menu b 80 24 xterm
	wait_screen b 'Boot options \(0\)' || { echo "menu did not start: $(screen b)"; exit 1; }
	sleep 0.3
	pane=$($T display-message -p -t b '#{pane_pid}')
	pid=$(ps -o pid= --ppid "$pane" | head -1 | tr -d ' ')
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo "no menu pid"; exit 1; }
	t0=$(cpu_ticks "$pid") ns0=$(cpu_ns "$pid")
	control "gen${TAB}$n${TAB}bench"
	control "status${TAB}bench-done-$n"
	wait_screen b "bench-done-$n" 60 || { echo "menu never showed the marker: $(screen b)"; exit 1; }
	screen b | grep -q "Boot options ($n)" || { echo "menu shows: $(screen b | head -1)"; exit 1; }
	sleep 0.2 # let a pending rate-limited redraw happen; it counts too
	t1=$(cpu_ticks "$pid") ns1=$(cpu_ns "$pid")
	ms_ticks=$(( (t1 - t0) * 1000 / TICK ))
	ms_ns=$(awk -v a="$ns0" -v b="$ns1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	per=$(awk -v a="$ns0" -v b="$ns1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / 1e3 / n }')
	printf '%8d %9d ms %12s ms %9s us\n' "$n" "$ms_ticks" "$ms_ns" "$per"
	$T kill-session -t b
	sleep 0.2
done
