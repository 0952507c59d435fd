#!/bin/bash
# Settings, autoboot, scripted boot and restricted mode through the real
# daemon and kexboot-ctl (a client that skips the menu), on a loop device of
# our own: defaults file, kernel command line overrides, persistence across
# restarts, a corrupt store, two clients at once, timeout 0 / negative,
# next-boot, wait, user options, and every restricted-mode path.
. "$(dirname "$0")/lib.sh"

mkdir -p "$W/fs/extlinux"
python3 "$FIXTURES/mkbzimage.py" "$W/fs/vmlinuz"
cat > "$W/fs/extlinux/extlinux.conf" <<'EOF'
DEFAULT b
LABEL a
  MENU LABEL Entry A
  LINUX /vmlinuz
  APPEND root=LABEL=CFG a
LABEL b
  MENU LABEL Entry B
  LINUX /vmlinuz
  APPEND root=LABEL=CFG b
LABEL c
  MENU LABEL Entry C
  LINUX /vmlinuz
  APPEND root=LABEL=CFG c
EOF
mkfs.ext4 -q -F -L CFG -d "$W/fs" "$W/cfg.img" 8M >/dev/null
attach "$W/cfg.img" || exit 1
DEVGLOBS=("$(basename "$LOOP")")
DEVN=$(basename "$LOOP")
A=$DEVN:syslinux:0 B=$DEVN:syslinux:1 C=$DEVN:syslinux:2
echo "timeout = 3" > "$W/kexboot.conf"
echo "quiet" > "$W/cmdline"

restart() { stop_daemon; start_daemon --cmdline "$W/cmdline" "$@" && ctl wait --options 3 --timeout 10 >/dev/null; }
get() { ctl config get "$1"; }

start_daemon --no-autoboot --cmdline "$W/cmdline" && ctl wait --options 3 --timeout 10 >/dev/null
check "options found" test "$(ctl list --json | jq -r '[.options[].id] | join(" ")')" = "$A $B $C"
check "the defaults file sets timeout" test "$(get timeout)" = 3
check "config get --json" ctlq '.timeout == "3"' config get --json

# kernel command line overrides everything else
echo "quiet kexboot.timeout=9 kexboot.console=ttyS1,115200" > "$W/cmdline"
restart --no-autoboot
check "kexboot.timeout= overrides" test "$(get timeout)" = 9
check "kexboot.console= overrides" test "$(get console)" = "ttyS1,115200"
ctl boot "$A" --dry-run --force > "$W/out" 2>&1
check "the boot console is added to entries without console=" grep -q "args 'root=LABEL=CFG a console=ttyS1,115200'" "$W/out"
echo "quiet" > "$W/cmdline"
restart --no-autoboot

# persistence
ctl config set timeout 7
ctl config set boot-order "label:CFG disk"
restart --no-autoboot
check "a set timeout survives a restart" test "$(get timeout)" = 7
check "boot-order survives a restart" test "$(get boot-order)" = "label:CFG disk"
check "bad values are refused with a reason" sh -c "! '$CTL' --socket '$SOCK' config set timeout soon 2>&1 | grep -q . || '$CTL' --socket '$SOCK' config set timeout soon 2>&1 | grep -qi timeout"
ctl config set timeout soon 2>/dev/null
check "a refused value changes nothing" test "$(get timeout)" = 7
ctl config set no-such-key 1 2>/dev/null
check "unknown keys are refused (exit 1)" test $? = 1

# two clients at once: each ends where it should, and so does the store
( for i in $(seq 30); do ctl config set console "ttyS$i" || echo fail; done ) > "$W/c1" 2>&1 &
p1=$!
( for i in $(seq 30); do ctl config set timeout "$i" || echo fail; done ) > "$W/c2" 2>&1 &
p2=$!
wait $p1 $p2
check "concurrent writers both succeeded" test ! -s "$W/c1" -a ! -s "$W/c2"
check "concurrent: console ends at the last write" test "$(get console)" = ttyS30
check "concurrent: timeout ends at the last write" test "$(get timeout)" = 30
restart --no-autoboot
check "concurrent: the store holds both" test "$(get console):$(get timeout)" = "ttyS30:30"
ctl config set console ""

# a corrupt store: defaults with a warning, the damaged file kept
printf 'timeout = "unterminated\n\x00\xff garbage' > "$W/state/settings.conf"
restart --no-autoboot
check "a corrupt store falls back to defaults" test "$(get timeout)" = 3
check "the corrupt store is kept aside" test -f "$W/state/settings.conf.corrupt"
check "the daemon warned about it" grep -qi "stored settings" "$W/daemon.log"
check "the daemon still serves" test "$(ctl list --json | jq '.options | length')" = 3

check "system information carries the kernel's kexec capabilities" \
	ctlq '.sysinfo["kexec kexec-syscalls"] | test("kexec_file_load present")' status --json
check "and the firmware" ctlq '.sysinfo.firmware | length > 0' status --json

# watch streams changes for as long as it runs
timeout 7 "$CTL" --socket "$SOCK" watch --json > "$W/watch.out" 2>&1 &
wp=$!
sleep 1
ctl config set language fr
wait $wp
check "watch keeps running (killed by timeout, not exited)" test $? = 124
check "watch saw the change" grep -q '"language":"fr"' "$W/watch.out"
ctl config set language ""

# scripted waits
ctl wait --options 50 --timeout 1 2>/dev/null
check "wait --options times out with exit 4" test $? = 4
check "wait --default returns once a default is known" ctl wait --default --timeout 5

# user options
ID=$(ctl add --name "Rescue kernel" --kernel /boot/vmlinuz-rescue --initrd http://192.0.2.1/initrd --args "single")
check "add prints the new id" test -n "$ID"
check "the added option is listed" ctlq ".options[] | select(.id == \"$ID\") | .kernel.url == \"file:///boot/vmlinuz-rescue\" and .args == \"single\"" list --json
ctl remove "$A" 2>"$W/out"
check "a config's option cannot be removed" grep -q "only added options" "$W/out"
ctl remove "$ID"
check "remove withdraws it" ctlq "[.options[] | select(.id == \"$ID\")] | length == 0" list --json

# autoboot: timeout 0 boots the default at once
ctl config set timeout 0
restart
check "timeout 0 boots the default at once" sh -c "sleep 1; grep -q \"dry run: would boot 'Entry B'\" '$W/daemon.log'"
# negative: never
ctl config set timeout -1
: > "$W/daemon.log"
restart
sleep 2
check "timeout -1 never boots" sh -c "! grep -q 'would boot' '$W/daemon.log'"
check "status says autoboot is off" ctlq '.autoboot.active == false' status --json
# next-boot: a one-shot default, consumed when used
ctl config set timeout 1
restart --no-autoboot
ctl next-boot "$C"
check "next-boot becomes the default" test "$(ctl status --json | jq -r .autoboot.option)" = "$C"
: > "$W/daemon.log"
restart
check "autoboot boots the next-boot entry" sh -c "for i in \$(seq 30); do grep -q \"would boot 'Entry C'\" '$W/daemon.log' && exit 0; sleep 0.2; done; exit 1"
check "next-boot is consumed" test -z "$(get next-boot)"
# a key on any console cancels: here a client's cancel
ctl config set timeout 5
: > "$W/daemon.log"
restart
ctl cancel
sleep 1
check "cancel stops the countdown" ctlq '.autoboot.active == false' status --json
check "cancel is reported" grep -q "autoboot cancelled" "$W/daemon.log"
ctl config set timeout 10

# restricted mode: every path checked by the daemon, through a client that
# skips the menu
ctl config set password s3cret
restart --no-autoboot
check "restricted mode is announced" ctlq '.restricted' status --json
check "the hash is never shown" test "$(get password)" = set
ctl boot --default --dry-run > "$W/out" 2>&1
check "the default boots without the password" grep -q "would boot 'Entry B'" "$W/out"
ctl boot "$A" --dry-run > "$W/out" 2>&1
check "a non-default boot needs the password" grep -q "password" "$W/out"
ctl boot "$B" --dry-run --args "init=/bin/sh" > "$W/out" 2>&1
check "editing the default needs the password" grep -q "password" "$W/out"
ctl --password s3cret boot "$A" --dry-run > "$W/out" 2>&1
check "with the password a non-default boots" grep -q "would boot 'Entry A'" "$W/out"
ctl --password s3cret boot "$B" --dry-run --args "init=/bin/sh" > "$W/out" 2>&1
check "with the password an edit applies to that boot" grep -q "args 'init=/bin/sh'" "$W/out"
ctl boot "$B" --dry-run > "$W/out" 2>&1
check "the edit did not stick" grep -q "args 'root=LABEL=CFG b'" "$W/out"
ctl config set timeout 4 2>"$W/out"
check "config set needs the password" grep -q "password" "$W/out"
ctl add --name X --kernel /x 2>"$W/out"
check "add needs the password" grep -q "password" "$W/out"
ctl exit-shell 2>"$W/out"
check "exit to a shell needs the password" grep -q "password" "$W/out"
check "with the password exit-shell is allowed" ctl --password s3cret exit-shell
KEXBOOT_PASSWORD=s3cret ctl config set allow-shell false
ctl --password s3cret exit-shell 2>"$W/out"
check "allow-shell false forbids it even with the password" grep -qi "shell" "$W/out"
for i in 1 2 3 4 5; do ctl --password wrong boot "$A" --dry-run >/dev/null 2>"$W/out"; done
check "repeated wrong passwords are rate-limited" grep -qi "try again" "$W/out"
check "failed attempts are logged" grep -q "password attempt failed" "$W/daemon.log"
check "the daemon still answers" ctl status
KEXBOOT_PASSWORD=s3cret ctl config set password "" 2>/dev/null
finish
