#!/bin/bash
# The daemon on real loop devices: ext4 (grub.cfg), a GPT disk with two vfat
# partitions (extlinux.conf, BLS), iso9660 (isolinux), btrfs (syslinux), xfs
# (grub2) and an ext4 with a dirty journal. kexboot-ctl must list every
# device with its identities and its options; detaching withdraws them; the
# images are byte-identical afterwards; an unprivileged client can look but
# is refused `boot`; SIGTERM unmounts everything.
. "$(dirname "$0")/lib.sh"

for t in mkfs.ext4 mkfs.vfat mcopy sfdisk xorriso mkfs.btrfs mkfs.xfs jq setpriv; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

EXT4_UUID=4c1f9a52-6e1b-4d2c-8a77-0b5f3e2d1c01
BTRFS_UUID=7d2e6f10-3c4b-4a59-9e8d-1f2a3b4c5d02
XFS_UUID=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c03
DIRTY_UUID=2b3c4d5e-6f70-4182-93a4-b5c6d7e8f904
P1_UUID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e105
P2_UUID=1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c06

mkdir -p "$W/ext4/boot/grub" "$W/iso/isolinux" "$W/iso/live" "$W/btrfs/boot/syslinux" \
	"$W/xfs/boot/grub2" "$W/dirty/extlinux" "$W/p1/extlinux" "$W/p2/loader/entries"
# kernels and initrds: content only matters for identity here
head -c 4096 /dev/urandom > "$W/kernel"
head -c 2048 /dev/urandom > "$W/initrd"

cp "$W/kernel" "$W/ext4/boot/vmlinuz-6.1.0-9-amd64"
cp "$W/initrd" "$W/ext4/boot/initrd.img-6.1.0-9-amd64"
cat > "$W/ext4/boot/grub/grub.cfg" <<EOF
set default="debian-rescue"
set timeout=5
menuentry 'Debian GNU/Linux' --id debian {
	linux /boot/vmlinuz-6.1.0-9-amd64 root=UUID=$EXT4_UUID ro quiet
	initrd /boot/initrd.img-6.1.0-9-amd64
}
menuentry 'Debian GNU/Linux (rescue)' --id debian-rescue {
	linux /boot/vmlinuz-6.1.0-9-amd64 root=UUID=$EXT4_UUID ro single
	initrd /boot/initrd.img-6.1.0-9-amd64
}
EOF
mkfs.ext4 -q -F -L KBEXT4 -U $EXT4_UUID -d "$W/ext4" "$W/ext4.img" 16M

cp "$W/kernel" "$W/iso/live/vmlinuz"
cp "$W/initrd" "$W/iso/live/initrd.img"
cat > "$W/iso/isolinux/isolinux.cfg" <<'EOF'
DEFAULT live
LABEL live
  MENU LABEL Live system
  KERNEL /live/vmlinuz
  APPEND initrd=/live/initrd.img boot=live quiet
EOF
xorriso -as mkisofs -quiet -V KBISO -R -o "$W/iso.img" "$W/iso" 2>/dev/null

cp "$W/kernel" "$W/btrfs/boot/vmlinuz"
cat > "$W/btrfs/boot/syslinux/syslinux.cfg" <<'EOF'
LABEL btr
  MENU LABEL Btrfs Linux
  LINUX /boot/vmlinuz
  APPEND root=LABEL=KBBTRFS rw
EOF
truncate -s 128M "$W/btrfs.img"
mkfs.btrfs -q -f -L KBBTRFS -U $BTRFS_UUID --rootdir "$W/btrfs" "$W/btrfs.img" >/dev/null

# xfs cannot be populated offline: fill it through a mount of our own first
truncate -s 300M "$W/xfs.img"
mkfs.xfs -q -f -L KBXFS -m uuid=$XFS_UUID "$W/xfs.img"
mkdir -p "$W/m"
mount -o loop "$W/xfs.img" "$W/m" && MOUNTS+=("$W/m")
mkdir -p "$W/m/boot/grub2"
cp "$W/kernel" "$W/m/boot/vmlinuz-xfs"
cat > "$W/m/boot/grub2/grub.cfg" <<'EOF'
menuentry 'Fedora on xfs' {
	linux /boot/vmlinuz-xfs root=LABEL=KBXFS ro
}
EOF
umount "$W/m"

# an ext4 whose journal needs recovery: copy the image while it is mounted
# and written to
cp "$W/kernel" "$W/dirty/vmlinuz"
cat > "$W/dirty/extlinux/extlinux.conf" <<'EOF'
LABEL dirty
  LINUX /vmlinuz
  APPEND root=LABEL=KBDIRTY
EOF
mkfs.ext4 -q -F -L KBDIRTY -U $DIRTY_UUID -d "$W/dirty" "$W/dirty-src.img" 16M
mount -o loop "$W/dirty-src.img" "$W/m"
for i in $(seq 20); do echo "$i" > "$W/m/file$i"; done
sync -f "$W/m/file1"
cp --sparse=always "$W/dirty-src.img" "$W/dirty.img"
umount "$W/m"
check "the dirty ext4 image needs journal recovery" \
	sh -c "dumpe2fs -h '$W/dirty.img' 2>/dev/null | grep -q needs_recovery"

# GPT: p1 vfat with extlinux.conf, p2 vfat with a BLS entry
truncate -s 64M "$W/gpt.img"
sfdisk -q "$W/gpt.img" <<EOF
label: gpt
start=2048, size=40960, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$P1_UUID, name="kb-esp"
start=43008, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$P2_UUID, name="kb-boot"
EOF
cat > "$W/p1/extlinux/extlinux.conf" <<'EOF'
DEFAULT board
LABEL board
  MENU LABEL Board Linux
  LINUX /Image
  INITRD /initrd.img
  APPEND console=ttyS0,115200 root=PARTLABEL=kb-boot
EOF
cat > "$W/p2/loader/entries/fedora.conf" <<'EOF'
title Fedora Linux 39
version 6.5.6-300.fc39.x86_64
linux /vmlinuz-6.5.6
options root=UUID=abcd ro rhgb
EOF
for p in 1 2; do
	mkfs.vfat -n KBPART$p -C "$W/p$p.img" 20480 >/dev/null
	(cd "$W/p$p" && for d in $(find . -mindepth 1 -type d | sed 's|^\./||'); do mmd -i "$W/p$p.img" "::/$d"; done
	 for f in $(find . -type f | sed 's|^\./||'); do mcopy -i "$W/p$p.img" "$f" "::/$f"; done)
done
mcopy -i "$W/p1.img" "$W/kernel" ::/Image
mcopy -i "$W/p1.img" "$W/initrd" ::/initrd.img
mcopy -i "$W/p2.img" "$W/kernel" ::/vmlinuz-6.5.6
dd if="$W/p1.img" of="$W/gpt.img" bs=512 seek=2048 conv=notrunc status=none
dd if="$W/p2.img" of="$W/gpt.img" bs=512 seek=43008 conv=notrunc status=none

IMAGES="ext4 gpt iso btrfs xfs dirty"
for i in $IMAGES; do sha256sum "$W/$i.img" > "$W/$i.sha"; done

declare -A DEV
DEVGLOBS=()
for i in $IMAGES; do
	attach "$W/$i.img" || exit 1
	DEV[$i]=$(basename "$LOOP")
	DEVGLOBS+=("${DEV[$i]}" "${DEV[$i]}p*")
done
echo "devices: $(for i in $IMAGES; do printf '%s=%s ' $i ${DEV[$i]}; done)"

: > "$W/kexboot.conf"
start_daemon --no-autoboot || exit 1

E=${DEV[ext4]} G=${DEV[gpt]} I=${DEV[iso]} R=${DEV[btrfs]} X=${DEV[xfs]} D=${DEV[dirty]}
check "all options appear" wait_json "[.options[].id] | length >= 8"

dev() { jq -c ".devices[] | select(.name == \"$1\")" "$W/list.json"; }
devis() { # devis NAME FIELD VALUE
	[ "$(jq -r ".devices[] | select(.name == \"$1\") | .$2" "$W/list.json")" = "$3" ]
}
check "ext4 identities" devis $E uuid $EXT4_UUID
check "ext4 label" devis $E label KBEXT4
check "ext4 fstype" devis $E fstype ext4
check "ext4 mounted" devis $E state mounted
check "iso9660 identities" devis $I fstype iso9660
check "iso9660 label" devis $I label KBISO
check "iso9660 is optical" devis $I type optical
check "btrfs identities" devis $R uuid $BTRFS_UUID
check "xfs identities" devis $X uuid $XFS_UUID
check "dirty ext4 mounted without replay" devis $D state mounted
check "GPT p1 partuuid" devis ${G}p1 partuuid $P1_UUID
check "GPT p1 partlabel" devis ${G}p1 partlabel kb-esp
check "GPT p2 partlabel" devis ${G}p2 partlabel kb-boot
check "GPT p1 vfat label" devis ${G}p1 label KBPART1
check "GPT whole disk has no options" jqt "[.options[] | select(.device == \"$G\")] | length == 0"

opt() { jq -c ".options[] | select(.name == \"$1\")" "$W/list.json"; }
optis() { # optis NAME JQ_TEST
	opt "$1" | jq -e "$2" >/dev/null
}
check "grub option on ext4" optis "Debian GNU/Linux" \
	".device == \"$E\" and .kernel == {device: \"$E\", path: \"/boot/vmlinuz-6.1.0-9-amd64\"} and .args == \"root=UUID=$EXT4_UUID ro quiet\""
check "grub initrd" optis "Debian GNU/Linux" ".initrds == [{device: \"$E\", path: \"/boot/initrd.img-6.1.0-9-amd64\"}]"
check "extlinux option on GPT p1" optis "Board Linux" \
	".device == \"${G}p1\" and .kernel.path == \"/Image\" and .args == \"console=ttyS0,115200 root=PARTLABEL=kb-boot\""
check "BLS option on GPT p2" optis "Fedora Linux 39" ".device == \"${G}p2\" and .kernel.path == \"/vmlinuz-6.5.6\""
check "isolinux option" optis "Live system" ".device == \"$I\" and .kernel.path == \"/live/vmlinuz\" and .initrds[0].path == \"/live/initrd.img\""
check "syslinux option on btrfs" optis "Btrfs Linux" ".device == \"$R\""
check "grub2 option on xfs" optis "Fedora on xfs" ".device == \"$X\""
check "extlinux option on the dirty ext4" optis "dirty" ".device == \"$D\""

# nothing may be written to a probed device: the block layer is read-only
check "mounted devices are read-only at the block layer" \
	test "$(blockdev --getro /dev/$E)" = 1
check "mounts are read-only" sh -c "grep ' $W/run/mnt/' /proc/self/mountinfo | awk '{print \$6}' | grep -qv '^rw' && ! grep ' $W/run/mnt/' /proc/self/mountinfo | awk '{print \$6}' | grep -q '^rw'"

# status and the text list work too
check "status answers" sh -c "'$CTL' --socket '$SOCK' status | grep -q 'options: '"
check "text list shows the ext4 option" sh -c "'$CTL' --socket '$SOCK' list | grep -q 'Debian GNU/Linux (rescue)'"

# authority: an unprivileged client can look but not boot
ID=$(opt "Debian GNU/Linux" | jq -r .id)
chmod 0666 "$SOCK"  # let it connect at all: the daemon itself must refuse
check "unprivileged list works" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" list --json
setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" boot "$ID" --dry-run \
	> "$W/unpriv.out" 2>&1
rc=$?
check "unprivileged boot is refused (exit $rc)" test $rc = 1
check "the refusal says why" grep -q "not allowed to boot" "$W/unpriv.out"
for req in "rescan" "next-boot $ID" "config set timeout 3" "cancel" "remove $ID"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" $req > "$W/unpriv.out" 2>&1
	check "unprivileged '$req' refused" grep -q "not allowed" "$W/unpriv.out"
done
check "the daemon logged the refusal" grep -q "refusing BOOT" "$W/daemon.log"

# a privileged dry run resolves the files and runs the preflight checks
ctl check "$ID" --json > "$W/check.json"
check "check reports preflight results" jq -e '.results | length > 0 and all(.[]; has("id") and has("severity") and has("source") and has("remediation"))' "$W/check.json"
ctl boot "$ID" --dry-run --force > "$W/boot.out" 2>&1
check "a privileged forced dry run resolves the kernel" grep -q "dry run: would boot 'Debian GNU/Linux'" "$W/boot.out"
ctl boot --match 'no such entry' --dry-run > "$W/boot.out" 2>&1
check "boot --match without a match fails clearly" grep -q "no option name matches" "$W/boot.out"
ctl boot --default --dry-run --force > "$W/boot.out" 2>&1
check "--default picks the grub default entry" grep -q "rescue" "$W/boot.out"

# removal: detaching withdraws the device and its options
detach "/dev/$I"
check "detached iso9660 withdrawn" wait_json "[.devices[].name] | index(\"$I\") == null"
check "its options withdrawn" jqt "[.options[] | select(.device == \"$I\")] | length == 0"
check "its mount released" sh -c "! grep -q ' $W/run/mnt/$I ' /proc/self/mountinfo"

# SIGTERM: everything unmounted, clean exit
stop_daemon
rc=$?
check "daemon exits cleanly on SIGTERM" test $rc = 0
check "no mounts left" sh -c "! grep -q ' $W/run/' /proc/self/mountinfo"
check "block devices read-write again" test "$(blockdev --getro /dev/$E)" = 0

# detach the rest, then compare
for i in $IMAGES; do
	[ "$i" = iso ] || detach "/dev/${DEV[$i]}"
done
for i in $IMAGES; do
	check "$i image byte-identical" sha256sum -c --quiet "$W/$i.sha"
done
finish
