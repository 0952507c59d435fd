#!/bin/bash
# A grub.cfg written by Debian's own grub-mkconfig (packages grub-common,
# grub2-common), parsed by kexboot-probe and checked with jq.
#
# grub-mkconfig probes the device holding / and /boot, so it must never see
# the host's: it runs chrooted into an ext4 image of our own (fake kernels and
# initrds in /boot), attached to a loop device we create, inside a private
# mount namespace:
#   R/usr   the host's /usr, bind-mounted read-only (Debian 12 is merged-/usr;
#           bin, sbin, lib, lib64 are symlinks into it);
#   R/dev   a tmpfs holding only null, zero, random, urandom, our loop device
#           and its /dev/disk/by-uuid link: no host disk node exists there;
#   R/sys   the host's /sys read-only, R/proc a fresh read-only proc (its
#           mountinfo, seen from the chroot, lists only our mounts);
#   R/etc   grub.d and default/grub copied from the packages' files (the host
#           has no /etc/default/grub; os-prober and the firmware entry are
#           switched off so the result does not depend on the host).
#   loop    /dev/loop10 or above: Debian's 10_linux writes no entry at all
#           when / is a file-backed /dev/loop[0-9] (see below).
# Each run is traced (strace, when present): every /dev node opened must be
# one of ours; the generated config must name no UUID but our image's, and
# the host's /boot listing must be unchanged. The image is hashed after
# generation and must be byte-identical after probing.
# Three runs on the same image: grub-mkconfig with GRUB_DEFAULT=0 (entries,
# paths, command lines, default); GRUB_DEFAULT=saved + grub-set-default with
# an id path into the submenu (saved_entry in grubenv); grub-reboot with a
# title path (next_entry, which the config clears with save_env: in memory).
# Exit 77 when not root, or without namespaces, loop devices or the tools.
set -u
PROBE=${KEXBOOT_PROBE:-$PWD/utils/kexboot-probe}
srcdir=${srcdir:-$(dirname "$0")/../..}
FIX=$srcdir/test/fixtures
skip() { echo "$1: skipped"; exit 77; }
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 1; }
command -v jq >/dev/null || skip "jq not installed"
[ "$(id -u)" = 0 ] || skip "needs root"
for t in unshare losetup blockdev mkfs.ext4 chroot python3 findmnt; do
	command -v $t >/dev/null || skip "$t not installed"
done
[ -e /dev/loop-control ] || skip "no loop devices"
unshare --mount --propagation private true 2>/dev/null || skip "no mount namespaces"
MKCONFIG=/usr/sbin/grub-mkconfig
[ -x $MKCONFIG ] && [ -x /usr/sbin/grub-probe ] && [ -x /etc/grub.d/10_linux ] &&
	[ -f /usr/share/grub/default/grub ] || skip "grub-common/grub2-common not installed"
# the chroot borrows the host's /usr: it must be a merged-/usr system
[ -L /bin ] && [ -L /sbin ] && [ -L /lib ] || skip "host is not merged-/usr"

fails=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() {
	if jq -e "$3" "$2" >/dev/null; then ok "$1"; else bad "$1"; jq -c . "$2" | head -c 4000; echo; fi
}

T=$(mktemp -d /tmp/kb-mkconfig.XXXXXX)
IMG=$T/disk.img
cleanup() {
	local l
	# the namespace is gone by now; detach only loop devices backed by our image
	for l in $(losetup -n -O NAME -j "$IMG" 2>/dev/null); do losetup -d "$l"; done
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP

UUID=5d8f2c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d
NEW=6.1.0-9-amd64
OLD=6.1.0-7-amd64

# --- the image: a root filesystem with /boot and an /etc for the tool --------
R0=$T/tree
mkdir -p "$R0/boot/grub" "$R0/etc/default/grub.d" "$R0/usr" "$R0/proc" "$R0/sys" "$R0/dev" "$R0/tmp"
for l in bin sbin lib lib64; do ln -s usr/$l "$R0/$l"; done
for v in $NEW $OLD; do
	python3 "$FIX/mkbzimage.py" "$R0/boot/vmlinuz-$v" || { echo "mkbzimage failed"; exit 1; }
	python3 "$FIX/mkinitrd.py" "$R0/boot/initrd.img-$v" || { echo "mkinitrd failed"; exit 1; }
done
# older mtime for the older kernel (10_linux sorts by version, not by time)
touch -d @1700000000 "$R0/boot/vmlinuz-$OLD" "$R0/boot/initrd.img-$OLD"
cp -a /etc/grub.d "$R0/etc/grub.d"
# no os-prober (it would look at other disks), no firmware-setup entry (host-dependent)
chmod a-x "$R0/etc/grub.d/30_os-prober" "$R0/etc/grub.d/30_uefi-firmware" 2>/dev/null
cp /usr/share/grub/default/grub "$R0/etc/default/grub"
cp /etc/default/grub.d/*.cfg "$R0/etc/default/grub.d/" 2>/dev/null
cat >> "$R0/etc/default/grub" <<-EOF
	GRUB_DISTRIBUTOR=Debian
	GRUB_DISABLE_OS_PROBER=true
EOF
cat > "$R0/etc/os-release" <<-EOF
	PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
	NAME="Debian GNU/Linux"
	VERSION_ID="12"
	ID=debian
EOF
mkfs.ext4 -q -F -L kbroot -U $UUID -d "$R0" "$IMG" 32M || { echo "mkfs.ext4 failed"; exit 1; }

# Debian's 10_linux and 20_linux_xen write no entry at all when / is on a
# file-backed /dev/loop[0-9] (they ask losetup for the backing file and give
# up when it is not a /dev node); from /dev/loop10 on, their pattern does not
# match and the device is treated like any disk. So take a free one >= 10.
LOOP=
for n in $(seq 10 63); do
	[ -e /sys/block/loop$n/loop/backing_file ] && continue
	losetup "/dev/loop$n" "$IMG" 2>/dev/null || continue
	# a node left read-only (BLKROSET) by an earlier user: try the next one
	[ "$(blockdev --getro "/dev/loop$n")" = 0 ] && { LOOP=/dev/loop$n; break; }
	losetup -d "/dev/loop$n"
done
[ -n "$LOOP" ] || skip "cannot attach a loop device (loop10-63 busy or unavailable)"
[ "$(losetup -n -O BACK-FILE "$LOOP")" = "$IMG" ] || { echo "$LOOP is not backed by $IMG"; exit 1; }

hostboot() { find /boot -xdev -printf '%p %s %T@ %m\n' 2>/dev/null | sort | sha256sum; }
HOSTBOOT=$(hostboot)
STRACE=
command -v strace >/dev/null && STRACE=strace

# chroot_run TAG COMMAND: mount the image at $T/root in a private mount
# namespace, build the chroot around it and run COMMAND (sh) inside, traced
# into $T/strace.TAG.*; its /dev nodes are listed into $T/devnodes.TAG and
# its view of the mounts into $T/mountinfo.TAG.
chroot_run() {
	unshare --mount --propagation private bash -eu -c '
		T=$1 LOOP=$2 UUID=$3 STRACE=$4 TAG=$5 CMD=$6
		R=$T/root
		mkdir -p "$R"
		mount -t ext4 "$LOOP" "$R"
		[ "$(findmnt -n -o SOURCE --mountpoint "$R")" = "$LOOP" ]
		mount --bind /usr "$R/usr"
		mount -o remount,bind,ro "$R/usr"
		mount --bind /sys "$R/sys"
		mount -o remount,bind,ro "$R/sys"
		mount -t proc -o ro,nosuid,nodev,noexec kb-proc "$R/proc"
		mount -t tmpfs -o size=64k,mode=755 kb-dev "$R/dev"
		mount -t tmpfs -o size=4m kb-tmp "$R/tmp"
		mknod -m 666 "$R/dev/null" c 1 3
		mknod -m 666 "$R/dev/zero" c 1 5
		mknod -m 666 "$R/dev/random" c 1 8
		mknod -m 666 "$R/dev/urandom" c 1 9
		mknod -m 660 "$R$LOOP" b $((0x$(stat -c %t "$LOOP"))) $((0x$(stat -c %T "$LOOP")))
		mkdir -p "$R/dev/disk/by-uuid"
		ln -s "../../${LOOP#/dev/}" "$R/dev/disk/by-uuid/$UUID"
		chroot "$R" /usr/bin/cat /proc/self/mountinfo > "$T/mountinfo.$TAG"
		rc=0
		env -i PATH=/usr/sbin:/usr/bin LANG=C.UTF-8 HOME=/ \
			${STRACE:+$STRACE -f -ff -qq -e trace=%file -o "$T/strace.$TAG"} \
			chroot "$R" /usr/bin/sh -ec "$CMD" || rc=$?
		(cd "$R" && find dev \( -type b -o -type c \) -printf "/%p\n") > "$T/devnodes.$TAG"
		umount "$R/tmp" "$R/dev" "$R/proc" "$R/sys" "$R/usr"
		umount "$R"
		exit $rc
	' _ "$T" "$LOOP" "$UUID" "$STRACE" "$1" "$2" > "$T/$1.log" 2>&1
	local rc=$?
	blockdev --flushbufs "$LOOP"
	return $rc
}

# copy_out TAG FILE...: a read-only look at files on the image (for the log)
copy_out() {
	local tag=$1; shift
	unshare --mount --propagation private bash -eu -c '
		T=$1 LOOP=$2 TAG=$3; shift 3
		mkdir -p "$T/ro"
		mount -t ext4 -o ro,noload "$LOOP" "$T/ro"
		for f; do [ ! -e "$T/ro$f" ] || cp "$T/ro$f" "$T/$TAG.${f##*/}"; done
		umount "$T/ro"
	' _ "$T" "$LOOP" "$tag" "$@"
}

# --- grub-mkconfig in a chroot on our image -----------------------------------
if ! chroot_run mkconfig 'grub-mkconfig -o /boot/grub/grub.cfg' ||
   ! copy_out mkconfig /boot/grub/grub.cfg || [ ! -s "$T/mkconfig.grub.cfg" ]; then
	bad "grub-mkconfig ran in the chroot"
	cat "$T/mkconfig.log"
	echo "$fails failed"
	exit 1
fi
cp "$T/mkconfig.grub.cfg" "$T/grub.cfg"
ok "grub-mkconfig wrote /boot/grub/grub.cfg on our image"
sed 's/^/# /' "$T/mkconfig.log"

# --- the tool saw nothing but our device ---------------------------------------
# isolated TAG: what the chroot run TAG could see and touch
isolated() {
	local tag=$1 roots others opened nodes
	[ "$(hostboot)" = "$HOSTBOOT" ] && ok "$tag: host /boot unchanged" || bad "$tag: host /boot changed"
	roots=$(awk '$5 == "/" { for (i = 6; i < NF; i++) if ($i == "-") print $(i + 2) }' "$T/mountinfo.$tag")
	[ "$roots" = "$LOOP" ] && ok "$tag: the chroot's / is our loop device" ||
		bad "$tag: the chroot's / is '$roots'"
	if [ -n "$STRACE" ]; then
		# /dev paths reached that are not ours: allowed only as failed look-ups
		# (ENOENT: no such node in our /dev; grub-probe canonicalises every
		# mount source, e.g. /usr's), or the control node libdevmapper creates
		# in our tmpfs.
		others=$(cat "$T/strace.$tag".* | grep -E '"/dev(/[^"]*)?"' | grep -v ' = -1 ENOENT ' |
			grep -o '"/dev[^"]*"' | tr -d '"' | sort -u |
			grep -v -x -e /dev -e /dev/null -e /dev/zero -e /dev/random -e /dev/urandom \
				-e "$LOOP" -e /dev/disk/by-uuid -e "/dev/disk/by-uuid/$UUID" \
				-e /dev/mapper -e /dev/mapper/control)
		opened=$(cat "$T/strace.$tag".* | grep -c "open.*\"$LOOP\".* = [0-9]")
		if [ -z "$others" ] && [ "$opened" -gt 0 ]; then
			ok "$tag: strace: the only device opened is ours ($LOOP, $opened opens)"
		else
			bad "$tag: strace: other /dev paths reached: ${others:-none}; opens of $LOOP: $opened"
		fi
	fi
	nodes=$(sort "$T/devnodes.$tag" | grep -v -x /dev/mapper/control | tr '\n' ' ')
	[ "$nodes" = "$LOOP /dev/null /dev/random /dev/urandom /dev/zero " ] &&
		ok "$tag: the chroot's /dev held only our nodes" || bad "$tag: the chroot's /dev held: $nodes"
}
[ -n "$STRACE" ] || echo "# strace not installed: syscall checks skipped"
isolated mkconfig
uuids=$(grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$T/grub.cfg" | sort -u)
[ "$uuids" = "$UUID" ] && ok "grub.cfg names only our UUID" || bad "grub.cfg UUIDs: $uuids"
grep -q 'root=/dev/' "$T/grub.cfg" && bad "grub.cfg passes a /dev root" || ok "grub.cfg passes root=UUID"
sed 's/^/# grub.cfg: /' "$T/grub.cfg"

# --- kexboot-probe on the image --------------------------------------------------
# probe TAG: kexboot-probe --json on the image into $T/TAG.json. Our loop
# device stays attached but unmounted; the probe attaches its own (and must
# detach it) and mounts read-only: the image must come out byte-identical.
probe() {
	local before after prc
	before=$(sha256sum < "$IMG")
	"$PROBE" --json "$IMG" > "$T/$1.json"
	prc=$?
	after=$(sha256sum < "$IMG")
	[ $prc = 0 ] && ok "$1: kexboot-probe exit 0" || bad "$1: kexboot-probe exit $prc"
	[ "$before" = "$after" ] && ok "$1: image byte-identical after probing" ||
		bad "$1: image modified by probing"
	[ "$(losetup -n -O NAME -j "$IMG" | wc -l)" = 1 ] && ok "$1: probe left no loop device" ||
		bad "$1: probe left a loop device attached"
}
probe mkconfig
F=$T/mkconfig.json
D=disk.img
OS="Debian GNU/Linux"
K() { printf '{"device":"%s","path":"/boot/vmlinuz-%s"}' $D "$1"; }
I() { printf '[{"device":"%s","path":"/boot/initrd.img-%s"}]' $D "$1"; }
check "device identified by blkid" "$F" \
	".devices==[{\"name\":\"$D\",\"uuid\":\"$UUID\",\"label\":\"kbroot\",\"partuuid\":null,\"partlabel\":null,\"fstype\":\"ext4\"}]"
check "no errors" "$F" '.errors==[]'
check "5 entries, all grub2: simple + 2 per kernel in the submenu" "$F" \
	'(.options|length)==5 and all(.options[]; .parser=="grub2")'
check "titles as 10_linux writes them, newest kernel first" "$F" \
	"[.options[].name]==[\"$OS\",
	  \"$OS, with Linux $NEW\", \"$OS, with Linux $NEW (recovery mode)\",
	  \"$OS, with Linux $OLD\", \"$OS, with Linux $OLD (recovery mode)\"]"
check "exactly one default: the first entry (GRUB_DEFAULT=0)" "$F" \
	'.options[0].default==true and ([.options[]|select(.default)]|length)==1'
check "simple entry boots the newest kernel and its initrd" "$F" \
	".options[0].kernel==$(K $NEW) and .options[0].initrds==$(I $NEW)"
check "submenu kernels and initrds" "$F" \
	".options[1].kernel==$(K $NEW) and .options[1].initrds==$(I $NEW) and
	 .options[2].kernel==$(K $NEW) and .options[2].initrds==$(I $NEW) and
	 .options[3].kernel==$(K $OLD) and .options[3].initrds==$(I $OLD) and
	 .options[4].kernel==$(K $OLD) and .options[4].initrds==$(I $OLD)"
# GRUB splits the linux line into words: 10_linux's double and trailing spaces go
check "normal entries: root=UUID=<ours> ro quiet" "$F" \
	"all(.options[0,1,3]; .args==\"root=UUID=$UUID ro quiet\")"
check "recovery entries: root=UUID=<ours> ro single" "$F" \
	"all(.options[2,4]; .args==\"root=UUID=$UUID ro single\")"
check "no dtb, ids unique" "$F" \
	'all(.options[]; .dtb==null) and ([.options[].id]|unique|length)==5'

# --- GRUB_DEFAULT=saved, grub-set-default and grub-reboot ------------------------
# The tools write /boot/grub/grubenv (grub-editenv); the config reads it with
# load_env, takes next_entry over saved_entry and "clears" it with save_env,
# which kexboot must do in memory only (the image hash stays the same).
ADV="gnulinux-advanced-$UUID"
SAVED="$ADV>gnulinux-$OLD-advanced-$UUID"
NEXT="Advanced options for $OS>$OS, with Linux $NEW (recovery mode)"
if chroot_run saved "sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=saved/' /etc/default/grub
	grub-mkconfig -o /boot/grub/grub.cfg
	grub-set-default '$SAVED'" && copy_out saved /boot/grub/grub.cfg /boot/grub/grubenv; then
	ok "saved: grub-mkconfig and grub-set-default ran"
	isolated saved
	grep -q 'set default="${saved_entry}"' "$T/saved.grub.cfg" &&
		ok "saved: config defaults to \${saved_entry}" || bad "saved: no saved_entry default in grub.cfg"
	grep -a "^saved_entry=$SAVED\$" "$T/saved.grubenv" >/dev/null &&
		ok "saved: grubenv holds saved_entry" || bad "saved: grubenv: $(grep -a = "$T/saved.grubenv")"
	probe saved
	check "saved: saved_entry (submenu id path) picks the older kernel" "$T/saved.json" \
		'.errors==[] and (.options|length)==5 and .options[3].default==true
		 and ([.options[]|select(.default)]|length)==1'
else
	bad "saved: grub-mkconfig and grub-set-default ran"; cat "$T/saved.log"
fi
if chroot_run reboot "grub-reboot '$NEXT'" && copy_out reboot /boot/grub/grubenv; then
	ok "reboot: grub-reboot ran"
	isolated reboot
	grep -a "^next_entry=$NEXT\$" "$T/reboot.grubenv" >/dev/null &&
		ok "reboot: grubenv holds next_entry" || bad "reboot: grubenv: $(grep -a = "$T/reboot.grubenv")"
	probe reboot
	check "reboot: next_entry (submenu title path) wins over saved_entry" "$T/reboot.json" \
		'.errors==[] and (.options|length)==5 and .options[2].default==true
		 and ([.options[]|select(.default)]|length)==1'
else
	bad "reboot: grub-reboot ran"; cat "$T/reboot.log"
fi

echo "$fails failed"
[ "$fails" = 0 ]
