#!/bin/bash
# The daemon with udevd running: it must follow udevd's events (not the
# kernel's) and find, identify and withdraw devices as without it.
# udevd runs in a private mount namespace with tmpfs over /run/udev and the
# rules directories and a single rule of ours (blkid for loop devices), so
# nothing of the host's udev setup is used or changed.
UDEVD=/lib/systemd/systemd-udevd
[ -x "$UDEVD" ] || { echo "SKIP: $UDEVD missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
if [ -z "${KB_UDEV_NS:-}" ]; then
	unshare --mount --propagation private true 2>/dev/null || { echo "SKIP: no mount namespaces"; exit 77; }
	exec unshare --mount --propagation private env KB_UDEV_NS=1 bash "$0" "$@"
fi
if [ -e /run/udev/control ]; then
	echo "SKIP: udevd already runs here"
	exit 77
fi
. "$(dirname "$0")/lib.sh"

for d in /run/udev /etc/udev/rules.d /usr/lib/udev/rules.d; do
	mkdir -p "$d" && mount -t tmpfs kb-udev "$d" || { bad "tmpfs over $d"; finish; }
done
echo 'SUBSYSTEM=="block", KERNEL=="loop*", IMPORT{builtin}="blkid"' > /etc/udev/rules.d/60-kexboot-test.rules
"$UDEVD" > "$W/udevd.log" 2>&1 &
PIDS+=($!)
for i in $(seq 50); do [ -S /run/udev/control ] && break; sleep 0.1; done
check "udevd is up (private)" test -S /run/udev/control

mkimg() { # mkimg NAME LABEL
	mkdir -p "$W/$1/extlinux"
	python3 "$FIXTURES/mkbzimage.py" "$W/$1/vmlinuz"
	printf 'LABEL %s\n  MENU LABEL %s entry\n  LINUX /vmlinuz\n  APPEND root=LABEL=%s\n' "$1" "$1" "$2" \
		> "$W/$1/extlinux/extlinux.conf"
	mkfs.ext4 -q -F -L "$2" -d "$W/$1" "$W/$1.img" 8M >/dev/null
}
mkimg one UDEV1
mkimg two UDEV2
sha256sum "$W/one.img" "$W/two.img" > "$W/sums"
attach "$W/one.img" || finish
ONE=$(basename "$LOOP")
# reserve a second node for the hot-plug case: attach, note, detach
attach "$W/two.img" || finish
TWO=$(basename "$LOOP")
detach "$LOOP"
DEVGLOBS=("$ONE" "$TWO")
: > "$W/kexboot.conf"
udevadm settle -t 5 2>/dev/null
start_daemon --no-autoboot || finish
check "the daemon follows udevd" wait_json '.options | length == 1'
check "it says so" grep -q "following udevd" "$W/daemon.log"
check "identity through udev" jqt ".devices[] | select(.name == \"$ONE\") | .label == \"UDEV1\" and .fstype == \"ext4\""

# hot-plug through udevd: the event reaches us after udevd processed it
losetup "/dev/$TWO" "$W/two.img" && LOOPS+=("/dev/$TWO $(readlink -f "$W/two.img")")
check "a device attached later appears" wait_json ".options | map(.name) | index(\"two entry\") != null"
check "with its label" jqt ".devices[] | select(.name == \"$TWO\") | .label == \"UDEV2\""
detach "/dev/$TWO"
check "detaching withdraws it" wait_json "[.devices[].name] | index(\"$TWO\") == null"
stop_daemon
check "clean exit" test $? = 0
detach "/dev/$ONE"
check "images byte-identical" sha256sum -c --quiet "$W/sums"
finish
