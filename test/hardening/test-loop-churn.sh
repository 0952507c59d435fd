#!/bin/bash
# 500 attach/detach cycles of one ext4 image on one loop device of our own
# (a high number made through /dev/loop-control, so `losetup --find` elsewhere
# does not take it), with the daemon limited to that name and two real
# kexboot-menu instances (in tmux) plus two watching clients connected
# throughout: the daemon keeps running
# and answering, its fd count and RSS do not grow, no mount is left behind,
# the watchers saw the device come and go, the image is byte-identical.
. "$(dirname "$0")/lib.sh"

command -v mkfs.ext4 >/dev/null || { echo "SKIP: mkfs.ext4 missing"; exit 77; }
CYCLES=${KB_HARD_CYCLES:-500}

mkdir -p "$W/fs/extlinux"
python3 "$FIXTURES/mkbzimage.py" "$W/fs/vmlinuz"
printf 'LABEL a\n  MENU LABEL Churn entry\n  LINUX /vmlinuz\n  APPEND ro\n' > "$W/fs/extlinux/extlinux.conf"
mkfs.ext4 -q -F -L CHURN -d "$W/fs" "$W/churn.img" 8M
sha256sum "$W/churn.img" > "$W/churn.sha"
IMG=$(readlink -f "$W/churn.img")

# a loop device number nobody else uses: the first free one from 200 up
N=$($PY - <<'EOF'
import fcntl, os
LOOP_CTL_ADD = 0x4C80
fd = os.open("/dev/loop-control", os.O_RDWR)
for n in range(200, 400):
    if os.path.exists("/dev/loop%d" % n):
        continue
    try:
        print(fcntl.ioctl(fd, LOOP_CTL_ADD, n))
        break
    except OSError:
        continue
EOF
)
[ -n "$N" ] || { echo "SKIP: cannot create a loop device of our own"; exit 77; }
L=/dev/loop$N
for i in $(seq 50); do [ -e "$L" ] && break; sleep 0.1; done
remove_loop() { $PY -c "import fcntl,os,sys; fcntl.ioctl(os.open('/dev/loop-control',os.O_RDWR),0x4C81,int(sys.argv[1]))" "$N" 2>/dev/null; }
DEVGLOBS=("loop$N")
: > "$W/kexboot.conf"

# attach IMG to our device, retrying while the previous detach completes
attach_ours() {
	local i
	for i in $(seq 100); do
		losetup "$L" "$IMG" 2>/dev/null && { LOOPS+=("$L $IMG"); return 0; }
		sleep 0.05
	done
	return 1
}

start_daemon --no-autoboot --talloc-report "$W/talloc.txt" || exit 1
# two watchers (raw clients: `kexboot-ctl watch` gives up after its 5 s
# connect timeout, see doc/hardening.md)
# two real menus
MENU=$B/ui/ncurses/kexboot-menu
TMUXS=()
if command -v tmux >/dev/null && [ -x "$MENU" ]; then
	for m in 1 2; do
		tmux new-session -d -s "kbchurn$m-$$" -x 80 -y 24 "$MENU --socket $SOCK" &&
			TMUXS+=("kbchurn$m-$$")
	done
fi
kill_menus() { local t; for t in "${TMUXS[@]}"; do tmux kill-session -t "$t" 2>/dev/null; done; }
trap 'kill_menus; kb_cleanup' EXIT
$PEER watch "$SOCK" 3600 > "$W/watch1.out" 2>&1 &
w1=$!
$PEER watch "$SOCK" 3600 > "$W/watch2.out" 2>&1 &
w2=$!
PIDS+=("$w1" "$w2")
attach_ours || { bad "first attach"; exit 1; }
check "the device's option appears" wait_json '[.options[].name] | index("Churn entry") != null'
losetup -d "$L"
check "and goes with the device" wait_json "[.devices[].name] | index(\"loop$N\") == null"
fds0=$(daemon_fds) rss0=$(daemon_rss)
echo "baseline: $fds0 fds, RSS $rss0 KiB"

failed_attach=0 samples=""
t0=$(date +%s)
for c in $(seq "$CYCLES"); do
	attach_ours || { failed_attach=$((failed_attach + 1)); continue; }
	# let some cycles finish mounting and parsing, cut others short
	case $((c % 4)) in
	0) sleep 0.2 ;;
	1) sleep 0.02 ;;
	esac
	losetup -d "$L" 2>/dev/null
	if [ $((c % 100)) = 0 ]; then
		wait_json "[.devices[].name] | index(\"loop$N\") == null" 30 >/dev/null
		samples="$samples $c:$(daemon_fds)fd/$(daemon_rss)K"
	fi
done
echo "$CYCLES cycles in $(( $(date +%s) - t0 )) s; attach retries exhausted $failed_attach times; samples:$samples"
check "all cycles attached" test "$failed_attach" = 0
check "the daemon is still running" daemon_alive
check "the device is withdrawn at the end" wait_json "[.devices[].name] | index(\"loop$N\") == null" 30
check "the watchers are still connected" sh -c "kill -0 $w1 && kill -0 $w2"
sleep 1
fds1=$(daemon_fds) rss1=$(daemon_rss)
echo "after: $fds1 fds (was $fds0), RSS $rss1 KiB (was $rss0), peak $(daemon_hwm) KiB"
check "no fd leaked over $CYCLES cycles" test "$fds1" -le "$fds0"
# (under ASan freed memory sits in its quarantine: RSS says nothing there)
if [ -z "${ASAN_OPTIONS:-}" ]; then
	check "RSS did not grow over $CYCLES cycles (> 2 MiB)" test "$rss1" -le $((rss0 + 2048))
fi
check "no mount left" test "$(our_mounts)" = 0
if [ -n "${KB_HARD_DEBUG:-}" ]; then
	mkdir -p "$KB_HARD_DEBUG"
	cp "$W"/watch*.out "$W/daemon.log" "$KB_HARD_DEBUG/"
	grep " $W/" /proc/self/mountinfo > "$KB_HARD_DEBUG/mounts"
	losetup -l "$L" > "$KB_HARD_DEBUG/losetup" 2>&1
fi
kill "$w1" "$w2"
wait "$w1"; r1=$?
wait "$w2"; r2=$?
for w in 1 2; do
	check "watcher $w saw the device come and go: $(cat "$W/watch$w.out")" \
		sh -c "grep -Eq '^adds [0-9]+ removes [0-9]+$' '$W/watch$w.out' && [ \$(awk '{print \$4}' '$W/watch$w.out') -ge $((CYCLES / 2)) ]"
done
check "the watchers were never dropped (exit $r1 $r2)" test "$r1$r2" = 00
attach_ours && check "a last attach is still found" wait_json '[.options[].name] | index("Churn entry") != null'
for t in "${TMUXS[@]}"; do
	check "menu $t is still running and shows the device again" \
		sh -c "for i in \$(seq 50); do tmux capture-pane -p -t '$t' | grep -q 'Churn entry' && exit 0; sleep 0.1; done; exit 1"
done
check "two menus took part" test "${#TMUXS[@]}" = 2
losetup -d "$L"
wait_json "[.devices[].name] | index(\"loop$N\") == null" 30 >/dev/null
stop_daemon
rc=$?
check "daemon exits cleanly (status $rc)" test $rc = 0
check "talloc report at exit is empty" talloc_report_empty "$W/talloc.txt"
check "no mount left after exit" test "$(our_mounts)" = 0
for i in $(seq 50); do losetup "$L" >/dev/null 2>&1 || break; sleep 0.1; done
remove_loop
check "the image is byte-identical" sha256sum -c --quiet "$W/churn.sha"
finish
